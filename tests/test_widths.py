"""Z' decays: branching ratios, Bernal and Farzan eqs. 21, 23-24, thresholds, decay lengths."""

import math

import numpy as np
import pytest

import nsifit
from nsifit.constants import E_CHARGE, HBARC_MEV_CM, M_E_MEV, M_MU_MEV
from nsifit.physics import phi_sector, widths
from nsifit.theory.models import get_model
from nsifit.theory.observables import ObservableSet


def derived(model="mutau_baryon", **params):
    return nsifit.evaluate(model, likelihoods=[], **params)["derived"]


def test_branching_ratios_sum_to_one():
    mdl = get_model("mutau_baryon")
    params = mdl.resolve(dict(m_zp=np.geomspace(2, 270, 50), g_zp=3e-4, c=-0.1, tan_eta=-0.75,
                              c_phi=40.0, m_phi=8.0))
    obs = ObservableSet(mdl.couplings(params))
    total = sum(obs[k] for k in ("br_ee", "br_mumu", "br_inv", "br_phiphi"))
    np.testing.assert_allclose(total, 1.0, rtol=1e-14)
    assert np.all(obs["br_mumu"][params["m_zp"] > 2 * M_MU_MEV] > 0)
    heavy = mdl.resolve(dict(m_zp=np.geomspace(300, 1500, 20), g_zp=3e-4, c=-0.1, tan_eta=-0.75))
    np.testing.assert_allclose(sum(ObservableSet(mdl.couplings(heavy))["branching_ratios"].values()), 1.0,
                               rtol=1e-14)


def test_eq21_recovered_when_electron_mass_negligible():
    eps = np.array([1e-5, 1e-4, 1e-3])
    g = 3e-4
    d = derived(m_zp=200.0, g_zp=g, c=-0.1, epsilon=eps)     # m_e/m = 2.6e-3, below the muon threshold
    ee = (E_CHARGE * eps) ** 2
    np.testing.assert_allclose(d["br_ee"], ee / (ee + g ** 2), rtol=1e-5)


def test_eq24_limit_is_four_over_cphi2_beta3_not_eight():
    c_phi, m, m_phi, g = 40.0, 60.0, 20.0, 1e-4
    d = derived(m_zp=m, g_zp=g, c=-0.1, epsilon=1e-7, c_phi=c_phi, m_phi=m_phi)
    beta3 = (1 - 4 * m_phi ** 2 / m ** 2) ** 1.5
    # eqs. 21 + 23 exactly: Br(inv)/Br(phi phi) = (g^2/12 pi)/(c_phi^2 g^2 beta^3/48 pi)
    assert d["br_inv"] / d["br_phiphi"] == pytest.approx(4 / (c_phi ** 2 * beta3), rel=1e-12)
    # and in the limit c_phi^2 g^2 >> e^2 eps^2, g^2 (to O(Br_inv^2)): half the printed 8/(c_phi^2 beta^3)
    assert d["br_inv"] == pytest.approx(0.5 * 8 / (c_phi ** 2 * beta3), rel=0.01)
    assert d["br_inv"] != pytest.approx(8 / (c_phi ** 2 * beta3), rel=0.3)


def test_phi_width_vanishes_at_threshold_as_beta_cubed():
    m = 100.0
    m_phi = 50.0 * (1 - np.geomspace(1e-6, 1e-3, 4))
    gamma = widths.width_vector_to_scalars(1.0, m, m_phi)
    beta = np.sqrt(1 - 4 * m_phi ** 2 / m ** 2)
    np.testing.assert_allclose(gamma / beta ** 3, m / (48 * math.pi), rtol=1e-9)
    assert widths.width_vector_to_scalars(1.0, m, 50.1) == 0.0


