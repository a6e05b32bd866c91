"""Config validation: every malformed config is one ConfigError line naming the key and the choices."""

import copy

import pytest

from nsifit.errors import ConfigError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble

VALID = {"model": "mutau_baryon",
         "params": {"m_zp": {"prior": "log-uniform", "min": 5, "max": 200},
                    "g_zp": {"prior": "log-uniform", "min": 1e-6, "max": 1e-2},
                    "tan_eta": -0.75, "c": -0.1},
         "likelihoods": {"gm2_mu": {"dataset": "bnl_fnal_2021_wp2020"}, "solar_lma": {"solution": "LMA"}},
         "sampler": {"walkers": 16, "steps": 100, "seed": 1},
         "output": "chains/x.h5"}


def mutate(path, value):
    """VALID with the dotted `path` set to `value` (value DELETE removes the key)."""
    cfg = copy.deepcopy(VALID)
    *parents, leaf = path.split(".")
    node = cfg
    for key in parents:
        node = node[key]
    if value is DELETE:
        del node[leaf]
    else:
        node[leaf] = value
    return cfg


DELETE = object()

MALFORMED = [
    ("modle", "mutau_baryon", "config: unknown key 'modle' (did you mean 'model'?)"),
    ("model", "mutau_barion", "unknown model 'mutau_barion' (did you mean 'mutau_baryon'?)"),
    ("model", DELETE, "missing required key 'model'"),
    ("params.m_zpp", {"prior": "uniform", "min": 1, "max": 2},
     "params.m_zpp: not used by model 'mutau_baryon' or the chosen likelihoods (did you mean 'm_zp'?)"),
    ("params.g_zp.prior", "loguniform", "unknown prior 'loguniform' (did you mean 'log-uniform'?)"),
    ("params.g_zp.min", 1e-1, "params.g_zp: min (0.1) must be < max (0.01)"),
    ("params.g_zp", {"prior": "uniform", "min": 1e-3, "max": 1e-3}, "min (0.001) must be < max (0.001)"),
    ("params.g_zp", {"prior": "log-uniform", "min": 0, "max": 1e-2},
     "params.g_zp.min: a log-uniform prior needs min > 0, got 0"),
    ("params.m_zp", {"prior": "uniform", "min": -5, "max": 200}, "params.m_zp: must be > 0 [MeV]"),
    ("params.g_zp", {"prior": "uniform", "min": 0}, "params.g_zp: a uniform prior needs 'max'"),
    ("params.g_zp", {"prior": "gaussian", "mean": 1e-3, "sigma": 0}, "params.g_zp.sigma: must be > 0"),
    ("params.g_zp", {"prior": "gaussian", "sigma": 1e-3}, "a gaussian prior needs 'mean'"),
    ("params.g_zp.sigma", 1.0, "params.g_zp.sigma: not used by a log-uniform prior (it takes min, max)"),
    ("params.g_zp.mni", 1.0, "params.g_zp: unknown key 'mni' (did you mean 'min'?)"),
    ("params.g_zp.ref", 5.0, "params.g_zp.ref: 5 is outside the prior"),
    ("params.c", DELETE, "params: missing parameter 'c' of model 'mutau_baryon'"),
    ("params.epsilon", 1e-4, "params: model 'mutau_baryon' needs exactly one of epsilon, tan_eta, "
     "got epsilon, tan_eta"),
    ("params.c_phi", 1.0, "params: model 'mutau_baryon': c_phi, m_phi go together (missing m_phi)"),
    ("params.c", "minus one", "params.c: expected a number, got 'minus one'"),
    ("params", {"m_zp": 20, "g_zp": 1e-4, "tan_eta": -0.75, "c": -0.1}, "params: no parameter is sampled"),
    ("likelihoods.gm2", {}, "likelihoods: unknown likelihood 'gm2' (did you mean 'gm2_mu'?)"),
    ("likelihoods.gm2_mu.dataset", "bnl_2021",
     "likelihoods.gm2_mu.dataset: unknown dataset of 'gm2_mu' 'bnl_2021'"),
    ("likelihoods.solar_lma.soluton", "LMA", "likelihoods.solar_lma: unknown key 'soluton' "
     "(did you mean 'solution'?)"),
    ("params.cevns_csi2017_alpha", {}, "params.cevns_csi2017_alpha: not used by model 'mutau_baryon' or "
     "the chosen likelihoods"),
    ("sampler.walkers", 0, "sampler.walkers: must be >= 1, got 0"),
    ("sampler.steps", 0, "sampler.steps: must be >= 1, got 0"),
    ("sampler.steps", 10.5, "sampler.steps: expected an integer, got 10.5"),
    ("sampler.pool", "threads", "sampler.pool: unknown pool 'threads'; valid: vectorized, serial, "
     "processes[:N], mpi"),
    ("sampler.pool", "processes:0", "sampler.pool: unknown pool 'processes:0'"),
    ("sampler.chunk_size", 4, "sampler.chunk_size: applies only to pool processes or mpi, not 'vectorized' "
     "(conflicting choices)"),
    ("sampler.max_steps", 1000, "sampler.max_steps: is the cap of a run with a target ('ess: N' or "
     "'converge: true')"),
    ("sampler.ess", 0, "sampler.ess: must be > 0, got 0"),
    ("sampler.ess", "many", "sampler.ess: expected a number, got 'many'"),
    ("sampler.walkrs", 16, "sampler: unknown key 'walkrs' (did you mean 'walkers'?)"),
    ("sampler.converge", "yes", "sampler.converge: expected true or false, got 'yes'"),
    ("output", 3, "output: expected an output file path, got 3"),
    ("params", [1, 2], "params: expected a mapping, got list"),
]


@pytest.mark.parametrize("path, value, fragment", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_config_malformed_gives_one_line_naming_the_key(path, value, fragment):
    with pytest.raises(ConfigError) as err:
        load_config(mutate(path, value))
    message = str(err.value)
    assert fragment in message
    assert "\n" not in message


def test_odd_walkers_are_refused_by_the_ensemble_sampler_not_the_generic_config(tmp_path):
    cfg = load_config(mutate("sampler.walkers", 15))                  # valid for the config ...
    with pytest.raises(ConfigError, match="sampler.walkers: must be an even number"):
        ensemble.run(cfg, Posterior(cfg), tmp_path / "x.h5")        # ... refused by emcee's driver
    assert not (tmp_path / "x.h5").exists()


def test_config_valid_resolves_defaults_and_log_prior():
    cfg = load_config(VALID)
    assert cfg.params["g_zp"].prior == "log-uniform"
    assert cfg.params["c"].value == -0.1
    assert cfg.sampler["pool"] == "vectorized" and cfg.sampler["walkers"] == 16
    assert load_config(cfg.resolved).resolved == cfg.resolved       # the stored form loads back


def test_config_nuisance_listed_joins_with_plugin_gaussian():
    cfg = copy.deepcopy(VALID)
    cfg["likelihoods"] = {"cevns_coherent": {"datasets": ["csi_2017"]}}
    cfg["params"]["cevns_csi2017_alpha"] = {}
    from nsifit.plugins.registry import get_plugin_class
    nuisance = {n.name: n for n in get_plugin_class("cevns_coherent").nuisances}["cevns_csi2017_alpha"]
    spec = load_config(cfg).params["cevns_csi2017_alpha"]
    assert (spec.prior, spec.mean, spec.sigma) == ("gaussian", nuisance.mean, nuisance.sigma)


def test_config_unreadable_file_names_the_path(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_config(bad)
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(tmp_path / "missing.yaml")
