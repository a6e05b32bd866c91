"""`nsifit limit CONFIG --scan m_zp:MIN:MAX:N[:log] --poi g_zp [--cl 0.95] [-o OUT.h5] [--json]`: the upper
limit on the parameter of interest at each value of the scanned one, from the combined profile likelihood
(every other sampled parameter profiled with MIGRAD; one-sided q = Delta chi^2, the asymptotic threshold
[Phi^-1(cl)]^2 = 2.71 at 95% CL; nsifit.inference.limits). -o stores it as /limits/<scan>-<poi> (drawn by
`nsifit plot` as an exclusion curve). `--from-run RUN.h5`: the Bayesian upper limit per slice of the scan
from the run's samples (it depends on the prior). `--json` prints
{"scan": NAME, "values": [...], "poi": NAME, "upper": [...], "cl": CL} (null: no limit in the prior range).
`--toys N`: at each scan value, N toys of the one-sided statistic at the limit (nsifit.inference.toys; only
when the scanned parameter and the poi are the only sampled ones): the toy critical value and the coverage of
the asymptotic limit, printed beside the asymptotic ones (with --json: a "toys" list).
"""

import json
import sys


def register(sub):
    p = sub.add_parser("limit", help="upper limits on a coupling along a scanned mass (profile likelihood "
                                     "or, with --from-run, posterior)")
    p.add_argument("config", nargs="?", help="run configuration (YAML); not with --from-run")
    p.add_argument("--scan", required=True, metavar="NAME:MIN:MAX:N[:log]", help="scanned parameter (physical "
                   "units, MeV for masses)")
    p.add_argument("--poi", required=True, metavar="NAME", help="parameter of interest, e.g. g_zp")
    p.add_argument("--cl", type=float, default=0.95, help="confidence level (default 0.95, one-sided)")
    p.add_argument("-o", "--output", metavar="OUT.h5", help="store the limits in this HDF5 file")
    p.add_argument("--from-run", metavar="RUN.h5", help="posterior limits from a stored run instead")
    p.add_argument("--seed", type=int, default=0, help="seed of the fits' prior draws (default 0)")
    p.add_argument("--json", action="store_true", help="print the limits as JSON")
    p.add_argument("--toys", type=int, default=0, metavar="N", help="check the asymptotic threshold with N toys "
                   "per scan value (docs/wilks.md)")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_limit)


def cmd_limit(args):
    from nsifit import api
    from nsifit.errors import NsifitError
    if (args.config is None) == (args.from_run is None):
        raise NsifitError("give a CONFIG (profile likelihood) or --from-run RUN.h5 (posterior), not both")
    if args.from_run and args.output:
        raise NsifitError("-o stores profile-likelihood limits; --from-run limits are printed only")
    if args.toys and (args.from_run or args.toys < 100):
        raise NsifitError("--toys needs a CONFIG (not --from-run) and N >= 100")
    result = api.limit(args.config, args.scan, args.poi, cl=args.cl, output=args.output, from_run=args.from_run,
                       seed=args.seed, data_dir=args.data_dir)
    toys = _toys(args, result) if args.toys else None
    if args.json:
        out = {"scan": result["scan"], "values": [float(v) for v in result["values"]],
               "poi": result["poi"], "upper": result["upper"], "cl": result["cl"]}
        print(json.dumps(out if toys is None else dict(out, toys=toys)))
    else:
        kind = "posterior" if args.from_run else "profile-likelihood"
        print(f"{result['cl']:.0%} CL {kind} upper limit on {result['poi']} against {result['scan']}:")
        for value, upper in zip(result["values"], result["upper"]):
            print(f"  {result['scan']} = {value:<12.6g} {result['poi']} < "
                  + ("none in the prior range" if upper is None else f"{upper:.4g}"))
        for value, toy in zip(result["values"], toys or ()):
            print(f"  toys at {result['scan']} = {value:.6g}: " + ("no limit" if toy is None else
                  f"critical q {toy['critical_toys']:.3f} +- {toy['critical_error']:.3f} (asymptotic "
                  f"{toy['threshold']:.3f}), coverage {toy['coverage']:.4f} +- {toy['coverage_error']:.4f} "
                  f"({toy['n_toys']} toys); CLs upper limit "
                  + ("none on the grid" if toy["upper_cls"] is None else f"{toy['upper_cls']:.4g}")))
        if args.output:
            print(f"wrote {args.output}:/limits/{result['name']}")
    if args.from_run:
        print(f"nsifit: note: {result['note']}", file=sys.stderr)


def _toys(args, result):
    """wilks_check at each scan value with an upper limit (None elsewhere)."""
    from nsifit.inference.posterior import Posterior
    from nsifit.inference.toys import wilks_check
    posterior = Posterior(args.config, data_dir=args.data_dir)
    out = []
    for value, upper in zip(result["values"], result["upper"]):
        if upper is None:
            out.append(None)
            continue
        toy = wilks_check(posterior, result["scan"], float(value), result["poi"], cl=result["cl"],
                          n_toys=args.toys, seed=args.seed)
        keys = ("upper", "upper_cls", "threshold", "critical_toys", "critical_error", "coverage",
                "coverage_error", "n_toys")
        out.append({k: toy[k] for k in keys})
    return out
