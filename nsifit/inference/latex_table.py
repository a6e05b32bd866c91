"""The constraints of a run summary as a LaTeX table (booktabs; plain LaTeX, no siunitx).

One row per sampled parameter: its symbol and unit, the constraint and the best fit.
- unimodal two-sided marginal: median with the equal-tailed 68% interval, $a^{+b}_{-c}$, with one
  shared power of ten, $(a^{+b}_{-c})\\times 10^{n}$, outside 10^-2 <= |a| < 10^4;
- marginal piled up at a prior edge (summary `limit`): the one-sided 95% limit, $< x$ or $> x$;
- multimodal marginal: the 95% highest-density regions joined by \\cup.
Numbers carry DIGITS significant figures (the uncertainties: DIGITS figures of the smaller one).
The table needs \\usepackage{booktabs}.
"""

import math

DIGITS = 2
PLAIN_RANGE = (1e-2, 1e4)      # numbers written without a power of ten


def escape(text):
    """Text-mode LaTeX: the special characters of plain text escaped."""
    special = {"\\": "\\textbackslash{}", "~": "\\textasciitilde{}", "^": "\\textasciicircum{}"}
    return "".join(special.get(c, "\\" + c if c in "&%$#_{}" else c) for c in str(text))


def exponent(x):
    """The power of ten to factor out of x (0 inside PLAIN_RANGE, and for 0 or non-finite x)."""
    if not math.isfinite(x) or x == 0 or PLAIN_RANGE[0] <= abs(x) < PLAIN_RANGE[1]:
        return 0
    return math.floor(math.log10(abs(x)))


def decimals(x, digits=DIGITS):
    """Decimals that show `digits` significant figures of x."""
    if not math.isfinite(x) or x == 0:
        return 0
    return max(0, digits - 1 - math.floor(math.log10(abs(x))))


def number(x, digits=DIGITS):
    """One number: 0.031, 12, 4.5\\times 10^{-6} (math mode content)."""
    if not math.isfinite(x):
        return "\\infty" if x > 0 else "-\\infty" if x < 0 else "\\mathrm{NaN}"
    n = exponent(x)
    scaled = round(x / 10 ** n, decimals(x / 10 ** n, digits))
    if n and abs(scaled) >= 10:                # rounding reached the next decade (9.96e-5 -> 1.0e-4)
        n, scaled = n + 1, round(scaled / 10, decimals(scaled / 10, digits))
    mantissa = f"{scaled:.{decimals(scaled, digits)}f}"
    return mantissa if not n else f"{mantissa}\\times 10^{{{n}}}"


def asymmetric(median, low, high, digits=DIGITS):
    """$m^{+u}_{-d}$ content of the median and the interval [low, high], one shared power of ten."""
    up, down = high - median, median - low
    n = exponent(median) if median else exponent(max(abs(low), abs(high)))
    scale = 10.0 ** n
    smaller = min(x for x in (up / scale, down / scale, abs(median) / scale or 1.0) if x > 0) \
        if max(up, down) > 0 else abs(median / scale)
    d = decimals(smaller, digits)
    core = f"{median / scale:.{d}f}^{{+{up / scale:.{d}f}}}_{{-{down / scale:.{d}f}}}"
    return core if not n else f"({core})\\times 10^{{{n}}}"


def constraint(p):
    """Math-mode content of the constraint column for one parameter of a summary."""
    if p["limit"]:
        sign = "<" if p["limit"]["type"] == "upper" else ">"
        return f"{sign} {number(p['limit']['cl95'])}\\ (95\\%)"
    if p["multimodal"]:
        return " \\cup ".join(f"[{number(a)}, {number(b)}]" for a, b in p["hdi_95"]) + "\\ (95\\%)"
    return asymmetric(p["median"], *p["interval_68"])


def latex_table(summary, labels):
    """A table environment with one row per parameter of `summary` (nsifit.inference.summary.summarize);
    labels: {name: LaTeX symbol (math mode, without $)}."""
    rows = []
    for name, p in summary["params"].items():
        unit = f" [{escape(p['unit'])}]" if p["unit"] else ""
        rows.append(f"${labels.get(name) or escape(name)}${unit} & ${constraint(p)}$ & "
                    f"${number(p['best_fit'], 3)}$ \\\\")
    caption = (f"Constraints of the {escape(summary['model'])} fit ({summary['steps']} steps $\\times$ "
               f"{summary['walkers']} walkers, burn-in {summary['burn_in']}): median and 68\\% interval, "
               "or the one-sided 95\\% limit where the marginal piles up at a prior edge; best fit: "
               f"$\\chi^2 = {summary['best_fit']['chi2_total']:.2f}$ for {summary['n_obs']} observables.")
    return "\n".join(["% needs \\usepackage{booktabs}", "\\begin{table}", "\\centering",
                      f"\\caption{{{caption}}}", "\\begin{tabular}{lll}", "\\toprule",
                      "Parameter & Constraint & Best fit \\\\", "\\midrule", *rows, "\\bottomrule",
                      "\\end{tabular}", "\\end{table}"]) + "\n"
