"""nsifit.recast: decay probabilities, limit curves and kinematics against closed forms."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from nsifit.errors import ConfigError
from nsifit.physics import recast


def test_cascade_survival_matches_numerical_integral():
    """P(no decay of parent or 2 daughters before D) = direct integral over the parent decay point."""
    distance = 600.0
    for parent, daughter in [(100.0, 50.0), (300.0, 1200.0), (250.0, 500.0), (1e4, 3.0)]:
        def integrand(z, parent=parent, daughter=daughter):
            return math.exp(-z / parent) / parent * math.exp(-2 * (distance - z) / daughter)

        expected = math.exp(-distance / parent) + quad(integrand, 0, distance)[0]
        got = recast.cascade_survival_probability(parent, daughter, distance)
        assert got == pytest.approx(expected, rel=1e-10)


def test_cascade_survival_limits():
    """Stable parent -> 1; prompt parent -> daughters' survival; stable daughters -> 1."""
    d = 600.0
    assert recast.cascade_survival_probability(np.inf, 10.0, d) == pytest.approx(1.0)
    assert recast.cascade_survival_probability(0.0, 400.0, d) == pytest.approx(math.exp(-2 * d / 400), rel=1e-9)
    assert recast.cascade_survival_probability(0.0, 0.0, d) == 0.0
    assert recast.cascade_survival_probability(300.0, np.inf, d) == pytest.approx(1.0)


def _br(inv, ee, phiphi=0.0):
    n = np.size(inv)
    z = np.zeros(n)
    return {"ee": np.full(n, ee), "mumu": z, "tautau": z, "nunu_e": z,
            "nunu_mu": np.full(n, inv), "nunu_tau": z, "phiphi": np.full(n, phiphi)}


def test_missing_probability_long_and_short_lived_limits():
    """A Z' decaying to e+e- counts as invisible when long-lived and not at all when prompt."""
    energies, weights = recast.uniform_energy_nodes(50e3, 100e3)
    m = np.array([10.0])
    tiny, huge = np.array([1e-30]), np.array([1e-3])
    p_long = recast.missing_probability(_br(0.6, 0.4), tiny, m, energies, weights, 600.0)
    p_short = recast.missing_probability(_br(0.6, 0.4), huge, m, energies, weights, 600.0)
    assert p_long == pytest.approx(1.0, abs=1e-12)
    assert p_short == pytest.approx(0.6, abs=1e-12)


def test_missing_probability_energy_average_of_exponential():
    """Flat average of exp(-D m Gamma/(p hbar c)) over the energy nodes vs a direct quadrature."""
    from nsifit.constants import HBARC_MEV_CM
    m, gamma, d = 20.0, 3e-11, 600.0
    energies, weights = recast.uniform_energy_nodes(50e3, 100e3, n_nodes=8)
    got = recast.missing_probability(_br(0.0, 1.0), np.array([gamma]), np.array([m]), energies, weights, d)
    def f(e):
        return math.exp(-d * m * gamma / (math.sqrt(e ** 2 - m ** 2) * HBARC_MEV_CM)) / 50e3

    assert got[0] == pytest.approx(quad(f, 50e3, 100e3)[0], rel=1e-8)


def test_missing_probability_phi_channel_prompt_is_visible():
    """Z' -> phi phi* with prompt Z' and prompt phi -> e+e-: only Br(inv) is missing."""
    energies, weights = recast.uniform_energy_nodes(50e3, 100e3)
    p = recast.missing_probability(_br(0.01, 0.0, 0.99), np.array([1e-3]), np.array([30.0]), energies,
                                   weights, 600.0, gamma_phi_mev=np.array([1e-5]), m_phi_mev=np.array([10.0]))
    assert p == pytest.approx(0.01, abs=1e-12)
    stable_phi = recast.missing_probability(_br(0.01, 0.0, 0.99), np.array([1e-3]), np.array([30.0]),
                                            energies, weights, 600.0, gamma_phi_mev=np.array([0.0]),
                                            m_phi_mev=np.array([10.0]))
    assert stable_phi == pytest.approx(1.0, abs=1e-12)


def test_prompt_probability_limits():
    """Br(ee) x P(decay within D): Br(ee) for a short-lived Z', -> 0 for a long-lived one."""
    assert recast.prompt_probability(0.3, 1e-3, 20.0, 50e3, 100.0) == pytest.approx(0.3)
    assert recast.prompt_probability(0.3, 1e-25, 20.0, 50e3, 100.0) == pytest.approx(0.0, abs=1e-10)


def test_two_body_energy_massless_and_threshold():
    """E = (s + m^2)/(2 sqrt s): sqrt(s)/2 for m = 0 and sqrt(s) at m = sqrt(s)."""
    assert recast.two_body_energy_mev(10580.0, 0.0) == pytest.approx(5290.0)
    assert recast.two_body_energy_mev(10580.0, 10580.0) == pytest.approx(10580.0)


def test_limit_loglog_is_a_power_law_between_nodes():
    """eps ~ m^k between two nodes; nan outside; exact at the nodes."""
    m_tab, eps_tab = np.array([1.0, 10.0, 100.0]), np.array([1e-5, 1e-4, 1e-2])
    got = recast.limit_loglog([1.0, 3.0, 10.0, 30.0, 100.0, 0.5, 200.0], m_tab, eps_tab)
    np.testing.assert_allclose(got[:5], [1e-5, 1e-5 * 3.0, 1e-4, 1e-4 * 30.0 ** 2 / 100, 1e-2], rtol=1e-12)
    assert np.all(np.isnan(got[5:]))


def test_limit_binned_edges():
    """Bins are [low, high), the last one closed; gaps and the outside give nan."""
    got = recast.limit_binned([1.0, 1.99, 2.0, 3.0, 3.5, 0.9], [1.0, 2.0], [2.0, 3.0], [5.0, 7.0])
    np.testing.assert_array_equal(got[:4], [5.0, 5.0, 7.0, 7.0])
    assert np.all(np.isnan(got[4:]))


def test_rate_over_limit_zero_outside_curve():
    assert recast.rate_over_limit(1.0, 1.0, 1.0, np.nan) == 0.0
    assert recast.rate_over_limit(4e-10, 0.5, 1.0, 1e-5) == pytest.approx(2.0)


def test_unknown_recast_mode_is_a_config_error():
    from nsifit_likelihoods.na64_invisible import Na64Invisible
    with pytest.raises(ConfigError, match="physics, seed"):
        Na64Invisible(recast="ilten")
