"""CEvNS at COHERENT: source, cross section, weak charge with a Z', detector counts, likelihood."""

import math
import pickle

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.optimize import minimize

import nsifit
from nsifit.constants import G_F_MEV2, M_MU_MEV
from nsifit.errors import ConfigError, DataError
from nsifit.physics import cevns, cevns_detector
from nsifit.theory.couplings import Couplings
from nsifit.theory.models import get_model
from nsifit.theory.observables import ObservableSet
from nsifit_likelihoods.cevns_coherent import (
    CevnsCoherent,
    detector_from_dataset,
    profiled_single_bin_chi2,
)

ALL = ["csi_2017", "csi_2021", "lar_2020"]
AR = cevns.ISOTOPES["Ar40"]


@pytest.fixture(scope="module")
def plugin():
    return CevnsCoherent(datasets=ALL)


def evaluate_cevns(model, datasets=("lar_2020",), **params):
    return nsifit.evaluate(model, likelihoods=["cevns_coherent"],
                          options={"cevns_coherent": {"datasets": list(datasets)}}, **params)


# --- source and cross section ---------------------------------------------------------------
def test_cevns_prompt_line_energy():
    assert cevns.E_NU_MU_PROMPT_MEV == pytest.approx(29.79, abs=0.01)


@pytest.mark.parametrize("pdf, mean_over_m_mu", [(cevns.michel_nue_pdf, 0.30), (cevns.michel_numubar_pdf, 0.35)])
def test_cevns_michel_spectra_normalised_with_known_means(pdf, mean_over_m_mu):
    assert quad(pdf, 0, M_MU_MEV / 2)[0] == pytest.approx(1.0, rel=1e-12)
    assert quad(lambda e: e * pdf(e), 0, M_MU_MEV / 2)[0] == pytest.approx(mean_over_m_mu * M_MU_MEV, rel=1e-12)


@pytest.mark.parametrize("component, pdf", [("nu_e", cevns.michel_nue_pdf), ("nu_mubar", cevns.michel_numubar_pdf)])
def test_cevns_analytic_energy_integral_matches_quadrature(component, pdf):
    m = AR.mass_mev
    for t in (1e-4, 0.02, 0.1, 0.14):
        e_min = float(cevns.e_nu_min_mev(t, m))
        ref = quad(lambda e, t=t: pdf(e) * cevns.kinematic_factor(e, t, m), e_min, M_MU_MEV / 2, epsabs=0)[0]
        assert cevns.spectrum_folded_kinematics(component, np.array([t]), m)[0] == pytest.approx(ref, rel=1e-9)


@pytest.mark.parametrize("component, mean_us", [("nu_mu_prompt", cevns.TAU_PI_US),
                                                 ("nu_e", cevns.TAU_PI_US + cevns.TAU_MU_US)])
def test_cevns_arrival_time_pdfs_normalised_with_lifetime_means(component, mean_us):
    def pdf(t):
        return cevns.arrival_time_pdf_per_us(component, t, proton_time_us=0.3)

    assert quad(pdf, 0, 0.3)[0] == 0.0
    assert quad(pdf, 0.3, np.inf, limit=200)[0] == pytest.approx(1.0, rel=1e-8)
    assert quad(lambda t: (t - 0.3) * pdf(t), 0.3, np.inf, limit=200)[0] == pytest.approx(mean_us, rel=1e-8)


