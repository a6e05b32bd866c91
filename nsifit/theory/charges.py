"""The charge language of the `u1` model: U(1)' charges of the SM fermions from a config mapping.

Fields (Weyl fields of one generation each, before conjugation): the charged fermions f = e, mu, tau, u, c, t,
d, s, b in two chiralities f_L, f_R; the left-handed neutrinos nu_e, nu_mu, nu_tau; and, when
`right_handed_neutrinos` is on, the SM-singlet right-handed neutrinos nu_e_R, nu_mu_R, nu_tau_R.

A charges mapping is a linear combination of generators, each key a generator and each value its coefficient
(a number or an expression of parameters, nsifit.theory.polynomials):

  f          vector charge of one charged fermion (f_L and f_R both), e.g. mu: 1
  f_L, f_R   one chirality of it (a fermion takes either f or f_L/f_R, not both)
  nu_a       the left-handed neutrino nu_a (a = e, mu, tau); nu_a_R its right-handed partner
  B, B1..B3  baryon number (every quark field 1/3), of generation 1, 2, 3
  L, L_e, L_mu, L_tau  lepton number (charged leptons, nu_a and nu_a_R), of one flavour
  Y          hypercharge (Q_L 1/6, u_R 2/3, d_R -1/3, L_L -1/2, e_R -1, nu_R 0)
  Q          electric charge: x Q in the charges is a kinetic mixing fixed to e epsilon = x g_zp (constant in
             q^2; the photon's generator, kept out of the anomaly check), e.g. protophobic = {B: 1, Q: -1}

so {L_mu: 1, L_tau: -1}, {B: 1, L: -1} and {L_mu: 1, L_tau: 1, B1: -c, B2: -c, B3: "-2*(1-c)"} (Bernal & Farzan,
arXiv:2211.15686, eq. 2) read as written. Keys that name the same field add up.
"""

from dataclasses import dataclass
from fractions import Fraction

from nsifit.errors import ParameterError, unknown
from nsifit.theory.polynomials import ExpressionError, Poly, parse_expression

GENERATIONS = (("e", "nu_e", "u", "d"), ("mu", "nu_mu", "c", "s"), ("tau", "nu_tau", "t", "b"))
CHARGED_LEPTONS = ("e", "mu", "tau")
NEUTRINOS = ("nu_e", "nu_mu", "nu_tau")
UP_QUARKS = ("u", "c", "t")
DOWN_QUARKS = ("d", "s", "b")
QUARKS = UP_QUARKS + DOWN_QUARKS
CHARGED = CHARGED_LEPTONS + QUARKS
LEPTON_FLAVOURS = {"L_e": 0, "L_mu": 1, "L_tau": 2}
HYPERCHARGE_L = {"lepton": Fraction(-1, 2), "e_R": Fraction(-1), "quark": Fraction(1, 6),
                 "u_R": Fraction(2, 3), "d_R": Fraction(-1, 3)}
MAX_COEFFICIENT = 1e6
PHOTON = "Q"


def fields(right_handed_neutrinos=True):
    """Every Weyl field name: f_L, f_R of the charged fermions, nu_a, and nu_a_R when switched on."""
    out = [f"{f}_{h}" for f in CHARGED for h in "LR"] + list(NEUTRINOS)
    return tuple(out + ([f"{n}_R" for n in NEUTRINOS] if right_handed_neutrinos else []))


def _lepton_fields(i, rhn):
    lepton, nu = GENERATIONS[i][0], GENERATIONS[i][1]
    return [f"{lepton}_L", f"{lepton}_R", nu] + ([f"{nu}_R"] if rhn else [])


def _quark_fields(i):
    return [f"{q}_{h}" for q in GENERATIONS[i][2:] for h in "LR"]


def generators(right_handed_neutrinos=True):
    """{generator name: {field: Fraction}} for every key a charges mapping may use (Q aside)."""
    rhn = right_handed_neutrinos
    gens = {}
    for f in CHARGED:
        gens[f] = {f"{f}_L": Fraction(1), f"{f}_R": Fraction(1)}
        gens[f"{f}_L"] = {f"{f}_L": Fraction(1)}
        gens[f"{f}_R"] = {f"{f}_R": Fraction(1)}
    for nu in NEUTRINOS:
        gens[nu] = {nu: Fraction(1)}
        if rhn:
            gens[f"{nu}_R"] = {f"{nu}_R": Fraction(1)}
    third = Fraction(1, 3)
    for i in range(3):
        gens[f"B{i + 1}"] = {f: third for f in _quark_fields(i)}
    gens["B"] = {f: third for i in range(3) for f in _quark_fields(i)}
    for name, i in LEPTON_FLAVOURS.items():
        gens[name] = {f: Fraction(1) for f in _lepton_fields(i, rhn)}
    gens["L"] = {f: Fraction(1) for i in range(3) for f in _lepton_fields(i, rhn)}
    gens["Y"] = hypercharges(rhn)
    return gens


