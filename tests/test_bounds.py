"""Exclusion planes (nsifit.bounds): derived-plane inversion, masks against direct log L, figure configs."""

import math
from pathlib import Path

import numpy as np
import pytest

import nsifit
from nsifit import bounds
from nsifit.cli.main import main
from nsifit.errors import ConfigError
from nsifit.physics import nsi
from nsifit.plots.bounds import draw, save
from nsifit.plugins import registry, stats

FIGURES = Path(__file__).resolve().parents[1] / "examples" / "figures"


def needs(*plugins):
    missing = [p for p in plugins if p not in registry.registry()]
    if missing:
        pytest.skip(f"plugins not installed: {', '.join(missing)}")


def base_config(**changes):
    cfg = {"model": "mutau_baryon", "params": {"c": -0.1, "tan_eta": -0.75},
           "x": {"name": "m_zp", "min": 5, "max": 100, "n": 9},
           "y": {"name": "g_zp", "min": 1e-5, "max": 1e-2, "n": 11},
           "layers": [{"likelihood": "gm2_mu", "kind": "band"}]}
    cfg.update(changes)
    return cfg


# --- the (eps_medium, tan_eta) plane -------------------------------------------------------------
@pytest.mark.parametrize("c", [-0.1, 2.0 / 3.0, -1.0])
def test_eps_medium_inversion_round_trips_through_model(c):
    eps = np.sign(-c) * np.array([0.05, 0.7, 2.0, 3.0])
    m_zp = np.array([5.0, 10.0, 30.0, 150.0])
    tan_eta = np.array([-0.75, 0.6, -3.0, 2.0])
    g_zp, valid = nsi.g_zp_from_eps_medium(eps, c, m_zp)
    assert valid.all()
    res = nsifit.evaluate("mutau_baryon", likelihoods=[], m_zp=m_zp, g_zp=g_zp, c=c, tan_eta=tan_eta)
    np.testing.assert_allclose(res["derived"]["eps_medium"], eps, rtol=1e-10)
    np.testing.assert_allclose(res["derived"]["tan_eta"], tan_eta, rtol=1e-10)


def test_eps_medium_inversion_reproduces_seed_eq16():
    # Bernal and Farzan eq. 16: LMA-Dark 2 < eps_seed < 3 <=> g_zp = (6.5 - 8.0)e-5 (m/10 MeV) (-1/c)^(1/2)
    g_zp, _ = nsi.g_zp_from_eps_medium(2.0 * np.array([2.0, 3.0]), -1.0, 10.0)   # seed -> global: x2
    np.testing.assert_allclose(g_zp, [6.5e-5, 8.0e-5], rtol=0.01)


def test_eps_medium_inversion_masks_wrong_sign():
    _, valid = nsi.g_zp_from_eps_medium([-1.0, 0.0, 1.0], -0.1, 30.0)
    assert valid.tolist() == [False, False, True]
    _, valid = nsi.g_zp_from_eps_medium([-1.0, 1.0], 2.0 / 3.0, 30.0)
    assert valid.tolist() == [True, False]


def test_seed_convention_axis_is_half_the_model_eps_medium():
    cfg = bounds.load_bounds_config(base_config(
        params={"m_zp": 30.0, "c": -0.1},
        x={"name": "eps_medium", "min": -1, "max": 3, "n": 7, "scale": "linear", "convention": "seed"},
        y={"name": "tan_eta", "min": -1, "max": 1, "n": 5, "scale": "linear"}))
    params, valid = bounds.grid_parameters(cfg)
    res = nsifit.evaluate("mutau_baryon", likelihoods=[], **params)
    axis = np.meshgrid(cfg.x.values, cfg.y.values)[0].ravel()
    np.testing.assert_allclose(res["derived"]["eps_medium"][valid] / 2.0, axis[valid], rtol=1e-10)
    assert not valid[axis <= 0].any() and not valid[params["tan_eta"] == 0].any()