def test_cevns_time_window_weights_match_closed_form():
    """int_0^T pdf(t) eff(t) dt for eff = 1 below a, exp(-b (t - a)) above (COHERENT 2021):
    each exponential e^(-t/tau) gives tau (1 - e^(-a/tau)) + e^(-a/tau) (1 - e^(-(1/tau + b)(T - a))) / (1/tau + b)."""
    a, b, t_end = 0.52, 0.0494, 6.0
    eff = cevns_detector.build_time_efficiency({"model": "exponential_tail", "flat_until_us": a, "decay_per_us": b})
    weights = cevns.arrival_time_weights(eff, (0.0, t_end))

    def integral(tau):
        r = 1 / tau + b
        return tau * (1 - math.exp(-a / tau)) + math.exp(-a / tau) * (1 - math.exp(-r * (t_end - a))) / r

    tau_pi, tau_mu = cevns.TAU_PI_US, cevns.TAU_MU_US
    assert weights["nu_mu_prompt"] == pytest.approx(integral(tau_pi) / tau_pi, rel=1e-6)
    delayed = (integral(tau_mu) - integral(tau_pi)) / (tau_mu - tau_pi)
    assert weights["nu_e"] == pytest.approx(delayed, rel=1e-6)
    assert weights["nu_mubar"] == weights["nu_e"]


def test_cevns_gamma_smearing_has_release_mean_and_variance():
    """Gamma of shape k = 1 + b E and mean mu: sum P = 1, mean mu, variance mu^2 / k."""
    probabilities = cevns_detector.smearing_gamma(shape_b_per_kevee=9.56, step_pe=0.01)
    e_ee = np.array([0.5, 2.0, 4.0])
    mu = 13.35 * e_ee
    x, p = probabilities(mu, e_ee, (0.0, 400.0))
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-9)
    mean = p @ x
    np.testing.assert_allclose(mean, mu, rtol=1e-6)
    np.testing.assert_allclose(p @ x ** 2 - mean ** 2, mu ** 2 / (1 + 9.56 * e_ee), rtol=1e-4)


def test_cevns_kinematic_endpoint_consistent():
    e = np.array([10.0, 29.8, 52.8])
    t_max = cevns.recoil_max_mev(e, AR.mass_mev)
    np.testing.assert_allclose(cevns.e_nu_min_mev(t_max, AR.mass_mev), e, rtol=1e-12)
    np.testing.assert_allclose(cevns.kinematic_factor(e, t_max, AR.mass_mev), 0.0, atol=1e-12)


def test_cevns_helm_form_factor_small_q_gives_rms_radius():
    a = 133
    c = 1.23 * a ** (1 / 3) - 0.60
    r0_sq = c ** 2 + 7 / 3 * math.pi ** 2 * 0.52 ** 2 - 5 * 0.9 ** 2
    r_rms_sq = 0.6 * r0_sq + 3 * 0.9 ** 2                 # Helm: <r^2> = 3/5 R0^2 + 3 s^2
    q_fm = 0.01
    f = cevns.helm_form_factor(q_fm * 197.3269804, a)
    assert f == pytest.approx(1 - q_fm ** 2 * r_rms_sq / 6, rel=1e-7)


# --- counts -----------------------------------------------------------------------------------
def test_cevns_sm_point_gives_ratio_exactly_one():
    for model, params in (("mutau_baryon", dict(m_zp=[3.0, 30.0], g_zp=0.0, c=-0.1, epsilon=0.0)),
                          ("dark_photon", dict(m_zp=[3.0, 30.0], epsilon=1e-3))):   # nu do not couple
        res = evaluate_cevns(model, ALL, **params)
        for name in ALL:
            assert np.all(res["derived"][f"cevns_ratio_{name}"] == 1.0)


@pytest.mark.parametrize("name", ALL)
def test_cevns_computed_sm_counts_match_published(plugin, name):
    published = plugin.sets[name]["published_sm"]
    computed = plugin.n_sm_computed[name]
    print(f"{name}: computed {computed:.1f}, published {published['value']} +- {published['sigma']}, "
          f"ratio {computed / published['value']:.3f}")
    assert abs(computed - published["value"]) < published["sigma"]


