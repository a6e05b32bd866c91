"""`nsifit post RUN.h5 --drop PLUGIN | --add PLUGIN[:key=value,...] | --dataset PLUGIN=NAME -o NEW.h5`:
importance reweighting of a stored run to another set of likelihoods (nsifit.inference.reweight).

The stored per-plugin log L serve the dropped plugins; only added or changed plugins are evaluated at the
stored samples after burn-in. NEW.h5 holds the weighted samples (/post: internal coordinates, weights,
per-plugin log L), the new config and the source run's path and sha256; `nsifit summary`, `corner` and
`export` read it. Refused (exit 2) when the Kish effective sample size of the weights is below --min-ess
(default 50) unless --force; a warning below 10% of the samples, and when the Pareto shape k of the largest
weights exceeds 0.7 (the new posterior has mass where the run has few samples).
"""


def register(sub):
    p = sub.add_parser("post", help="reweight a stored run: drop, add or change likelihoods (no re-sampling)")
    p.add_argument("run", metavar="RUN.h5")
    p.add_argument("--drop", action="append", default=[], metavar="PLUGIN", help="remove a likelihood (repeatable)")
    p.add_argument("--add", action="append", default=[], metavar="PLUGIN[:key=value,...]",
                   help="add a likelihood, or change the options of one in the run (repeatable)")
    p.add_argument("--dataset", action="append", default=[], metavar="PLUGIN=NAME",
                   help="give a likelihood another dataset (repeatable)")
    p.add_argument("-o", "--output", required=True, metavar="NEW.h5", help="the reweighted file")
    p.add_argument("--min-ess", type=float, help="refuse below this effective sample size (default 50)")
    p.add_argument("--force", action="store_true", help="write the result even when the ESS is below --min-ess")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_post)


def cmd_post(args):
    from nsifit import api
    from nsifit.cli.common import parse_assignments
    from nsifit.errors import NsifitError
    from nsifit.inference.reweight import MIN_ESS, parse_add
    add = {}
    for text in args.add:
        name, options = parse_add(text)
        if name in add:
            raise NsifitError(f"--add {name} is given twice")
        add[name] = options
    datasets = parse_assignments(args.dataset, "--dataset PLUGIN=NAME")
    result = api.post(args.run, output=args.output, drop=args.drop, add=add, datasets=datasets, force=args.force,
                      min_ess=MIN_ESS if args.min_ess is None else args.min_ess, data_dir=args.data_dir)
    r = result.report
    print(f"reweighted {r['samples']} samples of {args.run}: effective sample size {r['ess']:.1f} "
          f"({r['fraction']:.1%}), Pareto k of the largest weights {r['pareto_k']:.2f}; "
          f"recomputed: {', '.join(r['recomputed']) or 'none'}")
    print(f"wrote {args.output}:/post")
