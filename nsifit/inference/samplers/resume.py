"""What a run continues from: the stored run's config and data compared with this one, the existing
output refused or taken over, the stored target (ESS, convergence, step cap) and when it is met."""

from pathlib import Path

import yaml

from nsifit.errors import ConfigError, NsifitError, StorageError
from nsifit.inference.samplers.diagnostics import target_reached
from nsifit.io.files import open_h5
from nsifit.io.runfile import check_resumable, read_run
from nsifit.theory.models import canonical_spec

NON_STATISTICAL = {"sampler": ("steps", "ess", "converge", "tau_factor", "max_steps", "pool", "chunk_size",
                               "flush_steps", "flush_seconds", "progress", "derived_every", "init",
                               "effective_samples", "f_live", "max_calls"),
                   "output": None, "data_dir": None}
NESTED_ONLY = ("engine", "live_points", "batch", "networks")
TARGET_KEYS = ("ess", "converge", "max_steps")     # a resume keeps the stored run's target unless given


def statistical_config(resolved):
    """The parts of a resolved config that change the chain (compared on resume)."""
    out = {k: v for k, v in resolved.items() if k not in ("output", "data_dir")}
    try:        # a run stored before model settings existed has the bare name: same as its defaults
        out["model"] = canonical_spec(resolved["model"])
    except NsifitError:
        pass
    out["sampler"] = {k: v for k, v in resolved["sampler"].items() if k not in NON_STATISTICAL["sampler"]}
    if out["sampler"].get("engine", "ensemble") == "ensemble":    # runs stored before the nested engine
        out["sampler"] = {k: v for k, v in out["sampler"].items() if k not in NESTED_ONLY}
    return out


def config_differences(old, new, prefix=""):
    """['key: stored X, now Y', ...] between two nested dicts (a changed plugin list as the two lists)."""
    out = []
    if prefix == "" and isinstance(old.get("likelihoods"), dict) and isinstance(new.get("likelihoods"), dict) \
            and list(old["likelihoods"]) != list(new["likelihoods"]):
        out.append(f"likelihoods: stored [{', '.join(old['likelihoods'])}], now [{', '.join(new['likelihoods'])}]")
        old, new = ({k: v for k, v in d.items() if k != "likelihoods"} for d in (old, new))
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += config_differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: stored {a!r}, now {b!r}")
    return out


def check_resume(run, config, posterior, force):
    stored = yaml.safe_load(str(run.attrs["config_yaml"]))
    differences = config_differences(statistical_config(stored), statistical_config(config.resolved))
    if differences and not force:
        raise ConfigError(f"{run.path}: config differs from the stored run ({'; '.join(differences)}); "
                          "use --force to resume anyway")
    files = file_differences(run.data_files, posterior.data_files)
    if files and not force:
        raise ConfigError(f"{run.path}: data files changed since the run started ({'; '.join(files)}); "
                          "use --force to resume anyway")
    if run.chain.shape[1:] != (config.sampler["walkers"], posterior.ndim):
        raise ConfigError(f"{run.path}: stored chain has shape (walkers, ndim) = {run.chain.shape[1:]}, "
                          f"config asks for {(config.sampler['walkers'], posterior.ndim)}")
    stored_blobs, now_blobs = list(run.blob_names), list(posterior.blob_names)
    if stored_blobs != now_blobs and _same_plugins_fewer_derived(stored_blobs, now_blobs):
        posterior.blob_names = stored_blobs      # derived quantities added since: recomputed on demand
    elif stored_blobs != now_blobs:
        raise ConfigError(f"{run.path}: the stored per-point quantities differ from this posterior's "
                          f"(stored {', '.join(run.blob_names)}; now {', '.join(posterior.blob_names)}); "
                          "the plugins changed since the run: start a new run")
    check_resumable(run)


def _same_plugins_fewer_derived(stored, now):
    """True when a stored run's blobs are this posterior's minus derived quantities added since
    (same plugins, in the same order): it resumes storing only what it stored."""
    loglikes = [n for n in now if n.startswith("loglike_")]
    return [n for n in stored if n.startswith("loglike_")] == loglikes and \
        [n for n in now if n in set(stored)] == stored


def file_differences(old, new):
    """['removed X', 'added Y', 'changed Z'] between two {data file: sha256} maps.

    Version 1 files keyed the data files by absolute path: compare those by content only."""
    if old and all(Path(k).is_absolute() for k in old):
        old_digests, new_digests = sorted(old.values()), sorted(new.values())
        return [] if old_digests == new_digests else [
            f"stored {len(old)} file(s), now {len(new)}, contents differ"]
    out = [f"removed {k}" for k in sorted(set(old) - set(new))]
    out += [f"added {k}" for k in sorted(set(new) - set(old))]
    out += [f"changed {k}" for k in sorted(set(old) & set(new)) if old[k] != new[k]]
    return out


def inherit_target(run, s):
    """--resume without a target keeps the stored run's (ess, converge, max_steps): it continues
    toward the same target; a target given now replaces it."""
    stored = (yaml.safe_load(str(run.attrs["config_yaml"])) or {}).get("sampler", {})
    if converging(s):
        return
    for key in TARGET_KEYS:
        if stored.get(key) not in (None, False):
            s[key] = stored[key]


def previous_run(output, resume, force):
    """(RunData of the valid steps or None, whether the file has groups to carry over).

    Refuses an existing output without --resume/--force, except an nsifit run file holding no
    step (a failed start), which is replaced."""
    if not output.exists():
        return None, False
    if resume:
        with open_h5(output) as h5:
            has_chain, others = "mcmc" in h5, [g for g in h5 if g not in ("mcmc", "params", "data_files")]
        return (read_run(output) if has_chain else None), bool(others)
    try:
        with open_h5(output) as h5:
            has_chain, others = "mcmc" in h5, [g for g in h5 if g not in ("mcmc", "params", "data_files")]
        empty = has_chain and not others and read_run(output).iteration == 0
    except StorageError:
        if not force:
            raise
        return None, False                       # --force over a file that is not a readable nsifit file
    if not (force or empty):
        if has_chain:
            raise ConfigError(f"output {output} exists; use --resume to continue it or --force to overwrite it")
        raise ConfigError(f"output {output} exists; use --resume to add a chain to its profile scans "
                          "(they are kept) or --force")
    return None, bool(others)


def holds_no_step(output):
    try:
        return read_run(output).iteration == 0
    except NsifitError:
        return False


def verify_steps(output, steps):
    """The file must hold the steps the run reports (another writer, a failed write...)."""
    stored = read_run(output).iteration
    if stored != steps:
        raise StorageError(f"{output} holds {stored} steps, the run made {steps}: the file was changed "
                           "by something else while the run wrote it")


def already_done(previous, s):
    """Does a resumed run already hold what was asked (steps; with a target: reached, or the cap)?"""
    n = previous.iteration
    if n < s["steps"]:
        return False
    if not converging(s) or n >= step_cap(s):
        return True
    return bool(target_reached(previous.chain, s.get("ess"), s["tau_factor"])[0])
CHECK_FRACTION = 0.1       # with a target: check every 10% of the steps so far ...
MIN_CHECK_STEPS = 50       # ... but not more often than every 50 steps


def converging(s):
    """True when the run stops on a target (sampler.ess or converge) instead of at `steps`."""
    return s.get("ess") is not None or bool(s.get("converge"))


def step_cap(s):
    """The most steps a run may take: `steps` without a target, else max_steps (default 10 x steps)."""
    if not converging(s):
        return s["steps"]
    return max(s["max_steps"] or 10 * s["steps"], s["steps"])
