"""The BibTeX of everything a run config, a run or profile file (its stored config) or a bounds config
uses: nsifit, the model, each plugin's selected datasets and theory inputs (nsifit.plugins.bibliography).
Lives in the bounds layer because a bounds config is one of the sources it reads."""

from collections.abc import Mapping
from pathlib import Path

import yaml

from nsifit.inference.config import load_config
from nsifit.io.files import open_h5


def bibliography(source, data_dir=None):
    """BibTeX text for `source`: a config mapping, a path to a run config, run, profile or bounds config
    file, or a shipped example's name."""
    from nsifit.plugins import bibliography as bib
    raw = source
    if isinstance(raw, (str, Path)) and Path(raw).is_file() and Path(raw).read_bytes()[:8] == b"\x89HDF\r\n\x1a\n":
        with open_h5(raw) as h5:
            raw = yaml.safe_load(str(h5.attrs.get("config_yaml", "{}")))
    bounds = _bounds_source(raw) if isinstance(raw, (str, Path)) else raw if "layers" in raw else None
    if bounds is not None:
        from nsifit.bounds import limit_config, load_bounds_config, profile_config
        cfg = load_bounds_config(dict(bounds) if isinstance(bounds, Mapping) else bounds)
        pairs = [m for layer in cfg.layers for m in (layer.members or ((layer.likelihood, layer.options),))]
        pairs += list(load_config(profile_config(cfg)).likelihoods.items()) if cfg.profile else []  # overlay
        pairs += list(load_config(limit_config(cfg)).likelihoods.items()) if cfg.limit is not None else []
        return bib.format_bibliography(*bib.run_keys(cfg.model.spec, pairs, data_dir))
    cfg = load_config(raw)
    return bib.format_bibliography(*bib.run_keys(cfg.model, cfg.likelihoods, data_dir or cfg.data_dir))


def _bounds_source(source):
    """A bounds config's Path (a file with `layers`, or a shipped figure's name), else None."""
    from nsifit import examples
    path = Path(source)
    if not path.is_file():
        return examples.path(source) if examples.names().get(str(source).removesuffix(".yaml")) == "bounds" \
            else None
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None                     # load_config reports it in one line
    return path if isinstance(raw, dict) and "layers" in raw else None
