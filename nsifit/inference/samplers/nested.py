"""Nested-sampling driver (nautilus): the evidence Z and weighted posterior samples of a Posterior.

Z = integral of L(theta) pi(theta) dtheta with pi the config's prior normalised over its box and
L = exp(loglike_total), the sum of the plugin log-likelihoods (constant terms dropped as each
plugin states: Bayes factors compare runs with the same plugins and datasets). nautilus samples the
unit cube; `PriorTransform` maps it onto the internal coordinates (uniform in the box, uniform in
log10 for log-uniform priors, the inverse CDF of the possibly truncated normal for gaussian ones),
so the prior is handled by the transform and the sampler sees the likelihood only. Each batch of
`sampler.batch` points is one vectorized Posterior call (`pool: vectorized`), or one call per worker
(`processes[:N]`, or `mpi` under mpiexec: rank 0 drives, the other ranks evaluate; nsifit.inference.parallel).

Crash safety: nautilus writes its state to OUT.nested-checkpoint.h5 after every batch (its
`filepath`/`resume` mechanism, nautilus docs "High-Level Interface"); the run file OUT holds the
metadata and a /nested group with status 'running' until the end, when the samples, weights and
log Z replace it atomically (nsifit.io.nestedfile). SIGINT/SIGTERM stop the run between batches;
`--resume` continues from the checkpoint (and may ask for more `effective_samples`).
"""

import math
import secrets
import sys
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import truncnorm

from nsifit.errors import ConfigError, NsifitError, StorageError
from nsifit.inference.parallel import open_pool
from nsifit.inference.samplers.ensemble import StopSignals
from nsifit.inference.samplers.resume import config_differences, file_differences, statistical_config
from nsifit.inference.samplers.start import LogProb
from nsifit.io.files import open_h5, remove_stale_temporaries
from nsifit.io.lock import OutputLock
from nsifit.io.nestedfile import nested_status, write_nested, write_pending

LIBRARY = "nautilus"
CHECKPOINT_SUFFIX = ".nested-checkpoint.h5"
BOUNDED_KINDS = ("uniform", "log-uniform")


class Interrupted(NsifitError):
    """SIGINT or SIGTERM stopped the run between two batches; the checkpoint holds `steps` calls."""

    def __init__(self, calls, signum, path):
        self.steps, self.signum, self.path = calls, signum, path
        super().__init__(f"interrupted after {calls} likelihood calls; continue with --resume")


class _Stop(Exception):
    """Raised inside the likelihood call to leave nautilus' loop between two checkpoint writes."""


def checkpoint_path(output):
    """nautilus' own resumable state beside the run file: OUT.h5 -> OUT.nested-checkpoint.h5."""
    output = Path(output)
    return output.with_name(output.stem + CHECKPOINT_SUFFIX)


class PriorTransform:
    """Unit cube (n, ndim) -> internal coordinates (n, ndim), the prior's inverse CDF per parameter."""

    def __init__(self, sampled):
        self.sampled = list(sampled)
        for p in self.sampled:
            if p.prior in BOUNDED_KINDS:
                if not (math.isfinite(p.lower) and math.isfinite(p.upper)):
                    raise ConfigError(f"params.{p.name}: a {p.prior} prior needs finite min and max for "
                                      "nested sampling")
            elif p.prior != "gaussian":
                raise ConfigError(f"params.{p.name}: prior '{p.prior}' has no unit-cube transform; nested "
                                  f"sampling takes {', '.join(BOUNDED_KINDS)} and gaussian priors")

    def __call__(self, u):
        u = np.atleast_2d(np.asarray(u, dtype=float))
        x = np.empty_like(u)
        for i, p in enumerate(self.sampled):
            if p.prior == "gaussian":
                a, b = (p.lower - p.mean) / p.sigma, (p.upper - p.mean) / p.sigma
                q = np.clip(u[:, i], 1e-300, 1.0 - 1e-16)
                x[:, i] = np.clip(truncnorm.ppf(q, a, b, loc=p.mean, scale=p.sigma), p.lower, p.upper)
            else:          # uniform in the internal coordinate (log10 for log-uniform)
                x[:, i] = p.lower + u[:, i] * (p.upper - p.lower)
        return x


class LogLikelihood:
    """A batch of points -> (loglike_total, *blobs in posterior.blob_names order): one vectorized Posterior
    call, or one per worker of a `processes[:N]` / `mpi` pool (samplers.start.LogProb)."""

    def __init__(self, posterior, pool, chunk_size=None):
        self.posterior = posterior
        self.log_prob = LogProb(posterior, pool, chunk_size)
        self.total = posterior.blob_names.index("loglike_total")
        self.stop = None

    def __call__(self, x):
        if self.stop is not None and self.stop.received is not None:
            raise _Stop()
        rows = self.log_prob(np.atleast_2d(x))
        return (rows[:, 1 + self.total], *(rows[:, 1 + j] for j in range(len(self.posterior.blob_names))))


def check_settings(s, posterior, output):
    if posterior.ndim < 2:
        raise ConfigError(f"the nested engine (nautilus) needs >= 2 sampled parameters, got {posterior.ndim}")
    if output.is_dir():
        raise ConfigError(f"output {output} is a directory; give a file name (e.g. {output / 'run.h5'})")
    if output.suffix not in (".h5", ".hdf5"):
        raise ConfigError(f"output {output}: the nested engine writes HDF5 files ending in .h5 or .hdf5")


