"""The u1 charge language: generators, expressions (parsed safely), validation with one-line errors,
anomaly conditions (vanish for every preset, fail for L_mu alone), and the model built from the charges."""

import math
from fractions import Fraction

import numpy as np
import pytest

import nsifit
from nsifit.errors import NsifitWarning, ParameterError
from nsifit.theory import anomalies
from nsifit.theory.charges import CHARGED, fields, hypercharges, parse_charges
from nsifit.theory.models import MODELS, available_models, get_model
from nsifit.theory.models.presets import PRESETS
from nsifit.theory.polynomials import ExpressionError, Poly, parse_expression


# --- expressions ----------------------------------------------------------------------------------
def test_expressions_are_exact_polynomials():
    assert parse_expression("-2*(1-c)") == Poly.const(-2) + Poly.var("c").scaled(2)
    assert parse_expression("1/3").constant == Fraction(1, 3)
    assert parse_expression("0.1").constant == Fraction(1, 10)
    assert parse_expression(0.1).constant == Fraction(1, 10)          # YAML floats through their decimal form
    p = parse_expression("(c - 1)**2 / 2 + x")
    assert p.variables == ("c", "x")
    np.testing.assert_allclose(p.evaluate({"c": np.array([0.0, 3.0]), "x": 1.0}), [1.5, 3.0])
    assert str(parse_expression("-c/3")) == "-1/3*c"


@pytest.mark.parametrize("text, fragment", [
    ("__import__('os').system('true')", "only numbers, parameter names"),
    ("c.real", "only numbers, parameter names"),
    ("abs(c)", "only numbers, parameter names"),
    ("1/c", "divides by a parameter"),
    ("c**c", "powers must be integers"),
    ("c**0.5", "powers must be integers"),
    ("c**11", "powers must be integers"),
    ("2*(1-c", "cannot read"),
    ("1/0", "divides by zero"),
    ("m_zp*2", "parameter of the model itself"),
    ("'a'", "is not a number"),
    ("x" * 201, "longer than"),
])
def test_unsafe_or_non_polynomial_expressions_are_refused(text, fragment):
    with pytest.raises(ExpressionError) as err:
        parse_expression(text, reserved=("m_zp",))
    assert fragment in str(err.value) and "\n" not in str(err.value)


# --- the charge language --------------------------------------------------------------------------
def test_generators_give_the_field_charges():
    cs = parse_charges({"B": 1, "L": -1})
    for f in fields(True):
        expected = Fraction(1, 3) if f.split("_")[0] in "udcstb" else Fraction(-1)
        assert cs.field(f) == expected, f
    cs = parse_charges({"L_mu": 1, "L_tau": 1, "B1": "-c", "B2": "-c", "B3": "-2*(1-c)"})
    assert cs.vector("u") == Poly.var("c").scaled(Fraction(-1, 3)) and cs.vector("e") == 0
    assert cs.vector("b") == parse_expression("-2*(1-c)/3") and cs.left("nu_mu") == 1
    assert cs.parameters == ("c",) and cs.chiral_fermions == ()
    chiral = parse_charges({"e_R": 1, "mu_L": 2, "nu_mu": 2})
    assert chiral.vector("e") == Fraction(1, 2) and chiral.axial("e") == Fraction(1, 2)
    assert chiral.axial("mu") == -1 and chiral.chiral_fermions == ("e", "mu")


def test_hypercharge_generator_is_anomaly_free_and_chiral():
    cs = parse_charges({"Y": 1})
    assert cs.field("u_R") == Fraction(2, 3) and cs.field("e_L") == Fraction(-1, 2)
    assert anomalies.nonzero_conditions(cs) == {}
    assert set(cs.chiral_fermions) == set(CHARGED)
    t3 = {"e": Fraction(-1, 2), "u": Fraction(1, 2), "d": Fraction(-1, 2)}
    for f, q in (("e", -1), ("u", Fraction(2, 3)), ("d", Fraction(-1, 3))):     # Q = T3 + Y
        assert cs.right(f) == q and cs.left(f) + t3[f] == q
    assert hypercharges(False)["nu_mu"] == Fraction(-1, 2) and "nu_mu_R" not in hypercharges(False)


@pytest.mark.parametrize("charges, fragment", [
    ({"nu_muon": 1}, "unknown fermion or generator 'nu_muon' (did you mean 'nu_mu'?)"),
    ({"L_mu": "1 +"}, "charge of 'L_mu': cannot read '1 +'"),
    ({"L_mu": [1, 2]}, "charge of 'L_mu' must be a number or an expression"),
    ({"L_mu": True}, "charge of 'L_mu' must be a number"),
    ({"L_mu": None}, "charge of 'L_mu' must be a number"),
    ({"mu": 1, "mu_L": 1, "nu_mu": 1}, "'mu' is given both as a vector charge ('mu') and chirally ('mu_L')"),
    ({"L_mu": float("nan")}, "not a finite number"),
    ({"L_mu": 1e7}, "coefficient beyond"),
    ([1, 2], "must be a mapping"),
])
def test_bad_charges_are_one_line_errors(charges, fragment):
    with pytest.raises(ParameterError) as err:
        get_model({"name": "u1", "charges": charges})
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_u1_needs_charges_and_right_handed_neutrino_keys_need_them_on():
    with pytest.raises(ParameterError, match="model 'u1' needs 'charges'"):
        get_model("u1")
    with pytest.raises(ParameterError, match="'nu_mu_R' needs right_handed_neutrinos: true"):
        get_model({"name": "u1", "charges": {"L_mu": 1, "L_tau": -1, "nu_mu_R": 1},
                   "right_handed_neutrinos": False})


