"""Subcommands of `nsifit`: one module each, with register(subparsers) and its handler."""
