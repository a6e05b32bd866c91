"""The `nsifit` command (DESIGN.md sect. 6). Usage errors: one line on stderr, exit code 2.

Each subcommand lives in nsifit/cli/<name>.py with `register(subparsers)`.
"""

import argparse
import importlib
import sys
import warnings

import numpy as np

from nsifit._version import __version__
from nsifit.errors import NsifitError

USAGE_ERROR = 2
COMMANDS = ("info", "eval", "bounds", "profile", "plot", "run", "summary", "corner", "export")


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


def _show_warning(message, category, filename, lineno, file=None, line=None):
    """Warnings as one line each (e.g. an allowed anomalous charge set, a plugin that does not apply)."""
    print(f"nsifit: warning: {message}", file=sys.stderr)


def main(argv=None):
    warnings.showwarning = _show_warning
    try:
        args = build_parser().parse_args(argv)
        with np.errstate(all="ignore"):    # extreme inputs give inf/nan in the output, not warnings
            args.func(args)
    except NsifitError as err:
        print(f"nsifit: error: {err}", file=sys.stderr)
        return USAGE_ERROR
    except BrokenPipeError:          # e.g. `nsifit info | head`
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("nsifit: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
