"""`nsifit bib`: the BibTeX entries of everything a run uses (nsifit.api.bibliography; no network)."""

import sys
from pathlib import Path

from nsifit.errors import ConfigError


def register(sub):
    p = sub.add_parser("bib", help="BibTeX of what a run uses: nsifit, model, datasets, theory inputs")
    p.add_argument("source", metavar="CONFIG|RUN.h5",
                   help="run config (or a shipped example's name, e.g. quickstart), run/profile file, or bounds "
                        "config (or figure name)")
    p.add_argument("-o", "--output", help="write the entries to this file (default: standard output)")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_bib)


def cmd_bib(args):
    from nsifit.api import bibliography
    text = bibliography(args.source, args.data_dir)
    if not args.output:
        sys.stdout.write(text)
        return
    try:
        Path(args.output).write_text(text)
    except OSError as err:
        raise ConfigError(f"cannot write {args.output}: {err.strerror}") from None
    print(args.output)
