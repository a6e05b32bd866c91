"""Model base class: named parameters -> validated arrays -> Couplings; model settings.

Parameters are numbers (arrays over points, sampled or fixed). Settings are choices fixed for a whole
run or figure (e.g. which quark sector carries the CKM rotation): declared per model as `Setting`s,
given as `model: {name: mutau_baryon, quark_alignment: up}` in configs, `--model-setting KEY=VALUE` on
the command line and `nsifit.evaluate({"name": ..., KEY: VALUE}, ...)` in Python (get_model).
"""

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from nsifit.errors import ParameterError, unknown

SETTING_KINDS = ("choice", "bool", "number", "mapping", "custom")


@dataclass(frozen=True)
class Setting:
    """A model setting: `default`, a one-line `doc`, and what it accepts.

    kind: 'choice' (one of `choices`), 'bool', 'number' (finite), 'mapping' (name -> finite number,
    names from `choices` when given) or 'custom' (`check(where, value)` returns the normalised value or raises
    ParameterError; e.g. the charges of u1). Values are plain YAML types, so that a run file stores them and
    a resume compares them.
    """

    name: str
    default: Any
    doc: str
    kind: str = "choice"
    choices: tuple = ()
    check: Optional[Callable] = None

    def __post_init__(self):
        if self.kind not in SETTING_KINDS:
            raise ValueError(f"setting kind must be one of {SETTING_KINDS}, got {self.kind!r}")

    def validate(self, model_name, value):
        """The (normalised) value; ParameterError, one line naming model and setting, otherwise."""
        where = f"model '{model_name}': setting '{self.name}'"
        if self.kind == "choice":
            if not isinstance(value, (str, int, float)) or isinstance(value, bool) or value not in self.choices:
                raise ParameterError(f"{where}: " + unknown("value", value, [str(c) for c in self.choices]))
        elif self.kind == "bool":
            if not isinstance(value, bool):
                raise ParameterError(f"{where} must be true or false, got {value!r}")
        elif self.kind == "custom":
            value = self.check(where, value)
        elif self.kind == "number":
            if not _finite_number(value):
                raise ParameterError(f"{where} must be a finite number, got {value!r}")
            value = float(value)
        else:
            if not isinstance(value, dict) or not all(isinstance(k, str) and _finite_number(v)
                                                      for k, v in value.items()):
                raise ParameterError(f"{where} must be a mapping of names to finite numbers, got {value!r}")
            for key in value:
                if self.choices and key not in self.choices:
                    raise ParameterError(f"{where}: " + unknown("name", key, self.choices))
            value = {k: float(v) for k, v in value.items()}
        return value

    def describe(self):
        """For `nsifit info`: name, default, doc, kind and the accepted values."""
        out = {"name": self.name, "default": self.default, "doc": self.doc, "kind": self.kind}
        if self.choices:
            out["choices"] = list(self.choices)
        return out


def _finite_number(value):
    return not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)


@dataclass(frozen=True)
class Parameter:
    """A model parameter with its unit (MeV or dimensionless) and LaTeX label."""

    name: str
    description: str
    unit: str = ""
    latex: str = ""
    positive: bool = False      # must be > 0 (masses)
    optional: bool = False      # may be absent (then the model's default physics applies)

    def label(self):
        """Axis label with unit, e.g. '$m_{Z'}$ [MeV]'."""
        unit = f" [{self.unit}]" if self.unit else ""
        return f"${self.latex or self.name}${unit}"


