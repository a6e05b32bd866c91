"""`nsifit export`: chains for other tools: GetDist, CSV, ArviZ (NetCDF), emcee (HDF5).

getdist, csv and arviz hold the samples after burn-in (the summary's, 2 tau), optionally every
--thin-th step; emcee holds the whole chain in the layout emcee's HDFBackend reads (its own
`discard`/`thin` then apply). Weighted samples (`nsifit post`, nested sampling) go to getdist or csv
with their weights. Formats and columns: nsifit.io.export, nsifit.io.arviz_export.
"""

from nsifit.errors import NsifitError

FORMATS = ("getdist", "csv", "arviz", "emcee")     # nsifit.io.export.FORMATS (a test keeps them equal)


def register(sub):
    p = sub.add_parser("export", help="chains as GetDist text, CSV, ArviZ NetCDF or an emcee HDF5 file")
    p.add_argument("output", metavar="OUT.h5")
    p.add_argument("--format", default="getdist", help=f"{' | '.join(FORMATS)} (default getdist)")
    p.add_argument("-o", "--file", required=True, help="getdist: chain root (ROOT.txt, ROOT.paramnames, "
                   "ROOT.ranges); csv: the CSV file; arviz: the NetCDF file (.nc); emcee: the HDF5 file")
    p.add_argument("--derived", help="also these derived quantities (comma-separated, or 'all'), recomputed "
                                     "at every sample from the run's stored config (not for emcee)")
    p.add_argument("--thin", type=int, default=1, metavar="N",
                   help="keep every N-th step after burn-in (getdist, csv, arviz; default 1)")
    p.set_defaults(func=cmd_export)


def cmd_export(args):
    from nsifit import api
    if args.format not in FORMATS:
        raise NsifitError(f"unknown export format '{args.format}'; valid: {', '.join(FORMATS)}")
    if args.thin < 1:
        raise NsifitError(f"--thin must be a positive integer, not {args.thin}")
    from nsifit.io.weighted import is_weighted
    if is_weighted(args.output):
        return _weighted(args, api.WeightedRun(args.output))
    run = api.Run(args.output)
    if run.is_nested:
        raise NsifitError(f"{args.output}: export of nested runs (weighted samples) is not supported yet; "
                          "use nsifit.api.Run(...).samples(weighted=True)")
    if args.format == "emcee":
        if args.derived or args.thin != 1:
            raise NsifitError("--derived and --thin do not apply to --format emcee (the whole chain and the "
                              "quantities stored at every step are written; use emcee's discard/thin)")
        return _emcee(run, args.file)
    data = run.data
    stored = list(data.blobs)                      # each plugin's log L and the total, at every step
    extra = [] if not args.derived else [n for n in data.blob_names if n not in stored] \
        if args.derived == "all" else [n.strip() for n in args.derived.split(",") if n.strip()]
    extra = [n for n in dict.fromkeys(extra) if n not in stored or args.format == "getdist"]
    samples = run.samples(derived=list(dict.fromkeys(stored + extra)))
    burn, nwalkers = run.diagnostics["burn_in"], data.chain.shape[1]

    def thinned(values):
        """Every --thin-th step of step-major flat samples (all walkers of a kept step)."""
        return values.reshape(-1, nwalkers, *values.shape[1:])[::args.thin].reshape(-1, *values.shape[1:])

    log_prob = thinned(data.log_prob[burn:].reshape(-1))
    internal = thinned(data.chain[burn:].reshape(-1, len(run.names)))
    columns = {n: thinned(samples[n]) for n in samples}
    what = f"{len(log_prob)} samples after burn-in ({burn} steps)" + \
        (f", every {args.thin}th step" if args.thin > 1 else "")
    if args.format == "csv":
        write = {"log_posterior": log_prob, **{n: columns[n] for n in run.names},
                 **{n: columns[n] for n in stored + extra}}
        from nsifit.io.export import write_csv
        write_csv(args.file, write)
        print(f"wrote {args.file} ({what}; log_posterior, {', '.join(run.names)}, each plugin's log L"
              + (", " + ", ".join(extra) if extra else "") + "; physical units)")
    elif args.format == "getdist":
        from nsifit.io.export import getdist_columns, walker_major, write_getdist
        params = getdist_columns(data.params, run.names, walker_major(internal, nwalkers))
        files = write_getdist(args.file, params, walker_major(log_prob, nwalkers),
                              derived={n: walker_major(columns[n], nwalkers) for n in extra})
        print(f"wrote {', '.join(str(f) for f in files)} ({what}, weight 1; "
              f"{', '.join(c[0] for c in params + [(n + '*',) for n in extra])}; log-uniform parameters as log10)")
    else:
        _arviz(run, args.file, columns, internal, log_prob, stored, extra, burn, thinned, what)


