"""Run configuration (DESIGN.md sect. 4): YAML -> validated, resolved Config.

Every problem is one ConfigError line naming the key, what was wrong and the valid
choices (close matches suggested). The resolved config (defaults filled in, plugin
list explicit) is what the HDF5 file stores and what `--resume` compares.
"""

import copy
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from nsifit import examples
from nsifit.errors import ConfigError, NsifitError, suggest, unknown
from nsifit.inference.samplers.moves import MOVE_SETS as MOVES
from nsifit.inference.validation import as_mapping, as_number, check_keys, fail
from nsifit.plugins import datasets, registry
from nsifit.theory.models import get_model

TOP_KEYS = ("model", "params", "likelihoods", "sampler", "output", "profile", "data_dir")
PRIORS = ("uniform", "log-uniform", "gaussian", "fixed")
PARAM_KEYS = ("prior", "min", "max", "mean", "sigma", "value", "ref", "latex")
# 512 walkers and the likelihood-weighted start: what `nsifit run` needs by default to reproduce the
# importance-sampled hard posterior (examples/hard_posterior.yaml) within 0.05 (README; 128 walkers do
# not); with the whole ensemble in one vectorized call, 4x the walkers cost ~2x the CPU time per step.
SAMPLER_DEFAULTS = {"walkers": 512, "steps": 2000, "seed": None, "pool": "vectorized", "moves": "de-mix",
                    "chunk_size": None, "init": "weighted", "ess": None, "converge": False, "tau_factor": 50.0,
                    "max_steps": None, "flush_steps": 100, "flush_seconds": 10.0, "progress": True,
                    "derived_every": 10, "engine": "ensemble", "live_points": 1000, "batch": 500,
                    "networks": 1, "f_live": 0.05, "effective_samples": 10000, "max_calls": None}
ENGINES = ("ensemble", "nested")     # emcee (samplers.ensemble) or nautilus (samplers.nested)
SEED_LIMIT = 2 ** 32            # numpy's RandomState (emcee's moves) takes seeds in [0, 2^32)
POOL_PATTERN = re.compile(r"^(vectorized|serial|mpi|processes(:[1-9][0-9]*)?)$")
POOL_CHOICES = "vectorized, serial, processes[:N], mpi"
INITS = ("weighted", "prior")        # the starting ensemble (samplers.ensemble.initial_walkers)


@dataclass(frozen=True)
class ParamSpec:
    """One parameter of the config: a prior (min/max/mean/sigma in physical units) or a fixed value."""

    name: str
    prior: str
    min: float = None
    max: float = None
    mean: float = None
    sigma: float = None
    value: float = None
    ref: object = None
    latex: str = None

    def resolved(self):
        return {k: v for k, v in self.__dict__.items() if v is not None and k != "name"}


@dataclass
class Config:
    """A validated configuration; `resolved` is the plain dict stored with the run.

    `model` is the canonical model spec: the name, or {name, setting: value, ...} with every setting
    of a model that has settings (nsifit.theory.models.get_model)."""

    model: object
    params: dict
    likelihoods: dict
    sampler: dict
    output: str
    profile: dict = field(default_factory=dict)
    data_dir: str = None
    source: str = None

    @property
    def resolved(self):
        out = {"model": self.model,
               "params": {n: (p.value if p.prior == "fixed" and p.latex is None else p.resolved())
                          for n, p in self.params.items()},
               "likelihoods": copy.deepcopy(self.likelihoods),
               "sampler": dict(self.sampler), "output": self.output}
        if self.profile:
            out["profile"] = copy.deepcopy(self.profile)
        if self.data_dir:
            out["data_dir"] = self.data_dir
        return out

    def yaml(self):
        return yaml.safe_dump(self.resolved, sort_keys=False)


def read_yaml(source):
    """A YAML path (or a dict) -> dict; ConfigError on unreadable or non-mapping files."""
    if isinstance(source, dict):
        return copy.deepcopy(source), None
    path = Path(source)
    if not path.exists() and examples.names().get(str(source).removesuffix(".yaml")) == "run":
        path = examples.path(source)          # a shipped example named instead of a file
    try:
        text = path.read_text()
    except OSError as err:
        hint = f" (shipped examples: {', '.join(n for n, k in examples.names().items() if k == 'run')})" \
            if not path.exists() else ""
        raise ConfigError(f"cannot read config {path}: {err.strerror}{hint}") from None
    return datasets.yaml_mapping(text, path, ConfigError, f"a mapping with keys {', '.join(TOP_KEYS)}"), str(path)


