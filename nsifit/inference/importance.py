"""Prior importance sampling: a posterior reference that depends on no MCMC move.

Use this to check a chain: draw n points from the prior, weight each by its likelihood
(w = L / max L), and estimate posterior probabilities as weighted fractions,
P(A) = sum_i w_i 1_A(x_i) / sum_i w_i. Its Monte Carlo error comes from the effective sample size
of the weights, ESS = (sum w)^2 / sum w^2 (Kish, Survey Sampling, 1965): sd P = sqrt(P(1 - P)/ESS).
This works when the posterior is not much narrower than the prior (ESS >> 1); the run reports it.

The posterior is evaluated vectorized in chunks of points; points with log L below the best by
more than DROP_BELOW (weights < 1e-17) are dropped as they come, so memory stays small.
"""

import math
from dataclasses import dataclass

import numpy as np

CHUNK = 50_000
DROP_BELOW = 40.0


@dataclass
class WeightedSample:
    """Prior draws (chain coordinates) that carry weight, their weights and the stored quantities."""

    x: np.ndarray               # (m, ndim) internal coordinates
    weights: np.ndarray         # (m,) w = L / max L
    blobs: dict                 # name -> (m,) values (the posterior's blobs)
    n_draws: int                # prior draws in total (including the dropped ones)
    names: list

    @property
    def ess(self):
        """Kish's effective sample size (sum w)^2 / sum w^2 of the weights."""
        return float(self.weights.sum() ** 2 / np.sum(self.weights ** 2))

    def probability(self, mask):
        """(P, Monte Carlo sd) of the event `mask` (a boolean array over the kept points)."""
        p = float(np.sum(self.weights[mask]) / self.weights.sum())
        return p, math.sqrt(max(p * (1.0 - p), 0.0) / self.ess)

    def column(self, name):
        return self.x[:, self.names.index(name)]


def prior_importance(posterior, n_draws, seed, blobs=(), chunk=CHUNK, progress=None):
    """Weighted prior draws of `posterior` (nsifit.inference.posterior.Posterior).

    n_draws prior draws (numpy default_rng(seed), in chunks of `chunk`), weights from the sum of
    the plugins' log-likelihoods; `blobs`: names of posterior blobs to keep per point (e.g.
    'loglike_gm2_mu'). `progress(done, total)` is called after each chunk.
    """
    rng = np.random.default_rng(seed)
    kept_x, kept_logl, kept_blobs = [], [], {name: [] for name in blobs}
    best = -math.inf
    done = 0
    while done < n_draws:
        n = min(chunk, n_draws - done)
        x = posterior.sample_prior(n, rng)
        _, values = posterior.log_prob(x)
        logl = values["loglike_total"]
        best = max(best, float(np.max(logl)))
        keep = logl > best - DROP_BELOW
        kept_x.append(x[keep])
        kept_logl.append(logl[keep])
        for name in blobs:
            kept_blobs[name].append(np.asarray(values[name])[keep])
        done += n
        if progress:
            progress(done, n_draws)
    logl = np.concatenate(kept_logl)
    keep = logl > best - DROP_BELOW
    return WeightedSample(np.concatenate(kept_x)[keep], np.exp(logl[keep] - best),
                          {name: np.concatenate(v)[keep] for name, v in kept_blobs.items()}, n_draws,
                          list(posterior.names))
