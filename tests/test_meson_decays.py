"""Quark mixing and P -> P' Z', P -> V Z' widths: unitarity, rotations, polarisation sums,
a phase-space integral in a boosted frame, explicit helicity vectors, thresholds, CP, form factors
against published numbers, and the mutau_baryon benchmark."""

import itertools
import math

import numpy as np
import pytest
from scipy.integrate import quad

from nsifit.constants import (
    E_CHARGE,
    ELECTRIC_CHARGE,
    GAMMA_B_CHARGED_MEV,
    GAMMA_K_CHARGED_MEV,
    M_B_NEUTRAL_MEV,
    M_K_CHARGED_MEV,
    M_K_NEUTRAL_MEV,
    M_KSTAR_NEUTRAL_MEV,
    M_PI0_MEV,
    M_PI_CHARGED_MEV,
)
from nsifit.physics import meson_decays as md
from nsifit.physics import quark_mixing as qm
from nsifit.theory.couplings import Couplings
from nsifit.theory.models import get_model

RNG = np.random.default_rng(11)


def seed_charges(c):
    """X_Q of arXiv:2211.15686 eq. 2: -c/3 for generations 1-2, -2(1-c)/3 for generation 3."""
    return np.array([-c / 3, -c / 3, -2 * (1 - c) / 3])


def seed_couplings(c, g_zp, alignment="down", epsilon=0.0):
    x = seed_charges(c)
    return qm.flavour_changing_couplings(x, x, x, g_zp, alignment=alignment, epsilon=epsilon)


def dagger(v):
    return np.conj(np.swapaxes(v, -1, -2))


# --- CKM ----------------------------------------------------------------------------------------
def test_ckm_unitary_and_exact_wolfenstein_relation():
    lam = np.array([0.22501, 0.2, 0.3, 0.5])
    a = np.array([0.826, 1.3, 0.5, 2.0])
    rho, eta = np.array([0.1591, -0.4, 0.8, 0.3]), np.array([0.3523, 0.9, -0.2, 1.1])
    v = qm.ckm_matrix(lam, a, rho, eta)
    eye = np.broadcast_to(np.eye(3), v.shape)
    np.testing.assert_allclose(dagger(v) @ v, eye, atol=1e-15)
    np.testing.assert_allclose(v @ dagger(v), eye, atol=1e-15)
    # rho-bar + i eta-bar = -V_ud V_ub^* / (V_cd V_cb^*) to all orders (not only O(lambda^3))
    ratio = -v[:, 0, 0] * np.conj(v[:, 0, 2]) / (v[:, 1, 0] * np.conj(v[:, 1, 2]))
    np.testing.assert_allclose(ratio, rho + 1j * eta, rtol=1e-13)
    np.testing.assert_allclose(np.abs(v[:, 0, 1]) / np.hypot(np.abs(v[:, 0, 0]), np.abs(v[:, 0, 1])), lam, rtol=1e-14)


def test_ckm_reproduces_pdg_2024_fit_moduli_and_jarlskog():
    """PDG 2024 CKM review: |V_ij| and J of the same global fit (quoted with their errors)."""
    v = np.abs(qm.ckm_matrix())
    pdg = [[(0.97435, 0.00016), (0.22501, 0.00068), (0.003732, 0.000090)],
           [(0.22487, 0.00068), (0.97349, 0.00016), (0.04183, 0.00079)],
           [(0.00858, 0.00019), (0.04111, 0.00077), (0.999118, 0.000034)]]
    for i, j in itertools.product(range(3), repeat=2):
        centre, sigma = pdg[i][j]
        assert abs(v[i, j] - centre) < 0.3 * sigma, (i, j, v[i, j], centre)
    vc = qm.ckm_matrix()
    jarlskog = np.imag(vc[0, 1] * vc[1, 2] * np.conj(vc[0, 2]) * np.conj(vc[1, 1]))
    assert abs(jarlskog - 3.12e-5) < 0.13e-5