# --- masks against the plugins' log-likelihoods --------------------------------------------------
def test_gm2_band_matches_two_sigma_of_the_gaussian_loglike():
    needs("gm2_mu")
    cfg = bounds.load_bounds_config(base_config(layers=[
        {"likelihood": "gm2_mu", "kind": "band", "options": {"dataset": "bnl_fnal_2021_wp2020"}},
        {"likelihood": "gm2_mu", "kind": "excess", "options": {"dataset": "bnl_fnal_2021_wp2020"}}]))
    res = bounds.compute(cfg)
    params, _ = bounds.grid_parameters(cfg)
    direct = nsifit.evaluate("mutau_baryon", likelihoods=["gm2_mu"],
                             options={"gm2_mu": {"dataset": "bnl_fnal_2021_wp2020"}}, **params)
    chi2 = (-2 * direct["loglike"]["gm2_mu"]).reshape(res.region(0).shape)
    above = (direct["derived"]["delta_a_mu"] > 251e-11).reshape(chi2.shape)
    np.testing.assert_array_equal(res.region(0), chi2 < 4)
    np.testing.assert_array_equal(res.region(1), (chi2 > 4) & above)
    assert res.region(0).any() and res.region(1).any()


@pytest.mark.parametrize("plugin, point", [
    ("na62_kmunu", {"m_zp": 12.0, "g_zp": 9e-3}),
    ("na64_invisible", {"m_zp": 10.0, "g_zp": 3e-3}),
    ("borexino_7be", {"m_zp": 10.0, "g_zp": 3e-3}),
    ("na48_2", {"m_zp": 30.0, "g_zp": 2e-2}),
])
def test_excluded_region_has_delta_chi2_above_threshold(plugin, point):
    needs(plugin)
    cfg = bounds.load_bounds_config(base_config(
        x={"name": "m_zp", "min": point["m_zp"] / 2, "max": point["m_zp"] * 2, "n": 3},
        y={"name": "g_zp", "min": 1e-6, "max": point["g_zp"], "n": 2},
        layers=[{"likelihood": plugin}]))
    res = bounds.compute(cfg)
    layer = cfg.layers[0]
    ll = nsifit.evaluate("mutau_baryon", likelihoods=[plugin], c=-0.1, tan_eta=-0.75,
                         m_zp=point["m_zp"], g_zp=[point["g_zp"], 1e-12])["loglike"][plugin]
    delta = -2 * (ll[0] - ll[1])
    assert delta > layer.threshold, f"{plugin}: test point not inside the exclusion"
    assert res.region(0)[1, 1]                     # (m_zp, g_zp) = the point: excluded
    assert not res.region(0)[0, 1]                 # g_zp = 1e-6: allowed


def test_thresholds_are_the_plugins_90cl_definitions():
    assert bounds.STATISTICS["poisson_zero"][0] == pytest.approx(4.605, abs=1e-3)
    assert bounds.STATISTICS["chi2_1dof"][0] == pytest.approx(2.706, abs=1e-3)
    assert bounds.STATISTICS["one_sided_gaussian"][0] == pytest.approx(1.642, abs=1e-3)
    needs("na62_kmunu")
    layer = bounds.load_bounds_config(base_config(layers=[
        {"likelihood": "na62_kmunu", "options": {"construction": "poisson_zero_count"}}])).layers[0]
    assert layer.threshold == pytest.approx(2 * math.log(10))
    default = bounds.load_bounds_config(base_config(layers=[{"likelihood": "na62_kmunu"}])).layers[0]
    assert default.statistic == "one_sided_gaussian"          # the plugin's declared default construction
    assert default.threshold == pytest.approx(stats.ONE_SIDED_Z90 ** 2)


# --- expressions, configs, CLI -----------------------------------------------------------------
@pytest.mark.parametrize("text, factor", [("m_zp/3", 1 / 3), ("m_zp * 0.5", 0.5), ("2*m_zp", 2.0)])
def test_expression_parser_accepts_axis_times_number(text, factor):
    assert bounds.parse_expression(text, ("m_zp", "g_zp")) == ("m_zp", pytest.approx(factor))


@pytest.mark.parametrize("text", ["m_zp + 3", "__import__('os')", "m_zp/0", "c_phi*2", "3/m_zp"])
def test_expression_parser_rejects_anything_else(text):
    with pytest.raises(ConfigError):
        bounds.parse_expression(text, ("m_zp", "g_zp"))


