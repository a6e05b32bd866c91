"""Models: charges, loop-induced mixing, parameter errors, pi0 and C9 couplings."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

import nsifit
from nsifit.constants import E_CHARGE, M_MU_MEV, M_TAU_MEV
from nsifit.errors import ParameterError
from nsifit.physics import flavour, mixing
from nsifit.theory.models import get_model
from nsifit.theory.observables import ObservableSet


def observables(model, **params):
    mdl = get_model(model)
    return ObservableSet(mdl.couplings(mdl.resolve(params)))


def test_mutau_baryon_couplings_eqs_3_4():
    eps, g, c = 2e-4, 5e-4, -0.1
    cpl = observables("mutau_baryon", m_zp=10.0, g_zp=g, c=c, epsilon=eps).couplings
    e_eps = E_CHARGE * eps
    assert cpl.vector("u")[0] == pytest.approx(-c * g / 3 + 2 * e_eps / 3)
    assert cpl.vector("d")[0] == pytest.approx(-c * g / 3 - e_eps / 3)
    assert cpl.vector("mu")[0] == pytest.approx(g - e_eps)
    assert cpl.vector("e")[0] == pytest.approx(-e_eps)
    assert cpl.vector("b")[0] == pytest.approx(-2 * (1 - c) * g / 3 - e_eps / 3)
    assert cpl.vector("p")[0] == pytest.approx(e_eps - c * g)
    np.testing.assert_allclose(cpl.g_nu[0], np.diag([0, g, g]))


def test_gauge_anomaly_free_charges_sum_rule():
    """Bernal and Farzan eq. 2 is anomaly free: the [SU(2)_L]^2 U(1)' anomaly ~ sum over doublets (3 colours x quark
    doublets + lepton doublets) of X vanishes for any c."""
    c = 0.37
    cpl = observables("mutau_baryon", m_zp=10.0, g_zp=1.0, c=c, epsilon=0.0).couplings
    quark_sum = 3 * sum(cpl.charge(q)[0] for q in "udscbt") / 2   # 3 colours, per generation doublet pair
    lepton_sum = sum(cpl.charge(lepton)[0] for lepton in ("e", "mu", "tau"))
    assert quark_sum + lepton_sum == pytest.approx(0.0, abs=1e-12)


def test_lmu_minus_ltau_loop_mixing_at_zero_momentum():
    g = 3e-4
    cpl = observables("lmu_minus_ltau", m_zp=10.0, g_zp=g).couplings
    expected = E_CHARGE * g / (12 * math.pi ** 2) * math.log(M_TAU_MEV ** 2 / M_MU_MEV ** 2)
    assert cpl.epsilon[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("q2", [-1e5, -50.0, 0.04, 900.0, 4e4, 6e4, 3e6])
def test_lmu_minus_ltau_loop_mixing_matches_feynman_parameter_integral(q2):
    def integrand(x):
        return x * (1 - x) * math.log(abs((M_TAU_MEV ** 2 - x * (1 - x) * q2) / (M_MU_MEV ** 2 - x * (1 - x) * q2)))
    pts = [0.5 * (1 - math.sqrt(1 - 4 * M_MU_MEV ** 2 / q2)), 0.5 * (1 + math.sqrt(1 - 4 * M_MU_MEV ** 2 / q2))] \
        if q2 > 4 * M_MU_MEV ** 2 else None
    direct = E_CHARGE / (2 * math.pi ** 2) * quad(integrand, 0, 1, points=pts, epsabs=0, epsrel=1e-12, limit=200)[0]
    assert mixing.epsilon_lmu_minus_ltau(q2, 1.0) == pytest.approx(direct, rel=1e-9)


def test_lmu_minus_ltau_free_epsilon_replaces_loop():
    cpl = observables("lmu_minus_ltau", m_zp=10.0, g_zp=3e-4, epsilon=0.0).couplings
    assert cpl.vector("e", on_shell=True)[0] == 0.0 and cpl.vector("mu")[0] == pytest.approx(3e-4)


def test_b_minus_l_and_dark_photon_charges():
    bl = observables("b_minus_l", m_zp=10.0, g_zp=1e-4).couplings
    assert bl.vector("e")[0] == pytest.approx(-1e-4) and bl.vector("p")[0] == pytest.approx(1e-4)
    assert bl.vector("n")[0] == pytest.approx(1e-4)
    dp = observables("dark_photon", m_zp=10.0, epsilon=1e-3).couplings
    assert dp.vector("p")[0] == pytest.approx(E_CHARGE * 1e-3) and dp.vector("n")[0] == pytest.approx(0, abs=1e-18)
    assert np.all(dp.g_nu == 0)


def test_pi0_ratio_is_one_for_dark_photon():
    o = observables("dark_photon", m_zp=[10.0, 50.0], epsilon=3e-4)
    np.testing.assert_allclose(o["pi0_epsilon_eff"] / 3e-4, 1.0, rtol=1e-14)
    np.testing.assert_allclose(o["pi0_epsilon_eff_seed"] / 3e-4, 1.0, rtol=1e-14)


def test_pi0_couples_to_proton_charge_in_mutau_baryon():
    eps, g, c = 2e-4, 5e-4, -0.1
    o = observables("mutau_baryon", m_zp=20.0, g_zp=g, c=c, epsilon=eps)
    assert o["pi0_epsilon_eff"][0] * E_CHARGE == pytest.approx(E_CHARGE * eps - c * g, rel=1e-12)
    assert o["pi0_epsilon_eff_seed"][0] == pytest.approx(eps - c * g / (5 * E_CHARGE), rel=1e-12)


def test_c9_vanishes_for_generation_universal_charges_and_is_twice_seed_eq37():
    g, m = 3.5e-4, 1e4
    o = observables("mutau_baryon", m_zp=m, g_zp=g, c=[2 / 3, 0.0], epsilon=0.0)
    assert o["c9"][0] == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(o["c9"], 2 * o["c9_seed"])
    # Bernal and Farzan eq. 38 (c = 0, q^2 = 1 GeV^2 >> m^2) prints -2 GeV^2/q^2; its eq. 37 gives -2.13: eq. 38 rounds
    c9_eff = flavour.c9_bsmumu(g, -2 / 3, 10.0, q2_mev2=1e6, convention="seed")
    assert c9_eff == pytest.approx(-2.0, rel=0.07)


def test_c9_uses_the_full_muon_coupling_including_kinetic_mixing():
    # C9 ~ g_sb g_mu with g_mu = g_zp X_mu + e eps Q_mu = g_zp - e eps (Bernal and Farzan eq. 19 at tan_eta -> eps)
    g, m, c, eps = 3.5e-4, 1e4, 0.2, np.array([0.0, 1e-4, -3e-4])
    o = observables("mutau_baryon", m_zp=m, g_zp=g, c=c, epsilon=eps)
    np.testing.assert_allclose(o["c9"] / o["c9"][0], 1 - E_CHARGE * eps / g, rtol=1e-12)
    np.testing.assert_allclose(o["c9_seed"], o["c9_seed"][0])      # eq. 37 as printed: g_mu = g_zp


@pytest.mark.parametrize("params, message", [
    (dict(m_zp=10, g_zp=1e-4, c=0.1), "one of epsilon, tan_eta is required"),
    (dict(m_zp=10, g_zp=1e-4, c=0.1, epsilon=0, tan_eta=1), "give only one of epsilon, tan_eta"),
    (dict(m_zp=10, g_zp=1e-4, c=0.1, epsilon=0, mass=3), "unknown parameter of model 'mutau_baryon' 'mass'"),
    (dict(m_zp=0, g_zp=1e-4, c=0.1, epsilon=0), "parameter 'm_zp' must be > 0"),
    (dict(m_zp=-5, g_zp=1e-4, c=0.1, epsilon=0), "parameter 'm_zp' must be > 0"),
    (dict(g_zp=1e-4, c=0.1, epsilon=0), "parameter 'm_zp' is missing"),
    (dict(m_zp=float("nan"), g_zp=1e-4, c=0.1, epsilon=0), "parameter 'm_zp' must be finite"),
    (dict(m_zp=10, g_zp=1e-4, c=0.1, epsilon=0, c_phi=40), "parameter 'm_phi' is missing"),
    (dict(m_zp=10, g_zp=1e-4, c=0.1, epsilon=0, c_phi=40, m_phi=-1), "parameter 'm_phi' must be > 0"),
    (dict(m_zp=10, g_zp=1e-4, c=0.1, tan_eta=0), "parameter 'tan_eta' must be non-zero"),
    (dict(m_zp=10, g_zp=1e-4, c=0.0, tan_eta=-0.75), "c != 0"),
    (dict(m_zp=[1, 2], g_zp=[1, 2, 3], c=0.1, epsilon=0), "do not broadcast"),
    (dict(m_zp="ten", g_zp=1e-4, c=0.1, epsilon=0), "parameter 'm_zp' must be a number"),
])
def test_parameter_errors_name_the_parameter(params, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace(")", r"\)")):
        nsifit.evaluate("mutau_baryon", likelihoods=[], **params)


def test_unknown_model_lists_valid_models():
    with pytest.raises(ParameterError, match="did you mean 'dark_photon'"):
        nsifit.evaluate("dark_foton", m_zp=1, epsilon=1e-3, likelihoods=[])
