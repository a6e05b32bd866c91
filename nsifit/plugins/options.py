"""Declared plugin options: each option states its default, what it does and what it accepts.

A plugin lists `options = {"recast": Option("physics", "how ...", choices=("physics", "seed"))}`;
`Likelihood.validated_options` checks a user's options against these declarations in one place
(config validation, `nsifit.evaluate`, `nsifit eval --option`, bounds configs all go through it),
and `nsifit info` prints them.
"""

import math
from dataclasses import dataclass
from typing import Any

from nsifit.errors import ConfigError, unknown

KINDS = ("choice", "bool", "number", "names", "any")


@dataclass(frozen=True)
class Option:
    """A plugin option: `default`, a one-line `doc`, and what it accepts.

    kind: 'choice' (one of `choices`), 'bool', 'number' (finite, >= `minimum` when given),
    'names' (a non-empty list of distinct strings, each from `choices` when given) or 'any'
    (checked by the plugin itself: what a plain default in `options` declares).
    """

    default: Any
    doc: str
    kind: str = "choice"
    choices: tuple = ()
    minimum: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"option kind must be one of {KINDS}, got {self.kind!r}")

    def validate(self, where: str, value: Any) -> Any:
        """The value if it is acceptable; ConfigError (one line naming `where`) otherwise."""
        if self.kind == "any":
            return value
        if self.kind == "choice":
            if not isinstance(value, (str, int, float)) or value not in self.choices:
                raise ConfigError(f"{where}: " + unknown("value", value, [str(c) for c in self.choices]))
        elif self.kind == "bool":
            if not isinstance(value, bool):
                raise ConfigError(f"{where} must be true or false, got {value!r}")
        elif self.kind == "number":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                    or (self.minimum is not None and value < self.minimum):
                bound = f" >= {self.minimum:g}" if self.minimum is not None else ""
                raise ConfigError(f"{where} must be a finite number{bound}, got {value!r}")
        else:
            if not isinstance(value, (list, tuple)) or not value or not all(isinstance(v, str) for v in value) \
                    or len(set(value)) != len(value):
                raise ConfigError(f"{where} must be a non-empty list of distinct names"
                                  + (f" from {', '.join(self.choices)}" if self.choices else "")
                                  + f", got {value!r}")
            for v in value:
                if self.choices and v not in self.choices:
                    raise ConfigError(f"{where}: " + unknown("name", v, self.choices))
            value = list(value)
        return value

    def describe(self) -> dict:
        """For `nsifit info`: default, doc, and the accepted values."""
        out = {"default": self.default, "doc": self.doc, "kind": self.kind}
        if self.choices:
            out["choices"] = list(self.choices)
        if self.minimum is not None:
            out["minimum"] = self.minimum
        return out


def declared(options: dict) -> dict:
    """A plugin's `options` as Option objects (a plain value declares an undocumented 'any' option)."""
    return {k: v if isinstance(v, Option) else Option(v, "", kind="any") for k, v in options.items()}
