"""Corner plots: runs with different parameter sets overlaid on the parameters they share, no histogram
cut by another run's, parameter subsets, derived quantities, marked values, one-line errors."""

import numpy as np
import pytest
import sampling_toy as toy
from cli_helpers import cli, one_line

from nsifit import api
from nsifit.plots.corner import add_columns, corner_plot, file_set


@pytest.fixture
def runs(toy_site, tmp_path):
    """A wide run (m_zp, epsilon sampled) and a narrower one with epsilon fixed (m_zp only, prior 40-60)."""
    wide = api.run(toy.config(steps=150), output=tmp_path / "wide.h5")
    narrow_cfg = toy.config(steps=150)
    narrow_cfg["params"] = {"m_zp": {"prior": "uniform", "min": 40.0, "max": 60.0}, "epsilon": 1.0e-3}
    narrow = api.run(narrow_cfg, output=tmp_path / "narrow.h5")
    return wide, narrow


def test_runs_with_different_parameters_overlay_on_the_common_ones_and_no_histogram_is_cut(runs, tmp_path):
    wide, narrow = runs
    sets = [file_set(wide.path, "wide"), file_set(narrow.path, "narrow")]
    out = tmp_path / "both.png"
    corner_plot(sets, out)
    assert out.stat().st_size > 10_000
    import matplotlib.pyplot as plt
    plt.close("all")
    # on a figure we keep: the taller (narrow) histogram drawn first is not cut by the wide one drawn after
    from nsifit.plots import corner as corner_module
    fig = plt.figure()
    import corner
    for s in reversed(sets):
        corner.corner(np.column_stack([s.columns["m_zp"]]), fig=fig, weights=s.weights, bins=40,
                      range=[(1.0, 100.0)], plot_datapoints=False)
    corner_module._uncut_histograms(fig, 1)
    ax = fig.axes[0]
    tallest = max(p.get_path().vertices[:, 1].max() for p in ax.patches)
    assert ax.get_ylim()[1] >= tallest          # corner alone leaves the last run's range: the first is cut
    plt.close(fig)


def test_parameter_subset_derived_quantities_and_marks(runs, tmp_path, capsys):
    wide, _ = runs
    source = file_set(wide.path)
    samples = wide.samples(derived=["loglike_total"])
    add_columns(source, {"loglike_total": samples["loglike_total"]})
    assert source.order == ["m_zp", "epsilon", "loglike_total"] and source.best is not None
    assert source.best["m_zp"] == pytest.approx(50.0, abs=5.0)          # the toy's peak
    corner_plot([source], tmp_path / "sub.png", params=["epsilon", "loglike_total"],
                truths={"epsilon": 1e-3}, quantiles=(0.16, 0.5, 0.84))
    assert (tmp_path / "sub.png").stat().st_size > 10_000
    code, out, err = cli(capsys, "corner", wide.path, "-o", tmp_path / "cli.png", "--params", "m_zp",
                         "--derived", "loglike_toy_gauss", "--best-fit", "--size", "4", "--dpi", "100")
    assert code == 0, err
    wide.corner(tmp_path / "api.pdf", derived=["loglike_total"], params=["m_zp", "loglike_total"])
    assert (tmp_path / "api.pdf").read_bytes()[:4] == b"%PDF"


def test_corner_errors_are_one_line(runs, tmp_path, capsys):
    wide, narrow = runs
    assert "not in every run" in one_line(capsys, "corner", wide.path, narrow.path, "--params", "epsilon",
                                          "-o", tmp_path / "x.png")
    assert "must lie strictly between 0 and 1" in one_line(capsys, "corner", wide.path, "--quantiles", "0.5,2",
                                                          "-o", tmp_path / "y.png")
    assert "must be a number" in one_line(capsys, "corner", wide.path, "--truths", "m_zp=big",
                                          "-o", tmp_path / "z.png")
