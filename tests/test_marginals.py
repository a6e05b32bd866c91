"""Marginal densities, modes and highest-density intervals (nsifit.inference.marginals) on samples
with known answers: unimodal shapes are never split, separated modes are found with their weights,
HDIs of closed-form distributions, disjoint HDIs for separated modes."""

import math

import numpy as np
import pytest
from scipy.stats import norm

from nsifit.inference import marginals as mg

N = 100_000


def ar1(rng, n, rho):
    """Stationary Gaussian AR(1) chain: integrated autocorrelation time (1 + rho)/(1 - rho)."""
    e = rng.normal(size=n) * math.sqrt(1 - rho ** 2)
    x = np.empty(n)
    x[0] = rng.normal()
    for i in range(1, n):
        x[i] = rho * x[i - 1] + e[i]
    return x


def mixture(rng, n, weight, separation, sigma=0.5):
    first = rng.uniform(size=n) < weight
    return np.where(first, rng.normal(-separation / 2, sigma, n), rng.normal(separation / 2, sigma, n))


UNIMODAL = {
    "gaussian": lambda rng: (rng.normal(size=N), -math.inf, math.inf),
    "skewed (lognormal)": lambda rng: (rng.lognormal(0.0, 0.8, N), 0.0, math.inf),
    "flat on the prior": lambda rng: (rng.uniform(0, 1, N), 0.0, 1.0),
    "piled at a prior edge": lambda rng: (np.minimum(rng.exponential(1.0, N), 10.0), 0.0, 10.0),
    "heavy tails (Student t3)": lambda rng: (rng.standard_t(3, N), -math.inf, math.inf),
    "Cauchy": lambda rng: (rng.standard_cauchy(N), -math.inf, math.inf),
    "plateau with soft edges": lambda rng: (rng.uniform(-1, 1, N) + rng.normal(0, 0.1, N), -math.inf, math.inf),
}


@pytest.mark.parametrize("name", list(UNIMODAL))
def test_unimodal_marginals_have_one_mode(name):
    for seed in range(3):
        x, low, high = UNIMODAL[name](np.random.default_rng(seed))
        assert len(mg.modes(x, len(x), low, high)) == 1, (name, seed)


def test_small_samples_give_no_false_modes():
    """50 Gaussian and 50 flat samples of 300-3000 points: never two modes."""
    rng = np.random.default_rng(1)
    for n in (300, 1000, 3000):
        for _ in range(25):
            assert not mg.is_multimodal(rng.normal(size=n), n)
            assert not mg.is_multimodal(rng.uniform(0, 1, n), n, 0.0, 1.0)


def test_autocorrelated_chain_needs_its_effective_sample_size():
    """An AR(1) chain with tau = 199: wiggles of its histogram are not modes when the ESS is given."""
    rng = np.random.default_rng(2)
    rho = 0.99
    x = ar1(rng, 200_000, rho)
    ess = len(x) * (1 - rho) / (1 + rho)
    assert not mg.is_multimodal(x, ess)


@pytest.mark.parametrize("weight, separation", [(0.5, 2.4), (0.75, 4.0), (0.9, 4.0), (0.97, 6.0)])
def test_separated_modes_are_found_with_their_weights(weight, separation):
    x = mixture(np.random.default_rng(3), N, weight, separation)
    found = mg.modes(x, N)
    assert len(found) == 2
    (loc1, mass1), (loc2, mass2) = found
    assert loc1 == pytest.approx(-separation / 2, abs=0.2) and loc2 == pytest.approx(separation / 2, abs=0.2)
    assert mass1 == pytest.approx(weight, abs=0.02)


def test_a_peak_at_a_prior_edge_and_a_bump_are_two_modes():
    rng = np.random.default_rng(4)
    x = np.concatenate([rng.exponential(0.3, 75_000), rng.normal(3.0, 0.3, 25_000)])
    found = mg.modes(x, len(x), 0.0, 5.0)
    assert len(found) == 2 and found[0][0] < 0.1 and found[1][0] == pytest.approx(3.0, abs=0.1)


def test_modes_closer_than_the_resolution_are_one():
    """Two Gaussians 1.6 sigma apart: the mixture itself has one maximum (separation < 2 sigma)."""
    x = mixture(np.random.default_rng(5), N, 0.5, 0.8)
    assert len(mg.modes(x, N)) == 1


def test_hdi_of_a_gaussian_is_the_central_interval():
    x = np.random.default_rng(6).normal(size=400_000)
    for cl in (0.68, 0.95):
        (lo, hi), = mg.hdi(x, len(x), cl)
        z = norm.ppf(0.5 + cl / 2)
        assert lo == pytest.approx(-z, abs=0.02) and hi == pytest.approx(z, abs=0.02)


def test_hdi_of_a_decreasing_density_starts_at_the_edge():
    """Exponential on [0, inf): the HDI is [0, -ln(1 - cl)], not the equal-tailed interval."""
    x = np.random.default_rng(7).exponential(1.0, 400_000)
    (lo, hi), = mg.hdi(x, len(x), 0.95, 0.0, math.inf)
    assert lo == pytest.approx(0.0, abs=1e-3) and hi == pytest.approx(-math.log(0.05), rel=0.02)


def test_hdi_of_separated_modes_is_disjoint_with_the_right_mass():
    rng = np.random.default_rng(8)
    x = mixture(rng, 400_000, 0.75, 4.0)
    for cl in (0.68, 0.95):
        intervals = mg.hdi(x, len(x), cl)
        assert all(a[1] < b[0] for a, b in zip(intervals[:-1], intervals[1:]))
        mass = sum(np.mean((x >= lo) & (x <= hi)) for lo, hi in intervals)
        assert mass == pytest.approx(cl, abs=0.01)
    intervals95 = mg.hdi(x, len(x), 0.95)
    assert len(intervals95) == 2
    assert intervals95[0][0] < -2 < intervals95[0][1] and intervals95[1][0] < 2 < intervals95[1][1]
    # the exact 95% highest-density region of this mixture, from its density on a fine grid
    grid = np.linspace(-6, 6, 200_001)
    f = 0.75 * norm.pdf(grid, -2, 0.5) + 0.25 * norm.pdf(grid, 2, 0.5)
    order = np.argsort(f)[::-1]
    level = f[order[np.searchsorted(np.cumsum(f[order]) * (grid[1] - grid[0]), 0.95)]]
    exact = grid[f >= level]
    gap = exact[np.argmax(np.diff(exact))], exact[np.argmax(np.diff(exact)) + 1]
    assert intervals95[0][0] == pytest.approx(exact[0], abs=0.05)
    assert intervals95[0][1] == pytest.approx(gap[0], abs=0.05)
    assert intervals95[1][0] == pytest.approx(gap[1], abs=0.05)
    assert intervals95[1][1] == pytest.approx(exact[-1], abs=0.05)
