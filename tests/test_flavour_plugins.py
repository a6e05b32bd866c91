"""K -> pi Z' and B -> K Z' likelihoods: each limit reproduced at its tabulated points for a reference X with
Br(X -> invisible) = 1, the kinematics of the Z' lab energies, NA62's own lifetime dependence, the vanishing of
every rate without tree-level flavour change, and the whole chain couplings -> Br -> P_missing -> log L at one
point by hand."""

import math

import numpy as np
import pytest
from scipy import integrate

import nsifit
from nsifit.constants import (
    CKM_A,
    CKM_ETA_BAR,
    CKM_LAMBDA,
    CKM_RHO_BAR,
    E_CHARGE,
    GAMMA_K_CHARGED_MEV,
    HBAR_MEV_S,
    HBARC_MEV_CM,
    M_E_MEV,
    M_K_CHARGED_MEV,
    M_PI_CHARGED_MEV,
)
from nsifit.physics import recast
from nsifit.plugins import datasets, stats
from nsifit.plugins.options import declared
from nsifit_likelihoods.b_to_k_zp import BToKZp
from nsifit_likelihoods.k_to_pi_zp import KToPiZp

Z90_2 = stats.ONE_SIDED_Z90 ** 2              # Delta chi^2 = 1.642 on a 90% CL limit (one-sided Gaussian)
Z95_2 = 1.6448536269514722 ** 2               # 2.706 on a 95% CL limit
POISSON_90 = 2 * stats.POISSON_ZERO_S90       # 4.605
C_CM_PER_PS = 2.99792458e-2


class FakeObs:
    """The observables a reference X needs: Br(meson -> X) per mode, X stable or with a chosen lifetime and
    visible fraction (Br(ee)), no phi."""

    def __init__(self, m, brs, br_visible=0.0, tau_ps=np.inf, br_mumu=0.0):
        m = np.atleast_1d(np.asarray(m, float))
        self.n = m.size
        gamma = np.where(np.isfinite(tau_ps), HBAR_MEV_S / (np.asarray(tau_ps, float) * 1e-12), 0.0)
        full = lambda x: np.broadcast_to(np.asarray(x, float), (self.n,)).copy()  # noqa: E731
        br_vis, br_mm = full(br_visible), full(br_mumu)
        self.values = {"m_zp_mev": m, "gamma_total_mev": full(gamma), "m_phi_mev": np.full(self.n, np.nan),
                       "gamma_phi_ee_mev": np.zeros(self.n), "br_mumu": br_mm,
                       "zp_lifetime_ps": full(tau_ps),
                       "branching_ratios": {"ee": br_vis, "mumu": br_mm, "tautau": 0.0 * m, "pipi": 0.0 * m,
                                            "nunu_e": 1.0 - br_vis - br_mm, "nunu_mu": 0.0 * m,
                                            "nunu_tau": 0.0 * m, "phiphi": 0.0 * m}}
        for mode in ("kplus_piplus", "klong_pizero", "bplus_kplus", "bzero_kzero", "bplus_piplus",
                     "bzero_kstarzero", "bplus_kstarplus"):
            self.values[f"br_{mode}_zp"] = full(brs.get(mode, 0.0))
        self._memo = {}

    def __getitem__(self, key):
        return self.values[key]

    def memo(self, key, compute):
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]


def table_points(ds, column):
    """The tabulated (mass, limit) pairs that lie inside the dataset's mass ranges, masses > 0."""
    table = ds.table()
    m, lim = np.array(table["m_x_mev"]), np.array(table[column])
    inside = np.zeros(m.size, bool)
    for lo, hi in ds["mass_ranges_mev"]:
        inside |= (m >= lo) & (m <= hi)
    keep = inside & (m > 0)
    return m[keep], lim[keep]


# --- the limit curves, reference X with Br(invisible) = 1 -----------------------------------------------------
@pytest.mark.parametrize("name", ["na62_2017", "e949_2009", "koto_2019"])
@pytest.mark.parametrize("construction, threshold", [("one_sided_gaussian", Z90_2), ("poisson_zero_count", POISSON_90)])
def test_k_to_pi_reproduces_each_dataset_at_its_points(name, construction, threshold):
    plugin = KToPiZp(datasets=[name], construction=construction)
    ds = plugin.sets[name]
    m, lim = table_points(ds, ds["column"])
    mode = ds["channel"]
    obs = FakeObs(m, {mode: lim})
    np.testing.assert_allclose(-2 * plugin.loglike(obs), threshold, rtol=1e-10)
    np.testing.assert_allclose(plugin.derived(obs)[f"p_missing_{name}"], 1.0, rtol=1e-12)
    half = FakeObs(m, {mode: lim / 2})            # half the limit: a quarter of the Gaussian Delta chi^2
    expected = threshold / 4 if construction == "one_sided_gaussian" else threshold / 2
    np.testing.assert_allclose(-2 * plugin.loglike(half), expected, rtol=1e-10)


