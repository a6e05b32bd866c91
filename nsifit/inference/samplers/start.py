"""The starting ensemble of an emcee run, and the vectorized log-probability emcee calls.

LogProb evaluates the ensemble in one vectorized call (`vectorized`), in one chunk per worker
(`processes[:N]`, `mpi`) or point by point (`serial`); initial_walkers draws the start from the
prior, optionally resampled by the likelihood (Rubin 1988, sampling-importance-resampling).
"""

import math

import numpy as np

from nsifit.errors import ConfigError


def _rows(posterior, x):
    """(n, 1 + n_blobs) array: log posterior, then the blobs in posterior.blob_names order."""
    logp, blobs = posterior.log_prob(x)
    return np.column_stack([logp] + [blobs[name] for name in posterior.blob_names])


class LogProb:
    """The function handed to emcee: the ensemble, vectorized, optionally split over a pool."""

    def __init__(self, posterior, pool, chunk_size=None):
        self.posterior, self.pool, self.chunk_size = posterior, pool, chunk_size

    def __call__(self, x):
        x = np.atleast_2d(x)
        if self.pool.size == 1:
            return _rows(self.posterior, x)
        n_chunks = math.ceil(len(x) / self.chunk_size) if self.chunk_size else self.pool.size
        return np.concatenate(self.pool.map(_rows, np.array_split(x, n_chunks)))

    def point(self, x):
        """One walker (the `serial` pool: emcee maps this over the ensemble)."""
        return _rows(self.posterior, np.atleast_2d(x))[0]
INIT_ATTEMPTS = 100
INIT_CHUNK = 20          # weighted start: prior draws per walker and round ...
INIT_MAX_DRAWS = 2000    # ... at most this many per walker (the cost of ~15 sampler steps at 128 walkers) ...
INIT_ESS = 2             # ... stopping once the likelihood weights' ESS reaches 2 x walkers


def initial_walkers(posterior, nwalkers, rng, log_prob, init="weighted"):
    """The starting ensemble: (internal coordinates (nwalkers, ndim), log_prob rows).

    init='weighted' (default; not with a `ref` ball): prior draws resampled by their likelihood
    (sampling-importance-resampling, Rubin 1988): rounds of INIT_CHUNK x walkers prior draws, up to
    INIT_MAX_DRAWS x walkers, until the weights' effective sample size reaches INIT_ESS x walkers;
    then `nwalkers` distinct draws with probability proportional to the likelihood. The ensemble
    starts with its walkers spread over the posterior's modes in about the right proportions,
    instead of having to find and fill the modes during burn-in (on a multimodal posterior that
    takes many autocorrelation times). The chain's target is the same; only its start differs.
    init='prior' (or a `ref` ball): draws from the prior (or the ball) with finite posterior.
    """
    if init == "weighted" and all(p.ref is None for p in posterior.sampled):
        return _weighted_walkers(posterior, nwalkers, rng, log_prob)
    x = posterior.sample_prior(nwalkers, rng)
    rows = log_prob(x)
    for _ in range(INIT_ATTEMPTS):
        bad = ~np.isfinite(rows[:, 0])
        if not bad.any():
            return x, rows
        x[bad] = posterior.sample_prior(int(bad.sum()), rng)
        rows[bad] = log_prob(x[bad])
    raise ConfigError(f"{int(bad.sum())} of {nwalkers} initial walkers have log posterior -inf after "
                      f"{INIT_ATTEMPTS} redraws (from: {_culprits(posterior, rows[bad])}); "
                      "narrow the priors or give a 'ref' ball inside the allowed region")


def _culprits(posterior, rows):
    """The plugins whose log L is -inf at all of these rows (or 'the prior')."""
    names = [n for i, n in enumerate(posterior.blob_names) if n.startswith("loglike_")
             and not np.isfinite(rows[:, 1 + i]).any()]
    return ", ".join(names) or "the prior"


def _weighted_walkers(posterior, nwalkers, rng, log_prob):
    total = 1 + posterior.blob_names.index("loglike_total")
    xs, rows = [], []
    for _ in range(INIT_MAX_DRAWS // INIT_CHUNK):
        x = posterior.sample_prior(INIT_CHUNK * nwalkers, rng)
        xs.append(x)
        rows.append(log_prob(x))
        logl = np.concatenate(rows)[:, total]
        finite = np.isfinite(logl) & np.isfinite(np.concatenate(rows)[:, 0])
        if finite.sum() < nwalkers:
            continue
        w = np.where(finite, np.exp(logl - np.max(logl[finite])), 0.0)
        if w.sum() ** 2 / np.sum(w * w) >= INIT_ESS * nwalkers:
            break
    x, rows = np.concatenate(xs), np.concatenate(rows)
    finite = np.isfinite(rows[:, total]) & np.isfinite(rows[:, 0])
    if finite.sum() < nwalkers:
        raise ConfigError(f"only {int(finite.sum())} of {len(x)} prior draws have a finite posterior, fewer than "
                          f"the {nwalkers} walkers (from: {_culprits(posterior, rows[~finite])}); "
                          "narrow the priors or give a 'ref' ball inside the allowed region")
    w = np.where(finite, np.maximum(np.exp(rows[:, total] - np.max(rows[finite, total])), 1e-300), 0.0)
    pick = rng.choice(len(x), size=nwalkers, replace=False, p=w / w.sum())
    return x[pick], rows[pick]
