"""Shared likelihood constructions: each one's best point and its documented CL."""

import math

import numpy as np
import pytest
from scipy import stats as sps

from nsifit.plugins import stats


def delta_chi2(loglike):
    return -2.0 * np.asarray(loglike)


def test_gaussian_maximum_is_at_the_mean():
    x = np.linspace(-5.0, 7.0, 1201)
    ll = stats.gaussian(x, 1.0, 0.5)
    assert x[np.argmax(ll)] == pytest.approx(1.0)
    assert ll.max() == 0.0


def test_gaussian_delta_chi2_is_n_sigma_squared():
    assert delta_chi2(stats.gaussian([3.0, -1.0], 1.0, 1.0)) == pytest.approx([4.0, 4.0])


def test_gaussian_matches_scipy_log_pdf_up_to_a_constant():
    x = np.linspace(-2, 4, 13)
    ref = sps.norm.logpdf(x, 1.0, 0.7) - sps.norm.logpdf(1.0, 1.0, 0.7)
    np.testing.assert_allclose(stats.gaussian(x, 1.0, 0.7), ref, rtol=1e-12)


def test_poisson_zero_count_is_minus_2p30_at_the_90cl_limit():
    assert stats.poisson_zero_count(1.0) == pytest.approx(-2.302585, abs=1e-6)
    # exp(log L) is P(0 events | s): 10% at the 90% CL limit, by definition of the limit
    assert math.exp(stats.poisson_zero_count(1.0)) == pytest.approx(sps.poisson.pmf(0, 2.302585))
    assert math.exp(stats.poisson_zero_count(1.0)) == pytest.approx(0.10)
    assert stats.poisson_zero_count(0.0) == 0.0


def test_one_sided_gaussian_delta_chi2_1p64_at_the_limit():
    # the one-sided 90% quantile of a Gaussian, squared: 1.2816^2 = 1.6424
    assert delta_chi2(stats.one_sided_gaussian(1.0)) == pytest.approx(sps.norm.ppf(0.9) ** 2)
    assert delta_chi2(stats.one_sided_gaussian(1.0)) == pytest.approx(1.6424, abs=1e-4)


def test_one_sided_gaussian_best_fit_is_zero_rate():
    ratio = np.linspace(-1.0, 2.0, 301)
    ll = stats.one_sided_gaussian(ratio)
    assert np.all(ll[ratio <= 0] == 0.0) and np.all(ll[ratio > 0] < 0)


@pytest.mark.parametrize("low, high", [(-0.081, 1.422), (2.0, 3.0)])
def test_window_delta_chi2_4_at_the_edges_and_0_inside(low, high):
    assert delta_chi2(stats.window([low, high], low, high)) == pytest.approx([4.0, 4.0])
    centre = 0.5 * (low + high)
    assert stats.window(centre, low, high) == 0.0
    outside = np.array([low - 0.1 * (high - low), high + 0.1 * (high - low)])
    assert np.all(delta_chi2(stats.window(outside, low, high)) > 4.0)


def test_window_is_continuous_at_its_core():
    low, high = 2.0, 3.0
    x = np.linspace(low, high, 100_001)
    assert np.max(np.abs(np.diff(stats.window(x, low, high)))) < 1e-3


def test_lower_bound_delta_chi2_4_at_the_bound_and_flat_above():
    bound, width = 5.0, 0.5
    assert delta_chi2(stats.lower_bound(bound, bound, width)) == pytest.approx(4.0)
    assert delta_chi2(stats.lower_bound(bound + width, bound, width)) == pytest.approx(1.0)
    assert np.all(stats.lower_bound(np.linspace(6.0, 100.0, 50), bound, width) == 0.0)
    assert delta_chi2(stats.lower_bound(bound - width, bound, width)) == pytest.approx(9.0)


def test_upper_bound_mirrors_lower_bound():
    bound, width = 3e-2, 3e-3
    assert delta_chi2(stats.upper_bound(bound, bound, width)) == pytest.approx(4.0)
    assert stats.upper_bound(0.0, bound, width) == 0.0
    x = np.linspace(0, 0.05, 51)
    np.testing.assert_allclose(stats.upper_bound(x, bound, width), stats.lower_bound(-x, -bound, width))
