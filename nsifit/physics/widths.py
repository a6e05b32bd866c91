"""Z' partial widths, branching ratios, lifetime and decay length.

Channels: Z' -> l+ l- (l = e, mu, tau) with full mass dependence, nu_a nu_b-bar
(left-handed), phi phi* (Bernal and Farzan eq. 23), and pi+ pi- through the isovector quark
coupling g_u - g_d with the rho-dominated pion form factor. The couplings are taken
on shell (q^2 = m_zp^2), complex where the loop-induced mixing has an absorptive part (L_mu - L_tau
above 2 m_mu), so every width goes as |g|^2. Missing: the isoscalar hadronic channels (pi0 gamma, 3 pi
through the omega, K K through the phi; they need g_u + g_d and g_s, as in the
vector-meson-dominance treatment of Ilten et al., JHEP 06 (2018) 004, arXiv:1801.04847) and rho', omega-rho
interference above ~1 GeV. Axial couplings (chiral charges) enter the lepton widths; axial quark couplings give
no pi+ pi- (a P-wave pi pi pair is 1^{--}: only the vector current makes it) and their hadronic channels (e.g. 3 pi
through the axial current) are not included. Right-handed neutrinos are taken heavier than m_zp/2 (no
Z' -> nu_R nu_R). Below 2 m_pi, Z' -> pi0 gamma and 3 gamma are negligible
(Landau-Yang forbids 2 gamma), so the widths are complete for m_zp < 2 m_pi; above, a
Z' with isoscalar quark couplings (e.g. B - L) has its hadronic width underestimated.
"""

import functools
import math

import numpy as np

from ..constants import (
    GAMMA_RHO_MEV,
    HBAR_MEV_S,
    HBARC_MEV_CM,
    M_E_MEV,
    M_MU_MEV,
    M_PI_CHARGED_MEV,
    M_RHO_MEV,
    M_TAU_MEV,
)

CHARGED_LEPTONS = {"ee": ("e", M_E_MEV), "mumu": ("mu", M_MU_MEV), "tautau": ("tau", M_TAU_MEV)}
NEUTRINO_CHANNELS = ("nunu_e", "nunu_mu", "nunu_tau")
INVISIBLE = NEUTRINO_CHANNELS
VISIBLE_AT_DECAY = tuple(CHARGED_LEPTONS) + ("pipi",)   # visible where the Z' itself decays