def test_cevns_counts_match_brute_force_double_integral(plugin):
    """SM Ar count from a dense (E, T) grid over the raw dsigma/dT and the Michel spectra."""
    det = detector_from_dataset(plugin.sets["lar_2020"])
    t = np.linspace(1e-6, float(cevns.recoil_max_mev(cevns.E_NU_MAX_MEV, AR.mass_mev)), 3000)
    e = np.linspace(1e-3, cevns.E_NU_MAX_MEV, 6000)
    xs = cevns.dsigma_dt_cm2_per_mev(e[None, :], t[:, None], AR)
    delayed = np.trapezoid(xs * (cevns.michel_nue_pdf(e) + cevns.michel_numubar_pdf(e))[None, :], e, axis=1)
    prompt = cevns.dsigma_dt_cm2_per_mev(cevns.E_NU_MU_PROMPT_MEV, t, AR)
    per_t = (delayed + prompt) * det.response(t) * det.targets["Ar40"] * det.fluence_cm2
    assert plugin.n_sm_computed["lar_2020"] == pytest.approx(np.trapezoid(per_t, t), rel=2e-3)


def test_cevns_recoil_quadrature_converged(plugin):
    detectors = [detector_from_dataset(ds) for ds in plugin.sets.values()]
    fine = cevns.CevnsKernel(detectors, nodes_per_panel=48).counts_sm()
    np.testing.assert_allclose(plugin.kernel.counts_sm(), fine, rtol=1e-4)


def test_cevns_moment_expansion_equals_full_flavour_sum(plugin):
    """Off-diagonal NSI: the fast route (P moments, splined in m_zp) against the full flavour
    sum sum_b |Q_SM d_ab + A_ab P(T)|^2 at every recoil node, m_zp also off the spline grid."""
    rng = np.random.default_rng(3)
    n = 50
    x_nu = rng.normal(size=(n, 3, 3))
    x_nu = x_nu + np.swapaxes(x_nu, 1, 2)                                  # Hermitian (real symmetric)
    cpl = Couplings(m_zp_mev=10 ** rng.uniform(-3.5, 6.5, n), g_zp=10 ** rng.uniform(-5, -3, n),
                    epsilon=rng.normal(0, 1e-4, n), charges={"u": 0.3, "d": -0.2}, nu_charges=x_nu)
    args = (cpl.g_nu, cpl.vector("p"), cpl.vector("n"), cpl.m_zp_mev)
    np.testing.assert_allclose(plugin.kernel.counts(*args), plugin.kernel.counts_direct(*args), rtol=2e-6)


def test_cevns_vectorized_equals_pointwise(plugin):
    m, g = np.geomspace(1, 1000, 40), np.geomspace(1e-5, 1e-3, 40)
    batch = evaluate_cevns("mutau_baryon", ALL, m_zp=m, g_zp=g, c=-0.1, tan_eta=0.5)
    for i in (0, 17, 39):
        one = evaluate_cevns("mutau_baryon", ALL, m_zp=m[i], g_zp=g[i], c=-0.1, tan_eta=0.5)
        assert one["loglike"]["cevns_coherent"] == pytest.approx(batch["loglike"]["cevns_coherent"][i], rel=1e-13)


# --- Z' physics -------------------------------------------------------------------------------
def test_cevns_contact_limit_matches_q2_zero_weak_charge():
    """B-L couples all flavours alike, so for Ar R = (Q_SM + Z eps_p + N eps_n)^2 / Q_SM^2."""
    m = 1.0e5
    g = np.sqrt(np.array([0.05, 0.3, 1.0]) * math.sqrt(2) * G_F_MEV2 * m ** 2)   # eps_p = -0.05 .. -1
    res = evaluate_cevns("b_minus_l", m_zp=m, g_zp=g)
    delta = AR.z * res["derived"]["eps_p"] + AR.n * res["derived"]["eps_n"]
    expected = (AR.q_sm + delta) ** 2 / AR.q_sm ** 2
    np.testing.assert_allclose(res["derived"]["cevns_ratio_lar_2020"], expected, rtol=1e-5)


def test_cevns_light_mediator_reduces_effect_monotonically():
    m = np.geomspace(1e4, 1.0, 60)
    g = np.sqrt(0.2 * math.sqrt(2) * G_F_MEV2 * m ** 2)                   # contact eps_p = -0.2 for all m
    res = evaluate_cevns("b_minus_l", ALL, m_zp=m, g_zp=g)
    for name in ALL:
        effect = np.abs(res["derived"][f"cevns_ratio_{name}"] - 1.0)
        assert np.all(np.diff(effect) < 0), name
        assert effect[-1] < 0.02 * effect[0]


