"""Light Z' production in two-body meson decays through flavour-changing quark couplings.

The couplings are the mass-basis matrices of nsifit/physics/quark_mixing.py,
L = Z'_mu dbar_i g^mu (g_V^ij + g_A^ij g5) d_j, with [i, j] = 0, 1, 2 for d, s, b; the entry
[i, j] multiplies dbar_i ... d_j, which annihilates a d_i-bar antiquark and creates a d_j-bar:
K+ (u sbar) -> pi+ (u dbar) goes through g^{sd} = g[1, 0], B+ (u bbar) -> K+ (u sbar) through
g^{bs} = g[2, 1], B+ -> pi+ through g^{bd} = g[2, 0] (the CP-conjugate modes through the complex
conjugates, which give the same rates). All masses in MeV, widths in MeV.

P -> P' Z' (pseudoscalar to pseudoscalar)
-----------------------------------------
Only the vector current contributes (parity). With p = p' + q, q^2 = m^2 = m_Z'^2, M = m_P, m' = m_P',

    <P'(p')| qbar_j g^mu q_i |P(p)> = J^mu = f_+(q^2) (p + p')^mu + f_-(q^2) q^mu ,
    f_0(q^2) = f_+ + f_- q^2/(M^2 - m'^2)   (so that q.J = f_0 (M^2 - m'^2)),

and M = g_V eps*_mu J^mu. The polarisation sum of a massive vector is
sum eps_mu eps*_nu = -g_mu nu + q_mu q_nu/m^2, so

    sum |M|^2 = |g_V|^2 [ -J.J* + |q.J|^2/m^2 ]                                     (general form)

  * the q^mu (f_-, f_0) term drops: q^mu (-g_mu nu + q_mu q_nu/m^2) = -q_nu + q_nu q^2/m^2 = 0.
    Explicitly, with Delta = M^2 - m'^2, (p + p').q = Delta, (p + p')^2 = 2M^2 + 2m'^2 - m^2,
      -J.J*      = -f_+^2 (2M^2 + 2m'^2 - m^2) - 2 f_+ f_- Delta - f_-^2 m^2 ,
      |q.J|^2/m^2 = f_+^2 Delta^2/m^2 + 2 f_+ f_- Delta + f_-^2 m^2 ,
    the f_- terms cancel and
      sum |M|^2 = |g_V|^2 f_+^2 [Delta^2/m^2 - 2(M^2 + m'^2) + m^2] = |g_V|^2 f_+^2 lambda(M^2, m'^2, m^2)/m^2 .
  * Two-body phase space, Gamma = |p_Z'| sum|M|^2/(8 pi M^2) with |p_Z'| = lambda^{1/2}/(2M):

      Gamma(P -> P' Z') = |g_V|^2 f_+(m^2)^2 lambda^{3/2} / (16 pi M^3 m^2) .

  * Helicity: in the P rest frame the transverse polarisations are orthogonal to p and q, so only
    helicity 0 contributes (spin 0 -> spin 0 + spin 1): H_0 = g_V f_+ lambda^{1/2}/m. The 1/m^2 is the
    longitudinal mode, which for m << M couples like the Goldstone q_mu J^mu/m (equivalence theorem):
    q.J = (m_i - m_j) <P'|qbar_j q_i|P> = f_0 (M^2 - m'^2) measures the non-conservation of the
    flavour-changing current, and m^2 sum|M|^2 -> |q.J|^2 as m -> 0, all of it from the q q/m^2 term.
  * Textbook (conserved-current) form, sum eps eps* -> -g_mu nu: exact only if q.J = 0 (then
    Gamma = |g F|^2 m^2 lambda^{3/2}/(16 pi M^3) vanishes as m -> 0, e.g. a dark photon's loop-induced
    K -> pi A'); for the non-conserved quark current it is not a rate (-J.J* < 0 for f_- = 0). For equal
    masses (the SU(3) limit, current conserved) the 1/m^2 term is absent: lambda/m^2 = m^2 - 4M^2.
    squared_amplitude_p_to_p(..., longitudinal=False) drops the q q/m^2 term.

P -> V Z' (pseudoscalar to vector meson, B -> K*)
--------------------------------------------------
Form factors of A. Bharucha, D. M. Straub, R. Zwicky (BSZ), JHEP 08 (2016) 098, arXiv:1503.05534:
V (vector current), A1, A2 (axial current; the q^mu A0 term drops against eps*) with
A12 = [(M + m_V)^2 (M^2 - m_V^2 - q^2) A1 - lambda A2]/(16 M m_V^2 (M + m_V)). Helicity amplitudes
(eps_0 = (|k|, 0, 0, E_q)/m, eta_0 = (|k|, 0, 0, -E_V)/m_V; eps_0.eta_0 = (M^2 - m^2 - m_V^2)/(2 m m_V),
eta_0.q = |k| M/m_V, eps_0.(p + k) = 2 M |k|/m):

    H_0 = g_A 8 M m_V A12(m^2)/m ,   H_+- = g_A (M + m_V) A1 -+ g_V lambda^{1/2} V/(M + m_V) ,
    Gamma = lambda^{1/2}/(16 pi M^3) (|H_0|^2 + |H_+|^2 + |H_-|^2)
          = lambda^{1/2}/(16 pi M^3) [ |g_A|^2 (64 M^2 m_V^2 A12^2/m^2 + 2 (M + m_V)^2 A1^2)
                                      + 2 |g_V|^2 lambda V^2/(M + m_V)^2 ] .

The vector coupling feeds only the transverse amplitudes (no 1/m^2); the longitudinal enhancement
comes with g_A and, through A12(0) = (M^2 - m_V^2) A0(0)/(8 M m_V), H_0 -> g_A (M^2 - m_V^2) A0(0)/m for
m -> 0: the Goldstone couples to the pseudoscalar density, whose matrix element is A0. V and A do
not interfere in the polarisation-summed rate. The K* is treated as a stable particle (narrow width).

Neutral kaons and CP
--------------------
With CP|K0> = eta |K0bar> (eta = +-1; CP of the vector current: qbar_1 g^mu q_2 -> -qbar_2 g_mu q_1;
Z' from a vector current is C-odd and P-odd, CP-even) and CP-invariant QCD,
<pi0|dbar g^mu s|K0bar> = eta <pi0|sbar g_mu d|K0>|_(parity-flipped momenta), so with
<pi0|sbar g d|K0> = -f_+ (p + p')/sqrt2 (isospin, pi0 = (u ubar - d dbar)/sqrt2)
and K_L ~ K_2 = (K0 - eta K0bar)/sqrt2 (CP-odd), K_S ~ K_1 = (K0 + eta K0bar)/sqrt2:

    A(K_2 -> pi0 Z') = -(f_+/2) (g^sd - g^ds) (p + p').eps* = -i Im(g_V^sd) f_+ (p + p').eps* ,
    A(K_1 -> pi0 Z') = -Re(g_V^sd) f_+ (p + p').eps* ,

independent of eta, since g^ds = (g^sd)^*. The operator is CP-conserving iff g^sd is real (in the
standard CKM phase convention, in which K0-K0bar mixing is nearly real); pi0 Z' in the P-wave is
CP-even, so K_L -> pi0 Z' is CP-violating and measures Im g_V^sd (in the down alignment of the
mutau_baryon model, arXiv:2211.15686, Im(V_ts^* V_td), as Im lambda_t in K_L -> pi0 nu nubar), and
Gamma(K_L -> pi0 Z') <= Gamma(K+ -> pi+ Z') up to phase space (the Grossman-Nir relation).
Indirect CP violation (epsilon_K ~ 2e-3) is neglected. B0 -> K0 Z' produces a K0, seen as K_S with probability 1/2.

Form factors (q^2 in GeV^2 in the parametrisations)
---------------------------------------------------
  K -> pi: f_+(0) = 0.9698(17), FLAG 2024 (PRD 113 (2026) 014508, arXiv:2411.04268), N_f = 2+1+1; shape
      f_+(t)/f_+(0) = exp(Lambda_+ t/m_pi+^2), the dispersive form (V. Bernard, M. Oertel,
      E. Passemar, J. Stern, arXiv:0903.1654) without its small curvature function H(t), with
      Lambda_+ = 24.22(1.16)e-3 of the FlaviaNet Kaon WG fit (M. Antonelli et al., Eur. Phys. J. C 69
      (2010) 399, arXiv:1005.2323), as tabulated by flavio (not checked against the paper). At t_max =
      (m_K - m_pi)^2, exp(6.5 Lambda_+) = 1.17; the omitted H(t) changes it by a few per cent (unchecked).
      Isospin limit: K+ -> pi+ and K0 -> pi0 use the same f_+ (breaking of a few per cent neglected).
  B -> K, B -> pi: N. Gubernari, A. Kokulu, D. van Dyk (GKvD), JHEP 01 (2019) 150,
      arXiv:1811.00983, combined LCSR + lattice fits in the BSZ parametrisation
      f_+(q^2) = sum_k alpha_k [z(q^2) - z(0)]^k / (1 - q^2/m_R^2), k = 0..2,
      z(t) = (sqrt(t_+ - t) - sqrt(t_+ - t_0))/(sqrt(t_+ - t) + sqrt(t_+ - t_0)),
      t_+- = (m_B +- m_P)^2, t_0 = t_+ (1 - sqrt(1 - t_-/t_+)). Coefficients: the paper's ancillary
      fit results as distributed in the EOS constraint files (B->K::FormFactors[parametric,
      LCSRLattice]@GKvD:2018A and the B->pi analogue). f_+^{B->K}(0) = 0.329 +- 0.028,
      f_+^{B->pi}(0) = 0.196 +- 0.021 (diagonal errors of those fits). Pole masses m_R(1-) =
      5.412 GeV (b -> s) and 5.325 GeV (b -> d) as recorded for this paper by flavio; z-map masses
      m_B = 5.279, m_K = 0.492 (EOS parametrisation defaults), m_pi = m_pi+ (PDG): these enter
      only through t_+, t_0 and their exact values in the fit were not checked (effect << 1%).
      Cross-check (tests): HPQCD 2022 (W. G. Parrott, C. Bouchard, C. T. H. Davies, arXiv:2207.12468)
      f_+^{B->K}(0) = 0.332(12). For B -> pi, the later LCSR + lattice fit of Leljak, Melic, van Dyk
      (arXiv:2102.07233) has f_+(0) = 0.235(19), 1.4 sigma above GKvD.
  B -> K*: BSZ 2015 LCSR + lattice fit (arXiv:1503.05534, ancillary file BKstar_LCSR-Lattice.json,
      version 2, as distributed with flavio), same z-expansion with t_+- = (m_B0 +- m_K*0)^2 and
      resonance masses 5.367 (A0, 0-), 5.415 (V, 1-), 5.830 (A1, A12, 1+) GeV. At q^2 = 0:
      V = 0.376(33), A0 = 0.369(29), A1 = 0.297(26), A12 = 0.265(21).

Branching ratios are Gamma/Gamma_tot with the PDG 2024 total width (measured lifetime). Where
Gamma/Gamma_tot >= 1 the point is excluded by the lifetime itself; add_to_total=True returns
Gamma/(Gamma_tot + Gamma) instead. All functions return 0 (not nan) for m_Z' >= m_P - m_P'.
Not included: D -> pi Z' (the up-alignment channel), loop-induced FCNC, isospin breaking and
radiative corrections, form-factor uncertainties (central values only).
"""

