"""`nsifit hepdata`: HEPData submissions of a bounds figure and of profile scans, checked with
hepdata-validator and against the grid they come from."""

import numpy as np
import pytest
import yaml
from cli_helpers import cli, one_line, write_config

from nsifit import api, bounds
from nsifit.bounds.hepdata import layer_edges
from nsifit.cli.bounds import find_config

pytest.importorskip("hepdata_lib")
from hepdata_validator.full_submission_validator import FullSubmissionValidator  # noqa: E402

GRID = 20


def documents(path):
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def assert_valid(outdir):
    validator = FullSubmissionValidator()
    ok = validator.validate(directory=str(outdir))
    assert ok, validator.get_messages()
    archive = outdir.with_name(f"{outdir.name}.tar.gz")
    assert archive.is_file() and validator.validate(archive=str(archive))


@pytest.fixture(scope="module")
def fig1(tmp_path_factory):
    outdir = tmp_path_factory.mktemp("hepdata") / "fig1"
    code = api_cli(["hepdata", "seed004_fig1", "--grid", str(GRID), "-o", str(outdir)])
    assert code == 0
    return outdir


def api_cli(argv):
    from nsifit.cli.main import main
    return main(argv)


def test_bounds_figure_submission_is_valid_with_one_table_per_layer(fig1):
    assert_valid(fig1)
    docs = documents(fig1 / "submission.yaml")
    tables = [d for d in docs if "data_file" in d]
    cfg = bounds.load_bounds_config(find_config("seed004_fig1"), grid=GRID)
    assert len(tables) == len(cfg.layers)
    assert "Gninenko and Gorbunov" in docs[0]["comment"]


def test_tables_carry_provenance_and_statistic(fig1):
    table = yaml.safe_load((fig1 / "layer_5_excluded.yaml").read_text())     # BaBar 4mu
    quals = {q["name"]: str(q["value"]) for q in table["dependent_variables"][0]["qualifiers"]}
    assert quals["model"] == "lmu_minus_ltau"
    assert quals["arXiv"] == "1606.03501" and "Phys. Rev. D 94 (2016) 011102" in quals["publication"]
    assert "1.642" in quals["statistic"] and "90% CL" in quals["CL"]        # one-sided Gaussian, 1.2816^2
    band = yaml.safe_load((fig1 / "layer_6_band.yaml").read_text())
    quals = {q["name"]: str(q["value"]) for q in band["dependent_variables"][0]["qualifiers"]}
    assert quals["dataset"] == "gm2_mu/bnl_fnal_2021_wp2020" and quals["arXiv"].startswith("2104.03281")
    # the band's centre and width: a_mu(exp) - a_mu(SM) = (116592061(41) - 116591810(43)) x 1e-11
    mean, sigma = quals["delta_a_mu mean +- sigma"].split(" +- ")
    assert float(mean) == pytest.approx(251e-11) and float(sigma) == pytest.approx(np.hypot(41, 43) * 1e-11, rel=1e-5)


def test_edges_are_the_region_boundary_of_the_grid(fig1):
    """The table's lower edge is, per x column, the smallest excluded y: the point below it is not excluded."""
    cfg = bounds.load_bounds_config(find_config("seed004_fig1"), grid=GRID)
    result = bounds.compute(cfg)
    i = 3                                                                  # CCFR trident
    x, low, high = layer_edges(result, i)
    region = result.region(i)
    y = cfg.y.values
    for xv, lo, hi in zip(x, low, high):
        col = region[:, np.argmin(abs(cfg.x.values - xv))]
        j = int(np.argmin(abs(y - lo)))
        assert col[j] and not col[:j].any() and col[int(np.argmin(abs(y - hi)))]
    assert len(x) > 0 and np.all(low <= high)
    table = yaml.safe_load((fig1 / "layer_4_excluded.yaml").read_text())
    written = [v["value"] for v in table["dependent_variables"][0]["values"]]
    assert np.allclose(written, low, rtol=1e-4)
    # the CCFR exclusion grows with the coupling: it reaches the top of the plot wherever it exists
    assert np.allclose(high, y[-1])


@pytest.fixture
def toy_profile_file(toy_site, tmp_path):
    cfg = write_config(tmp_path)
    out = tmp_path / "prof.h5"
    api.profile(str(cfg), ["m_zp:40:60:5"], output=out, starts=2)
    api.profile(str(cfg), ["m_zp:40:60:4", "epsilon:5e-4:1.5e-3:3"], output=out, starts=2)
    return out


