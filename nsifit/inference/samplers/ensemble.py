"""emcee driver: initial walkers, pools, HDF5 storage with resume, convergence diagnostics.

The ensemble is evaluated in one vectorized call (`vectorized`), split into one chunk
per worker (`processes[:N]`, `mpi`: each chunk is still one vectorized call), or point
by point (`serial`, the reference for benchmarks). emcee's moves draw from a
RandomState seeded with the run's seed and saved with every flush, so the same seed
gives the same chain, with or without interruptions.
"""

import math
import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

import emcee
import numpy as np
import yaml
from tqdm import tqdm

from nsifit.errors import ConfigError, NsifitError, StorageError
from nsifit.inference.config import parse_pool
from nsifit.inference.parallel import open_pool
from nsifit.inference.samplers.diagnostics import diagnostics, estimate_tau, target_reached
from nsifit.inference.samplers.moves import ensemble_moves
from nsifit.io.files import open_h5, remove_stale_temporaries
from nsifit.io.lock import OutputLock
from nsifit.io.runfile import H5Backend, check_resumable, constant_blobs, read_run
from nsifit.theory.models import canonical_spec

INIT_ATTEMPTS = 100
INIT_CHUNK = 20          # weighted start: prior draws per walker and round ...
INIT_MAX_DRAWS = 2000    # ... at most this many per walker (the cost of ~15 sampler steps at 128 walkers) ...
INIT_ESS = 2             # ... stopping once the likelihood weights' ESS reaches 2 x walkers
NON_STATISTICAL = {"sampler": ("steps", "ess", "converge", "tau_factor", "max_steps", "pool", "chunk_size",
                               "flush_steps", "flush_seconds", "progress", "derived_every", "init"),
                   "output": None, "data_dir": None}
TARGET_KEYS = ("ess", "converge", "max_steps")     # a resume keeps the stored run's target unless given


def _rows(posterior, x):
    """(n, 1 + n_blobs) array: log posterior, then the blobs in posterior.blob_names order."""
    logp, blobs = posterior.log_prob(x)
    return np.column_stack([logp] + [blobs[name] for name in posterior.blob_names])


class LogProb:
    """The function handed to emcee: the ensemble, vectorized, optionally split over a pool."""

    def __init__(self, posterior, pool, chunk_size=None):
        self.posterior, self.pool, self.chunk_size = posterior, pool, chunk_size

    def __call__(self, x):
        x = np.atleast_2d(x)
        if self.pool.size == 1:
            return _rows(self.posterior, x)
        n_chunks = math.ceil(len(x) / self.chunk_size) if self.chunk_size else self.pool.size
        return np.concatenate(self.pool.map(_rows, np.array_split(x, n_chunks)))

    def point(self, x):
        """One walker (the `serial` pool: emcee maps this over the ensemble)."""
        return _rows(self.posterior, np.atleast_2d(x))[0]


def initial_walkers(posterior, nwalkers, rng, log_prob, init="weighted"):
    """The starting ensemble: (internal coordinates (nwalkers, ndim), log_prob rows).

    init='weighted' (default; not with a `ref` ball): prior draws resampled by their likelihood
    (sampling-importance-resampling, Rubin 1988): rounds of INIT_CHUNK x walkers prior draws, up to
    INIT_MAX_DRAWS x walkers, until the weights' effective sample size reaches INIT_ESS x walkers;
    then `nwalkers` distinct draws with probability proportional to the likelihood. The ensemble
    starts with its walkers spread over the posterior's modes in about the right proportions,
    instead of having to find and fill the modes during burn-in (on a multimodal posterior that
    takes many autocorrelation times). The chain's target is the same; only its start differs.
    init='prior' (or a `ref` ball): draws from the prior (or the ball) with finite posterior.
    """
    if init == "weighted" and all(p.ref is None for p in posterior.sampled):
        return _weighted_walkers(posterior, nwalkers, rng, log_prob)
    x = posterior.sample_prior(nwalkers, rng)
    rows = log_prob(x)
    for _ in range(INIT_ATTEMPTS):
        bad = ~np.isfinite(rows[:, 0])
        if not bad.any():
            return x, rows
        x[bad] = posterior.sample_prior(int(bad.sum()), rng)
        rows[bad] = log_prob(x[bad])
    raise ConfigError(f"{int(bad.sum())} of {nwalkers} initial walkers have log posterior -inf after "
                      f"{INIT_ATTEMPTS} redraws (from: {_culprits(posterior, rows[bad])}); "
                      "narrow the priors or give a 'ref' ball inside the allowed region")