# --- rotated couplings -----------------------------------------------------------------------
def test_trace_and_su2_relation_alignment_independent():
    n = 5
    xq, xu, xd = RNG.normal(size=(n, 3)), RNG.normal(size=(n, 3)), RNG.normal(size=(n, 3))
    g = RNG.uniform(1e-4, 1e-2, n)
    eps = RNG.uniform(-1e-3, 1e-3, n)
    v = qm.ckm_matrix()
    traces = []
    for alignment in qm.ALIGNMENTS:
        q = qm.flavour_changing_couplings(xq, xu, xd, g, alignment, epsilon=eps)
        for mat in (q.left_up, q.left_down):
            np.testing.assert_allclose(mat, dagger(mat), atol=1e-18)       # hermitian
        # trace of the rotated matrix = flavour-basis trace
        np.testing.assert_allclose(np.trace(q.left_down, axis1=1, axis2=2),
                                   g * xq.sum(1) + 3 * E_CHARGE * eps * ELECTRIC_CHARGE["d"], rtol=1e-12)
        np.testing.assert_allclose(np.trace(q.left_up, axis1=1, axis2=2),
                                   g * xq.sum(1) + 3 * E_CHARGE * eps * ELECTRIC_CHARGE["u"], rtol=1e-12)
        # SU(2): g_L^u - e eps Q_u = V (g_L^d - e eps Q_d) V^dag in every alignment
        shift = (E_CHARGE * eps)[:, None, None] * np.eye(3)
        np.testing.assert_allclose(q.left_up - ELECTRIC_CHARGE["u"] * shift,
                                   v @ (q.left_down - ELECTRIC_CHARGE["d"] * shift) @ dagger(v), atol=1e-17)
        traces.append(np.trace(q.left_down, axis1=1, axis2=2))
        # right-handed: diagonal, unrotated
        np.testing.assert_allclose(np.diagonal(q.right_down, axis1=1, axis2=2),
                                   g[:, None] * xd + (E_CHARGE * eps * ELECTRIC_CHARGE["d"])[:, None], rtol=1e-13)
    np.testing.assert_allclose(traces[0], traces[1], rtol=1e-12)


def test_universal_charges_and_c_two_thirds_give_no_fcnc():
    q = qm.flavour_changing_couplings([0.7, 0.7, 0.7], [0.2, 0.2, 0.2], [-0.4, -0.4, -0.4], 1e-3)
    off = ~np.eye(3, dtype=bool)
    assert np.all(q.left_down[0][off] == 0) and np.all(q.left_up[0][off] == 0)   # exactly: no rounding FCNC
    assert not qm.has_flavour_change(q)[0]
    np.testing.assert_allclose(np.diagonal(q.left_down[0]).real, 0.7e-3, rtol=1e-15)
    for alignment in qm.ALIGNMENTS:
        seed = seed_couplings(2 / 3, 1e-3, alignment)
        assert np.max(np.abs(seed.left_down[0][off])) < 1e-19
        assert np.max(np.abs(seed.left_up[0][off])) < 1e-19
    # while c != 2/3 does change flavour
    assert np.abs(seed_couplings(-0.1, 1e-3).left_down[0, 2, 1]) > 1e-5


def test_down_alignment_matches_eq36_up_to_complex_conjugation():
    c, g = np.array([-0.1, 0.3, 1.5]), np.array([5e-4, 1e-3, 2e-4])
    x = np.stack([seed_charges(ci) for ci in c])
    q = qm.flavour_changing_couplings(x, x, x, g, "down")
    v = qm.ckm_matrix()
    for i, j in [(1, 0), (2, 1), (2, 0), (0, 2)]:
        derived = g * (3 * c - 2) / 3 * np.conj(v[2, i]) * v[2, j]          # V^dag X V
        eq36 = g * (3 * c - 2) / 3 * v[2, i] * np.conj(v[2, j])             # V_ti V_tj^* of eq. 36
        np.testing.assert_allclose(q.left_down[:, i, j], derived, rtol=1e-12)
        np.testing.assert_allclose(q.left_down[:, i, j], np.conj(eq36), rtol=1e-12)
    # the conjugation is not cosmetic for s-d: Im(V_ts^* V_td) flips sign (|.| and Im^2 do not change)
    sd_eq36 = g * (3 * c - 2) / 3 * v[2, 1] * np.conj(v[2, 0])
    assert np.all(np.sign(np.imag(q.left_down[:, 1, 0])) == -np.sign(np.imag(sd_eq36)))
    # vector and axial parts of a purely left-handed off-diagonal coupling
    np.testing.assert_allclose(q.vector_down[:, 1, 0], q.left_down[:, 1, 0] / 2, rtol=1e-15)
    np.testing.assert_allclose(q.axial_down[:, 1, 0], -q.left_down[:, 1, 0] / 2, rtol=1e-15)