import math

import numpy as np

from ..constants import (
    GAMMA_B_CHARGED_MEV,
    GAMMA_B_NEUTRAL_MEV,
    GAMMA_K_CHARGED_MEV,
    GAMMA_K_LONG_MEV,
    GAMMA_K_SHORT_MEV,
    M_B_CHARGED_MEV,
    M_B_NEUTRAL_MEV,
    M_K_CHARGED_MEV,
    M_K_NEUTRAL_MEV,
    M_KSTAR_CHARGED_MEV,
    M_KSTAR_NEUTRAL_MEV,
    M_PI0_MEV,
    M_PI_CHARGED_MEV,
)

D, S, B = 0, 1, 2          # down-type mass-basis indices

# --- form-factor inputs (sources in the module docstring) ---------------------------------
F_PLUS_K_PI_0 = 0.9698                  # FLAG 2024 N_f=2+1+1, arXiv:2411.04268; +-0.0017
LAMBDA_PLUS_K_PI = 24.22e-3             # FlaviaNet 2010, arXiv:1005.2323; +-1.16e-3

GKVD_B_K_FPLUS = (0.32908992854636815, -0.8669465867427438, 0.006095669673341246)   # arXiv:1811.00983
GKVD_B_K_FPLUS0_SIGMA = 0.02773         # sqrt of the alpha_0 variance of the same fit
GKVD_B_PI_FPLUS = (0.1959500850585235, -0.7763565146997043, -0.19660537219243024)  # arXiv:1811.00983
GKVD_B_PI_FPLUS0_SIGMA = 0.02094
GKVD_POLE_BS_GEV = 5.412                # 1- resonance, b -> s
GKVD_POLE_BD_GEV = 5.325                # 1- resonance, b -> d
GKVD_ZMAP_B_GEV, GKVD_ZMAP_K_GEV = 5.279, 0.492

