"""Borexino 7Be: the nu_e survival probability an SM analysis would infer from the nu-e rate."""

import numpy as np

from nsifit.errors import DataError
from nsifit.physics import electron_scattering as es
from nsifit.physics import oscillation as osc
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option


class Borexino7Be(Likelihood):
    """Borexino 7Be nu-e scattering rate, read as the inferred nu_e survival probability.

    Models: the rate per electron R/Phi = sum_lines B_l int dT Tr[rho_l S_l(T)] over the recoil
    window, with the flavour-matrix cross section S(T) of nsifit.physics.electron_scattering
    (SM + Z' exchange, eps(T) = g_nu g_e / (2 sqrt2 G_F (m^2 + 2 m_e T)) on g_L and g_R; with chiral
    electron charges g_e - g_e^A on g_L and g_e + g_e^A on g_R).
    An SM analysis turns it into P_inf = (R/Phi - sigma_mu^SM)/(sigma_e^SM - sigma_mu^SM),
    compared with Borexino's Pee = 0.51 +- 0.07 (PRL 107 (2011) 141302, arXiv:1104.1816).
    Options:
      flavour_model  incoherent_mass_states (default; Gninenko and Gorbunov eq. 3: rho = sum_i P_i
                     |nu_i><nu_i|) | equipartition (Gninenko and Gorbunov eq. 2, the assumption it
                     corrects: rho = 1/3 in flavour space, so F_mu + F_tau = 2/3 F_7Be).
      mixing         vacuum (P_i = |U_ei|^2, Gninenko and Gorbunov) | msw (adiabatic, theta12 in matter at
                     the solar centre); ignored for equipartition.
      interference   true (default: the full |SM + Z'|^2) | false (only |Z'|^2, as Gninenko and Gorbunov).
      statistic      pee (default: Gaussian in P_inf around 0.51 +- 0.07) | shift (Gaussian in
                     P_inf - P_inf(SM) around 0 with sigma 0.07: the Z' shift alone bounded by
                     the measurement error, the construction of Gninenko and Gorbunov sect. 3, which assumes
                     the SM prediction agrees with the data; needed to compare flavour models
                     whose SM predictions differ, e.g. equipartition gives P_inf(SM) = 1/3).
    Approximations: tree-level cross section (see electron_scattering); the electron coupling
    at q^2 = 0 (for the loop-induced mixing of L_mu - L_tau, epsilon(-2 m_e T) differs from
    epsilon(0) by ~1e-6 relative); the measured rate is taken over a fixed recoil window
    (data file) instead of refitting the spectral shape; no Earth-matter (day-night) effect.
    Construction: stats.gaussian, Delta chi^2 = -2 Delta log L; reports `pee_inferred_7be`.
    """

    name = "borexino_7be"
    references = ("Bellini:2011rx", "Gninenko2020:2007.16098")   # BibTeX keys of its construction (data/references.bib)
    requires = ("g_e", "g_e_axial", "g_nu", "m_zp_mev")
    default_dataset = "borexino_2011"
    required_fields = ("pee", "pee_sigma", "lines", "recoil_window_mev", "oscillation",
                       "solar_centre_electron_density")
    options = {"flavour_model": Option("incoherent_mass_states", "neutrino state at Earth",
                                       choices=("incoherent_mass_states", "equipartition")),
               "mixing": Option("vacuum", "mass-state weights P_i", choices=("vacuum", "msw")),
               "interference": Option(True, "keep the SM x Z' interference term", kind="bool"),
               "statistic": Option("pee", "Gaussian in P_inf (pee) or in its Z' shift (shift)",
                                   choices=("pee", "shift"))}

    def setup(self):
        ds = self.dataset
        self.pee, self.pee_sigma = ds.number("pee"), ds.number("pee_sigma")
        window = ds["recoil_window_mev"]
        if not (isinstance(window, list) and len(window) == 2 and window[0] < window[1]):
            raise DataError(f"{ds.path}: field 'recoil_window_mev' must be [t_min, t_max] with t_min < t_max")
        self.t_min_mev, self.t_max_mev = float(window[0]), float(window[1])
        self.lines = [(self._line_field(i, "energy_mev"), self._line_field(i, "branching"))
                      for i in range(len(ds["lines"]))]
        self.pmns = osc.pmns_matrix(*(ds.number(f"oscillation.{k}") for k in
                                      ("sin2_theta12", "sin2_theta13", "sin2_theta23", "delta_cp_deg")))
        self.rhos = [self.density_matrix(e) for e, _ in self.lines]
        self.tables = [es.LineTable(rho, e, self.t_min_mev, self.t_max_mev)
                       for (e, _), rho in zip(self.lines, self.rhos)]
        self.sigma_e_sm = self._sm_sum(es.flavour_state(0))
        self.sigma_mu_sm = self._sm_sum(es.flavour_state(1))
        self.pee_sm = self.inferred_pee(sum(b * es.sigma_sm_cm2(rho, e, self.t_min_mev, self.t_max_mev)
                                            for (e, b), rho in zip(self.lines, self.rhos)))

    def _line_field(self, i, key):
        line = self.dataset["lines"][i]
        if not isinstance(line, dict) or isinstance(line.get(key), bool) \
                or not isinstance(line.get(key), (int, float)):
            raise DataError(f"{self.dataset.path}: field 'lines[{i}].{key}' must be a number")
        return float(line[key])

    def _sm_sum(self, rho):
        return sum(b * es.sigma_sm_cm2(rho, e, self.t_min_mev, self.t_max_mev) for e, b in self.lines)

    def density_matrix(self, e_nu_mev):
        """The flavour-basis state reaching the Earth for the chosen flavour model and mixing."""
        if self.option_values["flavour_model"] == "equipartition":
            return np.eye(3) / 3.0
        if self.option_values["mixing"] == "vacuum":
            weights = osc.mass_state_weights_vacuum(self.pmns)
        else:
            ds = self.dataset
            weights = osc.mass_state_weights_msw(
                e_nu_mev, *(ds.number(f"oscillation.{k}") for k in ("sin2_theta12", "sin2_theta13",
                                                                   "dm2_21_ev2")),
                ds.number("solar_centre_electron_density.value"))
        return osc.density_matrix_mass_states(self.pmns, weights)

    def inferred_pee(self, sigma_cm2):
        """P_inf = (sigma - sigma_mu^SM) / (sigma_e^SM - sigma_mu^SM), all over the same window."""
        return (sigma_cm2 - self.sigma_mu_sm) / (self.sigma_e_sm - self.sigma_mu_sm)

    def pee_inferred(self, obs):
        """P_inf per point (once per batch: loglike and derived share it)."""
        return obs.memo((id(self), "pee"), lambda: self.inferred_pee(self.rate_cm2(obs)))

    def rate_cm2(self, obs):
        """Flux-weighted cross section over the recoil window, Tr[rho sigma] summed over the lines
        (each line's mass-independent integrals tabulated once: es.LineTable)."""
        return sum(b * table.sigma_cm2(obs["g_nu"], obs["g_e"], obs["m_zp_mev"],
                                       interference=self.option_values["interference"])
                   for (_, b), table in zip(self.lines, self.tables))

    def rate_cm2_direct(self, obs):
        """rate_cm2 by es.sigma_cm2 at every call (no tables): the reference route of the tests."""
        return sum(b * es.sigma_cm2(rho, e, self.t_min_mev, self.t_max_mev, obs["g_nu"], obs["g_e"],
                                    obs["m_zp_mev"], interference=self.option_values["interference"],
                                    g_e_axial=obs["g_e_axial"])
                   for (e, b), rho in zip(self.lines, self.rhos))

    def loglike(self, obs):
        pee = self.pee_inferred(obs)
        if self.option_values["statistic"] == "shift":
            return stats.gaussian(pee - self.pee_sm, 0.0, self.pee_sigma)
        return stats.gaussian(pee, self.pee, self.pee_sigma)

    def derived(self, obs):
        return {"pee_inferred_7be": self.pee_inferred(obs)}
