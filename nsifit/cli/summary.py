"""`nsifit summary`: medians, credible intervals (or limits), best fit, chi^2 per plugin, convergence."""

import json

import numpy as np

from nsifit.cli.common import jsonable
from nsifit.io.runfile import read_run
from nsifit.plots.corner import posterior_samples

EDGE_FRACTION = 0.05      # a marginal "piles up" at a prior edge when its edge bin holds >= half the peak


def register(sub):
    p = sub.add_parser("summary", help="medians, 68/95%% intervals or limits, best fit, tau, ESS")
    p.add_argument("output", metavar="OUT.h5")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_summary)


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


def summarize(path):
    run = read_run(path)
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


def cmd_summary(args):
    s = summarize(args.output)
    if args.json:
        print(json.dumps(jsonable(s), indent=2))
        return
    print(f"{s['file']}: model {s['model']}, {s['steps']} steps x {s['walkers']} walkers "
          f"(burn-in {s['burn_in']}), acceptance {s['acceptance']:.2f}")
    width = max(12, *(len(n) + len(p["unit"]) + 3 for n, p in s["params"].items()))
    print(f"{'param':<{width}} {'median':>11} {'68% interval':>25} {'95% interval':>25} {'best fit':>11}"
          f" {'tau':>7} {'N/tau':>7} {'ESS':>8}")
    for name, p in s["params"].items():
        if p["limit"]:
            kind = "<" if p["limit"]["type"] == "upper" else ">"
            i68, i95 = f"{kind} {p['limit']['cl68']:.4g}", f"{kind} {p['limit']['cl95']:.4g}"
        else:
            i68 = "[{:.4g}, {:.4g}]".format(*p["interval_68"])
            i95 = "[{:.4g}, {:.4g}]".format(*p["interval_95"])
        unit = f" [{p['unit']}]" if p["unit"] else ""
        print(f"{name + unit:<{width}} {p['median']:>11.4g} {i68:>25} {i95:>25} {p['best_fit']:>11.4g}"
              f" {p['tau']:>7.1f} {p['n_over_tau']:>7.1f} {p['ess']:>8.0f}")
    print(f"best fit: chi2 = {s['best_fit']['chi2_total']:.3f} for n_obs = {s['n_obs']}, n_par = {s['n_par']}")
    for name, value in s["best_fit"]["chi2"].items():
        print(f"  {name:<20} chi2 = {value:.3f}")
    print(f"chi2 convention: {s['chi2_convention']}")
    for note in s["warnings"]:
        print(f"warning: {note}")
