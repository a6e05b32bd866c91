"""The scalar phi of Bernal and Farzan (eqs. 25-31): decay-length conditions and couplings."""

import math

import numpy as np

from ..constants import HBARC_MEV_CM, HIGGS_VEV_DOUBLET_MEV
from .widths import lab_decay_length_cm, width_scalar_to_electrons

SEED_REFERENCE_ENERGY_MEV = 30.0e3   # NA64 Z' energy scale used in Bernal and Farzan eq. 25


def min_g_phi_for_prompt_decay(m_zp_mev, m_phi_mev, max_length_cm=0.9, energy_mev=SEED_REFERENCE_ENERGY_MEV):
    """Smallest c_phi g_zp for which Z' -> phi phi* alone gives a lab decay length < max_length.

    Bernal and Farzan eq. 26: 3.3e-4 (30 MeV/m) (1 - 4 m_phi^2/m^2)^(-3/4) at E = 30 GeV and
    tau_Z' = 3e-14 s (m/30 MeV)(30 GeV/E), i.e. gamma c tau = 0.90 cm (its eq. 25).
    """
    beta3 = np.clip(1 - 4 * np.asarray(m_phi_mev) ** 2 / np.asarray(m_zp_mev) ** 2, 0, None) ** 1.5
    gamma_needed = (energy_mev / m_zp_mev) * HBARC_MEV_CM / max_length_cm  # Gamma = gamma hbar c / L
    with np.errstate(divide="ignore"):
        return np.sqrt(48 * math.pi * gamma_needed / (m_zp_mev * beta3))


def phi_decay_length_cm(lambda_phi_e, m_phi_mev, energy_mev):
    """Lab decay length of phi -> e+ e- at energy E [cm] (Bernal and Farzan eqs. 25, 30)."""
    return lab_decay_length_cm(width_scalar_to_electrons(lambda_phi_e, m_phi_mev), m_phi_mev, energy_mev)


def lambda_portal(g_phi, m_zp_mev, sin_beta=1e-3, m_big_phi_mev=400e3):
    """Portal coupling lambda of Bernal and Farzan eq. 31: sin(beta) m_Phi0^2 c_phi g_zp / (<H> m_zp).

    From sin(beta) = lambda <H> <phi'>/(m_Phi0^2 - m_phi^2) (eq. 29) with <phi'> = m_zp/(c_phi g_zp)
    (eq. 28) and m_phi << m_Phi0; <H> = v/sqrt2 = 174 GeV reproduces the printed 0.026.
    """
    return sin_beta * m_big_phi_mev ** 2 * g_phi / (HIGGS_VEV_DOUBLET_MEV * m_zp_mev)
