"""Helpers shared by the subcommands: key=value parsing and JSON conversion."""

import numpy as np
import yaml

from nsifit.errors import NsifitError


def jsonable(value):
    """numpy arrays -> lists (a single point -> a number); inf/nan -> strings."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    arr = np.asarray(value)
    if arr.dtype.kind in "fiub":
        out = arr.tolist()
        return out[0] if isinstance(out, list) and len(out) == 1 else _finite_json(out)
    return value


def _finite_json(x):
    """JSON has no inf/nan: write them as strings so other tools can parse the output."""
    if isinstance(x, list):
        return [_finite_json(v) for v in x]
    if isinstance(x, float) and not np.isfinite(x):
        return str(x)
    return x


def parse_assignments(items, what):
    """['k=v', ...] -> {k: v} (NsifitError naming the bad item)."""
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise NsifitError(f"expected {what} as key=value, got '{item}'")
        if key in out:
            raise NsifitError(f"{what}: '{key}' is given twice ('{key}={out[key]}' and '{item}')")
        out[key] = value
    return out


def number_list(key, text):
    """'1' -> 1.0, '1,2,3' -> array; NsifitError naming the parameter otherwise."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise NsifitError(f"parameter '{key}' must be a number or comma-separated numbers, got '{text}'") \
            from None
    return values[0] if len(values) == 1 else np.array(values)


def model_settings(items):
    """['key=value', ...] (--model-setting) -> {key: value} with YAML-typed values."""
    settings = {}
    for key, value in parse_assignments(items, "--model-setting key=value").items():
        try:
            settings[key] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise NsifitError(f"--model-setting {key}: value '{value}' is not valid YAML "
                              f"({str(err).splitlines()[0]})") from None
    return settings


def charges_option(text):
    """'L_mu=1,L_tau=-1,B3=-2*(1-c)' -> {'L_mu': 1.0, 'L_tau': -1.0, 'B3': '-2*(1-c)'} (numbers where they
    read as numbers, expressions kept as text for the model to parse)."""
    items = [item.strip() for item in text.split(",") if item.strip()]
    charges = {}
    for key, value in parse_assignments(items, "--charges generator=charge").items():
        try:
            charges[key.strip()] = float(value)
        except ValueError:
            charges[key.strip()] = value.strip()
    return charges


def plugin_options(items):
    """['plugin.key=value', ...] -> {plugin: {key: value}} with YAML-typed values."""
    options = {}
    for key, value in parse_assignments(items, "--option plugin.key=value").items():
        plugin, dot, name = key.partition(".")
        if not dot:
            raise NsifitError(f"--option expects plugin.key=value, got '{key}={value}'")
        try:
            options.setdefault(plugin, {})[name] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise NsifitError(f"--option {key}: value '{value}' is not valid YAML "
                              f"({str(err).splitlines()[0]})") from None
    return options
