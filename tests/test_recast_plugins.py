"""NA64, NA48/2 and BaBar recast plugins against their published curves and the seed's statements."""

import numpy as np
import pytest

import nsifit
from nsifit.constants import E_CHARGE
from nsifit.errors import ConfigError
from nsifit.physics.mixing import epsilon_lmu_minus_ltau
from nsifit.plugins import datasets as data
from nsifit.plugins import stats

S90 = stats.POISSON_ZERO_S90
GAUSS90 = -0.5 * stats.ONE_SIDED_Z90 ** 2
MUTAU = {"c": -0.1, "tan_eta": -0.75}


def loglike(model, plugin, options=None, **params):
    res = nsifit.evaluate(model, likelihoods=[plugin], options={plugin: options or {}}, **params)
    return res["loglike"][plugin]


@pytest.mark.parametrize("plugin,dataset", [("na64_invisible", "na64_2023"), ("na64_invisible", "na64_2019"),
                                            ("babar_invisible", "babar_2017")])
@pytest.mark.parametrize("mode", ["physics", "seed"])
def test_dark_photon_on_published_curve_gives_poisson_limit(plugin, dataset, mode):
    """At every tabulated mass the dark photon on the curve has log L = -2.30 exactly."""
    table = data.load(plugin, dataset).table()
    got = loglike("dark_photon", plugin, {"dataset": dataset, "recast": mode},
                  m_zp=table["m_zp_mev"], epsilon=table["epsilon"])
    np.testing.assert_allclose(got, -S90, rtol=1e-12)


@pytest.mark.parametrize("limit", ["weakest", "strongest"])
def test_dark_photon_on_na48_2_bins_gives_one_sided_limit(limit):
    """In every NA48/2 mass bin (lower edge and geometric centre) log L = -1.2816^2/2 on the limit."""
    table = data.load("na48_2", "na48_2_2015").table()
    low, high, eps = (np.array(table[k]) for k in ("m_low_mev", "m_high_mev", f"epsilon_{limit}"))
    masses = np.concatenate([low, np.sqrt(low * high)])
    got = loglike("dark_photon", "na48_2", {"limit": limit}, m_zp=masses, epsilon=np.tile(eps, 2))
    np.testing.assert_allclose(got, GAUSS90, rtol=1e-12)


@pytest.mark.parametrize("plugin,m_out", [("na64_invisible", [0.5, 2000.0]), ("na48_2", [5.0, 130.0]),
                                          ("babar_invisible", [0.5, 9000.0])])
def test_no_constraint_outside_mass_range(plugin, m_out):
    assert np.all(loglike("dark_photon", plugin, m_zp=m_out, epsilon=1e-2) == 0.0)


@pytest.mark.parametrize("plugin", ["na64_invisible", "babar_invisible"])
@pytest.mark.parametrize("mode", ["physics", "seed"])
def test_b_minus_l_prompt_is_weaker_by_three_fifths(plugin, mode):
    """Bernal and Farzan sect. 3: B-L with prompt e+e- has Br_inv = 3/5, so its rate is 3/5 of the dark photon's."""
    m = np.array([100.0, 150.0, 200.0])
    eps = np.array([2e-4, 3e-4, 4e-4])          # near the NA64 limit: c tau ~ 1e-3 cm, prompt
    ratio = (loglike("b_minus_l", plugin, {"recast": mode}, m_zp=m, g_zp=E_CHARGE * eps)
             / loglike("dark_photon", plugin, m_zp=m, epsilon=eps))
    np.testing.assert_allclose(ratio, 0.6, rtol=1e-8)


def test_b_minus_l_long_lived_approaches_dark_photon_limit():
    """As g -> 0 the B-L Z' escapes NA64 before decaying: P_missing rises from 3/5 to 1."""
    m, g = 5.0, np.logspace(-9, -2, 15)
    res = nsifit.evaluate("b_minus_l", m_zp=m, g_zp=g, likelihoods=["na64_invisible"])
    p, br_inv = res["derived"]["p_missing_na64"], res["derived"]["br_inv"]
    assert np.all(np.diff(p) <= 1e-12)
    assert br_inv[-1] == pytest.approx(0.6, rel=1e-3)           # m_e corrections at 5 MeV
    assert p[0] == pytest.approx(1.0, abs=1e-6) and p[-1] == pytest.approx(br_inv[-1], abs=1e-9)
    dp = loglike("dark_photon", "na64_invisible", m_zp=m, epsilon=g / E_CHARGE)
    np.testing.assert_allclose(res["loglike"]["na64_invisible"] / dp, p, rtol=1e-10)