# --- anomalies ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", PRESETS, ids=lambda c: c.name)
def test_anomaly_conditions_vanish_for_every_preset_but_protophobic(cls):
    model = MODELS[cls.name]
    bad = anomalies.nonzero_conditions(model.charge_set)
    if cls.name == "protophobic":     # U(1)_B: cancelled by Feng et al.'s new fermions, which nsifit lacks
        assert {k: str(v) for k, v in bad.items()} == {"SU(2)^2 U(1)'": "3/2", "U(1)_Y^2 U(1)'": "-3/2"}
        assert model.config["anomalies"] == "allow"
    else:
        assert bad == {} and model.charge_set.su2_violations() == []


def test_bernal_farzan_charges_are_anomaly_free_for_every_c_only_with_right_handed_neutrinos():
    charges = {"L_mu": 1, "L_tau": 1, "B1": "-c", "B2": "-c", "B3": "-2*(1-c)"}
    assert anomalies.nonzero_conditions(parse_charges(charges, True)) == {}
    bad = anomalies.nonzero_conditions(parse_charges(charges, False))
    assert {k: str(v) for k, v in bad.items()} == {"U(1)'^3": "2", "U(1)'-grav^2": "2"}


def test_lmu_alone_fails_and_is_refused_with_the_conditions_named():
    bad = anomalies.nonzero_conditions(parse_charges({"L_mu": 1}))
    assert set(bad) == {"SU(2)^2 U(1)'", "U(1)_Y^2 U(1)'"}
    with pytest.raises(ParameterError) as err:
        get_model({"name": "u1", "charges": {"L_mu": 1}})
    text = str(err.value)
    assert "\n" not in text and "anomalous" in text and "SU(2)^2 U(1)' = 1/2" in text
    assert "U(1)_Y^2 U(1)' = -1/2" in text and "anomalies: allow" in text


def test_parameter_dependent_anomalies_are_checked_symbolically():
    bad = anomalies.nonzero_conditions(parse_charges({"L_mu": 1, "L_tau": -1, "B1": "c", "B2": "-c", "B3": "c"}))
    assert {k: str(v) for k, v in bad.items()} == {"SU(2)^2 U(1)'": "1/2*c", "U(1)_Y^2 U(1)'": "-1/2*c"}


def test_decimal_charges_within_tolerance_count_as_anomaly_free():
    assert anomalies.nonzero_conditions(parse_charges({"B": 0.3333333333333, "L": -0.3333333333333})) == {}


def test_su2_breaking_charges_are_refused_or_warned_once():
    with pytest.raises(ParameterError, match=r"break SU\(2\)_L.*X\(nu_mu\) = 0 but X\(mu_L\) = 1"):
        get_model({"name": "u1", "charges": {"mu": 1}})
    spec = {"name": "u1", "charges": {"mu": 1, "tau": -1}, "anomalies": "allow"}
    with pytest.warns(NsifitWarning, match="not conserved") as record:
        get_model(spec)
        get_model(spec)                       # once per process
    assert len(record) == 1
    assert set(get_model(spec).broken_doublets) == {"mu", "tau"}


def test_protophobic_couples_to_neutrons_and_electrons_not_protons():
    out = nsifit.evaluate("protophobic", m_zp=17.0, g_zp=1e-3, likelihoods=[])
    cpl = get_model("protophobic").couplings(get_model("protophobic").resolve(dict(m_zp=17.0, g_zp=1e-3)))
    assert abs(cpl.vector("p")[0]) < 1e-18 and cpl.vector("n")[0] == pytest.approx(1e-3)
    assert cpl.vector("u")[0] == pytest.approx(-1e-3 / 3) and cpl.vector("d")[0] == pytest.approx(2e-3 / 3)
    assert cpl.vector("e")[0] == pytest.approx(1e-3) and np.all(cpl.g_nu == 0)
    assert out["derived"]["epsilon"] == pytest.approx(-1e-3 / math.sqrt(4 * math.pi / 137.035999177))


def test_charge_parameters_become_model_parameters():
    model = get_model({"name": "u1", "charges": {"L_mu": 1, "L_tau": 1, "B1": "-c", "B2": "-c", "B3": "-2*(1-c)"},
                       "mixing": "free"})
    assert model.parameter_names == ("m_zp", "g_zp", "c", "epsilon", "tan_eta")
    assert model.alternatives == (("epsilon", "tan_eta"),)
    with pytest.raises(ParameterError, match="parameter 'c' is missing"):
        nsifit.evaluate(model, m_zp=10, g_zp=1e-4, epsilon=0.0, likelihoods=[])
    res = nsifit.evaluate(model, m_zp=10, g_zp=1e-4, epsilon=0.0, c=[-0.1, 2 / 3], likelihoods=["k_to_pi_zp"])
    assert res["loglike"]["k_to_pi_zp"][0] < -1e3 and res["loglike"]["k_to_pi_zp"][1] == pytest.approx(0, abs=1e-6)


def test_presets_and_entry_point_models_are_listed():
    names = available_models()
    for name in ("u1", "le_minus_lmu", "le_minus_ltau", "b_minus_3ltau", "b_minus_3lmu", "protophobic"):
        assert name in names