BSZ_B_KSTAR = {                         # arXiv:1503.05534 (v2 ancillary, LCSR + lattice): (a0, a1, a2)
    "A0": (0.369196, -1.36584, 0.128191),
    "A1": (0.29725, 0.392378, 1.18916),
    "A12": (0.265375, 0.533638, 0.483166),
    "V": (0.376313, -1.16597, 2.42443),
}
BSZ_B_KSTAR_SIGMA0 = {"A0": 0.0289419, "A1": 0.026356, "A12": 0.0208033, "V": 0.0332944}
BSZ_POLE_GEV = {"A0": 5.367, "A1": 5.830, "A12": 5.830, "V": 5.415}   # b -> s resonances used by BSZ


# --- kinematics ---------------------------------------------------------------------------------
def kallen(a, b, c):
    """Kallen function lambda(a, b, c) = a^2 + b^2 + c^2 - 2ab - 2ac - 2bc."""
    return a * a + b * b + c * c - 2 * (a * b + a * c + b * c)


def _lambda_open(m_parent, m_daughter, m_zp):
    """(lambda(M^2, m'^2, m^2) clipped at 0, mask of 0 < m < M - m') in the factorised form."""
    m_parent, m_daughter, m_zp = (np.asarray(x, float) for x in (m_parent, m_daughter, m_zp))
    lam = (m_parent ** 2 - (m_daughter + m_zp) ** 2) * (m_parent ** 2 - (m_daughter - m_zp) ** 2)
    is_open = (m_zp > 0) & (m_zp < m_parent - m_daughter)
    return np.where(is_open, np.clip(lam, 0.0, None), 0.0), is_open


