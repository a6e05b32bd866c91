"""Exclusion planes: a model with all but two coordinates fixed, each plugin on a 2D grid.

A bounds config (nsifit.bounds_config; examples in examples/figures/) names the model, the fixed
parameters, the two axes (model parameters, or eps_medium inverted to g_zp by eq. 13 of Bernal and
Farzan, arXiv:2211.15686) and
a list of layers, each one plugin with its options, drawn as

- `excluded`: Delta chi^2 = -2 (log L - log L_ref) > threshold (filled, outlined);
- `allowed`:  Delta chi^2 < threshold (hatched; the LMA windows, threshold 4 = their 2 sigma);
- `band`:     |x - mean| < nsigma sigma for the plugin's observable x, mean and sigma read from
              the plugin instance (hatched; the (g-2)mu-favoured band);
- `excess`:   x - mean > nsigma sigma (filled; the (g-2)mu contribution exceeds the measurement).

A `combine` layer sums Delta chi^2 = -2 (log L_i - log L_i,ref) over its plugins: the combined
likelihood of independent measurements at each grid point, read at its threshold (e.g. chi2_1dof_95,
3.84: a 95% CL exclusion of the coupling at fixed mass, Wilks with one parameter).

log L_ref is the plugin at the no-signal point (the same masses with g_zp -> 1e-12, epsilon -> 0;
`reference: no_signal`) or the best value of the nsifit.stats constructions, log L = 0
(`reference: best`, for mass-only bounds). The threshold is the plugin's own 90% CL reading
(`statistic`: poisson_zero 4.61, one_sided_gaussian 1.64, chi2_1dof 2.71, two_sigma 4).
Each distinct (plugin, options) pair is evaluated on the whole grid with `nsifit.evaluate`, in
chunks of CHUNK points.
"""

import warnings
from dataclasses import dataclass, field

import numpy as np
import yaml

from nsifit.bounds.config import DERIVED, NO_SIGNAL, BoundsConfig, check_keys
from nsifit.errors import ConfigError, NsifitWarning
from nsifit.plugins import registry
from nsifit.plugins.evaluate import evaluate
from nsifit.plugins.registry import PluginWarning
from nsifit.theory.observables import ObservableSet

CHUNK = 100_000


# --- evaluation ------------------------------------------------------------------------------
def grid_parameters(cfg):
    """Model parameters on the (ny, nx) grid, flattened: (params dict, valid mask)."""
    xx, yy = np.meshgrid(cfg.x.values, cfg.y.values)
    values = {cfg.x.name: xx.ravel(), cfg.y.name: yy.ravel()}
    values.update({k: np.full(xx.size, v) for k, v in cfg.fixed.items()})
    for key, (axis, factor) in cfg.expressions.items():
        values[key] = values[axis] * factor
    valid = np.ones(xx.size, bool)
    for axis in (cfg.x, cfg.y):
        if axis.name in DERIVED:
            values, ok = DERIVED[axis.name].invert(values, axis.convention)
            valid &= ok
    return values, valid


def _chunks(n, progress):
    starts = range(0, n, CHUNK)
    if progress and n > CHUNK:
        from tqdm import tqdm
        starts = tqdm(starts, unit="chunk", desc="nsifit bounds", leave=False)
    return starts


def _loglike(model, name, options, params, data_dir, progress):
    n = len(next(iter(params.values())))
    out = np.empty(n)
    for start in _chunks(n, progress):
        part = {k: v[start:start + CHUNK] for k, v in params.items()}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", PluginWarning)           # one summary below instead
            res = evaluate(model, likelihoods=[name], options={name: options} if options else None,
                           data_dir=data_dir, **part)
        out[start:start + CHUNK] = res["loglike"][name]
    nan = int(np.isnan(out).sum())
    if nan:
        warnings.warn(f"likelihood '{name}' is NaN at {nan} of {n} grid points (floating-point overflow at "
                      "extreme parameters?); they are drawn as excluded", PluginWarning, stacklevel=2)
    return out


def no_signal(params):
    """The same points with the couplings that produce a Z' signal switched off."""
    return {k: (np.full_like(v, NO_SIGNAL[k]) if k in NO_SIGNAL else v) for k, v in params.items()}


