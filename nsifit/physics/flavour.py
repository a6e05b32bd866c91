"""b -> s mu mu from the flavour-changing Z' coupling of Bernal and Farzan (eqs. 36-38).

With third-generation quark charge -2(1-c)/3 and first/second -c/3, the left-handed
down-quark rotation gives the s-b coupling g_zp (3c - 2)/3 V_tb V_ts*. Matching
Z' exchange onto the standard effective Hamiltonian
H_eff = -(4 G_F/sqrt2) V_tb V_ts* (alpha/4 pi) C9 (s g P_L b)(mu g mu) gives

    C9 = -(sqrt2 pi g_zp g_mu / (alpha G_F m_zp^2)) (3c - 2)/3,   g_mu = g_zp X_mu + e epsilon Q_mu,

which is twice Bernal and Farzan eq. 37 (its prefactor pi/sqrt2 instead of sqrt2 pi; its eq. 38
follows eq. 37, so it carries the same factor); the paper writes g_mu = g_zp, dropping the
kinetic-mixing part of the muon coupling. convention="seed" returns eq. 37.
For q^2 of the muon pair well above m_zp^2, C9 is suppressed by m_zp^2/(m_zp^2 - q^2).
"""

import math

import numpy as np

from ..constants import ALPHA_EM, G_F_MEV2


def c9_bsmumu(g_zp, delta_x_bd, m_zp_mev, q2_mev2=0.0, x_mu=1.0, convention="standard", g_mu=None):
    """C9 (with the propagator m^2/(m^2 - q^2) at dimuon mass^2 q2) for X_b - X_d = delta_x_bd.

    Bernal and Farzan: delta_x_bd = -2(1-c)/3 + c/3 = (3c - 2)/3; zero for generation-blind charges.
    g_mu: the Z' vector coupling to the muon, g_zp x_mu + e epsilon Q_mu with kinetic mixing
    (default g_zp x_mu, as in Bernal and Farzan eq. 37).
    """
    prefactor = {"standard": math.sqrt(2.0) * math.pi, "seed": math.pi / math.sqrt(2.0)}[convention]
    g_mu = g_zp * x_mu if g_mu is None else g_mu
    m2 = np.asarray(m_zp_mev, float) ** 2
    return -prefactor * g_zp * g_mu * delta_x_bd / (ALPHA_EM * G_F_MEV2 * (m2 - q2_mev2))