@pytest.mark.parametrize("isotope", ["Cs133", "I127", "Ar40"])
def test_cevns_nsi_cancels_at_tan_eta_minus_z_over_n(isotope):
    iso = cevns.ISOTOPES[isotope]
    det = cevns.Detector(isotope, {isotope: 1.0e24}, 1.0e14, lambda t: np.ones_like(t))
    kernel = cevns.CevnsKernel([det])
    m, g = np.array([2.0, 20.0, 2000.0]), np.array([1e-3, 3e-3, 1e-1])
    tan_eta = -iso.z / iso.n
    res = nsifit.evaluate("mutau_baryon", m_zp=m, g_zp=g, c=-0.1, tan_eta=tan_eta, likelihoods=[])
    cpl = get_model("mutau_baryon").couplings(res["params"])
    counts = kernel.counts(cpl.g_nu, cpl.vector("p"), cpl.vector("n"), cpl.m_zp_mev)[:, 0]
    np.testing.assert_allclose(counts / kernel.counts_sm()[0], 1.0, rtol=1e-12)
    off = nsifit.evaluate("mutau_baryon", m_zp=m, g_zp=g, c=-0.1, tan_eta=tan_eta + 0.2, likelihoods=[])
    cpl_off = get_model("mutau_baryon").couplings(off["params"])
    assert np.all(np.abs(kernel.counts(cpl_off.g_nu, cpl_off.vector("p"), cpl_off.vector("n"),
                                       cpl_off.m_zp_mev)[:, 0] / kernel.counts_sm()[0] - 1) > 1e-2)


def test_cevns_mutau_baryon_tan_eta_negative_weakly_constrained():
    """Bernal and Farzan: tan_eta = -0.75 sits between -Z/N of CsI (-0.71) and Ar (-0.82)."""
    g = np.array([2.2e-4, 3.8e-4])
    sm = evaluate_cevns("mutau_baryon", ALL, m_zp=10.0, g_zp=0.0, c=-0.1, epsilon=0.0)["loglike"]["cevns_coherent"]
    dchi2 = {te: -2 * (evaluate_cevns("mutau_baryon", ALL, m_zp=10.0, g_zp=g, c=-0.1,
                              tan_eta=te)["loglike"]["cevns_coherent"] - sm) for te in (-0.75, 0.5)}
    print("m_zp = 10 MeV, c = -0.1, g_zp =", g, "Delta chi^2:", dchi2)
    assert np.all(dchi2[-0.75] < 1.0)
    assert np.all(dchi2[0.5] > 9.0)


def test_cevns_weak_charge_sign_flip_degenerate_only_in_contact_limit():
    """Bernal and Farzan after eq. 33: Z eps_p + N eps_n = -2 Q_SM flips Q_mu; nu_e (no Z' coupling) is unchanged."""
    c, tan_eta = -0.1, 0.5                                   # g_p = -2 c g, g_n = -c g (eq. 11)
    target = -2 * AR.q_sm                                    # required Z eps_p + N eps_n
    ratio = {}
    for m in (1.0e5, 10.0):
        g = math.sqrt(target * math.sqrt(2) * G_F_MEV2 * m ** 2 / (-c * (2 * AR.z + AR.n)))
        res = evaluate_cevns("mutau_baryon", m_zp=m, g_zp=g, c=c, tan_eta=tan_eta)
        assert AR.z * res["derived"]["eps_p"] + AR.n * res["derived"]["eps_n"] == pytest.approx(target)
        ratio[m] = res["derived"]["cevns_ratio_lar_2020"]
    assert ratio[1.0e5] == pytest.approx(1.0, abs=1e-4)
    assert abs(ratio[10.0] - 1.0) > 0.1