def test_up_alignment_moves_fcnc_to_up_sector():
    c, g = -0.1, 5e-4
    q = seed_couplings(c, g, "up")
    v = qm.ckm_matrix()
    off = ~np.eye(3, dtype=bool)
    assert np.all(q.left_down[0][off] == 0)
    np.testing.assert_allclose(q.left_up[0, 1, 0], g * (3 * c - 2) / 3 * v[1, 2] * np.conj(v[0, 2]), rtol=1e-12)
    m = np.array([30.0, 200.0])
    for br in md.meson_branching_ratios(m, q).values():
        assert np.all(br == 0)


def test_epsilon_only_shifts_the_diagonal():
    a = seed_couplings(-0.1, 5e-4, epsilon=0.0)
    b = seed_couplings(-0.1, 5e-4, epsilon=3e-4)
    off = ~np.eye(3, dtype=bool)
    np.testing.assert_allclose(b.left_down[0][off], a.left_down[0][off], atol=1e-22)
    np.testing.assert_allclose(np.diagonal(b.vector_down[0] - a.vector_down[0]),
                               E_CHARGE * 3e-4 * ELECTRIC_CHARGE["d"], rtol=1e-12)
    np.testing.assert_allclose(np.diagonal(b.axial_down[0] - a.axial_down[0]), 0, atol=1e-22)


def test_bridge_from_model_couplings():
    mdl = get_model("mutau_baryon")
    cpl = mdl.couplings(mdl.resolve(dict(m_zp=[30.0, 50.0], g_zp=[5e-4, 1e-3], c=[-0.1, 0.4], epsilon=[0, 2e-4])))
    q = qm.quark_couplings_from(cpl)
    x = np.stack([seed_charges(-0.1), seed_charges(0.4)])
    ref = qm.flavour_changing_couplings(x, x, x, [5e-4, 1e-3], epsilon=[0, 2e-4])
    np.testing.assert_allclose(q.left_down, ref.left_down, rtol=1e-14, atol=1e-22)
    # u_L != d_L (a U(1)' that breaks SU(2)_L, u1 with anomalies: allow): each sector rotated with its own charges
    split = Couplings(m_zp_mev=np.array([10.0]), g_zp=np.array([1e-3]), epsilon=np.array([0.0]),
                      charges={"u": 1.0, "d": 0.0}, nu_charges=np.zeros((3, 3)))
    q = qm.quark_couplings_from(split, "up")
    v = qm.ckm_matrix()
    np.testing.assert_allclose(q.left_up[0], 1e-3 * np.outer(v[:, 0], np.conj(v[:, 0])), atol=1e-20)
    np.testing.assert_allclose(q.left_down[0], 0.0, atol=1e-20)
    # chiral charges: X_L = X - X^A, X_R = X + X^A (a right-handed u only)
    chiral = Couplings(m_zp_mev=np.array([10.0]), g_zp=np.array([1e-3]), epsilon=np.array([0.0]),
                       charges={"u": 0.5}, axial_charges={"u": 0.5}, nu_charges=np.zeros((3, 3)))
    q = qm.quark_couplings_from(chiral)
    np.testing.assert_allclose(q.right_up[0], np.diag([1e-3, 0, 0]), atol=1e-20)
    np.testing.assert_allclose(q.left_up[0], 0.0, atol=1e-20)
    np.testing.assert_allclose(np.diag(q.axial_up[0]), [5e-4, 0, 0], atol=1e-20)


