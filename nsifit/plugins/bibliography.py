"""What a run used, as BibTeX: nsifit, the model, every plugin's datasets and theory inputs (`nsifit bib`).

The entries come from data/references.bib (package nsifit_data), never from the network. The keys a run
needs are the union of

- nsifit itself (an @software entry with nsifit._version) and the sources of nsifit.constants;
- the model's `references` (nsifit.theory.models: Bernal & Farzan, arXiv:2211.15686, for mutau_baryon;
  Gninenko & Gorbunov, arXiv:2007.16098, for lmu_minus_ltau; ...);
- for each plugin: the `references` field of every dataset it loads (the selected one, options included),
  its class attribute `references` (its construction), and nsifit.physics.references.MODULES of every
  theory module it uses: the physics modules its code imports and those behind the observables it requires;
- the packages every run uses (SOFTWARE).

Entries are printed once, nsifit first and then sorted by key; the private `nsifit_*` fields of the
shipped file (what was verified, see its header) are left out. A key missing from the file (a
third-party plugin or dataset) is listed in a comment instead of failing.
"""

import inspect
import re
import sys

from nsifit._version import __version__
from nsifit.errors import DataError
from nsifit.physics.references import MODULES
from nsifit.plugins import datasets, registry
from nsifit.theory.models import get_model

BIB_FILE = "references.bib"
SOFTWARE = ("ForemanMackey2013:emcee", "Dembinski2020:iminuit", "James:1975dr", "Collette2013:h5py",
            "ForemanMackey2016:corner", "Harris:2020xlr", "Virtanen:2019joe", "Hunter2007:matplotlib")
NSIFIT_KEY = "nsifit"
_ENTRY = re.compile(r"^@(\w+)\s*\{\s*([^,\s]+)\s*,", re.M)
_PRIVATE = re.compile(r"^\s*nsifit_\w+\s*=.*\n", re.M)


def load_bib(path=None):
    """{key: entry text} of a BibTeX file (default: the shipped data/references.bib)."""
    path = path or datasets.builtin_data_dir() / BIB_FILE
    try:
        text = path.read_text()
    except OSError as err:
        raise DataError(f"cannot read bibliography {path}: {err.strerror}") from None
    starts = list(_ENTRY.finditer(text))
    out = {}
    for i, match in enumerate(starts):
        end = starts[i + 1].start() if i + 1 < len(starts) else len(text)
        body = text[match.start():end]
        depth, close = 0, None
        for j, char in enumerate(body):
            depth += {"{": 1, "}": -1}.get(char, 0)
            if char == "}" and depth == 0:
                close = j
                break
        if close is None:
            raise DataError(f"{path}: entry '{match.group(2)}' has unbalanced braces")
        if match.group(2) in out:
            raise DataError(f"{path}: key '{match.group(2)}' appears twice")
        out[match.group(2)] = body[:close + 1]
    return out


def software_entry():
    """The @software entry of nsifit itself (version from nsifit._version)."""
    return (f"@software{{{NSIFIT_KEY},\n    author = \"{{The nsifit developers}}\",\n"
            f"    title = \"{{nsifit: global fits of light $Z'$ bosons coupled to neutrinos, muons, taus, "
            f"quarks and electrons}}\",\n    version = \"{__version__}\",\n"
            f"    note = \"Python package nsifit, version {__version__}\"\n}}")


def _physics_module(obj):
    name = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", None)
    return name if isinstance(name, str) and name in MODULES else None


def theory_modules(cls):
    """Theory modules (keys of MODULES) a plugin class uses: imported by its code (and its base classes')
    and behind the observables it requires (the global names of each observable function and of the helper
    functions it calls, following the observables it reads, also by a name prefix as in o[f"br_{mode}"])."""
    from nsifit.theory import observables
    found = {"nsifit.constants"}
    for klass in inspect.getmro(cls):
        module = sys.modules.get(klass.__module__)
        if module is None or klass.__module__.startswith("nsifit.plugins"):
            continue
        found.update(filter(None, (_physics_module(v) for v in vars(module).values())))
    globs, registry_ = vars(observables), observables.REGISTRY
    todo, seen = [registry_[n].func for n in cls.requires if n in registry_], set()
    while todo:
        func = todo.pop()
        if func in seen:
            continue
        seen.add(func)
        for code in _code_objects(func.__code__):
            for name in code.co_names:
                value = globs.get(name)
                found.update(filter(None, [_physics_module(value)] if value is not None else []))
                if inspect.isfunction(value) and value.__module__ == observables.__name__:
                    todo.append(value)
            for const in (c for c in code.co_consts if isinstance(c, str)):
                todo.extend(o.func for key, o in registry_.items()
                            if key == const or (len(const) > 3 and const.endswith("_") and key.startswith(const)))
    return sorted(found)


def _code_objects(code):
    yield code
    for const in code.co_consts:
        if inspect.iscode(const):
            yield from _code_objects(const)


def selected_datasets(cls, options):
    """The dataset names a plugin with these options loads (its dataset option, `dataset`, or the default)."""
    options = dict(options or {})
    if cls.dataset_option:
        return list(cls.validated_options(options)[cls.dataset_option] or [])
    name = options.get("dataset") or cls.default_dataset
    return [name] if name else []


def plugin_keys(name, options, data_dir=None):
    """(keys, notes) of one plugin with its options: dataset references, construction, theory modules."""
    cls = registry.get_plugin_class(name)
    keys, notes = [], []
    for ds_name in selected_datasets(cls, options):
        ds = datasets.load(name, ds_name, data_dir, package=cls.data_package)
        refs = ds.get("references")
        if not refs:
            notes.append(f"{name}/{ds_name}: no 'references' field; publication: {ds.get('publication')}, "
                         f"arXiv: {ds.get('arxiv')}")
            continue
        if not isinstance(refs, list) or not all(isinstance(k, str) for k in refs):
            raise DataError(f"{ds.path}: field 'references' must be a list of BibTeX keys")
        keys.extend(refs)
    keys.extend(cls.references)
    for module in theory_modules(cls):
        keys.extend(MODULES[module])
    return keys, notes


def run_keys(model, likelihoods, data_dir=None):
    """(keys, notes): everything a run of `model` (a spec) with {plugin: options} (or (plugin, options)
    pairs: one plugin with several option sets, as in bounds configs) uses, nsifit first."""
    mdl = get_model(model)
    keys = [NSIFIT_KEY, *MODULES["nsifit.constants"], *mdl.references, *SOFTWARE]
    notes = []
    for name, options in (likelihoods.items() if isinstance(likelihoods, dict) else likelihoods):
        more, why = plugin_keys(name, options, data_dir)
        keys.extend(more)
        notes.extend(why)
    return list(dict.fromkeys(keys)), notes


def format_bibliography(keys, notes=(), bib=None):
    """BibTeX text: nsifit's entry, then the other entries sorted by key (case-insensitive), deduplicated."""
    bib = load_bib() if bib is None else bib
    unique = sorted(set(keys) - {NSIFIT_KEY}, key=str.lower)
    missing = [k for k in unique if k not in bib]
    blocks = [f"% nsifit {__version__}: the publications, data and software this run uses"]
    blocks += [f"% {note}" for note in notes]
    if missing:
        blocks.append(f"% not in nsifit's bibliography (data/references.bib): {', '.join(missing)}")
    if NSIFIT_KEY in keys:
        blocks.append(software_entry())
    blocks += [_PRIVATE.sub("", bib[k]) for k in unique if k in bib]
    return "\n\n".join(blocks) + "\n"
