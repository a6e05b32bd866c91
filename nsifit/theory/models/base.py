"""Model base class: named parameters -> validated arrays -> Couplings."""

from dataclasses import dataclass

import numpy as np

from nsifit.errors import ParameterError, unknown


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
    tan_eta) and `together` (groups given all or none, e.g. c_phi and m_phi), and
    implement `_derive` (parameters computed from others) and `_couplings`.
    """

    name = ""
    description = ""
    reference = ""
    parameters = ()
    alternatives = ()
    together = ()

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
        """Couplings record for already-resolved parameters (see `resolve`)."""
        return self._couplings(resolved)

    def _couplings(self, p):
        raise NotImplementedError

    def info(self):
        """Dictionary for `nsifit info`."""
        return {"name": self.name, "description": self.description, "reference": self.reference,
                "parameters": [{"name": p.name, "unit": p.unit or "1", "latex": p.latex,
                                "description": p.description, "optional": p.optional}
                               for p in self.parameters],
                "alternatives": [list(g) for g in self.alternatives]}


M_ZP = Parameter("m_zp", "Z' mass", unit="MeV", latex=r"m_{Z'}", positive=True)
G_ZP = Parameter("g_zp", "new U(1) gauge coupling", latex=r"g_{Z'}")
EPSILON = Parameter("epsilon", "kinetic mixing with the photon", latex=r"\epsilon")


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
