"""Prior importance sampling (nsifit.inference.importance) and, on the real posterior, the
cross-check of a short default `nsifit run` against it."""

import math

import numpy as np
import pytest
import yaml
from scipy.stats import norm

from nsifit import api
from nsifit.cli.run import quickstart_path
from nsifit.inference.config import load_config
from nsifit.inference.importance import prior_importance
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers.diagnostics import estimate_tau


class GaussianLikelihood:
    """Uniform prior on [-5, 5], Gaussian likelihood N(1, 0.5): the posterior is that Gaussian."""

    names = ["x"]

    def sample_prior(self, n, rng):
        return rng.uniform(-5, 5, (n, 1))

    def log_prob(self, x):
        logl = -0.5 * ((x[:, 0] - 1.0) / 0.5) ** 2
        return logl, {"loglike_total": logl, "x2": x[:, 0] ** 2}


def test_importance_weights_give_known_posterior_probabilities_and_errors():
    sample = prior_importance(GaussianLikelihood(), 200_000, seed=1, blobs=("x2",), chunk=30_000)
    assert sample.n_draws == 200_000
    # Kish ESS of w = exp(-z^2/2) on a flat prior of width L: n (int w)^2 / (L int w^2)
    # = n (sigma sqrt(2 pi))^2 / (L sigma sqrt(pi)) = 2 sqrt(pi) n sigma / L
    assert sample.ess == pytest.approx(2 * math.sqrt(math.pi) * 200_000 * 0.5 / 10, rel=0.03)
    p, sd = sample.probability(sample.column("x") > 1.5)
    assert abs(p - norm.sf(1.0)) < 4 * sd and sd == pytest.approx(math.sqrt(p * (1 - p) / sample.ess))
    assert np.array_equal(sample.blobs["x2"], sample.column("x") ** 2)


def indicator_sd(mask):
    """Monte Carlo sd of a chain fraction from the indicator's integrated autocorrelation time."""
    p = mask.mean()
    tau = float(estimate_tau(mask.astype(float)[:, :, None])[0]) if 0 < p < 1 else 1.0
    tau = tau if math.isfinite(tau) else mask.shape[0]          # no estimate: as if one sample per walker
    return math.sqrt(max(p * (1 - p), 1 / mask.size) * tau / mask.size)


@pytest.mark.slow
def test_default_run_agrees_with_importance_sampling_on_the_quickstart_posterior(tmp_path):
    """The quickstart posterior (m_zp, g_zp; every plugin) with the 2021 (g-2) data. A short run with
    the default moves (64 walkers x 800 steps) against 2e5 weighted prior draws: posterior masses in
    m_zp and g_zp bins and P(chi^2 of (g-2) < 1) agree within 5 combined Monte Carlo standard
    deviations (the chain's from the autocorrelation time of each indicator)."""
    raw = yaml.safe_load(quickstart_path().read_text())
    raw["likelihoods"]["gm2_mu"] = {"dataset": "bnl_fnal_2021_wp2020"}
    raw["sampler"] = {"walkers": 64, "steps": 800, "seed": 3, "progress": False}
    raw["output"] = str(tmp_path / "q.h5")
    posterior = Posterior(load_config(raw))
    sample = prior_importance(posterior, 200_000, seed=4, blobs=("loglike_gm2_mu",))
    assert sample.ess > 2000
    run = api.run(raw)
    burn = run.diagnostics["burn_in"]
    chain = run.data.chain[burn:]
    gm2 = run.data.blobs["loglike_gm2_mu"][burn:]
    log_m, log_g = chain[..., 0], chain[..., 1]
    is_m, is_g = sample.column("m_zp"), sample.column("g_zp")
    events = {"log10 m < 1.2": (log_m < 1.2, is_m < 1.2),
              "1.2 < log10 m < 1.8": ((log_m > 1.2) & (log_m < 1.8), (is_m > 1.2) & (is_m < 1.8)),
              "log10 g < -5": (log_g < -5, is_g < -5),
              "-5 < log10 g < -4": ((log_g > -5) & (log_g < -4), (is_g > -5) & (is_g < -4)),
              "log10 g > -3.5": (log_g > -3.5, is_g > -3.5),
              "gm2 chi2 < 1": (gm2 > -0.5, sample.blobs["loglike_gm2_mu"] > -0.5)}
    for name, (in_chain, in_sample) in events.items():
        p_ref, sd_ref = sample.probability(in_sample)
        p, sd = in_chain.mean(), indicator_sd(in_chain)
        assert abs(p - p_ref) < 5 * math.hypot(sd, sd_ref), (name, p, p_ref, sd, sd_ref)
