"""Likelihood plugins: the base class and the entry-point registry.

A plugin is a small class (registered under the `nsifit.likelihoods` entry-point
group, from this package or any other) plus its datasets in data/<name>/. It states
the observables it needs and returns log L per parameter point:

    class Gm2Mu(Likelihood):
        name = "gm2_mu"
        requires = ("delta_a_mu",)
        default_dataset = "world_2025_wp2025"
        def loglike(self, obs):
            return stats.gaussian(obs["delta_a_mu"], self.mean, self.sigma)
"""

import functools
from dataclasses import dataclass
from importlib.metadata import entry_points

import numpy as np

from . import data as datasets
from .errors import ConfigError, NsifitError, unknown
from .observables import require

ENTRY_POINT_GROUP = "nsifit.likelihoods"


@dataclass(frozen=True)
class Nuisance:
    """A plugin-owned nuisance parameter with a Gaussian prior (mean, sigma)."""

    name: str
    mean: float
    sigma: float
    description: str = ""
    latex: str = ""


class Likelihood:
    """Base class of a likelihood plugin.

    Class attributes: `name` (registry key), `requires` (observable names, checked at
    construction), `default_dataset` (None when the plugin has no data file),
    `options` (name -> default; anything else is an error), `nuisances` (tuple of
    Nuisance), `models` (model names it applies to by default; None = all).
    Subclasses implement `setup()` (read self.dataset, precompute) and `loglike(obs,
    **nuisance_values)`; a plugin with nuisances must profile them itself when their
    values are not given. `derived(obs)` may add per-point quantities to the output.
    """

    name = ""
    requires = ()
    default_dataset = None
    required_fields = ()
    options = {}
    nuisances = ()
    models = None

    def __init__(self, dataset=None, data_dir=None, **options):
        require(self.requires)
        for key in options:
            if key not in self.options:
                raise ConfigError(unknown(f"option of likelihood '{self.name}'",
                                          key, list(self.options) + ["dataset"]))
        self.option_values = {**self.options, **options}
        self.data_dir = data_dir
        self.dataset = None
        dataset = dataset or self.default_dataset
        if dataset is not None:
            self.dataset = datasets.load(self.name, dataset, data_dir, self.required_fields)
        self.setup()

    def setup(self):
        """Read the dataset and precompute what does not depend on the parameters."""

    def loglike(self, obs, **nuisance_values):
        raise NotImplementedError

    def derived(self, obs):
        """Extra per-point quantities (name -> array) reported next to the model's."""
        return {}

    @property
    def data_files(self):
        """{path: sha256} of every data file this plugin read."""
        return dict(self.dataset.files) if self.dataset is not None else {}

    @classmethod
    def applies_to(cls, model_name):
        return cls.models is None or model_name in cls.models

    @classmethod
    def info(cls, data_dir=None):
        doc = (cls.__doc__ or "").strip().splitlines()
        return {"name": cls.name, "summary": doc[0] if doc else "",
                "requires": list(cls.requires), "options": dict(cls.options),
                "nuisances": [n.name for n in cls.nuisances],
                "default_dataset": cls.default_dataset,
                "datasets": datasets.available(cls.name, data_dir)}


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


def total_loglike(values, n):
    """Sum of per-plugin log-likelihood arrays (zeros when there are none)."""
    total = np.zeros(n)
    for value in values:
        total = total + value
    return total
