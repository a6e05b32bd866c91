"""Reference model: the dark photon, coupling through kinetic mixing only."""

import numpy as np

from nsifit.theory.couplings import Couplings
from nsifit.theory.models.base import EPSILON, M_ZP, Model


class DarkPhoton(Model):
    name = "dark_photon"
    description = "dark photon: g_f = e epsilon Q_f, no neutrino coupling (reference model of the searches)"
    reference = "Holdom, PLB 166 (1986) 196; the model the experiments publish limits for"
    parameters = (M_ZP, EPSILON)

    def _couplings(self, p):
        zero = np.zeros_like(p["m_zp"])
        return Couplings(m_zp_mev=p["m_zp"], g_zp=zero, epsilon=p["epsilon"], charges={},
                         nu_charges=np.zeros((3, 3)))
