"""Corner plots of runs, reweighted runs and nested runs, overlaid on their common parameters.

2D contours enclose 68% and 95% of the 2D posterior mass (not the 1D 1-sigma/2-sigma levels: a 2D
region with 68% mass is the 1.52 sigma ellipse of a Gaussian); 1D histograms are marginals, rescaled
so that no run's histogram is cut. Log-uniform parameters get log axes, labels carry units. Weighted
samples (nsifit.io.weighted, nested sampling) enter with their weights. Options: a parameter subset,
derived quantities (columns a caller adds to a CornerSet, e.g. nsifit.api.Run.samples(derived=...)),
truth values or the best fit marked, quantile lines, smoothing, size and dpi; the legend sits in the
empty upper triangle, outside the panels. Profile plots live in profiles.py.
"""

from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")
import corner  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.backend_bases import FigureCanvasBase  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from nsifit.errors import NsifitError  # noqa: E402
from nsifit.inference.samplers.diagnostics import posterior_samples  # noqa: E402
from nsifit.io.runfile import read_run  # noqa: E402
from nsifit.io.weighted import is_weighted, read_weighted  # noqa: E402
from nsifit.plots.figures import figure_format, save_figure  # noqa: E402
from nsifit.plots.style import OKABE_ITO  # noqa: E402

