"""The `profile` section of a run config (keys scan, pool, starts, seed) with explicit arguments on top."""

from nsifit.errors import NsifitError
from nsifit.inference.profile.scan import check_pool

PROFILE_DEFAULTS = {"scan": None, "pool": "serial", "starts": 8, "seed": 0}


def profile_settings(cfg, given):
    """The profile section of a config with explicit arguments on top, validated."""
    section = dict(cfg.profile or {})
    for key in section:
        if key not in PROFILE_DEFAULTS:
            raise NsifitError(f"profile: unknown key '{key}'; valid: {', '.join(PROFILE_DEFAULTS)}")
    out = dict(PROFILE_DEFAULTS, **section)
    out.update({k: v for k, v in given.items() if v is not None})
    if isinstance(out["scan"], str):
        out["scan"] = [out["scan"]]
    if not out["scan"]:
        raise NsifitError("give --scan NAME:MIN:MAX:N[:log] (once for 1D, twice for 2D) "
                          "or profile.scan in the config")
    if len(out["scan"]) > 2:
        raise NsifitError(f"a scan has one or two axes, got {len(out['scan'])} --scan options")
    if not isinstance(out["starts"], int) or out["starts"] < 1:
        raise NsifitError(f"--starts must be an integer >= 1, got {out['starts']!r}")
    check_pool(out["pool"])
    return out
