"""`nsifit plot PROFILE.h5 [-o FILE]`: the profile scans stored in a file (1D curves, 2D contours)."""

from pathlib import Path


def register(sub):
    p = sub.add_parser("plot", help="plot the profile-likelihood scans of an HDF5 file")
    p.add_argument("file", metavar="PROFILE.h5")
    p.add_argument("-o", "--output", help="PNG or PDF (default: <file>_profile.png)")
    p.add_argument("--scan", action="append", metavar="NAME",
                   help="scan to plot, e.g. m_zp-g_zp (default: all)")
    p.set_defaults(func=cmd_plot)


def cmd_plot(args):
    from nsifit.io.profilefile import read_profiles
    from nsifit.plots.profiles import plot_profiles
    out = args.output or str(Path(args.file).with_suffix("")) + "_profile.png"
    plot_profiles(read_profiles(args.file, args.scan), out)
    print(f"wrote {out}")
