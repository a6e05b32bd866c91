"""Named models: presets of `u1` (one code path), each a fixed charge set and fixed u1 settings.

`{name: u1, charges: <preset charges>, <preset settings>}` gives the same couplings, observables and
log-likelihoods as the preset (tests/test_u1_presets.py). Anomalies are checked with three right-handed
neutrinos (the default): B - L, B - 3 L_a and Bernal & Farzan's charges need them; L_a - L_b do not.
"""

from nsifit.physics.references import BERNAL_FARZAN, GNINENKO_GORBUNOV
from nsifit.theory.models.base import QUARK_ALIGNMENT
from nsifit.theory.models.u1 import U1


def preset(name, charges, description, reference, mixing="loop", settings=(), references=(), **fixed):
    """A U1 subclass fixing the charges and `fixed` settings; `settings` are the ones a user may still set;
    `references`: BibTeX keys of data/references.bib (none where no entry was verified, e.g. E. Ma's paper)."""
    attrs = {"name": name, "description": description, "reference": reference, "settings": tuple(settings),
             "references": tuple(references) + U1.references,
             "required_settings": (), "fixed_settings": {"charges": charges, "mixing": mixing, **fixed}}
    for key in ("fixed_parameters", "parameter_docs"):
        if key in fixed:
            attrs[key] = attrs["fixed_settings"].pop(key)
    return type(name.title().replace("_", ""), (U1,), attrs)


LOOP = ("kinetic mixing from the lepton loops at each q^2 (finite: the charges of the two flavours cancel in "
        "sum Q X), complex above the pair thresholds; a given epsilon replaces it")

MuTauBaryon = preset(
    "mutau_baryon", {"L_mu": 1, "L_tau": 1, "B1": "-c", "B2": "-c", "B3": "-2*(1-c)"},
    "U(1) of L_mu + L_tau - c(B1+B2) - 2(1-c)B3 with kinetic mixing; optional scalar phi",
    "N. Bernal and Y. Farzan, arXiv:2211.15686, eqs. 2-4, 22-23 (anomaly free with right-handed nu_mu, nu_tau)",
    mixing="free", settings=(QUARK_ALIGNMENT,), phi=True, references=(BERNAL_FARZAN,),
    parameter_docs={"c": "baryon-charge parameter of the first two generations (Bernal & Farzan eq. 2)"})
LmuMinusLtau = preset(
    "lmu_minus_ltau", {"L_mu": 1, "L_tau": -1},
    f"U(1) of L_mu - L_tau: X = +1 for mu, nu_mu and -1 for tau, nu_tau; {LOOP}",
    "S. Gninenko and D. Gorbunov, arXiv:2007.16098, eq. 1; loop mixing e g/(12 pi^2) ln(m_tau^2/m_mu^2) at "
    "q^2 = 0 (nsifit.physics.mixing)", references=(GNINENKO_GORBUNOV,))
LeMinusLmu = preset(
    "le_minus_lmu", {"L_e": 1, "L_mu": -1},
    f"U(1) of L_e - L_mu: X = +1 for e, nu_e and -1 for mu, nu_mu; {LOOP}",
    "one of the anomaly-free lepton-flavour differences L_a - L_b (e.g. E. Ma, arXiv:hep-ph/9709474, "
    "introduction); loop mixing e g/(6 pi^2) ln(m_mu/m_e) at q^2 = 0")
LeMinusLtau = preset(
    "le_minus_ltau", {"L_e": 1, "L_tau": -1},
    f"U(1) of L_e - L_tau: X = +1 for e, nu_e and -1 for tau, nu_tau; {LOOP}",
    "one of the anomaly-free lepton-flavour differences L_a - L_b (e.g. E. Ma, arXiv:hep-ph/9709474, "
    "introduction); loop mixing e g/(6 pi^2) ln(m_tau/m_e) at q^2 = 0")
DarkPhoton = preset(
    "dark_photon", {}, "dark photon: g_f = e epsilon Q_f, no neutrino coupling (reference model of the searches)",
    "Holdom, PLB 166 (1986) 196; the model the experiments publish limits for", mixing="free",
    references=("Holdom:1985ag",),
    fixed_parameters={"g_zp": 0.0})
BMinusL = preset(
    "b_minus_l", {"B": 1, "L": -1},
    "gauged B-L: X = 1/3 for quarks, -1 for leptons and neutrinos; no kinetic mixing",
    "reference model of NA64 (PRL 123 (2019) 121801) and Bernal & Farzan sect. 3; anomaly free with three nu_R",
    mixing="none", references=("NA64:2019imj", BERNAL_FARZAN))
BMinus3Ltau = preset(
    "b_minus_3ltau", {"B": 1, "L_tau": -3},
    "gauged B - 3 L_tau: X = 1/3 for quarks, -3 for tau, nu_tau; no kinetic mixing",
    "E. Ma, \"Gauged B - 3 L_tau and radiative neutrino masses\", arXiv:hep-ph/9709474: anomaly free "
    "with a right-handed nu_tau", mixing="none")
BMinus3Lmu = preset(
    "b_minus_3lmu", {"B": 1, "L_mu": -3},
    "gauged B - 3 L_mu: X = 1/3 for quarks, -3 for mu, nu_mu; no kinetic mixing",
    "the B - 3 L_a family of E. Ma, arXiv:hep-ph/9709474 with a = mu; anomaly free with a right-handed "
    "nu_mu", mixing="none")
Protophobic = preset(
    "protophobic", {"B": 1, "Q": -1},
    "protophobic vector: U(1)_B with the kinetic mixing fixed at e epsilon = -g_zp, so g_f = g_zp (B_f - Q_f): "
    "u-type -1/3, d-type 2/3, charged leptons +1, neutrinos 0; g_p = 0, g_n = g_zp",
    "J. L. Feng et al., PRL 117 (2016) 071803, arXiv:1604.07411 (protophobic: eps_p = 2 eps_u + eps_d = 0); "
    "this charge set is the U(1)_B completion with kinetic mixing of Feng et al., \"Particle physics models "
    "for the 17 MeV anomaly in beryllium nuclear decays\", arXiv:1608.03591, whose new fermions cancel the "
    "U(1)_B anomalies (not in nsifit: anomalies allowed)",
    mixing="none", anomalies="allow", references=("Feng2016:1604.07411",))

PRESETS = (MuTauBaryon, LmuMinusLtau, DarkPhoton, BMinusL, LeMinusLmu, LeMinusLtau, BMinus3Ltau, BMinus3Lmu,
           Protophobic)
