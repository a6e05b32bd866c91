"""Exact polynomials in named parameters, and a safe reader for charge expressions.

U(1)' charges given in a config may be numbers or expressions of model parameters, e.g. Bernal & Farzan's
(arXiv:2211.15686, eq. 2) baryon charges "-c" and "-2*(1-c)". They are read with Python's `ast` module,
never `eval`: only numbers, parameter names, + - * /, unary minus and integer powers ** n (0 <= n <= 10) are
accepted, and division only by a number. The result is a polynomial with exact rational coefficients
(`fractions.Fraction`; a decimal literal such as 0.1 is read as 1/10), so that the anomaly conditions of
nsifit.theory.anomalies are checked symbolically: a condition vanishes for every value of the parameters only
if every coefficient of its polynomial does.
"""

import ast
import keyword
import math
from fractions import Fraction

import numpy as np

MAX_POWER = 10
MAX_LENGTH = 200


class ExpressionError(ValueError):
    """An expression that is not a polynomial in parameters (one-line message)."""


def _fraction(value):
    """A number as an exact Fraction: ints exactly, floats through their shortest decimal repr."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)):
        raise ExpressionError(f"not a number: {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ExpressionError(f"not a finite number: {value!r}")
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


class Poly:
    """A polynomial: {monomial: Fraction}, a monomial being a sorted tuple of (name, power) pairs."""

    __slots__ = ("terms",)

    def __init__(self, terms=None):
        self.terms = {m: c for m, c in (terms or {}).items() if c != 0}

    @classmethod
    def const(cls, value):
        return cls({(): _fraction(value)})

    @classmethod
    def var(cls, name):
        return cls({((name, 1),): Fraction(1)})

    # --- arithmetic -----------------------------------------------------------------------
    def __add__(self, other):
        other = _poly(other)
        out = dict(self.terms)
        for m, c in other.terms.items():
            out[m] = out.get(m, 0) + c
        return Poly(out)

    __radd__ = __add__

    def __neg__(self):
        return Poly({m: -c for m, c in self.terms.items()})

    def __sub__(self, other):
        return self + (-_poly(other))

    def __rsub__(self, other):
        return _poly(other) - self

    def __mul__(self, other):
        other = _poly(other)
        out = {}
        for m1, c1 in self.terms.items():
            for m2, c2 in other.terms.items():
                powers = dict(m1)
                for name, k in m2:
                    powers[name] = powers.get(name, 0) + k
                m = tuple(sorted(powers.items()))
                out[m] = out.get(m, 0) + c1 * c2
        return Poly(out)

    __rmul__ = __mul__

    def __pow__(self, n):
        out = Poly.const(1)
        for _ in range(n):
            out = out * self
        return out

    def scaled(self, factor):
        return Poly({m: c * _fraction(factor) for m, c in self.terms.items()})

    # --- inspection ----------------------------------------------------------------------------
    @property
    def variables(self):
        return tuple(sorted({name for m in self.terms for name, _ in m}))

    @property
    def is_constant(self):
        return all(m == () for m in self.terms)

    @property
    def constant(self):
        return self.terms.get((), Fraction(0))

    def is_zero(self, tolerance=0.0):
        """True when every coefficient is zero (|c| <= tolerance)."""
        return all(abs(c) <= tolerance for c in self.terms.values())

    def max_coefficient(self):
        return max((abs(c) for c in self.terms.values()), default=Fraction(0))

    def __eq__(self, other):
        return isinstance(other, (Poly, int, float, Fraction)) and (self - _poly(other)).is_zero()

    def __hash__(self):
        return hash(tuple(sorted(self.terms.items())))

    def evaluate(self, values):
        """The value for parameter values (numbers or numpy arrays, broadcast); a float for a constant."""
        if self.is_constant:
            return float(self.constant)
        total = 0.0
        for m, c in self.terms.items():
            term = float(c)
            for name, k in m:
                term = term * np.asarray(values[name], float) ** k
            total = total + term
        return total

    def __str__(self):
        if not self.terms:
            return "0"
        parts = []
        for m, c in sorted(self.terms.items(), key=lambda mc: (len(mc[0]), mc[0])):
            names = "*".join(name if k == 1 else f"{name}**{k}" for name, k in m)
            mag = abs(c)
            text = names if (mag == 1 and names) else (f"{mag}*{names}" if names else f"{mag}")
            parts.append(("- " if c < 0 else "+ ") + text)
        out = " ".join(parts)
        return out[2:] if out.startswith("+ ") else "-" + out[2:]

    __repr__ = __str__


def _poly(x):
    return x if isinstance(x, Poly) else Poly.const(x)


# --- the expression reader ----------------------------------------------------------------------
_BINARY = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b}


def parse_expression(value, reserved=()):
    """A number or an expression string -> Poly. ExpressionError (one line) for anything else.

    `reserved`: names that may not appear (the model's own parameters, e.g. m_zp).
    """
    if not isinstance(value, str):
        return Poly.const(value)
    text = value.strip()
    if not text or len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression '{value}' is empty or longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        raise ExpressionError(f"cannot read '{value}' (use numbers, parameter names, + - * / and ** n)") from None
    return _convert(tree.body, value, tuple(reserved))


def _convert(node, text, reserved):
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise ExpressionError(f"'{text}': {node.value!r} is not a number")
        return Poly.const(node.value)
    if isinstance(node, ast.Name):
        name = node.id
        if name in reserved:
            raise ExpressionError(f"'{text}': '{name}' is a parameter of the model itself; charges may depend "
                                  "only on their own parameters (e.g. c)")
        if keyword.iskeyword(name) or name.startswith("_"):
            raise ExpressionError(f"'{text}': '{name}' is not a parameter name")
        return Poly.var(name)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        inner = _convert(node.operand, text, reserved)
        return -inner if isinstance(node.op, ast.USub) else inner
    if isinstance(node, ast.BinOp):
        left, right = _convert(node.left, text, reserved), _convert(node.right, text, reserved)
        if type(node.op) in _BINARY:
            return _BINARY[type(node.op)](left, right)
        if isinstance(node.op, ast.Div):
            if not right.is_constant:
                raise ExpressionError(f"'{text}' divides by a parameter: charges must be polynomials in the "
                                      "parameters (division by numbers only)")
            if right.constant == 0:
                raise ExpressionError(f"'{text}' divides by zero")
            return left.scaled(1 / right.constant)
        if isinstance(node.op, ast.Pow):
            k = right.constant if right.is_constant else None
            if k is None or k.denominator != 1 or not 0 <= k <= MAX_POWER:
                raise ExpressionError(f"'{text}': powers must be integers from 0 to {MAX_POWER}")
            return left ** int(k)
    raise ExpressionError(f"'{text}': only numbers, parameter names, + - * / and ** n are allowed "
                          f"(found {type(node).__name__})")
