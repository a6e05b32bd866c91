"""`nsifit profile`: global best fit and a 1D / 2D profile-likelihood scan into /profile/<scan-name>.

Several --scan options make one grid (one axis each: one option -> 1D, two -> 2D). The scan is
stored in the run's HDF5 file (the config's `output`, or -o) as /profile/<names joined by '-'>:
one dataset per axis (physical values), `chi2`, `delta_chi2`, `nuisances/<name>` (the best value of
every other sampled parameter at each point), `status/{valid,method,edm,nfcn}`, and `best_fit`
(the global fit and every start's minimum). Adding a scan rewrites the file atomically.
"""

import sys


def register(sub):
    p = sub.add_parser("profile", help="iminuit best fit and a 1D / 2D profile-likelihood scan")
    p.add_argument("config", help="run configuration (YAML)")
    p.add_argument("--scan", action="append", metavar="NAME:MIN:MAX:N[:log]",
                   help="scan axis in physical units (MeV for masses); give two for a 2D scan "
                        "(default: the config's profile.scan)")
    p.add_argument("-o", "--output", help="HDF5 file (default: the config's output)")
    p.add_argument("--pool", help="serial (default), processes[:N] or mpi (under mpiexec)")
    p.add_argument("--starts", type=int, help="prior draws starting the global fit (default 8)")
    p.add_argument("--seed", type=int, help="seed of the prior draws (default 0)")
    p.add_argument("--chain", help="run file whose best MCMC sample joins the starts "
                                   "(default: the output file when it holds a chain)")
    p.add_argument("--plot", metavar="FILE", help="also plot the scan (PNG or PDF by extension)")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_profile)


def cmd_profile(args):
    from nsifit import api
    prof = api.profile(args.config, args.scan, output=args.output, pool=args.pool, starts=args.starts,
                       seed=args.seed, chain=args.chain, data_dir=args.data_dir)
    _report(prof.result, prof.posterior, prof.path, prof.name)
    if args.plot:
        prof.plot(args.plot)
        print(f"wrote {args.plot}")


def _report(result, posterior, output, name):
    from nsifit.inference.profile import scan as profiling
    best = result["fit"]["best"]
    phys = {k: float(v[0]) for k, v in posterior.to_physical(best.x).items()}
    minima = result["fit"]["minima"]
    print(f"global fit: chi2 = {best.chi2:.4f} ({sum(m.valid for m in minima)}/{len(minima)} starts "
          f"converged; chi2_min over fit and grid = {result['chi2_min']:.4f})")
    for p in posterior.sampled:
        print(f"  {p.name:<14} {phys[p.name]:.6g} {p.unit}")
    if "intervals" in result:
        p, axis = posterior.sampled[posterior.names.index(name)], result["axes"][0]
        for t, cl in profiling.THRESHOLDS_1D.items():
            parts = [f"[{_bound(lo, axis.lo)}, {_bound(hi, axis.hi)}]"
                     for lo, hi in result["intervals"][t]] or ["none on the grid"]
            print(f"  Delta chi2 <= {t:.2f} ({cl}): {p.name} in {' U '.join(parts)} {p.unit}")
    print(f"{int(result['valid'].sum())}/{result['valid'].size} grid points converged")
    print(f"wrote {output}:/profile/{name}")
    for note in result["warnings"]:
        print(f"nsifit: warning: {note}", file=sys.stderr)


def _bound(value, edge):
    """A crossing, or the scan's edge where the region is open (a one-sided limit)."""
    return f"{edge:.4g} (scan edge)" if value is None else f"{value:.4g}"
