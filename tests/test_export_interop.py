"""Exports other tools read: GetDist (log10 columns, .ranges: no limit leaks past a prior edge), ArviZ
(walkers as chains, one log-likelihood per plugin), emcee's HDFBackend (the chain bit for bit), CSV
(--thin), and `summary --latex`. The numbers other tools compute agree with `nsifit summary`."""

import json
import math
import re

import numpy as np
import pytest
import sampling_toy as toy
from cli_helpers import cli, one_line, write_config

from nsifit import api
from nsifit.io.arviz_export import accepted_steps

M_LOW, M_HIGH = 45.0, 1000.0        # m_zp prior: the toy Gaussian (50 +- 5 MeV) piles up at the lower edge
E_LOW, E_HIGH = 1.0e-5, 1.0e-1      # epsilon prior: the toy Gaussian (1e-3 +- 2e-4) is two-sided inside
SIGMA_LOG_EPS = 0.10                # sd of log10(epsilon) of the toy posterior (numerical integral: 0.1006)


def log10_eps_mean():
    """E[log10 epsilon] of the toy posterior (Gaussian likelihood in epsilon, prior flat in log10
    epsilon), by a numerical integral over log10 epsilon (a second route to the sampled mean)."""
    u = np.linspace(-4.0, -2.0, 200001)
    w = np.exp(-0.5 * ((10 ** u - toy.MEAN["epsilon"]) / toy.SIGMA["epsilon"]) ** 2)
    return float(np.sum(u * w) / np.sum(w))


@pytest.fixture
def toy_run(toy_site, tmp_path, capsys):
    """A toy run with log-uniform priors; its summary (--json) from the CLI."""
    config = toy.config(walkers=32, steps=600, seed=3)
    config["params"] = {"m_zp": {"prior": "log-uniform", "min": M_LOW, "max": M_HIGH},
                        "epsilon": {"prior": "log-uniform", "min": E_LOW, "max": E_HIGH}}
    out = tmp_path / "toy.h5"
    api.run(str(write_config(tmp_path, config)), output=out)
    code, text, err = cli(capsys, "summary", out, "--json")
    assert code == 0, err
    return api.Run(out), json.loads(text)


def test_getdist_export_keeps_limits_inside_the_prior_and_agrees_with_summary(toy_run, tmp_path, capsys):
    from getdist import loadMCSamples
    run, summary = toy_run
    code, _, err = cli(capsys, "export", run.path, "--format", "getdist", "-o", tmp_path / "gd" / "toy",
                       "--derived", "loglike_total")
    assert code == 0, err
    names = (tmp_path / "gd" / "toy.paramnames").read_text().splitlines()
    assert names == ["log10_m_zp\t\\log_{10}(m_{Z'}/\\mathrm{MeV})", "log10_epsilon\t\\log_{10} \\epsilon",
                     "loglike_total*\t\\mathrm{loglike\\_total}"]
    samples = loadMCSamples(str(tmp_path / "gd" / "toy"), settings={"ignore_rows": 0})
    assert samples.ranges.getLower("log10_m_zp") == pytest.approx(math.log10(M_LOW))
    assert samples.ranges.getUpper("log10_epsilon") == pytest.approx(math.log10(E_HIGH))
    assert samples.numrows == len(run.samples()["m_zp"])                    # burn-in dropped as summary does
    # walker by walker: GetDist sees the autocorrelation (effective samples well below the rows)
    assert np.allclose(samples.samples[:3, 0], run.data.chain[summary["burn_in"]:summary["burn_in"] + 3, 0, 0],
                       rtol=1e-11, atol=0)
    assert samples.getEffectiveSamples(1) < 0.5 * samples.numrows
    stats = samples.getMargeStats()
    for name, (low, high) in {"log10_m_zp": (M_LOW, M_HIGH), "log10_epsilon": (E_LOW, E_HIGH)}.items():
        for lim in stats.parWithName(name).limits:                           # 68, 95, 99%: inside the prior
            assert math.log10(low) - 1e-9 <= lim.lower <= lim.upper <= math.log10(high) + 1e-9
    m, eps = summary["params"]["m_zp"], summary["params"]["epsilon"]
    assert m["limit"]["type"] == "upper"                                    # piled at the lower edge
    assert stats.parWithName("log10_m_zp").limits[1].lower == pytest.approx(math.log10(M_LOW))
    gd_eps = samples.getParams().log10_epsilon
    # sample quantiles: the same samples as the summary
    assert samples.confidence(gd_eps, 0.5, upper=False) == pytest.approx(math.log10(eps["median"]), abs=1e-3)
    assert samples.confidence(gd_eps, 0.025, upper=False) == pytest.approx(math.log10(eps["interval_95"][0]),
                                                                           abs=1e-3)
    assert samples.confidence(gd_eps, 0.025, upper=True) == pytest.approx(math.log10(eps["interval_95"][1]),
                                                                          abs=1e-3)
    # GetDist's density-based 95% limits: within Monte Carlo error (0.3 sd) of the summary's
    gd95 = stats.parWithName("log10_epsilon").limits[1]
    assert gd95.lower == pytest.approx(math.log10(eps["interval_95"][0]), abs=0.3 * SIGMA_LOG_EPS)
    assert gd95.upper == pytest.approx(math.log10(eps["interval_95"][1]), abs=0.3 * SIGMA_LOG_EPS)
    assert samples.mean("log10_epsilon") == pytest.approx(np.mean(np.log10(run.samples()["epsilon"])), rel=1e-9)
    assert samples.mean("log10_epsilon") == pytest.approx(log10_eps_mean(), abs=0.15 * SIGMA_LOG_EPS)