# --- P -> P' Z' ---------------------------------------------------------------------------------
M, MP = M_K_CHARGED_MEV, M_PI_CHARGED_MEV


def test_q_mu_term_drops_from_the_polarisation_sum():
    m = np.array([5.0, 30.0, 150.0, 300.0])
    lam = md.kallen(M ** 2, MP ** 2, m ** 2)
    for f_minus in (0.0, -0.3, 2.0):
        np.testing.assert_allclose(md.squared_amplitude_p_to_p(M, MP, m, 0.97, f_minus),
                                   0.97 ** 2 * lam / m ** 2, rtol=1e-9)


def test_longitudinal_enhancement_lives_in_the_non_conserved_part():
    delta = M ** 2 - MP ** 2
    # conserved current J = F [q^2 (p + p') - Delta q]: the -g form is exact, rate ~ m^2 lambda
    m = np.array([1.0, 10.0, 100.0, 300.0])
    F = 1e-5
    full = md.squared_amplitude_p_to_p(M, MP, m, F * m ** 2, -F * delta)
    textbook = md.squared_amplitude_p_to_p(M, MP, m, F * m ** 2, -F * delta, longitudinal=False)
    np.testing.assert_allclose(textbook, full, rtol=1e-8)
    np.testing.assert_allclose(full, F ** 2 * m ** 2 * md.kallen(M ** 2, MP ** 2, m ** 2), rtol=1e-8)
    # quark current (f_- = 0): m^2 |M|^2 -> |q.J|^2 = f^2 Delta^2, all of it from the q q/m^2 term
    small = np.array([1e-2, 1e-1])
    np.testing.assert_allclose(small ** 2 * md.squared_amplitude_p_to_p(M, MP, small, 1.0), delta ** 2, rtol=1e-4)
    minus_jj = md.squared_amplitude_p_to_p(M, MP, small, 1.0, longitudinal=False)
    assert np.all(small ** 2 * np.abs(minus_jj) < 1e-5 * delta ** 2)
    assert np.all(md.squared_amplitude_p_to_p(M, MP, m, 1.0, longitudinal=False) < 0)   # not a rate
    # equal masses (SU(3) limit, conserved current): no 1/m^2 pole, lambda/m^2 = m^2 - 4 M^2
    eq = md.squared_amplitude_p_to_p(M, M, m, 1.0)
    np.testing.assert_allclose(eq, m ** 2 - 4 * M ** 2, rtol=1e-12)
    np.testing.assert_allclose(eq, md.squared_amplitude_p_to_p(M, M, m, 1.0, longitudinal=False), rtol=1e-12)


def _minkowski(a, b):
    return a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3]


def _width_by_boosted_phase_space(m_parent, m_daughter, m, f_plus, f_minus, beta):
    """Gamma from (1/2E) int dPhi_2 sum_pol |eps.J|^2 in a frame where the parent moves with velocity beta
    along z; explicit polarisation vectors (two transverse, one longitudinal), no polarisation-sum formula."""
    gam = 1 / math.sqrt(1 - beta ** 2)
    e_p, p_p = gam * m_parent, gam * beta * m_parent
    P = np.array([e_p, 0.0, 0.0, p_p])
    A = (m_parent ** 2 + m ** 2 - m_daughter ** 2) / 2

    def integrand(cos):
        a2, b1, c0 = e_p ** 2 - (p_p * cos) ** 2, -2 * A * p_p * cos, e_p ** 2 * m ** 2 - A ** 2
        disc = math.sqrt(b1 ** 2 - 4 * a2 * c0)
        total = 0.0
        for k in ((-b1 + disc) / (2 * a2), (-b1 - disc) / (2 * a2)):
            e = math.sqrt(k * k + m * m)
            if k <= 0 or abs(e_p * e - p_p * k * cos - A) > 1e-9 * A:
                continue
            sin = math.sqrt(1 - cos ** 2)
            n = np.array([sin, 0.0, cos])
            q = np.concatenate([[e], k * n])
            J = f_plus * (2 * P - q) + f_minus * q
            pols = [np.concatenate([[k / m], e / m * n]), np.array([0.0, cos, 0.0, -sin]), np.array([0.0, 0, 1, 0])]
            amp2 = sum(_minkowski(eps, J) ** 2 for eps in pols)
            total += k ** 2 / (e * abs(2 * (e_p * k / e - p_p * cos))) * amp2
        return total

    integral, _ = quad(integrand, -1, 1, epsabs=0, epsrel=1e-11, limit=200)
    width_lab = integral * 2 * math.pi / (8 * math.pi ** 2) / (2 * e_p)
    return width_lab * gam     # time dilation: rest-frame width