def load_config(source, overrides=None):
    """Validate a config (YAML path or dict); `overrides` maps 'section.key' -> value (CLI flags)."""
    raw, path = read_yaml(source)
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        if key:
            raw[section] = dict(as_mapping(section, raw.get(section)), **{key: value})
        else:
            raw[section] = value
    check_keys("config", raw, TOP_KEYS)
    for key in ("model", "params"):
        if key not in raw:
            fail("config", f"missing required key '{key}'")
    try:
        model = get_model(raw["model"])
    except NsifitError as err:
        fail("model", str(err))
    data_dir = raw.get("data_dir")
    if data_dir is not None and not isinstance(data_dir, str):
        fail("data_dir", f"expected a directory path, got {data_dir!r}")
    likelihoods = _likelihoods(raw.get("likelihoods"), model, data_dir)
    params = _params(as_mapping("params", raw["params"]), model, likelihoods, data_dir)
    sampler = _sampler(as_mapping("sampler", raw.get("sampler")))
    output = raw.get("output", f"chains/{Path(path).stem if path else 'run'}.h5")
    if not isinstance(output, str) or not output:
        fail("output", f"expected an output file path, got {output!r}")
    return Config(model.spec, params, likelihoods, sampler, output,
                  profile=as_mapping("profile", raw.get("profile")), data_dir=data_dir, source=path)


def _likelihoods(raw, model, data_dir):
    """{plugin: options}; a list of names is allowed; absent -> the default set (registry.default_names: each
    one that does not apply is named in a one-line warning); a named plugin that does not apply is an error."""
    if raw is None:
        raw = {n: {} for n in registry.default_names(model)}
    elif isinstance(raw, list):
        raw = {n: {} for n in raw}
    raw = as_mapping("likelihoods", raw)
    valid = registry.registry()
    out = {}
    for name, options in raw.items():
        if name not in valid:
            fail("likelihoods", unknown("likelihood", name, valid or ["(none installed)"]))
        options = dict(as_mapping(f"likelihoods.{name}", options))
        cls = registry.get_plugin_class(name)
        reason = cls.not_applicable(model)
        if reason is not None:
            fail(f"likelihoods.{name}", reason)
        check_keys(f"likelihoods.{name}", options, ["dataset", *cls.options])
        try:
            cls.validated_options(options)
        except ConfigError as err:
            fail(f"likelihoods.{name}", str(err))
        if "dataset" in options:
            try:
                choices = datasets.available(name, data_dir, cls.data_package)
            except NsifitError as err:
                fail("data_dir", str(err))
            if options["dataset"] not in choices:
                fail(f"likelihoods.{name}.dataset",
                      unknown(f"dataset of '{name}'", options["dataset"], choices or ["(none)"]))
        out[name] = options
    return out


def _params(raw, model, likelihoods, data_dir):
    nuisances = {}
    for name, options in likelihoods.items():
        cls = registry.get_plugin_class(name)
        values = cls.validated_options(options)
        nuisances.update({n.name: n for n in cls.nuisances_for(values, data_dir)})
    valid = list(model.parameter_names) + list(nuisances)
    specs = {}
    for name, spec in raw.items():
        if name not in valid:
            fail(f"params.{name}", f"not used by model '{model.name}' or the chosen likelihoods"
                  f"{suggest(name, valid)}; valid: {', '.join(valid)}")
        specs[name] = _param(f"params.{name}", name, spec, nuisances.get(name))
        if name in model.parameter_names and model.parameter(name).positive:
            low = specs[name].value if specs[name].prior == "fixed" else specs[name].min
            if low is None or low <= 0:
                fail(f"params.{name}", f"must be > 0 [{model.parameter(name).unit}]: give a prior "
                      f"with min > 0 (e.g. log-uniform)")
    for group in model.alternatives:
        given = [g for g in group if g in specs]
        if len(given) != 1:
            fail("params", f"model '{model.name}' needs exactly one of {', '.join(group)}, "
                  f"got {', '.join(given) or 'none'}")
    for group in model.together:
        given = [g for g in group if g in specs]
        if given and len(given) != len(group):
            fail("params", f"model '{model.name}': {', '.join(group)} go together "
                  f"(missing {', '.join(g for g in group if g not in specs)})")
    in_groups = {g for group in model.alternatives for g in group}
    for p in model.parameters:
        if p.name not in specs and not p.optional and p.name not in in_groups:
            fail("params", f"missing parameter '{p.name}' of model '{model.name}' ({p.description})")
    if not any(s.prior != "fixed" for s in specs.values()):
        fail("params", "no parameter is sampled: give at least one a prior "
              "(uniform, log-uniform, gaussian)")
    return specs


