"""nsifit.evaluate: parameters in, derived quantities and log-likelihoods out, at one or many points.

A point outside the model's domain (m_zp <= 0, a NaN, tan_eta = 0, ...) does not reject the whole
call: its log-likelihoods are -inf, its derived quantities NaN, and `result["invalid"]` maps its
index to the reason. A plugin that returns NaN at a point is reported by a one-line PluginWarning
naming it (typically floating-point overflow at extreme parameters).
"""

import warnings

import numpy as np

from nsifit.errors import ParameterError
from nsifit.plugins import registry
from nsifit.plugins.base import total_loglike
from nsifit.plugins.registry import PluginWarning
from nsifit.theory.models import get_model
from nsifit.theory.observables import ObservableSet


def split_nuisances(params, plugins):
    """Separate plugin-owned nuisance values from model parameters."""
    nuisance_names = {n.name: p.name for p in plugins for n in p.nuisances}
    model_params = {k: v for k, v in params.items() if k not in nuisance_names}
    nuisances = {p.name: {n.name: np.atleast_1d(np.asarray(params[n.name], float)).ravel()
                          for n in p.nuisances if n.name in params} for p in plugins}
    return model_params, nuisances


def evaluate_plugins(mdl, plugins, params):
    """(resolved params, derived quantities, per-plugin log L with 'total') for already-built plugins.

    The one place that turns parameters into log-likelihoods: `evaluate` and the posterior use it.
    """
    model_params, nuisances = split_nuisances(params, plugins)
    resolved = mdl.resolve(model_params)
    obs = ObservableSet(mdl.couplings(resolved), resolved)
    derived = obs.reported()
    loglike = {}
    for plugin in plugins:
        value = plugin.loglike(obs, **nuisances[plugin.name])
        loglike[plugin.name] = value if np.shape(value) == (obs.n,) else np.broadcast_to(value, (obs.n,))
    for plugin in plugins:
        derived.update(plugin.derived(obs))
    loglike["total"] = total_loglike(loglike.values(), obs.n)
    return resolved, derived, loglike


def invalid_points(mdl, params):
    """{index: reason} of the points the model refuses, or None when the call itself is malformed
    (unknown or missing parameters, shapes that do not broadcast: every point fails alike).

    Bisection over the broadcast point arrays: O(k log n) vectorized calls for k bad points."""
    try:
        mdl.resolve(params)
        return {}
    except ParameterError:
        pass
    try:
        arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
        arrays = dict(zip(arrays, (a.ravel() for a in np.broadcast_arrays(*arrays.values())))) if arrays else {}
    except (TypeError, ValueError):
        return None
    n = len(next(iter(arrays.values()))) if arrays else 1
    if n < 2:
        return None

    def check(idx):
        try:
            mdl.resolve({k: v[idx] for k, v in arrays.items()})
            return {}
        except ParameterError as err:
            if len(idx) == 1:
                return {int(idx[0]): str(err)}
            mid = len(idx) // 2
            return {**check(idx[:mid]), **check(idx[mid:])}

    bad = check(np.arange(n))
    return None if len(bad) == n else bad


def evaluate(model, likelihoods=None, options=None, data_dir=None, **params):
    """Evaluate a model at one or many points (parameters broadcast like numpy).

    `model`: a name ('mutau_baryon') or a mapping with the name and model settings,
    {'name': 'mutau_baryon', 'quark_alignment': 'up'} (nsifit.theory.models.get_model).
    Returns {"model" (the name), "settings" (every model setting, defaults filled in),
    "params", "derived", "loglike", "invalid"}; every params/derived/loglike value is a numpy array
    with the broadcast shape of the parameters (a 0-d array when all are scalars, (3, 2) for a
    (3, 2) meshgrid). `likelihoods=None` uses the default plugin set for the model
    (nsifit.plugins.registry), `[]` none; `options` maps plugin name -> options (e.g. dataset).
    Points outside the model's domain get log L = -inf and NaN derived quantities, and `invalid`
    maps their flat index (into the raveled broadcast shape) to the reason; it is empty when every
    point is valid.
    """
    mdl = get_model(model)
    plugins = registry.build(mdl, likelihoods, options, data_dir)
    try:
        shape = np.broadcast_shapes(*(np.shape(v) for v in params.values()))
    except ValueError:
        shape = None                    # the model's resolve() names the parameters that do not broadcast
    invalid = {}
    try:
        resolved, derived, loglike = evaluate_plugins(mdl, plugins, params)
        _warn_nan(loglike, np.zeros(len(loglike["total"]), bool))
    except ParameterError:
        invalid = invalid_points(mdl, params)
        if not invalid:                 # None: malformed call (or nothing to isolate): its own error
            raise
        resolved, derived, loglike = _evaluate_valid(mdl, plugins, params, invalid)
    n = int(np.prod(shape)) if shape is not None else None

    def shaped(values):
        return {k: v.reshape(shape + v.shape[1:]) if isinstance(v, np.ndarray) and v.ndim and len(v) == n else v
                for k, v in values.items()}
    return {"model": mdl.name, "settings": dict(mdl.setting_values), "params": shaped(resolved),
            "derived": shaped(derived), "loglike": shaped(loglike), "invalid": invalid}


def _evaluate_valid(mdl, plugins, params, invalid):
    """evaluate_plugins on the valid points only; the invalid ones get -inf log L and NaN elsewhere."""
    arrays = {k: np.atleast_1d(np.asarray(v, dtype=float)) for k, v in params.items()}
    arrays = dict(zip(arrays, (a.ravel() for a in np.broadcast_arrays(*arrays.values()))))
    n = len(next(iter(arrays.values())))
    bad = np.zeros(n, bool)
    bad[list(invalid)] = True
    good = np.flatnonzero(~bad)
    resolved, derived, loglike = evaluate_plugins(mdl, plugins, {k: v[good] for k, v in arrays.items()})

    def spread(values, fill):
        out = np.full(n, fill, dtype=float)
        out[good] = np.broadcast_to(values, (len(good),))
        return out
    params_out = {k: spread(v, np.nan) for k, v in resolved.items()}
    params_out.update(arrays)                                   # the given values, also where invalid
    loglike = {k: spread(v, -np.inf) for k, v in loglike.items()}
    _warn_nan(loglike, bad)
    return params_out, {k: spread(v, np.nan) for k, v in derived.items()}, loglike


def _warn_nan(loglike, skip):
    """One PluginWarning per plugin whose log L is NaN at some (valid) point."""
    for name, values in loglike.items():
        if name == "total":
            continue
        nan = np.flatnonzero(np.isnan(values) & ~skip)
        if len(nan):
            warnings.warn(f"likelihood '{name}' returned NaN at {len(nan)} of {len(values)} point(s) "
                          f"(first: index {nan[0]}); floating-point overflow at extreme parameters? "
                          "Its total is NaN there", PluginWarning, stacklevel=3)
