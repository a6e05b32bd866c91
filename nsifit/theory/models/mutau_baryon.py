"""Bernal and Farzan: gauged L_mu + L_tau - c (B1 + B2) - 2 (1 - c) B3 with kinetic mixing."""

import numpy as np

from nsifit.constants import E_CHARGE
from nsifit.errors import ParameterError
from nsifit.theory.couplings import Couplings
from nsifit.theory.models.base import (
    EPSILON,
    G_ZP,
    M_ZP,
    QUARK_ALIGNMENT,
    Model,
    Parameter,
    phi_sector,
)

C = Parameter("c", "baryon-charge parameter of the first two generations (Bernal and Farzan eq. 2)", latex="c")
TAN_ETA = Parameter("tan_eta", "eps_n/eps_p; fixes epsilon through Bernal and Farzan eq. 11",
                    latex=r"\tan\eta")
C_PHI = Parameter("c_phi", "U(1) charge of the scalar phi (Bernal and Farzan eq. 22)", latex=r"c_\phi",
                  optional=True)
M_PHI = Parameter("m_phi", "mass of the scalar phi", unit="MeV", latex=r"m_\phi", positive=True,
                  optional=True)
LAMBDA_PHI_E = Parameter("lambda_phi_e", "phi-electron Yukawa (Bernal and Farzan eq. 30); default gives "
                         "tau_phi ~ 1e-14 s", latex=r"\lambda_{\phi e}", positive=True, optional=True)


def epsilon_from_tan_eta(tan_eta, c, g_zp):
    """Bernal and Farzan eq. 11 solved for epsilon: e eps = c g_zp (1 - 1/tan_eta)."""
    return c * g_zp * (1.0 - 1.0 / tan_eta) / E_CHARGE


class MuTauBaryon(Model):
    name = "mutau_baryon"
    description = "U(1) of L_mu + L_tau - c(B1+B2) - 2(1-c)B3 with kinetic mixing; optional scalar phi"
    reference = "Bernal and Farzan (NSI with arbitrary u/d ratio), eqs. 2-4, 22-23"
    parameters = (M_ZP, G_ZP, C, EPSILON, TAN_ETA, C_PHI, M_PHI, LAMBDA_PHI_E)
    alternatives = (("epsilon", "tan_eta"),)
    together = (("c_phi", "m_phi"),)
    settings = (QUARK_ALIGNMENT,)

    def _derive(self, p):
        if "lambda_phi_e" in p and "c_phi" not in p:
            raise ParameterError("model 'mutau_baryon': parameter 'lambda_phi_e' needs c_phi and m_phi")
        if "tan_eta" in p:
            if np.any(p["tan_eta"] == 0):
                raise ParameterError("parameter 'tan_eta' must be non-zero (Bernal and Farzan eq. 11 divides by it)")
            if np.any(p["c"] * p["g_zp"] == 0):
                raise ParameterError("parameter 'tan_eta' fixes epsilon only for c != 0 and g_zp != 0 "
                                     "(Bernal and Farzan eq. 11); give epsilon instead")
            p = dict(p, epsilon=epsilon_from_tan_eta(p["tan_eta"], p["c"], p["g_zp"]))
        return p

    def _couplings(self, p):
        c = p["c"]
        light_quark, heavy_quark = -c / 3.0, -2.0 * (1.0 - c) / 3.0
        charges = {"e": 0.0, "mu": 1.0, "tau": 1.0,
                   "u": light_quark, "d": light_quark, "c": light_quark, "s": light_quark,
                   "t": heavy_quark, "b": heavy_quark}
        c_phi, m_phi, lam = phi_sector(p)
        return Couplings(m_zp_mev=p["m_zp"], g_zp=p["g_zp"], epsilon=p["epsilon"], charges=charges,
                         nu_charges=np.diag([0.0, 1.0, 1.0]), c_phi=c_phi, m_phi_mev=m_phi,
                         lambda_phi_e=lam, quark_alignment=self.setting_values["quark_alignment"])