def test_k_to_pi_no_constraint_in_the_gaps_and_outside():
    plugin = KToPiZp()
    gap = FakeObs([130.0, 140.0], {"kplus_piplus": 1.0})        # NA62 and E949 gap, K_L rate zero
    assert np.all(plugin.loglike(gap) == 0)
    above = FakeObs([300.0], {"kplus_piplus": 1.0, "klong_pizero": 1.0})
    assert plugin.loglike(above)[0] == 0
    koto_gap = FakeObs([130.0], {"klong_pizero": 3e-9})     # KOTO covers m_pi0 (limit ~2.35e-9 there)
    assert plugin.loglike(koto_gap)[0] < -1.0


@pytest.mark.parametrize("name", ["belle_2017", "babar_2013"])
def test_b_to_k_upper_limits_reproduced_channel_by_channel(name):
    plugin = BToKZp(datasets=[name])
    limits = plugin.sets[name]["limits"]
    for mode, limit in limits.items():
        obs = FakeObs([10.0, 500.0, 1900.0], {mode: limit})
        terms = plugin.terms(obs)
        np.testing.assert_allclose(-2 * terms[f"{name}:{mode}"], Z90_2, rtol=1e-10)
        assert all(np.all(v == 0) for k, v in terms.items() if k != f"{name}:{mode}")
        assert plugin.loglike(FakeObs([2500.0], {mode: limit}))[0] == 0     # above the 2 GeV cap


def test_belle2_measurement_bounds_the_total_rate_without_credit_for_the_excess():
    plugin = BToKZp(datasets=["belle2_2023"])
    ds = plugin.sets["belle2_2023"]
    meas, sigma, sm = ds["br"]["value"], ds["br"]["sigma_up"], ds["sm_br"]
    at_90 = meas + stats.ONE_SIDED_Z90 * sigma - sm        # the Z' rate with Delta chi^2 = 1.64
    np.testing.assert_allclose(-2 * plugin.loglike(FakeObs([50.0], {"bplus_kplus": at_90})), Z90_2, rtol=1e-10)
    for below in (0.0, 1e-5, meas - sm):                    # up to the measured total: no penalty, no credit
        assert plugin.loglike(FakeObs([50.0], {"bplus_kplus": below}))[0] == 0.0
    one_sigma = FakeObs([50.0], {"bplus_kplus": meas + sigma - sm})
    np.testing.assert_allclose(-2 * plugin.loglike(one_sigma), 1.0, rtol=1e-10)


def test_lhcb_limits_reproduced_at_the_rows_and_interpolated_in_lifetime():
    plugin = BToKZp(datasets=["lhcb_2016_kplus_mumu"])
    ds = plugin.sets["lhcb_2016_kplus_mumu"]
    rows = ds["lifetime_tables"]
    tables = [ds.table_file(r["table"]) for r in rows]
    centres = [math.sqrt(r["tau_low_ps"] * r["tau_high_ps"]) for r in rows]
    for table, tau in zip(tables, centres):
        m, lim = np.array(table["m_x_mev"]), np.array(table["br_x_br_mumu_upper_95"])
        obs = FakeObs(m, {"bplus_kplus": lim / 0.5}, br_mumu=0.5, tau_ps=tau)
        np.testing.assert_allclose(-2 * plugin.loglike(obs), Z95_2, rtol=1e-9)
    # between two rows: log-linear in log(tau) at a mass bin present in both (1 ps and 10 ps rows)
    m = np.array(tables[1]["m_x_mev"])[100]
    l1 = np.array(tables[1]["br_x_br_mumu_upper_95"])[100]
    l10 = np.array(tables[2]["br_x_br_mumu_upper_95"])[list(tables[2]["m_x_mev"]).index(m)]
    tau_mid = math.sqrt(centres[1] * centres[2])
    mid = FakeObs([m], {"bplus_kplus": math.sqrt(l1 * l10)}, br_mumu=1.0, tau_ps=tau_mid)
    np.testing.assert_allclose(-2 * plugin.loglike(mid), Z95_2, rtol=1e-9)
    # shorter than the first row: the first row; longer than the last row's upper edge: unconstrained
    m0, l0 = np.array(tables[0]["m_x_mev"])[5], np.array(tables[0]["br_x_br_mumu_upper_95"])[5]
    prompt = FakeObs([m0], {"bplus_kplus": l0}, br_mumu=1.0, tau_ps=1e-3)
    np.testing.assert_allclose(-2 * plugin.loglike(prompt), Z95_2, rtol=1e-9)
    assert plugin.loglike(FakeObs([m0], {"bplus_kplus": 1.0}, br_mumu=1.0, tau_ps=130.0))[0] == 0
    # vetoed K0_S window and below 250 MeV: no constraint
    assert plugin.loglike(FakeObs([450.0, 240.0], {"bplus_kplus": 1.0}, br_mumu=1.0, tau_ps=1.0)).tolist() == [0, 0]


