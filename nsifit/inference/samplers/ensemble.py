"""emcee driver: initial walkers, pools, HDF5 storage with resume, convergence diagnostics.

The ensemble is evaluated in one vectorized call (`vectorized`), split into one chunk
per worker (`processes[:N]`, `mpi`: each chunk is still one vectorized call), or point
by point (`serial`, the reference for benchmarks). emcee's moves draw from a
RandomState seeded with the run's seed and saved with every flush, so the same seed
gives the same chain, with or without interruptions.
"""

import os
import secrets
import signal
import sys
import threading
import time
from pathlib import Path

import emcee
import numpy as np
from tqdm import tqdm

from nsifit.errors import ConfigError, NsifitError, StorageError
from nsifit.inference.config import parse_pool
from nsifit.inference.parallel import open_pool
from nsifit.inference.samplers.diagnostics import diagnostics, estimate_tau, target_reached
from nsifit.inference.samplers.moves import ensemble_moves
from nsifit.inference.samplers.resume import (
    CHECK_FRACTION,
    MIN_CHECK_STEPS,
    already_done,
    check_resume,
    converging,
    holds_no_step,
    inherit_target,
    previous_run,
    step_cap,
    verify_steps,
)
from nsifit.inference.samplers.start import LogProb, initial_walkers
from nsifit.io.files import remove_stale_temporaries
from nsifit.io.lock import OutputLock
from nsifit.io.runfile import H5Backend, constant_blobs


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


def run(config, posterior, output=None, resume=False, force=False, progress=None):
    """Run (or resume to the requested total) and return (backend, diagnostics).

    Raises NothingToDo when a resumed run already holds the requested steps and Interrupted
    (after flushing) when SIGINT or SIGTERM arrives."""
    s = config.sampler
    output = Path(output or config.output)
    kind, _ = parse_pool(s["pool"])
    if s["walkers"] % 2:
        raise ConfigError(f"sampler.walkers: must be an even number for emcee's ensemble moves (they update "
                          f"the walkers in two halves), got {s['walkers']}")
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
            previous, carry = previous_run(output, resume, force)
            if previous is not None:
                if s["seed"] is None:
                    s["seed"] = int(previous.attrs["seed"])
                inherit_target(previous, s)
                check_resume(previous, config, posterior, force)
                if already_done(previous, s):
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
            verify_steps(output, backend.iteration)
            if stop.received is not None:
                raise Interrupted(backend.iteration, stop.received, output)
        return backend, diagnostics(backend.get_chain(), backend.accepted, s["tau_factor"], posterior.names,
                                    [(p.lower, p.upper) for p in posterior.sampled], s.get("ess"),
                                    log_scale=[p.log_scale for p in posterior.sampled])
    except BaseException:
        if created and holds_no_step(output):
            output.unlink(missing_ok=True)        # a failed start leaves nothing behind
        raise
    finally:
        pool.close()


def _advance(sampler, state, s, show, stop=None):
    """Sample to `steps`; with a target, go on in stages of ~10% of the steps so far until every
    parameter has ESS >= sampler.ess and the chain is >= tau_factor tau long, or max_steps (the run's
    diagnostics report whether the target was reached)."""
    backend = sampler.backend
    cap = step_cap(s)
    bar = tqdm(total=s["steps"], initial=backend.iteration, unit="step", dynamic_ncols=True,
               disable=not (show and sys.stderr.isatty()))
    last_info, target = 0.0, s["steps"]
    try:
        while True:
            if backend.iteration < target:
                bar.total = max(bar.total, target)
                try:
                    for new_state in sampler.sample(state, iterations=target - backend.iteration, progress=False):
                        state = new_state
                        bar.update(1)
                        if stop is not None and stop.received is not None:
                            return
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
                return
            reached, tau, ess = target_reached(backend.get_chain(), s.get("ess"), s["tau_factor"])
            if not bar.disable:
                bar.set_postfix(tau=f"{np.nanmax(tau):.0f}", ess_min=f"{np.nanmin(ess):.0f}")
            if reached or backend.iteration >= cap:
                return
            target = min(cap, backend.iteration + max(MIN_CHECK_STEPS, int(CHECK_FRACTION * backend.iteration)))
    finally:
        bar.close()