def squared_amplitude_p_to_p(m_parent_mev, m_daughter_mev, m_zp_mev, f_plus, f_minus=0.0, longitudinal=True):
    """sum_pol |eps*.J|^2 for J = f_+ (p + p') + f_- q, unit coupling, q^2 = m_zp^2 [MeV^2].

    longitudinal=True: full massive sum -g + q q/m^2 (= f_+^2 lambda/m^2 for any f_-);
    False: the -g part alone, -J.J* (the conserved-current form; module docstring). Real form factors.
    """
    M2, mp2, m2 = (np.asarray(x, float) ** 2 for x in (m_parent_mev, m_daughter_mev, m_zp_mev))
    delta = M2 - mp2
    minus_jj = -f_plus ** 2 * (2 * M2 + 2 * mp2 - m2) - 2 * f_plus * f_minus * delta - f_minus ** 2 * m2
    if not longitudinal:
        return minus_jj
    return minus_jj + (f_plus * delta + f_minus * m2) ** 2 / m2


def width_p_to_p_vector(m_parent_mev, m_daughter_mev, m_zp_mev, g_vector, f_plus):
    """Gamma(P -> P' Z') = |g_V|^2 f_+^2 lambda^{3/2}/(16 pi M^3 m^2) [MeV]; 0 above threshold."""
    lam, is_open = _lambda_open(m_parent_mev, m_daughter_mev, m_zp_mev)
    m2 = np.where(is_open, np.asarray(m_zp_mev, float) ** 2, 1.0)
    width = np.abs(g_vector) ** 2 * f_plus ** 2 * lam ** 1.5 / (16 * math.pi * np.asarray(m_parent_mev) ** 3 * m2)
    return np.where(is_open, width, 0.0)


