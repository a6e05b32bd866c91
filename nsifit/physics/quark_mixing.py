"""CKM matrix and the Z' couplings to quarks in the mass basis (flavour-changing neutral currents).

CKM matrix
----------
Standard parametrisation of the PDG review "CKM quark-mixing matrix" (PDG 2024, S. Navas et al.,
Phys. Rev. D 110 (2024) 030001, review 12),

    V = [[ c12 c13,                        s12 c13,                       s13 e^{-i delta}],
         [-s12 c23 - c12 s23 s13 e^{i d},  c12 c23 - s12 s23 s13 e^{i d},  s23 c13        ],
         [ s12 s23 - c12 c23 s13 e^{i d}, -c12 s23 - s12 c23 s13 e^{i d},  c23 c13        ]],

with the Wolfenstein parameters defined to all orders as in that review:

    s12 = lambda,   s23 = A lambda^2,
    s13 e^{i delta} = V_ub^* = A lambda^3 (rho-bar + i eta-bar) sqrt(1 - A^2 lambda^4)
                              / ( sqrt(1 - lambda^2) [1 - A^2 lambda^4 (rho-bar + i eta-bar)] ),

which makes rho-bar + i eta-bar = -V_ud V_ub^* / (V_cd V_cb^*) exactly and V unitary to machine
precision for any parameter values. Central values: the PDG 2024 global fit (nsifit.constants
CKM_LAMBDA, CKM_A, CKM_RHO_BAR, CKM_ETA_BAR).

Z' couplings in the mass basis
------------------------------
In the interaction (flavour) basis the U(1)' current is generation-diagonal:

    L = g_zp Z'_mu sum_k [ X_Q,k (ubar'_Lk g^mu u'_Lk + dbar'_Lk g^mu d'_Lk)
                           + X_u,k ubar'_Rk g^mu u'_Rk + X_d,k dbar'_Rk g^mu d'_Rk ],

one charge X_Q,k for both members of the doublet Q_k (SU(2)_L; a charge set that breaks SU(2)_L, allowed
only as an anomalous one, gives the up- and down-type left-handed quarks their own charges and each sector
is rotated with its own, `x_q_down`). The chiral charges come from the model's vector and axial charges,
X_L = X - X^A, X_R = X + X^A (`generation_charges`). The mass eigenstates are
u'_L = V_uL u_L, d'_L = V_dL d_L (and likewise for R), the columns of V_fL being the mass
eigenvectors; the W current ubar'_L g d'_L = ubar_L (V_uL^dag V_dL) g d_L defines

    V_CKM = V_uL^dag V_dL .

Rotating the Z' current, dbar'_L X d'_L = dbar_L (V_dL^dag X V_dL) d_L, so with the convention

    L = Z'_mu sum_ij qbar_i g^mu (g_L^{ij} P_L + g_R^{ij} P_R) q_j ,   P_L,R = (1 -+ g5)/2,

the couplings are g_L^d = g_zp V_dL^dag X_Q V_dL, g_L^u = g_zp V_uL^dag X_Q V_uL, i.e.

    (g_L^d)_ij = g_zp sum_k (V_dL)^*_ki X_Q,k (V_dL)_kj ,

hermitian matrices: the coefficient of dbar_j g d_i is the complex conjugate of that of dbar_i g d_j.
SU(2) ties the two sectors: g_L^u = V_CKM g_L^d V_CKM^dag whatever the alignment. Only V_CKM is
measured; how it splits between V_uL and V_dL is a model choice:

  alignment="down": V_uL = 1, V_dL = V_CKM (up-type Yukawas diagonal in the flavour basis).
      g_L^u = g_zp diag(X_Q);  (g_L^d)_ij = g_zp sum_{k=u,c,t} V_ki^* X_Q,k V_kj .
      For X_Q = (a, a, b):  g_L^d = g_zp [a 1 + (b - a) V_ti^* V_tj],
      e.g. the coefficient of sbar_L g b_L is g_zp (b - a) V_ts^* V_tb and that of sbar_L g d_L is
      g_zp (b - a) V_ts^* V_td.
  alignment="up": V_dL = 1, V_uL = V_CKM^dag.
      g_L^d = g_zp diag(X_Q);  (g_L^u)_ij = g_zp sum_{k=d,s,b} V_ik X_Q,k V_jk^*
      = g_zp [a 1 + (b - a) V_ib V_jb^*] for X_Q = (a, a, b): flavour change only among u, c, t
      (c -> u through V_cb V_ub^*, i.e. D -> pi Z'); K and B decays get no tree-level FCNC.

The right-handed rotations are taken trivial (V_uR = V_dR = 1), so g_R^u = g_zp diag(X_u),
g_R^d = g_zp diag(X_d). This is an assumption about the Yukawa textures, not a freedom: with
generation-dependent X_u or X_d a non-trivial V_R would give right-handed FCNCs as well.
Kinetic mixing adds e epsilon Q_f times the unit matrix to g_L and g_R, which no unitary rotation
changes (flavour-diagonal in every basis).

Vector and axial parts: g_L P_L + g_R P_R = (g_L + g_R)/2 + (g_R - g_L)/2 g5, so

    g_V = (g_L + g_R)/2,   g_A = (g_R - g_L)/2,   L = Z'_mu qbar_i g^mu (g_V^ij + g_A^ij g5) q_j .

A purely left-handed off-diagonal coupling has g_V^ij = g_L^ij / 2 = -g_A^ij.

Comparison with N. Bernal and Y. Farzan, arXiv:2211.15686, eqs. 36-37
------------------------------------------------------------------------
Their model (eq. 2) has X_Q = (-c/3, -c/3, -2(1-c)/3), vector-like (X_u = X_d = X_Q), so
b - a = -2(1-c)/3 + c/3 = (3c - 2)/3 and, in the down alignment they adopt,

    (g_L^d)_ij = g_zp (3c - 2)/3 V_ti^* V_tj   (i != j; coefficient of dbar_i g P_L d_j).

 * The charge factor (3c - 2)/3, its sign and the vanishing at c = 2/3 agree with their eq. 36.
 * Their eq. 36 writes V_ti V_tj^* for the operator dbar_i g P_L d_j: the complex conjugate of the
   rotation V^dag X V in the PDG convention V_CKM = V_uL^dag V_dL (it is V^T X V^*, the rotation
   of the opposite convention). The standard b -> s Hamiltonian multiplies sbar g P_L b by
   V_tb V_ts^*, as derived here. Moduli, CP-even rates and (Im g_sd)^2 (K_L -> pi0 Z') are
   unaffected; the sign of the CP-violating phase is flipped.
 * Normalisation: the rotation fixes the coupling completely (no factor 1/2 or pi). Integrating
   out the Z' (L_eff = -J.J/(2 m^2), cross term counted twice) gives, for g_mu = g_zp,
   H_eff = g_zp^2 (3c - 2)/(3 m_Z'^2) V_tb V_ts^* (sbar g P_L b)(mubar g mu). Eq. 36 has
   g_zp^2 pi/(2 m_Z'^2) in place of g_zp^2/m_Z'^2; its eq. 37 (C9 with pi/sqrt2) follows from
   eq. 36 only without the pi, i.e. from g_zp^2/(2 m_Z'^2): eqs. 36-37 carry a factor 1/2
   relative to this derivation (as nsifit/physics/flavour.py notes for C9), and eq. 36 a stray pi.

Approximations: tree level only. Loop-induced FCNC vertices (W exchange) are not included: for
generation-universal charges they are the only source, loop- and GIM-suppressed, and for a
conserved (vector-like, universal) current they take the conserved form ~ q^2 = m_Z'^2 (no 1/m_Z'^2
longitudinal enhancement, see meson_decays.py); for non-universal charges they are O(g^2/16 pi^2)
corrections to the tree-level couplings computed here. CKM uncertainties are not propagated (the
functions accept other Wolfenstein values).
"""

