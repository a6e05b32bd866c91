"""Wilks check by toys (nsifit.inference.toys): the one-sided statistic of a Gaussian measurement of a rate
proportional to g^2 with the boundary g >= 0 against its closed-form law (G. Cowan, K. Cranmer, E. Gross,
O. Vitells, arXiv:1007.1727: the law of their q~_mu), the signal reconstruction from chi^2 curves, and the quickstart
benchmark against the profile-likelihood limit of nsifit.inference.limits."""

import json

import numpy as np
import pytest
from cli_helpers import cli, one_line
from scipy.stats import norm

from nsifit.errors import NsifitError
from nsifit.inference.limits import profile_limits
from nsifit.inference.posterior import Posterior
from nsifit.inference.profile.scan import parse_scan
from nsifit.inference.toys import signal_pulls, summarize, toy_statistic, wilks_check
from nsifit.plugins import stats

N_TOYS = 40000


def rate_problem(s_true, n=2001):
    """One Gaussian measurement (d = 0, sigma = 1) of s = g^2 on a grid of g in [0, 2 sqrt(s_true)] that
    contains g_true = sqrt(s_true) exactly."""
    g = np.unique(np.concatenate([np.linspace(0.0, 2.0 * np.sqrt(s_true), n), [np.sqrt(s_true)]]))
    chi2 = -2.0 * stats.gaussian(g ** 2, 0.0, 1.0)
    s, d = signal_pulls(chi2[None, :])
    return g, s, d, int(np.searchsorted(g, np.sqrt(s_true)))


@pytest.mark.parametrize("s_true", [stats.NormalDist().inv_cdf(0.95), 4.0])
def test_critical_value_is_the_mixture_quantile(s_true):
    """s_true >= 1.645: half chi^2_0 + half chi^2_1 up to q = s^2 > 2.706, so the 95% critical value is
    2.706 and P(q <= x) = Phi(sqrt(x)) below s^2."""
    g, s, d, i_true = rate_problem(s_true)
    assert np.allclose(s[0], g ** 2) and d[0] == 0.0
    q = toy_statistic(s, i_true, N_TOYS, np.random.default_rng(1))
    res = summarize(q)
    assert res["threshold"] == pytest.approx(2.7055, abs=1e-4)
    assert abs(res["critical_toys"] - res["threshold"]) < 4 * res["critical_error"] < 0.15
    assert abs(res["coverage"] - 0.95) < 4 * res["coverage_error"]
    assert res["p_zero"] == pytest.approx(0.5, abs=4 * 0.5 / np.sqrt(N_TOYS))
    for x in (0.5, 1.0, 2.0):
        assert np.mean(q <= x) == pytest.approx(norm.cdf(np.sqrt(x)), abs=4 * 0.5 / np.sqrt(N_TOYS))


def test_boundary_lowers_the_critical_value_for_a_small_signal():
    """s_true = 1 < 1.645: above q = s^2 the law is Phi((q + s^2)/(2 s)) (the boundary g >= 0), so the 95%
    critical value is 2 * 1.645 * s - s^2 = 2.29, below 2.706: the asymptotic limit over-covers."""
    g, s, d, i_true = rate_problem(1.0)
    res = summarize(toy_statistic(s, i_true, N_TOYS, np.random.default_rng(2)))
    expected = 2 * norm.ppf(0.95) - 1.0
    assert abs(res["critical_toys"] - expected) < 4 * res["critical_error"] < 0.15
    assert res["coverage"] > 0.95 + 4 * res["coverage_error"]


