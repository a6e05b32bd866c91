"""`nsifit plot PROFILE.h5 [-o FILE]`: the profile scans stored in a file (1D curves, 2D contours) and its
limit scans (`nsifit limit`: exclusion curves, the excluded region shaded)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("plot", help="plot the profile-likelihood and limit scans of an HDF5 file")
    p.add_argument("file", metavar="PROFILE.h5")
    p.add_argument("-o", "--output", help="PNG or PDF (default: <file>_profile.png)")
    p.add_argument("--scan", action="append", metavar="NAME",
                   help="scan to plot, e.g. m_zp-g_zp (default: all, limit scans too)")
    p.set_defaults(func=cmd_plot)


def cmd_plot(args):
    from nsifit.errors import StorageError
    from nsifit.io.profilefile import has_group, read_limits, read_profiles
    from nsifit.plots.profiles import plot_profiles
    out = args.output or str(Path(args.file).with_suffix("")) + "_profile.png"
    profiles, limits = has_group(args.file, "profile"), has_group(args.file, "limits")
    if not (profiles or limits):
        raise StorageError(f"{args.file}: no profile or limit scans (run `nsifit profile` or `nsifit limit` first)")
    all_limits = read_limits(args.file) if limits else []
    limit_names = [lim["name"] for lim in all_limits]
    if args.scan:
        wanted = [n for n in args.scan if n not in limit_names]
        scans = read_profiles(args.file, wanted) if wanted else []
        lims = [lim for lim in all_limits if lim["name"] in args.scan]
    else:
        scans, lims = (read_profiles(args.file) if profiles else []), all_limits
    plot_profiles(scans, out, lims)
    print(f"wrote {out}")
