"""Model registry: registry name -> Model instance."""

from nsifit.errors import ParameterError, unknown
from nsifit.theory.models.b_minus_l import BMinusL
from nsifit.theory.models.dark_photon import DarkPhoton
from nsifit.theory.models.lmu_minus_ltau import LmuMinusLtau
from nsifit.theory.models.mutau_baryon import MuTauBaryon

MODELS = {m.name: m for m in (MuTauBaryon(), LmuMinusLtau(), DarkPhoton(), BMinusL())}


def get_model(name):
    """The registered model called `name` (ParameterError listing the valid names otherwise)."""
    try:
        return MODELS[name]
    except KeyError:
        raise ParameterError(unknown("model", name, MODELS)) from None
