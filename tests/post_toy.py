"""Toy plugins for the reweighting and limit tests, installed as their own distribution 'nsifit-post-toy'.

- toy_gauss: log L = Gaussian in m_zp (50 +- 5 MeV) and epsilon (1e-3 +- 2e-4) (as tests/sampling_toy.py);
- toy_shift: a second Gaussian measurement of m_zp (options mean, sigma; default 56 +- 10 MeV): with both,
  the m_zp posterior is the product N(51.2, 4.472) on wide priors (precision 1/25 + 1/100);
- toy_rate: a rate R = (epsilon / 1e-3)^2 (m_zp / 50 MeV) measured as r0 +- 1 with an additive nuisance b
  (Gaussian prior 0 +- 0.5). Profiling b gives chi^2_p = (R - r0)^2 / (1 + 0.5^2), so the one-sided upper limit
  at CL solves R = r0 + Phi^-1(CL) sqrt(1.25): epsilon_up = 1e-3 sqrt(R_up 50 MeV / m_zp).
"""

import math

from plugin_site import write_distribution
from scipy.stats import norm

SIGMA_RATE, SIGMA_B = 1.0, 0.5

MODULE = f'''
import numpy as np
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood, Nuisance
from nsifit.plugins.options import Option

class ToyGauss(Likelihood):
    """Toy Gaussian in m_zp and epsilon."""
    name = "toy_gauss"
    requires = ("m_zp_mev", "epsilon")
    def loglike(self, obs):
        return stats.gaussian(obs["m_zp_mev"], 50.0, 5.0) + stats.gaussian(obs["epsilon"], 1.0e-3, 2.0e-4)

class ToyShift(Likelihood):
    """A second toy Gaussian measurement of m_zp."""
    name = "toy_shift"
    requires = ("m_zp_mev",)
    options = {{"mean": Option(56.0, "measured m_zp [MeV]", kind="number"),
               "sigma": Option(10.0, "its error [MeV]", kind="number", minimum=1e-9)}}
    def loglike(self, obs):
        return stats.gaussian(obs["m_zp_mev"], self.option_values["mean"], self.option_values["sigma"])

class ToyRate(Likelihood):
    """Toy rate (epsilon/1e-3)^2 (m_zp/50) measured as r0 +- {SIGMA_RATE} with a background shift toy_b."""
    name = "toy_rate"
    requires = ("m_zp_mev", "epsilon")
    nuisances = (Nuisance("toy_b", 0.0, {SIGMA_B}, "background shift"),)
    options = {{"r0": Option(1.0, "observed rate", kind="number")}}
    def loglike(self, obs, toy_b=None):
        rate = (obs["epsilon"] / 1.0e-3) ** 2 * obs["m_zp_mev"] / 50.0
        if toy_b is None:        # profiled analytically
            return stats.gaussian(rate, self.option_values["r0"], np.hypot({SIGMA_RATE}, {SIGMA_B}))
        return stats.gaussian(rate + toy_b, self.option_values["r0"], {SIGMA_RATE})
'''


def write_site(root):
    return write_distribution(root / "post_site", "nsifit_post_toy", MODULE,
                              {"toy_gauss": "nsifit_post_toy:ToyGauss", "toy_shift": "nsifit_post_toy:ToyShift",
                               "toy_rate": "nsifit_post_toy:ToyRate"})


def config(likelihoods, **sampler):
    return {"model": "dark_photon",
            "params": {"m_zp": {"prior": "uniform", "min": 1.0, "max": 100.0},
                       "epsilon": {"prior": "uniform", "min": 0.0, "max": 3.0e-3}},
            "likelihoods": likelihoods,
            "sampler": dict({"walkers": 32, "steps": 400, "seed": 7, "progress": False}, **sampler)}


def rate_config(eps_max=1.0e-2, r0=1.0):
    return {"model": "dark_photon",
            "params": {"m_zp": {"prior": "log-uniform", "min": 1.0, "max": 200.0},
                       "epsilon": {"prior": "log-uniform", "min": 1.0e-5, "max": eps_max},
                       "toy_b": {"prior": "gaussian", "mean": 0.0, "sigma": SIGMA_B}},
            "likelihoods": {"toy_rate": {"r0": r0}}, "sampler": {"progress": False}}


def rate_limit(m_zp, cl=0.95, r0=1.0):
    """Closed-form upper limit on epsilon of toy_rate (see the module docstring)."""
    rate = r0 + norm.ppf(cl) * math.hypot(SIGMA_RATE, SIGMA_B)
    return 1.0e-3 * math.sqrt(rate * 50.0 / m_zp)
