"""The `u1` model: any U(1)' from the charges given in the config, with anomaly check and kinetic mixing.

    model: {name: u1, charges: {L_mu: 1, L_tau: -1}}                  # L_mu - L_tau, loop mixing
    model: {name: u1, charges: {B: 1, L: -1}, mixing: none}            # B - L without kinetic mixing
    model: {name: u1, charges: {L_mu: 1, L_tau: 1, B1: -c, B2: -c, B3: "-2*(1-c)"}, mixing: free}

The charges language is nsifit.theory.charges; the parameters are m_zp [MeV], g_zp, every parameter the charge
expressions use (e.g. c), epsilon (see `mixing`) and, with `phi: true`, the scalar phi of Bernal & Farzan
(c_phi, m_phi [MeV], lambda_phi_e). Settings (SETTINGS below): charges, mixing (loop | free | none),
mixing_scale_mev, phi, quark_alignment, right_handed_neutrinos, anomalies (check | allow).

Couplings (nsifit.theory.couplings): vector charges X = (X_L + X_R)/2 and axial charges X^A = (X_R - X_L)/2 of
e, mu, tau, u, c, t, d, s, b; X_nu = diag(X(nu_e), X(nu_mu), X(nu_tau)) for the left-handed neutrinos; the
kinetic mixing (mixing setting, plus e epsilon = x_Q g_zp for a Q term in the charges):
  loop  epsilon(q^2) from the loops of every charged fermion (nsifit.physics.mixing.epsilon_loop, vector
        charges only, complex above each 2 m_f), finite when sum_f N_c Q_f X_f = 0; otherwise it needs
        `mixing_scale_mev` (epsilon = 0 in MSbar at that scale) and is refused without it. A given `epsilon`
        parameter replaces the loop by that constant.
  free  epsilon is a parameter (or tan_eta = g_n/g_p where the Z' couples to neutrons, Bernal & Farzan eq. 11
        generalised: e epsilon = g_zp (X_n/tan_eta - X_p)).
  none  no kinetic mixing at any q^2 (the reference B - L of the searches; not loop-consistent where the loop
        diverges, a choice).
"""

import math
import warnings
from fractions import Fraction

import numpy as np

from nsifit.constants import COLOURS, E_CHARGE, ELECTRIC_CHARGE
from nsifit.errors import NsifitWarning, ParameterError
from nsifit.physics.mixing import epsilon_loop, loop_weights
from nsifit.physics.references import MODULES
from nsifit.theory import anomalies
from nsifit.theory.charges import CHARGED, NEUTRINOS, describe, parse_charges
from nsifit.theory.couplings import Couplings
from nsifit.theory.models.base import (
    EPSILON,
    G_ZP,
    M_ZP,
    QUARK_ALIGNMENT,
    Model,
    Parameter,
    Setting,
    phi_sector,
)
from nsifit.theory.polynomials import Poly

RESERVED = ("m_zp", "g_zp", "epsilon", "tan_eta", "c_phi", "m_phi", "lambda_phi_e")
MIXINGS = ("loop", "free", "none")
EXACT_CHARGE = {f: Fraction(round(3 * q), 3) for f, q in ELECTRIC_CHARGE.items()}    # Q_f in units of e


def _check_charges(where, value):
    if not isinstance(value, dict):
        raise ParameterError(f"{where} must be a mapping of fermions or generators to charges, e.g. "
                             f"{{L_mu: 1, L_tau: -1}}, got {value!r}")
    parse_charges(value, right_handed_neutrinos=True, reserved=RESERVED, where=where)   # syntax and names
    return {k: (v.strip() if isinstance(v, str) else v) for k, v in value.items()}


def _check_scale(where, value):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ParameterError(f"{where} must be a positive number [MeV] (or null), got {value!r}")
    return float(value)


CHARGES = Setting("charges", {}, "U(1)' charges: fermions (e, mu_L, nu_tau, b_R, ...) and generators (B, B1-3, L, "
                  "L_e/mu/tau, Y, Q) with numbers or expressions of parameters (nsifit.theory.charges)",
                  kind="custom", check=_check_charges)
MIXING = Setting("mixing", "loop", "kinetic mixing: loop (from the charged-fermion loops; an epsilon parameter "
                 "replaces it), free (epsilon or tan_eta a parameter) or none", choices=MIXINGS)
MIXING_SCALE = Setting("mixing_scale_mev", None, "scale [MeV] where the loop mixing vanishes (MSbar); needed "
                       "only where sum_f N_c Q_f X_f != 0", kind="custom", check=_check_scale)
PHI = Setting("phi", False, "add the scalar phi of Bernal & Farzan (parameters c_phi, m_phi, lambda_phi_e)",
              kind="bool")