@pytest.mark.parametrize("change, words", [
    ({"colour": "red"}, "colour"),
    ({"x": {"name": "m_z", "min": 5, "max": 100}}, "m_zp"),
    ({"x": {"name": "m_zp", "min": 5, "max": 100, "scale": "logarithmic"}}, "linear"),
    ({"x": {"name": "m_zp", "min": 100, "max": 5}}, "min < max"),
    ({"layers": [{"likelihood": "gm2"}]}, "gm2_mu"),
    ({"layers": [{"likelihood": "gm2_mu", "kind": "shaded"}]}, "excluded"),
    ({"model": "lmu_minus_ltau", "params": {},
      "x": {"name": "eps_medium", "min": 0.1, "max": 3}}, "mutau_baryon"),
    ({"params": {"c": -0.1, "tan_eta": -0.75, "m_phi": {"expr": "m_zp ** 2"}}}, "axis * number"),
    ({"params": {"c": -0.1, "tan_eta": -0.75, "m_phy": 10}}, "m_phi"),
    ({"layers": [{"likelihood": "gm2_mu", "options": ["dataset"]}]}, "mapping"),
    ({"x": {"name": "m_zp", "min": 5, "max": 100, "n": "many"}}, "x.n"),
    ({"layers": [{"combine": {"gm2": {}}}]}, "gm2_mu"),
    ({"layers": [{"combine": {"gm2_mu": {}}, "kind": "band"}]}, "excluded"),
    ({"layers": [{"combine": {"gm2_mu": {}}, "likelihood": "gm2_mu"}]}, "combine"),
    ({"layers": [{"combine": {"gm2_mu": ["dataset"]}}]}, "mapping"),
    ({"layers": [{"combine": []}]}, "non-empty mapping"),
])
def test_bad_config_is_a_one_line_error(change, words):
    needs("gm2_mu")
    with pytest.raises(ConfigError) as err:
        bounds.load_bounds_config(base_config(**change))
    assert words in str(err.value) and "\n" not in str(err.value)