def test_profile_submission_has_1d_and_2d_tables(toy_profile_file, tmp_path, capsys):
    outdir = tmp_path / "hd"
    code, out, err = cli(capsys, "hepdata", toy_profile_file, "-o", outdir)
    assert code == 0, err
    assert_valid(outdir)
    tables = {d["name"]: d for d in documents(outdir / "submission.yaml") if "data_file" in d}
    assert set(tables) == {"Profile m_zp", "Profile m_zp-epsilon"}
    one = yaml.safe_load((outdir / tables["Profile m_zp"]["data_file"]).read_text())
    x = [v["value"] for v in one["independent_variables"][0]["values"]]
    dchi2 = [v["value"] for v in one["dependent_variables"][0]["values"]]
    assert x == [40.0, 45.0, 50.0, 55.0, 60.0] and one["independent_variables"][0]["header"]["units"] == "MeV"
    # the toy Gaussian in m_zp (mean 50, sigma 5): Delta chi^2 = ((m - 50)/5)^2 with epsilon profiled
    assert np.allclose(dchi2, [4.0, 1.0, 0.0, 1.0, 4.0], atol=1e-3)
    two = yaml.safe_load((outdir / tables["Profile m_zp-epsilon"]["data_file"]).read_text())
    assert len(two["independent_variables"]) == 2 and len(two["dependent_variables"][0]["values"]) == 12
    assert api.bibliography(toy_profile_file) == api.bibliography(write_config(tmp_path, name="again.yaml"))


def test_rewriting_replaces_the_earlier_submission_and_keeps_other_directories(fig1, tmp_path, capsys):
    (fig1 / "layer_9_excluded.yaml").write_text("stale: true\n")
    stale = (fig1 / "submission.yaml").read_text() + "---\ndata_file: layer_9_excluded.yaml\n"
    (fig1 / "submission.yaml").write_text(stale)
    code, out, err = cli(capsys, "hepdata", "seed004_fig1", "--grid", "4", "-o", fig1)
    assert code == 0, err
    assert not (fig1 / "layer_9_excluded.yaml").exists()
    assert_valid(fig1)
    other = tmp_path / "notes"
    other.mkdir()
    (other / "mine.txt").write_text("keep")
    assert "not empty" in one_line(capsys, "hepdata", "seed004_fig1", "--grid", "4", "-o", other)
    assert (other / "mine.txt").read_text() == "keep"


def test_bad_inputs_are_one_line(tmp_path, capsys):
    assert "no bounds config" in one_line(capsys, "hepdata", tmp_path / "none.yaml", "-o", tmp_path / "o")
    assert "--grid" in one_line(capsys, "hepdata", "seed004_fig1", "--grid", "1", "-o", tmp_path / "o")


def test_layer_without_region_is_named_not_tabled(tmp_path):
    """BaBar's 4mu search starts at m_Z' = 2 m_mu: below 100 MeV it excludes nothing, the (g-2)mu band is there."""
    from nsifit.bounds.hepdata import bounds_submission
    from nsifit.errors import ConfigError
    spec = {"model": "lmu_minus_ltau", "x": {"name": "m_zp", "min": 1, "max": 100, "n": 6},
            "y": {"name": "g_zp", "min": 1e-4, "max": 1e-2, "n": 6},
            "layers": [{"likelihood": "babar_4mu", "label": "BaBar", "statistic": "one_sided_gaussian"},
                       {"likelihood": "gm2_mu", "kind": "band", "label": "g-2",
                        "options": {"dataset": "world_2025_wp2025"}}]}
    result = bounds.compute(bounds.load_bounds_config(spec))
    assert not result.region(0).any() and result.region(1).any()
    outdir, archive = bounds_submission(result, tmp_path / "hd")
    assert_valid(outdir)
    docs = documents(outdir / "submission.yaml")
    assert [d["name"] for d in docs if "data_file" in d] == ["Layer 2 band"]
    assert "no table): 1 (BaBar)" in docs[0]["comment"]
    spec["layers"] = spec["layers"][:1]
    with pytest.raises(ConfigError, match="nothing to write"):
        bounds_submission(bounds.compute(bounds.load_bounds_config(spec)), tmp_path / "none")
