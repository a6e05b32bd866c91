"""Reference model: gauged B - L without kinetic mixing at tree level."""

import numpy as np

from nsifit.theory.couplings import Couplings
from nsifit.theory.models.base import G_ZP, M_ZP, Model

B_MINUS_L = {"e": -1.0, "mu": -1.0, "tau": -1.0,
             "u": 1 / 3, "d": 1 / 3, "s": 1 / 3, "c": 1 / 3, "b": 1 / 3, "t": 1 / 3}


class BMinusL(Model):
    name = "b_minus_l"
    description = "gauged B-L: X = 1/3 for quarks, -1 for leptons and (left-handed) neutrinos"
    reference = "reference model of NA64 (PRL 123 (2019) 121801) and Bernal and Farzan sect. 3"
    parameters = (M_ZP, G_ZP)

    def _couplings(self, p):
        return Couplings(m_zp_mev=p["m_zp"], g_zp=p["g_zp"], epsilon=np.zeros_like(p["m_zp"]),
                         charges=B_MINUS_L, nu_charges=-np.eye(3))