def _param(key, name, spec, nuisance):
    if not isinstance(spec, dict):
        return ParamSpec(name, "fixed", value=as_number(key, spec))
    check_keys(key, spec, PARAM_KEYS)
    prior = spec.get("prior", "gaussian" if nuisance is not None else None)
    if prior is None and "value" in spec:
        prior = "fixed"
    if prior not in PRIORS:
        fail(f"{key}.prior", unknown("prior", prior, PRIORS))
    num = {k: as_number(f"{key}.{k}", spec[k]) for k in ("min", "max", "mean", "sigma", "value") if k in spec}
    latex = spec.get("latex")
    if latex is not None and not isinstance(latex, str):
        fail(f"{key}.latex", f"expected a LaTeX string, got {latex!r}")
    allowed = {"fixed": ("value",), "uniform": ("min", "max"), "log-uniform": ("min", "max"),
               "gaussian": ("mean", "sigma", "min", "max")}[prior]
    for k in num:
        if k not in allowed:
            fail(f"{key}.{k}", f"not used by a {prior} prior (it takes {', '.join(allowed)})")
    if prior == "fixed":
        if "value" not in num:
            fail(key, "a fixed parameter needs 'value' (or write the number directly)")
        return ParamSpec(name, "fixed", value=num["value"], latex=latex)
    if prior == "gaussian":
        if nuisance is not None:
            num.setdefault("mean", nuisance.mean)
            num.setdefault("sigma", nuisance.sigma)
        for k in ("mean", "sigma"):
            if k not in num:
                fail(key, f"a gaussian prior needs '{k}'")
        if num["sigma"] <= 0:
            fail(f"{key}.sigma", f"must be > 0, got {num['sigma']:g}")
    else:
        for k in ("min", "max"):
            if k not in num:
                fail(key, f"a {prior} prior needs '{k}'")
    if "min" in num and "max" in num and num["min"] >= num["max"]:
        fail(key, f"min ({num['min']:g}) must be < max ({num['max']:g})")
    if prior == "log-uniform" and num["min"] <= 0:
        fail(f"{key}.min", f"a log-uniform prior needs min > 0, got {num['min']:g} (use uniform)")
    ref = _ref(f"{key}.ref", spec.get("ref"), num)
    return ParamSpec(name, prior, num.get("min"), num.get("max"), num.get("mean"), num.get("sigma"),
                     ref=ref, latex=latex)


def _ref(key, ref, num):
    """`ref`: a number (tight ball around it) or {min, max} inside the prior support."""
    if ref is None:
        return None
    if isinstance(ref, dict):
        check_keys(key, ref, ("min", "max"))
        if set(ref) != {"min", "max"}:
            fail(key, "expected a number or {min, max}")
        low, high = as_number(f"{key}.min", ref["min"]), as_number(f"{key}.max", ref["max"])
        if low >= high:
            fail(key, f"min ({low:g}) must be < max ({high:g})")
        points = (low, high)
    else:
        points = (as_number(key, ref),)
    for x in points:
        if ("min" in num and x < num["min"]) or ("max" in num and x > num["max"]):
            fail(key, f"{x:g} is outside the prior [{num.get('min', '-inf')}, {num.get('max', 'inf')}]")
    return {"min": points[0], "max": points[1]} if len(points) == 2 else points[0]