from dataclasses import dataclass

import numpy as np

from ..constants import (
    CKM_A,
    CKM_ETA_BAR,
    CKM_LAMBDA,
    CKM_RHO_BAR,
    E_CHARGE,
    ELECTRIC_CHARGE,
)

UP_QUARKS = ("u", "c", "t")
DOWN_QUARKS = ("d", "s", "b")
ALIGNMENTS = ("down", "up")


def ckm_matrix(lam=CKM_LAMBDA, a=CKM_A, rho_bar=CKM_RHO_BAR, eta_bar=CKM_ETA_BAR):
    """V_CKM from the Wolfenstein parameters with the exact PDG relations (module docstring).

    Scalars give a (3, 3) complex matrix; arrays of shape S broadcast to (*S, 3, 3).
    Rows are u, c, t and columns d, s, b.
    """
    lam, a, rho_bar, eta_bar = np.broadcast_arrays(*(np.asarray(x, float) for x in (lam, a, rho_bar, eta_bar)))
    s12 = lam
    s23 = a * lam ** 2
    rho_eta = rho_bar + 1j * eta_bar
    a2l4 = a ** 2 * lam ** 4
    w = a * lam ** 3 * rho_eta * np.sqrt(1 - a2l4) / (np.sqrt(1 - lam ** 2) * (1 - a2l4 * rho_eta))  # s13 e^{i delta}
    s13 = np.abs(w)
    c12, c23, c13 = np.sqrt(1 - s12 ** 2), np.sqrt(1 - s23 ** 2), np.sqrt(1 - s13 ** 2)
    v = np.empty(lam.shape + (3, 3), complex)
    v[..., 0, 0] = c12 * c13
    v[..., 0, 1] = s12 * c13
    v[..., 0, 2] = np.conj(w)
    v[..., 1, 0] = -s12 * c23 - c12 * s23 * w
    v[..., 1, 1] = c12 * c23 - s12 * s23 * w
    v[..., 1, 2] = s23 * c13
    v[..., 2, 0] = s12 * s23 - c12 * c23 * w
    v[..., 2, 1] = -c12 * s23 - s12 * c23 * w
    v[..., 2, 2] = c23 * c13
    return v