def layer_field(cfg, layer, params, cache, data_dir=None, progress=False):
    """(field, low, high): the layer's region is low < field < high (see the module docstring)."""
    model = cfg.model
    if layer.kind in ("band", "excess"):
        plugin = registry.build(model, [layer.likelihood], {layer.likelihood: layer.options}, data_dir)[0]
        for attr in (layer.mean, layer.sigma):
            if not hasattr(plugin, attr):
                raise ConfigError(f"layer '{layer.label}': plugin '{layer.likelihood}' has no attribute "
                                  f"'{attr}' (set 'mean'/'sigma' to its attribute names)")
        name = layer.observable or plugin.requires[0]
        resolved = model.resolve(params)
        x = ObservableSet(model.couplings(resolved), resolved)[name]
        z = (x - float(getattr(plugin, layer.mean))) / float(getattr(plugin, layer.sigma))
        return (z, -layer.nsigma, layer.nsigma) if layer.kind == "band" else (z, layer.nsigma, np.inf)
    members = [m for m in (layer.members or ((layer.likelihood, layer.options),))
               if registry.get_plugin_class(m[0]).applies_to(model)]
    delta = sum(_delta_chi2(model, name, options, layer.reference, params, cache, data_dir, progress)
                for name, options in members)
    return (delta, layer.threshold, np.inf) if layer.kind == "excluded" else (delta, -np.inf, layer.threshold)


def _delta_chi2(model, name, options, reference, params, cache, data_dir=None, progress=False):
    """-2 (log L - log L_ref) of one plugin on the grid (log L cached per (plugin, options))."""
    key = (name, yaml.safe_dump(options, sort_keys=True))
    if key not in cache:
        cache[key] = _loglike(model, name, options, params, data_dir, progress)
    loglike = cache[key]
    if reference == "no_signal":
        ref_key = key + ("no_signal",)
        if ref_key not in cache:
            cache[ref_key] = _loglike(model, name, options, no_signal(params), data_dir, progress)
        delta = -2.0 * (loglike - cache[ref_key])
    else:
        delta = -2.0 * loglike
    return np.where(np.isnan(delta), np.inf, delta)    # -inf log L: excluded by construction


@dataclass
class BoundsResult:
    config: BoundsConfig
    params: dict
    valid: np.ndarray
    fields: list          # per layer: (field (ny, nx), low, high)
    profile: tuple = None  # (x, y, delta_chi2 (ny, nx), {label: level}) of compute_profile
    limit: tuple = None    # (x, upper, label) of compute_limit
    skipped: dict = field(default_factory=dict)   # layer index -> why its plugin(s) do not apply to the model

    def region(self, i):
        """Boolean (ny, nx) mask of layer i's region (False where the plane is not physical)."""
        z, low, high = self.fields[i]
        return (z > low) & (z < high) & self.valid.reshape(z.shape)


def compute(cfg, data_dir=None, progress=False):
    """Evaluate every layer of a bounds config on its grid."""
    params, valid = grid_parameters(cfg)
    shape = (cfg.y.n, cfg.x.n)
    cache, fields, skipped = {}, [], {}
    for i, layer in enumerate(cfg.layers):
        reasons = [registry.get_plugin_class(name).not_applicable(cfg.model)
                   for name, _ in (layer.members or ((layer.likelihood, layer.options),))]
        what = "; left out of the combination" if layer.members else "; not drawn"
        for reason in filter(None, reasons):
            warnings.warn(f"layer '{layer.label}': {reason}{what}", NsifitWarning, stacklevel=2)
        if all(reasons):
            skipped[i] = reasons[0]
            fields.append((np.full(shape, np.nan), -np.inf, np.inf))
            continue
        z, low, high = layer_field(cfg, layer, params, cache, data_dir, progress)
        z = np.where(valid, z, np.nan)
        fields.append((z.reshape(shape), low, high))
    return BoundsResult(cfg, params, valid, fields, skipped=skipped)


# --- combined profile likelihood overlay ------------------------------------------------------
PROFILE_KEYS = ("params", "likelihoods", "n", "levels", "pool")
PROFILE_LEVELS = {2.30: "68% CL", 5.99: "95% CL"}      # 2D Wilks thresholds (nsifit.profiling)


