"""Chiral charges in the physics (axial g-2, widths, nu-e scattering), which plugins apply to which charges
(one-line reasons), the entry-point group `nsifit.models`, and u1 through eval / run / profile / bounds."""

import json
import math
import sys
import warnings

import numpy as np
import pytest
from cli_helpers import run_cli
from plugin_site import write_distribution
from scipy.integrate import quad

import nsifit
from nsifit import api
from nsifit.bounds.compute import compute
from nsifit.bounds.config import load_bounds_config
from nsifit.constants import M_E_MEV, M_MU_MEV
from nsifit.errors import ConfigError, NsifitWarning
from nsifit.inference.config import load_config
from nsifit.physics import electron_scattering as es
from nsifit.physics import gm2, widths
from nsifit.plugins import registry
from nsifit.theory import models as model_registry
from nsifit.theory.models import get_model

CHIRAL = {"name": "u1", "charges": {"mu_R": 1, "tau_R": -1, "u_R": 1, "c_R": -1}, "anomalies": "allow"}


# --- physics of axial couplings ----------------------------------------------------------------------
@pytest.mark.parametrize("r", [1e-5, 0.02, 0.7, 1.0, 4.0, 90.0, 3e3])
def test_axial_g2_integral_matches_quadrature(r):
    def integrand(x):
        return (x * (1 - x) * (x - 4) - 2 * x ** 3 / r ** 2) / (x ** 2 + (1 - x) * r ** 2)
    direct = quad(integrand, 0, 1, points=[min(r, 0.5)], epsabs=0, epsrel=1e-12, limit=400)[0]
    assert gm2.axial_loop_integral(r) == pytest.approx(direct, rel=1e-9)


def test_axial_g2_limits_heavy_and_goldstone():
    """Heavy: -5 g_A^2 m^2/(12 pi^2 M^2) (the axial part of the SM Z contribution); light: the longitudinal mode
    as a pseudoscalar of coupling y = 2 m g_A/M, Delta a = -(y^2/8 pi^2) int x^3/x^2 = -g_A^2 m^2/(4 pi^2 M^2)."""
    g = 1e-3
    heavy = gm2.delta_a_lepton_axial(g, 1e5 * M_MU_MEV)
    assert heavy == pytest.approx(-5 * g ** 2 / (12 * math.pi ** 2 * 1e10), rel=1e-6)
    light = gm2.delta_a_lepton_axial(g, 1e-6 * M_MU_MEV)
    assert light == pytest.approx(-g ** 2 / (4 * math.pi ** 2 * 1e-12), rel=1e-5)
    assert gm2.delta_a_lepton_axial(0.0, 10.0) == 0.0


def test_axial_width_beta_cubed_and_no_vector_axial_interference():
    m, mf, g = 300.0, M_MU_MEV, 2e-4
    beta = math.sqrt(1 - 4 * mf ** 2 / m ** 2)
    axial = widths.width_vector_to_fermions(0.0, m, mf, g_axial=g)
    assert axial == pytest.approx(g ** 2 * m / (12 * math.pi) * beta ** 3, rel=1e-13)
    vector = widths.width_vector_to_fermions(g, m, mf)
    assert widths.width_vector_to_fermions(g, m, mf, g_axial=g) == pytest.approx(vector + axial, rel=1e-13)
    # massless limit: a purely right-handed coupling g_R = 2 g gives |g_R|^2 m/(24 pi)
    assert widths.width_vector_to_fermions(g, m, 1e-9, g_axial=g) == pytest.approx((2 * g) ** 2 * m / (24 * math.pi),
                                                                                 rel=1e-12)


def test_chiral_electron_scattering_splits_left_and_right():
    """g_L = g_e - g_A shifts G_L, g_R = g_e + g_A shifts G_R. In the interference-dominated regime (tiny
    couplings) the shift is linear in (g_L, g_R): a vector coupling is the mean of a left-only and a
    right-only coupling of twice the size, and the two chiralities give different shifts (different T shapes)."""
    rho = es.flavour_state(0)
    g_nu = np.zeros((1, 3, 3))
    g_nu[0, 0, 0] = 1e-8
    kw = dict(rho=rho, e_nu_mev=0.862, t_min_mev=0.25, t_max_mev=0.665, m_zp_mev=np.array([5.0]), g_nu=g_nu)
    g = np.array([1e-8])
    sm = es.sigma_sm_cm2(rho, 0.862, 0.25, 0.665)
    right = es.sigma_cm2(g_e=g, g_e_axial=g, **kw)[0] - sm
    left = es.sigma_cm2(g_e=g, g_e_axial=-g, **kw)[0] - sm
    vector = es.sigma_cm2(g_e=g, **kw)[0] - sm
    assert vector == pytest.approx((left + right) / 2, rel=1e-6)
    assert abs(left - right) > 0.1 * abs(vector)