def helicity_squares_p_to_v(m_parent_mev, m_daughter_mev, m_zp_mev, g_vector, g_axial, v, a1, a12):
    """(|H_0|^2, |H_+|^2 + |H_-|^2) for P -> V Z' [MeV^2] (module docstring); 0 above threshold."""
    lam, is_open = _lambda_open(m_parent_mev, m_daughter_mev, m_zp_mev)
    M, mv = np.asarray(m_parent_mev, float), np.asarray(m_daughter_mev, float)
    m2 = np.where(is_open, np.asarray(m_zp_mev, float) ** 2, 1.0)
    h0 = np.abs(g_axial) ** 2 * (8 * M * mv * a12) ** 2 / m2
    ht = 2 * (np.abs(g_axial) ** 2 * (M + mv) ** 2 * a1 ** 2 + np.abs(g_vector) ** 2 * lam * v ** 2 / (M + mv) ** 2)
    return np.where(is_open, h0, 0.0), np.where(is_open, ht, 0.0)


def width_p_to_v_vector(m_parent_mev, m_daughter_mev, m_zp_mev, g_vector, g_axial, v, a1, a12):
    """Gamma(P -> V Z') = lambda^{1/2}/(16 pi M^3) sum_h |H_h|^2 [MeV]; 0 above threshold."""
    lam, is_open = _lambda_open(m_parent_mev, m_daughter_mev, m_zp_mev)
    h0, ht = helicity_squares_p_to_v(m_parent_mev, m_daughter_mev, m_zp_mev, g_vector, g_axial, v, a1, a12)
    return np.where(is_open, np.sqrt(lam) * (h0 + ht) / (16 * math.pi * np.asarray(m_parent_mev, float) ** 3), 0.0)


# --- form factors ----------------------------------------------------------------------------------
def f_plus_k_pi(q2_mev2):
    """K -> pi vector form factor f_+(q^2) = f_+(0) exp(Lambda_+ q^2/m_pi+^2) (FLAG 2024, FlaviaNet).

    q^2 above t_+ = (m_K + m_pi)^2, far above any K decay (where the widths vanish), is evaluated at t_+
    (no overflow for heavy Z' points)."""
    q2 = np.minimum(np.asarray(q2_mev2, float), (M_K_CHARGED_MEV + M_PI_CHARGED_MEV) ** 2)
    return F_PLUS_K_PI_0 * np.exp(LAMBDA_PLUS_K_PI * q2 / M_PI_CHARGED_MEV ** 2)


def z_map(q2_gev2, m_parent_gev, m_daughter_gev):
    """z(q^2) with t_+ = (M + m)^2 and t_0 = t_+ (1 - sqrt(1 - t_-/t_+)) (BSZ 2015); q^2 > t_+ (far above
    the decay threshold, where the widths vanish anyway) is evaluated at t_+."""
    tp, tm = (m_parent_gev + m_daughter_gev) ** 2, (m_parent_gev - m_daughter_gev) ** 2
    t0 = tp * (1 - math.sqrt(1 - tm / tp))
    a, b = np.sqrt(np.clip(tp - np.asarray(q2_gev2, float), 0.0, None)), math.sqrt(tp - t0)   # q^2 <= t_+
    return (a - b) / (a + b)


def bsz_form_factor(q2_mev2, alphas, m_pole_gev, m_parent_gev, m_daughter_gev):
    """sum_k alpha_k [z(q^2) - z(0)]^k / (1 - q^2/m_R^2), q^2 in MeV^2 (parametrisation in GeV)."""
    q2 = np.asarray(q2_mev2, float) * 1e-6
    dz = z_map(q2, m_parent_gev, m_daughter_gev) - z_map(0.0, m_parent_gev, m_daughter_gev)
    series = sum(a * dz ** k for k, a in enumerate(alphas))
    return series / (1 - q2 / m_pole_gev ** 2)


