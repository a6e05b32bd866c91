"""The four models as they were hard-coded before `u1` (nsifit <= issue 12), kept as a test reference.

Each maps its parameters straight onto a Couplings record, independently of the u1 charge language, the
anomaly check and the general loop; tests/test_u1_presets.py checks that the presets (and u1 with the
preset charges) reproduce these couplings and every plugin's log-likelihood. Verbatim copies except for
imports and the L_mu - L_tau loop, written out here in its closed form (the package computes it with the
general loop of nsifit.physics.mixing.epsilon_loop).
"""

import numpy as np

from nsifit.constants import E_CHARGE, M_MU_MEV, M_TAU_MEV
from nsifit.errors import ParameterError
from nsifit.physics.mixing import vacuum_polarization_shape, vacuum_polarization_shape_complex
from nsifit.theory.couplings import Couplings
from nsifit.theory.models.base import EPSILON, G_ZP, M_ZP, QUARK_ALIGNMENT, Model, Parameter, phi_sector

# --- b_minus_l ---------------------------------------------------------------------------------
B_MINUS_L = {"e": -1.0, "mu": -1.0, "tau": -1.0,
             "u": 1 / 3, "d": 1 / 3, "s": 1 / 3, "c": 1 / 3, "b": 1 / 3, "t": 1 / 3}


class LegacyBMinusL(Model):
    name = "b_minus_l"
    description = "gauged B-L: X = 1/3 for quarks, -1 for leptons and (left-handed) neutrinos"
    reference = "reference model of NA64 (PRL 123 (2019) 121801) and Bernal and Farzan sect. 3"
    parameters = (M_ZP, G_ZP)

    def _couplings(self, p):
        return Couplings(m_zp_mev=p["m_zp"], g_zp=p["g_zp"], epsilon=np.zeros_like(p["m_zp"]),
                         charges=B_MINUS_L, nu_charges=-np.eye(3))


# --- dark_photon -------------------------------------------------------------------------------
class LegacyDarkPhoton(Model):
    name = "dark_photon"
    description = "dark photon: g_f = e epsilon Q_f, no neutrino coupling (reference model of the searches)"
    reference = "Holdom, PLB 166 (1986) 196; the model the experiments publish limits for"
    parameters = (M_ZP, EPSILON)

    def _couplings(self, p):
        zero = np.zeros_like(p["m_zp"])
        return Couplings(m_zp_mev=p["m_zp"], g_zp=zero, epsilon=p["epsilon"], charges={},
                         nu_charges=np.zeros((3, 3)))


# --- lmu_minus_ltau ----------------------------------------------------------------------------
def _closed_form(q2_mev2, g_zp, shape):
    """e g/(2 pi^2) [ln(m_tau^2/m_mu^2)/6 + F(q^2/m_tau^2) - F(q^2/m_mu^2)] (the pre-u1 code)."""
    q2 = np.asarray(q2_mev2, dtype=float)
    loop = (np.log(M_TAU_MEV ** 2 / M_MU_MEV ** 2) / 6.0 + shape(q2 / M_TAU_MEV ** 2) - shape(q2 / M_MU_MEV ** 2))
    return E_CHARGE * np.asarray(g_zp) * loop / (2.0 * np.pi ** 2)


def epsilon_lmu_minus_ltau(q2_mev2, g_zp):
    return _closed_form(q2_mev2, g_zp, vacuum_polarization_shape)


def epsilon_lmu_minus_ltau_complex(q2_mev2, g_zp):
    return _closed_form(q2_mev2, g_zp, vacuum_polarization_shape_complex)


FREE_EPSILON = Parameter("epsilon", "kinetic mixing, constant in q^2; when given it replaces the "
                         "loop-induced mixing", latex=r"\epsilon", optional=True)


def _loop_epsilon(q2_mev2, couplings):
    """The mu/tau loop at q^2 with its absorptive part above 2 m_mu and 2 m_tau (complex): on shell,
    |epsilon(m_zp^2)|^2 is what production and decay rates see; real for q^2 <= 4 m_mu^2."""
    return epsilon_lmu_minus_ltau_complex(q2_mev2, couplings.g_zp)


class LegacyLmuMinusLtau(Model):
    name = "lmu_minus_ltau"
    description = ("U(1) of L_mu - L_tau: X = +1 for mu, nu_mu and -1 for tau, nu_tau; kinetic mixing "
                   "from the mu/tau loop at each q^2 (or a free constant epsilon)")
    reference = ("Gninenko and Gorbunov eq. 1; loop mixing: e g/(12 pi^2) ln(m_tau^2/m_mu^2) at q^2 = 0, complex above "
                 "q^2 = 4 m_mu^2 on shell (nsifit.physics.mixing)")
    parameters = (M_ZP, G_ZP, FREE_EPSILON)

    def _couplings(self, p):
        charges = {"mu": 1.0, "tau": -1.0}
        nu_charges = np.diag([0.0, 1.0, -1.0])
        if "epsilon" in p:
            return Couplings(m_zp_mev=p["m_zp"], g_zp=p["g_zp"], epsilon=p["epsilon"],
                             charges=charges, nu_charges=nu_charges)
        return Couplings(m_zp_mev=p["m_zp"], g_zp=p["g_zp"],
                         epsilon=epsilon_lmu_minus_ltau(0.0, p["g_zp"]), charges=charges,
                         nu_charges=nu_charges, epsilon_of_q2=_loop_epsilon)


# --- mutau_baryon ------------------------------------------------------------------------------
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


class LegacyMuTauBaryon(Model):
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
