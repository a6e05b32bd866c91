"""`summary` on chains with known marginals: a two-peaked marginal is never a one-sided limit, HDIs are
disjoint when the posterior is, limits only for a unimodal marginal piled at a prior edge, the best
fit on a prior edge is said; diagnostics warn (one line each) for short chains, stuck walkers and
multimodal marginals."""

import numpy as np
import pytest
import yaml

from nsifit.inference.samplers.diagnostics import diagnostics
from nsifit.inference.summary import summarize
from nsifit.io.runfile import RunData

STEPS, WALKERS = 2000, 32
G_LOW, G_HIGH = -6.0, -2.0          # log10 g_zp prior range
M_LOW, M_HIGH = 0.0, 3.0            # log10 m_zp


def fake_run(log_g, log_m, best_index=0, accepted=None, ess=None):
    """A RunData whose chain holds independent draws (tau ~ 1) of the given marginals."""
    chain = np.stack([log_m, log_g], axis=-1).reshape(STEPS, WALKERS, 2)
    params = {"m_zp": {"prior": "log-uniform", "min": 10 ** M_LOW, "max": 10 ** M_HIGH, "log_scale": True,
                       "unit": "MeV"},
              "g_zp": {"prior": "log-uniform", "min": 10 ** G_LOW, "max": 10 ** G_HIGH, "log_scale": True,
                       "unit": ""}}
    loglike = np.full((STEPS, WALKERS), -5.0)
    loglike.flat[best_index] = 0.0
    config = {"sampler": {"ess": ess, "tau_factor": 50.0}}
    attrs = {"param_names": ["m_zp", "g_zp"], "model": "mutau_baryon", "config_yaml": yaml.safe_dump(config)}
    accepted = np.full(WALKERS, 0.3 * STEPS) if accepted is None else accepted
    return RunData("fake.h5", attrs, params, {}, chain, loglike, {"loglike_total": loglike, "loglike_a": loglike},
                   accepted, None)


def draws(rng, n=STEPS * WALKERS):
    log_m = rng.uniform(0.5, 2.5, n)
    return rng, log_m


def test_two_peaked_marginal_is_not_a_one_sided_limit():
    """The issue's case: a mode piled at the lower prior edge of g_zp plus a second peak (the
    (g-2) band): equal-tailed quantiles would read '< x'; the summary gives two HDI intervals."""
    rng, log_m = draws(np.random.default_rng(1))
    n = len(log_m)
    low_mode = G_LOW + np.abs(rng.normal(0, 0.4, n))                 # piles up at the lower edge
    log_g = np.where(rng.uniform(size=n) < 0.6, low_mode, rng.normal(-3.3, 0.15, n))
    s = summarize(fake_run(log_g, log_m))
    g = s["params"]["g_zp"]
    assert g["multimodal"] and g["limit"] is None
    assert len(g["hdi_95"]) == 2 and g["hdi_95"][0][1] < g["hdi_95"][1][0]
    assert g["hdi_95"][0][0] == pytest.approx(10 ** G_LOW)            # the first region starts at the edge
    assert g["hdi_95"][1][0] < 10 ** -3.3 < g["hdi_95"][1][1]
    assert [m["mass"] for m in g["modes"]] == pytest.approx([0.6, 0.4], abs=0.02)
    assert any(w.startswith("g_zp: multimodal marginal") for w in s["warnings"])
    for key in ("median", "interval_68", "interval_95", "limit", "best_fit", "tau", "n_over_tau", "ess"):
        assert key in g                                               # the keys of before are kept


def test_unimodal_marginal_piled_at_an_edge_is_a_limit():
    rng, log_m = draws(np.random.default_rng(2))
    log_g = G_LOW + np.abs(rng.normal(0, 0.8, len(log_m)))
    g = summarize(fake_run(log_g, log_m))["params"]["g_zp"]
    assert not g["multimodal"] and g["limit"]["type"] == "upper"
    assert np.log10(g["limit"]["cl95"]) == pytest.approx(G_LOW + 1.96 * 0.8, abs=0.05)
    assert len(g["hdi_95"]) == 1 and g["hdi_95"][0][0] == pytest.approx(10 ** G_LOW, rel=0.01)


def test_unimodal_interior_marginal_has_one_hdi_like_the_central_interval():
    rng, log_m = draws(np.random.default_rng(3))
    log_g = rng.normal(-4.0, 0.3, len(log_m))
    g = summarize(fake_run(log_g, log_m))["params"]["g_zp"]
    assert g["limit"] is None and not g["multimodal"]
    (lo, hi), = g["hdi_68"]
    assert np.log10(lo) == pytest.approx(-4.3, abs=0.02) and np.log10(hi) == pytest.approx(-3.7, abs=0.02)


def test_best_fit_on_a_prior_edge_is_said():
    rng, log_m = draws(np.random.default_rng(4))
    log_g = G_LOW + np.abs(rng.normal(0, 0.8, len(log_m)))
    best = int(np.argmin(log_g))                                     # the best point sits at the lower edge
    s = summarize(fake_run(log_g, log_m, best_index=best))
    assert s["params"]["g_zp"]["best_fit_at_edge"] == "lower"
    assert s["params"]["m_zp"]["best_fit_at_edge"] is None
    assert any(w.startswith("g_zp: the best fit") and "lower prior edge" in w for w in s["warnings"])


def test_diagnostics_warn_once_per_problem_on_one_line():
    rng = np.random.default_rng(5)
    chain = np.cumsum(rng.normal(size=(200, 16, 1)), axis=0)          # random walk: tau ~ chain length
    accepted = np.full(16, 60.0)
    accepted[:3] = 2.0                                                # 3 walkers accept 1% of moves
    diag = diagnostics(chain, accepted, names=["x"], ess_target=1000)
    text = "\n".join(diag["warnings"])
    assert "chain shorter than 50 tau" in text and "3 of 16 walker(s) with acceptance < 5%" in text
    assert "ESS target 1000 not reached" in text
    assert all("\n" not in w for w in diag["warnings"]) and not diag["converged"]


def test_converged_needs_the_ess_target():
    rng = np.random.default_rng(6)
    chain = rng.normal(size=(2000, 32, 2))                            # independent draws: tau = 1
    accepted = np.full(32, 600.0)
    assert diagnostics(chain, accepted, ess_target=10_000)["converged"]
    assert not diagnostics(chain, accepted, ess_target=100_000)["converged"]
