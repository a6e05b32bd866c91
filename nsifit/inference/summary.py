"""Posterior summaries of a run: medians, credible intervals, one-sided limits, best fit, chi^2.

Per sampled parameter, from the samples after burn-in (2 tau):
- `interval_68`, `interval_95`: equal-tailed percentiles (always given);
- `hdi_68`, `hdi_95`: highest-density regions of the marginal in the chain coordinate (log10
  for log-uniform priors), as lists of [low, high] in physical units: one interval for a
  unimodal marginal, disjoint intervals when it has separated modes (nsifit.inference.marginals);
- `limit`: a one-sided limit (68% and 95% quantiles from the open side) only where the marginal
  piles up at a prior edge (its edge bin holds at least half the peak bin) AND has one mode;
  a two-peaked marginal is never called a limit;
- `multimodal`, `modes` (locations in physical units, masses);
- `best_fit` and `best_fit_at_edge` ('lower' / 'upper' when the best-fit point lies within 1% of
  the prior range from that edge: the fit wants to go beyond the prior).
"""

import math

import numpy as np

from nsifit.inference import marginals
from nsifit.inference.samplers.diagnostics import prior_bounds, run_diagnostics

EDGE_FRACTION = 0.05      # a marginal "piles up" at a prior edge when its edge bin holds >= half the peak
BEST_FIT_EDGE = 0.01      # the best fit "sits on" an edge within 1% of the prior range


def piled_edge(internal, low, high):
    """'lower' / 'upper' when the marginal (internal coordinates) peaks at that prior edge, else None."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    counts, _ = np.histogram(internal, bins=round(1 / EDGE_FRACTION), range=(low, high))
    if counts[0] >= 0.5 * counts.max():
        return "lower"
    if counts[-1] >= 0.5 * counts.max():
        return "upper"
    return None


def edge_of(value, low, high, fraction=BEST_FIT_EDGE):
    """'lower' / 'upper' when value (internal coordinates) is within `fraction` of the range from an edge."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return None
    if value - low <= fraction * (high - low):
        return "lower"
    if high - value <= fraction * (high - low):
        return "upper"
    return None


def summarize(run):
    """Medians, intervals, HDIs, limits, best fit, tau/ESS and chi^2 per plugin of a RunData (weighted
    ones and the evidence for a nested run: summarize_nested)."""
    if hasattr(run, "log_weights"):
        return summarize_nested(run)
    path = run.path
    diag = run_diagnostics(run)
    internal = run.chain[diag["burn_in"]:].reshape(-1, run.chain.shape[-1])
    samples = run.physical(internal)
    best = np.unravel_index(np.nanargmax(run.blobs["loglike_total"]), run.log_prob.shape)
    params = {}
    for i, (name, (low, high)) in enumerate(zip(run.names, prior_bounds(run))):
        meta = run.params[name]
        log = bool(meta["log_scale"])
        physical = (lambda u: 10.0 ** u) if log else (lambda u: u)
        x = samples[:, i]
        q = np.percentile(x, [2.5, 16, 50, 84, 97.5])
        found = diag["modes"][i]
        multimodal = len(found) > 1
        ess = diag["ess"][i] if math.isfinite(diag["ess"][i]) else len(x)
        hdi = {cl: [[float(physical(a)), float(physical(b))] for a, b in
                    marginals.hdi(internal[:, i], ess, cl, low, high, multimodal=multimodal)]
               for cl in (0.68, 0.95)}
        edge = None if multimodal else piled_edge(internal[:, i], low, high)
        limit = None
        if edge == "lower":
            limit = {"type": "upper", "cl68": float(np.percentile(x, 68)), "cl95": float(np.percentile(x, 95))}
        elif edge == "upper":
            limit = {"type": "lower", "cl68": float(np.percentile(x, 32)), "cl95": float(np.percentile(x, 5))}
        value = run.chain[best][i]
        params[name] = {"unit": str(meta["unit"]), "prior": str(meta["prior"]), "median": q[2],
                        "interval_68": [q[1], q[3]], "interval_95": [q[0], q[4]], "limit": limit,
                        "best_fit": physical(value),
                        "tau": diag["tau"][i], "n_over_tau": diag["n_over_tau"][i], "ess": diag["ess"][i],
                        "hdi_68": hdi[0.68], "hdi_95": hdi[0.95], "multimodal": multimodal,
                        "modes": [{"location": float(physical(loc)), "mass": mass} for loc, mass in found],
                        "best_fit_at_edge": edge_of(value, low, high)}
    warnings = list(diag["warnings"])
    for name, p in params.items():
        if p["best_fit_at_edge"]:
            warnings.append(f"{name}: the best fit ({p['best_fit']:.4g}) sits on the {p['best_fit_at_edge']} "
                            "prior edge: the likelihood does not fall off there (a limit set by the prior, "
                            "or a best fit beyond the prior range)")
    chi2 = {k[len("loglike_"):]: -2.0 * float(v[best]) for k, v in run.blobs.items()
            if k.startswith("loglike_") and k != "loglike_total"}
    n_obs, n_par = int(run.attrs.get("n_obs", len(chi2))), len(run.names)
    return {"file": str(path), "model": str(run.attrs["model"]), "steps": diag["steps"],
            "walkers": diag["walkers"], "burn_in": diag["burn_in"], "acceptance": diag["acceptance"],
            "converged": diag["converged"], "ess_target": diag["ess_target"], "warnings": warnings,
            "params": params,
            "best_fit": {"chi2": chi2, "chi2_total": -2.0 * float(run.blobs["loglike_total"][best]),
                         "log_posterior": float(run.log_prob[best])},
            "n_obs": n_obs, "n_par": n_par, "dof": n_obs - n_par,
            "chi2_convention": str(run.attrs.get("chi2_convention", ""))}


