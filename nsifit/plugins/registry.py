"""The plugin registry: plugins from the `nsifit.likelihoods` entry-point group, by name.

Built-in plugins (package `nsifit_likelihoods`) and plugins of other packages register the
same way; `build` instantiates the ones a model or config asks for.
"""

import functools
from importlib.metadata import entry_points

from nsifit.errors import ConfigError, NsifitError, unknown
from nsifit.plugins.base import Likelihood

ENTRY_POINT_GROUP = "nsifit.likelihoods"


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


def build(model_name, names=None, options=None, data_dir=None):
    """Instantiate plugins: `names=None` -> every plugin that applies to the model."""
    options = dict(options or {})
    for key in options:
        if key not in _entry_points():
            raise ConfigError(unknown("likelihood in options", key, registry()))
    if names is None:
        names = [n for n in registry() if get_plugin_class(n).applies_to(model_name)]
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
