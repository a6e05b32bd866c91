"""Bounds configs (nsifit.bounds): YAML -> validated BoundsConfig, and the derived plot coordinates.

Schema (examples/figures/ are complete examples): `model` (a name or {name, setting: value}, e.g.
{name: mutau_baryon, quark_alignment: up}); `params` (numbers, or `{expr: "m_zp/3"}`:
'axis * number', 'axis / number', 'number * axis', nothing else); axes `x`, `y` (`name` a model
parameter or a derived coordinate, `min`, `max`, `n`, `scale` log|linear, `convention` global|seed
for eps_medium); `layers` (list: `likelihood`, `options`, `kind`, `label`, `statistic` or
`threshold`, `reference`, `style`, and for band/excess `observable`, `mean`, `sigma`, `nsigma`; or,
instead of `likelihood`, `combine` {plugin: options or [options, ...], ...}: the combined likelihood of
several plugins (a list runs one plugin with several option sets, e.g. datasets), Delta chi^2 summed
over them, for kind excluded/allowed);
optional `lines` ({x|y, label, style}), `title`, `figure` (width_in, height_in, legend_columns),
`gm2_dataset` (the figure's (g-2)mu dataset, default of every gm2_mu use), `profile` and `limit` (the
combined profile-likelihood upper limit on the y axis along the x axis, as `nsifit limit`).
"""

import copy
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml
from scipy.stats import chi2

from nsifit import yamlio
from nsifit.errors import ConfigError, NsifitError, unknown
from nsifit.inference.validation import as_number, check_keys
from nsifit.physics import nsi
from nsifit.plugins import registry, stats
from nsifit.plugins.options import declared
from nsifit.theory.models import get_model

NO_SIGNAL = {"g_zp": 1e-12, "epsilon": 0.0}   # couplings that switch the Z' signal off

# Delta chi^2 thresholds of the 90% CL definitions (and the 2 sigma windows), with their origin.
STATISTICS = {
    "poisson_zero": (2.0 * stats.POISSON_ZERO_S90, "Poisson zero-count 90% CL, -2 ln 0.10"),
    "chi2_1dof": (float(chi2.ppf(0.90, 1)), "Gaussian 90% CL, chi^2 (1 dof)"),
    "chi2_1dof_95": (float(chi2.ppf(0.95, 1)), "Gaussian 95% CL, chi^2 (1 dof)"),
    "one_sided_gaussian": (stats.ONE_SIDED_Z90 ** 2, "one-sided Gaussian 90% CL, 1.2816^2"),
    "two_sigma": (4.0, "2 sigma window edge"),
}
CONSTRUCTION_STATISTIC = {"poisson_zero_count": "poisson_zero", "poisson_zero": "poisson_zero",
                          "one_sided_gaussian": "one_sided_gaussian"}
KINDS = ("excluded", "allowed", "band", "excess")
SCALES = ("log", "linear")
CONVENTIONS = ("global", "seed")
TOP_KEYS = ("model", "params", "x", "y", "layers", "lines", "title", "figure", "profile", "gm2_dataset", "limit")
AXIS_KEYS = ("name", "min", "max", "n", "scale", "convention")
LAYER_KEYS = ("likelihood", "options", "kind", "label", "statistic", "threshold", "reference",
              "observable", "mean", "sigma", "nsigma", "style", "combine")
COMBINED = "combined"         # the `likelihood` of a layer built from `combine`
_EXPR = re.compile(r"^\s*([A-Za-z_]\w*)\s*([*/])\s*([0-9.eE+-]+)\s*$"
                   r"|^\s*([0-9.eE+-]+)\s*\*\s*([A-Za-z_]\w*)\s*$")


# --- derived coordinates ---------------------------------------------------------------------
def _invert_eps_medium(values, convention):
    """Model parameters from an eps_medium axis (mutau_baryon; tan_eta stays a parameter)."""
    eps = values.pop("eps_medium")
    eps_global = nsi.from_seed_convention(eps) if convention == "seed" else eps
    for need in ("c", "m_zp"):
        if need not in values:
            raise ConfigError(f"axis 'eps_medium' needs parameter '{need}' fixed or on the other axis")
    g_zp, valid = nsi.g_zp_from_eps_medium(eps_global, values["c"], values["m_zp"])
    if "tan_eta" in values:                  # Bernal and Farzan eq. 11 is singular at tan_eta = 0
        valid &= values["tan_eta"] != 0
        values["tan_eta"] = np.where(valid, values["tan_eta"], 1.0)
    values["g_zp"] = np.where(valid, g_zp, NO_SIGNAL["g_zp"])
    return values, valid


