"""Perturbativity of the phi-sector portal coupling: c_phi g_zp below a few 1e-2."""

import numpy as np

from nsifit_likelihoods.smooth_bound import SmoothBound


class Perturbativity(SmoothBound):
    """Theory bound c_phi g_zp < few x 1e-2 (Bernal and Farzan end of sect. 2, from eq. 31).

    Models: the portal coupling lambda of eq. 31 grows with the Z'-phi coupling
    g_phi = c_phi g_zp; keeping lambda perturbative bounds g_phi. Without phi,
    g_phi = 0 and log L = 0.
    Data: 'few x 1e-2' read as 3e-2 (lambda ~ 0.9 at m_zp = 30 MeV by eq. 31;
    data/perturbativity/seed000_sect2.yaml).
    Construction: stats.upper_bound on |g_phi|, Delta chi^2 = 4 at 3e-2 and 0 below
    2.4e-2. Not a statistical result: the smooth edge only keeps samplers well behaved.
    """

    name = "perturbativity"
    references = ("Bernal2022:2211.15686",)   # BibTeX keys of its construction (data/references.bib)
    requires = ("g_phi",)
    default_dataset = "seed000_sect2"
    bound_field = "upper_bound"
    side = "upper"

    def quantity(self, obs):
        return np.abs(obs["g_phi"])
