"""Recasting published dark-photon limits onto any Z'.

The method of Ilten, Soreq, Williams, Xue, "Serendipity in dark photon searches",
JHEP 06 (2018) 004, arXiv:1801.04847: at a fixed mass, a search counts

    rate(model) / rate(dark photon at its limit)
        = [production ratio] x P_detect(model) / P_detect(reference) / eps_limit(m)^2,

where the production ratio is written as an effective squared mixing |eps_eff|^2 (the
epsilon^2 a dark photon would need for the same production rate; eps_eff is the amplitude
ratio, complex where the on-shell loop mixing has an absorptive part):
- electron bremsstrahlung and e+e- -> gamma Z': eps_eff = g_e(q^2 = m^2) / e;
- pi0 -> gamma Z': eps_eff = g_p / e (meson.pi0_effective_epsilon).
P_detect is what the analysis sees of the produced Z':
- invisible search: P_missing = Br(inv) + sum_visible Br(ch) x P(no visible decay before
  the end of the detector), from the lab decay lengths (widths.lab_decay_length_cm)
  averaged over the Z' energies that pass the cuts; Z' -> phi phi* (Bernal and Farzan eqs. 22-26)
  is missing only if neither the Z' nor either phi decays inside the detector;
- prompt e+e- search: Br(ee) x P(decay within the prompt distance).
The published reference (an invisible A' with Br(inv) = 1, or an A' -> e+e- taken as
prompt) has P_detect = 1. nsifit's `dark_photon` stands for that reference model, so a
point with pure kinetic mixing (g_zp = 0, no phi) gets P_detect = P_ref and returns the
published curve exactly. Functions here are physics only: plugins pass the curve and
geometry read from data/.
"""

import numpy as np

from nsifit.constants import M_MU_MEV
from nsifit.physics.widths import INVISIBLE, VISIBLE_AT_DECAY, lab_decay_length_cm

RECAST_MODES = ("physics", "seed")
_LARGE = 1.0e12        # caps distance/length ratios so that 0 * inf never occurs


# --- limit curves -----------------------------------------------------------------------------
def limit_loglog(m_mev, m_table_mev, eps_table):
    """Limit eps(m) interpolated linearly in (log m, log eps); nan outside the tabulated range."""
    m = np.asarray(m_mev, dtype=float)
    log_m, log_eps = np.log(m_table_mev), np.log(eps_table)
    inside = (m >= m_table_mev[0]) & (m <= m_table_mev[-1])
    eps = np.exp(np.interp(np.log(np.where(inside, m, m_table_mev[0])), log_m, log_eps))
    return np.where(inside, eps, np.nan)


def limit_binned(m_mev, low_mev, high_mev, eps_bin):
    """Limit constant per mass bin [low, high) (the last bin closed); nan outside all bins."""
    m = np.asarray(m_mev, dtype=float)
    low, high, eps_bin = (np.asarray(a, dtype=float) for a in (low_mev, high_mev, eps_bin))
    index = np.clip(np.searchsorted(low, m, side="right") - 1, 0, len(low) - 1)
    inside = (m >= low[index]) & ((m < high[index]) | ((index == len(low) - 1) & (m == high[-1])))
    return np.where(inside, eps_bin[index], np.nan)


def rate_over_limit(eps_eff2, p_model, p_reference, eps_limit):
    """eps_eff^2 P_model / (P_ref eps_limit^2); 0 where the curve does not apply (eps_limit nan)."""
    inside = np.isfinite(eps_limit)
    ratio = eps_eff2 * p_model / (p_reference * np.where(inside, eps_limit, 1.0) ** 2)
    return np.where(inside, ratio, 0.0)


# --- kinematics ---------------------------------------------------------------------------
def two_body_energy_mev(sqrt_s_mev, m_mev):
    """Energy of the Z' in e+e- -> gamma Z' in the CM frame: (s + m^2) / (2 sqrt s)."""
    return (sqrt_s_mev ** 2 + np.asarray(m_mev, float) ** 2) / (2.0 * sqrt_s_mev)