def f_plus_b_k(q2_mev2):
    """B -> K f_+(q^2), GKvD 2018 LCSR + lattice fit (arXiv:1811.00983)."""
    return bsz_form_factor(q2_mev2, GKVD_B_K_FPLUS, GKVD_POLE_BS_GEV, GKVD_ZMAP_B_GEV, GKVD_ZMAP_K_GEV)


def f_plus_b_pi(q2_mev2):
    """B -> pi f_+(q^2), GKvD 2018 LCSR + lattice fit (arXiv:1811.00983)."""
    return bsz_form_factor(q2_mev2, GKVD_B_PI_FPLUS, GKVD_POLE_BD_GEV, GKVD_ZMAP_B_GEV, M_PI_CHARGED_MEV * 1e-3)


def form_factors_b_kstar(q2_mev2, m_b_mev=M_B_NEUTRAL_MEV, m_kstar_mev=M_KSTAR_NEUTRAL_MEV):
    """B -> K* form factors {V, A0, A1, A12} at q^2 [MeV^2], BSZ 2015 LCSR + lattice fit."""
    return {ff: bsz_form_factor(q2_mev2, BSZ_B_KSTAR[ff], BSZ_POLE_GEV[ff], m_b_mev * 1e-3, m_kstar_mev * 1e-3)
            for ff in BSZ_B_KSTAR}


# --- decay widths -------------------------------------------------------------------------------------
def _element(g, i, j):
    return np.asarray(g)[..., i, j]


def width_kplus_piplus_zp(m_zp_mev, g_v_down):
    """Gamma(K+ -> pi+ Z') [MeV] through g_V^{sd} = g_v_down[..., 1, 0]."""
    m = np.asarray(m_zp_mev, float)
    return width_p_to_p_vector(M_K_CHARGED_MEV, M_PI_CHARGED_MEV, m, _element(g_v_down, S, D), f_plus_k_pi(m ** 2))


def width_klong_pizero_zp(m_zp_mev, g_v_down):
    """Gamma(K_L -> pi0 Z') [MeV]: Im(g_V^{sd}) replaces g_V (CP-violating, module docstring)."""
    m = np.asarray(m_zp_mev, float)
    return width_p_to_p_vector(M_K_NEUTRAL_MEV, M_PI0_MEV, m, np.imag(_element(g_v_down, S, D)), f_plus_k_pi(m ** 2))


def width_kshort_pizero_zp(m_zp_mev, g_v_down):
    """Gamma(K_S -> pi0 Z') [MeV]: Re(g_V^{sd}) replaces g_V (CP-conserving)."""
    m = np.asarray(m_zp_mev, float)
    return width_p_to_p_vector(M_K_NEUTRAL_MEV, M_PI0_MEV, m, np.real(_element(g_v_down, S, D)), f_plus_k_pi(m ** 2))


def width_bplus_kplus_zp(m_zp_mev, g_v_down):
    """Gamma(B+ -> K+ Z') [MeV] through g_V^{bs} = g_v_down[..., 2, 1]."""
    m = np.asarray(m_zp_mev, float)
    return width_p_to_p_vector(M_B_CHARGED_MEV, M_K_CHARGED_MEV, m, _element(g_v_down, B, S), f_plus_b_k(m ** 2))


def width_bzero_kzero_zp(m_zp_mev, g_v_down):
    """Gamma(B0 -> K0 Z') [MeV] (isospin: same f_+ as B+ -> K+)."""
    m = np.asarray(m_zp_mev, float)
    return width_p_to_p_vector(M_B_NEUTRAL_MEV, M_K_NEUTRAL_MEV, m, _element(g_v_down, B, S), f_plus_b_k(m ** 2))


def width_bplus_piplus_zp(m_zp_mev, g_v_down):
    """Gamma(B+ -> pi+ Z') [MeV] through g_V^{bd} = g_v_down[..., 2, 0]."""
    m = np.asarray(m_zp_mev, float)
    return width_p_to_p_vector(M_B_CHARGED_MEV, M_PI_CHARGED_MEV, m, _element(g_v_down, B, D), f_plus_b_pi(m ** 2))


