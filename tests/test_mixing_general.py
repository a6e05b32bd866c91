"""Loop-induced kinetic mixing from any charges: closed forms for L_mu - L_tau and L_e - L_mu, the absorptive
parts above each pair threshold, the boundary condition where the loop diverges, and the refusals."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

import nsifit
from nsifit.constants import E_CHARGE, M_E_MEV, M_MU_MEV, M_TAU_MEV
from nsifit.errors import ParameterError
from nsifit.physics import mixing
from nsifit.theory.models import get_model


def model_couplings(spec, **params):
    mdl = get_model(spec)
    return mdl.couplings(mdl.resolve(params))


def feynman_integral(q2, masses_weights, scale=None):
    """(e/2 pi^2) sum_f w_f int_0^1 x(1-x) ln|m_f^2 - x(1-x) q^2| dx (real part), by quadrature."""
    total = 0.0
    for m, w in masses_weights:
        pts = None
        if q2 > 4 * m * m:
            b = math.sqrt(1 - 4 * m * m / q2)
            pts = [(1 - b) / 2, (1 + b) / 2]
        val = quad(lambda x, m=m: x * (1 - x) * math.log(abs(m * m - x * (1 - x) * q2)), 0, 1, points=pts,
                   epsabs=0, epsrel=1e-12, limit=400)[0]
        total += w * (val - (0.0 if scale is None else math.log(scale ** 2) / 6))
    return E_CHARGE * total / (2 * math.pi ** 2)


def test_lmu_minus_ltau_from_its_charges_equals_the_closed_form():
    g = np.array([1e-4, 3e-3])
    cpl = model_couplings({"name": "u1", "charges": {"L_mu": 1, "L_tau": -1}}, m_zp=10.0, g_zp=g)
    closed = E_CHARGE * g / (12 * math.pi ** 2) * math.log(M_TAU_MEV ** 2 / M_MU_MEV ** 2)
    np.testing.assert_allclose(cpl.epsilon, closed, rtol=1e-13)
    for q2 in (-1e5, 3e4, 6e4, 3e6, 2e7):
        np.testing.assert_allclose(cpl.epsilon_at(q2), mixing.epsilon_lmu_minus_ltau_complex(q2, g), rtol=1e-14)


def test_le_minus_lmu_loop_is_finite_and_equals_its_closed_form():
    """S = Q_e X_e + Q_mu X_mu = -1 + 1 = 0: scale free; epsilon(0) = e g/(6 pi^2) ln(m_mu/m_e)."""
    g = 2e-4
    cpl = model_couplings("le_minus_lmu", m_zp=5.0, g_zp=g)
    assert cpl.epsilon[0] == pytest.approx(E_CHARGE * g / (6 * math.pi ** 2) * math.log(M_MU_MEV / M_E_MEV),
                                           rel=1e-13)
    assert cpl.epsilon[0] == pytest.approx(g / 36.7, rel=0.001)         # twice L_mu - L_tau's g/69.3 in ln
    u1 = model_couplings({"name": "u1", "charges": {"L_e": 1, "L_mu": -1}}, m_zp=5.0, g_zp=g)
    assert u1.epsilon[0] == cpl.epsilon[0]
    for q2 in (-2e4, 0.5, 1.0, 2e3, 5e4, 1e6):        # across 4 m_e^2 = 1.04 MeV^2 and 4 m_mu^2 = 4.47e4 MeV^2
        direct = feynman_integral(q2, [(M_E_MEV, -g), (M_MU_MEV, g)])
        assert cpl.epsilon_at(q2)[0].real == pytest.approx(direct, rel=1e-9, abs=1e-22)


@pytest.mark.parametrize("q2", [0.5, 2.0, 1e3, 3e4, 5e4, 1e6])
def test_le_minus_lmu_absorptive_part_above_each_threshold(q2):
    """Im int x(1-x) ln(m^2 - x(1-x) q^2 - i0) = -pi beta (1 + 2 m^2/q^2)/6 above q^2 = 4 m^2, else 0:
    the electron loop (weight -1) turns on at 2 m_e, the muon loop (+1) at 2 m_mu."""
    g = 1e-3

    def im(m):
        if q2 <= 4 * m * m:
            return 0.0
        beta = math.sqrt(1 - 4 * m * m / q2)
        return -math.pi * beta * (1 + 2 * m * m / q2) / 6

    expected = E_CHARGE * g / (2 * math.pi ** 2) * (-im(M_E_MEV) + im(M_MU_MEV))
    eps = model_couplings("le_minus_lmu", m_zp=1.0, g_zp=g).epsilon_at(q2)[0]
    assert eps.imag == pytest.approx(expected, rel=1e-12, abs=1e-30)
    assert (eps.imag > 0) == (q2 > 4 * M_E_MEV ** 2)          # the electron loop alone: Im > 0


def test_on_shell_mixing_reaches_the_rates_as_a_modulus():
    g, m = 1e-4, 300.0
    cpl = model_couplings("le_minus_lmu", m_zp=m, g_zp=g)
    eps = cpl.epsilon_on_shell[0]
    assert abs(eps.imag) > 0.1 * abs(eps.real)                # far above 2 m_e: a large absorptive part
    assert cpl.vector("e", on_shell=True)[0] == pytest.approx(g - E_CHARGE * eps, rel=1e-14)


def test_divergent_loop_needs_a_scale_and_then_vanishes_there():
    with pytest.raises(ParameterError) as err:
        get_model({"name": "u1", "charges": {"B": 1, "L": -1}})
    assert "diverges (sum_f N_c Q_f X_f = 4)" in str(err.value) and "\n" not in str(err.value)
    scale = 1.0e5
    spec = {"name": "u1", "charges": {"B": 1, "L": -1}, "mixing_scale_mev": scale}
    g = 1e-4
    cpl = model_couplings(spec, m_zp=10.0, g_zp=g)
    weights = [(M_E_MEV, 1), (M_MU_MEV, 1), (M_TAU_MEV, 1)]
    from nsifit.constants import FERMION_MASS_MEV
    weights += [(FERMION_MASS_MEV[q], 3 * (2 / 3) / 3) for q in "uct"]
    weights += [(FERMION_MASS_MEV[q], 3 * (-1 / 3) / 3) for q in "dsb"]
    for q2 in (-1e4, 0.0, 3e4):
        direct = feynman_integral(q2, [(m, g * w) for m, w in weights], scale)
        assert cpl.epsilon_at(q2)[0].real == pytest.approx(direct, rel=1e-9)
    # MSbar running: d eps / d ln mu^2 = -e g S/(12 pi^2) at fixed q^2 (eps = 0 at mu)
    other = model_couplings(dict(spec, mixing_scale_mev=2 * scale), m_zp=10.0, g_zp=g)
    assert other.epsilon[0] - cpl.epsilon[0] == pytest.approx(-E_CHARGE * g * 4 / (12 * math.pi ** 2)
                                                              * math.log(4.0), rel=1e-12)


def test_only_the_vector_charge_enters_the_photon_mixing():
    chiral = model_couplings({"name": "u1", "charges": {"e_R": 2, "mu_R": -2},
                              "anomalies": "allow"}, m_zp=50.0, g_zp=1e-4)
    vector = model_couplings({"name": "u1", "charges": {"e": 1, "mu": -1, "nu_e": 1, "nu_mu": -1},
                              "anomalies": "allow"}, m_zp=50.0, g_zp=1e-4)
    np.testing.assert_allclose(chiral.epsilon_at(3e3), vector.epsilon_at(3e3), rtol=1e-14)
    np.testing.assert_allclose(chiral.axial("e"), 1e-4)


def test_free_and_none_mixing():
    free = nsifit.evaluate({"name": "u1", "charges": {"L_mu": 1, "L_tau": -1}, "mixing": "free"}, m_zp=10,
                           g_zp=1e-4, epsilon=3e-5, likelihoods=[])
    assert free["derived"]["epsilon"] == pytest.approx(3e-5)
    with pytest.raises(ParameterError, match="parameter 'epsilon' is missing"):
        nsifit.evaluate({"name": "u1", "charges": {"L_mu": 1, "L_tau": -1}, "mixing": "free"}, m_zp=10,
                        g_zp=1e-4, likelihoods=[])
    none = nsifit.evaluate({"name": "u1", "charges": {"L_mu": 1, "L_tau": -1}, "mixing": "none"}, m_zp=10,
                           g_zp=1e-4, likelihoods=[])
    assert none["derived"]["epsilon"] == 0.0
    with pytest.raises(ParameterError, match="unknown parameter of model 'u1' 'epsilon'"):
        nsifit.evaluate({"name": "u1", "charges": {"L_mu": 1, "L_tau": -1}, "mixing": "none"}, m_zp=10,
                        g_zp=1e-4, epsilon=0.0, likelihoods=[])
