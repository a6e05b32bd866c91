"""Shared base of the invisible-search recasts (NA64, BaBar): electron production, P_missing."""

import numpy as np

from nsifit.physics import recast
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option


class InvisibleSearch(Likelihood):
    """A published A' -> invisible limit recast onto any Z' produced through its electron coupling.

    rate/rate_limit = |g_e(m^2)/e|^2 P_missing / eps_limit(m)^2 (nsifit.recast; g_e(m^2) is complex
    where the loop-induced mixing has an absorptive part; an axial electron coupling adds |g_e^A/e|^2, the
    helicity-conserving emission for m_Z' >> m_e, observable electron_epsilon_eff2; the longitudinal
    (m_e/m_Z')^2 emission of a non-conserved axial current is left out, conservative), Poisson zero-count
    construction; log L = 0 outside the curve's mass range. Subclasses give `zp_energies(m)`:
    the Z' lab energies passing the cuts and their weights. Datasets: a `table` with m_zp_mev,
    epsilon (interpolated log-log) and `escape_distance_cm`.
    """

    requires = ("electron_epsilon_eff2", "branching_ratios", "gamma_total_mev", "gamma_phi_ee_mev",
                "m_zp_mev", "m_phi_mev", "br_inv", "pure_dark_photon")
    options = {"recast": Option("physics", "physics: P_missing from the decay lengths; seed: Bernal and Farzan "
                                           "sect. 3's Br(inv) ratio without decay lengths",
                                choices=recast.RECAST_MODES)}

    def setup(self):
        self.mode = self.option_values["recast"]
        table = self.dataset.table(axis=("m_zp_mev",), positive=("m_zp_mev", "epsilon"))
        self.m_table, self.eps_table = np.array(table["m_zp_mev"]), np.array(table["epsilon"])
        self.distance_cm = self.dataset.number("escape_distance_cm")

    def zp_energies(self, m_zp_mev):
        """(energies [MeV], weights summing to 1), shapes (k,) or (n, k)."""
        raise NotImplementedError

    def p_missing(self, obs):
        """Fraction of produced Z' that leave no visible energy (1 for the reference dark photon)."""
        return obs.memo((id(self), "p_missing"), lambda: self._p_missing(obs))

    def _p_missing(self, obs):
        if self.mode == "seed":
            p = obs["br_inv"]
        else:
            m = obs["m_zp_mev"]
            energies, weights = self.zp_energies(m)
            p = recast.missing_probability(obs["branching_ratios"], obs["gamma_total_mev"], m, energies,
                                           weights, self.distance_cm, obs["gamma_phi_ee_mev"],
                                           obs["m_phi_mev"])
        return np.where(obs["pure_dark_photon"], 1.0, p)

    def loglike(self, obs):
        eps_limit = recast.limit_loglog(obs["m_zp_mev"], self.m_table, self.eps_table)
        ratio = recast.rate_over_limit(obs["electron_epsilon_eff2"], self.p_missing(obs), 1.0, eps_limit)
        return stats.poisson_zero_count(ratio)

    def derived(self, obs):
        return {f"p_missing_{self.name.split('_')[0]}": self.p_missing(obs)}
