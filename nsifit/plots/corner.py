"""Corner plots of run files and of weighted-sample files (nsifit.io.weighted: reweighted runs, nested
sampling; their samples enter with their weights). Profile plots live in profiles.py.

2D contours enclose 68% and 95% of the 2D posterior mass (not the 1D 1-sigma/2-sigma
levels: a 2D region with 68% mass is the 1.52 sigma ellipse of a Gaussian); 1D
histograms are marginals. Log-uniform parameters get log axes, labels carry units.
"""

import matplotlib

matplotlib.use("Agg")
import corner
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backend_bases import FigureCanvasBase
from matplotlib.lines import Line2D

from nsifit.errors import NsifitError
from nsifit.inference.samplers.diagnostics import posterior_samples
from nsifit.io.runfile import read_run
from nsifit.io.weighted import is_weighted, read_weighted
from nsifit.plots.figures import figure_format, save_figure

LEVELS_2D = (0.68, 0.95)
COLORS = ("C0", "C3", "C2", "C1", "C4", "C5")


def corner_plot(paths, output, labels=None):
    """Overlay the posteriors of several runs (same sampled parameters) in one corner plot."""
    formats = sorted(FigureCanvasBase.get_supported_filetypes())
    figure_format(output, formats)
    runs = [read_weighted(p) if is_weighted(p) else read_run(p) for p in paths]
    names = runs[0].names
    for run in runs[1:]:
        if run.names != names:
            raise NsifitError(f"{run.path}: parameters {run.names} differ from {runs[0].path}: {names}")
    meta = runs[0].params
    scales = ["log" if meta[n]["log_scale"] else "linear" for n in names]
    axis_labels = [str(meta[n]["label"]) for n in names]
    samples = [run.physical() if hasattr(run, "weights") else posterior_samples(run)[0] for run in runs]
    weights = [run.weights / run.weights.sum() if hasattr(run, "weights") else np.full(len(s), 1.0 / len(s))
               for run, s in zip(runs, samples)]          # runs of any length overlay
    ranges = []
    for i, name in enumerate(names):
        low, high = float(meta[name]["min"]), float(meta[name]["max"])
        if not (np.isfinite(low) and np.isfinite(high)):
            all_i = np.concatenate([s[:, i] for s in samples])
            low, high = np.percentile(all_i, [0.05, 99.95])
        ranges.append((low, high))
    fig = None
    handles = []
    for k, (run, sample, weight) in enumerate(zip(runs, samples, weights)):
        color = COLORS[k % len(COLORS)]
        fig = corner.corner(sample, fig=fig, labels=axis_labels, axes_scale=scales, range=ranges,
                            levels=LEVELS_2D, color=color, bins=40, smooth=1.0, plot_datapoints=False,
                            plot_density=len(runs) == 1, fill_contours=len(runs) == 1,
                            weights=weight,
                            label_kwargs={"fontsize": 11})
        handles.append(Line2D([], [], color=color, label=(labels or [None] * len(runs))[k] or run.path))
    note = "contours: 68%, 95% of the 2D posterior mass"
    if len(runs) > 1:
        fig.legend(handles=handles, loc="upper right", bbox_to_anchor=(0.98, 0.8), title=note, frameon=False)
    else:
        fig.text(0.98, 0.98, f"{runs[0].attrs['model']}\n{note}", ha="right", va="top")
    save_figure(fig, output, formats, dpi=120)
    plt.close(fig)