@dataclass(frozen=True)
class DerivedAxis:
    name: str
    models: tuple
    latex: str
    invert: object


DERIVED = {"eps_medium": DerivedAxis("eps_medium", ("mutau_baryon",),
                                     r"\varepsilon^{\rm medium}_{\mu\mu}", _invert_eps_medium)}


# --- configuration -----------------------------------------------------------------------------
def check_section(section, mapping, valid):
    """A bounds-config section must be a mapping with known keys (nsifit.config's checks)."""
    if not isinstance(mapping, dict):
        raise ConfigError(f"bounds config: '{section}' must be a mapping, got {type(mapping).__name__}")
    check_keys(section, mapping, valid)




@dataclass
class Axis:
    name: str
    min: float
    max: float
    n: int
    scale: str = "log"
    convention: str = "global"

    @property
    def values(self):
        space = np.geomspace if self.scale == "log" else np.linspace
        return space(self.min, self.max, self.n)


def _axis(which, spec, model, grid):
    check_section(which, spec, AXIS_KEYS)
    for key in ("name", "min", "max"):
        if key not in spec:
            raise ConfigError(f"bounds config: axis '{which}' needs '{key}'")
    name = spec["name"]
    if name in DERIVED:
        if model.name not in DERIVED[name].models:
            raise ConfigError(f"derived axis '{name}' is defined for {', '.join(DERIVED[name].models)}, "
                              f"not '{model.name}'")
    elif name not in model.parameter_names:
        raise ConfigError(unknown(f"axis '{which}' (parameter of '{model.name}' or derived)", name,
                                  list(model.parameter_names) + list(DERIVED)))
    axis = Axis(name, as_number(f"{which}.min", spec["min"]), as_number(f"{which}.max", spec["max"]),
                int(grid or as_number(f"{which}.n", spec.get("n", 150))), spec.get("scale", "log"),
                spec.get("convention", "global"))
    if axis.scale not in SCALES:
        raise ConfigError(unknown(f"scale of axis '{which}'", axis.scale, SCALES))
    if axis.convention not in CONVENTIONS:
        raise ConfigError(unknown(f"convention of axis '{which}'", axis.convention, CONVENTIONS))
    if axis.convention != "global" and name != "eps_medium":
        raise ConfigError(f"axis '{which}': 'convention' applies only to eps_medium")
    if not axis.min < axis.max or (axis.scale == "log" and axis.min <= 0) or axis.n < 2:
        raise ConfigError(f"axis '{which}': need min < max (min > 0 on a log scale) and n >= 2, got "
                          f"min={axis.min:g}, max={axis.max:g}, n={axis.n}")
    return axis


def parse_expression(text, axes):
    """'m_zp/3', 'm_zp * 0.5' or '2 * m_zp' -> (axis name, factor); nothing else is accepted."""
    match = _EXPR.match(str(text))
    if not match:
        raise ConfigError(f"expression '{text}' is not 'axis * number', 'axis / number' or 'number * axis'")
    name, op, num = (match.group(1), match.group(2), match.group(3)) if match.group(1) else \
        (match.group(5), "*", match.group(4))
    if name not in axes:
        raise ConfigError(unknown(f"axis in expression '{text}'", name, axes))
    factor = as_number(f"expression '{text}'", num)
    if op == "/" and factor == 0:
        raise ConfigError(f"expression '{text}' divides by zero")
    return name, (1.0 / factor if op == "/" else factor)


@dataclass
class Layer:
    likelihood: str
    kind: str
    label: str
    options: dict = field(default_factory=dict)
    statistic: str = "chi2_1dof"
    threshold: float = None
    reference: str = "no_signal"
    observable: str = None
    mean: str = "mean"
    sigma: str = "sigma"
    nsigma: float = 2.0
    style: dict = field(default_factory=dict)
    members: tuple = ()         # combined layer: ((plugin, options), ...)

    @property
    def key(self):
        if self.members:
            return (COMBINED, yaml.safe_dump([list(m) for m in self.members], sort_keys=True))
        return (self.likelihood, yaml.safe_dump(self.options, sort_keys=True))

    def describe_cl(self):
        """Legend suffix saying which statistical definition draws the region."""
        if self.kind in ("band", "excess"):
            return rf"${self.nsigma:g}\sigma$"
        return rf"$\Delta\chi^2 {'>' if self.kind == 'excluded' else '<'} {self.threshold:.3g}$"


