"""The seven simple plugins: best points, limits and the seed numbers they reproduce."""

import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import brentq

import nsifit
from nsifit.constants import G_F_MEV2, M_MU_MEV
from nsifit.plugins.registry import get_plugin_class

Z90 = 1.2815515655446004


def loglike(plugin, model="mutau_baryon", options=None, **params):
    res = nsifit.evaluate(model, likelihoods=[plugin], options={plugin: options or {}}, **params)
    return res["loglike"][plugin]


def one(plugin, model="mutau_baryon", options=None, **params):
    return float(loglike(plugin, model, options, **params))


# --- gm2_mu ------------------------------------------------------------------------------------

@pytest.mark.parametrize("dataset, mean, sigma", [("bnl_fnal_2021_wp2020", 251, 59),
                                                  ("fnal_2023_wp2020", 249, 48),
                                                  ("world_2025_wp2025", 38.5, 63.7)])
def test_gm2_dataset_difference_matches_quoted_delta_a_mu(dataset, mean, sigma):
    plugin = get_plugin_class("gm2_mu")(dataset=dataset)
    assert plugin.mean / 1e-11 == pytest.approx(mean, abs=0.05)
    assert plugin.sigma / 1e-11 == pytest.approx(sigma, abs=0.5)     # quoted values are rounded


def loop_integral_quad(r):
    """I(r) = int_0^1 x^2 (1-x) / (x^2 + (1-x) r^2) dx by scipy (independent of nsifit's table)."""
    return quad(lambda x: x * x * (1 - x) / (x * x + (1 - x) * r * r), 0, 1, epsrel=1e-12)[0]


def g_mu_for(delta_a, m_zp_mev):
    return math.sqrt(4 * math.pi ** 2 * delta_a / loop_integral_quad(m_zp_mev / M_MU_MEV))


def gm2_at(g_mu, m_zp_mev=10.0, dataset="bnl_fnal_2021_wp2020"):
    # mutau_baryon with c = 0 and epsilon = 0: g_mu = g_zp
    return loglike("gm2_mu", options={"dataset": dataset}, m_zp=m_zp_mev, g_zp=g_mu, c=0.0, epsilon=0.0)


def test_gm2_loglike_is_maximal_at_the_measured_delta_a_mu():
    g_best = g_mu_for(251e-11, 10.0)
    g = np.linspace(0.5 * g_best, 1.5 * g_best, 2001)
    ll = gm2_at(g)
    assert g[np.argmax(ll)] == pytest.approx(g_best, rel=1e-3)
    assert ll.max() == pytest.approx(0.0, abs=1e-5)


def test_gm2_two_sigma_band_at_10_mev():
    """The 2-sigma band of g_mu for Delta a_mu = 251(59)e-11 at m_zp = 10 MeV.

    Computed: Delta a_mu = (251 -+ 2 x 59.4)e-11 gives g_mu = 3.65e-4 .. 6.11e-4 (one-loop,
    I(10 MeV/m_mu) = 0.391; with the rounded sigma 59: 3.66e-4 .. 6.10e-4). Bernal and Farzan eq. 20
    prints (3.5 - 7)e-4: its lower end is 4% low and its upper end 15% high (DESIGN.md
    sect. 2); the printed band is not asserted here.
    """
    sigma = math.hypot(41, 43) * 1e-11
    g_low, g_high = g_mu_for(251e-11 - 2 * sigma, 10.0), g_mu_for(251e-11 + 2 * sigma, 10.0)
    assert gm2_at(np.array([g_low, g_high])) == pytest.approx([-2.0, -2.0], rel=1e-6)
    assert (g_low, g_high) == pytest.approx((3.652e-4, 6.108e-4), rel=1e-3)


def test_gm2_world_2025_only_bounds_from_above():
    sigma = math.hypot(14.5, 62) * 1e-11
    g_2sigma = g_mu_for(38.5e-11 + 2 * sigma, 10.0)
    ll = gm2_at(np.array([0.0, g_2sigma]), dataset="world_2025_wp2025")
    assert -2 * ll[0] < 1.0                         # no Z' is within 1 sigma: no anomaly left
    assert -2 * ll == pytest.approx([(38.5e-11 / sigma) ** 2, 4.0], rel=1e-6)


# --- solar_lma -----------------------------------------------------------------------------------

def g_for_eps_medium(eps, c, m_zp_mev, nn_over_np=0.54, seed=False):
    """Bernal and Farzan eq. 13 solved for g_zp (global-fit convention unless seed: eps_seed = eps/2)."""
    factor = 2.0 if seed else 1.0
    return math.sqrt(factor * eps * math.sqrt(2) * G_F_MEV2 * m_zp_mev ** 2 / (-c * (1 + nn_over_np)))


