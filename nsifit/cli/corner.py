"""`nsifit corner`: corner plot of one or several runs (overlaid on their common parameters, with a legend)."""

from pathlib import Path

from nsifit.errors import NsifitError


def register(sub):
    p = sub.add_parser("corner", help="corner plot (PNG/PDF by extension); several runs are overlaid")
    p.add_argument("outputs", nargs="+", metavar="OUT.h5")
    p.add_argument("-o", "--output", help="plot file (default: the first run's name with .png)")
    p.add_argument("--labels", help="comma-separated legend labels, one per run")
    p.add_argument("--params", help="comma-separated parameters (and derived quantities) to show, in this order "
                   "(default: the sampled parameters all runs share)")
    p.add_argument("--derived", help="comma-separated derived quantities to add (eps_medium, delta_a_mu, ...; "
                   "recomputed from each run's stored config where not stored)")
    p.add_argument("--truths", help="values to mark, e.g. m_zp=30,g_zp=2e-4 (physical units)")
    p.add_argument("--best-fit", action="store_true", help="mark the first run's best fit")
    p.add_argument("--quantiles", help="1D quantile lines of a single run, e.g. 0.16,0.5,0.84")
    p.add_argument("--smooth", type=float, default=1.0, help="Gaussian smoothing of the 2D histograms in bins "
                   "(default 1; 0: none)")
    p.add_argument("--size", type=float, help="figure width and height in inches (default 1.7 per panel)")
    p.add_argument("--dpi", type=int, default=200, help="resolution of a PNG (default 200)")
    p.set_defaults(func=cmd_corner)


def cmd_corner(args):
    from nsifit.cli.common import parse_assignments
    from nsifit.plots.corner import corner_plot
    plot = args.output or str(Path(args.outputs[0]).with_suffix(".png"))
    labels = args.labels.split(",") if args.labels else None
    names = _names(args.params)
    derived = _names(args.derived)
    truths = {}
    for key, value in parse_assignments(_names(args.truths), "--truths values").items():
        try:
            truths[key] = float(value)
        except ValueError:
            raise NsifitError(f"--truths: {key} must be a number, got '{value}'") from None
    quantiles = [float(q) for q in _names(args.quantiles)] if args.quantiles else ()
    if any(not 0 < q < 1 for q in quantiles):
        raise NsifitError(f"--quantiles must lie strictly between 0 and 1, got {args.quantiles}")
    sources = [_with_derived(path, derived, labels, k) for k, path in enumerate(args.outputs)] if derived \
        else args.outputs
    corner_plot(sources, plot, labels, params=names or None, truths=truths, best_fit=args.best_fit,
                quantiles=quantiles, smooth=args.smooth or None, size_in=args.size, dpi=args.dpi)
    print(f"wrote {plot}")


def _names(text):
    return [n.strip() for n in text.split(",") if n.strip()] if text else []


def _with_derived(path, derived, labels, k):
    """The run's CornerSet with the derived quantities added (through nsifit.api: recomputed if needed)."""
    from nsifit import api
    from nsifit.plots.corner import add_columns, file_set
    run = api.load(path)
    if not isinstance(run, api.Run):
        raise NsifitError(f"{path}: --derived applies to run files")
    samples = run.samples(derived=derived)
    label = labels[k] if labels and k < len(labels) else None
    return add_columns(file_set(path, label), {n: samples[n] for n in derived})