class Model:
    """Map from named parameters to a vectorized Couplings record.

    Subclasses set `name`, `description`, `reference`, `parameters`, optionally
    `alternatives` (groups of which exactly one must be given, e.g. epsilon or
    tan_eta), `together` (groups given all or none, e.g. c_phi and m_phi) and
    `settings` (Setting declarations), and implement `_derive` (parameters computed
    from others) and `_couplings` (which reads `self.setting_values`).
    An instance carries one value per setting: `Model(**settings)` or `configure`.
    """

    name = ""
    description = ""
    reference = ""
    references = ()            # BibTeX keys (data/references.bib) of the model (nsifit bib)
    parameters = ()
    alternatives = ()
    together = ()
    settings = ()

    def __init__(self, **settings):
        declared = {s.name: s for s in self.settings}
        for key in settings:
            if key not in declared and not declared:
                raise ParameterError(f"model '{self.name}' has no settings (got '{key}')")
            if key not in declared:
                raise ParameterError(f"model '{self.name}': " + unknown("setting", key, declared))
        self.setting_values = {name: s.validate(self.name, settings[name]) if name in settings else s.default
                               for name, s in declared.items()}

    def configure(self, **settings):
        """A new instance of this model with these settings (the others at their defaults)."""
        return type(self)(**settings)

    @property
    def spec(self):
        """The canonical description: the name, or {'name': name, setting: value, ...} with every setting
        (what a run file stores and a resume compares)."""
        return {"name": self.name, **self.setting_values} if self.settings else self.name

    def describe_settings(self):
        """'quark_alignment=down, ...' (empty for a model without settings)."""
        return ", ".join(f"{k}={v}" for k, v in self.setting_values.items())

    @property
    def parameter_names(self):
        return tuple(p.name for p in self.parameters)

    def parameter(self, name):
        for p in self.parameters:
            if p.name == name:
                return p
        raise ParameterError(unknown(f"parameter of model '{self.name}'", name, self.parameter_names))

    def resolve(self, params):
        """Validate parameters, broadcast them to (n,) float arrays, add derived ones."""
        names = self.parameter_names
        for key in params:
            if key not in names:
                raise ParameterError(unknown(f"parameter of model '{self.name}'", key, names))
        for group in self.alternatives:
            given = [g for g in group if g in params]
            if len(given) > 1:
                raise ParameterError(f"model '{self.name}': give only one of {', '.join(group)} "
                                     f"(got {', '.join(given)})")
        for group in self.together:
            given = [g for g in group if g in params]
            if given and len(given) != len(group):
                missing = [g for g in group if g not in params]
                raise ParameterError(f"model '{self.name}': parameter '{missing[0]}' is missing "
                                     f"(needed together with {', '.join(given)})")
        in_groups = {g for group in self.alternatives for g in group}
        for p in self.parameters:
            if p.name not in params and not p.optional and p.name not in in_groups:
                raise ParameterError(f"model '{self.name}': parameter '{p.name}' is missing "
                                     f"({p.description})")
        arrays = {}
        for key, value in params.items():
            try:
                arrays[key] = np.atleast_1d(np.asarray(value, dtype=float))
            except (TypeError, ValueError):
                raise ParameterError(f"parameter '{key}' must be a number or an array of numbers, "
                                     f"got {value!r}") from None
        try:
            arrays = dict(zip(arrays, np.broadcast_arrays(*arrays.values()))) if arrays else {}
        except ValueError:
            shapes = ", ".join(f"{k}{v.shape}" for k, v in arrays.items())
            raise ParameterError(f"parameter arrays do not broadcast: {shapes}") from None
        arrays = {k: np.ascontiguousarray(v.ravel()) for k, v in arrays.items()}
        for key, value in arrays.items():
            if not np.all(np.isfinite(value)):
                raise ParameterError(f"parameter '{key}' must be finite, got {value[~np.isfinite(value)][0]}")
            if self.parameter(key).positive and np.any(value <= 0):
                raise ParameterError(f"parameter '{key}' must be > 0 "
                                     f"[{self.parameter(key).unit or 'dimensionless'}], "
                                     f"got {value[value <= 0][0]:g}")
        for group in self.alternatives:
            if not any(g in arrays for g in group):
                raise ParameterError(f"model '{self.name}': one of {', '.join(group)} is required")
        return self._derive(arrays)

    def _derive(self, arrays):
        """Add parameters derived from the given ones (default: none)."""
        return arrays

    def couplings(self, resolved):
        """Couplings record for already-resolved parameters (see `resolve`; shaped arrays are flattened)."""
        return self._couplings({k: np.ravel(v) for k, v in resolved.items()})

    def _couplings(self, p):
        raise NotImplementedError

    def info(self):
        """Dictionary for `nsifit info`."""
        return {"name": self.name, "description": self.description, "reference": self.reference,
                "parameters": [{"name": p.name, "unit": p.unit or "1", "latex": p.latex,
                                "description": p.description, "optional": p.optional}
                               for p in self.parameters],
                "alternatives": [list(g) for g in self.alternatives],
                "settings": [s.describe() for s in self.settings]}


M_ZP = Parameter("m_zp", "Z' mass", unit="MeV", latex=r"m_{Z'}", positive=True)
G_ZP = Parameter("g_zp", "new U(1) gauge coupling", latex=r"g_{Z'}")
EPSILON = Parameter("epsilon", "kinetic mixing with the photon", latex=r"\epsilon")
QUARK_ALIGNMENT = Setting(
    "quark_alignment", "down",
    "which left-handed quark rotation carries the CKM matrix (nsifit.physics.quark_mixing): 'down' "
    "(V_dL = V_CKM, Bernal and Farzan's choice: tree-level d_i -> d_j Z', K and B decays) or 'up' (V_uL = V_CKM^dag: "
    "flavour change among u, c, t only); irrelevant for generation-universal quark charges",
    choices=("down", "up"))


def phi_sector(p):
    """(c_phi, m_phi_mev, lambda_phi_e) arrays from resolved parameters; no phi -> (None,) * 3."""
    if "c_phi" not in p:
        return None, None, None
    lam = p.get("lambda_phi_e")
    if lam is None:
        lam = default_lambda_phi_e(p["m_phi"])
    return p["c_phi"], p["m_phi"], lam


def default_lambda_phi_e(m_phi_mev):
    """phi-electron Yukawa for tau_phi ~ 1e-14 s: 4e-4 (10 MeV/m_phi)^(1/2), Bernal and Farzan after eq. 30."""
    return 4.0e-4 * np.sqrt(10.0 / m_phi_mev)
