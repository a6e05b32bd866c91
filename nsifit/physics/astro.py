"""Astrophysical quantities of Bernal and Farzan sect. 3."""

import numpy as np


def white_dwarf_quantity_gev2(g_zp, epsilon, m_zp_mev):
    """Bernal and Farzan eq. 35 left-hand side, 2 g_zp^2 epsilon / (3 m_zp^2) [GeV^-2], as printed.

    The seed compares it with 1.12e-5 GeV^-2 (its Ref. 46); |epsilon| is used so the
    sign convention of the mixing does not matter.
    """
    m_gev = np.asarray(m_zp_mev, float) * 1e-3
    return 2.0 * g_zp ** 2 * np.abs(epsilon) / (3.0 * m_gev ** 2)
