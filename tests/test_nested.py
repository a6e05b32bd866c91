"""Nested sampling (nautilus engine): log Z against closed forms, weighted posteriors, resume, Bayes factors.

Targets on the dark_photon model with toy plugins (tests/sampling_toy.py):
- a Gaussian likelihood in a uniform box: Z = prod_i [sqrt(2 pi) sigma_i / (b_i - a_i)] *
  [Phi((b_i - mu_i)/sigma_i) - Phi((a_i - mu_i)/sigma_i)] (the likelihood is unnormalised, peak 1);
- a likelihood flat over two thirds of the box, falling as a logistic step at epsilon = A (the shape of
  an upper limit): L = 1 / (1 + exp((epsilon - A)/S)), whose integral over [0, E] is
  E - S ln(1 + e^((E - A)/S)) + S ln(1 + e^(-A/S)); with a truncated-gaussian prior on m_zp
  (the likelihood does not depend on it: Z is the epsilon factor alone, the m_zp marginal is the prior).
"""

import json
import math

import numpy as np
import pytest
import sampling_toy as toy
from cli_helpers import cli, one_line, write_config
from plugin_site import registered, write_distribution
from scipy.integrate import quad
from scipy.stats import norm, truncnorm

from nsifit import api
from nsifit.errors import ConfigError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import nested
from nsifit.io.lock import lock_path
from nsifit.io.runread import read_run

FAST = {"engine": "nested", "live_points": 200, "batch": 200, "effective_samples": 1000, "seed": 3}
STEP_AT, STEP_WIDTH, EPS_MAX = 2.0e-3, 5.0e-5, 3.0e-3
FLOOR = 0.02          # log Z tolerance on top of 3 stated sigma (the error is an estimate)

STEP_MODULE = f'''
import numpy as np
from nsifit.plugins.base import Likelihood

class ToyStep(Likelihood):
    """Flat below epsilon = {STEP_AT}, a logistic fall above (an upper limit's shape)."""
    name = "toy_step"
    requires = ("epsilon",)
    def loglike(self, obs):
        return -np.logaddexp(0.0, (np.asarray(obs["epsilon"]) - {STEP_AT}) / {STEP_WIDTH})
'''


@pytest.fixture
def step_site(tmp_path, monkeypatch):
    site = write_distribution(tmp_path / "step_site", "nsifit_toy_step", STEP_MODULE,
                              {"toy_step": "nsifit_toy_step:ToyStep"})
    yield from registered(site, "nsifit_toy_step", monkeypatch)


def gauss_log_z(box):
    total = 0.0
    for name, (low, high) in box.items():
        mu, sigma = toy.MEAN[name], toy.SIGMA[name]
        mass = norm.cdf((high - mu) / sigma) - norm.cdf((low - mu) / sigma)
        total += math.log(math.sqrt(2 * math.pi) * sigma * mass / (high - low))
    return total


def step_integral(e):
    return e - STEP_WIDTH * np.logaddexp(0.0, (e - STEP_AT) / STEP_WIDTH) + STEP_WIDTH * np.logaddexp(
        0.0, -STEP_AT / STEP_WIDTH)


def step_config(**sampler):
    return {"model": "dark_photon",
            "params": {"m_zp": {"prior": "gaussian", "mean": 50.0, "sigma": 10.0, "min": 45.0, "max": 100.0},
                       "epsilon": {"prior": "uniform", "min": 0.0, "max": EPS_MAX}},
            "likelihoods": {"toy_step": {}}, "sampler": dict(FAST, progress=False, **sampler)}


def run_nested(cfg, out, **kwargs):
    config = load_config(cfg, {"output": str(out)})
    return nested.run(config, Posterior(config), **kwargs)


def test_log_uniform_prior_log_z_against_quadrature(toy_site, tmp_path):
    cfg = toy.config(**FAST)
    cfg["params"]["epsilon"] = {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}
    result = run_nested(cfg, tmp_path / "log.h5")
    mu, sigma = toy.MEAN["epsilon"], toy.SIGMA["epsilon"]
    # prior flat in u = log10(eps) on [-5, -2]: Z_eps = (1/3) int exp(-(10^u - mu)^2 / 2 sigma^2) du
    z_eps = quad(lambda u: math.exp(-0.5 * ((10 ** u - mu) / sigma) ** 2), -5, -2, points=[-3.0],
                 epsabs=0, epsrel=1e-10, limit=200)[0] / 3.0
    truth = gauss_log_z({"m_zp": (1.0, 100.0)}) + math.log(z_eps)
    assert abs(result["log_z"] - truth) < 3 * result["log_z_err"] + FLOOR, (result, truth)