def test_signal_pulls_recover_rates_and_reproduce_the_curves():
    """An excess (d = 1 in s = g^2), a one-sided limit and a Poisson zero count: s and d are recovered and
    (s - d)^2 equals the plugin's chi^2 up to its minimum."""
    g = np.linspace(0.0, 3.0, 301)
    chi2 = np.array([-2 * stats.gaussian(g ** 2, 1.0, 1.0),
                     -2 * stats.one_sided_gaussian(g ** 2 / 2.0),
                     -2 * stats.poisson_zero_count(g ** 2)])
    s, d = signal_pulls(chi2)
    assert np.allclose(s[0], g ** 2) and d[0] == pytest.approx(1.0)
    assert np.allclose(s[1], stats.ONE_SIDED_Z90 * g ** 2 / 2.0) and d[1] == 0.0
    assert np.allclose(s[2], np.sqrt(2 * stats.POISSON_ZERO_S90) * g) and d[2] == 0.0
    assert np.allclose((s - d[:, None]) ** 2, chi2 - chi2.min(axis=1, keepdims=True))
    assert (np.diff(s, axis=1) >= 0).all()


def test_toys_need_nothing_to_profile(tmp_path):
    cfg = tmp_path / "three.yaml"
    cfg.write_text("model: mutau_baryon\nparams:\n  m_zp: {prior: log-uniform, min: 5, max: 200}\n"
                   "  g_zp: {prior: log-uniform, min: 1.0e-6, max: 1.0e-2}\n"
                   "  tan_eta: {prior: uniform, min: -1, max: -0.5}\n  c: -0.1\nlikelihoods:\n  gm2_mu: {}\n")
    with pytest.raises(NsifitError, match="exactly the sampled parameters 'm_zp' and 'g_zp'"):
        wilks_check(str(cfg), "m_zp", 30.0, "g_zp", n_toys=10)


def test_quickstart_benchmark():
    """The quickstart model at m_zp = 30 MeV: the asymptotic limit is the profile-likelihood limit of
    `nsifit limit`, and the toys put the 95% critical value and the coverage at their asymptotic values."""
    posterior = Posterior("examples/quickstart.yaml")
    res = wilks_check(posterior, "m_zp", 30.0, "g_zp", n_toys=20000, seed=3)
    ref = profile_limits(posterior, parse_scan("m_zp:30:100:2", posterior), "g_zp")
    assert res["upper"] == pytest.approx(ref["upper"][0], rel=1e-3)
    assert 5e-5 < res["upper"] < 8e-5
    assert abs(res["critical_toys"] - 2.706) < 4 * res["critical_error"]
    assert abs(res["coverage"] - 0.95) < 4 * res["coverage_error"]
    assert len(res["plugins"]) == len(res["observed"]) == 10


def test_cli_prints_toys_beside_the_limits(capsys):
    code, text, err = cli(capsys, "limit", "examples/quickstart.yaml", "--scan", "m_zp:10:100:2:log",
                          "--poi", "g_zp", "--toys", "2000", "--json")
    assert code == 0, err
    data = json.loads(text)
    assert len(data["toys"]) == 2
    for upper, toy in zip(data["upper"], data["toys"]):
        assert toy["upper"] == pytest.approx(upper, rel=1e-3) and toy["n_toys"] == 2000
        assert abs(toy["critical_toys"] - toy["threshold"]) < 4 * toy["critical_error"]
    err = one_line(capsys, "limit", "examples/quickstart.yaml", "--scan", "m_zp:10:100:2", "--poi", "g_zp",
                   "--toys", "10")
    assert "--toys needs a CONFIG" in err


def test_cls_limit_of_one_gaussian_measurement_is_the_closed_form():
    """One unit Gaussian measurement of s = g, observed d: CL_s = (1 - Phi(s - d)) / Phi(d) (Read 2002); for
    d = 0 the 95% CL_s limit is s = 1.96 (the CL_s+b one would be 1.645), for d = -1 it is 1.41."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    from nsifit.inference.toys import cls_limit
    g = np.linspace(0.0, 5.0, 501)
    for d in (0.0, -1.0):
        exact = brentq(lambda s, d=d: (1 - norm.cdf(s - d)) / norm.cdf(d) - 0.05, 0.01, 10.0)
        found = cls_limit(g[None, :], np.array([d]), g, 0.95, 20000, np.random.default_rng(3))
        assert found == pytest.approx(exact, abs=0.05)
