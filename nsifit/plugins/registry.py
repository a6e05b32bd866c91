"""The plugin registry: plugins from the `nsifit.likelihoods` entry-point group, by name.

Built-in plugins (package `nsifit_likelihoods`, distribution `nsifit`) and plugins of other packages
register the same way. The DEFAULT set -- what a config without `likelihoods:` and `nsifit eval`
without `--likelihoods` use -- is explicit: the built-in plugins that apply to the model, plus
third-party plugins only when the environment variable NSIFIT_PLUGINS says so:

    NSIFIT_PLUGINS=builtin        (or unset) built-in plugins only
    NSIFIT_PLUGINS=all            every installed plugin
    NSIFIT_PLUGINS=name1,name2    the built-in plugins plus these third-party ones

A third-party plugin named in a config (or in --likelihoods) is always used. The chosen list is
written into the run's config (and its sources into the run file's `plugins` attribute), so a
run never depends on what happens to be installed. A plugin that fails to load is reported with
one warning naming it and left out of the default set; naming it explicitly is an error.
"""

import functools
import os
import warnings
from importlib.metadata import entry_points

from nsifit.errors import ConfigError, NsifitError, NsifitWarning, unknown
from nsifit.plugins.base import Likelihood

ENTRY_POINT_GROUP = "nsifit.likelihoods"
PLUGINS_ENV = "NSIFIT_PLUGINS"
BUILTIN_MODULE = "nsifit_likelihoods"


class PluginWarning(UserWarning):
    """A plugin could not be loaded (it is left out) or returned unusable values."""
_SKIPPED = set()


@functools.lru_cache(maxsize=1)
def _entry_points():
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def registry():
    """Names of all installed plugins."""
    return sorted(_entry_points())


def is_builtin(name):
    ep = _entry_points().get(name)
    return ep is not None and ep.value.split(":")[0].split(".")[0] == BUILTIN_MODULE


def source(name):
    """Where a plugin comes from: 'module:Class (distribution version)'."""
    ep = _entry_points()[name]
    dist = getattr(ep, "dist", None)
    origin = f"{dist.metadata['Name']} {dist.version}" if dist is not None else "unknown distribution"
    return f"{ep.value} ({origin})"


def _load(name):
    eps = _entry_points()
    try:
        cls = eps[name].load()
    except Exception as err:  # a broken third-party plugin must not hide behind a traceback
        raise NsifitError(f"likelihood '{name}' ({eps[name].value}) failed to load: "
                          f"{type(err).__name__}: {err}") from None
    if not (isinstance(cls, type) and issubclass(cls, Likelihood)):
        raise NsifitError(f"entry point '{name}' ({eps[name].value}) is not a Likelihood subclass")
    return cls


def get_plugin_class(name):
    eps = _entry_points()
    if name not in eps:
        raise NsifitError(unknown("likelihood", name, eps or ["(none installed)"]))
    return _load(name)


def _selected_third_party():
    setting = os.environ.get(PLUGINS_ENV, "builtin").strip()
    if setting in ("", "builtin"):
        return []
    third = [n for n in registry() if not is_builtin(n)]
    if setting == "all":
        return third
    names = [n.strip() for n in setting.split(",") if n.strip()]
    for name in names:
        if name not in _entry_points():
            raise ConfigError(f"{PLUGINS_ENV}: " + unknown("likelihood", name, registry() or ["(none)"]))
    return [n for n in names if not is_builtin(n)]


def loadable(names):
    """The plugins of `names` that load; one PluginWarning per plugin that does not."""
    out = []
    for name in names:
        try:
            get_plugin_class(name)
        except NsifitError as err:
            warnings.warn(f"{err}; left out", PluginWarning, stacklevel=2)
            continue
        out.append(name)
    return out


def default_names(model):
    """The default plugin set for a model (a Model or spec; see the module docstring), in registry order:
    the loadable ones that apply (each one that does not is named once in a warning)."""
    chosen = set(_selected_third_party())
    names = [n for n in registry() if is_builtin(n) or n in chosen]
    return applicable(model, loadable(names))


def applicable(model, names):
    """The plugins of `names` that apply to `model`; each one that does not is reported once per
    process as a one-line NsifitWarning (Likelihood.not_applicable)."""
    out = []
    for name in names:
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
    """Instantiate plugins: `names=None` -> the default set for the model (a Model or spec); a named
    plugin that does not apply is a ConfigError."""
    options = dict(options or {})
    for key in options:
        if key not in _entry_points():
            raise ConfigError(unknown("likelihood in options", key, registry()))
    if names is None:
        names = default_names(model)
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
