"""Named observables: the one table that turns Couplings into the quantities plugins use.

Each entry is a small function of the couplings (and of other observables, through
the lazy per-batch cache `ObservableSet`), with its unit and a pointer to the
physics function that implements the equation. `reported` observables are the
derived quantities of `nsifit eval` (DESIGN.md sect. 2).
"""

from dataclasses import dataclass
from typing import Callable

import numpy as np

from nsifit.constants import (
    E_CHARGE,
    GAMMA_K_CHARGED_MEV,
    M_K_CHARGED_MEV,
    M_PI_CHARGED_MEV,
)
from nsifit.errors import NsifitError, unknown
from nsifit.physics import (
    astro,
    flavour,
    gm2,
    meson,
    meson_decays,
    nsi,
    phi_sector,
    quark_mixing,
    recast,
    trident,
    widths,
)


@dataclass(frozen=True)
class Observable:
    name: str
    func: Callable
    unit: str
    description: str
    reported: bool


REGISTRY = {}


def observable(name, description, unit="", reported=False):
    """Register `func(couplings, obs) -> array` under `name`."""
    def register(func):
        REGISTRY[name] = Observable(name, func, unit, description, reported)
        return func
    return register


class ObservableSet:
    """Observables for one batch of points, computed on first use and cached."""

    def __init__(self, couplings, params=None):
        self.couplings = couplings
        self.params = dict(params or {})
        self._values = {}
        self._memo = {}

    @property
    def n(self):
        return self.couplings.n

    def __getitem__(self, name):
        value = self._values.get(name)
        if value is not None:
            return value
        if name not in self._values:
            if name not in REGISTRY:
                raise NsifitError(unknown("observable", name, REGISTRY))
            value = REGISTRY[name].func(self.couplings, self)
            self._values[name] = np.broadcast_to(float(value), (self.n,)) if np.isscalar(value) else value
        return self._values[name]

    def memo(self, key, compute):
        """Per-batch cache for plugin-side quantities that loglike and derived share
        (a recast's P_missing, CEvNS ratios): compute() runs once per key and batch; plugins key
        by id(self), so two instances with different options never share an entry."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def reported(self):
        """Dict of the reported (derived) quantities that apply to this model."""
        names = [o.name for o in REGISTRY.values() if o.reported]
        if not tau_differs(self.couplings):
            names = [n for n in names if not n.endswith("_tautau")]
        return {name: self[name] for name in names}


def require(names):
    """Check observable names at start-up (NsifitError listing the valid ones)."""
    for name in names:
        if name not in REGISTRY:
            raise NsifitError(unknown("observable", name, REGISTRY))


def tau_differs(couplings):
    """True when the tau-tau NSI differ from the mu-mu ones (e.g. L_mu - L_tau)."""
    x = np.broadcast_to(couplings.nu_charges, (couplings.n, 3, 3))
    return bool(np.any(x[:, 1, 1] != x[:, 2, 2]))


# --- couplings -------------------------------------------------------------------------------
observable("epsilon", "kinetic mixing at q^2 = 0 (derived when tan_eta is given)", reported=True)(
    lambda c, o: c.epsilon)
observable("epsilon_on_shell", "kinetic mixing at q^2 = m_zp^2 (complex above a loop threshold)")(
    lambda c, o: c.epsilon_on_shell)
observable("g_mu", "Z' vector coupling to the muon, Bernal and Farzan eq. 19", reported=True)(
    lambda c, o: c.vector("mu"))
for _f in ("e", "u", "d", "p", "n"):
    observable(f"g_{_f}", f"Z' vector coupling to {_f} at q^2 = 0")(
        lambda c, o, f=_f: c.vector(f))
for _f in ("e", "mu", "u", "d", "p", "n"):
    observable(f"g_{_f}_on_shell", f"Z' vector coupling to {_f} at q^2 = m_zp^2 (complex where the loop "
               "mixing has an absorptive part: rates use |g|^2)")(
        lambda c, o, f=_f: c.vector(f, on_shell=True))
for _f in ("e", "mu"):
    observable(f"g_{_f}_axial", f"Z' axial coupling to {_f}, g_zp X^A (0 for vector-like charges)")(
        lambda c, o, f=_f: c.axial(f))
observable("g_nu", "Z' couplings to the left-handed neutrinos, (n, 3, 3) flavour basis")(lambda c, o: c.g_nu)
observable("g_nu_mumu", "Z' coupling to left-handed nu_mu (Bernal and Farzan eq. 32 bounds it)")(
    lambda c, o: c.g_nu[:, 1, 1])
observable("g_phi", "Z'-phi coupling c_phi g_zp, Bernal and Farzan eq. 22")(lambda c, o: c.g_phi)
observable("m_zp_mev", "Z' mass", unit="MeV")(lambda c, o: c.m_zp_mev)

# --- NSI (contact limit, global-fit convention unless _seed) ---------------------------------
_FLAVOUR_INDEX = {"mumu": 1, "tautau": 2}
for _f in ("e", "u", "d", "p", "n"):
    observable(f"nsi_per_g_nu_{_f}", f"eps^{_f}_ab / g_nu_ab in the contact limit (nsi.nsi_per_g_nu)")(
        lambda c, o, f=_f: nsi.nsi_per_g_nu(c.vector(f), c.m_zp_mev))
    for _ab, _i in _FLAVOUR_INDEX.items():
        _name = f"eps_{_f}" if _ab == "mumu" else f"eps_{_f}_{_ab}"
        observable(_name, f"NSI eps^{_f}_{_ab}, contact limit, global-fit convention (the diagonal "
                   "of nsi.nsi_matrix, without building the matrix)", reported=True)(
            lambda c, o, f=_f, i=_i: c.g_nu_diagonal[:, i] * o[f"nsi_per_g_nu_{f}"])
        observable(f"{_name}_seed", f"NSI eps^{_f}_{_ab} in Bernal and Farzan's convention (half)")(
            lambda c, o, n=_name: nsi.to_seed_convention(o[n]))
for _ab, _sfx in (("mumu", ""), ("tautau", "_tautau")):
    observable(f"eps_medium{_sfx}", f"eps^medium_{_ab} at the solar centre (N_n/N_p = 0.54), "
               "Bernal and Farzan eq. 13, global-fit convention", reported=True)(
        lambda c, o, s=_sfx: nsi.eps_medium(o[f"eps_e{s}"], o[f"eps_p{s}"], o[f"eps_n{s}"]))
    observable(f"eps_medium{_sfx}_seed", f"eps^medium_{_ab} in Bernal and Farzan's convention")(
        lambda c, o, s=_sfx: nsi.to_seed_convention(o[f"eps_medium{s}"]))
observable("tan_eta", "eps_n/eps_p = g_n/g_p, Bernal and Farzan eq. 11 (nan where both vanish)", reported=True)(
    lambda c, o: _ratio(c.vector("n"), c.vector("p")))


def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return num / den

# --- (g-2)_mu -----------------------------------------------------------------------------
observable("delta_a_mu", "one-loop Z' contribution to a_mu, vector plus axial (gm2.delta_a_lepton, "
           "gm2.delta_a_lepton_axial)", reported=True)(
    lambda c, o: gm2.delta_a_lepton(c.vector("mu"), c.m_zp_mev) + gm2.delta_a_lepton_axial(c.axial("mu"), c.m_zp_mev))

# --- neutrino trident ------------------------------------------------------------------------
# sigma(nu_mu N -> nu_mu N mu+ mu-)/sigma_SM with the Z' propagator (trident.trident_ratio: coherent
# EPA on the Helm form factor, one beam energy per experiment). Couplings: the left-handed nu_mu
# coupling g_nu_mumu and the full muon vector coupling g_mu = g_zp X_mu + e eps Q_mu at q^2 = 0 (the
# Z' is spacelike, q^2 = t <= 0; the loop mixing of L_mu - L_tau moves by < 1e-4 g_zp over the t range).
for _exp, _rep in (("ccfr", True), ("charm2", False)):
    observable(f"trident_ratio_{_exp}", f"neutrino trident sigma/sigma_SM at {_exp.upper()} "
               f"({trident.EXPERIMENTS[_exp].reference}; trident.trident_ratio)", reported=_rep)(
        lambda c, o, e=_exp: trident.trident_ratio(c.g_nu[:, 1, 1], c.vector("mu"), c.m_zp_mev, e))

# --- decays -------------------------------------------------------------------------------
observable("partial_widths", "dict of partial widths [MeV] (widths.partial_widths)")(
    lambda c, o: widths.partial_widths(c))
observable("branching_ratios", "dict of branching ratios (widths.branching_ratios)")(
    lambda c, o: widths.branching_ratios(o["partial_widths"]))
observable("gamma_total_mev", "total Z' width below 2 m_pi", unit="MeV", reported=True)(
    lambda c, o: sum(o["partial_widths"].values()))
for _ch in ("ee", "mumu", "tautau", "phiphi"):
    observable(f"br_{_ch}", f"Br(Z' -> {_ch})", reported=_ch in ("ee", "phiphi"))(
        lambda c, o, ch=_ch: o["branching_ratios"][ch])
observable("br_inv", "Br(Z' -> nu nu-bar), all flavours", reported=True)(
    lambda c, o: sum(o["branching_ratios"][ch] for ch in widths.INVISIBLE))
observable("ctau_cm", "Z' proper decay length c tau", unit="cm", reported=True)(
    lambda c, o: widths.ctau_cm(o["gamma_total_mev"]))
observable("zp_decay_length_30gev_cm", "Z' lab decay length at E = 30 GeV (Bernal and Farzan eq. 25)",
           unit="cm")(
    lambda c, o: widths.lab_decay_length_cm(o["gamma_total_mev"], c.m_zp_mev,
                                            phi_sector.SEED_REFERENCE_ENERGY_MEV))

# --- meson decays, flavour, astrophysics, phi sector -----------------------------------------
observable("pi0_epsilon_eff", "dark-photon epsilon with the same pi0 -> gamma Z' rate: g_p(m_zp^2)/e, "
           "an amplitude ratio (complex where the on-shell mixing is; rate ~ |.|^2) "
           "(meson.pi0_effective_epsilon)")(lambda c, o: meson.pi0_effective_epsilon(c))
observable("pi0_epsilon_eff_seed", "as pi0_epsilon_eff with Bernal and Farzan's (q_u^2 + q_d^2) combination")(
    lambda c, o: meson.pi0_effective_epsilon(c, "seed"))
observable("c9", "b -> s mu mu Wilson coefficient in the contact limit (flavour.c9_bsmumu)")(
    lambda c, o: flavour.c9_bsmumu(c.g_zp, c.chiral_charge("b", "L") - c.chiral_charge("d", "L"), c.m_zp_mev,
                                   g_mu=c.vector("mu")))
observable("c9_seed", "C9 as Bernal and Farzan eq. 37 prints it (its normalisation, g_mu = g_zp X_mu)")(
    lambda c, o: flavour.c9_bsmumu(c.g_zp, c.chiral_charge("b", "L") - c.chiral_charge("d", "L"), c.m_zp_mev,
                                   x_mu=c.charge("mu"), convention="seed"))
observable("white_dwarf_gev2", "Bernal & Farzan eq. 35 left-hand side for any charges: (1/3) sum|g_nu|^2 "
           "|g_e|/e / m^2 (astro.white_dwarf_quantity_general_gev2)", unit="GeV^-2")(
    lambda c, o: astro.white_dwarf_quantity_general_gev2(c.g_nu, c.vector("e"), c.m_zp_mev))
observable("g_phi_min_prompt", "c_phi g_zp needed for a 0.9 cm Z' decay length at 30 GeV, "
           "Bernal and Farzan eq. 26")(
    lambda c, o: phi_sector.min_g_phi_for_prompt_decay(c.m_zp_mev, c.m_phi_mev))
observable("phi_decay_length_30gev_cm", "phi -> ee lab decay length at 30 GeV (Bernal and Farzan eq. 25)",
           unit="cm")(
    lambda c, o: phi_sector.phi_decay_length_cm(c.lambda_phi_e, c.m_phi_mev,
                                                phi_sector.SEED_REFERENCE_ENERGY_MEV))
observable("lambda_portal", "portal coupling lambda of Bernal and Farzan eq. 31 (sin beta = 1e-3, "
           "m_Phi0 = 400 GeV)")(lambda c, o: phi_sector.lambda_portal(c.g_phi, c.m_zp_mev))
observable("m_phi_mev", "phi mass (nan without phi)", unit="MeV")(lambda c, o: c.m_phi_mev)

# --- full flavour matrices (contact limit, global-fit convention), for oscillation plugins ---------
for _f in ("e", "p", "n"):
    observable(f"nsi_matrix_{_f}", f"NSI matrix eps^{_f}_ab (n, 3, 3), contact limit, global-fit "
               "convention (nsi.nsi_matrix)")(
        lambda c, o, f=_f: c.g_nu * o[f"nsi_per_g_nu_{f}"][:, None, None])

# --- recasting dark-photon searches (nsifit.recast) -------------------------------------------
observable("pure_dark_photon", "True where the point is the searches' reference model: kinetic "
           "mixing only, g_zp = 0 and no phi (recast.pure_dark_photon)")(
    lambda c, o: recast.pure_dark_photon(c))
observable("electron_epsilon_eff", "dark-photon epsilon with the same e-brem / e+e- -> gamma Z' "
           "rate: g_e(q^2 = m_zp^2)/e, an amplitude ratio (complex where the on-shell mixing is; "
           "rate ~ |.|^2) (nsifit.recast)")(
    lambda c, o: c.vector("e", on_shell=True) / E_CHARGE)
observable("electron_epsilon_eff2", "squared dark-photon epsilon with the same electron-production rate, "
           "(|g_e(m_zp^2)|^2 + |g_e^A|^2)/e^2: vector and axial emission add for m_zp >> m_e (nsifit.recast)")(
    lambda c, o: (np.abs(c.vector("e", on_shell=True)) ** 2 + np.abs(c.axial("e")) ** 2) / E_CHARGE ** 2)
observable("g_mu_production2", "|g_mu(m_zp^2)|^2 + |g_mu^A|^2: the Z' emission rate off muons relative to a unit "
           "vector coupling (vector and axial add for m_zp >> m_mu; nsifit.recast)")(
    lambda c, o: np.abs(c.vector("mu", on_shell=True)) ** 2 + np.abs(c.axial("mu")) ** 2)
observable("gamma_phi_ee_mev", "phi -> e+ e- width (0 without phi)", unit="MeV")(
    lambda c, o: np.where(c.has_phi, widths.width_scalar_to_electrons(
        c.lambda_phi_e, np.where(c.has_phi, c.m_phi_mev, 1.0)), 0.0))


# === flavour: the light Z' in two-body meson decays (issue 11) ==================================
# Mass-basis quark couplings for the model's `quark_alignment` setting (physics/quark_mixing.py:
# tree level, V_R = 1), the widths and branching ratios of K -> pi Z', B -> K(*) Z', B -> pi Z'
# (physics/meson_decays.py: full massive-vector polarisation sum, FLAG / GKvD / BSZ form factors) and
# the Z' lifetime the displaced-vertex searches need. Branching ratios are Gamma/(Gamma_SM + the
# parent's Z' widths): the new channels add to the measured width (so Br <= 1; `k_pi_zp_width_ratio`
# is the bare Gamma/Gamma_K+). Generation-universal quark charges (dark_photon, b_minus_l, lmu_minus_ltau,
# mutau_baryon at c = 2/3) give exactly zero; so does alignment 'up' for the K and B modes.
# What the Z' does next (Br(inv) incl. phi phi*, Br(ee), Br(mumu), lab decay lengths) are the
# observables of the decays section; the plugins turn them into detector fractions with their geometry.
MESON_MODES = {"kplus_piplus": "K+ -> pi+ Z'", "klong_pizero": "K_L -> pi0 Z'", "kshort_pizero": "K_S -> pi0 Z'",
               "bplus_kplus": "B+ -> K+ Z'", "bzero_kzero": "B0 -> K0 Z'", "bplus_piplus": "B+ -> pi+ Z'",
               "bzero_kstarzero": "B0 -> K*0 Z'", "bplus_kstarplus": "B+ -> K*+ Z'"}

observable("quark_couplings", "Z' couplings to quarks in the mass basis, on shell, for the model's "
           "quark_alignment (quark_mixing.quark_couplings_from; QuarkCouplings of (n, 3, 3) matrices)")(
    lambda c, o: quark_mixing.quark_couplings_from(c, c.quark_alignment, on_shell=True))
_DOWN_PAIRS = {"sd": (1, 0), "bs": (2, 1), "bd": (2, 0)}
observable("g_left_fcnc_down", "dict sd/bs/bd -> off-diagonal left-handed coupling g_L^{ij} of the down sector, "
           "complex (quark_mixing.flavour_changing_left; equals quark_couplings' entries, without the matrices)")(
    lambda c, o: {k: v for k, v in zip(_DOWN_PAIRS, quark_mixing.flavour_changing_left(
        quark_mixing.generation_charges(c)["down_left"], c.g_zp, _DOWN_PAIRS.values(), "down",
        c.quark_alignment).values())})
for _pair, _what in (("sd", "s -> d (K -> pi)"), ("bs", "b -> s (B -> K)"), ("bd", "b -> d (B -> pi)")):
    observable(f"g_v_{_pair}", f"flavour-changing vector coupling g_V^{_pair} = g_L^{_pair}/2 (V_R = 1), "
               f"{_what}, complex")(lambda c, o, k=_pair: o["g_left_fcnc_down"][k] / 2)
observable("flavour_changing", "True where the Z' has tree-level flavour-changing quark couplings")(
    lambda c, o: quark_mixing.has_flavour_change(o["quark_couplings"]))
PARENT = {"kplus_piplus": "K+", "klong_pizero": "K_L", "kshort_pizero": "K_S", "bplus_kplus": "B+",
          "bplus_piplus": "B+", "bplus_kstarplus": "B+", "bzero_kzero": "B0", "bzero_kstarzero": "B0"}


def _parent_branching_ratios(c, o, parent):
    """Br_i = Gamma_i/(Gamma_SM + sum_j Gamma_j) for the Z' modes of one parent meson: the new channels add
    to its measured (SM) width. Widths from meson_decays.meson_widths; off-diagonal g_A = -g_L/2 = -g_V
    (left-handed flavour change, V_R = 1)."""
    modes = [m for m, p in PARENT.items() if p == parent]
    widths_ = meson_decays.meson_widths(c.m_zp_mev, o["g_v_sd"], o["g_v_bs"], o["g_v_bd"], -o["g_v_bs"], modes)
    ratios = {m: w / meson_decays.SM_WIDTHS_MEV[m] for m, w in widths_.items()}
    added = sum(ratios.values())
    return {m: r / (1.0 + added) for m, r in ratios.items()}


for _parent in sorted(set(PARENT.values())):
    observable(f"meson_branching_ratios_{_parent}", f"dict mode -> Br of the {_parent} decays to a Z': "
               "Gamma/(Gamma_SM + sum of its Z' widths) (meson_decays)")(
        lambda c, o, p=_parent: _parent_branching_ratios(c, o, p))
observable("meson_branching_ratios", "dict mode -> Br(meson -> meson' Z') = Gamma/(Gamma_SM + sum of the "
           "parent's Z' widths), every mode (meson_decays)")(
    lambda c, o: {m: o[f"meson_branching_ratios_{p}"][m] for m, p in PARENT.items()})
for _mode, _label in MESON_MODES.items():
    observable(f"br_{_mode}_zp", f"Br({_label}) = Gamma/(Gamma_SM + Gamma_Z' modes) (meson_decays)",
               reported=_mode in ("kplus_piplus", "bplus_kplus"))(
        lambda c, o, m=_mode: o[f"meson_branching_ratios_{PARENT[m]}"][m])
observable("k_pi_zp_width_ratio", "Gamma(K+ -> pi+ Z')/Gamma_K+ (PDG width): exceeds 1 where the "
           "K+ lifetime alone excludes the point", reported=True)(
    lambda c, o: meson_decays.width_p_to_p_vector(M_K_CHARGED_MEV, M_PI_CHARGED_MEV, c.m_zp_mev, o["g_v_sd"],
                                                  meson_decays.f_plus_k_pi(c.m_zp_mev ** 2)) / GAMMA_K_CHARGED_MEV)
observable("zp_lifetime_ps", "Z' proper lifetime hbar/Gamma_total", unit="ps")(
    lambda c, o: 1e12 * widths.lifetime_s(o["gamma_total_mev"]))
