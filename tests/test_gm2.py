"""(g-2)_mu from a vector Z': limits, accuracy against direct quadrature, vectorization."""

import math

import numpy as np
import pytest
from scipy.integrate import quad

from nsifit.constants import M_MU_MEV
from nsifit.physics.gm2 import delta_a_lepton, loop_integral


def loop_integral_quad(r):
    """I(r) by scipy quad, split at the boundary layers x ~ r (light) and 1 - x ~ 1/r^2 (heavy)."""
    f = lambda x: x * x * (1 - x) / (x * x + (1 - x) * r * r)  # noqa: E731
    edges = sorted({0.0, 1.0, *[e for e in (r, 10 * r, 1 - 1 / r ** 2, 1 - 10 / r ** 2) if 0 < e < 1]})
    return sum(quad(f, a, b, epsabs=0, epsrel=1e-13, limit=400)[0] for a, b in zip(edges, edges[1:]))


def test_gm2_light_mediator_limit():
    g = 3e-4
    assert delta_a_lepton(g, 1e-6) == pytest.approx(g ** 2 / (8 * math.pi ** 2), rel=1e-7)


def test_gm2_heavy_mediator_limit():
    g, m = 3e-4, 1e6
    heavy = g ** 2 * M_MU_MEV ** 2 / (12 * math.pi ** 2 * m ** 2)
    assert delta_a_lepton(g, m) == pytest.approx(heavy, rel=1e-6)


@pytest.mark.parametrize("m_zp_mev", np.geomspace(1e-3, 1e4, 29))
def test_gm2_fast_form_matches_quadrature(m_zp_mev):
    r = m_zp_mev / M_MU_MEV
    assert loop_integral(r) == pytest.approx(loop_integral_quad(r), rel=1e-8)


def test_gm2_vectorized_equals_pointwise():
    m = np.geomspace(1e-2, 1e4, 100_000)
    g = np.linspace(1e-5, 1e-3, m.size)
    batch = delta_a_lepton(g, m)
    idx = np.random.default_rng(1).choice(m.size, 50, replace=False)
    pointwise = np.array([delta_a_lepton(g[i], m[i]) for i in idx])
    np.testing.assert_allclose(batch[idx], pointwise, rtol=1e-14)


def test_gm2_decreases_with_mass():
    a = delta_a_lepton(5e-4, np.geomspace(1e-3, 1e4, 500))
    assert np.all(np.diff(a) < 0)
