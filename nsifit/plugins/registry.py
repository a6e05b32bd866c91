"""The plugin registry: plugins from the `nsifit.likelihoods` entry-point group, by name.

Built-in plugins (package `nsifit_likelihoods`) and plugins of other packages register the
same way; `build` instantiates the ones a model or config asks for.
"""

import functools
import warnings
from importlib.metadata import entry_points

from nsifit.errors import ConfigError, NsifitError, NsifitWarning, unknown
from nsifit.plugins.base import Likelihood

ENTRY_POINT_GROUP = "nsifit.likelihoods"
_SKIPPED = set()


@functools.lru_cache(maxsize=1)
def _entry_points():
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def registry():
    """Names of all installed plugins."""
    return sorted(_entry_points())


def get_plugin_class(name):
    eps = _entry_points()
    if name not in eps:
        raise NsifitError(unknown("likelihood", name, eps or ["(none installed)"]))
    try:
        cls = eps[name].load()
    except Exception as err:  # a broken third-party plugin must not hide behind a traceback
        raise NsifitError(f"likelihood '{name}' ({eps[name].value}) failed to load: {err}") from None
    if not (isinstance(cls, type) and issubclass(cls, Likelihood)):
        raise NsifitError(f"entry point '{name}' ({eps[name].value}) is not a Likelihood subclass")
    return cls


def applicable(model, names=None):
    """The plugins (names, default: all installed) that apply to `model`; each one that does not is
    reported once per process as a one-line NsifitWarning (Likelihood.not_applicable)."""
    out = []
    for name in registry() if names is None else names:
        reason = get_plugin_class(name).not_applicable(model)
        if reason is None:
            out.append(name)
        elif (name, reason) not in _SKIPPED:
            _SKIPPED.add((name, reason))
            warnings.warn(f"{reason}; left out", NsifitWarning, stacklevel=3)
    return out


def check_applicable(model, names):
    """ConfigError (one line) if a plugin asked for by name does not apply to `model`."""
    for name in names:
        reason = get_plugin_class(name).not_applicable(model)
        if reason is not None:
            raise ConfigError(reason)


def build(model, names=None, options=None, data_dir=None):
    """Instantiate plugins: `names=None` -> every plugin that applies to the model (a Model or spec); a named
    plugin that does not apply is a ConfigError."""
    options = dict(options or {})
    for key in options:
        if key not in _entry_points():
            raise ConfigError(unknown("likelihood in options", key, registry()))
    if names is None:
        names = applicable(model)
    else:
        check_applicable(model, names)
    unused = [key for key in options if key not in names]
    if unused:
        raise ConfigError(f"options given for likelihood '{unused[0]}', which is not evaluated "
                          f"(evaluated: {', '.join(names) or 'none'})")
    plugins = []
    for name in names:
        cls = get_plugin_class(name)
        opts = dict(options.get(name) or {})
        plugins.append(cls(data_dir=data_dir, **opts))
    return plugins
