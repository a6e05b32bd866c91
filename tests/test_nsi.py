"""NSI from couplings (Bernal and Farzan eqs. 5-19, 34) in the global-fit and the seed conventions."""

import math

import numpy as np
import pytest
from scipy.optimize import brentq

import nsifit
from nsifit.constants import E_CHARGE, G_F_MEV2
from nsifit.physics import nsi
from nsifit.theory.models import get_model
from nsifit.theory.observables import ObservableSet

BASE = dict(m_zp=10.0, g_zp=5e-4, c=-0.1)


def derived(**params):
    return nsifit.evaluate("mutau_baryon", likelihoods=[], **params)["derived"]


def test_eps_medium_equals_eq13_closed_form_kinetic_mixing_cancels():
    eps = np.array([-3e-4, 0.0, 1e-5, 2e-3])
    d = derived(epsilon=eps, **BASE)
    closed = nsi.eps_medium_mutau_baryon(BASE["c"], BASE["g_zp"], BASE["m_zp"])
    np.testing.assert_allclose(d["eps_medium"], closed, rtol=1e-12)


def test_eps_per_fermion_matches_seed_eqs_5_10_times_two():
    eps_k, g, c, m = 2e-4, 5e-4, -0.1, 10.0
    d = derived(m_zp=m, g_zp=g, c=c, epsilon=eps_k)
    e_eps = E_CHARGE * eps_k
    denom_seed = 2 * math.sqrt(2) * G_F_MEV2 * m ** 2     # Bernal and Farzan eqs. 5-10 (its convention)
    seed = {"u": (2 * e_eps - c * g) * g / (3 * denom_seed), "d": -(e_eps + c * g) * g / (3 * denom_seed),
            "e": -g * e_eps / denom_seed, "n": -c * g ** 2 / denom_seed, "p": (e_eps - c * g) * g / denom_seed}
    for f, value in seed.items():
        assert d[f"eps_{f}"] == pytest.approx(2 * value, rel=1e-12), f


def test_tan_eta_round_trip_through_eq11():
    tan_eta = np.array([-0.75, -0.3, 0.5, 2.0, -37.0])
    d = derived(tan_eta=tan_eta, **BASE)
    np.testing.assert_allclose(d["tan_eta"], tan_eta, rtol=1e-12)


def test_eps_e_from_eps_medium_eq34():
    tan_eta = np.array([-0.75, 0.5, 3.0])
    d = derived(tan_eta=tan_eta, **BASE)
    np.testing.assert_allclose(nsi.eps_e_from_eps_medium(d["eps_medium"], tan_eta), d["eps_e"], rtol=1e-12)


@pytest.mark.parametrize("z,n", [(55 + 53, 78 + 74), (18, 22)])   # CsI (Cs-133 + I-127), Ar-40
def test_coherent_nsi_charge_vanishes_at_tan_eta_minus_z_over_n(z, n):
    d = derived(tan_eta=-z / n, **BASE)
    assert abs(z * d["eps_p"] + n * d["eps_n"]) < 1e-12 * abs(z * d["eps_p"])


def observables(model="mutau_baryon", **params):
    mdl = get_model(model)
    return ObservableSet(mdl.couplings(mdl.resolve(params)))


def _g_for_eps_medium(target, c, m, convention):
    key = "eps_medium_seed" if convention == "seed" else "eps_medium"
    return brentq(lambda g: observables(m_zp=m, g_zp=g, c=c, epsilon=0.0)[key][0] - target, 1e-7, 1e-2,
                  xtol=1e-14)


def test_lma_dark_window_eq16_in_seed_convention():
    """Bernal and Farzan eq. 16: g_zp = (6.5-8.0)e-5 at 10 MeV, c = -1, for 2 <= eps_medium <= 3 (its convention)."""
    assert _g_for_eps_medium(2.0, -1.0, 10.0, "seed") == pytest.approx(6.5e-5, rel=0.01)
    assert _g_for_eps_medium(3.0, -1.0, 10.0, "seed") == pytest.approx(8.0e-5, rel=0.01)


def test_lma_dark_window_is_sqrt2_lower_in_global_convention():
    for target in (2.0, 3.0):
        ratio = _g_for_eps_medium(target, -1.0, 10.0, "seed") / _g_for_eps_medium(target, -1.0, 10.0, "global")
        assert ratio == pytest.approx(math.sqrt(2.0), rel=1e-9)


def test_lma_window_eq18_c_g2_range_in_seed_convention():
    """Bernal and Farzan eq. 18: -3e-9 < c g^2 < 1.7e-10 at 10 MeV for -0.081 < eps_medium < 1.422 (its convention)."""
    m = 10.0
    to_cg2 = lambda eps_med: -eps_med * 2 * math.sqrt(2) * G_F_MEV2 * m ** 2 / 1.54  # noqa: E731  (eq. 13 inverted)
    for c in (-0.5, 0.3):
        for eps_med in (-0.081, 1.422):
            g = math.sqrt(to_cg2(eps_med) / c) if to_cg2(eps_med) / c > 0 else None
            if g is None:
                continue
            assert observables(m_zp=m, g_zp=g, c=c, epsilon=0.0)["eps_medium_seed"][0] == pytest.approx(eps_med)
    assert to_cg2(1.422) == pytest.approx(-3.0e-9, rel=0.02)
    assert to_cg2(-0.081) == pytest.approx(1.7e-10, rel=0.03)


def test_g_mu_eq19():
    tan_eta = np.array([-0.75, 0.5])
    d = derived(tan_eta=tan_eta, **BASE)
    expected = BASE["g_zp"] * (1 - BASE["c"] * (1 - 1 / tan_eta))
    np.testing.assert_allclose(d["g_mu"], expected, rtol=1e-12)


def test_light_mediator_propagator_suppression():
    q2 = -np.array([0.0, 1.0, 100.0, 1e4])
    supp = nsi.propagator_factor(10.0, q2)
    assert supp[0] == 1.0 and np.all(np.diff(supp) < 0)
    assert nsi.propagator_factor(1e6, -1e4) == pytest.approx(1.0, abs=1e-8)   # contact limit


def test_lmu_minus_ltau_tau_nsi_opposite_to_mu():
    d = nsifit.evaluate("lmu_minus_ltau", m_zp=10.0, g_zp=5e-4, likelihoods=[])["derived"]
    assert d["eps_e_tautau"] == pytest.approx(-d["eps_e"])
    assert "eps_e_tautau" not in derived(tan_eta=-0.75, **BASE)
