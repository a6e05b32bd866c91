"""Model registry: registry name -> Model instance (settings at their defaults); `get_model` for a
name or a `{name: ..., setting: value}` mapping."""

from collections.abc import Mapping

from nsifit.errors import ParameterError, unknown
from nsifit.theory.models.b_minus_l import BMinusL
from nsifit.theory.models.base import Model
from nsifit.theory.models.dark_photon import DarkPhoton
from nsifit.theory.models.lmu_minus_ltau import LmuMinusLtau
from nsifit.theory.models.mutau_baryon import MuTauBaryon

MODELS = {m.name: m for m in (MuTauBaryon(), LmuMinusLtau(), DarkPhoton(), BMinusL())}


def get_model(spec):
    """The model described by `spec`: a registered name ('mutau_baryon': settings at their defaults),
    a mapping {'name': 'mutau_baryon', 'quark_alignment': 'up'} (the given settings, the others at
    their defaults) or a Model instance (returned as is). ParameterError (one line) otherwise."""
    if isinstance(spec, Model):
        return spec
    if isinstance(spec, Mapping):
        settings = dict(spec)
        name = settings.pop("name", None)
        if name is None:
            raise ParameterError("a model given as a mapping needs 'name' (one of "
                                 f"{', '.join(sorted(MODELS))}) next to its settings, got {dict(spec)!r}")
    elif isinstance(spec, str):
        name, settings = spec, {}
    else:
        raise ParameterError(f"a model is a name ({', '.join(sorted(MODELS))}) or a mapping "
                             f"{{name: ..., setting: value}}, got {spec!r}")
    if not isinstance(name, str) or name not in MODELS:
        raise ParameterError(unknown("model", name, MODELS))
    return MODELS[name].configure(**settings) if settings else MODELS[name]


def canonical_spec(spec):
    """The canonical form of a model spec (every setting explicit), for storing and comparing."""
    return get_model(spec).spec