def parse_pool(pool):
    """'processes:4' -> ('processes', 4); 'processes' -> ('processes', cpu count)."""
    kind, _, count = str(pool).partition(":")
    if kind == "processes":
        return kind, int(count) if count else (os.cpu_count() or 1)
    return kind, None


def _sampler(raw):
    check_keys("sampler", raw, tuple(SAMPLER_DEFAULTS))
    out = dict(SAMPLER_DEFAULTS, **raw)
    for key in ("walkers", "steps", "flush_steps"):
        out[key] = as_number(f"sampler.{key}", out[key], integer=True)
        if out[key] < 1:
            fail(f"sampler.{key}", f"must be >= 1, got {out[key]}")
    for key in ("live_points", "batch", "networks"):
        out[key] = as_number(f"sampler.{key}", out[key], integer=True)
        if out[key] < 1:
            fail(f"sampler.{key}", f"must be >= 1, got {out[key]}")
    for key in ("seed", "chunk_size", "max_steps", "max_calls"):
        if out[key] is not None:
            out[key] = as_number(f"sampler.{key}", out[key], integer=True)
            if out[key] < (0 if key == "seed" else 1):
                fail(f"sampler.{key}", f"must be >= {0 if key == 'seed' else 1}, got {out[key]}")
    if out["seed"] is not None and out["seed"] >= SEED_LIMIT:
        fail("sampler.seed", f"must be < 2^32 = {SEED_LIMIT}, got {out['seed']}")
    if out["derived_every"] in (None, "none"):
        out["derived_every"] = 0
    out["derived_every"] = as_number("sampler.derived_every", out["derived_every"], integer=True)
    if out["derived_every"] < 0:
        fail("sampler.derived_every", f"must be >= 1, or 0 / none (derived quantities not stored), "
              f"got {out['derived_every']}")
    for key in ("tau_factor", "flush_seconds", "effective_samples") + (("ess",) if out["ess"] is not None else ()):
        out[key] = as_number(f"sampler.{key}", out[key])
        if out[key] <= 0:
            fail(f"sampler.{key}", f"must be > 0, got {out[key]:g}")
    for key in ("converge", "progress"):
        if not isinstance(out[key], bool):
            fail(f"sampler.{key}", f"expected true or false, got {out[key]!r}")
    if out["init"] not in INITS:
        fail("sampler.init", f"unknown start {out['init']!r}{suggest(str(out['init']), INITS)}; "
              f"valid: {', '.join(INITS)}")
    if out["engine"] not in ENGINES:
        fail("sampler.engine", f"unknown engine {out['engine']!r}{suggest(str(out['engine']), ENGINES)}; "
              f"valid: {', '.join(ENGINES)}")
    f_live = as_number("sampler.f_live", out["f_live"])
    if not 0 < f_live < 1:
        fail("sampler.f_live", f"must be between 0 and 1, got {f_live:g}")
    out["f_live"] = f_live
    if out["moves"] not in MOVES:
        fail("sampler.moves", f"unknown moves {out['moves']!r}{suggest(out['moves'], MOVES)}; "
              f"valid: {', '.join(MOVES)}")
    if not isinstance(out["pool"], str) or not POOL_PATTERN.match(out["pool"]):
        fail("sampler.pool", f"unknown pool {out['pool']!r}; valid: {POOL_CHOICES}")
    if out["chunk_size"] is not None and parse_pool(out["pool"])[0] not in ("processes", "mpi"):
        fail("sampler.chunk_size", f"applies only to pool processes or mpi, not '{out['pool']}' "
              "(conflicting choices)")
    targeted = out["ess"] is not None or out["converge"]
    if out["max_steps"] is not None and not targeted:
        fail("sampler.max_steps", "is the cap of a run with a target ('ess: N' or 'converge: true'); "
              "set one or use 'steps'")
    if targeted and out["max_steps"] is not None and out["max_steps"] < out["steps"]:
        fail("sampler.max_steps", f"({out['max_steps']}) must be >= steps ({out['steps']}, the minimum "
              "number of steps of a run with a target)")
    return out
