"""`nsifit corner`: corner plot of one or several runs (overlaid with a legend)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("corner", help="corner plot (PNG/PDF by extension); several runs are overlaid")
    p.add_argument("outputs", nargs="+", metavar="OUT.h5")
    p.add_argument("-o", "--output", help="plot file (default: the first run's name with .png)")
    p.add_argument("--labels", help="comma-separated legend labels, one per run")
    p.set_defaults(func=cmd_corner)


def cmd_corner(args):
    from nsifit.plots.corner import corner_plot
    plot = args.output or str(Path(args.outputs[0]).with_suffix(".png"))
    labels = args.labels.split(",") if args.labels else None
    corner_plot(args.outputs, plot, labels)
    print(f"wrote {plot}")
