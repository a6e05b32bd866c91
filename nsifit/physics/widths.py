"""Z' partial widths, branching ratios, lifetime and decay length.

Channels: Z' -> l+ l- (l = e, mu, tau) with full mass dependence, nu_a nu_b-bar
(left-handed), phi phi* (seed 000 eq. 23). The couplings are taken on shell
(q^2 = m_zp^2). Missing: hadronic channels above the two-pion threshold
(m_zp > 2 m_pi = 279 MeV: pi+ pi-, then pi0 gamma, 3 pi, K K, ... through the
quark couplings, e.g. via vector-meson dominance as in Ilten et al. arXiv:1801.04847);
below 2 m_pi, Z' -> pi0 gamma and 3 gamma are negligible (Landau-Yang forbids 2 gamma).
The widths here are therefore complete only for m_zp < 2 m_pi.
"""

import math

import numpy as np

from ..constants import HBAR_MEV_S, HBARC_MEV_CM, M_E_MEV, M_MU_MEV, M_TAU_MEV

CHARGED_LEPTONS = {"ee": ("e", M_E_MEV), "mumu": ("mu", M_MU_MEV), "tautau": ("tau", M_TAU_MEV)}
NEUTRINO_CHANNELS = ("nunu_e", "nunu_mu", "nunu_tau")
INVISIBLE = NEUTRINO_CHANNELS


def _velocity(m_mev, m_daughter_mev):
    """beta = sqrt(1 - 4 m_d^2/m^2) above threshold, 0 below (and for a massless or absent parent)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = 1.0 - 4.0 * np.asarray(m_daughter_mev, float) ** 2 / np.asarray(m_mev, float) ** 2
    x = np.nan_to_num(x, nan=-1.0)
    return np.sqrt(np.clip(x, 0.0, None))


def width_vector_to_fermions(g_f, m_mev, m_f_mev, n_colours=1):
    """Gamma(V -> f fbar) = N_c g^2 m/(12 pi) (1 + 2 m_f^2/m^2) beta [MeV]."""
    beta = _velocity(m_mev, m_f_mev)
    return n_colours * g_f ** 2 * m_mev / (12 * math.pi) * (1 + 2 * m_f_mev ** 2 / m_mev ** 2) * beta


def width_vector_to_neutrinos(g_nu_row, m_mev):
    """Gamma(V -> nu_a + any nu_b-bar) = sum_b |g_ab|^2 m/(24 pi), left-handed neutrinos [MeV]."""
    return np.sum(np.abs(g_nu_row) ** 2, axis=-1) * m_mev / (24 * math.pi)


def width_vector_to_scalars(g_phi, m_mev, m_phi_mev):
    """Gamma(Z' -> phi phi*) = g_phi^2 m (1 - 4 m_phi^2/m^2)^(3/2)/(48 pi), seed 000 eq. 23 [MeV].

    Zero where there is no phi (m_phi = nan) or below threshold.
    """
    m_phi = np.nan_to_num(m_phi_mev, nan=np.inf)
    return g_phi ** 2 * m_mev * _velocity(m_mev, m_phi) ** 3 / (48 * math.pi)


def width_scalar_to_electrons(lambda_phi_e, m_phi_mev):
    """Gamma(phi -> e+ e-) = lambda^2 m_phi beta_e^3/(8 pi) for a scalar Yukawa lambda phi e e [MeV]."""
    m_phi = np.nan_to_num(m_phi_mev, nan=0.0)
    return lambda_phi_e ** 2 * m_phi * _velocity(m_phi, M_E_MEV) ** 3 / (8 * math.pi)


def partial_widths(couplings):
    """Dict channel -> Gamma [MeV] for ee, mumu, tautau, nunu_e/mu/tau, phiphi."""
    m = couplings.m_zp_mev
    widths = {ch: width_vector_to_fermions(couplings.vector(f, on_shell=True), m, mf)
              for ch, (f, mf) in CHARGED_LEPTONS.items()}
    g_nu = couplings.g_nu
    for i, ch in enumerate(NEUTRINO_CHANNELS):
        widths[ch] = width_vector_to_neutrinos(g_nu[:, i, :], m)
    widths["phiphi"] = width_vector_to_scalars(couplings.g_phi, m, couplings.m_phi_mev)
    return widths


def branching_ratios(widths):
    """Dict channel -> Br from partial widths; Br = 0 where the total width vanishes."""
    total = sum(widths.values())
    safe = np.where(total > 0, total, 1.0)
    return {ch: np.where(total > 0, w / safe, 0.0) for ch, w in widths.items()}


def lifetime_s(gamma_mev):
    """tau = hbar / Gamma [s] (inf for a stable particle)."""
    with np.errstate(divide="ignore"):
        return HBAR_MEV_S / np.asarray(gamma_mev, float)


def ctau_cm(gamma_mev):
    """c tau = hbar c / Gamma [cm]."""
    with np.errstate(divide="ignore"):
        return HBARC_MEV_CM / np.asarray(gamma_mev, float)


def lab_decay_length_cm(gamma_mev, m_mev, energy_mev):
    """Mean lab-frame decay length beta gamma c tau = (p/m) c tau [cm] at energy E."""
    p = np.sqrt(np.clip(np.asarray(energy_mev, float) ** 2 - np.asarray(m_mev, float) ** 2, 0, None))
    return p / m_mev * ctau_cm(gamma_mev)


def decay_probability_between(decay_length_cm, l_min_cm, l_max_cm=np.inf):
    """P(l_min < decay point < l_max) = exp(-l_min/L) - exp(-l_max/L) for mean length L."""
    with np.errstate(divide="ignore"):
        inv = 1.0 / np.asarray(decay_length_cm, float)
    return np.exp(-l_min_cm * inv) - np.exp(-np.asarray(l_max_cm, float) * inv)

