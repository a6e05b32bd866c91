"""`nsifit hepdata`: a HEPData submission of a bounds figure or of profile scans (nsifit.bounds.hepdata)."""

import sys
from pathlib import Path

from nsifit.errors import ConfigError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def register(sub):
    p = sub.add_parser("hepdata", help="HEPData submission (DIR/submission.yaml, table YAMLs; DIR.tar.gz) of "
                                       "a bounds figure or of the profile scans of a file")
    p.add_argument("source", metavar="BOUNDS_CONFIG|FIGURE|PROFILE.h5",
                   help="bounds config or shipped figure name (nsifit example lists them), or an HDF5 file "
                        "with profile scans (nsifit profile)")
    p.add_argument("-o", "--output", required=True, help="output directory")
    p.add_argument("--grid", type=int, help="grid points per axis of a bounds figure (overrides the config's n)")
    p.add_argument("--no-validate", action="store_true", help="skip hepdata-validator's check of the archive")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_hepdata)


def _is_hdf5(path):
    try:
        with open(path, "rb") as f:
            return f.read(8) == HDF5_SIGNATURE
    except OSError:
        return False


def cmd_hepdata(args):
    from nsifit.bounds import hepdata
    validate = not args.no_validate
    if _is_hdf5(args.source):
        out, archive = hepdata.profile_submission(args.source, args.output, validate=validate)
    else:
        from nsifit import bounds
        from nsifit.cli.bounds import find_config
        if args.grid is not None and args.grid < 2:
            raise ConfigError(f"--grid must be >= 2, got {args.grid}")
        cfg = bounds.load_bounds_config(find_config(args.source), grid=args.grid)
        result = bounds.compute(cfg, args.data_dir, progress=sys.stderr.isatty())
        out, archive = hepdata.bounds_submission(result, args.output, args.data_dir, validate=validate)
    print(Path(out) / "submission.yaml")
    print(archive)