def weighted_quantiles(x, weights, q):
    """Quantiles q (in [0, 1]) of weighted samples: the inverse of the weighted empirical CDF, linearly
    interpolated between the midpoints of each sample's weight."""
    order = np.argsort(x)
    x, w = np.asarray(x)[order], np.asarray(weights)[order]
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cdf, x)


def summarize_nested(run):
    """Weighted medians, 68/95% intervals or one-sided limits, best fit, chi^2 per plugin and the
    evidence (`log_z`, `log_z_err`: natural log) of a NestedRunData."""
    w = run.weights
    samples = run.physical(run.samples)
    best = int(np.nanargmax(run.log_likelihood))
    params = {}
    for i, name in enumerate(run.names):
        meta = run.params[name]
        log = bool(meta["log_scale"])
        low, high = (float(meta["min"]), float(meta["max"]))
        low, high = (np.log10(low), np.log10(high)) if log else (low, high)
        x = samples[:, i]
        q = weighted_quantiles(x, w, [0.025, 0.16, 0.5, 0.84, 0.975])
        counts, _ = np.histogram(run.samples[:, i], bins=round(1 / EDGE_FRACTION), range=(low, high), weights=w) \
            if np.isfinite(low) and np.isfinite(high) else (None, None)
        edge = None
        if counts is not None and counts[0] >= 0.5 * counts.max():
            edge = "lower"
        elif counts is not None and counts[-1] >= 0.5 * counts.max():
            edge = "upper"
        limit = None
        if edge == "lower":
            limit = {"type": "upper", **dict(zip(("cl68", "cl95"), map(float, weighted_quantiles(x, w, [.68, .95]))))}
        elif edge == "upper":
            limit = {"type": "lower", **dict(zip(("cl68", "cl95"), map(float, weighted_quantiles(x, w, [.32, .05]))))}
        mean = float(np.sum(w * x))
        params[name] = {"unit": str(meta["unit"]), "prior": str(meta["prior"]), "median": float(q[2]),
                        "mean": mean, "std": float(np.sqrt(np.sum(w * (x - mean) ** 2))),
                        "interval_68": [float(q[1]), float(q[3])], "interval_95": [float(q[0]), float(q[4])],
                        "limit": limit, "best_fit": float(samples[best, i]), "multimodal": False,
                        "best_fit_at_edge": edge_of(run.samples[best, i], low, high)}
    chi2 = {k[len("loglike_"):]: -2.0 * float(v[best]) for k, v in run.blobs.items()
            if k.startswith("loglike_") and k != "loglike_total"}
    n_obs, n_par = int(run.attrs.get("n_obs", len(chi2))), len(run.names)
    info = run.nested
    return {"file": str(run.path), "model": str(run.attrs["model"]), "engine": "nested",
            "library": str(info["library"]), "library_version": str(info["library_version"]),
            "log_z": run.log_z, "log_z_err": run.log_z_err, "n_eff": float(info["n_eff"]),
            "n_calls": int(info["n_calls"]), "n_samples": len(w), "warnings": [], "params": params,
            "best_fit": {"chi2": chi2, "chi2_total": -2.0 * float(run.log_likelihood[best])},
            "n_obs": n_obs, "n_par": n_par, "dof": n_obs - n_par,
            "chi2_convention": str(run.attrs.get("chi2_convention", ""))}
