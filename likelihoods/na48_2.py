"""NA48/2: pi0 -> gamma Z', Z' -> e+ e- (prompt), in K+- -> pi+- pi0 decays."""

import numpy as np

from nsifit.physics import recast
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option

LIMIT_COLUMNS = {"weakest": "epsilon_weakest", "strongest": "epsilon_strongest"}


class Na48_2(Likelihood):
    """NA48/2 A' -> e+e- limit recast onto any Z' (log L = 0 outside 8.99-118.6 MeV).

    Models: pi0 -> gamma Z', rate |g_p/e|^2 relative to a dark photon of epsilon = 1 (the pi0 is
    an isovector: the amplitude goes as the Z' coupling to the proton, observable
    `pi0_epsilon_eff`), times Br(Z' -> ee) x P(decay within 100 cm at E_Z' = 50 GeV)
    (nsifit.recast.prompt_probability). Z' -> phi phi* -> 2(e+e-) fails the selection. The
    reference (Br(ee) = 1, prompt) has P = 1; `dark_photon` points are that reference and return
    the published limit exactly.
    Option `recast`: `physics` (default) or `seed`, Bernal and Farzan sect. 3: production with its
    (q_u^2 + q_d^2) combination, eps - c g_zp/(5 e) (`pi0_epsilon_eff_seed`), times Br(ee), no
    decay-length factor. Option `limit`: `weakest` (default, conservative) or `strongest` epsilon
    of each mass bin of the jagged published curve.
    Does not apply to chiral u or d charges (axial quark couplings: pi0-Z' mixing, not computed).
    Data: `na48_2_2015`, PLB 746 (2015) 178, Fig. 4 binned (30 bins, constant within a bin).
    Construction: one-sided Gaussian in the signal rate, log L = -(1.28 rate/rate_limit)^2/2
    (Delta chi^2 = 1.64 on the limit): the search fits a signal on a large pi0_D background, so
    its limit is a Gaussian upper limit on the fitted rate rather than a zero-count one.
    """

    name = "na48_2"
    references = ("Ilten:2018crw", "Feng2016:1604.07411", "Bernal2022:2211.15686")  # data/references.bib
    vector_only = ("u", "d")
    assumption = ("pi0 -> gamma Z' is taken through the vector (anomaly) coupling g_p; an axial quark coupling "
                  "adds pi0-Z' mixing that is not computed")
    requires = ("pi0_epsilon_eff", "pi0_epsilon_eff_seed", "br_ee", "gamma_total_mev", "m_zp_mev",
                "pure_dark_photon")
    default_dataset = "na48_2_2015"
    options = {"recast": Option("physics", "physics: prompt fraction from the decay length; seed: Br(ee) only",
                                choices=recast.RECAST_MODES),
               "limit": Option("weakest", "which of the two published limit curves per mass bin",
                               choices=tuple(LIMIT_COLUMNS))}

    def setup(self):
        self.mode = self.option_values["recast"]
        column = self.option_values["limit"]
        ds, table = self.dataset, self.dataset.table(axis=("m_low_mev", "m_high_mev"), positive=(
            "m_low_mev", "m_high_mev", *LIMIT_COLUMNS.values()))
        self.low, self.high = np.array(table["m_low_mev"]), np.array(table["m_high_mev"])
        self.eps_bin = np.array(table[LIMIT_COLUMNS[column]])
        self.energy_mev = 1e3 * ds.number("zp_energy_gev")
        self.distance_cm = ds.number("prompt_distance_cm")

    def p_prompt(self, obs):
        """Fraction of produced Z' seen as a prompt e+e- pair (1 for the reference)."""
        return obs.memo((id(self), "p_prompt"), lambda: self._p_prompt(obs))

    def _p_prompt(self, obs):
        if self.mode == "seed":
            p = obs["br_ee"]
        else:
            p = recast.prompt_probability(obs["br_ee"], obs["gamma_total_mev"], obs["m_zp_mev"],
                                          self.energy_mev, self.distance_cm)
        return np.where(obs["pure_dark_photon"], 1.0, p)

    def loglike(self, obs):
        eps_eff = obs["pi0_epsilon_eff_seed" if self.mode == "seed" else "pi0_epsilon_eff"]
        eps_limit = recast.limit_binned(obs["m_zp_mev"], self.low, self.high, self.eps_bin)
        ratio = recast.rate_over_limit(np.abs(eps_eff) ** 2, self.p_prompt(obs), 1.0, eps_limit)
        return stats.one_sided_gaussian(ratio)

    def derived(self, obs):
        return {"p_prompt_na48_2": self.p_prompt(obs)}
