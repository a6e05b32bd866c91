"""Gninenko and Gorbunov: gauged L_mu - L_tau; kinetic mixing from the mu and tau loops or free."""

import numpy as np

from nsifit.physics.mixing import epsilon_lmu_minus_ltau, epsilon_lmu_minus_ltau_complex
from nsifit.theory.couplings import Couplings
from nsifit.theory.models.base import G_ZP, M_ZP, Model, Parameter

FREE_EPSILON = Parameter("epsilon", "kinetic mixing, constant in q^2; when given it replaces the "
                         "loop-induced mixing", latex=r"\epsilon", optional=True)


def _loop_epsilon(q2_mev2, couplings):
    """The mu/tau loop at q^2 with its absorptive part above 2 m_mu and 2 m_tau (complex): on shell,
    |epsilon(m_zp^2)|^2 is what production and decay rates see; real for q^2 <= 4 m_mu^2."""
    return epsilon_lmu_minus_ltau_complex(q2_mev2, couplings.g_zp)


class LmuMinusLtau(Model):
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