RIGHT_HANDED = Setting("right_handed_neutrinos", True, "three SM-singlet nu_R (charged under L, L_a and "
                       "nu_a_R; anomaly sums only, taken heavier than m_zp/2)", kind="bool")
ANOMALIES = Setting("anomalies", "check", "check: refuse anomalous or SU(2)-breaking charges; allow: use them "
                    "with a warning", choices=("check", "allow"))
SETTINGS = (CHARGES, MIXING, MIXING_SCALE, PHI, QUARK_ALIGNMENT, RIGHT_HANDED, ANOMALIES)

C_PHI = Parameter("c_phi", "U(1) charge of the scalar phi (Bernal & Farzan eq. 22)", latex=r"c_\phi",
                  optional=True)
M_PHI = Parameter("m_phi", "mass of the scalar phi", unit="MeV", latex=r"m_\phi", positive=True, optional=True)
LAMBDA_PHI_E = Parameter("lambda_phi_e", "phi-electron Yukawa (Bernal & Farzan eq. 30); default gives "
                         "tau_phi ~ 1e-14 s", latex=r"\lambda_{\phi e}", positive=True, optional=True)
TAN_ETA = Parameter("tan_eta", "g_n/g_p at q^2 = 0; fixes epsilon (Bernal & Farzan eq. 11)", latex=r"\tan\eta")
LOOP_EPSILON = Parameter("epsilon", "kinetic mixing, constant in q^2; when given it replaces the loop-induced "
                         "mixing", latex=r"\epsilon", optional=True)
_WARNED = set()


