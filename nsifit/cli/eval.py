"""`nsifit eval`: parameters, derived quantities and log-likelihoods at points."""

import json


class _ModelNames:
    """argparse choices that import the models only when `eval` is parsed (fast start-up)."""

    def _names(self):
        from nsifit.theory.models import available_models
        return available_models()

    def __contains__(self, name):
        return name in self._names()

    def __iter__(self):
        return iter(self._names())


def register(sub):
    p = sub.add_parser("eval", help="parameters, derived quantities and log-likelihoods at points")
    p.add_argument("model", choices=_ModelNames(), metavar="MODEL")
    p.add_argument("params", nargs="*", metavar="k=v", help="parameter values (MeV for masses); "
                   "comma-separated lists evaluate several points")
    p.add_argument("--model-setting", action="append", default=[], metavar="KEY=VALUE",
                   help="model setting, e.g. quark_alignment=up (nsifit info lists each model's settings "
                        "and defaults; configs: model: {name: MODEL, KEY: VALUE})")
    p.add_argument("--charges", metavar="GEN=X,...",
                   help="U(1)' charges of model u1, e.g. L_mu=1,L_tau=-1 or B=1,L=-1 (expressions of parameters "
                        "allowed: B3=-2*(1-c)); configs: model: {name: u1, charges: {...}}")
    p.add_argument("--likelihoods", help="comma-separated plugins (default: all that apply; '' none)")
    p.add_argument("--option", action="append", default=[], metavar="PLUGIN.KEY=VALUE",
                   help="plugin option, e.g. gm2_mu.dataset=bnl_fnal_2021_wp2020")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)


def cmd_eval(args):
    import numpy as np

    from nsifit.cli.common import (
        charges_option,
        jsonable,
        model_settings,
        number_list,
        parse_assignments,
        plugin_options,
    )
    from nsifit.errors import NsifitError
    from nsifit.plugins.evaluate import evaluate
    params = {k: number_list(k, v) for k, v in parse_assignments(args.params, "parameters").items()}
    names = None if args.likelihoods is None else [n for n in args.likelihoods.split(",") if n]
    settings = model_settings(args.model_setting)
    if args.charges is not None:
        if "charges" in settings:
            raise NsifitError("give the charges once: --charges or --model-setting charges=...")
        settings["charges"] = charges_option(args.charges)
    model = {"name": args.model, **settings} if settings else args.model
    result = evaluate(model, likelihoods=names, options=plugin_options(args.option),
                      data_dir=args.data_dir, **params)
    if args.json:
        print(json.dumps(jsonable(result), indent=2))
        return
    if result["settings"]:
        print("MODEL")
        print(f"  {'name':<24} {result['model']}")
        for key, value in result["settings"].items():
            print(f"  {key:<24} {value}")
    for section in ("params", "derived", "loglike"):
        print(section.upper())
        for key, value in result[section].items():
            text = ", ".join(f"{v:.6g}" for v in np.atleast_1d(value))
            print(f"  {key:<24} {text}")
    if result["invalid"]:
        print("INVALID POINTS (log L = -inf)")
        for index, reason in result["invalid"].items():
            print(f"  point {index}: {reason}")