def test_lmu_minus_ltau_constrained_only_through_loop_mixing():
    """NA64 sees L_mu - L_tau only via eps(q^2 = m^2) from the mu/tau loop; epsilon = 0 -> no bound."""
    m, g = np.array([10.0, 20.0, 50.0]), np.array([1.5e-3, 2.8e-3, 6.6e-3])
    assert np.all(loglike("lmu_minus_ltau", "na64_invisible", m_zp=m, g_zp=g, epsilon=0.0) == 0.0)
    table = data.load("na64_invisible", "na64_2023").table()
    eps_limit = np.exp(np.interp(np.log(m), np.log(table["m_zp_mev"]), np.log(table["epsilon"])))
    closed = -S90 * (epsilon_lmu_minus_ltau(m ** 2, g) / eps_limit) ** 2   # Br_inv = 1 - O(1e-5)
    np.testing.assert_allclose(loglike("lmu_minus_ltau", "na64_invisible", m_zp=m, g_zp=g), closed,
                               rtol=1e-4)


def _g_explaining_gm2(m, delta_a):
    """g_zp with Delta a_mu = delta_a for mutau_baryon (c = -0.1, tan_eta = -0.75), by bisection."""
    grid = np.logspace(-5, -2, 3001)
    res = nsifit.evaluate("mutau_baryon", m_zp=m, g_zp=grid, likelihoods=[], **MUTAU)
    return np.interp(delta_a, res["derived"]["delta_a_mu"], grid)


@pytest.mark.parametrize("m", [35.0, 50.0, 80.0, 150.0])
def test_mutau_baryon_phi_channel_evades_na64_where_gm2_is_explained(m):
    """Bernal and Farzan Fig. 1: with phi (c_phi = 40, m_phi = m/3) NA64 allows the (g-2)_mu band, without phi not."""
    g = np.array([_g_explaining_gm2(m, d) for d in (133e-11, 251e-11, 369e-11)])   # 2 sigma band
    with_phi = loglike("mutau_baryon", "na64_invisible", m_zp=m, g_zp=g, c_phi=40.0, m_phi=m / 3, **MUTAU)
    without = loglike("mutau_baryon", "na64_invisible", m_zp=m, g_zp=g, **MUTAU)
    assert np.all(with_phi > -S90)
    assert np.all(without < -S90)


def test_na48_2_flat_when_proton_coupling_vanishes():
    """e epsilon = c g_zp gives g_p = 0: no pi0 -> gamma Z', NA48/2 flat in g_zp (the seed's form is not)."""
    c, g = 0.5, np.logspace(-5, -2, 7)
    params = dict(m_zp=20.0, g_zp=g, c=c, epsilon=c * g / E_CHARGE)
    np.testing.assert_allclose(loglike("mutau_baryon", "na48_2", **params), 0.0, atol=1e-20)
    seed = loglike("mutau_baryon", "na48_2", {"recast": "seed"}, **params)
    assert seed[-1] < -1.0


def test_na48_2_long_lived_z_prime_is_not_prompt():
    """A Z' with a lab decay length far beyond 1 m gives no prompt e+e- pairs."""
    got = loglike("mutau_baryon", "na48_2", m_zp=20.0, g_zp=1e-9, c=3.0, epsilon=1e-9)
    assert got == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("plugin,options,message", [("na64_invisible", {"recast": "darkcast"}, "physics, seed"),
                                                    ("na48_2", {"limit": "median"}, "strongest, weakest")])
def test_invalid_options_name_the_choices(plugin, options, message):
    with pytest.raises(ConfigError, match=message):
        loglike("dark_photon", plugin, options, m_zp=20.0, epsilon=1e-4)