@pytest.mark.parametrize("m, f_minus", [(100.0, 0.0), (250.0, -0.4)])
def test_closed_form_width_equals_boosted_phase_space_integral(m, f_minus):
    f_plus = 0.9
    numeric = _width_by_boosted_phase_space(M, MP, m, f_plus, f_minus, beta=0.5)
    closed = md.width_p_to_p_vector(M, MP, m, 1.0, f_plus)
    np.testing.assert_allclose(numeric, closed, rtol=1e-8)


def test_threshold_behaviour_and_no_nan():
    m_th = M - MP
    d = np.array([1e-3, 4e-3])
    w = md.width_p_to_p_vector(M, MP, m_th - d, 1e-8, 1.0)
    np.testing.assert_allclose(w[0] / w[1], (1 / 4) ** 1.5, rtol=1e-3)     # Gamma ~ lambda^{3/2}
    g = np.full((4, 3, 3), 1e-7 + 1e-7j)
    m = np.array([10.0, m_th, m_th + 1, 5000.0])
    for fn in (md.br_kplus_piplus_zp, md.br_klong_pizero_zp, md.br_bplus_kplus_zp, md.br_bplus_piplus_zp):
        out = fn(m, g)
        assert out.shape == (4,) and np.all(np.isfinite(out)) and out[0] > 0
    assert np.all(md.br_kplus_piplus_zp(m, g)[1:] == 0)
    assert np.all(md.br_b_kstar_zp(np.array([10.0, 4400.0, 4500.0]), g[:3], g[:3]) [1:] == 0)


def test_neutral_kaons_cp():
    m = np.array([30.0, 200.0])
    g = np.zeros((2, 3, 3), complex)
    g[:, 1, 0] = [3e-8 - 4e-8j, 2e-8]
    g[:, 0, 1] = np.conj(g[:, 1, 0])
    lng, sht = md.width_klong_pizero_zp(m, g), md.width_kshort_pizero_zp(m, g)
    full = md.width_p_to_p_vector(M_K_NEUTRAL_MEV, M_PI0_MEV, m, np.abs(g[:, 1, 0]), md.f_plus_k_pi(m ** 2))
    np.testing.assert_allclose(lng + sht, full, rtol=1e-13)
    np.testing.assert_allclose(lng[0] / sht[0], (4 / 3) ** 2, rtol=1e-13)
    assert lng[1] == 0                                   # CP-conserving (real) coupling: no K_L -> pi0 Z'


# --- P -> V Z' (B -> K*) ----------------------------------------------------------------------------
def _levi_civita():
    eps = np.zeros((4, 4, 4, 4))
    for perm in itertools.permutations(range(4)):
        eps[perm] = np.linalg.det(np.eye(4)[list(perm)])
    return eps


