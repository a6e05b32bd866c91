"""`nsifit bounds`: exclusion regions per experiment in a 2D plane (nsifit.bounds)."""

import sys
from pathlib import Path

from nsifit import examples
from nsifit.errors import ConfigError


def register(sub):
    p = sub.add_parser("bounds", help="exclusion regions per experiment in a 2D plane (PNG/PDF)")
    p.add_argument("config", metavar="CONFIG|FIGURE",
                   help="bounds config (YAML) or the name of a shipped one (nsifit example lists them), "
                        "e.g. seed000_fig1_left")
    p.add_argument("-o", "--output", help="output file, .png or .pdf (default: <config name>.png)")
    p.add_argument("--grid", type=int, help="grid points per axis (overrides the config's n)")
    p.add_argument("--profile-grid", type=int, help="grid points per axis of the profile overlay")
    p.add_argument("--no-profile", action="store_true", help="skip the combined-profile overlay")
    p.add_argument("--limit-grid", type=int, help="scan points of the upper-limit overlay (config: limit.n)")
    p.add_argument("--no-limit", action="store_true", help="skip the combined upper-limit overlay")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_bounds)


def find_config(name):
    """A path, or the name of a bounds config shipped with nsifit (nsifit.examples)."""
    path = Path(name)
    if path.is_file():
        return path
    figures = [n for n, kind in examples.names().items() if kind == "bounds"]
    if str(name).removesuffix(".yaml") in figures:
        return examples.path(name)
    raise ConfigError(f"no bounds config '{name}' (not a file); shipped figures: "
                      f"{', '.join(figures) or 'none found'}")


def cmd_bounds(args):
    from nsifit import bounds
    from nsifit.plots import bounds as bounds_plot
    from nsifit.plots.figures import figure_format
    if args.grid is not None and args.grid < 2:
        raise ConfigError(f"--grid must be >= 2, got {args.grid}")
    path = find_config(args.config)
    cfg = bounds.load_bounds_config(path, grid=args.grid)
    output = Path(args.output or f"{path.stem}.png")
    figure_format(output)          # before the grid: a bad extension fails fast
    result = bounds.compute(cfg, args.data_dir, progress=sys.stderr.isatty())
    if cfg.profile is not None and not args.no_profile:
        result.profile = bounds.compute_profile(cfg, args.data_dir, args.profile_grid)
    if cfg.limit is not None and not args.no_limit:
        result.limit = bounds.compute_limit(cfg, args.data_dir, args.limit_grid)
    bounds_plot.save(bounds_plot.draw(result), output)
    print(output)