def _velocity(m_mev, m_daughter_mev):
    """beta = sqrt(1 - 4 m_d^2/m^2) above threshold, 0 below (and for a massless or absent parent)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = 1.0 - 4.0 * np.asarray(m_daughter_mev, float) ** 2 / np.asarray(m_mev, float) ** 2
    return np.sqrt(np.where(x > 0.0, x, 0.0))         # nan (0/0, nan masses) -> 0, like below threshold


def width_vector_to_fermions(g_f, m_mev, m_f_mev, n_colours=1, g_axial=0.0):
    """Gamma(V -> f fbar) = N_c m/(12 pi) beta [|g|^2 (1 + 2 m_f^2/m^2) + |g_A|^2 beta^2] [MeV] for the vector
    coupling g (may be complex) and the axial coupling g_A (L = V fbar gamma^mu (g + g_A gamma_5) f)."""
    beta = _velocity(m_mev, m_f_mev)
    vector = np.abs(g_f) ** 2 * (1 + 2 * m_f_mev ** 2 / m_mev ** 2)
    if np.any(np.asarray(g_axial) != 0):
        vector = vector + np.abs(g_axial) ** 2 * beta ** 2
    return n_colours * vector * m_mev / (12 * math.pi) * beta


def _gs_momentum(s):
    return np.sqrt(np.maximum(s / 4 - M_PI_CHARGED_MEV ** 2, 0.0))


def _gs_h(s):
    """Gounaris-Sakurai h(s) = (2/pi) (k/sqrt s) ln[(sqrt s + 2k)/(2 m_pi)]."""
    k = _gs_momentum(s)
    return 2 / math.pi * k / np.sqrt(s) * np.log((np.sqrt(s) + 2 * k) / (2 * M_PI_CHARGED_MEV))


@functools.lru_cache(maxsize=1)
def _gs_constants():
    """(m_rho^2, k_rho, h(m_rho^2), h'(m_rho^2), d) of the Gounaris-Sakurai form, computed once."""
    m2, k_rho = M_RHO_MEV ** 2, float(_gs_momentum(M_RHO_MEV ** 2))
    h_rho = float(_gs_h(m2))
    dh_rho = h_rho * (1 / (8 * k_rho ** 2) - 1 / (2 * m2)) + 1 / (2 * math.pi * m2)
    pi_ratio = M_PI_CHARGED_MEV ** 2 / k_rho ** 2
    d = (3 / math.pi * pi_ratio * math.log((M_RHO_MEV + 2 * k_rho) / (2 * M_PI_CHARGED_MEV))
         + M_RHO_MEV / (2 * math.pi * k_rho) - pi_ratio * M_RHO_MEV / (math.pi * k_rho))
    return m2, k_rho, h_rho, dh_rho, d


def pion_form_factor_squared(s_mev2):
    """|F_pi(s)|^2 for s >= 4 m_pi^2: rho(770) in the Gounaris-Sakurai form, PRL 21 (1968) 244.

    F = m^2 (1 + d Gamma/m) / (m^2 - s + f(s) - i m Gamma(s)), Gamma(s) = Gamma (k/k_rho)^3 m/sqrt(s),
    normalised so that F(0) = 1. Without omega-rho interference and the rho', |F|^2 near the peak
    ((m/Gamma)^2 (1 + d Gamma/m)^2 = 32) is ~25% below the measured ~40-45.
    """
    s = np.maximum(np.asarray(s_mev2, float), 4 * M_PI_CHARGED_MEV ** 2 * (1 + 1e-12))
    m2, k_rho, h_rho, dh_rho, d = _gs_constants()
    k = _gs_momentum(s)
    f = GAMMA_RHO_MEV * m2 / k_rho ** 3 * (k ** 2 * (_gs_h(s) - h_rho) + (m2 - s) * k_rho ** 2 * dh_rho)
    width = GAMMA_RHO_MEV * (k / k_rho) ** 3 * M_RHO_MEV / np.sqrt(s)
    numerator = m2 * (1 + d * GAMMA_RHO_MEV / M_RHO_MEV)
    return numerator ** 2 / ((m2 - s + f) ** 2 + (M_RHO_MEV * width) ** 2)


def width_vector_to_pions(g_isovector, m_mev):
    """Gamma(Z' -> pi+ pi-) = |g_u - g_d|^2 m beta_pi^3 |F_pi(m^2)|^2 / (48 pi) [MeV].

    For a dark photon g_u - g_d = e epsilon, the standard A' -> pi pi width.
    """
    beta = _velocity(m_mev, M_PI_CHARGED_MEV)
    form_factor2 = pion_form_factor_squared(np.asarray(m_mev) ** 2)
    return np.abs(g_isovector) ** 2 * m_mev * beta ** 3 * form_factor2 / (48 * math.pi)


def width_vector_to_neutrinos(g_nu_row, m_mev):
    """Gamma(V -> nu_a + any nu_b-bar) = sum_b |g_ab|^2 m/(24 pi), left-handed neutrinos [MeV]."""
    return np.sum(np.abs(g_nu_row) ** 2, axis=-1) * m_mev / (24 * math.pi)


def width_vector_to_scalars(g_phi, m_mev, m_phi_mev):
    """Gamma(Z' -> phi phi*) = g_phi^2 m (1 - 4 m_phi^2/m^2)^(3/2)/(48 pi), Bernal and Farzan eq. 23 [MeV].

    Zero where there is no phi (m_phi = nan) or below threshold.
    """
    m_phi = np.nan_to_num(m_phi_mev, nan=np.inf)
    return g_phi ** 2 * m_mev * _velocity(m_mev, m_phi) ** 3 / (48 * math.pi)


def width_scalar_to_electrons(lambda_phi_e, m_phi_mev):
    """Gamma(phi -> e+ e-) = lambda^2 m_phi beta_e^3/(8 pi) for a scalar Yukawa lambda phi e e [MeV]."""
    m_phi = np.nan_to_num(m_phi_mev, nan=0.0)
    return lambda_phi_e ** 2 * m_phi * _velocity(m_phi, M_E_MEV) ** 3 / (8 * math.pi)


def partial_widths(couplings):
    """Dict channel -> Gamma [MeV] for ee, mumu, tautau, pipi, nunu_e/mu/tau, phiphi."""
    m = couplings.m_zp_mev
    widths = {ch: width_vector_to_fermions(couplings.vector(f, on_shell=True), m, mf, g_axial=couplings.axial(f))
              for ch, (f, mf) in CHARGED_LEPTONS.items()}
    widths["pipi"] = width_vector_to_pions(
        couplings.vector("u", on_shell=True) - couplings.vector("d", on_shell=True), m)
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
    p = np.sqrt(np.maximum(np.asarray(energy_mev, float) ** 2 - np.asarray(m_mev, float) ** 2, 0.0))
    return p / m_mev * ctau_cm(gamma_mev)


def decay_probability_between(decay_length_cm, l_min_cm, l_max_cm=np.inf):
    """P(l_min < decay point < l_max) = exp(-l_min/L) - exp(-l_max/L) for mean length L."""
    with np.errstate(divide="ignore"):
        inv = 1.0 / np.asarray(decay_length_cm, float)
    return np.exp(-l_min_cm * inv) - np.exp(-np.asarray(l_max_cm, float) * inv)



def lmu_minus_ltau_reference_branching(m_mev):
    """Branching ratios {inv, mumu, tautau} of the reference L_mu - L_tau Z' (coupling g' only, no kinetic
    mixing): Gamma_nu = g'^2 m/(24 pi) per flavour (nu_mu, nu_tau; left-handed), Gamma_ll of
    width_vector_to_fermions. Independent of g'; the reference of the published L_mu - L_tau searches.
    Br(inv) = 1 below 2 m_mu, -> 1/2 above it, -> 1/3 above 2 m_tau."""
    m = np.asarray(m_mev, float)
    nu = 2.0 * width_vector_to_neutrinos(np.ones((1,)), m)
    mumu, tautau = width_vector_to_fermions(1.0, m, M_MU_MEV), width_vector_to_fermions(1.0, m, M_TAU_MEV)
    total = nu + mumu + tautau
    return {"inv": nu / total, "mumu": mumu / total, "tautau": tautau / total}


def lmu_minus_ltau_invisible_fraction(m_mev):
    """Br(Z' -> nu nu-bar) of the reference L_mu - L_tau Z': 2 Gamma_nu/(2 Gamma_nu + Gamma_mumu + Gamma_tautau)
    (lmu_minus_ltau_reference_branching)."""
    return lmu_minus_ltau_reference_branching(m_mev)["inv"]
