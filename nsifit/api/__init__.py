"""The Python API: run a fit, profile the likelihood, load and inspect the results.

Use this when working in a script or notebook; the command line (`nsifit run`, `nsifit profile`,
`nsifit summary`, `nsifit corner`) calls the same functions. Configs are YAML paths or dicts of the
same form (docs/configuration.md); results are typed objects backed by HDF5 files:

    import nsifit
    run = nsifit.run("examples/quickstart.yaml", steps=500, output="chains/demo.h5")
    run.samples()["m_zp"]              # physical units (MeV), burn-in removed
    run.samples(derived=["eps_medium"])  # derived quantities, recomputed from the stored config
    run.summary()["params"]["g_zp"]    # medians, intervals or limits, tau, ESS
    prof = nsifit.profile("examples/quickstart.yaml", ["g_zp:1e-6:1e-3:30:log"], output="chains/p.h5")
    prof.limit(cl=0.95)                # one-sided upper limit on g_zp from Delta chi^2 = 2.71
    post = nsifit.api.post("chains/demo.h5", drop=["gm2_mu"], output="chains/no_gm2.h5")  # reweighting
    nsifit.api.limit("examples/quickstart.yaml", "m_zp:10:100:5:log", "g_zp")["upper"]   # exclusion curve
"""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import yaml

from nsifit.errors import NsifitError, StorageError
from nsifit.inference import evidence
from nsifit.inference.config import Config, load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.profile import scan as profiling
from nsifit.inference.profile.settings import PROFILE_DEFAULTS, profile_settings  # noqa: F401 (public)
from nsifit.inference.samplers import ensemble, nested, resume
from nsifit.inference.samplers.diagnostics import run_diagnostics
from nsifit.inference.summary import summarize
from nsifit.io.files import open_h5, remove_stale_temporaries
from nsifit.io.lock import OutputLock
from nsifit.io.nestedfile import NestedRunData
from nsifit.io.profilefile import file_stamp, read_profiles, write_profile
from nsifit.io.runfile import RunData, read_run
from nsifit.io.runread import best_chain_point
from nsifit.io.weighted import is_weighted
from nsifit.theory.models import get_model

RECOMPUTE_BATCH = 20000          # points per posterior call when derived quantities are recomputed

ConfigSource = str | Path | Mapping[str, Any] | Config


