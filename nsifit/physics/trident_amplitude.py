"""nu_mu gamma -> nu_mu mu- mu+ from its tree-level matrix element, on explicit Dirac spinors.

At neutrino-beam energies the W and Z exchanges are contact interactions (Altmannshofer,
Gori, Pospelov & Yavin, PRL 113 (2014) 091801, arXiv:1406.2332, and refs. therein):

    L = -(G_F/sqrt2) [nu g^a (1 - g5) nu] [mu g_a (C_V - C_A g5) mu],
    C_V = 1/2 + 2 s_W^2,  C_A = 1/2        (W + Z for nu_mu and muons).

A Z' with a vector coupling g_mu to muons and a left-handed coupling g_nu to nu_mu, exchanged
between the neutrino line and the muon line with momentum Q = k1 - k2, adds to the same
operator structure (integrating out the Z' gives -g_nu g_mu J_nu.J_mu/(m^2 - Q^2) with
J_nu = nu g^a P_L nu), so the whole amplitude is the SM one with

    C_V -> C_V + g_nu g_mu v^2 / (m_Z'^2 - Q^2),   v^2 = 1/(sqrt2 G_F)   (Q^2 = -2 k1.k2 <= 0).

The photon attaches to the mu- or the mu+ (two diagrams). With a = u(p1)-bar T v(p2),

    T = eps-slash S1 N-slash G + N-slash G S2 eps-slash,  N^a = u(k2)-bar g^a (1 - g5) u(k1),
    S1 = (p1-slash - q-slash + m)/(-2 p1.q),  S2 = (q-slash - p2-slash + m)/(-2 p2.q),

G = 1 (vector, a_V) or -g5 (axial, a_A), and sum_spins |M|^2 = (G_F^2 e^2/2) sum |C_V a_V + C_A a_A|^2.
Spinors: Peskin & Schroeder eqs. 3.53 and 3.62 (chiral basis); the incoming nu_mu is
left-handed (no spin average), the photon is averaged over its two linear polarisations.

Phase space at fixed s (nu-gamma CM frame), dPhi3 = [d|t|/(8 pi s)] [dM^2/(2 pi)] [beta/(8 pi)]
[dOmega*/(4 pi)], t = Q^2, M the mu+mu- mass, Omega* the mu- direction in the pair rest frame
about the photon. Deterministic product quadrature: composite Gauss-Legendre in ln|t|, Gauss in
ln M^2 (squared map that removes the threshold square root), Gauss in u with
cos(theta*) = tanh(u)/beta (flattens the collinear peaks 1/((1 - beta c)(1 + beta c)) of the muon
propagators), trapezoid in phi*.
"""

import math

import numpy as np

from ..constants import M_MU_MEV