LEVELS_2D = (0.68, 0.95)
COLORS = (OKABE_ITO["blue"], OKABE_ITO["vermillion"], OKABE_ITO["bluish_green"], OKABE_ITO["orange"],
          OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"])
PANEL_IN = 2.3                   # inches per panel by default (at least two panels wide)


@dataclass
class CornerSet:
    """One run's samples: columns {name: (n,) physical values}, weights (n,), per-column metadata
    {name: {label, log_scale, min, max}}, the best-fit point {name: value} (or None)."""

    label: str
    columns: dict
    weights: np.ndarray
    meta: dict
    best: dict | None = None
    model: str = ""
    order: list = field(default_factory=list)      # the sampled parameters first, then added columns


def file_set(path, label=None):
    """A CornerSet from a run file (after burn-in), a weighted-sample file or a nested run."""
    run = read_weighted(path) if is_weighted(path) else read_run(path)
    best = None
    if hasattr(run, "log_weights"):                 # a nested run: resampled to equal weight
        values, weights = posterior_samples(run)[0], None
    elif hasattr(run, "weights"):                   # reweighted samples (nsifit post)
        values, weights = run.physical(), np.asarray(run.weights, float)
        if run.log_prob is not None:
            best = values[int(np.nanargmax(run.log_prob))]
    else:                                           # an emcee run, after burn-in
        values, weights = posterior_samples(run)[0], None
        flat = run.chain.reshape(-1, run.chain.shape[-1])
        best = run.physical(flat[[int(np.argmax(run.log_prob.reshape(-1)))]])[0]
    weights = np.ones(len(values)) if weights is None else weights
    meta = {n: {"label": str(run.params[n]["label"]), "log_scale": bool(run.params[n]["log_scale"]),
                "min": float(run.params[n]["min"]), "max": float(run.params[n]["max"])} for n in run.names}
    return CornerSet(label or str(path), {n: values[:, i] for i, n in enumerate(run.names)},
                     weights / weights.sum(), meta,
                     None if best is None else {n: float(best[i]) for i, n in enumerate(run.names)},
                     str(run.attrs.get("model", "")), list(run.names))


def add_columns(cset, columns):
    """Add derived quantities {name: (n,) values} to a CornerSet (log axis when positive over > 2 decades)."""
    for name, values in columns.items():
        values = np.asarray(values, float)
        if len(values) != len(cset.weights):
            raise NsifitError(f"{name}: {len(values)} values for {len(cset.weights)} samples")
        finite = values[np.isfinite(values)]
        log = bool(len(finite)) and finite.min() > 0 and finite.max() / finite.min() > 100
        cset.columns[name] = values
        cset.meta[name] = {"label": name.replace("_", r"\_"), "log_scale": log, "min": np.nan, "max": np.nan}
        cset.order.append(name)
    return cset


def corner_plot(sources, output, labels=None, params=None, truths=None, best_fit=False, quantiles=(),
                smooth=1.0, size_in=None, dpi=200):
    """Overlay several runs (paths or CornerSets) on the parameters they share; write `output`.

    params: the columns to show (default: the common ones, in the first run's order); truths: {name:
    value} marked by lines; best_fit: mark the first run's best fit instead; quantiles: e.g. (0.16, 0.5,
    0.84) drawn as dashed lines on the 1D marginals of a single run."""
    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    figure_format(output, formats)
    labels = list(labels or [])
    sets = [s if isinstance(s, CornerSet) else file_set(s, labels[k] if k < len(labels) else None)
            for k, s in enumerate(sources)]
    for k, s in enumerate(sets):
        if k < len(labels) and labels[k]:
            s.label = labels[k]
    common = [n for n in sets[0].order if all(n in s.columns for s in sets)]
    names = list(params) if params else common
    missing = [n for n in names if n not in common]
    if missing or not names:
        raise NsifitError(f"parameter '{missing[0]}' is not in every run (common: {', '.join(common) or 'none'})"
                          if missing else "the runs have no parameter in common")
    meta = sets[0].meta
    marks = dict(truths or {})
    if best_fit and sets[0].best is not None:
        marks = {**{n: v for n, v in sets[0].best.items() if n in names}, **marks}
    ranges = [_range(n, meta[n], sets) for n in names]
    size = size_in or PANEL_IN * max(len(names), 2)
    fig = plt.figure(figsize=(size, size))
    handles = []
    for k, s in enumerate(sets):
        color = COLORS[k % len(COLORS)]
        data = np.column_stack([s.columns[n] for n in names])
        keep = np.all(np.isfinite(data), axis=1)
        corner.corner(data[keep], fig=fig, labels=[meta[n]["label"] for n in names],
                      axes_scale=["log" if meta[n]["log_scale"] else "linear" for n in names], range=ranges,
                      levels=LEVELS_2D, color=color, bins=40, smooth=smooth, plot_datapoints=False,
                      plot_density=len(sets) == 1, fill_contours=len(sets) == 1, weights=s.weights[keep],
                      quantiles=list(quantiles) if len(sets) == 1 else None,
                      truths=[marks.get(n) for n in names] if marks and k == len(sets) - 1 and len(names) > 1
                      else None,
                      truth_color="0.2", label_kwargs={"fontsize": 10}, labelpad=0.08)
        handles.append(Line2D([], [], color=color, label=s.label))
    if marks and len(names) == 1 and names[0] in marks:        # corner's own marker fails for one panel
        fig.axes[0].axvline(marks[names[0]], color="0.2")
    _uncut_histograms(fig, len(names))
    note = "contours: 68%, 95%\nof the 2D posterior mass" + ("\nsolid lines: best fit" if best_fit else "") \
        + ("\nsolid lines: given values" if truths and not best_fit else "") \
        + (f"\ndashed: quantiles {', '.join(f'{q:g}' for q in quantiles)}" if quantiles and len(sets) == 1 else "")
    if len(sets) > 1 or len(names) > 1:
        fig.legend(handles=handles if len(sets) > 1 else [], loc="upper right", bbox_to_anchor=(0.99, 0.99),
                   title=(f"{sets[0].model}\n" if len(sets) == 1 else "") + note, frameon=False, fontsize=8,
                   title_fontsize=8)
    else:
        fig.suptitle(f"{sets[0].model}: {note}", fontsize=8)
    save_figure(fig, output, formats, dpi=dpi)
    plt.close(fig)


def _range(name, meta, sets):
    low, high = meta["min"], meta["max"]
    if np.isfinite(low) and np.isfinite(high):
        return (low, high)
    values = np.concatenate([s.columns[name][np.isfinite(s.columns[name])] for s in sets])
    low, high = np.percentile(values, [0.05, 99.95])
    return (low, high) if high > low else (low - 1, high + 1)


def _uncut_histograms(fig, n):
    """1D panels: the y range of the tallest histogram of all runs (corner sets it from the first)."""
    axes = np.array(fig.axes).reshape(n, n)
    for i in range(n):
        ax = axes[i, i]
        tops = [p.get_path().vertices[:, 1].max() for p in ax.patches]      # the step histograms
        if tops:
            ax.set_ylim(0, 1.1 * max(tops))
