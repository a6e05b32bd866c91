"""Posterior summaries of a run: medians, credible intervals or one-sided limits, best fit, chi^2.

Intervals are equal-tailed percentiles of the marginal after burn-in (2 tau). When a marginal
piles up at a prior edge (its edge bin holds at least half the peak bin), the summary gives a
one-sided limit instead (68% and 95% quantiles from the open side).
"""

import numpy as np

from nsifit.inference.samplers.diagnostics import posterior_samples

EDGE_FRACTION = 0.05      # a marginal "piles up" at a prior edge when its edge bin holds >= half the peak


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


def summarize(run):
    """Medians, intervals (or one-sided limits), best fit, tau/ESS and chi^2 per plugin of a RunData."""
    path = run.path
    samples, diag = posterior_samples(run)
    internal = run.chain[diag["burn_in"]:].reshape(-1, run.chain.shape[-1])
    best = np.unravel_index(np.nanargmax(run.blobs["loglike_total"]), run.log_prob.shape)
    params = {}
    for i, name in enumerate(run.names):
        meta = run.params[name]
        x = samples[:, i]
        q = np.percentile(x, [2.5, 16, 50, 84, 97.5])
        low, high = float(meta["min"]), float(meta["max"])
        if meta["log_scale"]:
            low, high = np.log10(low), np.log10(high)
        edge = piled_edge(internal[:, i], low, high)
        limit = None
        if edge == "lower":
            limit = {"type": "upper", "cl68": float(np.percentile(x, 68)), "cl95": float(np.percentile(x, 95))}
        elif edge == "upper":
            limit = {"type": "lower", "cl68": float(np.percentile(x, 32)), "cl95": float(np.percentile(x, 5))}
        value = run.chain[best][i]
        params[name] = {"unit": str(meta["unit"]), "prior": str(meta["prior"]), "median": q[2],
                        "interval_68": [q[1], q[3]], "interval_95": [q[0], q[4]], "limit": limit,
                        "best_fit": 10.0 ** value if meta["log_scale"] else value,
                        "tau": diag["tau"][i], "n_over_tau": diag["n_over_tau"][i], "ess": diag["ess"][i]}
    chi2 = {k[len("loglike_"):]: -2.0 * float(v[best]) for k, v in run.blobs.items()
            if k.startswith("loglike_") and k != "loglike_total"}
    n_obs, n_par = int(run.attrs.get("n_obs", len(chi2))), len(run.names)
    return {"file": str(path), "model": str(run.attrs["model"]), "steps": diag["steps"],
            "walkers": diag["walkers"], "burn_in": diag["burn_in"], "acceptance": diag["acceptance"],
            "converged": diag["converged"], "warnings": diag["warnings"], "params": params,
            "best_fit": {"chi2": chi2, "chi2_total": -2.0 * float(run.blobs["loglike_total"][best]),
                         "log_posterior": float(run.log_prob[best])},
            "n_obs": n_obs, "n_par": n_par, "dof": n_obs - n_par,
            "chi2_convention": str(run.attrs.get("chi2_convention", ""))}