_I2 = np.eye(2)
_PAULI = np.array([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=complex)
_Z2 = np.zeros((2, 2))
GAMMA = np.array([np.block([[_Z2, _I2], [_I2, _Z2]])]
                 + [np.block([[_Z2, s], [-s, _Z2]]) for s in _PAULI]).astype(complex)  # g^mu, chiral
GAMMA5 = np.diag([-1.0, -1.0, 1.0, 1.0]).astype(complex)
METRIC = np.array([1.0, -1.0, -1.0, -1.0])


def dot(a, b):
    """Minkowski product a.b for (..., 4) arrays (metric +,-,-,-)."""
    return a[..., 0] * b[..., 0] - np.sum(a[..., 1:] * b[..., 1:], axis=-1)


def slash(p):
    """p-slash = g^mu p_mu for (..., 4) real or complex vectors (upper index): (..., 4, 4)."""
    return np.einsum("...m,mab->...ab", p * METRIC, GAMMA)


def boost(p, beta):
    """Boost four-vectors p (..., 4) into the frame where a body at rest moves with velocity beta."""
    b2 = np.sum(beta * beta, axis=-1)
    gamma = 1.0 / np.sqrt(1.0 - b2)
    bp = np.sum(beta * p[..., 1:], axis=-1)
    coef = gamma * gamma / (gamma + 1.0) * bp + gamma * p[..., 0]
    return np.concatenate([(gamma * (p[..., 0] + bp))[..., None],
                           p[..., 1:] + coef[..., None] * beta], axis=-1)


def _sqrt_pauli(p, sign):
    """sqrt(E - sign p.sigma) as (..., 2, 2): a - sign b phat.sigma (Peskin eq. 3.53)."""
    e = p[..., 0]
    pabs = np.sqrt(np.sum(p[..., 1:] ** 2, axis=-1))
    a = 0.5 * (np.sqrt(e + pabs) + np.sqrt(np.maximum(e - pabs, 0.0)))
    b = 0.5 * (np.sqrt(e + pabs) - np.sqrt(np.maximum(e - pabs, 0.0)))
    phat = p[..., 1:] / np.where(pabs > 0, pabs, 1.0)[..., None]
    psig = np.einsum("...i,iab->...ab", phat, _PAULI)
    return a[..., None, None] * _I2 - sign * b[..., None, None] * psig


def spinors(p, kind):
    """Dirac spinors u(p, xi) (kind='u') or v(p, eta) (kind='v') for xi, eta = (1,0), (0,1):
    shape (..., 4, 2); sum over the last index gives p-slash + m and p-slash - m."""
    upper = _sqrt_pauli(p, +1.0)          # sqrt(p.sigma)
    lower = _sqrt_pauli(p, -1.0)          # sqrt(p.sigma-bar)
    return np.concatenate([upper, lower if kind == "u" else -lower], axis=-2)


def left_spinor(k):
    """Massless left-handed spinor sqrt(2E) (chi_-, 0) with chi_- the negative-helicity
    two-spinor (-e^{-i phi} sin(theta/2), cos(theta/2)); angles from atan2 (no loss at small angle)."""
    theta = np.arctan2(np.hypot(k[..., 1], k[..., 2]), k[..., 3])
    phi = np.arctan2(k[..., 2], k[..., 1])
    norm = np.sqrt(2.0 * k[..., 0])
    out = np.zeros(k.shape[:-1] + (4,), dtype=complex)
    out[..., 0] = -norm * np.exp(-1j * phi) * np.sin(0.5 * theta)
    out[..., 1] = norm * np.cos(0.5 * theta)
    return out


def neutrino_current(k1, k2):
    """N^a = u(k2)-bar g^a (1 - g5) u(k1) for left-handed massless spinors: (..., 4) complex."""
    u1, u2 = left_spinor(k1), left_spinor(k2)
    bar2 = np.einsum("...a,ab->...b", u2.conj(), GAMMA[0])
    proj = np.eye(4) - GAMMA5
    return np.einsum("...a,mab,bc,...c->...m", bar2, GAMMA, proj, u1)


def muon_matrices(q, p1, p2, current, eps, mass=M_MU_MEV):
    """(T_V, T_A) for one photon polarisation eps (..., 4): the two-diagram Dirac matrices."""
    one = np.eye(4)
    s1 = (slash(p1 - q) + mass * one) / (-2.0 * dot(p1, q))[..., None, None]
    s2 = (slash(q - p2) + mass * one) / (-2.0 * dot(p2, q))[..., None, None]
    e, n = slash(eps), slash(current)
    t_v = e @ s1 @ n + n @ s2 @ e
    n5 = n @ GAMMA5
    t_a = -(e @ s1 @ n5 + n5 @ s2 @ e)
    return t_v, t_a


def polarisations(q):
    """Two real transverse polarisation vectors of a real photon q (..., 4): (2, ..., 4)."""
    qhat = q[..., 1:] / np.linalg.norm(q[..., 1:], axis=-1, keepdims=True)
    ref = np.where(np.abs(qhat[..., 1:2]) < 0.9, [0.0, 1.0, 0.0], [1.0, 0.0, 0.0])
    e1 = np.cross(ref, qhat)
    e1 /= np.linalg.norm(e1, axis=-1, keepdims=True)
    e2 = np.cross(qhat, e1)
    zero = np.zeros(q.shape[:-1] + (1,))
    return np.stack([np.concatenate([zero, e1], -1), np.concatenate([zero, e2], -1)])


def squared_amplitudes(k1, q, k2, p1, p2, mass=M_MU_MEV):
    """Spin- and polarisation-summed (|a_V|^2, |a_A|^2, 2 Re a_V a_A^*), each (...,).

    sum_spins,pols |M|^2 = (G_F^2 e^2 / 2) (C_V^2 S_VV + C_A^2 S_AA + C_V C_A S_VA).
    """
    current = neutrino_current(k1, k2)
    ubar = np.einsum("...ai,ab->...ib", spinors(p1, "u").conj(), GAMMA[0])   # (..., 2, 4)
    v = spinors(p2, "v")                                                       # (..., 4, 2)
    s_vv = s_aa = s_va = 0.0
    for eps in polarisations(q):
        t_v, t_a = muon_matrices(q, p1, p2, current, eps, mass)
        a_v, a_a = ubar @ t_v @ v, ubar @ t_a @ v                              # (..., 2, 2)
        s_vv = s_vv + np.sum(np.abs(a_v) ** 2, axis=(-2, -1))
        s_aa = s_aa + np.sum(np.abs(a_a) ** 2, axis=(-2, -1))
        s_va = s_va + 2.0 * np.sum(np.real(a_v * a_a.conj()), axis=(-2, -1))
    return s_vv, s_aa, s_va


# --- phase space -------------------------------------------------------------------------------
def kinematics(s, t_abs, m2_pair, cos_star, phi_star, mass=M_MU_MEV):
    """Momenta (k1, q, k2, p1, p2) in the nu-gamma CM frame, each (..., 4).

    k1 along +z, the photon along -z, k2 in the x-z plane with sin^2(theta/2) = |t|/(s - M^2);
    the mu- has polar angle theta* about the photon direction in the pair rest frame.
    """
    t_abs, m2_pair, cos_star, phi_star = np.broadcast_arrays(t_abs, m2_pair, cos_star, phi_star)
    root_s = math.sqrt(s)
    zero = np.zeros(t_abs.shape)
    k1 = np.stack([zero + root_s / 2, zero, zero, zero + root_s / 2], -1)
    q = np.stack([zero + root_s / 2, zero, zero, zero - root_s / 2], -1)
    e2 = (s - m2_pair) / (2.0 * root_s)
    sin_half = np.sqrt(np.clip(t_abs / (s - m2_pair), 0.0, 1.0))
    cos_half = np.sqrt(1.0 - sin_half ** 2)
    k2 = np.stack([e2, e2 * 2 * sin_half * cos_half, zero, e2 * (1 - 2 * sin_half ** 2)], -1)
    pair = k1 + q - k2
    beta_pair = pair[..., 1:] / pair[..., :1]
    q_star = boost(q, -beta_pair)
    z_axis = q_star[..., 1:] / np.linalg.norm(q_star[..., 1:], axis=-1, keepdims=True)
    y_axis = np.broadcast_to([0.0, 1.0, 0.0], z_axis.shape)    # all momenta lie in the x-z plane
    x_axis = np.cross(y_axis, z_axis)
    m_pair = np.sqrt(m2_pair)
    p_star = 0.5 * m_pair * np.sqrt(1.0 - 4.0 * mass ** 2 / m2_pair)
    sin_star = np.sqrt(1.0 - cos_star ** 2)
    direction = (sin_star * np.cos(phi_star))[..., None] * x_axis \
        + (sin_star * np.sin(phi_star))[..., None] * y_axis + cos_star[..., None] * z_axis
    mom = p_star[..., None] * direction
    half = (0.5 * m_pair)[..., None]
    p1 = boost(np.concatenate([half, mom], -1), beta_pair)
    p2 = boost(np.concatenate([half, -mom], -1), beta_pair)
    return k1, q, k2, p1, p2


def _gauss(n, lo, hi):
    x, w = np.polynomial.legendre.leggauss(n)
    return 0.5 * (hi - lo) * x + 0.5 * (hi + lo), 0.5 * (hi - lo) * w


def t_nodes(s, t_min_mev2, nodes_per_panel=8, efolds_per_panel=2.5, mass=M_MU_MEV):
    """Composite Gauss-Legendre nodes in x = ln|t| on [ln t_min, ln(s - 4m^2)]: (|t|, d|t| weights).

    The last panel is mapped as x = x_a + (x_hi - x_a)(1 - (1 - y)^2): the pair phase space closes
    like (t_max - |t|)^(3/2) at the upper end, which the map turns into a smooth integrand.
    """
    x_lo, x_hi = math.log(t_min_mev2), math.log(s - 4.0 * mass ** 2)
    n_panels = max(1, int(math.ceil((x_hi - x_lo) / efolds_per_panel)))
    edges = np.linspace(x_lo, x_hi, n_panels + 1)
    parts = [_gauss(nodes_per_panel, a, b) for a, b in zip(edges[:-2], edges[1:-1])]
    y, wy = _gauss(nodes_per_panel, 0.0, 1.0)
    span = edges[-1] - edges[-2]
    parts.append((edges[-2] + span * (1.0 - (1.0 - y) ** 2), span * 2.0 * (1.0 - y) * wy))
    x = np.concatenate([p[0] for p in parts])
    w = np.concatenate([p[1] for p in parts])
    return np.exp(x), w * np.exp(x)


def pair_integrals(s, t_abs, n_m=12, n_u=16, n_phi=8, mass=M_MU_MEV, chunk=4096):
    """g_X(s, t) = int [dM^2/2pi] [beta/8pi] [dOmega*/4pi] S_XX over the pair mass and angles, for
    each |t| in t_abs: returns (g_VV, g_AA, g_VA), each of t_abs's shape [MeV^-2 x amplitude^2]."""
    t_abs = np.atleast_1d(np.asarray(t_abs, float))
    y, wy = _gauss(n_m, 0.0, 1.0)
    uu, wu = np.polynomial.legendre.leggauss(n_u)
    phi = 2.0 * math.pi * (np.arange(n_phi) + 0.5) / n_phi
    w_phi = np.full(n_phi, 2.0 * math.pi / n_phi)
    l0 = math.log(4.0 * mass ** 2)
    out = np.zeros((3,) + t_abs.shape)
    for start in range(0, t_abs.size, max(1, chunk // (n_m * n_u * n_phi))):
        t = t_abs[start:start + max(1, chunk // (n_m * n_u * n_phi))]
        l1 = np.log(s - t)                                                     # M^2 <= s - |t|
        lm = l0 + (l1[:, None] - l0) * y[None, :] ** 2                      # ln M^2, (nt, nm)
        m2 = np.exp(lm)
        w_m2 = (l1[:, None] - l0) * 2.0 * y * wy * m2                         # dM^2
        beta = np.sqrt(np.clip(1.0 - 4.0 * mass ** 2 / m2, 0.0, 1.0))
        umax = np.arctanh(np.minimum(beta, 1.0 - 1e-16))
        u = umax[..., None] * uu                                              # (nt, nm, nu)
        cos_star = np.tanh(u) / np.where(beta > 0, beta, 1.0)[..., None]
        w_cos = umax[..., None] * wu / np.where(beta > 0, beta, 1.0)[..., None] / np.cosh(u) ** 2
        shape = (t.size, n_m, n_u, n_phi)
        mom = kinematics(s, np.broadcast_to(t[:, None, None, None], shape),
                         np.broadcast_to(m2[:, :, None, None], shape),
                         np.broadcast_to(cos_star[..., None], shape),
                         np.broadcast_to(phi, shape), mass)
        sq = squared_amplitudes(*mom, mass=mass)
        weight = (w_m2 / (2 * math.pi) * beta / (8 * math.pi))[..., None, None] \
            * (w_cos[..., None] * w_phi) / (4 * math.pi)
        for i, values in enumerate(sq):
            out[i, start:start + t.size] = np.sum(values * weight, axis=(1, 2, 3))
    return tuple(out)