def left_rotations(alignment="down", ckm=None):
    """(V_uL, V_dL) with V_uL^dag V_dL = V_CKM for alignment 'down' (V_uL = 1) or 'up' (V_dL = 1)."""
    v = ckm_matrix() if ckm is None else np.asarray(ckm, complex)
    one = np.broadcast_to(np.eye(3, dtype=complex), v.shape)
    if alignment == "down":
        return one, v
    if alignment == "up":
        return np.conj(np.swapaxes(v, -1, -2)), one
    raise ValueError(f"unknown alignment '{alignment}'; valid: " + ", ".join(ALIGNMENTS))


@dataclass(frozen=True)
class QuarkCouplings:
    """Z' couplings to quarks in the mass basis, each (n, 3, 3) complex.

    L = Z'_mu sum_ij qbar_i g^mu (g_L^ij P_L + g_R^ij P_R) q_j; up-type indices (u, c, t),
    down-type (d, s, b). left_* are hermitian; right_* are diagonal (V_R = 1).
    """

    left_up: np.ndarray
    left_down: np.ndarray
    right_up: np.ndarray
    right_down: np.ndarray

    @property
    def vector_up(self):
        return (self.left_up + self.right_up) / 2

    @property
    def vector_down(self):
        """g_V^d = (g_L^d + g_R^d)/2: [i, j] multiplies dbar_i g^mu d_j (0 = d, 1 = s, 2 = b)."""
        return (self.left_down + self.right_down) / 2

    @property
    def axial_up(self):
        return (self.right_up - self.left_up) / 2

    @property
    def axial_down(self):
        """g_A^d = (g_R^d - g_L^d)/2: [i, j] multiplies dbar_i g^mu g5 d_j."""
        return (self.right_down - self.left_down) / 2


