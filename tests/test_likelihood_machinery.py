"""Plugin machinery: entry points from another package, user data dirs, schema errors, registry checks."""

import hashlib
import json
import os
import subprocess
import sys
from importlib.metadata import entry_points

import numpy as np
import pytest
import yaml
from plugin_site import registered, write_distribution

import nsifit
from nsifit.errors import ConfigError, DataError, NsifitError
from nsifit.plugins import registry
from nsifit.plugins.base import Likelihood
from nsifit.plugins.datasets import DATA_DIR_ENV, PROVENANCE_FIELDS, builtin_data_dir
from nsifit.theory.models import get_model
from nsifit.theory.observables import ObservableSet

POINT = dict(m_zp=20.0, g_zp=5e-4, c=-0.1, tan_eta=-0.75)
POINT_ARGS = ["m_zp=20", "g_zp=5e-4", "c=-0.1", "tan_eta=-0.75"]
OUR_PLUGINS = ("gm2_mu", "solar_lma", "na62_kmunu", "bbn_neff", "white_dwarf", "perturbativity",
               "phi_beam_dump")

TOY_MODULE = '''
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood

class Toy(Likelihood):
    """A toy Gaussian in m_zp, from a package that is not nsifit."""
    name = "toy"
    requires = ("m_zp_mev",)
    def loglike(self, obs):
        return stats.gaussian(obs["m_zp_mev"], 25.0, 5.0)
'''