@pytest.mark.parametrize("solution, edge, c", [("LMA", 1.422, -0.1), ("LMA", -0.081, 0.1),
                                               ("LMA-Dark", 2.0, -0.1), ("LMA-Dark", 3.0, -0.1)])
@pytest.mark.parametrize("convention", ["global", "seed"])
def test_solar_lma_delta_chi2_4_at_window_edges(solution, edge, c, convention):
    g = g_for_eps_medium(edge, c, 10.0, seed=convention == "seed")
    ll = one("solar_lma", options={"solution": solution, "convention": convention},
             m_zp=10.0, g_zp=g, c=c, tan_eta=-0.75)
    assert -2 * ll == pytest.approx(4.0, rel=1e-6)


def test_solar_lma_zero_inside_the_window():
    g = g_for_eps_medium(0.7, -0.1, 10.0)
    assert one("solar_lma", m_zp=10.0, g_zp=g, c=-0.1, tan_eta=-0.75) == 0.0
    g = g_for_eps_medium(2.5, -0.1, 10.0)
    assert one("solar_lma", options={"solution": "LMA-Dark"}, m_zp=10.0, g_zp=g, c=-0.1,
               tan_eta=-0.75) == 0.0


def edge_coupling(solution, which, c=-1.0, m_zp_mev=10.0):
    """g_zp at which solar_lma in the seed convention has Delta chi^2 = 4, on the `which` side."""
    def f(g):
        return one("solar_lma", options={"solution": solution, "convention": "seed"},
                   m_zp=m_zp_mev, g_zp=g, c=c, epsilon=0.0) + 2.0
    grid = np.geomspace(1e-6, 1e-3, 400)
    values = loglike("solar_lma", options={"solution": solution, "convention": "seed"},
                     m_zp=m_zp_mev, g_zp=grid, c=c, epsilon=0.0) + 2.0
    crossings = np.flatnonzero(np.diff(np.sign(values)))
    i = crossings[0] if which == "low" else crossings[-1]
    return brentq(f, grid[i], grid[i + 1], xtol=1e-14)


def test_solar_lma_dark_reproduces_seed_eq16():
    """Bernal and Farzan eq. 16: g = (6.5 - 8.0)e-5 (m/10 MeV)(-1/c)^(1/2) for LMA-Dark, in its convention."""
    assert edge_coupling("LMA-Dark", "low") == pytest.approx(6.5e-5, rel=0.01)
    assert edge_coupling("LMA-Dark", "high") == pytest.approx(8.0e-5, rel=0.01)


@pytest.mark.parametrize("c, seed_value", [(-1.0, -3e-9), (1.0, 1.7e-10)])
def test_solar_lma_reproduces_seed_eq18(c, seed_value):
    """Bernal and Farzan eq. 18: -3e-9 < c g^2 < 1.7e-10 at m_zp = 10 MeV (LMA, seed convention)."""
    g = edge_coupling("LMA", "high", c=c)
    assert c * g ** 2 == pytest.approx(seed_value, rel=0.03)


def test_solar_lma_global_convention_edge_is_sqrt2_below_seed():
    g_seed = g_for_eps_medium(2.0, -0.1, 10.0, seed=True)
    ll = one("solar_lma", options={"solution": "LMA-Dark"}, m_zp=10.0, g_zp=g_seed / math.sqrt(2),
             c=-0.1, tan_eta=-0.75)
    assert -2 * ll == pytest.approx(4.0, rel=1e-6)


def test_solar_lma_nn_over_np_option_moves_the_edge():
    g = g_for_eps_medium(1.422, -0.1, 10.0, nn_over_np=1.0)
    ll = one("solar_lma", options={"nn_over_np": 1.0}, m_zp=10.0, g_zp=g, c=-0.1, tan_eta=-0.75)
    assert -2 * ll == pytest.approx(4.0, rel=1e-6)


def test_solar_lma_lmu_minus_ltau_has_no_matter_nsi():
    """Only the kinetic mixing reaches matter, and it cancels in neutral matter: eps_medium = 0."""
    g = np.geomspace(1e-5, 1e-2, 7)
    assert np.all(loglike("solar_lma", "lmu_minus_ltau", m_zp=10.0, g_zp=g) == 0.0)
    dark = loglike("solar_lma", "lmu_minus_ltau", {"solution": "LMA-Dark"}, m_zp=10.0, g_zp=g)
    assert np.all(-2 * dark > 100)


def test_solar_lma_flavour_universal_b_minus_l_is_invisible_in_oscillations():
    """B-L couples all neutrino flavours equally: eps_mumu - eps_ee = 0 however large the NSI."""
    assert np.all(loglike("solar_lma", "b_minus_l", m_zp=10.0, g_zp=np.geomspace(1e-5, 1e-2, 5)) == 0)


# --- na62_kmunu ----------------------------------------------------------------------------------

