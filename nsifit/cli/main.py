"""The `nsifit` command (DESIGN.md sect. 6). Usage errors: one line on stderr, exit code 2.

Each subcommand lives in nsifit/cli/<name>.py with `register(subparsers)`. Start-up is kept
short (`nsifit --version`, `--help`): the command modules import only the standard library at
module level; numpy, h5py, emcee, scipy and matplotlib are imported by the command that runs.
"""

import argparse
import importlib
import signal
import sys
import warnings

from nsifit._version import __version__
from nsifit.errors import NsifitError

USAGE_ERROR = 2
COMMANDS = ("info", "eval", "bounds", "profile", "plot", "run", "summary", "evidence", "corner", "export", "post",
            "limit", "example", "bib", "hepdata")


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise NsifitError(f"{self.prog}: {message}")


def build_parser():
    parser = _Parser(prog="nsifit", description="Global fits of light Z' bosons: NSI, (g-2)_mu, "
                     "beam dumps, CEvNS. Masses in MeV.")
    parser.add_argument("--version", action="version", version=f"nsifit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"nsifit.cli.{name}").register(sub)
    return parser


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    print(f"nsifit: warning: {str(message).splitlines()[0] if str(message) else category.__name__}",
          file=sys.stderr if file is None else file)


def _parse(parser, argv):
    """parse_args, except that `eval` also takes its k=v points after options (`eval u1 --charges ... m_zp=10`)."""
    args, extra = parser.parse_known_args(argv)
    if extra and getattr(args, "params", None) is not None and all("=" in e and not e.startswith("-") for e in extra):
        args.params = [*args.params, *extra]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv=None):
    shown = warnings.showwarning
    warnings.showwarning = _one_line_warning      # plugin and storage warnings: one line each
    try:
        args = _parse(build_parser(), argv)
        import numpy as np
        with np.errstate(all="ignore"):    # extreme inputs give inf/nan in the output, not warnings
            args.func(args)
    except NsifitError as err:
        if hasattr(err, "signum") and hasattr(err, "steps"):      # sampling stopped by SIGINT/SIGTERM
            print(f"nsifit: {err}", file=sys.stderr)
            return 128 + int(err.signum)
        print(f"nsifit: error: {err}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:          # e.g. `nsifit info | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("nsifit: interrupted", file=sys.stderr)
        return 128 + signal.SIGINT
    finally:
        warnings.showwarning = shown
    return 0


if __name__ == "__main__":
    sys.exit(main())