# --- kinematics and NA62's own lifetime dependence -------------------------------------------------------
def test_two_body_energy_range_is_the_boost_of_the_rest_frame_momentum():
    m_k, m_pi, m = M_K_CHARGED_MEV, M_PI_CHARGED_MEV, np.array([1.0, 100.0, 300.0])
    e_star = (m_k ** 2 + m ** 2 - m_pi ** 2) / (2 * m_k)
    lo, hi = recast.two_body_energy_range_mev(m_k, 0.0, m, m_pi)
    np.testing.assert_allclose(lo, e_star)
    np.testing.assert_allclose(hi, e_star)
    p_k = 75e3
    lo, hi = recast.two_body_energy_range_mev(m_k, p_k, m, m_pi)
    gamma = math.hypot(p_k, m_k) / m_k
    np.testing.assert_allclose((lo + hi) / 2, gamma * e_star, rtol=1e-12)     # mean = gamma E*
    # the ends are the Z' emitted forward/backward: explicit Lorentz boost of (E*, +-p*)
    p_star = np.sqrt(e_star ** 2 - m ** 2)
    beta = p_k / math.hypot(p_k, m_k)
    np.testing.assert_allclose(hi, gamma * (e_star + beta * p_star), rtol=1e-12)
    np.testing.assert_allclose(lo, gamma * (e_star - beta * p_star), rtol=1e-9)     # cancellation at 1 MeV
    # an isotropic boost spreads each energy flat: the mean lab energy is gamma times the mean
    energies, weights = recast.energy_nodes_between(lo, hi)
    boosted, w2 = recast.boost_isotropic(energies, weights, m, 0.28)
    np.testing.assert_allclose(w2.sum(), 1.0)
    np.testing.assert_allclose((boosted * w2).sum(-1), math.hypot(1, 0.28) * gamma * e_star, rtol=1e-12)


def test_na62_escape_distance_reproduces_its_own_lifetime_columns():
    """A fully visible X of lifetime tau is missed with P = Br_90(inf)/Br_90(tau) in NA62's table; nsifit's
    P_missing with the dataset's energies and escape distance gives the same within 11% in the logarithm."""
    plugin = KToPiZp(datasets=["na62_2017"])
    ds = plugin.sets["na62_2017"]
    table = ds.table()
    m_all, stable = np.array(table["m_x_mev"]), np.array(table["br_upper_90_tau_inf"])
    checked = 0
    for column, tau in ds["lifetime_columns_ps"].items():
        ratio = stable / np.array(table[column])
        use = (m_all > 0) & (ratio > 1e-4) & (ratio < 0.97)
        obs = FakeObs(m_all[use], {"kplus_piplus": 1.0}, br_visible=1.0, tau_ps=tau)
        p = plugin.p_missing(obs, "na62_2017")
        deviation = np.log(p) / np.log(ratio[use]) - 1
        assert np.all(np.abs(deviation) < 0.11), (column, deviation)
        checked += use.sum()
    assert checked > 250


# --- no flavour change, no constraint -------------------------------------------------------------------------
POINT = dict(m_zp=np.array([10.0, 30.0, 100.0, 300.0, 1500.0]), g_zp=1e-3)