def _culprits(posterior, rows):
    """The plugins whose log L is -inf at all of these rows (or 'the prior')."""
    names = [n for i, n in enumerate(posterior.blob_names) if n.startswith("loglike_")
             and not np.isfinite(rows[:, 1 + i]).any()]
    return ", ".join(names) or "the prior"


def _weighted_walkers(posterior, nwalkers, rng, log_prob):
    total = 1 + posterior.blob_names.index("loglike_total")
    xs, rows = [], []
    for _ in range(INIT_MAX_DRAWS // INIT_CHUNK):
        x = posterior.sample_prior(INIT_CHUNK * nwalkers, rng)
        xs.append(x)
        rows.append(log_prob(x))
        logl = np.concatenate(rows)[:, total]
        finite = np.isfinite(logl) & np.isfinite(np.concatenate(rows)[:, 0])
        if finite.sum() < nwalkers:
            continue
        w = np.where(finite, np.exp(logl - np.max(logl[finite])), 0.0)
        if w.sum() ** 2 / np.sum(w * w) >= INIT_ESS * nwalkers:
            break
    x, rows = np.concatenate(xs), np.concatenate(rows)
    finite = np.isfinite(rows[:, total]) & np.isfinite(rows[:, 0])
    if finite.sum() < nwalkers:
        raise ConfigError(f"only {int(finite.sum())} of {len(x)} prior draws have a finite posterior, fewer than "
                          f"the {nwalkers} walkers (from: {_culprits(posterior, rows[~finite])}); "
                          "narrow the priors or give a 'ref' ball inside the allowed region")
    w = np.where(finite, np.maximum(np.exp(rows[:, total] - np.max(rows[finite, total])), 1e-300), 0.0)
    pick = rng.choice(len(x), size=nwalkers, replace=False, p=w / w.sum())
    return x[pick], rows[pick]


def statistical_config(resolved):
    """The parts of a resolved config that change the chain (compared on resume)."""
    out = {k: v for k, v in resolved.items() if k not in ("output", "data_dir")}
    try:        # a run stored before model settings existed has the bare name: same as its defaults
        out["model"] = canonical_spec(resolved["model"])
    except NsifitError:
        pass
    out["sampler"] = {k: v for k, v in resolved["sampler"].items() if k not in NON_STATISTICAL["sampler"]}
    return out


def _differences(old, new, prefix=""):
    """['key: stored X, now Y', ...] between two nested dicts (a changed plugin list as the two lists)."""
    out = []
    if prefix == "" and isinstance(old.get("likelihoods"), dict) and isinstance(new.get("likelihoods"), dict) \
            and list(old["likelihoods"]) != list(new["likelihoods"]):
        out.append(f"likelihoods: stored [{', '.join(old['likelihoods'])}], now [{', '.join(new['likelihoods'])}]")
        old, new = ({k: v for k, v in d.items() if k != "likelihoods"} for d in (old, new))
    for key in sorted(set(old) | set(new), key=str):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            out += _differences(a, b, f"{prefix}{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: stored {a!r}, now {b!r}")
    return out


def _check_resume(run, config, posterior, force):
    stored = yaml.safe_load(str(run.attrs["config_yaml"]))
    differences = _differences(statistical_config(stored), statistical_config(config.resolved))
    if differences and not force:
        raise ConfigError(f"{run.path}: config differs from the stored run ({'; '.join(differences)}); "
                          "use --force to resume anyway")
    files = _file_differences(run.data_files, posterior.data_files)
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


def _file_differences(old, new):
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


class Interrupted(NsifitError):
    """SIGINT or SIGTERM stopped the run at a safe point; `steps` are in the file."""

    def __init__(self, steps, signum, path):
        self.steps, self.signum, self.path = steps, signum, path
        super().__init__(f"interrupted at step {steps}; continue with --resume")


class NothingToDo(NsifitError):
    """--resume on a run that already has the requested steps."""

    def __init__(self, steps, path):
        self.steps, self.path = steps, path
        super().__init__(f"nothing to do: {path} already holds {steps} steps")


class StopSignals:
    """SIGINT/SIGTERM set a flag that the sampling loop checks after each step (main thread only)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self):
        self.received = None
        self._previous = {}

    def _handler(self, signum, frame):
        self.received = signum

    def __enter__(self):
        if threading.current_thread() is threading.main_thread():
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handler)
        return self

    def __exit__(self, *exc):
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous = {}


def check_memory(walkers, steps, ndim, n_blobs):
    """ConfigError when emcee's in-memory chain (steps x walkers x values) exceeds the machine's memory."""
    need = float(walkers) * steps * (ndim + 1 + n_blobs) * 8
    try:
        have = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        have = 2 ** 40
    if need > have:
        raise ConfigError(f"sampler: {walkers} walkers x {steps} steps need {need / 1e9:.3g} GB of memory "
                          f"(emcee keeps the chain and {n_blobs} per-point quantities in memory), this machine "
                          f"has {have / 1e9:.3g} GB; ask for fewer walkers or steps")


def _inherit_target(run, s):
    """--resume without a target keeps the stored run's (ess, converge, max_steps): it continues
    toward the same target; a target given now replaces it."""
    stored = (yaml.safe_load(str(run.attrs["config_yaml"])) or {}).get("sampler", {})
    if converging(s):
        return
    for key in TARGET_KEYS:
        if stored.get(key) not in (None, False):
            s[key] = stored[key]


def _previous_run(output, resume, force):
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


def run(config, posterior, output=None, resume=False, force=False, progress=None):
    """Run (or resume to the requested total) and return (backend, diagnostics).

    Raises NothingToDo when a resumed run already holds the requested steps and Interrupted
    (after flushing) when SIGINT or SIGTERM arrives."""
    s = config.sampler
    output = Path(output or config.output)
    kind, _ = parse_pool(s["pool"])
    if s["walkers"] < 2 * posterior.ndim:
        raise ConfigError(f"sampler.walkers: {s['walkers']} walkers for {posterior.ndim} parameters; "
                          f"emcee needs at least {2 * posterior.ndim}")
    check_memory(s["walkers"], step_cap(s), posterior.ndim, len(posterior.blob_names))
    if output.is_dir():
        raise ConfigError(f"output {output} is a directory; give a file name (e.g. {output / 'run.h5'})")
    pool = open_pool(s["pool"], posterior)      # first: MPI worker ranks stay inside until the end
    created = False
    try:
        with OutputLock(output):
            remove_stale_temporaries(output)
            previous, carry = _previous_run(output, resume, force)
            if previous is not None:
                if s["seed"] is None:
                    s["seed"] = int(previous.attrs["seed"])
                _inherit_target(previous, s)
                _check_resume(previous, config, posterior, force)
                if _done(previous, s):
                    raise NothingToDo(previous.iteration, output)
            if s["seed"] is None:
                s["seed"] = secrets.randbits(31)
            seed, nwalkers = s["seed"], s["walkers"]
            log_prob = LogProb(posterior, pool, s["chunk_size"])
            backend = H5Backend(output, s["flush_steps"], s["flush_seconds"], s["derived_every"])
            resumed = previous if previous is not None and previous.iteration else None
            constants = None
            if resumed is None:            # before the file exists: a failed start leaves no file
                x, rows = initial_walkers(posterior, nwalkers, np.random.default_rng(seed), log_prob,
                                          s["init"])
                constants = constant_blobs(rows[:, 1:], posterior.blob_names)
            backend.create(posterior, nwalkers, config.yaml(), seed, resumed, constants,
                           carry=output if carry or previous is not None else None)
            created = resumed is None and not carry
            if resumed is not None:
                state = emcee.State(backend.chain[-1], backend.log_prob[-1], backend.state_blobs,
                                    backend.random_state)
            else:
                state = emcee.State(x, rows[:, 0], rows[:, 1:], np.random.RandomState(seed).get_state())
            sampler = emcee.EnsembleSampler(nwalkers, posterior.ndim,
                                            log_prob.point if kind == "serial" else log_prob,
                                            vectorize=kind != "serial", backend=backend,
                                            moves=ensemble_moves(s["moves"]))
            with StopSignals() as stop:
                try:
                    _advance(sampler, state, s, progress if progress is not None else s["progress"], stop)
                except BaseException:
                    if created and backend.flushed == 0:
                        backend.discard()       # a failed start: nothing was flushed, leave no file
                    else:
                        backend.close()         # keep the valid steps
                    raise
                backend.close()
            created = False
            _verify(output, backend.iteration)
            if stop.received is not None:
                raise Interrupted(backend.iteration, stop.received, output)
        return backend, diagnostics(backend.get_chain(), backend.accepted, s["tau_factor"], posterior.names,
                                    [(p.lower, p.upper) for p in posterior.sampled], s.get("ess"),
                                    log_scale=[p.log_scale for p in posterior.sampled])
    except BaseException:
        if created and _holds_no_step(output):
            output.unlink(missing_ok=True)        # a failed start leaves nothing behind
        raise
    finally:
        pool.close()


def _holds_no_step(output):
    try:
        return read_run(output).iteration == 0
    except NsifitError:
        return False


def _verify(output, steps):
    """The file must hold the steps the run reports (another writer, a failed write...)."""
    stored = read_run(output).iteration
    if stored != steps:
        raise StorageError(f"{output} holds {stored} steps, the run made {steps}: the file was changed "
                           "by something else while the run wrote it")


def _done(previous, s):
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


def _advance(sampler, state, s, show, stop=None):
    """Sample to `steps`; with a target, go on in stages of ~10% of the steps so far until every
    parameter has ESS >= sampler.ess and the chain is >= tau_factor tau long, or max_steps.
    Returns the last check: {'reached', 'tau', 'ess'} (None without a target)."""
    backend = sampler.backend
    cap = step_cap(s)
    bar = tqdm(total=s["steps"], initial=backend.iteration, unit="step", dynamic_ncols=True,
               disable=not (show and sys.stderr.isatty()))
    last_info, target, check = 0.0, s["steps"], None
    try:
        while True:
            if backend.iteration < target:
                bar.total = max(bar.total, target)
                try:
                    for new_state in sampler.sample(state, iterations=target - backend.iteration, progress=False):
                        state = new_state
                        bar.update(1)
                        if stop is not None and stop.received is not None:
                            return check
                        if bar.disable or time.monotonic() - last_info < 2.0:
                            continue
                        last_info = time.monotonic()
                        tau = estimate_tau(backend.get_chain()) if backend.iteration >= 50 else [np.nan]
                        bar.set_postfix(acc=f"{np.mean(backend.accepted) / backend.iteration:.2f}",
                                        tau=f"{np.max(tau):.0f}")
                except ValueError as err:
                    if "condition number" not in str(err):
                        raise
                    raise StorageError(f"{backend.path}: the walkers of step {backend.iteration} are degenerate "
                                       f"(emcee: {err}); start a new run") from None
            if not converging(s) or backend.iteration < 2:
                return check
            reached, tau, ess = target_reached(backend.get_chain(), s.get("ess"), s["tau_factor"])
            check = {"reached": reached, "tau": tau, "ess": ess, "steps": backend.iteration}
            if not bar.disable:
                bar.set_postfix(tau=f"{np.nanmax(tau):.0f}", ess_min=f"{np.nanmin(ess):.0f}")
            if reached or backend.iteration >= cap:
                return check
            target = min(cap, backend.iteration + max(MIN_CHECK_STEPS, int(CHECK_FRACTION * backend.iteration)))
    finally:
        bar.close()