def width_b_kstar_zp(m_zp_mev, g_v_down, g_a_down, charge="0"):
    """Gamma(B -> K* Z') [MeV], charge '0' (B0 -> K*0) or '+' (B+ -> K*+), BSZ form factors."""
    masses = {"0": (M_B_NEUTRAL_MEV, M_KSTAR_NEUTRAL_MEV), "+": (M_B_CHARGED_MEV, M_KSTAR_CHARGED_MEV)}
    if charge not in masses:
        raise ValueError(f"unknown B -> K* charge '{charge}'; valid: 0, +")
    m_b, m_kstar = masses[charge]
    m = np.asarray(m_zp_mev, float)
    ff = form_factors_b_kstar(m ** 2, m_b, m_kstar)
    return width_p_to_v_vector(m_b, m_kstar, m, _element(g_v_down, B, S), _element(g_a_down, B, S),
                               ff["V"], ff["A1"], ff["A12"])


def _br(width, total, add_to_total):
    return width / (total + width) if add_to_total else width / total


def br_kplus_piplus_zp(m_zp_mev, g_v_down, add_to_total=False):
    """Br(K+ -> pi+ Z') = Gamma/Gamma_K+ (PDG 2024 width)."""
    return _br(width_kplus_piplus_zp(m_zp_mev, g_v_down), GAMMA_K_CHARGED_MEV, add_to_total)


def br_klong_pizero_zp(m_zp_mev, g_v_down, add_to_total=False):
    """Br(K_L -> pi0 Z') = Gamma/Gamma_KL."""
    return _br(width_klong_pizero_zp(m_zp_mev, g_v_down), GAMMA_K_LONG_MEV, add_to_total)


def br_kshort_pizero_zp(m_zp_mev, g_v_down, add_to_total=False):
    """Br(K_S -> pi0 Z') = Gamma/Gamma_KS."""
    return _br(width_kshort_pizero_zp(m_zp_mev, g_v_down), GAMMA_K_SHORT_MEV, add_to_total)


def br_bplus_kplus_zp(m_zp_mev, g_v_down, add_to_total=False):
    """Br(B+ -> K+ Z') = Gamma/Gamma_B+."""
    return _br(width_bplus_kplus_zp(m_zp_mev, g_v_down), GAMMA_B_CHARGED_MEV, add_to_total)


def br_bzero_kzero_zp(m_zp_mev, g_v_down, add_to_total=False):
    """Br(B0 -> K0 Z') = Gamma/Gamma_B0; the K0 is seen as K_S half of the time (br_bzero_kshort_zp)."""
    return _br(width_bzero_kzero_zp(m_zp_mev, g_v_down), GAMMA_B_NEUTRAL_MEV, add_to_total)


def br_bzero_kshort_zp(m_zp_mev, g_v_down, add_to_total=False):
    """Br(B0 -> K_S Z') = Br(B0 -> K0 Z')/2 (K0 = (K_S + K_L)/sqrt2, epsilon_K neglected)."""
    return br_bzero_kzero_zp(m_zp_mev, g_v_down, add_to_total) / 2


def br_bplus_piplus_zp(m_zp_mev, g_v_down, add_to_total=False):
    """Br(B+ -> pi+ Z') = Gamma/Gamma_B+."""
    return _br(width_bplus_piplus_zp(m_zp_mev, g_v_down), GAMMA_B_CHARGED_MEV, add_to_total)


def br_b_kstar_zp(m_zp_mev, g_v_down, g_a_down, charge="0", add_to_total=False):
    """Br(B -> K* Z') = Gamma/Gamma_B for charge '0' (B0 -> K*0) or '+' (B+ -> K*+)."""
    total = GAMMA_B_NEUTRAL_MEV if charge == "0" else GAMMA_B_CHARGED_MEV
    return _br(width_b_kstar_zp(m_zp_mev, g_v_down, g_a_down, charge), total, add_to_total)


