"""Likelihood plugins: the base class every plugin derives from.

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

from dataclasses import dataclass

import numpy as np

from nsifit.errors import ConfigError, unknown
from nsifit.plugins import datasets
from nsifit.plugins.options import declared
from nsifit.theory.models import get_model
from nsifit.theory.observables import require


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
    `options` (name -> nsifit.plugins.options.Option; anything else is an error),
    `nuisances` (tuple of Nuisance; a plugin whose nuisances depend on its options overrides
    `nuisances_for`), `models` (model names it applies to by default; None = all),
    `data_package` (a plugin from another package: the importable package that ships its
    datasets, laid out like a data directory: <package folder>/<plugin name>/<dataset>.yaml).
    Subclasses implement `setup()` (read self.dataset, precompute) and `loglike(obs,
    **nuisance_values)`; a plugin with nuisances must profile them itself when their
    values are not given. `derived(obs)` may add per-point quantities to the output.
    """

    name = ""
    requires = ()
    default_dataset = None
    required_fields = ()
    options = {}
    dataset_option = None      # a list option that `dataset: x` abbreviates as [x] (several datasets)
    nuisances = ()
    models = None
    data_package = None
    vector_only = ()           # charged fermions whose axial couplings the plugin's physics leaves out
    su2_doublets = ()          # lepton flavours whose doublet (nu_a, a_L) must carry one charge
    assumption = ""            # what it assumes, for the one-line reason when it does not apply
    references = ()            # BibTeX keys (data/references.bib) of its construction; datasets carry their own

    def __init__(self, dataset=None, data_dir=None, **options):
        require(self.requires)
        if dataset is not None and self.dataset_option:
            options, dataset = dict(options, dataset=dataset), None
        self.option_values = self.validated_options(options)
        self.nuisances = self.nuisances_for(self.option_values, data_dir)
        self.data_dir = data_dir
        self.dataset = None
        self.sets = {}                 # plugins that read several datasets keep them here by name
        dataset = dataset or self.default_dataset
        if dataset is not None:
            self.dataset = datasets.load(self.name, dataset, data_dir, self.required_fields, self.data_package)
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
        """{'<plugin>/<file>': sha256} of every data file this plugin read (its dataset and `sets`)."""
        files = dict(self.dataset.files) if self.dataset is not None else {}
        for ds in self.sets.values():
            files.update(ds.files)
        return files

    @classmethod
    def validated_options(cls, options):
        """Every option with its value (given or default), each checked against its declaration.

        `options` may hold `dataset` (the data file, checked where it is loaded), which for a plugin
        with `dataset_option` stands for that list option with one name."""
        options = dict(options)
        if "dataset" in options and cls.dataset_option:
            if cls.dataset_option in options:
                raise ConfigError(f"likelihood '{cls.name}': give either 'dataset' or "
                                  f"'{cls.dataset_option}', not both")
            options[cls.dataset_option] = [options["dataset"]]
        options.pop("dataset", None)
        for key in options:
            if key not in cls.options:
                raise ConfigError(unknown(f"option of likelihood '{cls.name}'", key, list(cls.options) + ["dataset"]))
        return {key: opt.validate(f"option '{key}' of likelihood '{cls.name}'", options[key])
                if key in options else opt.default for key, opt in declared(cls.options).items()}

    @classmethod
    def nuisances_for(cls, option_values, data_dir=None):
        """The nuisance parameters for these (validated) options: the class's by default."""
        return cls.nuisances

    @classmethod
    def applies_to(cls, model):
        """True when the plugin applies to `model` (a Model or a model spec): see `not_applicable`."""
        return cls.not_applicable(model) is None

    @classmethod
    def not_applicable(cls, model):
        """None when the plugin applies to `model`, else one line saying why not.

        A plugin declares `vector_only` (fermions whose axial coupling its physics leaves out: it does not
        apply to chiral charges on them), `su2_doublets` (lepton flavours whose SU(2) doublet must carry one
        charge) and `models` (names it is restricted to; None = all)."""
        model = get_model(model)
        if cls.models is not None and model.name not in cls.models:
            return f"likelihood '{cls.name}' applies only to {', '.join(cls.models)}"
        axial = [f for f in cls.vector_only if f in getattr(model, "axial_fermions", ())]
        if axial:
            return (f"likelihood '{cls.name}' does not apply to model '{model.name}': the charges of "
                    f"{', '.join(axial)} are chiral and {cls.assumption or 'its physics takes vector couplings'}")
        broken = [a for a in cls.su2_doublets if a in getattr(model, "broken_doublets", ())]
        if broken:
            return (f"likelihood '{cls.name}' does not apply to model '{model.name}': the doublet of "
                    f"{', '.join(broken)} carries two charges (SU(2)-breaking) and "
                    f"{cls.assumption or 'it assumes one'}")
        return None

    @classmethod
    def info(cls, data_dir=None):
        doc = (cls.__doc__ or "").strip().splitlines()
        return {"name": cls.name, "summary": doc[0] if doc else "",
                "requires": list(cls.requires),
                "options": {k: opt.describe() for k, opt in declared(cls.options).items()},
                "nuisances": [n.name for n in cls.nuisances],
                "default_dataset": cls.default_dataset,
                "datasets": datasets.available(cls.name, data_dir, cls.data_package)}


def total_loglike(values, n):
    """Sum of per-plugin log-likelihood arrays (zeros when there are none)."""
    total = np.zeros(n)
    for value in values:
        total = total + value
    return total
