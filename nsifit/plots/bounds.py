"""Drawing of exclusion planes (nsifit.bounds): filled / hatched regions, lines, legend, atomic save.

Styles come from nsifit.plots.style (one colour-blind-safe colour and line style per experiment; a layer's
`style:` overrides them). Each excluded region is a translucent fill with its outline; where CROWDED or more
fills overlap, the fills are left out there and the overlap is hatched in grey instead (stacked translucent
fills turn muddy), while every outline is still drawn.
"""

import numpy as np

from nsifit.bounds.config import DERIVED
from nsifit.plots.figures import save_figure
from nsifit.plots.style import CROWDED, EXPERIMENTS, FALLBACK, FILL_ALPHA, JOURNAL_RC

BIG = 1e30                       # stands in for +-inf as a contour level


def _style(layer, index):
    colour, linestyle = FALLBACK[index % len(FALLBACK)]
    colour, linestyle, hatch, _ = EXPERIMENTS.get(layer.likelihood, (colour, linestyle, "xxx", layer.likelihood))
    style = {"color": colour, "linestyle": linestyle, "hatch": hatch or "///", "linewidth": 1.2,
             "alpha": FILL_ALPHA, "fill": layer.kind in ("excluded", "excess")}
    style.update(layer.style)
    return style


def axis_label(cfg, axis):
    if axis.name in DERIVED:
        text = f"${DERIVED[axis.name].latex}$"
        return text + (" (Bernal-Farzan convention: half the global-fit one)" if axis.convention == "seed" else "")
    return cfg.model.parameter(axis.name).label()


def _mass_ticks(axis, lo, hi):
    """Plain-number ticks (1, 2, 5 x 10^k) on a log axis spanning less than four decades."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
    if hi / lo < 1e4:
        axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        axis.set_minor_formatter(NullFormatter())


def draw(result, ax=None, width_in=3.4, height_in=4.3):
    """Draw a BoundsResult; returns the matplotlib Figure."""
    import matplotlib
    if ax is None:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    cfg = result.config
    fig_opts = cfg.figure
    with plt.rc_context(JOURNAL_RC):
        if ax is None:
            fig, ax = plt.subplots(figsize=(fig_opts.get("width_in", width_in),
                                            fig_opts.get("height_in", height_in)), layout="constrained")
        fig = ax.figure
        x, y = cfg.x.values, cfg.y.values
        handles = []
        filled = [i for i, layer in enumerate(cfg.layers) if _style(layer, i)["fill"]]
        crowded = sum(result.region(i).astype(int) for i in filled) >= CROWDED if filled else None
        for i, (layer, (z, low, high)) in enumerate(zip(cfg.layers, result.fields)):
            st = _style(layer, i)
            zc = np.ma.masked_invalid(np.clip(z, -BIG / 10, BIG / 10))
            levels = [max(low, -BIG), min(high, BIG)]
            if not result.region(i).any():
                why = "does not apply" if i in result.skipped else "none in range"
                handles.append(Patch(facecolor="none", edgecolor="none", label=f"{layer.label} ({why})"))
                continue
            if st["fill"]:
                ax.contourf(x, y, np.ma.masked_where(crowded, zc), levels=levels, colors=[st["color"]],
                            alpha=st["alpha"])
                handle = Patch(facecolor=matplotlib.colors.to_rgba(st["color"], st["alpha"]),
                               edgecolor=st["color"], linestyle=st["linestyle"], linewidth=st["linewidth"])
            else:
                cs = ax.contourf(x, y, zc, levels=levels, colors="none", hatches=[st["hatch"]])
                cs.set_hatchcolor(st["color"])
                cs.set_edgecolor("none")
                handle = Patch(facecolor="none", hatch=st["hatch"], edgecolor=st["color"],
                               linewidth=0.6)
            edges = [lv for lv in (low, high) if np.isfinite(lv)]
            ax.contour(x, y, zc, levels=sorted(edges), colors=[st["color"]],
                       linestyles=[st["linestyle"]], linewidths=st["linewidth"] if st["fill"] else 0.7)
            handle.set_label(f"{layer.label} ({layer.describe_cl()})")
            handles.append(handle)
        if crowded is not None and crowded.any():
            cs = ax.contourf(x, y, crowded.astype(float), levels=[0.5, 1.5], colors="none", hatches=["x"])
            cs.set_hatchcolor("0.78")
            cs.set_edgecolor("none")
            handles.append(Patch(facecolor="none", hatch="x", edgecolor="0.78", linewidth=0.6,
                                 label=f"excluded by {CROWDED} or more of the above"))
        if not result.valid.all():
            invalid = (~result.valid).reshape(len(y), len(x)).astype(float)
            ax.contourf(x, y, invalid, levels=[0.5, 1.5], colors=["0.85"])
            handles.append(Patch(facecolor="0.85", label="no real $g_{Z'}$ (sign of $c$)"))
        for line in cfg.lines:
            lst = {"color": "0.2", "linestyle": "dashed", "linewidth": 1.0, **(line.get("style") or {})}
            (ax.axvline if "x" in line else ax.axhline)(line.get("x", line.get("y")), **lst)
            if line.get("label"):
                handles.append(Line2D([], [], label=line["label"], **lst))
        if result.profile is not None:
            handles.extend(_draw_profile(ax, result.profile))
        if result.limit is not None:
            lx, upper, label = result.limit
            lst = {"color": "k", "linestyle": "solid", "linewidth": 1.8, **((cfg.limit or {}).get("style") or {})}
            ax.plot(lx, upper, **lst)
            handles.append(Line2D([], [], label=label, **lst))
        ax.set_xscale(cfg.x.scale)
        ax.set_yscale(cfg.y.scale)
        for axis, spec in ((ax.xaxis, cfg.x), (ax.yaxis, cfg.y)):
            if spec.scale == "log" and spec.name in cfg.model.parameter_names \
                    and cfg.model.parameter(spec.name).unit == "MeV":
                _mass_ticks(axis, spec.min, spec.max)
        ax.set_xlim(x[0], x[-1])
        ax.set_ylim(y[0], y[-1])
        ax.set_xlabel(axis_label(cfg, cfg.x))
        ax.set_ylabel(axis_label(cfg, cfg.y))
        if cfg.title:
            ax.set_title(cfg.title, fontsize=7)
        longest = max(len(h.get_label()) for h in handles)
        columns = fig_opts.get("legend_columns", 1 if longest > 44 else 2)
        fig.legend(handles=handles, loc="outside lower center", ncols=columns, frameon=False,
                   handlelength=2.2, labelspacing=0.3, columnspacing=0.8, handletextpad=0.5)
    return fig


def _draw_profile(ax, profile):
    """Profile-likelihood contours: (x, y, delta_chi2 (ny, nx), levels {label: value}); the region
    inside the largest level is shaded so that a thin allowed sliver stays visible."""
    from matplotlib.lines import Line2D
    x, y, dchi2, levels = profile
    z = np.ma.masked_invalid(dchi2)
    ax.contourf(x, y, z, levels=[-1.0, max(levels.values())], colors=["k"], alpha=0.3)
    handles = []
    for (label, level), ls in zip(levels.items(), ("solid", "dashed")):
        ax.contour(x, y, z, levels=[level], colors=["k"], linestyles=[ls], linewidths=1.1)
        handles.append(Line2D([], [], color="k", linestyle=ls, linewidth=1.1, label=label))
    return handles


def save(fig, path):
    """Write PNG or PDF (by extension) atomically."""
    return save_figure(fig, path, dpi=300, bbox_inches="tight", pad_inches=0.02)