def test_lepton_width_full_mass_dependence_and_threshold():
    g = 1e-3
    assert widths.width_vector_to_fermions(g, 2 * M_MU_MEV * 0.999, M_MU_MEV) == 0.0
    m = 2 * M_MU_MEV * 1.5
    beta = math.sqrt(1 - 1 / 1.5 ** 2)
    expected = g ** 2 * m / (12 * math.pi) * (1 + 2 * M_MU_MEV ** 2 / m ** 2) * beta
    assert widths.width_vector_to_fermions(g, m, M_MU_MEV) == pytest.approx(expected, rel=1e-14)
    assert widths.width_vector_to_fermions(g, 1e4, M_E_MEV) == pytest.approx(g ** 2 * 1e4 / (12 * math.pi),
                                                                             rel=1e-8)


def test_pion_form_factor_gounaris_sakurai_peak_and_shape():
    s = np.linspace(300, 1000, 701) ** 2
    assert abs(np.sqrt(s[np.argmax(widths.pion_form_factor_squared(s))]) - 775.26) < 20.0
    # at s = m_rho^2, f = 0 and Gamma(s) = Gamma: |F|^2 = (m/Gamma)^2 (1 + d Gamma/m)^2, d = 0.48 (GS)
    assert widths.pion_form_factor_squared(775.26 ** 2) == pytest.approx(
        (775.26 / 149.1) ** 2 * (1 + 0.4786 * 149.1 / 775.26) ** 2, rel=1e-3)
    assert widths.pion_form_factor_squared(1e3 ** 2) < 3 < widths.pion_form_factor_squared(700 ** 2)


def test_dark_photon_pipi_to_mumu_is_r_ratio_near_rho_peak():
    """Gamma(A' -> pi pi)/Gamma(A' -> mu mu) = e+e- -> pi pi / mu mu = beta_pi^3 |F_pi|^2 / (4 (1 + 2 m_mu^2/m^2)
    beta_mu), measured ~9 at the rho peak; without omega-rho interference the GS rho alone gives ~6.5."""
    mdl = get_model("dark_photon")
    obs = ObservableSet(mdl.couplings(mdl.resolve(dict(m_zp=775.26, epsilon=1e-3))))
    ratio = obs["partial_widths"]["pipi"][0] / obs["partial_widths"]["mumu"][0]
    assert 5.5 < ratio < 10


def test_dark_photon_width_and_ctau():
    eps, m = 1e-4, 17.0
    d = derived("dark_photon", m_zp=m, epsilon=eps)
    gamma = widths.width_vector_to_fermions(E_CHARGE * eps, m, M_E_MEV)
    assert d["gamma_total_mev"] == pytest.approx(gamma, rel=1e-14)
    assert d["ctau_cm"] == pytest.approx(HBARC_MEV_CM / gamma, rel=1e-14)
    assert d["br_ee"] == 1.0


def test_lab_decay_length_is_boosted_ctau():
    assert widths.lab_decay_length_cm(1e-9, 10.0, 30e3) == pytest.approx(
        math.sqrt(30e3 ** 2 - 100) / 10 * HBARC_MEV_CM / 1e-9, rel=1e-14)


def test_eq26_minimal_coupling_for_prompt_zp_decay():
    """Bernal and Farzan eq. 26: c_phi g_zp > 3.3e-4 (30 MeV/m) (1 - 4 m_phi^2/m^2)^(-3/4)."""
    m, m_phi = np.array([30.0, 60.0, 90.0]), np.array([10.0, 20.0, 10.0])
    seed = 3.3e-4 * (30 / m) * (1 - 4 * m_phi ** 2 / m ** 2) ** -0.75
    np.testing.assert_allclose(phi_sector.min_g_phi_for_prompt_decay(m, m_phi), seed, rtol=0.02)


def test_default_phi_lifetime_about_1e_minus_14_s():
    from nsifit.constants import HBAR_MEV_S
    from nsifit.theory.models.base import default_lambda_phi_e
    gamma = widths.width_scalar_to_electrons(default_lambda_phi_e(10.0), 10.0)
    assert HBAR_MEV_S / gamma == pytest.approx(1.0e-14, rel=0.05)


def test_lambda_portal_eq31_reference_value():
    assert phi_sector.lambda_portal(8.5e-4, 30.0) == pytest.approx(0.026, rel=0.01)
