"""`nsifit export`: chains as GetDist text (+ .paramnames) or CSV (after burn-in)."""

from nsifit.errors import NsifitError

FORMATS = ("getdist", "csv")        # nsifit.io.export.FORMATS (a test keeps them equal)


def register(sub):
    p = sub.add_parser("export", help="chains as GetDist text or CSV (physical units, burn-in removed)")
    p.add_argument("output", metavar="OUT.h5")
    p.add_argument("--format", default="getdist", help=f"{' | '.join(FORMATS)} (default getdist)")
    p.add_argument("-o", "--file", required=True, help="getdist: chain root (ROOT.txt, ROOT.paramnames); "
                   "csv: the CSV file")
    p.add_argument("--derived", help="csv: also these derived quantities (comma-separated, or 'all'), "
                                     "recomputed at every sample from the run's stored config")
    p.set_defaults(func=cmd_export)


def cmd_export(args):
    import numpy as np

    from nsifit import api
    from nsifit.io.export import write_csv, write_getdist
    if args.format not in FORMATS:
        raise NsifitError(f"unknown export format '{args.format}'; valid: {', '.join(FORMATS)}")
    run = api.Run(args.output)
    if run.is_nested:
        raise NsifitError(f"{args.output}: export of nested runs (weighted samples) is not supported yet; "
                          "use nsifit.api.Run(...).samples(weighted=True)")
    burn = run.diagnostics["burn_in"]
    stored = list(run.data.blobs)
    if args.derived and args.format != "csv":
        raise NsifitError("--derived applies to --format csv")
    extra = [] if not args.derived else [n for n in run.data.blob_names if n not in stored] \
        if args.derived == "all" else [n.strip() for n in args.derived.split(",") if n.strip()]
    samples = run.samples(derived=stored + [n for n in extra if n not in stored])
    values = np.column_stack([samples[n] for n in run.names])
    log_prob = run.data.log_prob[burn:].reshape(-1)
    if args.format == "csv":
        blobs = {k: samples[k] for k in stored + [n for n in extra if n not in stored]}
        write_csv(args.file, run.names, values, log_prob, blobs)
        print(f"wrote {args.file}")
        return
    latex = {n: _latex(run.data.params[n]) for n in run.names}
    files = write_getdist(args.file, run.names, latex, values, log_prob)
    print(f"wrote {files[0]} and {files[1]} ({len(log_prob)} samples, weight 1, -log posterior, "
          f"{', '.join(run.names)}; physical units)")


def _latex(meta):
    unit = f"\\,[\\mathrm{{{meta['unit']}}}]" if str(meta["unit"]) else ""
    return f"{meta['latex']}{unit}"