def _default_statistic(name, options):
    """The plugin's own 90% CL reading when it has a `construction` option, else chi2_1dof."""
    declared_options = {k: opt.default for k, opt in declared(registry.get_plugin_class(name).options).items()}
    construction = {**declared_options, **options}.get("construction")
    return CONSTRUCTION_STATISTIC.get(construction, "chi2_1dof")


def _combined_layer(i, spec):
    """A layer drawing the combined likelihood of the plugins in `combine` (mapping plugin -> options)."""
    members = spec["combine"]
    if "likelihood" in spec or "options" in spec:
        raise ConfigError(f"bounds config: layers[{i}] has 'combine'; give the plugins and their options "
                          f"there, not 'likelihood'/'options'")
    if not isinstance(members, dict) or not members:
        raise ConfigError(f"bounds config: layers[{i}].combine must be a non-empty mapping plugin -> options")
    pairs = []
    for name, options in members.items():
        if name not in registry.registry():
            raise ConfigError(unknown(f"likelihood in layers[{i}].combine", name, registry.registry()))
        for opts in (options if isinstance(options, list) else [options]):
            if not isinstance(opts or {}, dict):
                raise ConfigError(f"bounds config: layers[{i}].combine.{name} must be a mapping of plugin "
                                  f"options (or a list of them: one plugin with several datasets)")
            pairs.append((name, dict(opts or {})))
    kind = spec.get("kind", "excluded")
    if kind not in ("excluded", "allowed"):
        raise ConfigError(f"bounds config: layers[{i}] (combine) must be kind 'excluded' or 'allowed', got '{kind}'")
    statistic = spec.get("statistic", "two_sigma" if kind == "allowed" else "chi2_1dof")
    if statistic not in STATISTICS:
        raise ConfigError(unknown(f"statistic of layers[{i}]", statistic, STATISTICS))
    reference = spec.get("reference", "no_signal")
    if reference not in ("no_signal", "best"):
        raise ConfigError(unknown(f"reference of layers[{i}]", reference, ("no_signal", "best")))
    threshold = as_number(f"layers[{i}].threshold", spec["threshold"]) if "threshold" in spec \
        else STATISTICS[statistic][0]
    return Layer(COMBINED, kind, str(spec.get("label", "combined")), {}, statistic, threshold, reference,
                 style=dict(spec.get("style") or {}),
                 members=tuple(pairs))


def _layer(i, spec, model):
    check_section(f"layers[{i}]", spec, LAYER_KEYS)
    if "combine" in spec:
        return _combined_layer(i, spec)
    if not isinstance(spec.get("options") or {}, dict):
        raise ConfigError(f"bounds config: layers[{i}].options must be a mapping of plugin options")
    if "likelihood" not in spec:
        raise ConfigError(f"bounds config: layers[{i}] needs 'likelihood' (one of: "
                          f"{', '.join(registry.registry()) or 'none installed'})")
    name = spec["likelihood"]
    if name not in registry.registry():
        raise ConfigError(unknown(f"likelihood in layers[{i}]", name, registry.registry() or ["(none)"]))
    kind = spec.get("kind", "excluded")
    if kind not in KINDS:
        raise ConfigError(unknown(f"kind of layers[{i}]", kind, KINDS))
    options = dict(spec.get("options") or {})
    statistic = spec.get("statistic", "two_sigma" if kind == "allowed" else _default_statistic(name, options))
    if statistic not in STATISTICS:
        raise ConfigError(unknown(f"statistic of layers[{i}]", statistic, STATISTICS))
    reference = spec.get("reference", "best" if kind == "allowed" else "no_signal")
    if reference not in ("no_signal", "best"):
        raise ConfigError(unknown(f"reference of layers[{i}]", reference, ("no_signal", "best")))
    threshold = as_number(f"layers[{i}].threshold", spec["threshold"]) if "threshold" in spec \
        else STATISTICS[statistic][0]
    return Layer(name, kind, str(spec.get("label", name)), options,
                 statistic, threshold, reference, spec.get("observable"), spec.get("mean", "mean"),
                 spec.get("sigma", "sigma"), as_number(f"layers[{i}].nsigma", spec.get("nsigma", 2.0)),
                 dict(spec.get("style") or {}))