def meson_branching_ratios(m_zp_mev, quark_couplings, add_to_total=False):
    """Dict mode -> Br for a QuarkCouplings record (nsifit.physics.quark_mixing), each (n,)."""
    gv, ga = quark_couplings.vector_down, quark_couplings.axial_down
    return {
        "kplus_piplus": br_kplus_piplus_zp(m_zp_mev, gv, add_to_total),
        "klong_pizero": br_klong_pizero_zp(m_zp_mev, gv, add_to_total),
        "kshort_pizero": br_kshort_pizero_zp(m_zp_mev, gv, add_to_total),
        "bplus_kplus": br_bplus_kplus_zp(m_zp_mev, gv, add_to_total),
        "bzero_kzero": br_bzero_kzero_zp(m_zp_mev, gv, add_to_total),
        "bplus_piplus": br_bplus_piplus_zp(m_zp_mev, gv, add_to_total),
        "bzero_kstarzero": br_b_kstar_zp(m_zp_mev, gv, ga, "0", add_to_total),
        "bplus_kstarplus": br_b_kstar_zp(m_zp_mev, gv, ga, "+", add_to_total),
    }


# --- all modes from the flavour-changing couplings alone ------------------------------------------
SM_WIDTHS_MEV = {"kplus_piplus": GAMMA_K_CHARGED_MEV, "klong_pizero": GAMMA_K_LONG_MEV,
                 "kshort_pizero": GAMMA_K_SHORT_MEV, "bplus_kplus": GAMMA_B_CHARGED_MEV,
                 "bzero_kzero": GAMMA_B_NEUTRAL_MEV, "bplus_piplus": GAMMA_B_CHARGED_MEV,
                 "bzero_kstarzero": GAMMA_B_NEUTRAL_MEV, "bplus_kstarplus": GAMMA_B_CHARGED_MEV}


def meson_widths(m_zp_mev, g_v_sd, g_v_bs, g_v_bd, g_a_bs, modes=None):
    """Dict mode -> Gamma [MeV] from the off-diagonal couplings themselves, each (n,) complex:
    g_v_sd = g_V[1, 0], g_v_bs = g_V[2, 1], g_v_bd = g_V[2, 0], g_a_bs = g_A[2, 1] of the matrices the
    width_* functions take (same formulas and form factors; no (n, 3, 3) arrays needed).
    modes: the subset to compute (default all of SM_WIDTHS_MEV)."""
    m = np.asarray(m_zp_mev, float)
    q2 = m ** 2
    p_to_p = {"kplus_piplus": (M_K_CHARGED_MEV, M_PI_CHARGED_MEV, lambda: g_v_sd, f_plus_k_pi),
              "klong_pizero": (M_K_NEUTRAL_MEV, M_PI0_MEV, lambda: np.imag(g_v_sd), f_plus_k_pi),
              "kshort_pizero": (M_K_NEUTRAL_MEV, M_PI0_MEV, lambda: np.real(g_v_sd), f_plus_k_pi),
              "bplus_kplus": (M_B_CHARGED_MEV, M_K_CHARGED_MEV, lambda: g_v_bs, f_plus_b_k),
              "bzero_kzero": (M_B_NEUTRAL_MEV, M_K_NEUTRAL_MEV, lambda: g_v_bs, f_plus_b_k),
              "bplus_piplus": (M_B_CHARGED_MEV, M_PI_CHARGED_MEV, lambda: g_v_bd, f_plus_b_pi)}
    p_to_v = {"bzero_kstarzero": (M_B_NEUTRAL_MEV, M_KSTAR_NEUTRAL_MEV),
              "bplus_kstarplus": (M_B_CHARGED_MEV, M_KSTAR_CHARGED_MEV)}
    out = {}
    for mode in (SM_WIDTHS_MEV if modes is None else modes):
        if mode in p_to_p:
            m_parent, m_daughter, coupling, form_factor = p_to_p[mode]
            out[mode] = width_p_to_p_vector(m_parent, m_daughter, m, coupling(), form_factor(q2))
        elif mode in p_to_v:
            m_b, m_kstar = p_to_v[mode]
            ff = form_factors_b_kstar(q2, m_b, m_kstar)
            out[mode] = width_p_to_v_vector(m_b, m_kstar, m, g_v_bs, g_a_bs, ff["V"], ff["A1"], ff["A12"])
        else:
            raise ValueError(f"unknown mode '{mode}'; valid: {', '.join(SM_WIDTHS_MEV)}")
    return out
