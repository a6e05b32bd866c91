"""Astrophysical quantities of Bernal & Farzan (arXiv:2211.15686) sect. 3."""

import numpy as np

from ..constants import E_CHARGE


def white_dwarf_quantity_gev2(g_zp, epsilon, m_zp_mev):
    """Bernal and Farzan eq. 35 left-hand side, 2 g_zp^2 epsilon / (3 m_zp^2) [GeV^-2], as printed.

    The seed compares it with 1.12e-5 GeV^-2 (its Ref. 46); |epsilon| is used so the
    sign convention of the mixing does not matter.
    """
    m_gev = np.asarray(m_zp_mev, float) * 1e-3
    return 2.0 * g_zp ** 2 * np.abs(epsilon) / (3.0 * m_gev ** 2)


def white_dwarf_quantity_general_gev2(g_nu, g_e, m_zp_mev):
    """Eq. 35's left-hand side for any charges: (1/3) sum_ab |g_nu,ab|^2 |g_e|/e / m_zp^2 [GeV^-2].

    The printed form 2 g_zp^2 |epsilon|/(3 m_zp^2) is quadratic in the neutrino coupling and linear in the
    electron coupling g_e/e = -epsilon of Bernal & Farzan's model (two neutrino flavours of charge 1:
    sum |g_nu|^2 = 2 g_zp^2); this keeps that structure, so it equals the printed form there and for
    L_mu - L_tau with its loop mixing (g_e = -e epsilon(0)), and counts a tree-level electron charge (B - L,
    L_e - L_mu) through g_e. The printed form itself is not derived in the paper (its Ref. 46); unchecked.
    g_nu (n, 3, 3), g_e (n,) vector coupling at q^2 = 0.
    """
    m_gev = np.asarray(m_zp_mev, float) * 1e-3
    nu2 = np.sum(np.abs(np.asarray(g_nu)) ** 2, axis=(-2, -1))
    return nu2 * np.abs(g_e) / E_CHARGE / (3.0 * m_gev ** 2)