class Run:
    """A sampled run, read from its HDF5 file (re-read by `refresh()` while a run still writes it)."""

    def __init__(self, path: str | Path, data_dir: str | None = None):
        self.path = Path(path)
        self.data_dir = data_dir
        self.new_steps: int | None = None       # set by nsifit.api.run: steps this call added
        self.complete: bool = True              # False: a nested run stopped by max_calls
        self._data: RunData | None = None
        self._diagnostics: dict | None = None

    @property
    def is_nested(self) -> bool:
        """True for a run of the nested engine (weighted samples and the evidence)."""
        return isinstance(self.data, NestedRunData)

    @property
    def log_z(self) -> tuple[float, float]:
        """(ln Z, its error) of a nested run: the evidence with the prior normalised over its box."""
        if not self.is_nested:
            raise NsifitError(f"{self.path}: an ensemble run has no evidence; use sampler.engine: nested")
        return self.data.log_z, self.data.log_z_err

    @property
    def data(self) -> RunData | NestedRunData:
        """The stored steps (internal coordinates), metadata and blobs."""
        if self._data is None:
            self._data = read_run(self.path)
        return self._data

    def refresh(self) -> Run:
        self._data = self._diagnostics = None
        return self

    @property
    def names(self) -> list[str]:
        """Sampled parameters, in chain-column order."""
        return self.data.names

    @property
    def model(self) -> str:
        return str(self.data.attrs["model"])

    @property
    def model_settings(self) -> dict:
        """The model settings the run used (from its stored config; {} for a model without settings;
        a run stored before settings existed used the defaults)."""
        spec = yaml.safe_load(str(self.data.attrs["config_yaml"])).get("model", self.model)
        return dict(get_model(spec).setting_values)

    @property
    def units(self) -> dict[str, str]:
        return {n: str(self.data.params[n]["unit"]) for n in self.names}

    @property
    def diagnostics(self) -> dict:
        """tau, N/tau, ESS and the significant modes per parameter, burn-in, acceptance, whether
        the run met its target (ESS and >= 50 tau) and one-line warnings."""
        if self._diagnostics is None and self.is_nested:
            self._diagnostics = evidence.nested_diagnostics(self.data)
        elif self._diagnostics is None:
            self._diagnostics = run_diagnostics(self.data)
        return self._diagnostics

    def samples(self, derived: Sequence[str] = (), weighted: bool = False) -> dict[str, np.ndarray]:
        """Flat posterior samples after burn-in in physical units (MeV for masses), one array per
        sampled parameter, plus the per-point quantities named in `derived` ('all': every one).

        Each plugin's log L ('loglike_gm2_mu', 'loglike_total') is stored at every step and read
        from the file. The derived quantities ('eps_medium', 'delta_a_mu', ...) are stored only every
        `sampler.derived_every` steps (they are functions of the parameters): they are recomputed
        here from the stored config at every sample, after checking that the data files are the
        run's, and compared with the stored rows (a warning when nsifit's physics changed since).
        A nested run stores all of them; `weighted=True`: its points with their weights ('weight'),
        else resampled to equal weight (nsifit.inference.evidence.nested_samples)."""
        data = self.data
        if self.is_nested:
            return evidence.nested_samples(data, derived, weighted)
        burn = self.diagnostics["burn_in"]
        values = data.physical(data.chain[burn:].reshape(-1, len(self.names)))
        out = {name: values[:, i] for i, name in enumerate(self.names)}
        names = list(data.blob_names) if list(derived) == ["all"] or derived == "all" else list(derived)
        unknown_names = [n for n in names if n not in data.blob_names]
        if unknown_names:
            raise NsifitError(f"{self.path}: no per-point quantity '{unknown_names[0]}'; known: "
                              + ", ".join(data.blob_names))
        steps = np.arange(burn, data.iteration)
        stored = [n for n in names if n in data.blobs or (n in data.derived and data.derived_every == 1)
                  or n in data.constants]
        for name in stored:
            out[name] = data.blob_column(name, steps).reshape(-1) if name not in data.constants \
                else np.full(len(steps) * data.chain.shape[1], data.constants[name])
        missing = [n for n in names if n not in stored]
        if missing:
            out.update(self.recompute(missing, burn))
        return out

    def posterior(self) -> Posterior:
        """The run's posterior, rebuilt from its stored config (its data files must be the run's)."""
        cfg = load_config(yaml.safe_load(str(self.data.attrs["config_yaml"])))
        posterior = Posterior(cfg, self.data_dir)
        differences = resume.file_differences(self.data.data_files, posterior.data_files)
        if differences:
            raise NsifitError(f"{self.path}: the data files differ from the run's ({'; '.join(differences)}); "
                              "give the run's data directory (data_dir)")
        return posterior

    def recompute(self, names: Sequence[str], burn: int = 0) -> dict[str, np.ndarray]:
        """Per-point quantities `names` recomputed from the stored config at the steps from `burn` on
        (flattened like samples()); checked against the rows stored in the file."""
        data = self.data
        posterior = self.posterior()
        flat = data.chain[burn:].reshape(-1, len(self.names))
        columns = {n: np.empty(len(flat)) for n in names}
        for lo in range(0, len(flat), RECOMPUTE_BATCH):
            _, blobs = posterior.log_prob(flat[lo:lo + RECOMPUTE_BATCH])
            for n in names:
                columns[n][lo:lo + RECOMPUTE_BATCH] = blobs[n]
        steps = data.derived_steps
        steps = steps[steps >= burn]
        nwalkers = data.chain.shape[1]
        for n in names:
            if n not in data.derived or not len(steps):
                continue
            stored = data.blob_column(n, steps)
            again = columns[n].reshape(-1, nwalkers)[steps - burn]
            if not np.allclose(stored, again, rtol=1e-9, atol=0, equal_nan=True):
                warnings.warn(f"{self.path}: recomputed '{n}' differs from the values stored during the run "
                              "(nsifit's physics changed since?); the recomputed values are returned",
                              RuntimeWarning, stacklevel=3)
        return columns

    def summary(self) -> dict:
        """Medians, 68/95% intervals or one-sided limits, best fit, tau/ESS, chi^2 per plugin."""
        return summarize(self.data)

    def corner(self, output: str | Path, labels: Sequence[str] | None = None, derived: Sequence[str] = (),
               **options: Any) -> Path:
        """Corner plot of this run (PNG or PDF by the extension of `output`), with `derived` quantities
        added; `options` of nsifit.plots.corner.corner_plot (params, truths, best_fit, quantiles, ...)."""
        from nsifit.plots.corner import add_columns, corner_plot, file_set
        source = file_set(self.path, labels[0] if labels else None)
        if derived:
            samples = self.samples(derived=list(derived))
            add_columns(source, {n: samples[n] for n in derived})
        corner_plot([source], output, labels, **options)
        return Path(output)

    def profiles(self) -> list[Profile]:
        """The profile scans stored in the same file."""
        return [Profile(self.path, scan["name"]) for scan in _scans_or_empty(self.path)]

    def __repr__(self):
        return f"Run({str(self.path)!r})"


