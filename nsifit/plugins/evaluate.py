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
        loglike[plugin.name] = np.broadcast_to(plugin.loglike(obs, **nuisances[plugin.name]), (obs.n,))
    for plugin in plugins:
        derived.update(plugin.derived(obs))
    loglike["total"] = total_loglike(loglike.values(), obs.n)
    return resolved, derived, loglike


def evaluate(model, likelihoods=None, options=None, data_dir=None, **params):
    """Evaluate a model at one or many points (parameters broadcast like numpy).

    `model`: a name ('mutau_baryon') or a mapping with the name and model settings,
    {'name': 'mutau_baryon', 'quark_alignment': 'up'} (nsifit.theory.models.get_model).
    Returns {"model" (the name), "settings" (every model setting, defaults filled in),
    "params", "derived", "loglike"}; every params/derived/loglike value is a numpy array with the
    broadcast shape of the parameters (a 0-d array when all are scalars, (3, 2) for a (3, 2)
    meshgrid). `likelihoods=None` uses every plugin that applies to the model, `[]` none;
    `options` maps plugin name -> options (e.g. dataset).
    """
    mdl = get_model(model)
    plugins = registry.build(mdl, likelihoods, options, data_dir)
    try:
        shape = np.broadcast_shapes(*(np.shape(v) for v in params.values()))
    except ValueError:
        shape = None                    # the model's resolve() names the parameters that do not broadcast
    resolved, derived, loglike = evaluate_plugins(mdl, plugins, params)
    n = int(np.prod(shape)) if shape is not None else None

    def shaped(values):
        return {k: v.reshape(shape + v.shape[1:]) if isinstance(v, np.ndarray) and v.ndim and len(v) == n else v
                for k, v in values.items()}
    return {"model": mdl.name, "settings": dict(mdl.setting_values), "params": shaped(resolved),
            "derived": shaped(derived), "loglike": shaped(loglike)}