def profile_config(cfg):
    """The run config (nsifit.config) of the combined profile: the axes get log/uniform priors over
    the plotted range, `profile.params` adds the profiled parameters."""
    spec = cfg.profile
    check_keys("profile", spec, PROFILE_KEYS)
    if cfg.expressions or any(a.name in DERIVED for a in (cfg.x, cfg.y)):
        raise ConfigError("profile: needs model parameters on both axes and no 'expr' parameters")
    params = {a.name: {"prior": "log-uniform" if a.scale == "log" else "uniform", "min": a.min, "max": a.max}
              for a in (cfg.x, cfg.y)}
    profiled = dict(spec.get("params") or {})
    if not profiled:
        raise ConfigError("profile: 'params' must give a profiled parameter a prior")
    dropped = {p for g in cfg.model.alternatives if any(p in profiled for p in g) for p in g}
    params.update({k: v for k, v in cfg.fixed.items() if k not in dropped})
    params.update(profiled)
    return {"model": cfg.model.spec, "params": params, "likelihoods": spec.get("likelihoods")}


def compute_profile(cfg, data_dir=None, grid=None):
    """Combined profile Delta chi^2 on the plot axes: (x, y, delta_chi2 (ny, nx), {label: level}).

    Points whose fit did not converge are left out (nan) of the contours.
    """
    from nsifit.inference.posterior import Posterior
    from nsifit.inference.profile.scan import Axis as ScanAxis
    from nsifit.inference.profile.scan import profile
    n = int(grid or cfg.profile.get("n", 20))
    axes = [ScanAxis(a.name, a.min, a.max, n, a.scale == "log") for a in (cfg.x, cfg.y)]
    out = profile(Posterior(profile_config(cfg), data_dir), axes, pool=cfg.profile.get("pool", "serial"))
    delta = np.where(out["valid"], out["chi2"] - out["chi2_min"], np.nan)
    levels = {f"combined profile, {PROFILE_LEVELS.get(lv, f'Delta chi2 {lv:g}')}": lv
              for lv in cfg.profile.get("levels", list(PROFILE_LEVELS))}
    return axes[0].values, axes[1].values, delta.T, levels


# --- combined profile-likelihood upper limit overlay -------------------------------------------
LIMIT_KEYS = ("likelihoods", "n", "cl", "label", "style")


def limit_config(cfg):
    """The run config of the `limit` overlay: the x axis is scanned, the y axis is the parameter of interest
    (both with priors over the plotted range), the other parameters fixed as in `params`."""
    spec = cfg.limit
    if not isinstance(spec, dict):
        raise ConfigError(f"bounds config: 'limit' must be a mapping, got {type(spec).__name__}")
    check_keys("limit", spec, LIMIT_KEYS)
    if cfg.expressions or any(a.name in DERIVED for a in (cfg.x, cfg.y)):
        raise ConfigError("limit: needs model parameters on both axes and no 'expr' parameters")
    params = {a.name: {"prior": "log-uniform" if a.scale == "log" else "uniform", "min": a.min, "max": a.max}
              for a in (cfg.x, cfg.y)}
    params.update(cfg.fixed)
    return {"model": cfg.model.spec, "params": params, "likelihoods": spec.get("likelihoods")}


def compute_limit(cfg, data_dir=None, grid=None):
    """The combined profile-likelihood upper limit on the y parameter at `n` values of the x axis
    (nsifit.inference.limits.profile_limits, asymptotic one-sided threshold): (x, upper (nan: no limit in
    the plotted range), legend label)."""
    from nsifit.inference.limits import profile_limits
    from nsifit.inference.posterior import Posterior
    from nsifit.inference.profile.scan import Axis as ScanAxis
    spec = cfg.limit
    posterior = Posterior(limit_config(cfg), data_dir)
    n = int(grid or spec.get("n", 24))
    if n < 2:
        raise ConfigError(f"limit: 'n' must be >= 2, got {n}")
    cl = float(spec.get("cl", 0.95))
    axis = ScanAxis(cfg.x.name, cfg.x.min, cfg.x.max, n, cfg.x.scale == "log")
    out = profile_limits(posterior, axis, cfg.y.name, cl)
    upper = np.array([np.nan if u is None else u for u in out["upper"]], float)
    label = f"{spec.get('label', 'combined')}, {cl:.0%} CL upper limit"
    return out["values"], upper, label
