"""Exceptions with one-line messages: what was wrong and what would be right."""

import difflib


class NsifitError(Exception):
    """Base class: a usage or input error reported as one line (CLI exit code 2)."""


class ParameterError(NsifitError):
    """A model parameter is unknown, missing, conflicting or out of its domain."""


class ConfigError(NsifitError):
    """A configuration file or option is invalid."""


class DataError(NsifitError):
    """A data file is missing or does not follow the dataset schema."""


class NsifitWarning(UserWarning):
    """Something the user should know but that does not stop the run (e.g. an anomalous charge set)."""


class StorageError(NsifitError):
    """An output file is unreadable, truncated or not an nsifit file."""


def suggest(name, choices):
    """' (did you mean X?)' for the closest of `choices`, or ''."""
    close = difflib.get_close_matches(str(name), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def unknown(kind, name, choices):
    """Message for an unknown name, listing the valid ones."""
    valid = ", ".join(sorted(str(c) for c in choices))
    return f"unknown {kind} '{name}'{suggest(name, choices)}; valid: {valid}"