def test_flat_upper_limit_likelihood_and_truncated_gaussian_prior(step_site, tmp_path):
    out = tmp_path / "step.h5"
    result = run_nested(step_config(), out)
    truth = math.log(step_integral(EPS_MAX) / EPS_MAX)
    assert abs(result["log_z"] - truth) < 3 * result["log_z_err"] + FLOOR, (result, truth)
    s = api.Run(out).samples(weighted=True)
    w, n_eff = s["weight"], result["n_eff"]
    prior = truncnorm((45.0 - 50.0) / 10.0, (100.0 - 50.0) / 10.0, loc=50.0, scale=10.0)
    assert abs(np.sum(w * s["m_zp"]) - prior.mean()) < 5 * prior.std() / math.sqrt(n_eff)
    z = step_integral(EPS_MAX)
    eps_mean = quad(lambda e: e / (1 + math.exp((e - STEP_AT) / STEP_WIDTH)), 0, EPS_MAX, points=[STEP_AT])[0] / z
    assert abs(np.sum(w * s["epsilon"]) - eps_mean) < 5 * 6e-4 / math.sqrt(n_eff)
    summary = api.Run(out).summary()
    assert summary["params"]["epsilon"]["limit"]["type"] == "upper"
    # 95% of the posterior below the limit: (int_0^x L) / Z = 0.95
    x95 = summary["params"]["epsilon"]["limit"]["cl95"]
    assert step_integral(x95) / z == pytest.approx(0.95, abs=0.01)


def test_resume_after_max_calls_and_after_a_signal(toy_site, tmp_path):
    import signal
    out = tmp_path / "resume.h5"
    partial = run_nested(toy.config(**FAST, max_calls=1200), out)
    assert not partial["complete"] and partial["n_calls"] <= 1200
    assert nested.checkpoint_path(out).exists()
    with pytest.raises(Exception, match="not finished"):
        read_run(out)
    with pytest.raises(ConfigError, match="exists"):
        run_nested(toy.config(**FAST), out)
    with pytest.raises(ConfigError, match="live_points"):          # a changed statistical setting
        run_nested(toy.config(**dict(FAST, live_points=300)), out, resume=True)
    config = load_config(toy.config(**FAST), {"output": str(out)})
    posterior = Posterior(config)
    calls = {"n": 0}
    original = posterior.log_prob

    def log_prob(x):                    # SIGTERM to ourselves during the third batch of the resumed run
        calls["n"] += 1
        if calls["n"] == 3:
            signal.raise_signal(signal.SIGTERM)
        return original(x)
    posterior.log_prob = log_prob
    with pytest.raises(nested.Interrupted) as info:
        nested.run(config, posterior, resume=True)
    assert info.value.signum == signal.SIGTERM and info.value.steps > partial["n_calls"]
    done = run_nested(toy.config(**FAST), out, resume=True)
    assert done["complete"] and done["n_calls"] > info.value.steps
    assert done["new_calls"] == done["n_calls"] - info.value.steps
    truth = gauss_log_z({"m_zp": (1.0, 100.0), "epsilon": (0.0, 3.0e-3)})
    assert abs(done["log_z"] - truth) < 3 * done["log_z_err"] + FLOOR
    again = run_nested(toy.config(**FAST), out, resume=True)        # finished: no new calls, same result
    assert again["new_calls"] == 0 and again["log_z"] == pytest.approx(done["log_z"], abs=1e-12)
    nested.checkpoint_path(out).unlink()
    with pytest.raises(ConfigError, match="cannot continue"):
        run_nested(toy.config(**FAST), out, resume=True)


def test_gaussian_log_z_posterior_cli_summary_json_and_bayes_factor(toy_site, tmp_path, capsys):
    wide = toy.config(**FAST)
    narrow = toy.config(**FAST)
    narrow["params"]["m_zp"] = {"prior": "uniform", "min": 30.0, "max": 70.0}
    paths = []
    for name, cfg in (("wide", wide), ("narrow", narrow)):
        out = tmp_path / f"{name}.h5"
        plot = ["--no-plot"] if name == "narrow" else []
        code, text, err = cli(capsys, "run", write_config(tmp_path, cfg, name=f"{name}.yaml"), "-o", out, *plot)
        assert code == 0 and "ln Z =" in text, err
        paths.append(out)
    assert (tmp_path / "wide.png").is_file() and not (tmp_path / "narrow.png").exists()     # corner plot
    assert "not supported" in one_line(capsys, "export", paths[0], "-o", tmp_path / "x.csv")
    # the wide run: a Gaussian likelihood in a uniform box, log Z in closed form
    out = paths[0]
    result = api.Run(out).log_z
    truth = gauss_log_z({"m_zp": (1.0, 100.0), "epsilon": (0.0, 3.0e-3)})
    assert abs(result[0] - truth) < 3 * result[1] + FLOOR, (result, truth)
    run = api.Run(out)
    assert run.is_nested
    equal = run.samples(derived=["loglike_total"])          # resampled to equal weight
    assert len(equal["m_zp"]) == int(run.diagnostics["n_eff"]) and "loglike_total" in equal
    assert abs(np.mean(equal["m_zp"]) - toy.MEAN["m_zp"]) < 5 * toy.SIGMA["m_zp"] / math.sqrt(len(equal["m_zp"]))
    s = run.samples(weighted=True)
    assert s["weight"].sum() == pytest.approx(1.0)
    n_eff = run.diagnostics["n_eff"]
    for name in ("m_zp", "epsilon"):          # the posterior is the Gaussian: mean and width known
        mean = np.sum(s["weight"] * s[name])
        assert abs(mean - toy.MEAN[name]) < 5 * toy.SIGMA[name] / math.sqrt(n_eff)
        std = math.sqrt(np.sum(s["weight"] * (s[name] - mean) ** 2))
        assert std == pytest.approx(toy.SIGMA[name], rel=0.08)
    # the stored per-point log L is the posterior's (a second route through the plugin)
    data = read_run(out)
    again = Posterior(load_config(toy.config())).log_likelihood(data.samples[:50])
    np.testing.assert_allclose(data.log_likelihood[:50], again, rtol=1e-12)
    np.testing.assert_allclose(data.blobs["loglike_total"], data.log_likelihood)
    assert data.nested["library"] == "nautilus" and data.nested["n_calls"] == run.diagnostics["n_calls"]
    assert isinstance(api.load(paths[0]), api.Run)
    code, text, _ = cli(capsys, "summary", paths[0], "--json")
    s = json.loads(text)
    assert code == 0 and s["log_z"] == pytest.approx(api.Run(paths[0]).log_z[0]) and s["log_z_err"] > 0
    code, text, _ = cli(capsys, "summary", paths[1])
    assert code == 0 and "ln Z =" in text
    ln_b, err = api.bayes_factor(paths[1], paths[0])
    (za, ea), (zb, eb) = api.Run(paths[1]).log_z, api.Run(paths[0]).log_z
    assert ln_b == pytest.approx(za - zb) and err == pytest.approx(math.hypot(ea, eb))
    # the Gaussian sits inside both boxes: B = (99 / 40) exactly (up to the tail mass outside [30, 70])
    truth = math.log(99.0 / 40.0) + math.log(norm.cdf(4.0) - norm.cdf(-4.0))
    assert abs(ln_b - truth) < 3 * err + FLOOR
    code, text, _ = cli(capsys, "evidence", paths[1], paths[0])
    assert code == 0 and f"{ln_b:.4f}" in text and "inconclusive" in text


