"""Summaries of weighted samples (importance-reweighted runs, nested sampling): weighted medians,
equal-tailed intervals, one-sided limits, best fit and chi^2 per plugin.

Quantiles: the weighted empirical distribution function F(x_k) = sum_{j <= k} w_j (samples sorted,
weights summing to 1), inverted with linear interpolation between the midpoints F(x_k) - w_k / 2
(for equal weights this is numpy's 'hazen' percentile definition). A one-sided limit is quoted where
the weighted marginal piles up at a prior edge, with the same rule as nsifit.inference.summary
(its edge bin holds at least half the peak bin). The Monte Carlo precision of a weighted estimate is
set by Kish's effective sample size ESS = (sum w)^2 / sum w^2, reported with it.
"""

from pathlib import Path

import numpy as np

from nsifit.inference.summary import EDGE_FRACTION
from nsifit.io.weighted import kish_ess, read_weighted

KHAT_UNRELIABLE = 0.7      # Pareto k above which importance-sampling estimates are unreliable (arXiv:1507.02646)


def pareto_khat(weights):
    """Shape k of a generalized Pareto distribution fitted to the largest weights (the tail diagnostic of
    Vehtari, Simpson, Gelman, Yao, Gabry, "Pareto smoothed importance sampling", arXiv:1507.02646).

    The M = min(n / 5, 3 sqrt(n)) largest weights minus the next one are fitted by maximum likelihood
    (scipy.stats.genpareto with location 0; the paper uses the Zhang-Stephens estimate). The variance of the
    weights is finite for k < 1/2; above KHAT_UNRELIABLE = 0.7 the importance-sampling estimates are
    unreliable whatever the ESS says (the run did not sample where the new posterior has mass).
    NaN for fewer than 25 distinct positive weights."""
    from scipy.stats import genpareto
    w = np.sort(np.asarray(weights, float))
    w = w[w > 0]
    m = int(min(0.2 * len(w), 3.0 * np.sqrt(len(w))))
    if m < 5 or len(np.unique(w[-m - 1:])) < 5:
        return float("nan")
    tail = w[-m:] - w[-m - 1]
    shape, _, _ = genpareto.fit(tail / tail.max(), floc=0)
    return float(shape)


def weighted_quantile(x, weights, q):
    """Quantiles q (scalar or array in [0, 1]) of samples x with non-negative weights."""
    x, w = np.asarray(x, float), np.asarray(weights, float)
    order = np.argsort(x)
    x, w = x[order], w[order]
    keep = w > 0
    x, w = x[keep], w[keep] / w[keep].sum()
    mid = np.cumsum(w) - 0.5 * w
    return np.interp(q, mid, x)


def weighted_piled_edge(internal, weights, low, high):
    """'lower' / 'upper' when the weighted marginal (internal coordinates) peaks at that prior edge."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    counts, _ = np.histogram(internal, bins=round(1 / EDGE_FRACTION), range=(low, high), weights=weights)
    if counts[0] >= 0.5 * counts.max():
        return "lower"
    if counts[-1] >= 0.5 * counts.max():
        return "upper"
    return None


def _bounds(meta):
    low, high = float(meta.get("min", -np.inf)), float(meta.get("max", np.inf))
    return (np.log10(low), np.log10(high)) if meta["log_scale"] else (low, high)


def summarize_weighted(data):
    """Medians, 68/95% intervals, limits, best fit and chi^2 per plugin of a WeightedData."""
    w = data.weights
    values = data.physical()
    ess = kish_ess(w)
    loglike = data.loglike.get("total")
    best = int(np.nanargmax(loglike)) if loglike is not None else int(np.argmax(w))
    params = {}
    for i, name in enumerate(data.names):
        meta = data.params[name]
        x = values[:, i]
        q = weighted_quantile(x, w, [0.025, 0.16, 0.5, 0.84, 0.975])
        edge = weighted_piled_edge(data.samples[:, i], w, *_bounds(meta))
        limit = None
        if edge == "lower":
            limit = {"type": "upper", "cl68": float(weighted_quantile(x, w, 0.68)),
                     "cl95": float(weighted_quantile(x, w, 0.95))}
        elif edge == "upper":
            limit = {"type": "lower", "cl68": float(weighted_quantile(x, w, 0.32)),
                     "cl95": float(weighted_quantile(x, w, 0.05))}
        params[name] = {"unit": str(meta["unit"]), "prior": str(meta["prior"]), "median": float(q[2]),
                        "mean": float(np.sum(w * x)), "interval_68": [float(q[1]), float(q[3])],
                        "interval_95": [float(q[0]), float(q[4])], "limit": limit,
                        "best_fit": float(x[best])}
    chi2 = {k: -2.0 * float(v[best]) for k, v in data.loglike.items() if k != "total"}
    warnings = []
    if ess < 0.1 * len(w):
        warnings.append(f"effective sample size {ess:.0f} is {ess / len(w):.1%} of the {len(w)} samples: "
                        "the weighted estimates are noisy")
    khat = pareto_khat(w)
    if khat > KHAT_UNRELIABLE:
        warnings.append(f"Pareto k of the largest weights is {khat:.2f} > {KHAT_UNRELIABLE}: the weighted "
                        "estimates are unreliable")
    n_obs, n_par = int(data.attrs.get("n_obs", len(chi2))), len(data.names)
    return {"file": str(data.path), "group": data.group, "kind": str(data.info.get("kind", data.group)),
            "model": str(data.attrs["model"]), "samples": len(w), "ess": ess, "pareto_k": khat, "params": params,
            "best_fit": {"chi2": chi2, "chi2_total": -2.0 * float(loglike[best]) if loglike is not None
                         else float("nan")},
            "n_obs": n_obs, "n_par": n_par, "dof": n_obs - n_par, "warnings": warnings,
            "chi2_convention": str(data.attrs.get("chi2_convention", ""))}


class WeightedSamples:
    """Weighted samples read from a file (a reweighted run's /post, nested sampling's /nested)."""

    def __init__(self, path, report=None):
        self.path = Path(path)
        self.data = read_weighted(self.path)
        self.report = report          # from nsifit.api.post: ESS, fraction, Pareto k, changes

    @property
    def names(self):
        return self.data.names

    @property
    def weights(self):
        """(n,) normalised to sum 1."""
        return self.data.weights

    @property
    def ess(self):
        return kish_ess(self.data.weights)

    def samples(self):
        """{parameter: physical values, 'weight': weights, 'loglike_<plugin>': log L} per sample."""
        values = self.data.physical()
        out = {name: values[:, i] for i, name in enumerate(self.names)}
        out["weight"] = self.data.weights
        out.update({f"loglike_{k}": v for k, v in self.data.loglike.items()})
        return out

    def summary(self):
        return summarize_weighted(self.data)

    def __repr__(self):
        return f"{type(self).__name__}({str(self.path)!r})"
