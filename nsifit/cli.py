"""The `nsifit` command (DESIGN.md sect. 6). Usage errors: one line on stderr, exit code 2."""

import argparse
import json
import sys

import numpy as np
import yaml

from . import __version__, likelihood
from .data import load as load_dataset
from .errors import NsifitError
from .evaluate import evaluate
from .models import MODELS
from .observables import REGISTRY

USAGE_ERROR = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise NsifitError(f"{self.prog}: {message}")


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
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


def _parse_assignments(items, what):
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise NsifitError(f"expected {what} as key=value, got '{item}'")
        out[key] = value
    return out


def _number_list(key, text):
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise NsifitError(f"parameter '{key}' must be a number or comma-separated numbers, got '{text}'") \
            from None
    return values[0] if len(values) == 1 else np.array(values)


def _plugin_options(items):
    options = {}
    for key, value in _parse_assignments(items, "--option plugin.key=value").items():
        plugin, dot, name = key.partition(".")
        if not dot:
            raise NsifitError(f"--option expects plugin.key=value, got '{key}={value}'")
        options.setdefault(plugin, {})[name] = yaml.safe_load(value)
    return options


def cmd_info(args):
    plugins = []
    for name in likelihood.registry():
        cls = likelihood.get_plugin_class(name)
        entry = cls.info(args.data_dir)
        entry["provenance"] = {}
        for ds in entry["datasets"]:
            entry["provenance"][ds] = load_dataset(name, ds, args.data_dir).provenance()
        plugins.append(entry)
    info = {"nsifit_version": __version__,
            "models": [m.info() for m in MODELS.values()],
            "likelihoods": plugins,
            "derived": {o.name: {"unit": o.unit, "description": o.description}
                        for o in REGISTRY.values() if o.reported}}
    if args.json:
        print(json.dumps(info, indent=2))
        return
    print(f"nsifit {__version__}\n\nMODELS")
    for m in info["models"]:
        print(f"  {m['name']}: {m['description']}\n    ref: {m['reference']}")
        for p in m["parameters"]:
            opt = " (optional)" if p["optional"] else ""
            print(f"    {p['name']:<13} [{p['unit']}] {p['description']}{opt}")
        for group in m["alternatives"]:
            print(f"    give exactly one of: {', '.join(group)}")
    print("\nLIKELIHOODS")
    if not plugins:
        print("  (none installed)")
    for p in plugins:
        print(f"  {p['name']}: {p['summary']}")
        print(f"    requires: {', '.join(p['requires'])}")
        if p["options"]:
            print(f"    options: {', '.join(f'{k}={v}' for k, v in p['options'].items())}")
        for ds, prov in p["provenance"].items():
            mark = " (default)" if ds == p["default_dataset"] else ""
            print(f"    dataset {ds}{mark}: {prov['experiment']}, {prov['publication']}, "
                  f"arXiv:{prov['arxiv']}, {prov['source']}; {prov['confidence_level']}; "
                  f"digitized: {prov['digitized']}")
    print("\nDERIVED QUANTITIES (nsifit eval)")
    for name, d in info["derived"].items():
        unit = f" [{d['unit']}]" if d["unit"] else ""
        print(f"  {name}{unit}: {d['description']}")


def cmd_eval(args):
    params = {k: _number_list(k, v) for k, v in _parse_assignments(args.params, "parameters").items()}
    names = None if args.likelihoods is None else [n for n in args.likelihoods.split(",") if n]
    result = evaluate(args.model, likelihoods=names, options=_plugin_options(args.option),
                      data_dir=args.data_dir, **params)
    if args.json:
        print(json.dumps(_jsonable(result), indent=2))
        return
    for section in ("params", "derived", "loglike"):
        print(section.upper())
        for key, value in result[section].items():
            text = ", ".join(f"{v:.6g}" for v in np.atleast_1d(value))
            print(f"  {key:<24} {text}")


def build_parser():
    parser = _Parser(prog="nsifit", description="Global fits of light Z' bosons: NSI, (g-2)_mu, "
                     "beam dumps, CEvNS. Masses in MeV.")
    parser.add_argument("--version", action="version", version=f"nsifit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("info", help="models, likelihoods and datasets with provenance")
    p.add_argument("--json", action="store_true")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("eval", help="parameters, derived quantities and log-likelihoods at points")
    p.add_argument("model", choices=sorted(MODELS), metavar="MODEL")
    p.add_argument("params", nargs="*", metavar="k=v", help="parameter values (MeV for masses); "
                   "comma-separated lists evaluate several points")
    p.add_argument("--likelihoods", help="comma-separated plugins (default: all that apply; '' none)")
    p.add_argument("--option", action="append", default=[], metavar="PLUGIN.KEY=VALUE",
                   help="plugin option, e.g. gm2_mu.dataset=bnl_fnal_2021_wp2020")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)
    return parser


def main(argv=None):
    try:
        args = build_parser().parse_args(argv)
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
