"""`nsifit info`: models, likelihood plugins and datasets with provenance."""

import json

from nsifit._version import __version__


def register(sub):
    p = sub.add_parser("info", help="models, likelihoods and datasets with provenance")
    p.add_argument("--json", action="store_true")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_info)


def cmd_info(args):
    from nsifit.plugins import registry
    from nsifit.plugins.datasets import load as load_dataset
    from nsifit.theory.models import available_models, registered_model
    from nsifit.theory.observables import REGISTRY
    plugins = []
    for name in registry.loadable(registry.registry()):        # a broken plugin: one warning, left out
        cls = registry.get_plugin_class(name)
        entry = cls.info(args.data_dir)
        entry["builtin"] = registry.is_builtin(name)
        entry["source"] = registry.source(name)
        entry["provenance"] = {}
        for ds in entry["datasets"]:
            entry["provenance"][ds] = load_dataset(name, ds, args.data_dir, package=cls.data_package).provenance()
        plugins.append(entry)
    info = {"nsifit_version": __version__,
            "models": [registered_model(name).info() for name in available_models()],
            "likelihoods": plugins,
            "derived": {o.name: {"unit": o.unit, "description": o.description}
                        for o in REGISTRY.values() if o.reported}}
    if args.json:
        print(json.dumps(info, indent=2))
        return
    print(f"nsifit {__version__}\n\nMODELS")
    for m in info["models"]:
        print(f"  {m['name']}: {m['description']}\n    ref: {m['reference']}")
        if m.get("charges") is not None and m["name"] != "u1":
            charges = ", ".join(f"{k}: {v}" for k, v in m["charges"].items()) or "none"
            print(f"    charges {{{charges}}} ({m['anomaly']})")
        for p in m["parameters"]:
            opt = " (optional)" if p["optional"] else ""
            print(f"    {p['name']:<13} [{p['unit']}] {p['description']}{opt}")
        for group in m["alternatives"]:
            print(f"    give exactly one of: {', '.join(group)}")
        for st in m["settings"]:
            choices = f" (choices: {', '.join(map(str, st['choices']))})" if st.get("choices") else ""
            print(f"    setting {st['name']} = {st['default']} (default){choices}: {st['doc']}")
    print("\nLIKELIHOODS")
    if not plugins:
        print("  (none installed)")
    for p in plugins:
        origin = "" if p["builtin"] else f" [third-party: {p['source']}; default runs use it only when " \
                                         f"{registry.PLUGINS_ENV} names it]"
        print(f"  {p['name']}: {p['summary']}{origin}")
        print(f"    requires: {', '.join(p['requires'])}")
        for item in p.get("assumptions", []):
            print(f"    assumes: {item}")
        for key, opt in p["options"].items():
            accepted = f"; one of {', '.join(map(str, opt['choices']))}" if opt.get("choices") else ""
            print(f"    option {key} (default {opt['default']!r}{accepted}): {opt['doc']}")
        for ds, check in p.get("validation", {}).items():
            print(f"    validation {ds}: computed SM {check['n_sm_computed']} vs published "
                  f"{check['n_sm_published']} +- {check['n_sm_published_sigma']}")
        for ds, prov in p["provenance"].items():
            mark = " (default)" if ds == p["default_dataset"] else ""
            print(f"    dataset {ds}{mark}: {prov['experiment']}, {prov['publication']}, "
                  f"arXiv:{prov['arxiv']}, {prov['source']}; {prov['confidence_level']}; "
                  f"digitized: {prov['digitized']}")
    print("\nDERIVED QUANTITIES (nsifit eval)")
    for name, d in info["derived"].items():
        unit = f" [{d['unit']}]" if d["unit"] else ""
        print(f"  {name}{unit}: {d['description']}")
