"""The posterior: priors plus the sum of plugin log-likelihoods, vectorized over points.

Sampled coordinates are "internal": log10 of the physical value for log-uniform
priors (so the prior is flat in them), the physical value otherwise. Everything the
outside sees (names, blobs, to_physical) is physical, masses in MeV.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from nsifit.inference.config import Config, load_config
from nsifit.plugins import registry
from nsifit.plugins.evaluate import evaluate_plugins
from nsifit.plugins.registry import PluginWarning
from nsifit.theory.models import get_model

REF_BALL_FRACTION = 1e-3      # width of the ball around a point `ref`, as a fraction of the prior scale


@dataclass(frozen=True)
class SampledParameter:
    """A sampled parameter; lower/upper are in internal coordinates (log10 for log-uniform)."""

    name: str
    prior: str
    lower: float
    upper: float
    mean: float = None        # gaussian prior (physical = internal)
    sigma: float = None
    ref: object = None
    unit: str = ""
    latex: str = ""
    owner: str = "model"

    @property
    def log_scale(self):
        return self.prior == "log-uniform"

    @property
    def label(self):
        """LaTeX axis label with unit, physical coordinates."""
        unit = f" [{self.unit}]" if self.unit else ""
        return f"${self.latex or self.name}${unit}"

    def log_density(self, x):
        """Normalized prior log-density in internal coordinates (-inf outside the support)."""
        inside = (x >= self.lower) & (x <= self.upper)
        if self.prior == "gaussian":
            z = (x - self.mean) / self.sigma
            value = -0.5 * z * z - math.log(self.sigma * math.sqrt(2 * math.pi))
            if np.isfinite(self.lower) or np.isfinite(self.upper):
                mass = norm.cdf(self.upper, self.mean, self.sigma) - norm.cdf(self.lower, self.mean, self.sigma)
                value = value - math.log(mass)
        else:
            value = np.full(x.shape, -math.log(self.upper - self.lower))
        return np.where(inside, value, -np.inf)

    def draw(self, n, rng):
        """n internal-coordinate draws from the `ref` ball if given, else from the prior."""
        if isinstance(self.ref, dict):
            low, high = (self._internal(self.ref["min"]), self._internal(self.ref["max"]))
            return rng.uniform(low, high, n)
        if self.ref is not None:
            scale = self.sigma if self.prior == "gaussian" else self.upper - self.lower
            centre = self._internal(self.ref)
            return np.clip(centre + REF_BALL_FRACTION * scale * rng.standard_normal(n), self.lower, self.upper)
        if self.prior == "gaussian":
            x = self.mean + self.sigma * rng.standard_normal(n)
            return np.clip(x, self.lower, self.upper)
        return rng.uniform(self.lower, self.upper, n)

    def _internal(self, value):
        return math.log10(value) if self.log_scale else float(value)


class Posterior:
    """log posterior = log prior + sum of plugin log L, over arrays of points (n, ndim)."""

    def __init__(self, config, data_dir=None):
        self.config = config if isinstance(config, Config) else load_config(config)
        cfg = self.config
        self.data_dir = data_dir or cfg.data_dir
        self.model = get_model(cfg.model)
        self.plugins = registry.build(self.model, list(cfg.likelihoods), cfg.likelihoods,
                                        self.data_dir)
        owners = {n.name: (p.name, n) for p in self.plugins for n in p.nuisances}
        self.fixed = {n: s.value for n, s in cfg.params.items() if s.prior == "fixed"}
        self.sampled = []
        for name, spec in cfg.params.items():
            if spec.prior == "fixed":
                continue
            if name in owners:
                owner, nuis = owners[name]
                unit, latex = "", spec.latex or nuis.latex or name
            else:
                par = self.model.parameter(name)
                owner, unit, latex = "model", par.unit, spec.latex or par.latex or name
            if spec.prior == "log-uniform":
                low, high = math.log10(spec.min), math.log10(spec.max)
            elif spec.prior == "uniform":
                low, high = spec.min, spec.max
            else:
                low = -math.inf if spec.min is None else spec.min
                high = math.inf if spec.max is None else spec.max
            self.sampled.append(SampledParameter(name, spec.prior, low, high, spec.mean, spec.sigma,
                                                 spec.ref, unit, latex, owner))
        self._nan_warned = set()
        self.blob_names = self._blob_names()

    @property
    def names(self):
        return [p.name for p in self.sampled]

    @property
    def ndim(self):
        return len(self.sampled)

    @property
    def data_files(self):
        files = {}
        for plugin in self.plugins:
            files.update(plugin.data_files)
        return files

    def plugin_sources(self):
        """{plugin: 'module:Class (distribution version)'} of the plugins in use."""
        return {p.name: registry.source(p.name) for p in self.plugins}

    def to_physical(self, x):
        """Internal (n, ndim) -> {name: (n,)} in physical units."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        return {p.name: (10.0 ** x[:, i] if p.log_scale else x[:, i]) for i, p in enumerate(self.sampled)}

    def from_physical(self, values):
        """{name: array} physical -> internal (n, ndim)."""
        cols = [np.log10(np.asarray(values[p.name], float)) if p.log_scale
                else np.asarray(values[p.name], float) for p in self.sampled]
        return np.atleast_2d(np.column_stack(np.broadcast_arrays(*cols)).astype(float))

    def sample_prior(self, n, rng):
        """n points drawn from the prior (or the `ref` ball), internal coordinates (n, ndim)."""
        return np.column_stack([p.draw(n, rng) for p in self.sampled])

    def log_prior(self, x):
        x = np.atleast_2d(np.asarray(x, dtype=float))
        total = np.zeros(len(x))
        for i, p in enumerate(self.sampled):
            total = total + p.log_density(x[:, i])
        return total

    def log_likelihood(self, x):
        """Sum of plugin log L at points inside the prior support (-inf elsewhere)."""
        return self._evaluate(np.atleast_2d(np.asarray(x, dtype=float)))[1]["loglike_total"]

    def log_prob(self, x):
        """(log posterior (n,), blobs {name: (n,)}); blobs are nan outside the prior support."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        log_prior, blobs = self._evaluate(x)
        return log_prior + blobs["loglike_total"], blobs

    def _evaluate(self, x):
        n = len(x)
        log_prior = self.log_prior(x)
        finite = np.isfinite(log_prior)
        if finite.all():                   # the usual case in a run: no copies into nan-filled arrays
            values = self._blobs_at(x)
            blobs = {name: np.asarray(values[name], dtype=float) if name in values else np.full(n, np.nan)
                     for name in self.blob_names}
        else:
            inside = np.flatnonzero(finite)
            blobs = {name: np.full(n, np.nan) for name in self.blob_names}
            blobs["loglike_total"][:] = -np.inf
            if len(inside):
                for name, value in self._blobs_at(x[inside]).items():
                    if name in blobs:
                        blobs[name][inside] = value
        total = blobs["loglike_total"]
        nan = np.isnan(total)
        if nan.any():
            self._warn_nan(blobs, nan)
            blobs["loglike_total"] = np.where(nan, -np.inf, total)
        return log_prior, blobs

    def _warn_nan(self, blobs, nan):
        """Once per plugin: its log L was NaN somewhere (the posterior treats that point as excluded)."""
        for name in self.blob_names:
            plugin = name[len("loglike_"):]
            if name.startswith("loglike_") and plugin != "total" and plugin not in self._nan_warned \
                    and np.isnan(blobs[name][nan]).any():
                self._nan_warned.add(plugin)
                warnings.warn(f"likelihood '{plugin}' returned NaN (floating-point overflow at extreme "
                              "parameters?); those points are treated as excluded (log L = -inf)",
                              PluginWarning, stacklevel=4)

    def _blobs_at(self, x):
        """Per-plugin log L, their sum and the derived quantities at points inside the support."""
        params = dict(self.fixed, **self.to_physical(x))
        _, derived, loglike = evaluate_plugins(self.model, self.plugins, params)
        out = {f"loglike_{name}": value for name, value in loglike.items()}
        shape = (len(x),)
        out.update({name: value if np.shape(value) == shape else np.broadcast_to(value, shape)
                    for name, value in derived.items()})
        return out

    def _blob_names(self):
        """Fixed list of blob names, from one evaluation at the centre of the prior box."""
        centre = np.array([[p.mean if p.prior == "gaussian" else 0.5 * (p.lower + p.upper)
                            for p in self.sampled]])
        return list(self._blobs_at(centre))

    def chi2_convention(self):
        """How log L maps to chi^2 (nsifit.stats convention)."""
        return "chi2 = -2 log L per plugin, constant terms dropped (log L = 0 at each construction's best fit)"

    def n_obs(self):
        """Number of measurements: each plugin's `n_obs` attribute (1 when it states none)."""
        return int(sum(getattr(p, "n_obs", 1) for p in self.plugins))