def fsr_energy_nodes(m_zp_mev, sqrt_s_mev, n_nodes=4):
    """Z' energies (n, k) and weights (k,) flat over [m, E_max], E_max = (s + m^2 - 4 m_mu^2)/(2 sqrt s):
    the range of a Z' radiated off the muons of e+e- -> mu+ mu- Z' (CM frame; the flat weight is a
    stand-in for the radiation spectrum, used only for decay-length averages)."""
    m = np.asarray(m_zp_mev, float)
    e_max = np.maximum((sqrt_s_mev ** 2 + m * m - 4 * M_MU_MEV ** 2) / (2 * sqrt_s_mev), m)
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    return m[:, None] + 0.5 * (e_max - m)[:, None] * (x + 1.0), 0.5 * w


def uniform_energy_nodes(e_min_mev, e_max_mev, n_nodes=4):
    """Gauss-Legendre nodes and weights (summing to 1) for a flat average over [e_min, e_max]."""
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    return 0.5 * (e_max_mev - e_min_mev) * x + 0.5 * (e_max_mev + e_min_mev), 0.5 * w


def two_body_energy_range_mev(m_parent_mev, p_parent_mev, m_mev, m_recoil_mev):
    """(E_min, E_max): lab energies of the daughter of mass m in parent -> daughter + recoil.

    In the parent frame E* = (M^2 + m^2 - m_r^2)/(2M), p* = lambda^(1/2)(M^2, m^2, m_r^2)/(2M); a parent of
    momentum P (gamma = E_P/M, beta gamma = P/M) gives E = gamma E* + beta gamma p* cos(theta*), flat in E
    between the two ends for an isotropic decay (spin-0 parent). Below threshold p* = 0.
    """
    big_m, m, m_r = (np.asarray(x, float) for x in (m_parent_mev, m_mev, m_recoil_mev))
    e_star = (big_m ** 2 + m ** 2 - m_r ** 2) / (2 * big_m)
    p_star = np.sqrt(np.clip(e_star ** 2 - m ** 2, 0.0, None))
    gamma = np.sqrt(1.0 + (np.asarray(p_parent_mev, float) / big_m) ** 2)
    beta_gamma = np.asarray(p_parent_mev, float) / big_m
    return gamma * e_star - beta_gamma * p_star, gamma * e_star + beta_gamma * p_star


def energy_nodes_between(e_min_mev, e_max_mev, n_nodes=4):
    """Gauss-Legendre nodes (n, k) and weights (k,), summing to 1, for a flat average over
    [e_min, e_max] per point (e_min, e_max of shape (n,))."""
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    low, high = np.asarray(e_min_mev, float)[:, None], np.asarray(e_max_mev, float)[:, None]
    return 0.5 * (high - low) * x + 0.5 * (high + low), 0.5 * w


def boost_isotropic(energies_mev, weights, m_mev, beta_gamma, n_nodes=4):
    """Energies seen after a boost beta gamma along an axis, for directions isotropic in the frame
    before it: each energy E (momentum p) spreads flat over gamma E -+ beta gamma p (as in
    two_body_energy_range_mev). energies (n, k), weights (k,) -> (n, k n_nodes), (k n_nodes,)."""
    energies = np.asarray(energies_mev, float)
    p = np.sqrt(np.clip(energies ** 2 - np.asarray(m_mev, float)[:, None] ** 2, 0.0, None))
    gamma = np.sqrt(1.0 + beta_gamma ** 2)
    x, w = np.polynomial.legendre.leggauss(n_nodes)
    boosted = gamma * energies[..., None] + beta_gamma * p[..., None] * x
    return boosted.reshape(energies.shape[0], -1), (np.asarray(weights)[:, None] * 0.5 * w).ravel()


