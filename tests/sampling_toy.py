"""A toy Gaussian likelihood plugin installed as a separate distribution (for the sampling tests).

log L = -(m_zp - 50)^2 / (2 * 5^2) - (epsilon - 1e-3)^2 / (2 * (2e-4)^2) on the dark_photon
model: with wide flat priors the posterior is that Gaussian, a known answer.
"""

import os
import subprocess
import sys

from plugin_site import write_distribution

MEAN = {"m_zp": 50.0, "epsilon": 1.0e-3}
SIGMA = {"m_zp": 5.0, "epsilon": 2.0e-4}

TOY_MODULE = f'''
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood

class ToyGauss(Likelihood):
    """Toy Gaussian in m_zp and epsilon (test of the sampler)."""
    name = "toy_gauss"
    requires = ("m_zp_mev", "epsilon")
    def loglike(self, obs):
        return (stats.gaussian(obs["m_zp_mev"], {MEAN["m_zp"]}, {SIGMA["m_zp"]})
                + stats.gaussian(obs["epsilon"], {MEAN["epsilon"]}, {SIGMA["epsilon"]}))
'''


def config(**sampler):
    return {"model": "dark_photon",
            "params": {"m_zp": {"prior": "uniform", "min": 1.0, "max": 100.0},
                       "epsilon": {"prior": "uniform", "min": 0.0, "max": 3.0e-3}},
            "likelihoods": {"toy_gauss": {}},
            "sampler": dict({"walkers": 16, "steps": 200, "seed": 7, "progress": False}, **sampler)}


def write_site(root):
    """A one-module distribution 'nsifit-toy-gauss' with the entry point; returns its directory."""
    return write_distribution(root / "toy_site", "nsifit_toy_gauss", TOY_MODULE,
                              {"toy_gauss": "nsifit_toy_gauss:ToyGauss"})


def nsifit_process(args, site, cwd, **kwargs):
    """`python -m nsifit.cli ARGS` with the toy distribution on the path."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-m", "nsifit.cli", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)