def test_prior_transform_maps_the_unit_cube_onto_each_prior():
    from nsifit.inference.posterior import SampledParameter
    params = [SampledParameter("a", "uniform", -1.0, 3.0), SampledParameter("b", "log-uniform", -5.0, -2.0),
              SampledParameter("c", "gaussian", -math.inf, math.inf, mean=2.0, sigma=0.5),
              SampledParameter("d", "gaussian", 0.0, math.inf, mean=0.0, sigma=1.0)]
    u = np.array([[0.0, 0.0, 0.5, 0.5], [1.0, 1.0, norm.cdf(1.0), 0.0], [0.25, 0.5, norm.cdf(-2.0), 0.5]])
    x = nested.PriorTransform(params)(u)
    np.testing.assert_allclose(x[:, 0], [-1.0, 3.0, 0.0])
    np.testing.assert_allclose(x[:, 1], [-5.0, -2.0, -3.5])
    np.testing.assert_allclose(x[:, 2], [2.0, 2.5, 1.0])
    np.testing.assert_allclose(x[[0, 2], 3], [norm.ppf(0.75), norm.ppf(0.75)])      # half-normal median
    assert x[1, 3] == 0.0


def test_a_process_pool_gives_the_same_run_as_one_vectorized_call(toy_site, tmp_path):
    """pool processes:2 splits each batch over two workers: the same points and log L, so the same run."""
    one = run_nested(toy.config(**FAST), tmp_path / "one.h5")
    two = run_nested(toy.config(**dict(FAST, pool="processes:2")), tmp_path / "two.h5")
    assert two["log_z"] == one["log_z"] and two["n_calls"] == one["n_calls"]


def test_nested_settings_are_checked(toy_site, tmp_path):
    with pytest.raises(ConfigError, match="sampler.engine"):
        load_config(toy.config(engine="nestd"))
    with pytest.raises(ConfigError, match="f_live"):
        load_config(toy.config(engine="nested", f_live=2))
    cfg = toy.config(**FAST)
    cfg["params"]["m_zp"] = 50.0
    with pytest.raises(ConfigError, match=">= 2 sampled"):
        run_nested(cfg, tmp_path / "y.h5")


@pytest.mark.slow
def test_sigterm_to_the_cli_process_then_resume(toy_site, tmp_path):
    import signal
    import time
    cfg = write_config(tmp_path, toy.config(**dict(FAST, effective_samples=3000)), name="term.yaml")
    out = tmp_path / "term.h5"
    proc = toy.nsifit_process(["run", str(cfg), "-o", str(out), "--no-plot"], toy_site, tmp_path)
    checkpoint = nested.checkpoint_path(out)
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the run finished before the signal arrived")
    assert proc.returncode == 128 + signal.SIGTERM and "--resume" in err, err
    assert not lock_path(out).exists()                 # released on the way out
    done = run_nested(toy.config(**dict(FAST, effective_samples=3000)), out, resume=True)
    truth = gauss_log_z({"m_zp": (1.0, 100.0), "epsilon": (0.0, 3.0e-3)})
    assert done["complete"] and abs(done["log_z"] - truth) < 3 * done["log_z_err"] + FLOOR
