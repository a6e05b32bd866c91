"""The Python API of DESIGN.md sect. 6: parameters in, derived quantities and log L out."""

import numpy as np

from nsifit.plugins import registry
from nsifit.plugins.base import total_loglike
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


def evaluate(model, likelihoods=None, options=None, data_dir=None, **params):
    """Evaluate a model at one or many points (parameters broadcast like numpy).

    Returns {"model", "params", "derived", "loglike"}; every value is a numpy array
    with one entry per point. `likelihoods=None` uses every plugin that applies to
    the model, `[]` none; `options` maps plugin name -> options (e.g. dataset).
    """
    mdl = get_model(model)
    plugins = registry.build(mdl.name, likelihoods, options, data_dir)
    resolved, derived, loglike = evaluate_plugins(mdl, plugins, params)
    return {"model": mdl.name, "params": resolved, "derived": derived, "loglike": loglike}