# --- statistics -------------------------------------------------------------------------------
def full_chi2(x, n_th, alpha=None, beta=None):
    a = x[0] if alpha is None else alpha
    b = x[-1] if beta is None else beta
    chi2 = (142 - n_th * (1 + a) - 6 * (1 + b)) ** 2 / (142 + 2 * 405 + 6)
    return chi2 + (a / 0.28) ** 2 * (alpha is None) + (b / 0.25) ** 2 * (beta is None)


@pytest.mark.parametrize("n_th", [50.0, 173.0, 400.0])
def test_cevns_csi2017_analytic_profile_equals_numerical_minimum(n_th):
    args = (142, 6, 958, 0.28, 0.25)
    both = minimize(full_chi2, [0.0, 0.0], args=(n_th,), method="BFGS", options={"gtol": 1e-10}).fun
    assert profiled_single_bin_chi2(n_th, *args) == pytest.approx(both, rel=1e-7)
    only_beta = minimize(full_chi2, [0.0], args=(n_th, 0.1), method="BFGS", options={"gtol": 1e-10}).fun
    assert profiled_single_bin_chi2(n_th, *args, alpha=0.1) == pytest.approx(only_beta, rel=1e-7)


def test_cevns_sampled_nuisances_maximise_to_profile(plugin):
    """max over (alpha, beta) of log L(alpha, beta) + log prior = the plugin's profiled log L."""
    res = evaluate_cevns("mutau_baryon", ["csi_2017"], m_zp=10.0, g_zp=2e-4, c=-0.1, tan_eta=0.5)
    single = CevnsCoherent(datasets=["csi_2017"])
    obs = ObservableSet(get_model("mutau_baryon").couplings(res["params"]),
                                           res["params"])
    profiled = single.loglike(obs)[0]
    alpha, beta = np.meshgrid(np.linspace(-0.9, 0.9, 721), np.linspace(-0.9, 0.9, 721))
    grid = single.loglike(obs, cevns_csi2017_alpha=alpha.ravel(), cevns_csi2017_beta=beta.ravel())
    grid = grid - 0.5 * ((alpha.ravel() / 0.28) ** 2 + (beta.ravel() / 0.25) ** 2)
    assert grid.max() == pytest.approx(profiled, abs=2e-4)
    assert [n.name for n in single.nuisances] == ["cevns_csi2017_alpha", "cevns_csi2017_beta"]
    assert CevnsCoherent().nuisances == ()


# --- plugin interface -------------------------------------------------------------------------
def test_cevns_plugin_reports_derived_and_data_files(plugin):
    res = evaluate_cevns("mutau_baryon", ALL, m_zp=10.0, g_zp=1e-4, c=-0.1, tan_eta=0.5)
    for name in ALL:
        assert res["derived"][f"cevns_nsm_{name}"] == pytest.approx(plugin.n_sm_computed[name])
    assert any(path.endswith("lar_2020_acceptance.csv") for path in plugin.data_files)
    assert sum(path.endswith(".yaml") for path in plugin.data_files) == 3


def test_cevns_plugin_rejects_bad_dataset_options():
    with pytest.raises(DataError, match="valid: csi_2017, csi_2021, lar_2020"):
        CevnsCoherent(datasets=["csi_2019"])
    with pytest.raises(ConfigError, match="non-empty list"):
        CevnsCoherent(datasets="csi_2017")
    with pytest.raises(ConfigError, match="not both"):
        CevnsCoherent(dataset="csi_2017", datasets=["lar_2020"])


def test_cevns_plugin_pickles_for_process_pools(plugin):
    res = evaluate_cevns("mutau_baryon", ALL, m_zp=[5.0, 50.0], g_zp=3e-4, c=-0.1, tan_eta=0.5)
    obs = ObservableSet(get_model("mutau_baryon").couplings(res["params"]),
                                           res["params"])
    clone = pickle.loads(pickle.dumps(plugin))
    np.testing.assert_array_equal(clone.loglike(obs), plugin.loglike(obs))