def hypercharges(right_handed_neutrinos=True):
    """Hypercharge of every field (Q = T3 + Y)."""
    y = {}
    for i in range(3):
        lepton, nu, up, down = GENERATIONS[i]
        y.update({f"{lepton}_L": HYPERCHARGE_L["lepton"], nu: HYPERCHARGE_L["lepton"],
                  f"{lepton}_R": HYPERCHARGE_L["e_R"], f"{up}_L": HYPERCHARGE_L["quark"],
                  f"{down}_L": HYPERCHARGE_L["quark"], f"{up}_R": HYPERCHARGE_L["u_R"],
                  f"{down}_R": HYPERCHARGE_L["d_R"]})
        if right_handed_neutrinos:
            y[f"{nu}_R"] = Fraction(0)
    return y


@dataclass(frozen=True)
class ChargeSet:
    """Parsed charges: a Poly per field, the photon (Q) coefficient and the parameters they use."""

    field_charges: dict
    photon: Poly
    right_handed_neutrinos: bool
    source: dict

    @property
    def parameters(self):
        names = set(self.photon.variables)
        for poly in self.field_charges.values():
            names.update(poly.variables)
        return tuple(sorted(names))

    def field(self, name):
        return self.field_charges.get(name, Poly())

    def left(self, f):
        """Charge of the left-handed field of f (f_L for a charged fermion, nu_a for a neutrino)."""
        return self.field(f if f in NEUTRINOS else f"{f}_L")

    def right(self, f):
        return self.field(f"{f}_R")

    def vector(self, f):
        """X_V = (X_L + X_R)/2 of a charged fermion (g_V = g_zp X_V + e eps Q_f)."""
        return (self.left(f) + self.right(f)).scaled(Fraction(1, 2))

    def axial(self, f):
        """X_A = (X_R - X_L)/2 of a charged fermion (L = Z' fbar g^mu (g_V + g_A g5) f, g_A = g_zp X_A)."""
        return (self.right(f) - self.left(f)).scaled(Fraction(1, 2))

    @property
    def chiral_fermions(self):
        """Charged fermions whose axial charge is not identically zero."""
        return tuple(f for f in CHARGED if not self.axial(f).is_zero())

    @property
    def is_zero(self):
        return self.photon.is_zero() and all(p.is_zero() for p in self.field_charges.values())

    def su2_violations(self):
        """[(doublet, upper field, lower field, X_upper, X_lower)] where the members of an SU(2)_L doublet
        carry different charges (a U(1)' that does not commute with SU(2)_L); the doublet is named by its
        charged lepton (e, mu, tau) or as Q1, Q2, Q3."""
        out = []
        for i, (lepton, nu, up, down) in enumerate(GENERATIONS):
            for name, a, b in ((lepton, nu, f"{lepton}_L"), (f"Q{i + 1}", f"{up}_L", f"{down}_L")):
                if not (self.field(a) - self.field(b)).is_zero():
                    out.append((name, a, b, self.field(a), self.field(b)))
        return out


def describe(source):
    """'{L_mu: 1, L_tau: -1}' for messages."""
    return "{" + ", ".join(f"{k}: {v}" for k, v in source.items()) + "}"


def parse_charges(mapping, right_handed_neutrinos=True, reserved=(), where="charges"):
    """A charges mapping -> ChargeSet; ParameterError with one line naming the bad key otherwise."""
    if not isinstance(mapping, dict):
        raise ParameterError(f"{where} must be a mapping of generators to charges, e.g. {{L_mu: 1, L_tau: -1}}, "
                             f"got {mapping!r}")
    gens = generators(right_handed_neutrinos)
    valid = list(gens) + [PHOTON]
    source, total, photon = {}, {}, Poly()
    for key, value in mapping.items():
        if not isinstance(key, str) or key not in valid:
            if isinstance(key, str) and key.endswith("_R") and key[:-2] in NEUTRINOS:
                raise ParameterError(f"{where}: '{key}' needs right_handed_neutrinos: true")
            raise ParameterError(f"{where}: " + unknown("fermion or generator", key, valid))
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ParameterError(f"{where}: charge of '{key}' must be a number or an expression of parameters "
                                 f"(e.g. '-2*(1-c)'), got {value!r}")
        try:
            poly = parse_expression(value, reserved)
        except ExpressionError as err:
            raise ParameterError(f"{where}: charge of '{key}': {err}") from None
        if poly.max_coefficient() > MAX_COEFFICIENT:
            raise ParameterError(f"{where}: charge of '{key}' has a coefficient beyond {MAX_COEFFICIENT:g} "
                                 "(normalise the charges and scale g_zp instead)")
        source[key] = value.strip() if isinstance(value, str) else value
        if key == PHOTON:
            photon = photon + poly
            continue
        for field, weight in gens[key].items():
            total[field] = total.get(field, Poly()) + poly.scaled(weight)
    for f in CHARGED:
        chiral = [k for k in (f"{f}_L", f"{f}_R") if k in mapping]
        if f in mapping and chiral:
            raise ParameterError(f"{where}: '{f}' is given both as a vector charge ('{f}') and chirally "
                                 f"('{chiral[0]}'); give either {f} or {f}_L/{f}_R")
    return ChargeSet({k: v for k, v in total.items()}, photon, bool(right_handed_neutrinos), source)
