"""The general-charge Z': every model maps its parameters onto this record.

The Z' couples to a charged fermion f with the vector coupling (DESIGN.md sect. 2,
Bernal and Farzan eqs. 3-4)

    g_f(q^2) = e * epsilon(q^2) * Q_f + g_zp * X_f,

an axial coupling g_f^A = g_zp * X^A_f where the charges are chiral (L = Z'_mu fbar gamma^mu (g_f + g_f^A
gamma_5) f, X^A = (X_R - X_L)/2; kinetic mixing is vector-like), and to the left-handed neutrinos with the
3x3 flavour-basis matrix g_zp * X_nu.
Nucleon couplings are the coherent (valence) sums g_p = 2 g_u + g_d and
g_n = g_u + 2 g_d. All arrays have one entry per parameter point.
"""

from dataclasses import dataclass, field
from typing import Callable, Mapping, Optional

import numpy as np

from nsifit.constants import CHARGED_FERMIONS, E_CHARGE, ELECTRIC_CHARGE

NUCLEON_QUARKS = {"p": {"u": 2.0, "d": 1.0}, "n": {"u": 1.0, "d": 2.0}}


@dataclass(frozen=True)
class Couplings:
    """Vectorized Z' couplings for n parameter points.

    m_zp_mev, g_zp, epsilon:  shape (n,); epsilon is the kinetic mixing at q^2 = 0 (real).
    charges:        X_f, the vector charge (X_L + X_R)/2 of each charged fermion (scalars or (n,) arrays).
    axial_charges:  X^A_f = (X_R - X_L)/2 where the charges are chiral (absent: 0).
    nu_charges:     X_nu, the flavour-basis neutrino charge matrix, (3, 3) or (n, 3, 3).
    epsilon_of_q2:  epsilon as a function of (q2_mev2, couplings) when it runs
                    (loop-induced mixing); None when it is constant. It may return a complex
                    array: above a pair threshold the loop has an absorptive part.
    c_phi, m_phi_mev, lambda_phi_e: the scalar phi of Bernal and Farzan (c_phi = 0 and
                    m_phi = nan where there is no phi).
    quark_alignment: 'down' or 'up', which left-handed quark rotation carries the CKM
                    matrix (the model setting; nsifit.physics.quark_mixing). It decides
                    where generation-dependent quark charges change flavour.
    """

    m_zp_mev: np.ndarray
    g_zp: np.ndarray
    epsilon: np.ndarray
    charges: Mapping[str, object]
    nu_charges: np.ndarray
    epsilon_of_q2: Optional[Callable] = None
    c_phi: np.ndarray = None
    m_phi_mev: np.ndarray = None
    lambda_phi_e: np.ndarray = None
    quark_alignment: str = "down"
    axial_charges: Mapping[str, object] = field(default_factory=dict)
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        if self.c_phi is None:      # no phi sector: c_phi = 0, m_phi = nan, lambda = 0
            object.__setattr__(self, "c_phi", np.zeros(self.n))
            object.__setattr__(self, "m_phi_mev", np.full(self.n, np.nan))
            object.__setattr__(self, "lambda_phi_e", np.zeros(self.n))

    @property
    def n(self):
        return self.m_zp_mev.shape[0]

    @property
    def has_phi(self):
        """Boolean mask: points where the Z' -> phi phi* channel exists."""
        return np.isfinite(self.m_phi_mev) & (self.c_phi != 0)

    def epsilon_at(self, q2_mev2):
        """Kinetic mixing at momentum transfer q^2 [MeV^2] (timelike q^2 > 0); complex where the
        loop-induced mixing is above a pair threshold."""
        if self.epsilon_of_q2 is None:
            return self.epsilon
        return self.epsilon_of_q2(np.asarray(q2_mev2, dtype=float), self)

    @property
    def epsilon_on_shell(self):
        """Kinetic mixing at q^2 = m_zp^2: the one that produces and decays a real Z'.

        Complex for a running loop mixing (L_mu - L_tau: absorptive part above 2 m_mu); every
        on-shell rate then goes as |g_f|^2 (widths, recasts). Real for a constant epsilon.
        """
        if "eps_on_shell" not in self._cache:
            self._cache["eps_on_shell"] = self.epsilon_at(self.m_zp_mev ** 2)
        return self._cache["eps_on_shell"]

    def _cached(self, key, compute):
        """Per-record cache (one record = one batch of points): computed once, read-only after."""
        value = self._cache.get(key)
        if value is None:
            value = compute()
            if isinstance(value, np.ndarray):
                value.flags.writeable = False       # shared by every caller of this batch
            self._cache[key] = value
        return value

    def charge(self, fermion):
        """X_f as an (n,) array."""
        def compute():
            value = self.charges.get(fermion, 0.0)
            if np.ndim(value) == 0:
                return np.full(self.n, float(value))
            return np.broadcast_to(np.asarray(value, float), (self.n,))
        return self._cached(("charge", fermion), compute)

    def axial_charge(self, fermion):
        """X^A_f as an (n,) array (0 for vector-like charges)."""
        return np.broadcast_to(np.asarray(self.axial_charges.get(fermion, 0.0), float), (self.n,))

    def chiral_charge(self, fermion, hand):
        """X_L = X - X^A (hand 'L') or X_R = X + X^A ('R') of a charged fermion, (n,)."""
        sign = {"L": -1.0, "R": 1.0}[hand]
        return self.charge(fermion) + sign * self.axial_charge(fermion)

    @property
    def charged(self):
        """(n,) mask: points where some fermion carries a U(1)' charge (vector, axial or neutrino)."""
        out = np.zeros(self.n, bool)
        for x in list(self.charges.values()) + list(self.axial_charges.values()):
            out |= np.broadcast_to(np.asarray(x) != 0, (self.n,))
        nu = np.broadcast_to(self.nu_charges, (self.n, 3, 3))
        return out | np.any(nu != 0, axis=(-2, -1))

    @property
    def has_axial(self):
        """True when any charged fermion has an axial charge somewhere."""
        return any(np.any(np.asarray(x) != 0) for x in self.axial_charges.values())

    def axial(self, fermion):
        """Axial coupling g^A_f = g_zp X^A_f (the kinetic mixing is vector-like), (n,); 0 for nucleons (the
        axial nucleon current is spin-dependent: no coherent matter effect)."""
        if fermion in NUCLEON_QUARKS:
            return np.zeros(self.n)
        return self.g_zp * self.axial_charge(fermion)

    def vector(self, fermion, *, on_shell=False, epsilon=None):
        """Vector coupling g_f for f in e, mu, tau, u, d, s, c, b, t, p, n.

        Default: q^2 = 0 (scattering, matter; real). on_shell=True: q^2 = m_zp^2
        (production and decay; complex where epsilon_on_shell is, so rates use |g_f|^2).
        `epsilon` overrides the mixing (e.g. at another q^2).
        Without `epsilon` the value is computed once per record (batch) and cached read-only.
        """
        if epsilon is not None:
            return self._vector(fermion, on_shell, epsilon)
        return self._cached(("vector", fermion, on_shell), lambda: self._vector(fermion, on_shell, None))

    def _vector(self, fermion, on_shell, epsilon):
        if fermion in NUCLEON_QUARKS:
            return sum(k * self.vector(q, on_shell=on_shell, epsilon=epsilon)
                       for q, k in NUCLEON_QUARKS[fermion].items())
        if fermion not in CHARGED_FERMIONS:
            raise KeyError(f"no vector coupling for '{fermion}'; valid: "
                           + ", ".join(CHARGED_FERMIONS + tuple(NUCLEON_QUARKS)))
        if epsilon is None:
            epsilon = self.epsilon_on_shell if on_shell else self.epsilon
        return E_CHARGE * epsilon * ELECTRIC_CHARGE[fermion] + self.g_zp * self.charge(fermion)

    @property
    def g_nu(self):
        """Left-handed neutrino couplings g_zp * X_nu, flavour basis, shape (n, 3, 3) (cached)."""
        return self._cached("g_nu", lambda: self.g_zp[:, None, None] * np.broadcast_to(
            self.nu_charges, (self.n, 3, 3)))

    @property
    def g_nu_diagonal(self):
        """Diagonal of g_nu, shape (n, 3): the flavour-conserving couplings (cached)."""
        return self._cached("g_nu_diagonal", lambda: np.diagonal(self.g_nu, axis1=1, axis2=2).copy())

    @property
    def g_phi(self):
        """The Z'-phi coupling c_phi * g_zp (Bernal and Farzan eq. 22); 0 without phi."""
        return self.c_phi * self.g_zp