class U1(Model):
    """Any U(1)' (module docstring). Presets subclass it with fixed settings (nsifit.theory.models.presets)."""

    name = "u1"
    description = "any U(1)': charges of the SM fermions from the config, anomaly check, loop or free mixing"
    reference = ("nsifit.theory.charges (language), nsifit.theory.anomalies (six conditions), "
                 "nsifit.physics.mixing.epsilon_loop (loop mixing)")
    references = MODULES["nsifit.physics.mixing"]     # BibTeX keys (data/references.bib): the loop mixing
    settings = SETTINGS
    required_settings = ("charges",)
    fixed_settings = {}          # presets: the u1 settings they fix
    fixed_parameters = {}        # presets: parameters with a fixed value (dark_photon: g_zp = 0)
    parameter_docs = {}          # presets: descriptions of the charge parameters

    def __init__(self, **settings):
        super().__init__(**settings)
        cfg = {s.name: s.default for s in SETTINGS}
        cfg.update(self.fixed_settings)
        cfg.update(self.setting_values)
        self.config = cfg
        where = f"model '{self.name}': charges"
        self.charge_set = parse_charges(cfg["charges"], cfg["right_handed_neutrinos"], RESERVED, where)
        self.anomaly = anomalies.anomaly_message(self.charge_set)
        if self.anomaly and cfg["anomalies"] != "allow":
            raise ParameterError(f"model '{self.name}': {self.anomaly}; give anomalies: allow to use them anyway")
        cs = self.charge_set
        self.vector_polys = {f: cs.vector(f) for f in CHARGED}
        self.axial_polys = {f: cs.axial(f) for f in cs.chiral_fermions}
        self.divergence = sum((self.vector_polys[f].scaled(COLOURS[f] * EXACT_CHARGE[f]) for f in CHARGED), Poly())
        neutron = self.vector_polys["u"] + self.vector_polys["d"].scaled(2)
        if cfg["mixing"] == "loop" and not self.divergence.is_zero() and cfg["mixing_scale_mev"] is None:
            raise ParameterError(
                f"model '{self.name}': the kinetic-mixing loop of charges {describe(cs.source)} diverges "
                f"(sum_f N_c Q_f X_f = {self.divergence}): give mixing_scale_mev (epsilon = 0 at that scale), "
                "mixing: free (epsilon a parameter) or mixing: none")
        self.parameters = self._parameters(cfg, neutron)
        self.alternatives = (("epsilon", "tan_eta"),) if cfg["mixing"] == "free" and not neutron.is_zero() else ()
        self.together = (("c_phi", "m_phi"),) if cfg["phi"] else ()

    # --- parameters ------------------------------------------------------------------------------
    def _parameters(self, cfg, neutron):
        params = [M_ZP] + ([G_ZP] if "g_zp" not in self.fixed_parameters else [])
        for name in self.charge_set.parameters:
            keys = [k for k, v in self.charge_set.source.items() if isinstance(v, str) and name in v]
            params.append(Parameter(name, self.parameter_docs.get(name, f"charge parameter (in {', '.join(keys)})"),
                                    latex=name))
        if cfg["mixing"] == "loop":
            params.append(LOOP_EPSILON)
        elif cfg["mixing"] == "free":
            params.append(EPSILON)
            if not neutron.is_zero():
                params.append(TAN_ETA)
        if cfg["phi"]:
            params += [C_PHI, M_PHI, LAMBDA_PHI_E]
        return tuple(params)

    @property
    def spec(self):
        return {"name": self.name, **self.setting_values} if self.settings else self.name

    def warn_anomalies(self):
        """Warn once per process what an allowed anomalous (or SU(2)-breaking) charge set means."""
        key = (self.name, repr(sorted(self.charge_set.source.items())), self.config["right_handed_neutrinos"])
        if self.anomaly and key not in _WARNED:
            _WARNED.add(key)
            warnings.warn(f"model '{self.name}': {self.anomaly}; used anyway (anomalies: allow): "
                          f"{anomalies.CONSEQUENCES}", NsifitWarning, stacklevel=3)

    @property
    def axial_fermions(self):
        """Charged fermions with an axial charge (chiral charges): the plugins that assume vector couplings
        to them say so (nsifit.plugins.base.Likelihood.not_applicable)."""
        return tuple(self.axial_polys)

    @property
    def broken_doublets(self):
        """SU(2)_L doublets whose members carry different charges (e, mu, tau, Q1-3); only with anomalies: allow."""
        return tuple(v[0] for v in self.charge_set.su2_violations())

    # --- couplings ---------------------------------------------------------------------------------
    def _derive(self, p):
        if self.config["phi"] and "lambda_phi_e" in p and "c_phi" not in p:
            raise ParameterError(f"model '{self.name}': parameter 'lambda_phi_e' needs c_phi and m_phi")
        if "tan_eta" in p:
            if np.any(p["tan_eta"] == 0):
                raise ParameterError("parameter 'tan_eta' must be non-zero (tan_eta = g_n/g_p; Bernal & Farzan "
                                     "eq. 11 divides by it)")
            g = p.get("g_zp", np.zeros_like(p["m_zp"]))
            values = self._values(p)
            x_u, x_d = (np.asarray(self.vector_polys[q].evaluate(values)) for q in ("u", "d"))
            if np.any(g * (x_u + 2 * x_d) == 0):
                raise ParameterError("parameter 'tan_eta' fixes epsilon only where the Z' couples to neutrons "
                                     "(g_zp X_n != 0; for mutau_baryon c != 0 and g_zp != 0); give epsilon instead")
            x_q = self.charge_set.photon.evaluate(values)
            eps_total = g * ((x_u + 2 * x_d) / p["tan_eta"] - (2 * x_u + x_d)) / E_CHARGE
            p = dict(p, epsilon=eps_total - x_q * g / E_CHARGE)
        return p

    def _values(self, p):
        return {name: p[name] for name in self.charge_set.parameters}

    def _couplings(self, p):
        m = p["m_zp"]
        g = p["g_zp"] if "g_zp" in p else np.full_like(m, self.fixed_parameters.get("g_zp", 0.0))
        values = self._values(p)
        charges = {f: poly.evaluate(values) for f, poly in self.vector_polys.items()}
        axial = {f: poly.evaluate(values) for f, poly in self.axial_polys.items()}
        nu = [self.charge_set.left(n).evaluate(values) for n in NEUTRINOS]
        if all(np.ndim(x) == 0 for x in nu):
            nu_charges = np.diag(np.asarray(nu, float))
        else:
            nu_charges = np.zeros((m.shape[0], 3, 3))
            for i, x in enumerate(nu):
                nu_charges[:, i, i] = x
        tied = self.charge_set.photon.evaluate(values) * g / E_CHARGE      # a Q term: e epsilon = x_Q g_zp
        mode, eps_of_q2 = self.config["mixing"], None
        if mode == "none":
            epsilon = np.zeros_like(m) + tied
        elif "epsilon" in p:
            epsilon = p["epsilon"] + tied
        else:
            weights = loop_weights({f: x for f, x in charges.items() if np.any(np.asarray(x) != 0)})
            scale = self.config["mixing_scale_mev"]
            epsilon = np.real(epsilon_loop(0.0, g, weights, scale, absorptive=False)) + tied
            if weights:
                def eps_of_q2(q2_mev2, couplings, weights=weights, scale=scale, tied=tied):
                    return epsilon_loop(q2_mev2, couplings.g_zp, weights, scale) + tied
        c_phi, m_phi, lam = phi_sector(p) if self.config["phi"] else (None, None, None)
        return Couplings(m_zp_mev=m, g_zp=g, epsilon=np.broadcast_to(epsilon, m.shape).astype(float),
                         charges=charges, nu_charges=nu_charges, epsilon_of_q2=eps_of_q2, c_phi=c_phi,
                         m_phi_mev=m_phi, lambda_phi_e=lam, quark_alignment=self.config["quark_alignment"],
                         axial_charges=axial)

    def info(self):
        out = super().info()
        out["charges"] = dict(self.charge_set.source)
        out["anomaly"] = anomalies.anomaly_summary(self.charge_set)
        return out

