"""(g-2)_mu: Gaussian in Delta a_mu = a_mu(exp) - a_mu(SM)."""

import math

from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood

A_MU_UNIT = 1e-11      # the data files quote a_mu in units of 1e-11


class Gm2Mu(Likelihood):
    """Muon anomalous magnetic moment: Gaussian in the Z' one-loop Delta a_mu.

    Models: the one-loop vector contribution Delta a_mu = g_mu^2 I(m_zp/m_mu)/(4 pi^2)
    (observable `delta_a_mu`, nsifit.physics.gm2), exact in m_zp; no two-loop terms.
    Data: each dataset stores a_mu(exp) and a_mu(SM) with their 1-sigma errors; the
    plugin takes the difference and adds the (independent) errors in quadrature.
    Datasets: `bnl_fnal_2021_wp2020` 251(59)e-11 (the value both papers use), `fnal_2023_wp2020`
    249(48)e-11, `world_2025_wp2025` 38.5(63.7)e-11 (default, current status: no anomaly,
    so the plugin only bounds g_mu from above).
    Construction: Gaussian measurement, log L = -(Delta a_mu - mean)^2/(2 sigma^2);
    Delta chi^2 = 4 at the 2-sigma (95.4% CL) ends. Delta a_mu > 0 for any vector Z'.
    """

    name = "gm2_mu"
    references = ()   # BibTeX keys of its construction (data/references.bib)
    requires = ("delta_a_mu",)
    default_dataset = "world_2025_wp2025"

    def setup(self):
        ds = self.dataset
        exp, exp_sigma = ds.number("a_mu_exp.value"), ds.number("a_mu_exp.sigma")
        sm, sm_sigma = ds.number("a_mu_sm.value"), ds.number("a_mu_sm.sigma")
        self.mean = (exp - sm) * A_MU_UNIT
        self.sigma = math.hypot(exp_sigma, sm_sigma) * A_MU_UNIT

    def loglike(self, obs):
        return stats.gaussian(obs["delta_a_mu"], self.mean, self.sigma)