def _arviz(run, path, columns, internal, log_prob, stored, extra, burn, thinned, what):
    from nsifit.io.arviz_export import accepted_steps, per_walker, write_arviz
    data = run.data
    nwalkers = data.chain.shape[1]
    posterior = {}
    for i, name in enumerate(run.names):
        posterior[name] = per_walker(columns[name], nwalkers)
        if data.params[name]["log_scale"]:
            posterior[f"log10_{name}"] = per_walker(internal[:, i], nwalkers)
    posterior.update({n: per_walker(columns[n], nwalkers) for n in extra})
    logl = {n: per_walker(columns[n], nwalkers) for n in stored}
    moved = accepted_steps(data.chain, burn)
    stats = {"lp": per_walker(log_prob, nwalkers), "log_likelihood": logl["loglike_total"],
             "accepted": thinned(moved.T.reshape(-1)).reshape(-1, nwalkers).T}
    attrs = {"nsifit_run": str(run.path), "model": run.model, "burn_in": burn,
             "units": ", ".join(f"{n}: {u}" for n, u in run.units.items() if u),
             "note": "chains are the walkers of one emcee ensemble (not independent: R-hat does not apply)"}
    write_arviz(path, posterior, logl, stats, attrs)
    print(f"wrote {path} ({what}; ArviZ InferenceData: posterior (walkers as chains, physical units, "
          "log10_<name> for log-uniform parameters), log_likelihood (one per plugin), sample_stats)")


def _emcee(run, path):
    from nsifit.io.export import write_emcee
    data = run.data
    write_emcee(path, data.chain, data.log_prob, data.accepted, data.blobs, run.names)
    print(f"wrote {path} ({data.iteration} steps x {data.chain.shape[1]} walkers, burn-in included; "
          "sampling coordinates (log10 for log-uniform parameters); blobs: "
          f"{', '.join(data.blobs)}; read with emcee.backends.HDFBackend('{path}', read_only=True))")


def _weighted(args, run):
    """Weighted samples: GetDist (weights in the first column, log10 columns as for runs) or CSV."""
    if args.derived or args.thin != 1:
        raise NsifitError("--derived and --thin apply to run files (a weighted file stores its samples and "
                          "per-plugin log L only)")
    if args.format not in ("csv", "getdist"):
        raise NsifitError(f"--format {args.format} applies to run files; weighted samples: csv or getdist")
    import numpy as np
    data = run.data
    log_prob = data.log_prob if data.log_prob is not None else np.full(len(data.weights), np.nan)
    if args.format == "csv":
        from nsifit.io.export import write_csv
        samples = run.samples()
        write_csv(args.file, {"log_posterior": log_prob, **{n: samples[n] for n in run.names},
                              "weight": data.weights,
                              **{f"loglike_{k}": v for k, v in data.loglike.items()}})
        print(f"wrote {args.file} ({len(log_prob)} weighted samples, effective sample size {run.ess:.1f}; "
              "physical units)")
        return
    from nsifit.io.export import getdist_columns, write_getdist
    files = write_getdist(args.file, getdist_columns(data.params, run.names, data.samples), log_prob,
                          weights=data.weights)
    print(f"wrote {', '.join(str(f) for f in files)} ({len(log_prob)} weighted samples, effective sample size "
          f"{run.ess:.1f}; log-uniform parameters as log10)")
