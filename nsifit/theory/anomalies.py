"""Gauge and gravitational anomalies of a U(1)' with the SM fermions (+ right-handed neutrinos).

All fields written as left-handed Weyl fermions (a right-handed field enters as its conjugate, charges -X,
-Y); per generation Q_L (3, 2, 1/6), u_R^c (3bar, 1, -2/3), d_R^c (3bar, 1, 1/3), L_L (1, 2, -1/2),
e_R^c (1, 1, 1) and, optionally, nu_R^c (1, 1, 0). With X_Q, X_L the doublet charges and X_u, X_d, X_e, X_N the
right-handed ones, the six triangle conditions (sum over the left-handed Weyl fields of the group factors,
T(fund) = 1/2 for SU(3) and SU(2)), summed over the three generations, are

  SU(3)^2 U(1)'      sum (2 X_Q - X_u - X_d) / 2
  SU(2)^2 U(1)'      sum (3 X_Q + X_L) / 2
  U(1)_Y^2 U(1)'     sum (6 (1/6)^2 X_Q - 3 (2/3)^2 X_u - 3 (1/3)^2 X_d + 2 (1/2)^2 X_L - X_e)
  U(1)_Y U(1)'^2     sum (6 (1/6) X_Q^2 - 3 (2/3) X_u^2 + 3 (1/3) X_d^2 - 2 (1/2) X_L^2 + X_e^2)
  U(1)'^3            sum (6 X_Q^3 - 3 X_u^3 - 3 X_d^3 + 2 X_L^3 - X_e^3 - X_N^3)
  U(1)'-grav^2       sum (6 X_Q - 3 X_u - 3 X_d + 2 X_L - X_e - X_N)

(the Y^2 and Y forms are sum_Weyl Y^2 X and sum_Weyl Y X^2 with the multiplicities 6, 3, 3, 2, 1). They are
polynomials in the charge parameters (nsifit.theory.polynomials), checked symbolically: a set is anomaly free
when every coefficient vanishes, i.e. for every value of its parameters. The doublets must first carry one
charge each (X(u_L) = X(d_L), X(nu) = X(e_L)): otherwise the U(1)' does not commute with SU(2)_L and the
conditions above are not defined (`su2_violations`). The electric-charge part of the charges (generator Q) is a
kinetic mixing, not a U(1)' charge, and is left out.
"""

from fractions import Fraction

from nsifit.theory.charges import GENERATIONS, describe
from nsifit.theory.polynomials import Poly

CONDITIONS = ("SU(3)^2 U(1)'", "SU(2)^2 U(1)'", "U(1)_Y^2 U(1)'", "U(1)_Y U(1)'^2", "U(1)'^3", "U(1)'-grav^2")
TOLERANCE = Fraction(1, 10 ** 9)     # for charges given as decimals (0.333 for 1/3): relative to max |X|^k


def _generation_charges(charges, i):
    lepton, nu, up, down = GENERATIONS[i]
    x_q = charges.field(f"{up}_L")
    x_l = charges.field(nu)
    x_n = charges.field(f"{nu}_R") if charges.right_handed_neutrinos else Poly()
    return x_q, charges.field(f"{up}_R"), charges.field(f"{down}_R"), x_l, charges.field(f"{lepton}_R"), x_n


def conditions(charges):
    """{condition: Poly} for a ChargeSet with SU(2)-invariant doublet charges (the module docstring)."""
    f = Fraction
    out = {name: Poly() for name in CONDITIONS}
    for i in range(3):
        xq, xu, xd, xl, xe, xn = _generation_charges(charges, i)
        out["SU(3)^2 U(1)'"] += (2 * xq - xu - xd).scaled(f(1, 2))
        out["SU(2)^2 U(1)'"] += (3 * xq + xl).scaled(f(1, 2))
        out["U(1)_Y^2 U(1)'"] += (xq.scaled(f(1, 6)) - xu.scaled(f(4, 3)) - xd.scaled(f(1, 3)) + xl.scaled(f(1, 2))
                                  - xe)
        out["U(1)_Y U(1)'^2"] += xq * xq - (xu * xu).scaled(2) + xd * xd - xl * xl + xe * xe
        out["U(1)'^3"] += (6 * xq ** 3 - 3 * xu ** 3 - 3 * xd ** 3 + 2 * xl ** 3 - xe ** 3 - xn ** 3)
        out["U(1)'-grav^2"] += 6 * xq - 3 * xu - 3 * xd + 2 * xl - xe - xn
    return out


def _scale(charges):
    return max([p.max_coefficient() for p in charges.field_charges.values()] + [Fraction(1)])


def nonzero_conditions(charges):
    """{condition: Poly} of the conditions that do not vanish identically (decimal inputs within TOLERANCE)."""
    scale = _scale(charges)
    degree = {"U(1)_Y U(1)'^2": 2, "U(1)'^3": 3}
    return {name: poly for name, poly in conditions(charges).items()
            if not poly.is_zero(TOLERANCE * scale ** degree.get(name, 1))}


def anomaly_summary(charges):
    """'anomaly free', or which conditions do not vanish / which doublets are split (for nsifit info)."""
    broken = charges.su2_violations()
    if broken:
        return "breaks SU(2)_L: " + "; ".join(f"X({a}) = {xa}, X({b}) = {xb}" for _, a, b, xa, xb in broken)
    bad = nonzero_conditions(charges)
    rhn = "with" if charges.right_handed_neutrinos else "without"
    return (f"anomalous ({rhn} nu_R): " + ", ".join(f"{n} = {p}" for n, p in bad.items())) if bad else \
        f"anomaly free ({rhn} nu_R)"


def anomaly_message(charges):
    """One line naming what is wrong with `charges` (SU(2)-breaking doublets or non-zero anomalies), or ''."""
    rhn = "with" if charges.right_handed_neutrinos else "without"
    broken = charges.su2_violations()
    if broken:
        parts = [f"X({a}) = {xa} but X({b}) = {xb}" for _, a, b, xa, xb in broken]
        return (f"charges {describe(charges.source)} break SU(2)_L (the members of a doublet must carry one "
                f"charge): {'; '.join(parts)}")
    bad = nonzero_conditions(charges)
    if not bad:
        return ""
    which = ", ".join(f"{name} = {poly}" for name, poly in bad.items())
    return f"charges {describe(charges.source)} are anomalous ({rhn} right-handed neutrinos): {which}"


CONSEQUENCES = (
    "the U(1)' current is not conserved, so the theory needs new heavy fermions (or is an effective theory) and "
    "amplitudes with a longitudinal Z' grow as (energy/m_Z')^2: Wess-Zumino terms give Z -> gamma Z', "
    "K -> pi Z' and B -> K Z' at one loop enhanced by (weak scale/m_Z')^2 (Dror, Lasenby, Pospelov, PRL 119 (2017) "
    "141803, arXiv:1705.06726), which nsifit does not compute: its meson-decay plugins see only the tree-level "
    "flavour-changing couplings, so their bounds are conservative for this model; SU(2)-breaking charges also "
    "make W-emission processes (pi, K -> l nu Z') grow as (m/m_Z')^2 (the same authors, PRD 96 (2017) 075036, "
    "arXiv:1707.01503), which na62_kmunu does not include")
