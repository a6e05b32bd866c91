"""Profile-likelihood plots: 1D Delta chi^2 curves and 2D Delta chi^2 contours.

1D: the curve with the thresholds 1.00 / 2.71 / 3.84 drawn and labelled on a right-hand axis outside
the panel (68.27% / 90% / 95% CL, two-sided; 2.71 is the 95% CL one-sided limit).
2D: contours at Delta chi^2 = 2.30 and 5.99 (68.27% and 95% CL for two parameters), the best fit marked.
Both thresholds follow from Wilks' theorem (nsifit.inference.profile). Axes are logarithmic where the
scan was; labels carry units. Column-width panels (3.4 in) with 9 pt text; PNG or PDF chosen by the
file extension, written atomically.
"""

import math

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import ticker  # noqa: E402

from nsifit.inference.profile.scan import THRESHOLDS_1D, THRESHOLDS_2D  # noqa: E402
from nsifit.plots.figures import figure_format, save_figure  # noqa: E402

PANEL_IN = (3.4, 2.8)            # single-column width of a two-column journal
LINE_STYLES = ("--", "-.", ":")
CL_TICKS = {1.00: "68.3% CL", 2.71: "90% CL\n(95% 1-sided)", 3.84: "95% CL"}     # right-hand axis labels
CONTOUR_COLOURS = ("#1f4e99", "#7fa7de")
STYLE = {"font.size": 9, "axes.labelsize": 9, "legend.fontsize": 7.5, "xtick.labelsize": 8,
         "ytick.labelsize": 8, "lines.linewidth": 1.4, "savefig.dpi": 300, "figure.dpi": 100,
         "axes.linewidth": 0.8}


def plot_1d(ax, scan):
    """Delta chi^2 against the scanned parameter, threshold lines labelled with their CL."""
    x, dchi2 = scan["axes"][0], scan["delta_chi2"]
    ax.plot(x, dchi2, color="k", label=r"profile $\Delta\chi^2$")
    bad = ~scan["valid"]
    if bad.any():
        ax.plot(x[bad], dchi2[bad], "x", color="tab:red", ms=4, label="not converged")
    top = max(THRESHOLDS_1D) * 1.6
    for level, ls in zip(THRESHOLDS_1D, LINE_STYLES):
        ax.axhline(level, color="0.45", lw=0.8, ls=ls)
    ax.set_ylim(0, top)
    cl_axis = ax.secondary_yaxis("right")          # CL labels outside the panel: no curve can cross them
    cl_axis.set_yticks(list(THRESHOLDS_1D), [CL_TICKS.get(level, cl) for level, cl in THRESHOLDS_1D.items()],
                       fontsize=6.5, color="0.3")
    cl_axis.tick_params(length=2, color="0.45")
    ax.set_xlim(x[0], x[-1])
    _scale(ax, "x", scan["log"][0], x)
    ax.set_xlabel(scan["labels"][0])
    ax.set_ylabel(r"$\Delta\chi^2$")
    ax.axvline(scan["best"][scan["params"][0]], color="tab:blue", lw=0.8, alpha=0.6)


def plot_2d(ax, scan):
    """Contours of Delta chi^2 = 2.30 and 5.99 (68.27% / 95% CL, 2 parameters), best fit marked."""
    x, y = scan["axes"]
    levels = sorted(THRESHOLDS_2D)
    dchi2 = scan["delta_chi2"].T          # stored (n_x, n_y); contour wants rows along y
    ax.contourf(x, y, dchi2, levels=[0, *levels], colors=CONTOUR_COLOURS, alpha=0.75)
    ax.contour(x, y, dchi2, levels=levels, colors="k", linewidths=0.9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c, alpha=0.75) for c in CONTOUR_COLOURS]
    labels = [f"{THRESHOLDS_2D[lv]} ($\\Delta\\chi^2 = {lv:.2f}$)" for lv in levels]
    bx, by = (scan["best"][p] for p in scan["params"])
    handles.append(ax.plot(bx, by, marker="*", color="tab:red", ms=8, ls="none")[0])
    labels.append("best fit")
    bad = ~scan["valid"].T
    if bad.any():
        gx, gy = np.meshgrid(x, y)
        handles.append(ax.plot(gx[bad], gy[bad], "x", color="tab:red", ms=3, ls="none")[0])
        labels.append("not converged")
    ax.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, frameon=False)
    _scale(ax, "x", scan["log"][0], x)
    _scale(ax, "y", scan["log"][1], y)
    ax.set_xlabel(scan["labels"][0])
    ax.set_ylabel(scan["labels"][1])


def _scale(ax, which, log, values):
    """Log axes where the scan was logarithmic; plain numbers on ticks when it spans < 2 decades."""
    if not log:
        return
    getattr(ax, f"set_{which}scale")("log")
    axis = getattr(ax, f"{which}axis")
    if values[-1] / values[0] < 100:
        axis.set_major_formatter(ticker.FormatStrFormatter("%g"))
        axis.set_minor_formatter(ticker.FuncFormatter(
            lambda v, _: f"{v:g}" if round(v / 10 ** np.floor(np.log10(v))) in (2, 3, 5) else ""))


def plot_limit(ax, lim):
    """Exclusion curve: the upper limit on the poi against the scanned parameter, the region above it shaded
    (excluded at the limit's CL); scan values without a limit in the prior range are marked on the top axis."""
    x = np.asarray(lim["values"], float)
    y = np.array([np.nan if u is None else u for u in lim["upper"]], float)
    ok = np.isfinite(y)
    label = f"{lim['cl']:.0%} CL upper limit ({lim['method']})"
    log = lim["log"][1]
    if ok.any():
        top = lim["poi_max"]                         # the prior's upper edge: the limit is tested up to it
        ax.fill_between(x[ok], y[ok], top, color=CONTOUR_COLOURS[1], alpha=0.6, lw=0)
        ax.plot(x[ok], y[ok], color="k", marker="." if ok.sum() < 15 else None, label=label)
        low = np.nanmin(y) / 30 if log else 0.0
        ax.set_ylim(low, top * 1.5 if log else top * 1.05)
        k = np.flatnonzero(ok)[ok.sum() // 2]
        ax.text(x[k], math.sqrt(y[k] * top) if log else 0.5 * (y[k] + top), "excluded", ha="center",
                va="center", fontsize=8, color="0.2")
    if (~ok).any():
        ax.plot(x[~ok], np.full((~ok).sum(), 1.0), "v", color="tab:red", ms=4, ls="none",
                transform=ax.get_xaxis_transform(), clip_on=False, label="no limit in the prior range")
    if lim["log"][1]:
        ax.set_yscale("log")
    _scale(ax, "x", lim["log"][0], x)
    ax.set_xlim(x[0], x[-1])
    ax.set_xlabel(lim["labels"][0])
    ax.set_ylabel(lim["labels"][1])
    ax.legend(loc="lower right", frameon=False)


def plot_profiles(scans, path, limits=()):
    """One panel per scan and per limit scan, side by side; written atomically to `path` (.png or .pdf)."""
    figure_format(path)            # before drawing: a bad extension fails fast
    panels = [(plot_1d if len(s["params"]) == 1 else plot_2d, s) for s in scans] + [(plot_limit, lim)
                                                                                    for lim in limits]
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, len(panels), figsize=(PANEL_IN[0] * len(panels), PANEL_IN[1]),
                                 squeeze=False, constrained_layout=True)
        for ax, (draw, scan) in zip(axes[0], panels):
            draw(ax, scan)
        save_figure(fig, path)
        plt.close(fig)
    return path