def test_chiral_model_couplings_and_observables():
    mdl = get_model(CHIRAL)
    assert set(mdl.axial_fermions) == {"mu", "tau", "u", "c"}
    cpl = mdl.couplings(mdl.resolve(dict(m_zp=50.0, g_zp=1e-4)))
    np.testing.assert_allclose(cpl.axial("mu"), 0.5e-4)
    np.testing.assert_allclose(cpl.chiral_charge("mu", "L"), 0.0, atol=1e-15)
    np.testing.assert_allclose(cpl.chiral_charge("mu", "R"), 1.0)
    out = nsifit.evaluate(CHIRAL, m_zp=50.0, g_zp=1e-4, likelihoods=["gm2_mu"])
    expected = gm2.delta_a_lepton(cpl.vector("mu"), 50.0) + gm2.delta_a_lepton_axial(0.5e-4, 50.0)
    assert out["derived"]["delta_a_mu"] == pytest.approx(expected[0], rel=1e-12)
    assert gm2.delta_a_lepton_axial(0.5e-4, 50.0) < -0.5 * gm2.delta_a_lepton(cpl.vector("mu"), 50.0)[0]


# --- which plugins apply --------------------------------------------------------------------------------
def test_plugins_that_do_not_apply_say_why_in_one_line():
    mdl = get_model(CHIRAL)
    reasons = {n: registry.get_plugin_class(n).not_applicable(mdl) for n in registry.registry()}
    refused = {n for n, r in reasons.items() if r}
    assert refused == {"na48_2", "ccfr_trident"}
    for n in refused:
        assert "\n" not in reasons[n] and f"likelihood '{n}' does not apply to model 'u1'" in reasons[n]
    split = get_model({"name": "u1", "charges": {"mu": 1, "tau": -1}, "anomalies": "allow"})
    assert "(SU(2)-breaking)" in registry.get_plugin_class("na62_kmunu").not_applicable(split)
    for preset in model_registry.MODELS.values():
        if preset.name != "u1":
            assert all(registry.get_plugin_class(n).applies_to(preset) for n in registry.registry())


def test_default_plugins_leave_out_the_ones_that_do_not_apply_and_a_named_one_is_an_error():
    with pytest.warns(NsifitWarning, match="likelihood 'na48_2' does not apply"):
        registry._SKIPPED.clear()
        names = registry.default_names(get_model(CHIRAL))
    assert "na48_2" not in names and "gm2_mu" in names
    with pytest.raises(ConfigError, match="likelihood 'ccfr_trident' does not apply"):
        nsifit.evaluate(CHIRAL, m_zp=50.0, g_zp=1e-4, likelihoods=["ccfr_trident"])
    cfg = {"model": CHIRAL, "params": {"m_zp": {"prior": "log-uniform", "min": 5, "max": 50}, "g_zp": 1e-4},
           "likelihoods": ["na48_2"]}
    with pytest.raises(ConfigError, match="likelihoods.na48_2: likelihood 'na48_2' does not apply"):
        load_config(cfg)


def test_bounds_draw_a_layer_that_does_not_apply_as_such():
    spec = {"model": CHIRAL, "x": {"name": "m_zp", "min": 10, "max": 100, "n": 3},
            "y": {"name": "g_zp", "min": 1e-6, "max": 1e-2, "n": 3},
            "layers": [{"likelihood": "na48_2"}, {"likelihood": "gm2_mu"},
                       {"combine": {"ccfr_trident": {}, "gm2_mu": {}}, "label": "both"}]}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = compute(load_bounds_config(spec))
    assert list(res.skipped) == [0] and not res.region(0).any()
    np.testing.assert_allclose(res.fields[2][0], res.fields[1][0])       # the combination without ccfr


# --- entry points ------------------------------------------------------------------------------------
MODEL_SOURCE = '''
import numpy as np
from nsifit.theory.couplings import Couplings
from nsifit.theory.models.base import G_ZP, M_ZP, Model


class AxialMuon(Model):
    name = "axial_muon"
    description = "test model from another package"
    parameters = (M_ZP, G_ZP)
    axial_fermions = ("mu",)

    def _couplings(self, p):
        return Couplings(m_zp_mev=p["m_zp"], g_zp=p["g_zp"], epsilon=np.zeros_like(p["m_zp"]), charges={},
                         axial_charges={"mu": 1.0}, nu_charges=np.zeros((3, 3)))
'''


