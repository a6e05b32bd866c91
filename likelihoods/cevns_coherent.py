"""COHERENT CEvNS counts (CsI 2017, CsI full dataset, LAr) with the Z' recoil propagator.

Models: the count of each dataset as N(theta) = N_SM(published) x R(theta), where
R = N_computed(theta) / N_computed(SM) comes from nsifit.physics.cevns: pi-DAR fluxes,
Helm form factor, the flavour-general weak charge sum_b |Q_SM delta_ab + A_ab P(T)|^2
with P = m^2/(m^2 + 2 M T) (Bernal and Farzan eq. 33 over the real recoil spectrum) and the
detector response of nsifit.physics.cevns_detector. The ratio carries the published
flux, quenching and efficiency uncertainties over unchanged.

Statistics (per dataset, chosen by its data file):
- csi_2017: the paper's single-bin chi^2 (arXiv:1708.01294 supplement)
      chi^2 = (N_meas - N (1 + alpha) - B_on (1 + beta))^2 / sigma_stat^2,
      sigma_stat^2 = N_meas + 2 B_ss + B_on,
  with the plugin nuisances alpha, beta (Gaussian priors 0.28, 0.25). Given values: log L
  is this chi^2 term only (the sampler adds the nuisances' Gaussian priors). Not given:
  they are profiled analytically, log L = max over them of [log L + log prior] =
      -(N_meas - N - B_on)^2 / (2 (sigma_stat^2 + sigma_alpha^2 N^2 + sigma_beta^2 B_on^2)),
  the exact minimum of the quadratic form (the 2x2 linear system solved in closed form).
- csi_2021, lar_2020: Gaussian count, log L = -(N_obs - N)^2 / (2 sigma^2) with the
  published uncertainties combined, sigma^2 = sigma_obs^2 + sigma_SM^2 (constant: letting
  the prediction's error grow with N would let a profiled normalisation absorb any excess,
  chi^2 -> N_SM^2/sigma_SM^2, the saturation the csi_2017 construction has at 1/0.28^2).

Timing: a dataset with `timing` (csi_2021) keeps each flux component with the weight
int_window dt pdf(t) eff(t) (cevns.arrival_time_weights); no time binning.
Approximations: one bin in energy and time; the kinetic
mixing enters at q^2 = 0 (its running with q^2 for loop-induced mixing is neglected).
Option `datasets`: list from csi_2017, csi_2021, lar_2020 (default csi_2021, lar_2020).
"""

from dataclasses import replace

import numpy as np

from nsifit.errors import ConfigError, DataError, unknown
from nsifit.physics import cevns
from nsifit.physics.cevns_detector import build_response, build_time_efficiency
from nsifit.plugins import datasets
from nsifit.plugins.base import Likelihood, Nuisance
from nsifit.plugins.options import Option

REQUIRED = ("targets", "molar_mass_g_per_mol", "mass_kg", "distance_m", "pot",
            "nu_per_flavour_per_pot", "response", "published_sm", "published_observed", "likelihood")
ALPHA = Nuisance("cevns_csi2017_alpha", 0.0, 0.28, "csi_2017 signal normalisation", r"\alpha_{\rm CsI}")
BETA = Nuisance("cevns_csi2017_beta", 0.0, 0.25, "csi_2017 beam-on background normalisation",
                r"\beta_{\rm CsI}")


def detector_from_dataset(ds):
    """cevns.Detector from a dataset: number of nuclei, fluence per flavour, response and,
    if the dataset has `timing`, the share of each flux component in its time window."""
    formula_units = ds["mass_kg"] * 1.0e3 / ds["molar_mass_g_per_mol"] * cevns.AVOGADRO
    targets = {iso: k * formula_units for iso, k in ds["targets"].items()}
    for iso in targets:
        if iso not in cevns.ISOTOPES:
            raise DataError(f"{ds.path}: " + unknown("isotope", iso, cevns.ISOTOPES))
    spec = dict(ds["response"])
    if ds.get("acceptance_table"):        # CSV beside the YAML, read (and hashed) through the dataset
        table = ds.table("acceptance_table", axis=("e_kevee",), positive=("e_kevee",), nonnegative=("acceptance",))
        spec["acceptance_kevee"], spec["acceptance"] = table["e_kevee"], table["acceptance"]
    fluence = cevns.fluence_per_flavour_cm2(ds["nu_per_flavour_per_pot"], ds["pot"], ds["distance_m"])
    timing = ds.get("timing")
    try:
        time_weights = None if not timing else cevns.arrival_time_weights(
            build_time_efficiency(timing["efficiency"]), timing["window_us"], timing["proton_time_us"])
        response = build_response(spec)
    except ValueError as err:           # the physics layer names the bad model; the file is ours to name
        raise DataError(f"{ds.path}: {err}") from None
    return cevns.Detector(ds.name, targets, fluence, response, time_weights)