@dataclass
class BoundsConfig:
    model: object
    fixed: dict
    expressions: dict
    x: Axis
    y: Axis
    layers: list
    lines: list
    title: str = ""
    figure: dict = field(default_factory=dict)
    profile: dict = None
    source: str = ""
    limit: dict = None


def load_bounds_config(source, grid=None):
    """Read and validate a bounds config (path or dict); `grid` overrides n of both axes."""
    if isinstance(source, (str, Path)):
        try:
            raw = yamlio.load(Path(source).read_text())
        except OSError as err:
            raise ConfigError(f"cannot read bounds config {source}: {err.strerror}") from None
        except yaml.YAMLError as err:
            raise ConfigError(f"{source}: not valid YAML ({yamlio.describe(err)})") from None
    else:
        raw = source
    check_section("top level", raw, TOP_KEYS)
    raw = copy.deepcopy(raw)
    for key in ("model", "x", "y", "layers"):
        if key not in raw:
            raise ConfigError(f"bounds config: missing '{key}'")
    try:
        model = get_model(raw["model"])
    except NsifitError as err:
        raise ConfigError(f"bounds config: model: {err}") from None
    x, y = _axis("x", raw["x"], model, grid), _axis("y", raw["y"], model, grid)
    fixed, expressions = {}, {}
    params = raw.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"bounds config: 'params' must be a mapping, got {type(params).__name__}")
    for key, value in params.items():
        if key not in model.parameter_names:
            raise ConfigError(unknown(f"parameter of '{model.name}' in params", key, model.parameter_names))
        if key in (x.name, y.name):
            raise ConfigError(f"parameter '{key}' is on an axis and fixed in params; remove one")
        if isinstance(value, dict):
            check_section(f"params.{key}", value, ("expr",))
            expressions[key] = parse_expression(value.get("expr"), (x.name, y.name))
        else:
            fixed[key] = as_number(f"params.{key}", value)
    layers = raw["layers"]
    if not isinstance(layers, list) or not layers or not all(isinstance(sp, dict) for sp in layers):
        raise ConfigError("bounds config: 'layers' must be a non-empty list of {likelihood, kind, ...}")
    gm2 = raw.get("gm2_dataset")        # the (g-2)mu dataset of the figure: default of every gm2_mu use
    if gm2 is not None:
        uses = [spec.setdefault("options", {}) for spec in layers if spec.get("likelihood") == "gm2_mu"]
        for spec in layers:
            if isinstance(spec.get("combine"), dict) and "gm2_mu" in spec["combine"]:
                opts = spec["combine"]["gm2_mu"] or {}
                spec["combine"]["gm2_mu"] = opts
                uses.extend(opts if isinstance(opts, list) else [opts])
        for section in ("profile", "limit"):
            overlay = raw.get(section)
            combined = overlay.get("likelihoods") if isinstance(overlay, dict) else None
            if isinstance(combined, dict) and "gm2_mu" in combined:
                combined["gm2_mu"] = combined["gm2_mu"] or {}
                uses.append(combined["gm2_mu"])
        for opts in uses:
            if opts.setdefault("dataset", gm2) != gm2:
                raise ConfigError(f"bounds config: gm2_mu dataset '{opts['dataset']}' differs from "
                                  f"gm2_dataset '{gm2}'; use one")
    lines = raw.get("lines") or []
    for i, line in enumerate(lines):
        check_section(f"lines[{i}]", line, ("x", "y", "label", "style"))
        if ("x" in line) == ("y" in line):
            raise ConfigError(f"bounds config: lines[{i}] needs exactly one of 'x' or 'y'")
    return BoundsConfig(model, fixed, expressions, x, y, [_layer(i, s, model) for i, s in enumerate(layers)],
                        lines, str(raw.get("title", "")), dict(raw.get("figure") or {}),
                        raw.get("profile"), str(source) if not isinstance(source, dict) else "", raw.get("limit"))


