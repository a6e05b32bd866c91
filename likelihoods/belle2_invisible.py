"""Belle II e+e- -> mu+ mu- Z', Z' -> invisible (recoil-mass search), recast through the muon coupling."""

import numpy as np

from nsifit.physics import recast, widths
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option

REFERENCE_BR = ("model", "one")


class Belle2Invisible(Likelihood):
    """Belle II L_mu - L_tau limit (Z' -> invisible) recast onto any Z' (log L = 0 outside 1156-5974 MeV).

    Models: the Z' is radiated off the final-state muons of e+e- -> mu+ mu-, rate |g_mu(m^2)|^2 at
    fixed mass (observable `g_mu_production2`; g_mu complex where the loop mixing is), relative to the
    reference L_mu - L_tau Z' of coupling g' at the published limit g'_90(m); times the fraction that
    leaves nothing in the detector, P_missing = Br(inv) + sum_visible Br x P(no decay inside the ECL
    radius) (nsifit.recast.missing_probability), averaged flat over the Z' energies m..E_max of the
    three-body final state in the CM frame (the 7 + 4 GeV boost, beta gamma = 0.28, is neglected);
    phi phi* -> 2(e+e-) is missing only if the Z' and both phi leave the ECL. The reference has
    P_ref = Br_ref(inv) (option `reference_br_inv`): `model` (default), the L_mu - L_tau value
    2 Gamma_nu/Gamma (widths.lmu_minus_ltau_invisible_fraction: 1/2 from ~1 to 3.5 GeV, 1/3 above),
    or `one` (a curve for Br(inv) = 1); which one the paper used is not checked (data notes), they
    differ by sqrt(2) in g'. An lmu_minus_ltau point returns the curve to 0.1%: the loop mixing lowers
    |g_mu(m^2)|^2 = |g' - e eps(m^2)|^2 by ~0.9% and, through Gamma(mu mu), raises Br(inv) by nearly as
    much. Left out: Z' emission from the initial e+e- through a Z'-electron coupling (adds rate:
    conservative), the Z' -> tau tau decays that could leave tracks (counted visible, prompt), and the
    longitudinal emission of an axial muon coupling ((m_mu/m_Z')^2, conservative; its helicity-conserving
    part is in: g_mu_production2 = |g_mu(m^2)|^2 + |g_mu^A|^2).
    Data: `belle2_2020`, PRL 124 (2020) 141801, Fig. 3 (DarkCast digitization), 90% credibility
    level, interpolated log-log in mass.
    Construction: one-sided Gaussian in the signal rate, log L = -(1.28 rate/rate_limit)^2/2
    (Delta chi^2 = 1.64 on the limit): a recoil-mass fit with background, like NA48/2, not a zero-count
    search.
    """

    name = "belle2_invisible"
    references = ("Ilten:2018crw",)   # BibTeX keys of its construction (data/references.bib)
    requires = ("g_mu_production2", "branching_ratios", "gamma_total_mev", "gamma_phi_ee_mev", "m_zp_mev",
                "m_phi_mev")
    default_dataset = "belle2_2020"
    options = {"reference_br_inv": Option("model", "Br(Z' -> invisible) of the published reference: model "
                                          "(the L_mu - L_tau value) or one", choices=REFERENCE_BR)}

    def setup(self):
        ds = self.dataset
        table = ds.table(axis=("m_zp_mev",), positive=("m_zp_mev", "g_upper_90"))
        self.m_table, self.g_table = np.array(table["m_zp_mev"]), np.array(table["g_upper_90"])
        self.sqrt_s_mev = 1e3 * ds.number("sqrt_s_gev")
        self.distance_cm = ds.number("escape_distance_cm")
        self.reference = self.option_values["reference_br_inv"]

    def p_missing(self, obs):
        """Fraction of produced Z' that leave the detector unseen."""
        return obs.memo((id(self), "p_missing"), lambda: self._p_missing(obs))

    def _p_missing(self, obs):
        m = obs["m_zp_mev"]
        energies, weights = recast.fsr_energy_nodes(m, self.sqrt_s_mev)
        return recast.missing_probability(obs["branching_ratios"], obs["gamma_total_mev"], m, energies, weights,
                                          self.distance_cm, obs["gamma_phi_ee_mev"], obs["m_phi_mev"])

    def p_reference(self, m_zp_mev):
        """Br(inv) of the reference L_mu - L_tau Z' behind the published curve (option)."""
        if self.reference == "one":
            return np.ones_like(np.asarray(m_zp_mev, float))
        return widths.lmu_minus_ltau_invisible_fraction(m_zp_mev)

    def rate_over_limit(self, obs):
        m = obs["m_zp_mev"]
        g_limit = recast.limit_loglog(m, self.m_table, self.g_table)
        return recast.rate_over_limit(obs["g_mu_production2"], self.p_missing(obs),
                                      self.p_reference(m), g_limit)

    def loglike(self, obs):
        return stats.one_sided_gaussian(self.rate_over_limit(obs))

    def derived(self, obs):
        return {"p_missing_belle2": self.p_missing(obs)}