def _previous(output, checkpoint, config, posterior, resume, force):
    """(resume from the checkpoint?, file to carry other groups from) for an existing output."""
    if not output.exists():
        return False, None
    try:
        status = nested_status(output)
        with open_h5(output) as h5:
            has_chain = "mcmc" in h5
            stored = yaml.safe_load(str(h5.attrs["config_yaml"]))
            files = dict(h5["data_files"].attrs) if "data_files" in h5 else {}
    except StorageError:
        if not force:
            raise
        return False, None
    if not resume:
        if not force:
            raise ConfigError(f"output {output} exists; use --resume to continue it or --force to overwrite it")
        return False, output
    if has_chain:
        raise ConfigError(f"output {output} holds an ensemble (emcee) run; give another output or --force")
    if status is None:
        return False, output          # profile scans only: the nested run is added beside them
    differences = config_differences(statistical_config(stored), statistical_config(config.resolved))
    differences += file_differences(files, posterior.data_files)
    if differences and not force:
        raise ConfigError(f"{output}: config or data differ from the stored run ({'; '.join(differences)}); "
                          "use --force to resume anyway")
    if config.sampler["seed"] is None:
        config.sampler["seed"] = stored.get("sampler", {}).get("seed")
    if status == "done" and not checkpoint.exists():
        raise ConfigError(f"{output}: the nested run is finished and its checkpoint {checkpoint.name} is gone, "
                          "so it cannot continue; use --force to start it again")
    return checkpoint.exists(), output


def run(config, posterior, output=None, resume=False, force=False, progress=None):
    """Run nautilus (or continue it from its checkpoint) and write /nested into the run file.

    Returns {'complete': bool, 'log_z', 'log_z_err', 'n_eff', 'n_calls', 'new_calls'}; 'complete' is
    False when `max_calls` stopped the run first (the file then stays 'running': --resume continues).
    Raises Interrupted (the checkpoint is valid) when SIGINT or SIGTERM arrives."""
    try:
        import nautilus
    except ImportError:
        raise ConfigError("sampler.engine: nested needs the nautilus sampler: pip install 'nsifit[nested]' "
                          "(or nautilus-sampler)") from None
    s = config.sampler
    output = Path(output or config.output)
    check_settings(s, posterior, output)
    transform = PriorTransform(posterior.sampled)
    checkpoint = checkpoint_path(output)
    pool = open_pool(s["pool"], posterior)      # first: MPI worker ranks serve the batches until the end
    try:
        return _run(nautilus, config, posterior, output, resume, force, progress, transform, checkpoint, pool)
    finally:
        pool.close()


def _run(nautilus, config, posterior, output, resume, force, progress, transform, checkpoint, pool):
    s = config.sampler
    with OutputLock(output):
        remove_stale_temporaries(output)
        continuing, carry = _previous(output, checkpoint, config, posterior, resume, force)
        if not continuing:
            checkpoint.unlink(missing_ok=True)
        if s["seed"] is None:
            s["seed"] = secrets.randbits(31)
        if not continuing:
            write_pending(output, posterior, config.yaml(), s["seed"], checkpoint.name, carry)
        likelihood = LogLikelihood(posterior, pool, s["chunk_size"])
        try:
            sampler = nautilus.Sampler(transform, likelihood, n_dim=posterior.ndim, n_live=s["live_points"],
                                       n_batch=s["batch"], n_networks=s["networks"], vectorized=True,
                                       seed=s["seed"], filepath=str(checkpoint), resume=continuing,
                                       blobs_dtype=[(n, "f8") for n in posterior.blob_names])
        except (OSError, KeyError) as err:
            raise StorageError(f"{checkpoint}: cannot resume from this checkpoint ({str(err).splitlines()[0]}); "
                               "start again with --force") from None
        before = int(sampler.n_like)
        show = (s["progress"] if progress is None else progress) and sys.stderr.isatty()
        with StopSignals() as stop:
            likelihood.stop = stop
            try:
                complete = sampler.run(f_live=s["f_live"], n_eff=s["effective_samples"],
                                       n_like_max=s["max_calls"] or np.inf, discard_exploration=True,
                                       verbose=bool(show))
            except _Stop:
                raise Interrupted(int(sampler.n_like), stop.received, output) from None
        out = {"complete": bool(complete), "n_calls": int(sampler.n_like), "new_calls": int(sampler.n_like) - before,
               "n_eff": float(sampler.n_eff), "log_z": float(sampler.log_z),
               "log_z_err": 1.0 / math.sqrt(max(float(sampler.n_eff), 1.0))}
        if not complete:
            return out
        points, log_w, log_l, blobs = sampler.posterior(return_blobs=True)
        attrs = {"log_z": out["log_z"], "log_z_err": out["log_z_err"], "n_eff": out["n_eff"],
                 "n_calls": out["n_calls"], "library": LIBRARY, "library_version": nautilus.__version__,
                 "checkpoint": checkpoint.name, "effective_samples": s["effective_samples"]}
        result = {"samples": points, "log_weights": log_w, "log_likelihood": log_l,
                  "blobs": {n: blobs[n] for n in posterior.blob_names}}
        write_nested(output, posterior, config.yaml(), s["seed"], attrs, result,
                     carry=output if output.exists() else None)
    return out
