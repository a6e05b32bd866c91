"""nsifit: global fits of light Z' bosons coupled to neutrinos, muons, taus and quarks."""

__version__ = "0.1.0"

from .evaluate import evaluate  # noqa: E402  (public API)
from .models import MODELS, get_model  # noqa: E402

__all__ = ["evaluate", "get_model", "MODELS", "__version__"]