def test_b_kstar_helicities_from_explicit_polarisation_vectors():
    mb, mv, m = M_B_NEUTRAL_MEV, M_KSTAR_NEUTRAL_MEV, 700.0
    gv, ga = 1.3, -0.7
    vff, a1, a12, a3_minus_a0 = 0.45, 0.31, 0.28, 0.17
    lam = md.kallen(mb ** 2, mv ** 2, m ** 2)
    a2 = ((mb + mv) ** 2 * (mb ** 2 - mv ** 2 - m ** 2) * a1 - 16 * mb * mv ** 2 * (mb + mv) * a12) / lam
    k = math.sqrt(lam) / (2 * mb)
    eq, ev = math.sqrt(k * k + m * m), math.sqrt(k * k + mv * mv)
    p, q, kv = np.array([mb, 0, 0, 0.0]), np.array([eq, 0, 0, k]), np.array([ev, 0, 0, -k])
    metric = np.diag([1.0, -1, -1, -1])
    lc = _levi_civita()
    zp_pols = {"L": np.array([k, 0, 0, eq]) / m, "x": np.array([0, 1.0, 0, 0]), "y": np.array([0, 0, 1.0, 0])}
    v_pols = {"L": np.array([k, 0, 0, -ev]) / mv, "x": np.array([0, 1.0, 0, 0]), "y": np.array([0, 0, 1.0, 0])}
    total, longitudinal = 0.0, 0.0
    for (zl, eps), (vl, eta) in itertools.product(zp_pols.items(), v_pols.items()):
        low = [metric @ x for x in (eps, eta, p, kv)]
        vec = gv * 2 * vff / (mb + mv) * np.einsum("abcd,a,b,c,d", lc, *low)
        ax = ga * ((mb + mv) * a1 * _minkowski(eps, eta) - a2 * _minkowski(eta, q) * _minkowski(eps, p + kv) / (mb + mv)
                   - 2 * mv * _minkowski(eta, q) * _minkowski(eps, q) * a3_minus_a0 / m ** 2)
        amp2 = vec ** 2 + ax ** 2          # M = vec + i ax for real polarisation vectors
        total += amp2
        if zl == vl == "L":
            longitudinal = amp2
    h0, ht = md.helicity_squares_p_to_v(mb, mv, m, gv, ga, vff, a1, a12)
    np.testing.assert_allclose(longitudinal, h0, rtol=1e-10)
    np.testing.assert_allclose(total, h0 + ht, rtol=1e-10)
    np.testing.assert_allclose(md.width_p_to_v_vector(mb, mv, m, gv, ga, vff, a1, a12),
                               k * (h0 + ht) / (8 * math.pi * mb ** 2), rtol=1e-12)


def test_b_kstar_longitudinal_mode_goes_with_axial_coupling_and_a0():
    mb, mv = M_B_NEUTRAL_MEV, M_KSTAR_NEUTRAL_MEV
    m = np.array([0.1, 1.0])
    ff = md.form_factors_b_kstar(m ** 2)
    h0, _ = md.helicity_squares_p_to_v(mb, mv, m, 0.0, 1.0, ff["V"], ff["A1"], ff["A12"])
    a0 = md.form_factors_b_kstar(0.0)["A0"]
    # BSZ relation A12(0) = (M^2 - m_V^2) A0(0)/(8 M m_V): H_0 -> g_A (M^2 - m_V^2) A0(0)/m
    np.testing.assert_allclose(m ** 2 * h0, ((mb ** 2 - mv ** 2) * a0) ** 2, rtol=1e-2)
    g = np.zeros((2, 3, 3))
    g[:, 2, 1] = 1e-6
    vector_only = md.width_b_kstar_zp(m, g, 0 * g)
    axial_only = md.width_b_kstar_zp(m, 0 * g, g)
    np.testing.assert_allclose(vector_only[0], vector_only[1], rtol=1e-4)     # no 1/m^2
    np.testing.assert_allclose(axial_only[0] / axial_only[1], 100, rtol=1e-3)  # 1/m^2