def test_a_model_from_another_package_registers_under_nsifit_models(tmp_path, monkeypatch):
    site = tmp_path / "site"
    write_distribution(site, "my_models", MODEL_SOURCE, {"axial_muon": "my_models:AxialMuon"})
    (site / "my_models-0.1.dist-info" / "entry_points.txt").write_text(
        "[nsifit.models]\naxial_muon = my_models:AxialMuon\n")
    monkeypatch.syspath_prepend(str(site))
    model_registry._entry_points.cache_clear()
    try:
        assert "axial_muon" in model_registry.available_models()
        out = nsifit.evaluate("axial_muon", m_zp=30.0, g_zp=1e-3, likelihoods=["gm2_mu"])
        assert out["derived"]["delta_a_mu"] == pytest.approx(gm2.delta_a_lepton_axial(1e-3, 30.0), rel=1e-12)
        assert not registry.get_plugin_class("ccfr_trident").applies_to(get_model("axial_muon"))
    finally:
        monkeypatch.undo()
        sys.modules.pop("my_models", None)
        model_registry._entry_points.cache_clear()
    assert "axial_muon" not in model_registry.available_models()


# --- the command line, run, profile, bounds ------------------------------------------------------------


def test_cli_eval_takes_charges_and_refuses_bad_ones_in_one_line():
    out = run_cli(["eval", "u1", "--charges", "L_e=1,L_mu=-1", "m_zp=10", "g_zp=1e-4", "--likelihoods",
                   "gm2_mu", "--json"])
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert res["settings"]["charges"] == {"L_e": 1.0, "L_mu": -1.0}
    assert res["derived"]["epsilon"] == pytest.approx(1e-4 / 36.678, rel=1e-4)
    expr = run_cli(["eval", "u1", "--charges", "L_mu=1,L_tau=1,B1=-c,B2=-c,B3=-2*(1-c)", "--model-setting",
                    "mixing=free", "m_zp=10", "g_zp=1e-4", "c=-0.1", "epsilon=0", "--likelihoods", "", "--json"])
    assert expr.returncode == 0, expr.stderr
    for bad, fragment in ((["L_mu=1"], "anomalous"), (["L_muon=1,L_tau=-1"], "did you mean 'L_mu'"),
                          (["B=1,L=-1"], "diverges")):
        err = run_cli(["eval", "u1", "--charges", *bad, "m_zp=10", "g_zp=1e-4", "--likelihoods", ""])
        assert err.returncode == 2 and err.stderr.count("\n") == 1 and fragment in err.stderr, err.stderr


@pytest.mark.slow
def test_le_minus_lmu_from_charges_runs_profiles_and_draws(tmp_path):
    cfg = {"model": {"name": "u1", "charges": {"L_e": 1, "L_mu": -1}},
           "params": {"m_zp": {"prior": "log-uniform", "min": 5, "max": 500},
                      "g_zp": {"prior": "log-uniform", "min": 1e-7, "max": 1e-3}},
           "likelihoods": ["gm2_mu", "borexino_7be", "na64_invisible", "bbn_neff"],
           "sampler": {"walkers": 16, "steps": 20, "seed": 3, "progress": False},
           "output": str(tmp_path / "run.h5")}
    run = api.run(cfg)
    assert run.model == "u1" and run.model_settings["charges"] == {"L_e": 1, "L_mu": -1}
    assert np.all(np.isfinite(run.samples()["g_zp"]))
    prof = api.profile(dict(cfg, output=str(tmp_path / "prof.h5")), ["g_zp:1e-7:1e-3:6:log"])
    assert prof is not None
    spec = {"model": cfg["model"], "x": {"name": "m_zp", "min": 5, "max": 500, "n": 4},
            "y": {"name": "g_zp", "min": 1e-7, "max": 1e-3, "n": 4},
            "layers": [{"likelihood": "borexino_7be"}, {"likelihood": "na64_invisible"}]}
    res = compute(load_bounds_config(spec))
    assert res.region(0).any() and res.region(1).any()
    assert M_E_MEV > 0      # (the electron loop is what reaches NA64: g_e = g_zp + e eps Q_e)