@pytest.mark.parametrize("model, params", [
    ({"name": "mutau_baryon", "quark_alignment": "up"}, dict(POINT, c=-0.1, epsilon=1e-4)),
    ("mutau_baryon", dict(POINT, c=2 / 3, epsilon=1e-4)),
    ({"name": "mutau_baryon", "quark_alignment": "up"}, dict(POINT, c=2 / 3, tan_eta=-0.75)),
    ("dark_photon", dict(m_zp=POINT["m_zp"], epsilon=1e-3)),
    ("b_minus_l", POINT),
    ("lmu_minus_ltau", POINT),
])
def test_rates_and_constraints_vanish_without_tree_level_flavour_change(model, params):
    res = nsifit.evaluate(model, likelihoods=["k_to_pi_zp", "b_to_k_zp"], **params)
    for key in ("br_kplus_piplus_zp", "br_bplus_kplus_zp", "k_pi_zp_width_ratio"):
        assert np.all(res["derived"][key] < 1e-25), key          # c = 2/3 in floating point: ~1e-30
    for key in ("k_to_pi_zp", "b_to_k_zp"):
        assert np.all(res["loglike"][key] > -1e-15), key


def test_down_alignment_changes_flavour_and_is_excluded_by_orders_of_magnitude():
    res = nsifit.evaluate("mutau_baryon", likelihoods=["k_to_pi_zp", "b_to_k_zp"], m_zp=30.0, g_zp=5e-4, c=-0.1,
                          epsilon=0.0)
    np.testing.assert_allclose(res["derived"]["k_pi_zp_width_ratio"], 165.5, rtol=1e-3)    # the benchmark
    r = res["derived"]["k_pi_zp_width_ratio"]
    np.testing.assert_allclose(res["derived"]["br_kplus_piplus_zp"], r / (1 + r), rtol=1e-12)
    assert res["loglike"]["k_to_pi_zp"] < -1e18 and res["loglike"]["b_to_k_zp"] < -1e8
    up = nsifit.evaluate({"name": "mutau_baryon", "quark_alignment": "up"}, likelihoods=[], m_zp=30.0, g_zp=5e-4,
                         c=-0.1, epsilon=0.0)
    from nsifit.theory.models import get_model
    from nsifit.theory.observables import ObservableSet
    mdl = get_model({"name": "mutau_baryon", "quark_alignment": "up"})
    assert ObservableSet(mdl.couplings(up["params"]))["flavour_changing"][0]      # u-c-t only


def test_b_modes_of_one_parent_share_the_width_they_add():
    res = nsifit.evaluate("mutau_baryon", likelihoods=[], m_zp=np.array([30.0, 1000.0]), g_zp=5e-4, c=-0.1,
                          epsilon=0.0)
    from nsifit.theory.models import get_model
    from nsifit.theory.observables import ObservableSet
    mdl = get_model("mutau_baryon")
    obs = ObservableSet(mdl.couplings(res["params"]))
    brs = obs["meson_branching_ratios"]
    from nsifit.physics import meson_decays
    bare = meson_decays.meson_branching_ratios(obs.couplings.m_zp_mev, obs["quark_couplings"])
    b_plus = ("bplus_kplus", "bplus_piplus", "bplus_kstarplus")
    sm_share = 1.0 / (1.0 + sum(bare[k] for k in b_plus))
    np.testing.assert_allclose(sum(brs[k] for k in b_plus) + sm_share, 1.0, rtol=1e-12)