# --- form factors vs published numbers ----------------------------------------------------------------
def test_form_factors_against_published_values():
    assert md.f_plus_k_pi(0.0) == pytest.approx(0.9698)                        # FLAG 2024, N_f = 2+1+1
    # GKvD B -> K vs HPQCD 2022 (arXiv:2207.12468): f_+(0) = 0.3319(116), f_+(12) = 0.7425(224),
    # f_+(22.9 GeV^2) = 2.793(108)
    assert abs(md.f_plus_b_k(0.0) - 0.3319) < math.hypot(0.0116, md.GKVD_B_K_FPLUS0_SIGMA)
    assert abs(md.f_plus_b_k(12e6) - 0.7425) < 2 * 0.0224
    assert abs(md.f_plus_b_k(22.9e6) - 2.793) < 2 * 0.108
    # f_+ rises monotonically towards the B_s* pole and K -> pi grows by ~17% over the phase space
    q2 = np.linspace(0, (M_B_NEUTRAL_MEV - M_K_NEUTRAL_MEV) ** 2, 50)
    assert np.all(np.diff(md.f_plus_b_k(q2)) > 0)
    assert md.f_plus_k_pi((M - MP) ** 2) / md.f_plus_k_pi(0.0) == pytest.approx(1.17, abs=0.01)
    # B -> pi vs the later LCSR + lattice fit of arXiv:2102.07233: 0.235(19)
    assert abs(md.f_plus_b_pi(0.0) - 0.2347) < 2 * math.hypot(0.019, md.GKVD_B_PI_FPLUS0_SIGMA)


# --- benchmark ----------------------------------------------------------------------------------------
def test_benchmark_mutau_baryon():
    """c = -0.1, g_zp = 5e-4, m_Z' = 30 MeV, epsilon = 0 (arXiv:2211.15686 model)."""
    c, g_zp, m = -0.1, 5e-4, np.array([30.0])
    mdl = get_model("mutau_baryon")
    cpl = mdl.couplings(mdl.resolve(dict(m_zp=m, g_zp=g_zp, c=c, epsilon=0.0)))
    v = qm.ckm_matrix()
    down = qm.quark_couplings_from(cpl, "down")
    # independent assembly: g_V^{sd} = g_zp (3c - 2)/3 V_ts^* V_td / 2 (left-handed only)
    g_sd = g_zp * (3 * c - 2) / 3 * np.conj(v[2, 1]) * v[2, 0] / 2
    np.testing.assert_allclose(down.vector_down[0, 1, 0], g_sd, rtol=1e-12)
    lam = md.kallen(M ** 2, MP ** 2, m ** 2)
    gamma = abs(g_sd) ** 2 * md.f_plus_k_pi(m ** 2) ** 2 * lam ** 1.5 / (16 * math.pi * M ** 3 * m ** 2)
    ratio_k = md.width_kplus_piplus_zp(m, down.vector_down) / GAMMA_K_CHARGED_MEV
    np.testing.assert_allclose(ratio_k, gamma / GAMMA_K_CHARGED_MEV, rtol=1e-12)
    brs = md.meson_branching_ratios(m, down)
    brs_up = md.meson_branching_ratios(m, qm.quark_couplings_from(cpl, "up"))
    print(f"\nbenchmark (down): Gamma(K+ -> pi+ Z')/Gamma_K = {ratio_k[0]:.4g}; "
          f"Gamma(B+ -> K+ Z')/Gamma_B = {brs['bplus_kplus'][0]:.4g}; "
          + ", ".join(f"{k} {val[0]:.3g}" for k, val in brs.items()))
    print("benchmark (up): " + ", ".join(f"{k} {val[0]:.3g}" for k, val in brs_up.items()))
    assert ratio_k[0] > 10                       # the "Gamma >> Gamma_K" (order 100)
    assert brs["bplus_kplus"][0] * GAMMA_B_CHARGED_MEV > 0
    # Grossman-Nir: K_L/K+ ~ (Im/|g|)^2 tau_L/tau_+ < 1 in rate; CP-violating fraction of this coupling
    frac = np.imag(g_sd) ** 2 / abs(g_sd) ** 2
    assert 0.1 < frac < 0.2
    assert all(np.all(val == 0) for val in brs_up.values())
    # with add_to_total the branching ratio saturates below 1
    assert md.br_kplus_piplus_zp(m, down.vector_down, add_to_total=True)[0] < 1
