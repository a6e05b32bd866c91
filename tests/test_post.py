"""`nsifit post`: importance reweighting of stored runs against direct runs and closed forms, the ESS
refusal, one-line errors, and summary / corner / export of the weighted file."""

import hashlib
import json
import math
import shutil

import h5py
import numpy as np
import post_toy
import pytest
from cli_helpers import cli, one_line
from plugin_site import registered

from nsifit import api
from nsifit.inference.weighted import pareto_khat, weighted_quantile
from nsifit.io.weighted import read_weighted, weighted_physical

Z95 = 1.6448536269514722


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two emcee runs of the toys: 'full' (toy_gauss x toy_shift) and 'direct' (toy_gauss only)."""
    root = tmp_path_factory.mktemp("post")
    with pytest.MonkeyPatch.context() as mp:
        for _ in registered(post_toy.write_site(root), "nsifit_post_toy", mp):
            out = {}
            for name, likelihoods in (("full", {"toy_gauss": {}, "toy_shift": {}}), ("direct", {"toy_gauss": {}})):
                out[name] = api.run(post_toy.config(likelihoods), output=root / f"{name}.h5")
            out["root"] = root
            yield out


def stats_of(samples, weights, name):
    x = samples[name]
    return float(np.sum(weights * x) / np.sum(weights)), float(weighted_quantile(x, weights, 0.95))


def chain_ess(run, name):
    return float(run.diagnostics["ess"][run.names.index(name)])


def assert_matches(post, run, mean_sigma):
    """Weighted means and 95% quantiles of `post` equal those of `run` within 4 Monte Carlo errors.

    Errors for a Gaussian marginal of width s: mean s / sqrt(ESS), 95% quantile 2.11 s / sqrt(ESS)
    (sqrt(q (1 - q)) / pdf(z_q)); the reweighted ESS is Kish's times the chain's ESS / samples."""
    s_post, s_run = post.samples(), run.samples()
    w = s_post["weight"]
    for name, sigma in mean_sigma.items():
        ess_post = post.ess * chain_ess(api.Run(post.data.info["source_path"]), name) / len(w)
        err = sigma * math.sqrt(1 / ess_post + 1 / chain_ess(run, name))
        (m1, q1), (m2, q2) = stats_of(s_post, w, name), stats_of(s_run, np.ones(len(s_run[name])), name)
        assert abs(m1 - m2) < 4 * err, (name, m1, m2, err)
        assert abs(q1 - q2) < 4 * 2.11 * err, (name, q1, q2, err)


def test_drop_reproduces_direct_run(runs, capsys):
    out = runs["root"] / "drop.h5"
    code, text, err = cli(capsys, "post", runs["full"].path, "--drop", "toy_shift", "-o", out)
    assert code == 0, err
    assert "effective sample size" in text and "recomputed: none" in text
    post = api.load(out)
    full_mean = float(np.mean(runs["full"].samples()["m_zp"]))
    assert abs(full_mean - 51.2) < 0.4          # the dropped likelihood moved the posterior (~10 MC errors)
    assert_matches(post, runs["direct"], {"m_zp": 5.0, "epsilon": 2.0e-4})
    m, q = stats_of(post.samples(), post.weights, "m_zp")
    assert abs(m - 50.0) < 0.4 and abs(q - (50.0 + Z95 * 5.0)) < 0.8      # the closed form
    info = read_weighted(out).info
    assert info["source_sha256"] == hashlib.sha256(runs["full"].path.read_bytes()).hexdigest()
    assert json.loads(info["changes"])["drop"] == ["toy_shift"]
    # w ~ 1/L_shift = exp((m - 56)^2 / 200) under m ~ N(51.2, 4.47): a power tail of shape 2 * 20 / 200 = 0.2
    assert info["pareto_k"] < 0.5
    with h5py.File(out, "r") as h5:
        assert "toy_shift" not in h5.attrs["config_yaml"] and "toy_gauss" in h5.attrs["config_yaml"]
        assert set(h5["post/loglike"]) == {"toy_gauss", "total"}
        assert h5["post/samples"].fletcher32 and h5["post/weights"].fletcher32


def test_add_and_change_reproduce_direct_runs(runs, capsys):
    added = runs["root"] / "added.h5"
    post = api.post(runs["direct"].path, add={"toy_shift": {}}, output=added)
    assert post.report["recomputed"] == ["toy_shift"]
    assert_matches(post, runs["full"], {"m_zp": 20.0 / math.sqrt(20), "epsilon": 2.0e-4})
    # a changed option: the run's toy_shift (56 +- 10) replaced by 52 +- 10 -> m_zp ~ N(50.4, 4.472)
    changed = runs["root"] / "changed.h5"
    code, _, err = cli(capsys, "post", runs["full"].path, "--add", "toy_shift:mean=52", "-o", changed)
    assert code == 0, err
    m, _ = stats_of(api.load(changed).samples(), api.load(changed).weights, "m_zp")
    assert abs(m - 50.4) < 0.4, m


def test_low_ess_is_refused_unless_forced(runs, capsys):
    out = runs["root"] / "far.h5"
    line = one_line(capsys, "post", runs["direct"].path, "--add", "toy_shift:mean=75,sigma=0.2", "-o", out)
    assert "effective sample size" in line and "--force" in line
    assert not out.exists()
    code, text, err = cli(capsys, "post", runs["direct"].path, "--add", "toy_shift:mean=75,sigma=0.2", "-o", out,
                          "--force")
    assert code == 0 and out.exists()
    assert "warning" in err and "effective sample size" in err
    assert read_weighted(out).ess < 50


@pytest.mark.parametrize("args, words", [
    (("--add", "toy_nosuch"), ("toy_nosuch",)),
    (("--drop", "gm2_mu"), ("gm2_mu", "not a likelihood of the run")),
    (("--dataset", "toy_gauss=nosuch_2030"), ("nosuch_2030",)),
    (("--dataset", "gm2_mu=bnl_fnal_2021_wp2020"), ("gm2_mu", "--add gm2_mu")),
    (("--add", "toy_shift:colour=red"), ("colour",)),
    ((), ("nothing to reweight",)),
])
def test_one_line_errors(runs, capsys, args, words):
    line = one_line(capsys, "post", runs["full"].path, *args, "-o", runs["root"] / "bad.h5")
    assert all(w in line for w in words), line
    assert not (runs["root"] / "bad.h5").exists()


def test_summary_corner_export_of_the_post_file(runs, capsys):
    out = runs["root"] / "for_tools.h5"
    api.post(runs["full"].path, drop=["toy_shift"], output=out)
    code, text, _ = cli(capsys, "summary", out)
    assert code == 0 and "weighted samples" in text and "effective sample size" in text
    code, text, _ = cli(capsys, "summary", out, "--json")
    s = json.loads(text)
    assert abs(s["params"]["m_zp"]["median"] - 50.0) < 0.5 and s["samples"] > s["ess"] > 1000
    assert set(s["best_fit"]["chi2"]) == {"toy_gauss"}
    png = runs["root"] / "corner.png"
    assert cli(capsys, "corner", out, runs["direct"].path, "-o", png)[0] == 0 and png.stat().st_size > 1000
    csv = runs["root"] / "post.csv"
    assert cli(capsys, "export", out, "--format", "csv", "-o", csv)[0] == 0
    header = csv.read_text().splitlines()[0].split(",")
    assert header[:4] == ["log_posterior", "m_zp", "epsilon", "weight"]
    root = runs["root"] / "gd"
    assert cli(capsys, "export", out, "-o", root)[0] == 0
    table = np.loadtxt(str(root) + ".txt")
    names, x, w = weighted_physical(out)
    columns = [line.split()[0] for line in (root.parent / "gd.paramnames").read_text().splitlines()]
    expected = np.column_stack([np.log10(x[:, i]) if c.startswith("log10_") else x[:, i]   # GetDist: log10 of
                                for i, c in enumerate(columns)])                            # log-uniform ones
    assert np.allclose(table[:, 0], w) and np.allclose(table[:, 2:], expected)


def test_weighted_reading_is_generic(runs, capsys):
    """A /nested group (another producer of weighted samples) is read by the same path."""
    src = runs["root"] / "generic_src.h5"
    api.post(runs["full"].path, drop=["toy_shift"], output=src)
    nested = runs["root"] / "nested.h5"
    shutil.copyfile(src, nested)
    with h5py.File(nested, "a") as h5:
        h5.move("post", "nested")
        h5["nested"].attrs["kind"] = "nested sampling"
    s = api.load(nested).summary()
    assert s["group"] == "nested" and s["kind"] == "nested sampling"
    assert abs(s["params"]["m_zp"]["median"] - 50.0) < 0.5
    with h5py.File(nested, "a") as h5:          # the minimal group: samples and weights only
        del h5["nested/log_prob"], h5["nested/loglike"]
    names, x, w = weighted_physical(nested)
    assert names == ["m_zp", "epsilon"] and x.shape == (len(w), 2) and w.sum() == pytest.approx(1.0)
    code, text, _ = cli(capsys, "summary", nested)
    assert code == 0 and "effective sample size" in text
    assert cli(capsys, "export", nested, "--format", "csv", "-o", runs["root"] / "nested.csv")[0] == 0
    assert cli(capsys, "corner", nested, "-o", runs["root"] / "nested.png")[0] == 0
    with h5py.File(nested, "a") as h5:
        h5["nested/weights"][0] = -1.0
    assert "non-negative" in one_line(capsys, "summary", nested)


def test_dataset_change_recomputes_that_plugin_only(tmp_path, capsys):
    """--dataset gm2_mu=...: the new file's log L of gm2_mu is the plugin with that dataset evaluated at the
    stored samples, and the weights are exp(new - old log L of gm2_mu), normalised."""
    from nsifit.inference.config import load_config
    from nsifit.inference.posterior import Posterior
    cfg = {"model": "dark_photon", "likelihoods": {"gm2_mu": {}, "na64_invisible": {}},
           "params": {"m_zp": {"prior": "log-uniform", "min": 1, "max": 100},
                      "epsilon": {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}},
           "sampler": {"walkers": 16, "steps": 60, "seed": 3, "progress": False}}
    run = api.run(cfg, output=tmp_path / "gm2.h5")
    out = tmp_path / "gm2_bnl.h5"
    code, text, err = cli(capsys, "post", run.path, "--dataset", "gm2_mu=bnl_fnal_2021_wp2020", "-o", out,
                          "--force")
    assert code == 0, err
    assert "recomputed: gm2_mu" in text
    new = read_weighted(out)
    old = run.samples(derived=["loglike_gm2_mu", "loglike_na64_invisible"])
    cfg["likelihoods"]["gm2_mu"] = {"dataset": "bnl_fnal_2021_wp2020"}
    posterior = Posterior(load_config(cfg))
    _, blobs = posterior.log_prob(new.samples)
    assert np.allclose(new.loglike["gm2_mu"], blobs["loglike_gm2_mu"], rtol=1e-12, atol=0)
    assert np.array_equal(new.loglike["na64_invisible"], old["loglike_na64_invisible"])     # not recomputed
    log_w = blobs["loglike_gm2_mu"] - old["loglike_gm2_mu"]
    assert np.allclose(new.weights, np.exp(log_w - log_w.max()) / np.exp(log_w - log_w.max()).sum(), rtol=1e-9)
    assert not np.allclose(log_w, log_w[0])           # the dataset change does move the weights
    assert "bnl_fnal_2021_wp2020" in str(new.attrs["config_yaml"])


def test_output_must_not_replace_the_run(runs, capsys):
    line = one_line(capsys, "post", runs["full"].path, "--drop", "toy_shift", "-o", runs["full"].path)
    assert "must not replace" in line


@pytest.mark.parametrize("k", [0.2, 0.5, 0.8])
def test_pareto_khat_recovers_the_tail_shape(k):
    """Weights drawn from a generalized Pareto distribution of shape k (inverse CDF ((1 - u)^-k - 1) / k)."""
    u = np.random.default_rng(1).uniform(size=40000)
    assert pareto_khat(((1 - u) ** -k - 1) / k) == pytest.approx(k, abs=0.1)
    assert math.isnan(pareto_khat(np.ones(100)))