def profiled_single_bin_chi2(n_th, n_meas, b_on, sigma_stat2, sigma_alpha, sigma_beta,
                             alpha=None, beta=None):
    """chi^2 of the csi_2017 single bin, minimised over the nuisances not given.

    With r = N_meas - N - B_on minus the given nuisance shifts, the quadratic form
    r'^2/s^2 + sum_free (x/sigma_x)^2 (r' = r - sum_free c_x x) has its minimum
    r^2 / (s^2 + sum_free sigma_x^2 c_x^2); given nuisances add no prior term here.
    """
    n_th = np.asarray(n_th, float)
    resid = n_meas - n_th - b_on
    var = np.full_like(n_th, sigma_stat2)
    if alpha is None:
        var = var + (sigma_alpha * n_th) ** 2
    else:
        resid = resid - n_th * alpha
    if beta is None:
        var = var + (sigma_beta * b_on) ** 2
    else:
        resid = resid - b_on * beta
    return resid ** 2 / var


class CevnsCoherent(Likelihood):
    """COHERENT CEvNS counts (CsI 2017/2021, LAr 2020) with the Z' recoil propagator."""

    name = "cevns_coherent"
    references = ("COHERENT2017:1708.01294", "Bernal2022:2211.15686")  # data/references.bib
    requires = ("g_nu", "g_p", "g_n", "m_zp_mev")
    options = {"datasets": Option(["csi_2021", "lar_2020"], "COHERENT data sets combined", kind="names")}
    dataset_option = "datasets"        # `dataset: x` is shorthand for `datasets: [x]`
    nuisances = (ALPHA, BETA)          # their widths come from the csi_2017 data file (nuisances_for)

    @classmethod
    def nuisances_for(cls, option_values, data_dir=None):
        """alpha, beta exist only when a single-bin dataset (csi_2017) is used; widths from its file."""
        for name in option_values["datasets"]:
            lk = datasets.load(cls.name, name, data_dir, REQUIRED)["likelihood"]
            if lk["kind"] == "single_bin_nuisances":
                return (replace(ALPHA, sigma=lk["sigma_alpha"]), replace(BETA, sigma=lk["sigma_beta"]))
        return ()

    def setup(self):
        names = self.option_values["datasets"]
        self.sets = {n: datasets.load(self.name, n, self.data_dir, REQUIRED) for n in names}
        self.kernel = cevns.CevnsKernel([detector_from_dataset(ds) for ds in self.sets.values()])
        self.n_sm_computed = dict(zip(names, self.kernel.counts_sm()))

    def ratios(self, obs):
        """{dataset: R(theta)} for the points of `obs`, computed once per batch."""
        def compute():
            counts = self.kernel.counts(obs["g_nu"], obs["g_p"], obs["g_n"], obs["m_zp_mev"])
            return {n: counts[:, i] / self.n_sm_computed[n] for i, n in enumerate(self.sets)}
        return obs.memo((id(self), "ratios"), compute)

    def derived(self, obs):
        out = {}
        for n, r in self.ratios(obs).items():
            out[f"cevns_nsm_{n}"] = np.full(obs.n, self.n_sm_computed[n])
            out[f"cevns_ratio_{n}"] = r
        return out

    def loglike(self, obs, **nuisance_values):
        total = np.zeros(obs.n)
        for n, r in self.ratios(obs).items():
            ds = self.sets[n]
            n_th = ds["published_sm"]["value"] * r
            lk = ds["likelihood"]
            if lk["kind"] == "single_bin_nuisances":
                sigma_stat2 = lk["n_meas"] + 2.0 * lk["b_ss"] + lk["b_on"]
                chi2 = profiled_single_bin_chi2(n_th, lk["n_meas"], lk["b_on"], sigma_stat2,
                                                lk["sigma_alpha"], lk["sigma_beta"],
                                                nuisance_values.get(ALPHA.name), nuisance_values.get(BETA.name))
            elif lk["kind"] == "gaussian_count":
                measured = ds["published_observed"]
                var = measured["sigma"] ** 2 + ds["published_sm"]["sigma"] ** 2
                chi2 = (measured["value"] - n_th) ** 2 / var
            else:
                raise ConfigError(f"{ds.path}: " + unknown("likelihood kind", lk["kind"],
                                                           ["single_bin_nuisances", "gaussian_count"]))
            total = total - 0.5 * chi2
        return total

    @classmethod
    def info(cls, data_dir=None):
        """Registry info plus the validation of the code: computed vs published N_SM."""
        entry = super().info(data_dir)
        plugin = cls(data_dir=data_dir, datasets=entry["datasets"])
        entry["validation"] = {n: {"n_sm_computed": round(float(plugin.n_sm_computed[n]), 1),
                                   "n_sm_published": ds["published_sm"]["value"],
                                   "n_sm_published_sigma": ds["published_sm"]["sigma"]}
                               for n, ds in plugin.sets.items()}
        return entry
