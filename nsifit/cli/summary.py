"""`nsifit summary`: medians, credible intervals (or limits), best fit, chi^2 per plugin, convergence.

A file of weighted samples (`nsifit post`, nested sampling) gets weighted medians, equal-tailed intervals
and limits, with the Kish effective sample size of the weights. Intervals of a run: equal-tailed for a
unimodal marginal, a one-sided limit where it piles up at a prior
edge, the highest-density regions (disjoint intervals joined by 'u') for a multimodal one.
"""

import json

from nsifit.errors import NsifitError


def register(sub):
    p = sub.add_parser("summary", help="medians, 68/95%% intervals or limits, best fit, tau, ESS")
    p.add_argument("output", metavar="OUT.h5")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="the whole summary as JSON")
    form.add_argument("--latex", action="store_true", help="the constraints as a LaTeX table (booktabs)")
    p.set_defaults(func=cmd_summary)


def cmd_summary(args):
    from nsifit import api
    from nsifit.cli.common import jsonable
    from nsifit.io.weighted import is_weighted
    if is_weighted(args.output):
        if args.latex:
            raise NsifitError("--latex applies to run files; a weighted file: use --json")
        return _weighted(api.WeightedRun(args.output).summary(), args.json, jsonable)
    run = api.Run(args.output)
    s = run.summary()
    if args.latex:
        if "log_z" in s:
            raise NsifitError("--latex applies to emcee runs; a nested run: use --json")
        from nsifit.inference.latex_table import latex_table
        print(latex_table(s, {n: str(run.data.params[n]["latex"]) for n in run.names}), end="")
        return
    if args.json:
        print(json.dumps(jsonable(s), indent=2))
        return
    if "log_z" in s:
        print_nested(s)
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
        elif p["multimodal"]:
            i68 = i95 = "multimodal (*)"
        else:
            i68 = "[{:.4g}, {:.4g}]".format(*p["interval_68"])
            i95 = "[{:.4g}, {:.4g}]".format(*p["interval_95"])
        unit = f" [{p['unit']}]" if p["unit"] else ""
        print(f"{name + unit:<{width}} {p['median']:>11.4g} {i68:>25} {i95:>25} {p['best_fit']:>11.4g}"
              f" {p['tau']:>7.1f} {p['n_over_tau']:>7.1f} {p['ess']:>8.0f}")
    multimodal = {name: p for name, p in s["params"].items() if p["multimodal"]}
    if multimodal:
        print("(*) multimodal marginals: highest-density regions (joined by 'u')")
        for name, p in multimodal.items():
            unit = f" [{p['unit']}]" if p["unit"] else ""
            regions = {key: " u ".join("[{:.4g}, {:.4g}]".format(*iv) for iv in p[key]) for key in ("hdi_68", "hdi_95")}
            print(f"  {name + unit}: 68% {regions['hdi_68']}; 95% {regions['hdi_95']}")
    print(f"best fit: chi2 = {s['best_fit']['chi2_total']:.3f} for n_obs = {s['n_obs']}, n_par = {s['n_par']}")
    for name, value in s["best_fit"]["chi2"].items():
        print(f"  {name:<20} chi2 = {value:.3f}")
    print(f"chi2 convention: {s['chi2_convention']}")
    for note in s["warnings"]:
        print(f"warning: {note}")


def _weighted(s, as_json, jsonable):
    if as_json:
        print(json.dumps(jsonable(s), indent=2))
        return
    print(f"{s['file']}: model {s['model']}, {s['samples']} weighted samples ({s['kind']}, /{s['group']}), "
          f"effective sample size {s['ess']:.1f}, Pareto k of the largest weights {s['pareto_k']:.2f}")
    _weighted_table(s)
    print(f"best fit (largest log L among the samples): chi2 = {s['best_fit']['chi2_total']:.3f} "
          f"for n_obs = {s['n_obs']}, n_par = {s['n_par']}")
    for name, value in s["best_fit"]["chi2"].items():
        print(f"  {name:<20} chi2 = {value:.3f}")
    for note in s["warnings"]:
        print(f"warning: {note}")


def print_nested(s):
    """Summary of a nested run: weighted medians, intervals or limits, best fit, the evidence."""
    print(f"{s['file']}: model {s['model']}, nested sampling ({s['library']} {s['library_version']}), "
          f"{s['n_calls']} likelihood calls, {s['n_samples']} weighted samples, effective size {s['n_eff']:.0f}")
    _weighted_table(s)
    print(f"best fit: chi2 = {s['best_fit']['chi2_total']:.3f} for n_obs = {s['n_obs']}, n_par = {s['n_par']}")
    print(f"evidence: ln Z = {s['log_z']:.4f} +- {s['log_z_err']:.4f} (prior normalised over its box)")


def _weighted_table(s):
    """Median, 68% and 95% intervals (or limits) and best fit per parameter of weighted samples."""
    width = max(12, *(len(n) + len(p["unit"]) + 3 for n, p in s["params"].items()))
    print(f"{'param':<{width}} {'median':>11} {'68% interval':>25} {'95% interval':>25} {'best fit':>11}")
    for name, p in s["params"].items():
        if p["limit"]:
            kind = "<" if p["limit"]["type"] == "upper" else ">"
            i68, i95 = f"{kind} {p['limit']['cl68']:.4g}", f"{kind} {p['limit']['cl95']:.4g}"
        else:
            i68, i95 = ("[{:.4g}, {:.4g}]".format(*p[k]) for k in ("interval_68", "interval_95"))
        unit = f" [{p['unit']}]" if p["unit"] else ""
        print(f"{name + unit:<{width}} {p['median']:>11.4g} {i68:>25} {i95:>25} {p['best_fit']:>11.4g}")
