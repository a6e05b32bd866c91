"""Neutral-current NSI from a vector Z' (DESIGN.md sect. 2; Bernal and Farzan eqs. 5-13, 34).

Global-fit convention: L = -2 sqrt2 G_F eps^{fP}_ab (nu_a g P_L nu_b)(f g P f) with
eps^f = eps^{fL} + eps^{fR}, so V = sqrt2 G_F sum_f N_f eps^f. Integrating out a Z'
with left-handed neutrino couplings g_nu and vector couplings g_f gives

    eps^f_ab(q^2) = g_nu_ab g_f / (sqrt2 G_F (m_zp^2 - q^2)).

Bernal and Farzan writes the vector current under one coefficient 2 sqrt2 G_F (its eq. 1),
so its eps is half of this: eps_seed = eps^f / 2.
"""

import math

import numpy as np

from ..constants import G_F_MEV2

SOLAR_CENTRE_NN_OVER_NP = 0.54   # N_n/N_p at the centre of the Sun, Bernal and Farzan before eq. 15 (its Ref. 27)


def propagator_factor(m_zp_mev, q2_mev2=0.0):
    """m^2 / (m^2 - q^2): the light-mediator suppression relative to the contact limit."""
    m2 = np.asarray(m_zp_mev, dtype=float) ** 2
    return m2 / (m2 - np.asarray(q2_mev2, dtype=float))


def nsi_per_g_nu(g_f, m_zp_mev, q2_mev2=0.0):
    """eps^f_ab / g_nu_ab = g_f / (sqrt2 G_F (m_zp^2 - q^2)), shape (n,) [1]."""
    m2 = np.asarray(m_zp_mev, dtype=float) ** 2
    return np.asarray(g_f) / (math.sqrt(2.0) * G_F_MEV2 * (m2 - np.asarray(q2_mev2, dtype=float)))


def nsi_matrix(g_nu, g_f, m_zp_mev, q2_mev2=0.0):
    """eps^f_ab(q^2), global-fit convention, shape (n, 3, 3) from g_nu (n,3,3) and g_f (n,)."""
    return g_nu * nsi_per_g_nu(g_f, m_zp_mev, q2_mev2)[..., None, None]


def to_seed_convention(eps_global):
    """Bernal and Farzan's eps (its eqs. 1, 5-13): half the global-fit eps."""
    return 0.5 * np.asarray(eps_global)


def eps_medium(eps_e, eps_p, eps_n, nn_over_np=SOLAR_CENTRE_NN_OVER_NP):
    """sum_f N_f eps^f / N_e in a neutral medium (N_e = N_p): eps_e + eps_p + (N_n/N_p) eps_n.

    Bernal and Farzan eqs. 12-13 with N_u = 2 N_p + N_n and N_d = N_p + 2 N_n.
    """
    return eps_e + eps_p + nn_over_np * eps_n


def eps_medium_mutau_baryon(c, g_zp, m_zp_mev, nn_over_np=SOLAR_CENTRE_NN_OVER_NP):
    """Bernal and Farzan eq. 13 in the global-fit convention: -c g^2 (N_n + N_p)/N_e / (sqrt2 G_F m^2).

    Closed form for mutau_baryon, in which the kinetic mixing cancels in a neutral medium.
    """
    return -c * g_zp ** 2 * (1.0 + nn_over_np) / (math.sqrt(2.0) * G_F_MEV2 * m_zp_mev ** 2)


def g_zp_from_eps_medium(eps_med, c, m_zp_mev, nn_over_np=SOLAR_CENTRE_NN_OVER_NP):
    """Bernal and Farzan eq. 13 (global-fit convention) solved for g_zp: (g_zp, valid).

    eps_medium is -c g^2 (...) > 0 only for eps_medium c < 0; elsewhere valid is False and g_zp nan.
    """
    eps_med, c, m = np.broadcast_arrays(*(np.asarray(v, float) for v in (eps_med, c, m_zp_mev)))
    per_g2 = eps_medium_mutau_baryon(c, 1.0, m, nn_over_np)      # eps_medium at g_zp = 1
    valid = eps_med * per_g2 > 0
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(valid, np.sqrt(eps_med / per_g2), np.nan), valid


def from_seed_convention(eps_seed):
    """Global-fit eps from Bernal and Farzan's eps (twice it)."""
    return 2.0 * np.asarray(eps_seed)


def eps_e_from_eps_medium(eps_med, tan_eta, nn_over_np=SOLAR_CENTRE_NN_OVER_NP):
    """Bernal and Farzan eq. 34: eps^e = eps_medium (1 - 1/tan_eta) N_e/(N_n + N_p) (any convention)."""
    return eps_med * (1.0 - 1.0 / tan_eta) / (1.0 + nn_over_np)