class Profile:
    """One profile-likelihood scan (/profile/<name> of an HDF5 file)."""

    def __init__(self, path: str | Path, name: str | None = None):
        self.path = Path(path)
        scans = read_profiles(self.path, [name] if name else None)
        scan = scans[0]
        if name is None and len(scans) > 1:
            raise NsifitError(f"{self.path} holds {len(scans)} scans ({', '.join(s['name'] for s in scans)});"
                              " name one")
        self.name: str = scan["name"]
        self.params: list[str] = scan["params"]
        self.axes: dict[str, np.ndarray] = dict(zip(scan["params"], scan["axes"]))
        self.labels: list[str] = scan["labels"]
        self.delta_chi2: np.ndarray = scan["delta_chi2"]
        self.valid: np.ndarray = scan["valid"]
        self.best_fit: dict[str, float] = scan["best"]
        self.intervals: dict = scan["intervals"]
        self._scan = scan

    def limit(self, cl: float = 0.95, side: str = "upper") -> float | None:
        """One-sided limit on a 1D scan's parameter from Wilks' theorem with one degree of freedom:
        the outermost crossing of Delta chi^2 = [Phi^-1(cl)]^2 (2.71 for 95% CL) on `side`; None
        when Delta chi^2 stays below it on that side of the scan."""
        if len(self.params) != 1:
            raise NsifitError(f"scan {self.name}: limits need a 1D scan, this one is {len(self.params)}D")
        if side not in ("upper", "lower"):
            raise NsifitError(f"side must be 'upper' or 'lower', got {side!r}")
        from scipy.stats import norm
        threshold = norm.ppf(cl) ** 2
        x, d = self.axes[self.params[0]], self.delta_chi2
        best = int(np.nanargmin(d))
        idx = range(best, len(x) - 1) if side == "upper" else range(best, 0, -1)
        step = 1 if side == "upper" else -1
        for i in idx:
            j = i + step
            if d[i] < threshold <= d[j]:
                log = self._scan["log"][0]
                u0, u1 = (np.log(x[i]), np.log(x[j])) if log else (x[i], x[j])
                u = u0 + (threshold - d[i]) / (d[j] - d[i]) * (u1 - u0)
                return float(np.exp(u) if log else u)
        return None

    def plot(self, output: str | Path) -> Path:
        """Delta chi^2 curve (1D) or contours (2D), PNG or PDF by extension."""
        from nsifit.plots.profiles import plot_profiles
        plot_profiles([self._scan], output)
        return Path(output)

    def __repr__(self):
        return f"Profile({str(self.path)!r}, {self.name!r})"


def _scans_or_empty(path):
    try:
        return read_profiles(path)
    except StorageError:
        return []