def test_arviz_export_has_walkers_as_chains_and_one_log_likelihood_per_plugin(toy_run, tmp_path, capsys):
    import arviz as az
    run, summary = toy_run
    code, _, err = cli(capsys, "export", run.path, "--format", "arviz", "-o", tmp_path / "toy.nc",
                       "--derived", "ctau_cm")
    assert code == 0, err
    data = az.from_netcdf(tmp_path / "toy.nc")
    burn = summary["burn_in"]
    post = data.posterior
    assert dict(post.sizes) == {"chain": 32, "draw": 600 - burn}
    assert set(post.data_vars) == {"m_zp", "log10_m_zp", "epsilon", "log10_epsilon", "ctau_cm"}
    assert list(data.log_likelihood.data_vars) == ["toy_gauss"]
    assert np.array_equal(post["log10_m_zp"].values, run.data.chain[burn:, :, 0].T)
    table = az.summary(data, var_names=["m_zp", "log10_epsilon"], kind="stats")
    samples = run.samples()
    assert table.loc["m_zp", "mean"] == pytest.approx(np.mean(samples["m_zp"]), rel=1e-3)
    assert table.loc["log10_epsilon", "mean"] == pytest.approx(log10_eps_mean(), abs=0.15 * SIGMA_LOG_EPS)
    assert np.array_equal(data.sample_stats["lp"].values, run.data.log_prob[burn:].T)
    # a rejected emcee move leaves the walker in place: the moves after step 0 are the accepted ones
    moved = accepted_steps(run.data.chain, 0)[:, 1:].sum(axis=1)
    assert np.all((run.data.accepted - 1 <= moved) & (moved <= run.data.accepted))
    assert data.sample_stats["accepted"].mean() == pytest.approx(summary["acceptance"], abs=0.02)


def test_emcee_export_reads_back_with_emcee_hdf_backend(toy_run, tmp_path, capsys):
    import emcee
    run, _ = toy_run
    code, _, err = cli(capsys, "export", run.path, "--format", "emcee", "-o", tmp_path / "e.h5")
    assert code == 0, err
    backend = emcee.backends.HDFBackend(str(tmp_path / "e.h5"), read_only=True)
    assert np.array_equal(backend.get_chain(), run.data.chain)
    assert np.array_equal(backend.get_log_prob(), run.data.log_prob)
    assert np.array_equal(backend.accepted, run.data.accepted)
    blobs = backend.get_blobs()
    assert blobs.dtype.names == ("loglike_toy_gauss", "loglike_total")
    assert np.array_equal(blobs["loglike_total"], run.data.blobs["loglike_total"])
    burn = run.diagnostics["burn_in"]
    assert np.allclose(10 ** backend.get_chain(discard=burn, flat=True)[:, 0], run.samples()["m_zp"], rtol=1e-14)
    assert "do not apply to --format emcee" in one_line(capsys, "export", run.path, "--format", "emcee",
                                                         "-o", tmp_path / "f.h5", "--thin", "2")