def test_cli_bad_config_exits_2_with_one_line(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: mutau_baryon\nx: {name: m_zp, min: 5, max: 100}\n")
    assert main(["bounds", str(bad), "-o", str(tmp_path / "out.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert "missing 'y'" in err and len(err.splitlines()) == 1
    assert main(["bounds", "no_such_figure"]) == 2
    assert "seed000_fig1_left" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("path", sorted(FIGURES.glob("*.yaml")), ids=lambda p: p.stem)
def test_figure_config_renders_at_coarse_grid(path, tmp_path):
    import yaml
    raw = yaml.safe_load(path.read_text())
    combined = (raw.get("profile") or {}).get("likelihoods", {})
    needs(*{layer["likelihood"] for layer in raw["layers"] if "likelihood" in layer}, *combined,
          *{name for layer in raw["layers"] for name in layer.get("combine", {})})
    cfg = bounds.load_bounds_config(path, grid=10)
    result = bounds.compute(cfg)
    assert any(result.region(i).any() for i in range(len(cfg.layers)))
    if cfg.profile is not None:
        result.profile = bounds.compute_profile(cfg, grid=4)
        assert np.isfinite(result.profile[2]).any() and np.nanmin(result.profile[2]) >= -1e-9
    out = save(draw(result), tmp_path / f"{path.stem}.png")
    assert out.stat().st_size > 10_000 and out.read_bytes()[:4] == b"\x89PNG"
    assert [p.name for p in tmp_path.iterdir()] == [out.name]          # atomic: no temp file left


# --- combined likelihood layer ----------------------------------------------------------------
def test_combined_layer_sums_the_delta_chi2_of_its_plugins():
    """combine: Delta chi^2 = sum_i -2 (log L_i - log L_i(no signal)), a plugin with two datasets counted
    twice, the 95% threshold 3.84; the members share the single-plugin cache of the other layers."""
    needs("ccfr_trident", "borexino_7be")
    cfg = bounds.load_bounds_config({
        "model": "lmu_minus_ltau", "x": {"name": "m_zp", "min": 10, "max": 1000, "n": 4},
        "y": {"name": "g_zp", "min": 1e-4, "max": 1e-2, "n": 5},
        "layers": [{"likelihood": "ccfr_trident"},
                   {"combine": {"borexino_7be": {}, "ccfr_trident": [{}, {"dataset": "charm2_1990"}]},
                    "statistic": "chi2_1dof_95", "label": "both"}]})
    layer = cfg.layers[1]
    assert layer.threshold == pytest.approx(3.841, abs=1e-3) and layer.label == "both"
    assert [m[0] for m in layer.members] == ["borexino_7be", "ccfr_trident", "ccfr_trident"]
    res = bounds.compute(cfg)
    params, _ = bounds.grid_parameters(cfg)
    total = np.zeros(len(params["m_zp"]))
    for name, options in layer.members:
        opts = {name: options} if options else None
        ll = nsifit.evaluate("lmu_minus_ltau", likelihoods=[name], options=opts, **params)["loglike"][name]
        ref = nsifit.evaluate("lmu_minus_ltau", likelihoods=[name], options=opts, m_zp=params["m_zp"],
                              g_zp=1e-12)["loglike"][name]
        total += -2 * (ll - ref)
    z, low, high = res.fields[1]
    np.testing.assert_allclose(z.ravel(), total, rtol=1e-10, atol=1e-10)
    assert (low, high) == (layer.threshold, np.inf)
    assert res.region(1).any() and not res.region(1).all()


def test_combined_layer_receives_the_figure_gm2_dataset():
    needs("gm2_mu")
    cfg = bounds.load_bounds_config(base_config(gm2_dataset="bnl_fnal_2021_wp2020",
                                                layers=[{"combine": {"gm2_mu": None}}]))
    assert cfg.layers[0].members == (("gm2_mu", {"dataset": "bnl_fnal_2021_wp2020"}),)


# --- combined profile overlay ----------------------------------------------------------------
def test_profile_config_frees_epsilon_instead_of_tan_eta():
    cfg = bounds.load_bounds_config(base_config(profile={
        "params": {"epsilon": {"prior": "uniform", "min": -1e-3, "max": 1e-3}}}))
    run = bounds.profile_config(cfg)
    assert "tan_eta" not in run["params"] and run["params"]["c"] == -0.1
    assert run["params"]["g_zp"] == {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}


def test_profile_of_gm2_alone_is_zero_where_epsilon_can_reach_the_band():
    """g_mu = g_zp - e eps: with eps free in [-2e-3, 2e-3] (|e eps| up to 6.1e-4), Delta a_mu can be put
    on the measured mean everywhere with g_zp <= 3e-4 at 10-20 MeV (g_mu ~ 5-6e-4 needed): the profile
    is flat at Delta chi^2 = 0 (both signs of eps inside one prior range)."""
    needs("gm2_mu")
    cfg = bounds.load_bounds_config(base_config(
        x={"name": "m_zp", "min": 10, "max": 20, "n": 2},
        y={"name": "g_zp", "min": 1e-5, "max": 3e-4, "n": 3},
        profile={"params": {"epsilon": {"prior": "uniform", "min": -2e-3, "max": 2e-3}},
                 "likelihoods": {"gm2_mu": {"dataset": "bnl_fnal_2021_wp2020"}}}))
    x, y, dchi2, levels = bounds.compute_profile(cfg, grid=3)
    assert set(levels.values()) == {2.30, 5.99} and dchi2.shape == (len(y), len(x))
    np.testing.assert_allclose(dchi2, 0.0, atol=1e-3)


def test_gm2_dataset_of_the_figure_reaches_every_gm2_layer():
    needs("gm2_mu")
    cfg = bounds.load_bounds_config(base_config(gm2_dataset="bnl_fnal_2021_wp2020"))
    assert cfg.layers[0].options == {"dataset": "bnl_fnal_2021_wp2020"}
    with pytest.raises(ConfigError, match="differs from gm2_dataset"):
        bounds.load_bounds_config(base_config(gm2_dataset="bnl_fnal_2021_wp2020", layers=[
            {"likelihood": "gm2_mu", "kind": "band", "options": {"dataset": "world_2025_wp2025"}}]))


def test_cli_writes_pdf_by_extension_and_refuses_others(tmp_path, capsys):
    needs("gm2_mu", "solar_lma")
    out = tmp_path / "fig2.pdf"
    assert main(["bounds", "seed000_fig2_without_phi", "--grid", "6", "-o", str(out)]) == 0
    assert out.read_bytes()[:4] == b"%PDF"
    assert main(["bounds", "seed000_fig2_without_phi", "--grid", "6", "-o", str(tmp_path / "f.svg")]) == 2
    assert ".png, .pdf" in capsys.readouterr().err


# --- figure style -----------------------------------------------------------------------------
def test_every_experiment_has_its_own_colour_and_line_style():
    from nsifit.plots.style import EXPERIMENTS, FALLBACK
    pairs = [(colour, style) for colour, style, _, _ in EXPERIMENTS.values()]
    assert len(set(pairs)) == len(pairs)
    assert not set(FALLBACK) & set(pairs)                   # a third-party plugin never looks like a built-in


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_three_overlapping_fills_are_hatched_instead_of_stacked(tmp_path):
    """Where CROWDED or more filled regions overlap, their fills are masked and the overlap hatched."""
    from nsifit.plots.style import CROWDED
    needs("borexino_7be", "na64_invisible", "cevns_coherent", "ccfr_trident")
    cfg = bounds.load_bounds_config(FIGURES / "b_minus_l_summary.yaml", grid=16)
    result = bounds.compute(cfg)
    filled = [i for i, layer in enumerate(cfg.layers) if layer.kind == "excluded"]
    crowded = sum(result.region(i).astype(int) for i in filled) >= CROWDED
    assert crowded.any() and not crowded.all()
    fig = draw(result)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert f"excluded by {CROWDED} or more of the above" in labels


# --- combined upper-limit overlay ------------------------------------------------------------------
def test_limit_overlay_is_the_limit_of_nsifit_limit(tmp_path):
    """The `limit` overlay of the quickstart figure on a 2-point scan equals `nsifit limit` on the quickstart
    run config (same likelihoods, c and tan_eta fixed, g_zp prior 1e-6..1e-2) at 10 and 100 MeV, and draws."""
    from nsifit import api
    from nsifit.inference.config import load_config
    cfg = bounds.load_bounds_config(FIGURES / "quickstart_limit.yaml", grid=5)
    cfg.x.min, cfg.x.max = 10.0, 100.0
    x, upper, label = bounds.compute_limit(cfg, grid=2)
    ref = api.limit("examples/quickstart.yaml", "m_zp:10:100:2:log", "g_zp")
    np.testing.assert_allclose(x, [10.0, 100.0])
    np.testing.assert_allclose(upper, ref["upper"], rtol=1e-4)
    assert label == "combined likelihood, 95% CL upper limit"
    run = bounds.limit_config(cfg)
    assert run["params"]["g_zp"] == {"prior": "log-uniform", "min": 1e-6, "max": 1e-2}
    assert run["params"]["tan_eta"] == -0.75
    assert run["likelihoods"] == load_config("examples/quickstart.yaml").likelihoods
    result = bounds.compute(cfg)
    result.limit = (x, upper, label)
    fig = draw(result)
    save(fig, tmp_path / "limit.png")
    import matplotlib.pyplot as plt
    plt.close(fig)
    assert (tmp_path / "limit.png").stat().st_size > 1000


def test_limit_overlay_checks_its_keys():
    with pytest.raises(ConfigError, match="limit"):
        bounds.limit_config(bounds.load_bounds_config(base_config(limit={"levels": [2.71]})))
    cfg = bounds.load_bounds_config(base_config(limit={"n": 3}, params={"c": -0.1, "tan_eta": {"expr": "m_zp/3"}}))
    with pytest.raises(ConfigError, match="no 'expr' parameters"):
        bounds.limit_config(cfg)