@pytest.mark.parametrize("construction, expected", [("one_sided_gaussian", -0.5 * Z90 ** 2),
                                                    ("poisson_zero_count", math.log(0.1))])
def test_na62_limit_line_of_seed_eq32(construction, expected):
    m = np.array([10.0, 50.0, 370.0])
    ll = loglike("na62_kmunu", options={"construction": construction, "invisible_only": False},
                 m_zp=m, g_zp=0.003 * m / 5.0, c=-0.1, tan_eta=-0.75)
    assert ll == pytest.approx([expected] * 3, rel=1e-9)


def test_na62_no_constraint_outside_searched_mass_range():
    m = np.array([5.0, 9.9, 371.0, 450.0])
    ll = loglike("na62_kmunu", options={"invisible_only": False}, m_zp=m, g_zp=0.1, c=-0.1, epsilon=0.0)
    assert np.all(ll == 0.0)
    inside = one("na62_kmunu", options={"invisible_only": False}, m_zp=10.0, g_zp=0.1, c=-0.1, epsilon=0.0)
    assert inside < -100


def test_na62_rate_scales_with_invisible_branching():
    params = dict(m_zp=60.0, g_zp=0.036, c=-0.1, tan_eta=-0.75, c_phi=1.0, m_phi=20.0)
    res = nsifit.evaluate("mutau_baryon", likelihoods=["na62_kmunu"], **params)
    br_inv = float(res["derived"]["br_inv"])
    assert 0.01 < br_inv < 0.99
    assert res["loglike"]["na62_kmunu"] == pytest.approx(-0.5 * (Z90 * br_inv) ** 2, rel=1e-9)


# --- bbn_neff, white_dwarf, perturbativity, phi_beam_dump ----------------------------------------

def test_bbn_neff_two_sigma_at_5_mev_and_free_above_6():
    ll = loglike("bbn_neff", m_zp=np.array([4.5, 5.0, 5.5, 6.0, 20.0]), g_zp=5e-4, c=-0.1, tan_eta=-0.75)
    assert -2 * ll == pytest.approx([9.0, 4.0, 1.0, 0.0, 0.0])


def test_white_dwarf_delta_chi2_1p64_on_seed_eq35():
    m, eps = 10.0, 1e-3
    g = math.sqrt(1.12e-5 * 3 * (m * 1e-3) ** 2 / (2 * eps))      # 2 g^2 eps / (3 m^2) = 1.12e-5 GeV^-2
    assert -2 * one("white_dwarf", m_zp=m, g_zp=g, c=-0.1, epsilon=eps) == pytest.approx(Z90 ** 2, rel=1e-9)
    assert -2 * one("white_dwarf", m_zp=m, g_zp=g, c=-0.1, epsilon=-eps) == pytest.approx(Z90 ** 2, rel=1e-9)


def test_white_dwarf_is_weak_at_the_seed_benchmark():
    """Bernal and Farzan: 'considerably weaker than the other relevant bounds'."""
    assert -2 * one("white_dwarf", m_zp=20.0, g_zp=5e-4, c=-0.1, tan_eta=-0.75) < 1e-3


def test_perturbativity_bound_on_c_phi_g_zp():
    g = 1e-3
    ll = loglike("perturbativity", m_zp=60.0, g_zp=g, c=-0.1, tan_eta=-0.75,
                 c_phi=np.array([20.0, 24.0, 30.0]), m_phi=20.0)
    assert -2 * ll == pytest.approx([0.0, 0.0, 4.0])
    assert one("perturbativity", m_zp=60.0, g_zp=g, c=-0.1, tan_eta=-0.75) == 0.0   # no phi


def test_phi_beam_dump_bound_at_10_mev_and_no_phi():
    ll = loglike("phi_beam_dump", m_zp=60.0, g_zp=5e-4, c=-0.1, tan_eta=-0.75, c_phi=40.0,
                 m_phi=np.array([9.0, 10.0, 12.0, 20.0]))
    assert -2 * ll == pytest.approx([9.0, 4.0, 0.0, 0.0])
    assert one("phi_beam_dump", m_zp=60.0, g_zp=5e-4, c=-0.1, tan_eta=-0.75) == 0.0


def test_plugins_are_vectorized_over_points():
    names = ["gm2_mu", "solar_lma", "na62_kmunu", "bbn_neff", "white_dwarf"]
    m = np.geomspace(3.0, 400.0, 257)
    batch = nsifit.evaluate("mutau_baryon", likelihoods=names, m_zp=m, g_zp=5e-4, c=-0.1, tan_eta=-0.75)
    single = nsifit.evaluate("mutau_baryon", likelihoods=names, m_zp=m[100], g_zp=5e-4, c=-0.1,
                             tan_eta=-0.75)
    for name in names:
        assert batch["loglike"][name].shape == m.shape, name
        assert single["loglike"][name] == pytest.approx(batch["loglike"][name][100], rel=1e-12), name