def test_csv_export_thins_and_keeps_parameters_and_log_likelihoods(toy_run, tmp_path, capsys):
    run, summary = toy_run
    code, _, err = cli(capsys, "export", run.path, "--format", "csv", "-o", tmp_path / "t.csv", "--thin", "7")
    assert code == 0, err
    lines = (tmp_path / "t.csv").read_text().splitlines()
    assert lines[0] == "log_posterior,m_zp,epsilon,loglike_toy_gauss,loglike_total"
    kept = math.ceil((600 - summary["burn_in"]) / 7)
    table = np.loadtxt(tmp_path / "t.csv", delimiter=",", skiprows=1)
    assert table.shape == (kept * 32, 5)
    expected = run.samples()["m_zp"].reshape(-1, 32)[::7].reshape(-1)
    assert np.allclose(table[:, 1], expected, rtol=1e-9, atol=0)
    assert "--thin must be a positive integer" in one_line(capsys, "export", run.path, "--format", "csv", "-o",
                                                          tmp_path / "u.csv", "--thin", "0")


def test_summary_latex_table_one_row_per_parameter(toy_run, capsys):
    run, summary = toy_run
    code, text, err = cli(capsys, "summary", run.path, "--latex")
    assert code == 0, err
    lines = text.splitlines()
    body = lines[lines.index("\\midrule") + 1:lines.index("\\bottomrule")]
    assert len(body) == 2 and all(row.endswith("\\\\") and row.count("&") == 2 for row in body)
    assert body[0].startswith("$m_{Z'}$ [MeV] & $< ")                        # the one-sided 95% limit
    found = re.match(r"\$\\epsilon\$ & \$\((\d\.\d)\^\{\+(\d\.\d)\}_\{-(\d\.\d)\}\)\\times 10\^\{(-\d)\}\$", body[1])
    eps = summary["params"]["epsilon"]                                       # median^{+up}_{-down} x 10^n
    median, up, down = (float(x) * 10.0 ** int(found.group(4)) for x in found.group(1, 2, 3))
    assert median == pytest.approx(eps["median"], abs=0.05 * 10.0 ** int(found.group(4)))
    assert up == pytest.approx(eps["interval_68"][1] - eps["median"], abs=0.05 * 10.0 ** int(found.group(4)))
    assert down == pytest.approx(eps["median"] - eps["interval_68"][0], abs=0.05 * 10.0 ** int(found.group(4)))
    assert "dark\\_photon" in text and "dark_photon" not in text.replace("dark\\_photon", "")
    for env in ("table", "tabular"):
        assert text.count(f"\\begin{{{env}}}") == text.count(f"\\end{{{env}}}") == 1
    assert text.index("\\toprule") < text.index("\\midrule") < text.index("\\bottomrule")


def test_latex_numbers_and_escaping():
    from nsifit.inference.latex_table import asymmetric, escape, latex_table, number
    assert [number(x) for x in (0.031, 12.0, 4.5e-6, 9.96e-5, 199.7, -3.2e-7)] == \
        ["0.031", "12", "4.5\\times 10^{-6}", "1.0\\times 10^{-4}", "200", "-3.2\\times 10^{-7}"]
    assert asymmetric(50.0, 45.2, 54.9) == "50.0^{+4.9}_{-4.8}"
    assert asymmetric(5.1e-4, 4.9e-4, 5.4e-4) == "(5.10^{+0.30}_{-0.20})\\times 10^{-4}"
    assert escape("a_b & 5% {x}") == "a\\_b \\& 5\\% \\{x\\}"
    two = {"unit": "", "limit": None, "multimodal": True, "hdi_95": [[1e-6, 2e-6], [3e-4, 5e-4]],
           "median": 1e-5, "interval_68": [1e-6, 4e-4], "best_fit": 4e-4}
    summary = {"model": "my_model", "steps": 10, "walkers": 4, "burn_in": 2, "n_obs": 3,
               "best_fit": {"chi2_total": 1.0}, "params": {"g_x": two}}
    row = [r for r in latex_table(summary, {}).splitlines() if r.startswith("$g")][0]
    assert row == ("$g\\_x$ & $[1.0\\times 10^{-6}, 2.0\\times 10^{-6}] \\cup [3.0\\times 10^{-4}, "
                   "5.0\\times 10^{-4}]\\ (95\\%)$ & $4.00\\times 10^{-4}$ \\\\")