def _charges(x, n):
    x = np.asarray(x, float)
    if x.shape[-1:] != (3,) or x.ndim > 2:
        raise ValueError(f"generation charges must have shape (3,) or (n, 3), got {x.shape}")
    return np.broadcast_to(x, (n, 3))


def _diag(x):
    out = np.zeros(x.shape + (3,), complex)
    idx = np.arange(3)
    out[..., idx, idx] = x
    return out


def flavour_changing_couplings(x_q, x_u, x_d, g_zp, alignment="down", epsilon=0.0, ckm=None, x_q_down=None):
    """Mass-basis Z' couplings from generation charges (module docstring for the derivation).

    x_q:  charges X_Q,k of the left-handed doublets Q_1..3, shape (3,) or (n, 3).
    x_u, x_d: charges of u_R,k and d_R,k, shape (3,) or (n, 3).
    x_q_down: charges of the left-handed down-type quarks when they differ from the up-type ones (a U(1)' that
    does not commute with SU(2)_L, allowed only for anomalous charge sets); default x_q.
    g_zp: gauge coupling, scalar or (n,).  epsilon: kinetic mixing (adds e eps Q_f to g_L and g_R; may be
    complex, the on-shell loop mixing above a threshold: it sits on the diagonal only, so the
    flavour-changing elements, and Im g^sd of K_L -> pi0 Z', do not see it).
    alignment: 'down' (V_dL = V_CKM, FCNC among d, s, b) or 'up' (V_uL = V_CKM^dag, among u, c, t).
    ckm: optional CKM matrix, (3, 3) or (n, 3, 3); default PDG 2024.

    g_L^d = g_zp V_dL^dag X_Q V_dL + e eps Q_d 1,  g_L^u = g_zp V_uL^dag X_Q V_uL + e eps Q_u 1,
    g_R^f = g_zp diag(X_f) + e eps Q_f 1.  Returns QuarkCouplings with (n, 3, 3) arrays.
    """
    g_zp = np.atleast_1d(np.asarray(g_zp, float))
    eps = np.asarray(epsilon)
    eps = eps.astype(complex if np.iscomplexobj(eps) else float)
    x_q_down = x_q if x_q_down is None else x_q_down
    shapes = [np.shape(x)[:-1] for x in (x_q, x_u, x_d, x_q_down)]
    n = max([g_zp.shape[0]] + [s[0] for s in shapes if s] + [eps.size])
    g_zp = np.broadcast_to(g_zp, (n,))
    eps = np.broadcast_to(eps, (n,))
    xq_up, xu, xd, xq_down = (_charges(x, n) for x in (x_q, x_u, x_d, x_q_down))
    v_ul, v_dl = left_rotations(alignment, ckm)
    unit = np.eye(3)

    def rotate(v, xq):     # V^dag X V: (V^dag X V)_ij = sum_k V_ki^* x_k V_kj
        # V^dag (x_1 1) V = x_1 1 exactly: only X_Q - x_1 1 is rotated, so that generation-universal
        # charges give exactly diagonal couplings (no flavour change from rounding, ~1e-17 g_zp)
        x_1 = xq[:, 0][:, None, None]
        x_rel = xq - xq[:, :1]
        if v.ndim == 2:      # one matrix for all points: x (n, 3) times the projectors V_ki^* V_kj (3, 9)
            projectors = (np.conj(v)[:, :, None] * v[:, None, :]).reshape(3, 9)
            return (x_rel @ projectors.real + 1j * (x_rel @ projectors.imag)).reshape(n, 3, 3) + x_1 * unit
        v = np.broadcast_to(v, (n, 3, 3))
        return np.conj(np.swapaxes(v, -1, -2)) @ _diag(x_rel) @ v + x_1 * unit

    ee_u = (E_CHARGE * eps * ELECTRIC_CHARGE["u"])[:, None, None] * unit
    ee_d = (E_CHARGE * eps * ELECTRIC_CHARGE["d"])[:, None, None] * unit
    g = g_zp[:, None, None]
    return QuarkCouplings(left_up=g * rotate(v_ul, xq_up) + ee_u, left_down=g * rotate(v_dl, xq_down) + ee_d,
                          right_up=g * _diag(xu) + ee_u, right_down=g * _diag(xd) + ee_d)