def run(config: ConfigSource, *, output: str | Path | None = None, steps: int | None = None,
        walkers: int | None = None, seed: int | None = None, pool: str | None = None,
        ess: float | None = None, converge: bool = False, max_steps: int | None = None,
        resume: bool = False, force: bool = False, data_dir: str | None = None,
        progress: bool | None = None) -> Run:
    """Sample the posterior of `config` with emcee into an HDF5 file and return the Run.

    Keyword arguments override the config's sampler section (`steps` is the total, also when
    resuming); `resume` continues an existing output (or adds a chain to a file of profile scans),
    `force` overwrites its chain (other groups such as profile scans are kept); the output is locked.
    `sampler.engine: nested` runs nautilus (samplers.nested; `new_steps` counts likelihood calls,
    `complete` is False when max_calls stopped it first). `Run.new_steps` is 0 when a resumed
    run already held the requested steps. SIGINT/SIGTERM stop the run after the current step and
    raise nsifit.inference.samplers.ensemble.Interrupted (its `steps` are in the file).
    `ess=N`: run until every sampled parameter has an effective sample size >= N and the chain is
    >= 50 tau long (checked every ~10% of the steps; `steps` is then the minimum, `max_steps` the
    cap, default 10 x steps); `converge=True` is the same with the length criterion only. A resume
    without a target continues toward the stored run's target.
    """
    overrides = {f"sampler.{k}": v for k, v in (("steps", steps), ("walkers", walkers), ("seed", seed),
                                                ("pool", pool), ("ess", ess), ("max_steps", max_steps))
                 if v is not None}
    if converge:
        overrides["sampler.converge"] = True
    if output is not None:
        overrides["output"] = str(output)
    if data_dir is not None:
        overrides["data_dir"] = str(data_dir)        # in effect while the config is validated
    cfg = _config(config, overrides)
    if cfg.sampler["engine"] == "nested":
        done = nested.run(cfg, Posterior(cfg), resume=resume, force=force, progress=progress)
        result = Run(cfg.output, cfg.data_dir)
        result.new_steps, result.total_steps, result.complete = done["new_calls"], done["n_calls"], done["complete"]
        return result
    try:
        backend, _ = ensemble.run(cfg, Posterior(cfg), resume=resume, force=force, progress=progress)
    except ensemble.NothingToDo as done:
        result = Run(cfg.output, cfg.data_dir)
        result.new_steps, result.total_steps = 0, done.steps
        return result
    result = Run(cfg.output, cfg.data_dir)
    result.new_steps, result.total_steps = backend.iteration - backend.initial_iteration, backend.iteration
    return result


def profile(config: ConfigSource, scans: Sequence[str] | None = None, *, output: str | Path | None = None,
            pool: str | None = None, starts: int | None = None, seed: int | None = None,
            chain: str | Path | None = None, data_dir: str | None = None) -> Profile:
    """Global best fit and a 1D or 2D profile-likelihood scan of `config`, stored in `output`.

    `scans`: one or two 'NAME:MIN:MAX:N[:log]' axes in physical units (default: the config's
    profile.scan). The best MCMC sample of `chain` (default: `output` when it holds a chain) joins
    the fit's starting points. Returns the Profile (under MPI, ranks > 0 serve the fits and exit).
    """
    cfg = _config(config, {"data_dir": str(data_dir)} if data_dir is not None else None)
    settings = profile_settings(cfg, {"scan": scans, "pool": pool, "starts": starts, "seed": seed})
    posterior = Posterior(cfg)
    axes = [profiling.parse_scan(text, posterior) for text in settings["scan"]]
    path = Path(output or cfg.output)
    if path.is_dir():
        raise StorageError(f"output {path} is a directory; give a file name (e.g. {path / 'profile.h5'})")
    if path.exists():
        open_h5(path).close()        # an unreadable or foreign file: refuse before the scan
    worker = settings["pool"] == "mpi" and _mpi_rank()     # ranks > 0 serve the fits and exit
    lock = contextlib.nullcontext() if worker else OutputLock(path)
    with lock:                       # before the scan: a run writing `path` is refused now, not after it
        if not worker:
            remove_stale_temporaries(path)
        stamp = file_stamp(path)
        chain = chain or (path if path.is_file() else None)
        extra = best_chain_point(chain, posterior.names) if chain else None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", profiling.ProfileWarning)     # stored with the scan
            result = profiling.profile(posterior, axes, pool=settings["pool"], starts=settings["starts"],
                                       extra_starts=extra, seed=settings["seed"])
        name = "-".join(result["names"])
        write_profile(path, name, result, posterior, cfg.yaml(), settings, stamp)
    prof = Profile(path, name)
    prof.result, prof.posterior = result, posterior       # the in-memory scan, for reports
    return prof


def load(path: str | Path, scan: str | None = None) -> Run | Profile | WeightedRun:
    """A Run when the file holds a chain (its scans: `Run.profiles()`), a WeightedRun for weighted samples
    (nsifit.io.weighted), else its Profile scan."""
    with open_h5(path) as h5:
        has_chain = "mcmc" in h5 or "nested" in h5
    weighted = scan is None and is_weighted(path)
    return WeightedRun(path) if weighted else Run(path) if has_chain and scan is None else Profile(path, scan)


def _config(source, overrides=None):
    if isinstance(source, Config):
        source = source.resolved if not overrides else dict(source.resolved)
    return load_config(source, overrides)


def _mpi_rank():
    from mpi4py import MPI
    return MPI.COMM_WORLD.rank


from nsifit.api.analysis import WeightedRun, bayes_factor, bibliography, limit, post  # noqa: E402,F401 (public)
