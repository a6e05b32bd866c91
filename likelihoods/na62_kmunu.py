"""NA62 K+ -> mu+ nu Z' with an invisible Z': Bernal and Farzan eq. 32."""

import numpy as np

from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option

CONSTRUCTIONS = {"one_sided_gaussian": stats.one_sided_gaussian,
                 "poisson_zero_count": stats.poisson_zero_count}


class Na62Kmunu(Likelihood):
    """NA62 search for K+ -> mu+ nu X, X invisible, read as a bound on the Z'-nu_mu coupling.

    Models: Z' emission off the nu_mu leg of K+ -> mu+ nu, rate proportional to
    g(nu_mu)^2 at fixed m_zp, times Br(Z' -> nu nu) because NA62 requires X invisible
    (`invisible_only: false` sets the branching to 1, as Bernal and Farzan assume). Emission off
    the muon leg and Z' decays to e+e- outside the detector are neglected; it does not apply where the
    (nu_mu, mu_L) doublet carries two charges (anomalous, SU(2)-breaking sets).
    Data: Bernal and Farzan eq. 32, |g(nu_mu)| < 0.003 (m_zp / 5 MeV), its straight-line summary of
    NA62's 90% CL BR limits (PLB 816 (2021) 136259, arXiv:2101.12304), applied for
    10 <= m_zp <= 370 MeV only (log L = 0 outside the searched range).
    Construction (option `construction`): `one_sided_gaussian` (default) in the rate
    s = (g/g_90)^2 Br_inv, Delta chi^2 = 1.64 on the 90% CL line -- the search is
    background-dominated, so a Gaussian rate estimator with best fit 0 describes it
    better than a zero-count Poisson; `poisson_zero_count` gives Delta chi^2 = 4.61 there.
    """

    name = "na62_kmunu"
    references = ("NA62_2021:2101.12304", "Bernal2022:2211.15686")  # data/references.bib
    su2_doublets = ("mu",)
    assumption = ("the emission off the nu_mu leg is the rate only for a conserved doublet current; with "
                  "X(nu_mu) != X(mu_L) the W vertex radiates a longitudinal Z' growing as (m_K/m_Z')^2")
    requires = ("g_nu_mumu", "m_zp_mev", "br_inv")
    default_dataset = "seed000_eq32"
    options = {"construction": Option("one_sided_gaussian", "statistical reading of the 90% CL limit",
                                      choices=tuple(CONSTRUCTIONS)),
               "invisible_only": Option(True, "count only Z' -> invisible (Br_inv x rate)", kind="bool")}

    def setup(self):
        self.construction = CONSTRUCTIONS[self.option_values["construction"]]
        ds = self.dataset
        self.g_over_m = ds.number("limit.coupling") / ds.number("limit.reference_mass_mev")
        self.m_min, self.m_max = ds.number("mass_range_mev.min"), ds.number("mass_range_mev.max")

    def coupling_limit(self, m_zp_mev):
        """g_90(m): the 90% CL bound on |g(nu_mu)| for an invisible Z' (Bernal and Farzan eq. 32)."""
        return self.g_over_m * np.asarray(m_zp_mev, dtype=float)

    def loglike(self, obs):
        m = obs["m_zp_mev"]
        ratio = (obs["g_nu_mumu"] / self.coupling_limit(m)) ** 2
        if self.option_values["invisible_only"]:
            ratio = ratio * obs["br_inv"]
        inside = (m >= self.m_min) & (m <= self.m_max)
        return np.where(inside, self.construction(ratio), 0.0)
