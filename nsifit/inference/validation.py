"""Validation of config values, shared by run configs (nsifit.inference.config) and bounds configs
(nsifit.bounds.config): each failure is one ConfigError line naming the key."""

import math

from nsifit.errors import ConfigError, suggest


def fail(key, message):
    raise ConfigError(f"{key}: {message}")


def as_number(key, value, integer=False):
    if isinstance(value, str):     # YAML 1.1 (PyYAML) reads 1e-5 (no dot) as a string
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        fail(key, f"expected {'an integer' if integer else 'a number'}, got {value!r}")
    if integer and int(value) != value:
        fail(key, f"expected an integer, got {value!r}")
    if not math.isfinite(value):
        fail(key, f"expected a finite number, got {value!r}")
    return int(value) if integer else float(value)


def as_mapping(key, value):
    if value is None:
        return {}
    if not isinstance(value, dict):
        fail(key, f"expected a mapping, got {type(value).__name__} {value!r}")
    return value


def check_keys(key, given, valid):
    for k in given:
        if k not in valid:
            fail(key, f"unknown key '{k}'{suggest(k, valid)}; valid: {', '.join(valid)}")
