"""nsifit: global fits of light Z' bosons coupled to neutrinos, muons, taus and quarks.

The public API (imported lazily, so that `import nsifit` and the command line start fast):
`evaluate`, `get_model`, `MODELS`.
"""

from nsifit._version import __version__

_LAZY = {"evaluate": ("nsifit.plugins.evaluate", "evaluate"),
         "get_model": ("nsifit.theory.models", "get_model"),
         "MODELS": ("nsifit.theory.models", "MODELS")}

__all__ = ["__version__", *_LAZY]


def __getattr__(name):
    if name in _LAZY:
        import importlib
        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'nsifit' has no attribute {name!r}")
