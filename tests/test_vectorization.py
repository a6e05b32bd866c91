"""Every observable is vectorized: batches equal point-by-point results; symmetries hold (hypothesis)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nsifit
from nsifit.theory.models import get_model
from nsifit.theory.observables import REGISTRY, ObservableSet

N_BATCH = 100_000
ARRAY_OBSERVABLES = [name for name in REGISTRY if name not in ("partial_widths", "branching_ratios", "quark_couplings",
                                                                 "g_left_fcnc_down",
                                                                 "meson_branching_ratios")
                     and not name.startswith("meson_branching_ratios_")]


def random_points(model, rng, n):
    log = lambda lo, hi: 10 ** rng.uniform(np.log10(lo), np.log10(hi), n)  # noqa: E731
    if model == "mutau_baryon":
        return dict(m_zp=log(1, 500), g_zp=log(1e-6, 1e-2), c=rng.uniform(-1, 1, n),
                    tan_eta=rng.choice([-1, 1], n) * log(0.05, 50), c_phi=rng.uniform(1, 50, n),
                    m_phi=log(1, 200))
    if model == "lmu_minus_ltau":
        return dict(m_zp=log(1, 500), g_zp=log(1e-6, 1e-2))
    if model == "dark_photon":
        return dict(m_zp=log(1, 500), epsilon=log(1e-7, 1e-2))
    return dict(m_zp=log(1, 500), g_zp=log(1e-6, 1e-2))


def observables(model, params):
    mdl = get_model(model)
    return ObservableSet(mdl.couplings(mdl.resolve(params)))


@pytest.mark.parametrize("model", ["mutau_baryon", "lmu_minus_ltau", "dark_photon", "b_minus_l"])
def test_every_observable_batch_equals_pointwise(model):
    rng = np.random.default_rng(7)
    params = random_points(model, rng, N_BATCH)
    batch = observables(model, params)
    for i in rng.choice(N_BATCH, 12, replace=False):
        single = observables(model, {k: v[i] for k, v in params.items()})
        for name in ARRAY_OBSERVABLES:
            np.testing.assert_allclose(batch[name][i], single[name][0], rtol=1e-12, atol=0,
                                       err_msg=f"{model}: {name}")


masses = st.floats(1.0, 400.0)
couplings = st.floats(1e-6, 1e-2)


@settings(max_examples=40, deadline=None)
@given(m=masses, g=couplings, eps=st.floats(-1e-3, 1e-3), c=st.floats(-1.0, 1.0))
def test_flipping_all_couplings_leaves_rates_and_nsi_unchanged(m, g, eps, c):
    """(g_zp, epsilon) -> -(g_zp, epsilon) flips every coupling: rates (~g^2) and NSI (~g_nu g_f) are even."""
    plus = observables("mutau_baryon", dict(m_zp=m, g_zp=g, c=c, epsilon=eps))
    minus = observables("mutau_baryon", dict(m_zp=m, g_zp=-g, c=c, epsilon=-eps))
    for name in ("delta_a_mu", "gamma_total_mev", "br_ee", "br_inv", "eps_e", "eps_p", "eps_n",
                 "eps_medium", "tan_eta", "pi0_epsilon_eff"):
        a, b = plus[name][0], minus[name][0]
        if name == "pi0_epsilon_eff":
            a, b = a, -b
        np.testing.assert_allclose(b, a, rtol=1e-12, equal_nan=True, err_msg=name)


@settings(max_examples=40, deadline=None)
@given(m=masses, g=couplings)
def test_lmu_minus_ltau_rates_even_in_g(m, g):
    plus = observables("lmu_minus_ltau", dict(m_zp=m, g_zp=g))
    minus = observables("lmu_minus_ltau", dict(m_zp=m, g_zp=-g))
    for name in ("delta_a_mu", "gamma_total_mev", "br_ee", "eps_e", "eps_p", "eps_e_tautau"):
        assert minus[name][0] == pytest.approx(plus[name][0], rel=1e-12), name


@settings(max_examples=40, deadline=None)
@given(m=masses, eps=st.floats(1e-7, 1e-2), scale=st.floats(0.1, 10.0))
def test_dark_photon_width_scales_as_epsilon_squared(m, eps, scale):
    a = observables("dark_photon", dict(m_zp=m, epsilon=eps))["gamma_total_mev"][0]
    b = observables("dark_photon", dict(m_zp=m, epsilon=eps * scale))["gamma_total_mev"][0]
    assert b == pytest.approx(a * scale ** 2, rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(m=masses, g=couplings, tan_eta=st.floats(-5, 5).filter(lambda t: abs(t) > 0.05))
def test_eps_medium_independent_of_tan_eta(m, g, tan_eta):
    """Bernal and Farzan eq. 13: kinetic mixing drops out of the matter potential of a neutral medium."""
    a = observables("mutau_baryon", dict(m_zp=m, g_zp=g, c=-0.1, tan_eta=tan_eta))["eps_medium"][0]
    b = observables("mutau_baryon", dict(m_zp=m, g_zp=g, c=-0.1, epsilon=0.0))["eps_medium"][0]
    assert a == pytest.approx(b, rel=1e-9)


def test_scalars_broadcast_against_arrays():
    res = nsifit.evaluate("mutau_baryon", likelihoods=[], m_zp=[10, 20, 30], g_zp=5e-4, c=-0.1, tan_eta=-0.75)
    assert all(v.shape == (3,) for v in res["derived"].values())
    assert res["loglike"]["total"].shape == (3,)


def test_evaluate_keeps_the_broadcast_shape_of_the_parameters():
    """A (3, 2) meshgrid gives (3, 2) arrays, scalars give 0-d arrays, and the values equal the flat call."""
    m, g = np.meshgrid([10.0, 20.0, 30.0], [1e-4, 5e-4], indexing="ij")
    grid = nsifit.evaluate("mutau_baryon", m_zp=m, g_zp=g, c=-0.1, tan_eta=-0.75, likelihoods=["gm2_mu"])
    flat = nsifit.evaluate("mutau_baryon", m_zp=m.ravel(), g_zp=g.ravel(), c=-0.1, tan_eta=-0.75,
                           likelihoods=["gm2_mu"])
    for section in ("params", "derived", "loglike"):
        for key, value in grid[section].items():
            assert value.shape == (3, 2), (section, key)
            np.testing.assert_array_equal(value.ravel(), flat[section][key])
    point = nsifit.evaluate("mutau_baryon", m_zp=20.0, g_zp=5e-4, c=-0.1, tan_eta=-0.75, likelihoods=["gm2_mu"])
    assert point["loglike"]["total"].shape == () and point["derived"]["eps_medium"].shape == ()
    assert float(point["loglike"]["total"]) == grid["loglike"]["total"][1, 1]
