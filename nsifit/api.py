"""The Python API: run a fit, profile the likelihood, load and inspect the results.

Use this when working in a script or notebook; the command line (`nsifit run`, `nsifit profile`,
`nsifit summary`, `nsifit corner`) calls the same functions. Configs are YAML paths or dicts of the
same form (docs/configuration.md); results are typed objects backed by HDF5 files:

    import nsifit
    run = nsifit.run("examples/quickstart.yaml", steps=500, output="chains/demo.h5")
    run.samples()["m_zp"]              # physical units (MeV), burn-in removed
    run.summary()["params"]["g_zp"]    # medians, intervals or limits, tau, ESS
    prof = nsifit.profile("examples/quickstart.yaml", ["g_zp:1e-6:1e-3:30:log"], output="chains/p.h5")
    prof.limit(cl=0.95)                # one-sided upper limit on g_zp from Delta chi^2 = 2.71
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from nsifit.errors import NsifitError, StorageError
from nsifit.inference.config import Config, load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.profile import scan as profiling
from nsifit.inference.samplers import ensemble
from nsifit.inference.samplers.diagnostics import run_diagnostics
from nsifit.inference.summary import summarize
from nsifit.io.files import open_h5
from nsifit.io.profilefile import file_stamp, read_profiles, write_profile
from nsifit.io.runfile import RunData, read_run

ConfigSource = str | Path | Mapping[str, Any] | Config
PROFILE_DEFAULTS = {"scan": None, "pool": "serial", "starts": 8, "seed": 0}


class Run:
    """A sampled run, read from its HDF5 file (re-read by `refresh()` while a run still writes it)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._data: RunData | None = None
        self._diagnostics: dict | None = None

    @property
    def data(self) -> RunData:
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
    def units(self) -> dict[str, str]:
        return {n: str(self.data.params[n]["unit"]) for n in self.names}

    @property
    def diagnostics(self) -> dict:
        """tau, N/tau, ESS and the significant modes per parameter, burn-in, acceptance, whether
        the run met its target (ESS and >= 50 tau) and one-line warnings."""
        if self._diagnostics is None:
            self._diagnostics = run_diagnostics(self.data)
        return self._diagnostics

    def samples(self, derived: Sequence[str] = ()) -> dict[str, np.ndarray]:
        """Flat posterior samples after burn-in in physical units (MeV for masses), one array per
        sampled parameter, plus the stored per-point quantities named in `derived` (e.g.
        'eps_medium', 'loglike_gm2_mu')."""
        burn = self.diagnostics["burn_in"]
        values = self.data.physical(self.data.chain[burn:].reshape(-1, len(self.names)))
        out = {name: values[:, i] for i, name in enumerate(self.names)}
        for name in derived:
            if name not in self.data.blobs:
                raise NsifitError(f"{self.path}: no stored quantity '{name}'; stored: "
                                  + ", ".join(self.data.blobs))
            out[name] = self.data.blobs[name][burn:].reshape(-1)
        return out

    def summary(self) -> dict:
        """Medians, 68/95% intervals or one-sided limits, best fit, tau/ESS, chi^2 per plugin."""
        return summarize(self.data)

    def corner(self, output: str | Path, labels: Sequence[str] | None = None) -> Path:
        """Corner plot of this run (PNG or PDF by the extension of `output`)."""
        from nsifit.plots.corner import corner_plot
        corner_plot([self.path], output, labels)
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
    resuming); `resume` continues an existing output, `force` overwrites it. `ess=N`: run until
    every sampled parameter has an effective sample size >= N and the chain is >= 50 tau long
    (checked every ~10% of the steps; `steps` is then the minimum, `max_steps` the cap, default
    10 x steps); `converge=True` is the same with the length criterion only. A resume without a
    target continues toward the stored run's target.
    """
    overrides = {f"sampler.{k}": v for k, v in (("steps", steps), ("walkers", walkers), ("seed", seed),
                                                ("pool", pool), ("ess", ess), ("max_steps", max_steps))
                 if v is not None}
    if converge:
        overrides["sampler.converge"] = True
    if output is not None:
        overrides["output"] = str(output)
    cfg = _config(config, overrides)
    ensemble.run(cfg, Posterior(cfg, data_dir), resume=resume, force=force, progress=progress)
    return Run(cfg.output)


def profile(config: ConfigSource, scans: Sequence[str] | None = None, *, output: str | Path | None = None,
            pool: str | None = None, starts: int | None = None, seed: int | None = None,
            chain: str | Path | None = None, data_dir: str | None = None) -> Profile | None:
    """Global best fit and a 1D or 2D profile-likelihood scan of `config`, stored in `output`.

    `scans`: one or two 'NAME:MIN:MAX:N[:log]' axes in physical units (default: the config's
    profile.scan). The best MCMC sample of `chain` (default: `output` when it holds a chain) joins
    the fit's starting points. Returns the Profile (None on MPI worker ranks).
    """
    cfg = _config(config)
    settings = profile_settings(cfg, {"scan": scans, "pool": pool, "starts": starts, "seed": seed})
    posterior = Posterior(cfg, data_dir=data_dir)
    axes = [profiling.parse_scan(text, posterior) for text in settings["scan"]]
    path = Path(output or cfg.output)
    stamp = file_stamp(path)
    chain = chain or (path if path.is_file() else None)
    extra = _best_chain_point(chain, posterior) if chain else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", profiling.ProfileWarning)     # stored with the scan
        result = profiling.profile(posterior, axes, pool=settings["pool"], starts=settings["starts"],
                                   extra_starts=extra, seed=settings["seed"])
    if settings["pool"] == "mpi" and _mpi_rank():
        return None
    name = "-".join(result["names"])
    write_profile(path, name, result, posterior, cfg.yaml(), settings, stamp)
    prof = Profile(path, name)
    prof.result, prof.posterior = result, posterior       # the in-memory scan, for reports
    return prof


def load(path: str | Path, scan: str | None = None) -> Run | Profile:
    """A Run when the file holds a chain (its scans: `Run.profiles()`), else its Profile scan."""
    with open_h5(path) as h5:
        has_chain = "mcmc" in h5
    return Run(path) if has_chain and scan is None else Profile(path, scan)


def profile_settings(cfg: Config, given: Mapping[str, Any]) -> dict:
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
    profiling.check_pool(out["pool"])
    return out


def _config(source, overrides=None):
    if isinstance(source, Config):
        source = source.resolved if not overrides else dict(source.resolved)
    return load_config(source, overrides)


def _best_chain_point(path, posterior):
    """Best sample (internal coordinates) of a run file's chain, or None when it holds none."""
    try:
        data = read_run(path)
    except StorageError:
        return None
    if data.iteration == 0 or data.names != posterior.names:
        return None
    flat, logp = data.chain.reshape(-1, data.chain.shape[-1]), data.log_prob.ravel()
    return flat[np.argmax(logp)]


def _mpi_rank():
    from mpi4py import MPI
    return MPI.COMM_WORLD.rank
