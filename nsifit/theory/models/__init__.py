"""Model registry: name -> Model instance (settings at their defaults); `get_model` for a name or a
`{name: ..., setting: value}` mapping.

Built-in models are `u1` (any U(1)' from given charges) and its presets (nsifit.theory.models.presets). Another
package adds a model under the entry-point group `nsifit.models` (name = "package.module:ModelClass", a Model
subclass or instance; docs/recipes.md).
"""

import functools
from collections.abc import Mapping
from importlib.metadata import entry_points

from nsifit.errors import ParameterError, unknown
from nsifit.theory.models.base import Model
from nsifit.theory.models.presets import PRESETS
from nsifit.theory.models.u1 import U1

ENTRY_POINT_GROUP = "nsifit.models"
MODELS = {m.name: m for m in (cls() for cls in PRESETS + (U1,))}


@functools.lru_cache(maxsize=1)
def _entry_points():
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP) if ep.name not in MODELS}


def available_models():
    """Names of every model: built-in and from installed packages."""
    return sorted(set(MODELS) | set(_entry_points()))


def registered_model(name):
    """The registered instance of a model (settings at their defaults), built-in or from an entry point."""
    if name in MODELS:
        return MODELS[name]
    eps = _entry_points()
    if name not in eps:
        raise ParameterError(unknown("model", name, available_models()))
    try:
        obj = eps[name].load()
        model = obj() if isinstance(obj, type) and issubclass(obj, Model) else obj
    except ParameterError:
        raise
    except Exception as err:    # a broken third-party model must not hide behind a traceback
        raise ParameterError(f"model '{name}' ({eps[name].value}) failed to load: {err}") from None
    if not isinstance(model, Model):
        raise ParameterError(f"entry point '{name}' ({eps[name].value}) is not a Model subclass or instance")
    return model


def get_model(spec):
    """The model described by `spec`: a registered name ('mutau_baryon': settings at their defaults),
    a mapping {'name': 'mutau_baryon', 'quark_alignment': 'up'} (the given settings, the others at
    their defaults) or a Model instance (returned as is). ParameterError (one line) otherwise.
    A model used with an allowed anomalous charge set warns once what that means."""
    if isinstance(spec, Model):
        return spec
    if isinstance(spec, Mapping):
        settings = dict(spec)
        name = settings.pop("name", None)
        if name is None:
            raise ParameterError("a model given as a mapping needs 'name' (one of "
                                 f"{', '.join(available_models())}) next to its settings, got {dict(spec)!r}")
    elif isinstance(spec, str):
        name, settings = spec, {}
    else:
        raise ParameterError(f"a model is a name ({', '.join(available_models())}) or a mapping "
                             f"{{name: ..., setting: value}}, got {spec!r}")
    if not isinstance(name, str):
        raise ParameterError(unknown("model", name, available_models()))
    base = registered_model(name)
    for key in getattr(base, "required_settings", ()):
        if key not in settings:
            raise ParameterError(f"model '{name}' needs '{key}', e.g. {{name: {name}, {key}: {{L_mu: 1, L_tau: -1}}}}"
                                 if key == "charges" else f"model '{name}' needs the setting '{key}'")
    model = base.configure(**settings) if settings else base
    if hasattr(model, "warn_anomalies"):
        model.warn_anomalies()
    return model


def canonical_spec(spec):
    """The canonical form of a model spec (every setting explicit), for storing and comparing."""
    return get_model(spec).spec
