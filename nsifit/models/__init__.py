"""Model registry: registry name -> Model instance."""

from ..errors import ParameterError, unknown
from .b_minus_l import BMinusL
from .dark_photon import DarkPhoton
from .lmu_minus_ltau import LmuMinusLtau
from .mutau_baryon import MuTauBaryon

MODELS = {m.name: m for m in (MuTauBaryon(), LmuMinusLtau(), DarkPhoton(), BMinusL())}


def get_model(name):
    """The registered model called `name` (ParameterError listing the valid names otherwise)."""
    try:
        return MODELS[name]
    except KeyError:
        raise ParameterError(unknown("model", name, MODELS)) from None
