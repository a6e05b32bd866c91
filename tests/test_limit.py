"""`nsifit limit`: profile-likelihood upper limits against the closed form of a toy rate with a profiled
nuisance, the JSON shape, null where the prior range holds no limit, storage and plotting, and the posterior
limits of a stored run."""

import json
import math

import numpy as np
import post_toy
import pytest
from cli_helpers import cli, one_line, write_config
from plugin_site import registered

from nsifit import api
from nsifit.io.profilefile import read_limits
from nsifit.io.weighted import read_weighted


@pytest.fixture
def toys(tmp_path, monkeypatch):
    yield from registered(post_toy.write_site(tmp_path), "nsifit_post_toy", monkeypatch)


@pytest.mark.parametrize("cl", [0.95, 0.90])
def test_profile_limit_equals_the_closed_form(toys, tmp_path, cl):
    """toy_rate: R = (eps/1e-3)^2 m/50 measured as 1 +- 1 with a nuisance shift b (prior 0 +- 0.5) profiled
    by MIGRAD: q = (R - 1)^2 / 1.25 above the best fit, so eps_up = 1e-3 sqrt((1 + z_cl sqrt(1.25)) 50 / m)."""
    result = api.limit(post_toy.rate_config(), "m_zp:10:150:3:log", "epsilon", cl=cl)
    # the log grid 10, sqrt(1500), 150
    values = np.geomspace(10, 150, 3)
    assert np.allclose(result["values"], values)
    for m, upper in zip(values, result["upper"]):
        assert upper == pytest.approx(post_toy.rate_limit(m, cl), rel=1e-4), (m, upper)
    assert result["threshold"] == pytest.approx((1.6448536 if cl == 0.95 else 1.2815516) ** 2, rel=1e-6)
    assert result["valid"].all()
    assert np.allclose(result["best_poi"], 1.0e-3 * np.sqrt(50.0 / values), rtol=1e-2)      # R_hat = r0 = 1


def test_json_shape_null_and_storage(toys, tmp_path, capsys):
    """eps_max = 1.2e-3: at m = 50 the largest rate 1.44 stays below 1 + 1.645 sqrt(1.25) = 2.84 -> null;
    at m = 100 and 150 the limit lies inside the prior."""
    cfg = write_config(tmp_path, post_toy.rate_config(eps_max=1.2e-3), name="rate.yaml")
    out = tmp_path / "limits.h5"
    code, text, err = cli(capsys, "limit", cfg, "--scan", "m_zp:50:150:3", "--poi", "epsilon", "--json", "-o", out)
    assert code == 0, err
    data = json.loads(text)
    assert list(data) == ["scan", "values", "poi", "upper", "cl"]
    assert data["scan"] == "m_zp" and data["poi"] == "epsilon" and data["cl"] == 0.95
    assert data["values"] == [50.0, 100.0, 150.0]
    assert data["upper"][0] is None
    for m, upper in zip(data["values"][1:], data["upper"][1:]):
        assert upper == pytest.approx(post_toy.rate_limit(m), rel=1e-4)
    (stored,) = read_limits(out)
    assert stored["name"] == "m_zp-epsilon" and stored["upper"] == data["upper"]
    png = tmp_path / "limits.png"
    code, text, _ = cli(capsys, "plot", out, "-o", png)
    assert code == 0 and png.stat().st_size > 1000
    api.profile(cfg, ["epsilon:1e-4:1.2e-3:4:log"], output=out, starts=2)       # a profile scan beside it
    assert read_limits(out)[0]["upper"] == data["upper"]
    both = tmp_path / "both.png"
    assert cli(capsys, "plot", out, "-o", both)[0] == 0 and both.stat().st_size > png.stat().st_size
    only = tmp_path / "only.png"
    assert cli(capsys, "plot", out, "--scan", "m_zp-epsilon", "-o", only)[0] == 0
    assert "nosuch" in one_line(capsys, "plot", out, "--scan", "nosuch")


def test_limit_errors_are_one_line(toys, tmp_path, capsys):
    cfg = write_config(tmp_path, post_toy.rate_config(), name="rate.yaml")
    assert "nosuch" in one_line(capsys, "limit", cfg, "--scan", "m_zp:10:100:3", "--poi", "nosuch")
    assert "differ" in one_line(capsys, "limit", cfg, "--scan", "m_zp:10:100:3", "--poi", "m_zp")
    assert "--cl" in one_line(capsys, "limit", cfg, "--scan", "m_zp:10:100:3", "--poi", "epsilon", "--cl", "1.5")
    assert "not both" in one_line(capsys, "limit", "--scan", "m_zp:10:100:3", "--poi", "epsilon")


def test_posterior_limits_from_runs(toys, tmp_path, capsys):
    """toy_gauss: epsilon ~ N(1e-3, 2e-4) independent of m_zp, so in every m_zp slice the 95% posterior
    upper limit is 1e-3 + 1.645 * 2e-4 = 1.329e-3 (within Monte Carlo error); also from a weighted file."""
    run = api.run(post_toy.config({"toy_gauss": {}, "toy_shift": {}}), output=tmp_path / "run.h5")
    code, text, err = cli(capsys, "limit", "--from-run", run.path, "--scan", "m_zp:45:57:3", "--poi", "epsilon",
                          "--json")
    assert code == 0, err
    assert "depend" in err and "prior" in err and len(err.strip().splitlines()) == 1
    data = json.loads(text)
    expected = 1.0e-3 + 1.6448536 * 2.0e-4
    for upper in data["upper"]:
        assert upper == pytest.approx(expected, abs=4 * 2.11 * 2e-4 / math.sqrt(300))
    post = api.post(run.path, drop=["toy_shift"], output=tmp_path / "post.h5")
    result = api.limit(None, "m_zp:45:57:3", "epsilon", from_run=post.path)
    assert len(result["upper"]) == 3 and all(u == pytest.approx(expected, rel=0.05) for u in result["upper"])
    assert read_weighted(post.path).ess > 1000
    sparse = api.limit(None, "m_zp:2:99:3", "epsilon", from_run=run.path)
    assert sparse["upper"][0] is None           # no samples near 2 MeV: no limit in that slice


def test_quickstart_limit_equals_a_brute_force_scan():
    """The quickstart model (mutau_baryon, tan_eta and c fixed; every built-in plugin of the example): the limit
    from root finding equals the crossing of q = 2.706 on a fine vectorized grid of log10 g_zp at fixed m_zp."""
    from nsifit.inference.config import load_config
    from nsifit.inference.posterior import Posterior
    from nsifit.inference.profile.scan import make_chi2
    result = api.limit("quickstart", "m_zp:10:100:2:log", "g_zp")
    chi2 = make_chi2(Posterior(load_config("quickstart")))
    u = np.linspace(-6, -2, 20001)
    for m, upper in zip(result["values"], result["upper"]):
        c = chi2(np.column_stack([np.full_like(u, math.log10(m)), u]))
        best = int(np.argmin(c))
        q = np.where(np.arange(len(u)) > best, c - c[best], 0.0)
        assert upper == pytest.approx(10 ** u[np.argmax(q >= 1.6448536 ** 2)], rel=1e-3), m