def run_cli(args, env_extra=None, cwd=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "nsifit.cli", *args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


@pytest.fixture
def toy_package(tmp_path, monkeypatch):
    """A one-module distribution 'nsifit-toy' declaring the entry point toy = nsifit_toy:Toy."""
    site = write_distribution(tmp_path / "site", "nsifit_toy", TOY_MODULE, {"toy": "nsifit_toy:Toy"})
    yield from registered(site, "nsifit_toy", monkeypatch)


def test_external_plugin_package_is_discovered_and_evaluated(toy_package):
    assert "toy" in registry.registry()
    res = nsifit.evaluate("mutau_baryon", likelihoods=["toy"], **dict(POINT, m_zp=[25.0, 35.0]))
    assert res["loglike"]["toy"] == pytest.approx([0.0, -2.0])      # (35 - 25)/5 = 2 sigma
    assert res["loglike"]["total"] == pytest.approx([0.0, -2.0])


def test_external_plugin_works_from_the_command_line(toy_package, tmp_path):
    out = run_cli(["eval", "mutau_baryon", *POINT_ARGS, "--likelihoods", "toy", "--json"],
                  {"PYTHONPATH": str(toy_package)}, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    loglike = json.loads(out.stdout)["loglike"]
    assert loglike["toy"] == pytest.approx(-0.5)                     # (20 - 25)/5 = -1 sigma
    assert set(loglike) == {"toy", "total"}


def test_eval_reports_every_plugin_and_their_total():
    out = run_cli(["eval", "mutau_baryon", *POINT_ARGS, "--json"])
    assert out.returncode == 0, out.stderr
    loglike = json.loads(out.stdout)["loglike"]
    assert set(OUR_PLUGINS) <= set(loglike)
    assert loglike["total"] == pytest.approx(sum(v for k, v in loglike.items() if k != "total"))
    # no phi at this point: the phi-sector plugins do not apply and return 0
    assert loglike["phi_beam_dump"] == 0 and loglike["perturbativity"] == 0


def test_info_shows_provenance_of_every_dataset():
    out = run_cli(["info", "--json"])
    assert out.returncode == 0, out.stderr
    plugins = {p["name"]: p for p in json.loads(out.stdout)["likelihoods"]}
    for name in OUR_PLUGINS:
        assert plugins[name]["provenance"], name
        for dataset, prov in plugins[name]["provenance"].items():
            assert all(prov[k] not in (None, "") for k in PROVENANCE_FIELDS), (name, dataset)


def test_data_file_sha256_is_recorded_by_plugin_and_file_name():
    plugin = registry.get_plugin_class("gm2_mu")(dataset="bnl_fnal_2021_wp2020")
    path = builtin_data_dir() / "gm2_mu" / "bnl_fnal_2021_wp2020.yaml"
    assert plugin.data_files == {"gm2_mu/bnl_fnal_2021_wp2020.yaml": hashlib.sha256(path.read_bytes()).hexdigest()}


# --- user data directories -------------------------------------------------------------------

def user_dataset(root, name, mutate=None, text=None):
    """Write gm2_mu/<name>.yaml under root, from the built-in 2021 file changed by `mutate`."""
    content = yaml.safe_load((builtin_data_dir() / "gm2_mu" / "bnl_fnal_2021_wp2020.yaml").read_text())
    if mutate:
        mutate(content)
    (root / "gm2_mu").mkdir(parents=True, exist_ok=True)
    path = root / "gm2_mu" / f"{name}.yaml"
    path.write_text(text if text is not None else yaml.safe_dump(content))
    return path


def gm2_with(data_dir=None, dataset=None):
    opts = {"gm2_mu": {"dataset": dataset}} if dataset else None
    return nsifit.evaluate("mutau_baryon", likelihoods=["gm2_mu"], options=opts, data_dir=data_dir,
                           m_zp=10.0, g_zp=0.0, c=0.0, epsilon=0.0)["loglike"]["gm2_mu"]


def test_user_dataset_overrides_builtin_of_same_name(tmp_path):
    def shift(c):             # Delta a_mu = 100(10) x 1e-11: at g = 0, Delta chi^2 = 100
        c["a_mu_exp"], c["a_mu_sm"] = {"value": 1100, "sigma": 6}, {"value": 1000, "sigma": 8}
    user_dataset(tmp_path, "world_2025_wp2025", shift)
    assert gm2_with() == pytest.approx(-0.5 * (38.5 / 63.67) ** 2, rel=1e-3)
    assert gm2_with(data_dir=tmp_path) == pytest.approx(-50.0)


def test_user_dataset_from_environment_variable(tmp_path, monkeypatch):
    def shift(c):
        c["a_mu_exp"], c["a_mu_sm"] = {"value": 1030, "sigma": 6}, {"value": 1000, "sigma": 8}
    user_dataset(tmp_path, "mine", shift)
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert gm2_with(dataset="mine") == pytest.approx(-4.5)             # 30/10 = 3 sigma


MALFORMED = {
    "missing_field": (lambda c: c.pop("arxiv"), None, "'arxiv'"),
    "wrong_type": (lambda c: c["a_mu_exp"].update(value="lots"), None, "'a_mu_exp.value'"),
    "units_not_mapping": (lambda c: c.update(units="1e-11"), None, "'units'"),
    "bad_yaml": (None, "experiment: [unclosed\narxiv: 1\n", "not valid YAML"),
}


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_user_dataset_error_names_file_and_field(tmp_path, case):
    mutate, text, expected = MALFORMED[case]
    path = user_dataset(tmp_path, case, mutate, text)
    with pytest.raises(DataError) as err:
        gm2_with(data_dir=tmp_path, dataset=case)
    assert str(path) in str(err.value) and expected in str(err.value)
    assert "\n" not in str(err.value)


def test_malformed_dataset_cli_error_is_one_line_with_exit_code_2(tmp_path):
    path = user_dataset(tmp_path, "broken", lambda c: c.pop("confidence_level"))
    for extra, env in ((["--data-dir", str(tmp_path)], None), ([], {DATA_DIR_ENV: str(tmp_path)})):
        out = run_cli(["eval", "mutau_baryon", *POINT_ARGS, "--likelihoods", "gm2_mu",
                       "--option", "gm2_mu.dataset=broken", *extra], env)
        assert out.returncode == 2
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and str(path) in lines[0] and "'confidence_level'" in lines[0]


def test_missing_user_data_dir_is_an_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        gm2_with(data_dir=tmp_path / "nowhere")


def test_unknown_dataset_lists_the_available_ones():
    with pytest.raises(DataError, match="bnl_fnal_2021_wp2020.*world_2025_wp2025"):
        gm2_with(dataset="bnl_2006")


# --- registry and option checks ----------------------------------------------------------------

def test_unknown_observable_in_requires_lists_valid_ones():
    class Broken(Likelihood):
        name = "broken"
        requires = ("delta_a_muon",)

    with pytest.raises(NsifitError) as err:
        Broken()
    message = str(err.value)
    assert "delta_a_muon" in message and "delta_a_mu" in message and "valid:" in message


def test_unknown_plugin_option_is_an_error_listing_valid_options():
    with pytest.raises(ConfigError, match="'bogus'.*valid: convention, dataset, nn_over_np, solution"):
        nsifit.evaluate("mutau_baryon", likelihoods=["solar_lma"],
                        options={"solar_lma": {"bogus": 1}}, **POINT)


def test_bad_option_value_lists_the_choices():
    with pytest.raises(ConfigError, match="LMA-Bright.*valid: LMA, LMA-Dark"):
        nsifit.evaluate("mutau_baryon", likelihoods=["solar_lma"],
                        options={"solar_lma": {"solution": "LMA-Bright"}}, **POINT)


def test_unknown_plugin_name_lists_installed_ones():
    with pytest.raises(NsifitError, match="gm2_mu"):
        nsifit.evaluate("mutau_baryon", likelihoods=["gm2"], **POINT)


class RequiredOnly:
    """An ObservableSet seen through a plugin's `requires`: anything else (other observables, the
    couplings, the parameters) fails the test."""

    def __init__(self, obs, allowed, plugin):
        self._obs, self._allowed, self._plugin = obs, set(allowed), plugin
        self.n = obs.n

    def __getitem__(self, name):
        assert name in self._allowed, f"{self._plugin} reads '{name}', missing from its requires"
        return self._obs[name]

    def memo(self, key, compute):
        return self._obs.memo(key, compute)


BUILT_IN = [ep.name for ep in entry_points(group="nsifit.likelihoods")
            if ep.value.startswith("nsifit_likelihoods.")]


@pytest.mark.parametrize("name", BUILT_IN)
def test_every_plugin_reads_only_the_observables_it_requires(name):
    """Plugins read observables; they never reach into the couplings (docs/design.md, plugins)."""
    plugin = registry.get_plugin_class(name)()
    for model, params in (("mutau_baryon", dict(POINT, m_zp=[25.0, 300.0], c_phi=[0.0, 2.0], m_phi=[20.0, 20.0])),
                          ("lmu_minus_ltau", {"m_zp": [3.0, 30.0], "g_zp": 5e-4}),
                          ("dark_photon", {"m_zp": [3.0, 30.0], "epsilon": 1e-4})):
        mdl = get_model(model)
        resolved = mdl.resolve(params)
        obs = RequiredOnly(ObservableSet(mdl.couplings(resolved), resolved), plugin.requires, name)
        assert np.all(np.isfinite(plugin.loglike(obs)) | (plugin.loglike(obs) == -np.inf))
        plugin.derived(obs)