def flavour_changing_left(x_q, g_zp, pairs, sector="down", alignment="down", ckm=None):
    """Off-diagonal left-handed couplings (g_L)_ij, i != j, of one sector without the full matrices.

    (g_L)_ij = g_zp sum_k V_ki^* (X_Q,k - X_Q,1) V_kj with V = V_dL (sector 'down') or V_uL ('up') of the
    alignment (flavour_changing_couplings; the universal part X_Q,1 1 and the kinetic mixing are diagonal
    and drop out). x_q: (3,) or (n, 3); g_zp: scalar or (n,); pairs: iterable of (i, j).
    Returns {(i, j): (n,) complex}; exactly zero where the sector's rotation is the unit matrix.
    """
    v_ul, v_dl = left_rotations(alignment, ckm)
    v = v_dl if sector == "down" else v_ul
    if v.ndim != 2:
        raise ValueError("flavour_changing_left takes one CKM matrix for all points")
    g_zp = np.atleast_1d(np.asarray(g_zp, float))
    x = np.asarray(x_q, float)
    n = max(g_zp.shape[0], x.shape[0] if x.ndim == 2 else 1)
    x_rel = _charges(x, n) - _charges(x, n)[:, :1]
    out = {}
    for i, j in pairs:
        if i == j:
            raise ValueError(f"pair ({i}, {j}) is diagonal")
        coeff = np.conj(v[:, i]) * v[:, j]                    # V_ki^* V_kj, k = 0..2
        out[(i, j)] = g_zp * (x_rel @ coeff.real + 1j * (x_rel @ coeff.imag))
    return out


def has_flavour_change(quark_couplings):
    """(n,) mask: True where any off-diagonal entry of g_L or g_R (up or down sector) is non-zero."""
    off = ~np.eye(3, dtype=bool)
    mats = (quark_couplings.left_up, quark_couplings.left_down, quark_couplings.right_up,
            quark_couplings.right_down)
    return np.any([np.any(np.abs(m[:, off]) > 0, axis=-1) for m in mats], axis=0)


def generation_charges(couplings):
    """Left- and right-handed quark charges per generation from an nsifit Couplings record:
    {'up_left', 'down_left', 'up_right', 'down_right'}, each (n, 3) in the order (u, c, t) / (d, s, b).

    X_L = X - X^A and X_R = X + X^A from the vector and axial charges (Couplings.chiral_charge). For a U(1)'
    that commutes with SU(2)_L, up_left = down_left = X_Q (the doublet charge).
    """
    def stack(quarks, hand):
        return np.stack([couplings.chiral_charge(q, hand) for q in quarks], axis=-1)
    return {"up_left": stack(UP_QUARKS, "L"), "down_left": stack(DOWN_QUARKS, "L"),
            "up_right": stack(UP_QUARKS, "R"), "down_right": stack(DOWN_QUARKS, "R")}


def quark_couplings_from(couplings, alignment="down", on_shell=True, ckm=None):
    """QuarkCouplings for an nsifit Couplings record (any chiral quark charges, the model's kinetic mixing).

    on_shell: kinetic mixing at q^2 = m_zp^2 (production of a real Z'), else at q^2 = 0.
    """
    x = generation_charges(couplings)
    eps = couplings.epsilon_on_shell if on_shell else couplings.epsilon
    return flavour_changing_couplings(x["up_left"], x["up_right"], x["down_right"], couplings.g_zp,
                                      alignment=alignment, epsilon=eps, ckm=ckm, x_q_down=x["down_left"])