# --- the whole chain at one point, by hand ---------------------------------------------------------------------
def test_k_to_pi_chain_by_hand():
    """mutau_baryon, c = -0.1, down alignment, m_Z' = 30 MeV, g_zp = 1e-9, epsilon = 4e-6: the coupling from the
    CKM matrix, the textbook width with the longitudinal enhancement, Br, P_missing by quadrature over the
    NA62 Z' energies (a second route to the plugin's Gauss-Legendre nodes) and the one-sided Gaussian."""
    m, g, c, eps = 30.0, 1e-9, -0.1, 4e-6
    # 1. s-d coupling: g_L^{sd} = g (X_3 - X_1) V_ts^* V_td, vector part half of it (V_R = 1)
    lam, a, rho_eta = CKM_LAMBDA, CKM_A, CKM_RHO_BAR + 1j * CKM_ETA_BAR
    s12, s23 = lam, a * lam ** 2
    w = a * lam ** 3 * rho_eta * math.sqrt(1 - a ** 2 * lam ** 4) / (
        math.sqrt(1 - lam ** 2) * (1 - a ** 2 * lam ** 4 * rho_eta))
    c12, c23 = math.sqrt(1 - s12 ** 2), math.sqrt(1 - s23 ** 2)
    v_td = s12 * s23 - c12 * c23 * w
    v_ts = -c12 * s23 - s12 * c23 * w
    x_light, x_heavy = -c / 3, -2 * (1 - c) / 3
    g_v_sd = g * (x_heavy - x_light) * np.conj(v_ts) * v_td / 2
    # 2. Gamma = |g_V|^2 f_+^2 lambda^{3/2} / (16 pi M^3 m^2), f_+ = 0.9698 exp(0.02422 m^2/m_pi^2)
    big_m, m_pi = M_K_CHARGED_MEV, M_PI_CHARGED_MEV
    lam_k = (big_m ** 2 - (m_pi + m) ** 2) * (big_m ** 2 - (m_pi - m) ** 2)
    f_plus = 0.9698 * math.exp(24.22e-3 * m ** 2 / m_pi ** 2)
    width = abs(g_v_sd) ** 2 * f_plus ** 2 * lam_k ** 1.5 / (16 * math.pi * big_m ** 3 * m ** 2)
    br = width / (GAMMA_K_CHARGED_MEV + width)
    # 3. Z' widths: nu_mu and nu_tau (left-handed, charge 1) and e+e- through epsilon
    gamma_nu = 2 * g ** 2 * m / (24 * math.pi)
    g_e = -E_CHARGE * eps
    beta_e = math.sqrt(1 - 4 * M_E_MEV ** 2 / m ** 2)
    gamma_ee = g_e ** 2 * m / (12 * math.pi) * (1 + 2 * M_E_MEV ** 2 / m ** 2) * beta_e
    total = gamma_nu + gamma_ee
    ctau = HBARC_MEV_CM / total
    # 4. P_missing over E_Z' flat in 40-60 GeV, escape distance 246 m, by adaptive quadrature
    ds = datasets.load("k_to_pi_zp", "na62_2017")
    distance = ds.number("escape_distance_cm")
    escape = integrate.quad(lambda e: math.exp(-distance * m / (math.sqrt(e * e - m * m) * ctau)), 40e3, 60e3,
                            epsabs=0, epsrel=1e-10)[0] / 20e3
    p_missing = gamma_nu / total + gamma_ee / total * escape
    assert 0.05 < escape < 0.95 and 0.05 < p_missing < 0.95         # the point tests the decay-length part
    # 5. NA62 limit at the tabulated 30 MeV and the one-sided Gaussian
    limit = 1.24e-10
    expected = -0.5 * (stats.ONE_SIDED_Z90 * br * p_missing / limit) ** 2
    res = nsifit.evaluate("mutau_baryon", likelihoods=["k_to_pi_zp"], options={"k_to_pi_zp": {"dataset": "na62_2017"}},
                          m_zp=m, g_zp=g, c=c, epsilon=eps)
    np.testing.assert_allclose(res["derived"]["br_kplus_piplus_zp"], br, rtol=1e-6)
    np.testing.assert_allclose(res["derived"]["p_missing_na62_2017"], p_missing, rtol=2e-3)
    np.testing.assert_allclose(res["loglike"]["k_to_pi_zp"], expected, rtol=5e-3)


def test_plugins_state_their_assumptions_and_options():
    for cls in (KToPiZp, BToKZp):
        info = cls.info()
        assert any("quark_alignment" in a for a in info["assumptions"])
        assert set(info["datasets"]) >= set(declared(cls.options)["datasets"].default)


def test_element_route_equals_the_full_mass_basis_matrices():
    """The observables use flavour_changing_left and meson_widths (no (n, 3, 3) arrays); they must equal the
    entries of flavour_changing_couplings and the width_* functions on those matrices, for any charges."""
    from nsifit.physics import meson_decays as md
    from nsifit.physics import quark_mixing as qm
    rng = np.random.default_rng(3)
    x = rng.uniform(-1, 1, (50, 3))
    g = 10 ** rng.uniform(-6, -2, 50)
    m = 10 ** rng.uniform(0, 3.5, 50)
    pairs = [(1, 0), (2, 1), (2, 0), (0, 1), (0, 2)]
    for alignment in qm.ALIGNMENTS:
        full = qm.flavour_changing_couplings(x, x, x, g, alignment)
        for sector, matrix in (("down", full.left_down), ("up", full.left_up)):
            parts = qm.flavour_changing_left(x, g, pairs, sector, alignment)
            for (i, j), value in parts.items():
                np.testing.assert_allclose(value, matrix[:, i, j], rtol=1e-12, atol=1e-30)
        gv, ga = full.vector_down, full.axial_down
        widths = md.meson_widths(m, gv[:, 1, 0], gv[:, 2, 1], gv[:, 2, 0], ga[:, 2, 1])
        reference = {mode: br * md.SM_WIDTHS_MEV[mode] for mode, br in md.meson_branching_ratios(m, full).items()}
        for mode, w in widths.items():
            np.testing.assert_allclose(w, reference[mode], rtol=1e-12, atol=0)