# --- decay probabilities ------------------------------------------------------------------
def _over(distance_cm, length_cm):
    """distance / decay length, capped (0 for a stable particle, large for an instant decay)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.asarray(distance_cm, float) / np.asarray(length_cm, float)
    return np.where(np.isnan(x), _LARGE, np.minimum(np.maximum(x, 0.0), _LARGE))   # nan, inf -> _LARGE


def survival_probability(decay_length_cm, distance_cm):
    """P(a particle of mean lab decay length L travels farther than D) = exp(-D/L)."""
    return np.exp(-_over(distance_cm, decay_length_cm))


def cascade_survival_probability(parent_length_cm, daughter_length_cm, distance_cm, n_daughters=2):
    """P(neither the parent nor any of its n daughters decays before distance D).

    The parent decays at z with density e^(-z/L_p)/L_p; each daughter then survives the
    remaining D - z with e^(-(D - z)/L_d) (collinear, independent):
    P = e^(-a) + a [e^(-a) - e^(-b)] / (b - a), a = D/L_p, b = n D/L_d,
    written with expm1 so that it stays exact for a ~ b and for a, b -> 0 or infinity.
    """
    a = _over(distance_cm, parent_length_cm)
    b = np.clip(n_daughters * _over(distance_cm, daughter_length_cm), 0.0, _LARGE)
    d = np.abs(a - b)
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(d > 1e-12, -np.expm1(-d) / np.where(d > 1e-12, d, 1.0), 1.0 - 0.5 * d)
    return np.exp(-a) + a * np.exp(-np.minimum(a, b)) * shape


def missing_probability(branching_ratios, gamma_total_mev, m_zp_mev, energies_mev, weights,
                        distance_cm, gamma_phi_mev=None, m_phi_mev=None):
    """P_missing = Br(inv) + sum_visible Br(ch) P(no visible decay before D), energy-averaged.

    branching_ratios: widths.branching_ratios dict of (n,) arrays; energies_mev, weights:
    Z' lab energies (k,) or (n, k) and weights summing to 1. Channels ee, mumu, tautau, pipi are
    visible at the Z' decay point; phi phi* (each phi with E_Z'/2, phi -> e+e- with width
    gamma_phi_mev) is visible where the first of the Z' and the two phi decays happens.
    """
    energies = np.asarray(energies_mev, float)
    energies = energies[None, :] if energies.ndim == 1 else energies
    m = np.asarray(m_zp_mev, float)[:, None]
    zp_length = lab_decay_length_cm(np.asarray(gamma_total_mev, float)[:, None], m, energies)
    escape = (survival_probability(zp_length, distance_cm) * weights).sum(axis=-1)
    p = sum(branching_ratios[ch] for ch in INVISIBLE)
    p = p + sum(branching_ratios.get(ch, 0.0) for ch in VISIBLE_AT_DECAY) * escape
    br_phi = branching_ratios.get("phiphi")
    if br_phi is not None and gamma_phi_mev is not None and np.any(br_phi > 0):
        has_phi = br_phi > 0
        m_phi = np.where(has_phi, m_phi_mev, 1.0)[:, None]
        phi_length = lab_decay_length_cm(np.where(has_phi, gamma_phi_mev, 0.0)[:, None], m_phi,
                                         np.maximum(energies / 2, m_phi))
        cascade = (cascade_survival_probability(zp_length, phi_length, distance_cm) * weights).sum(-1)
        p = p + np.where(has_phi, br_phi * cascade, 0.0)
    return p


def prompt_probability(br_ee, gamma_total_mev, m_zp_mev, energy_mev, max_distance_cm):
    """Br(ee) x P(the Z' decays within max_distance of its production point)."""
    length = lab_decay_length_cm(gamma_total_mev, m_zp_mev, energy_mev)
    return br_ee * -np.expm1(-_over(max_distance_cm, length))


def pure_dark_photon(couplings):
    """Mask of points with kinetic mixing only (g_zp = 0 or no U(1)' charge at all, no phi): the searches'
    reference model."""
    return ((couplings.g_zp == 0) | ~couplings.charged) & ~couplings.has_phi
