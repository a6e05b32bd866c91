"""Datasets and plugins that could change numbers silently: validated tables and numbers, dataset names
resolved only inside the data directories, plugins that ship data, broken and third-party plugins."""

import json
from pathlib import Path

import h5py
import pytest
import sampling_toy as toy
import yaml
from cli_helpers import cli, gm2_config, gm2_dataset, one_line, run_cli, shifted, write_config
from plugin_site import registered, write_distribution

import nsifit
from nsifit import api
from nsifit.errors import ConfigError, DataError
from nsifit.plugins import registry
from nsifit.plugins.datasets import PROVENANCE_FIELDS, builtin_data_dir

REPO = Path(__file__).resolve().parents[1]


# --- 3. tables and numbers of datasets ----------------------------------------------------------

def na64_dataset(root, csv_text, name="x"):
    builtin = builtin_data_dir() / "na64_invisible" / "na64_2023.yaml"
    (root / "na64_invisible").mkdir(parents=True, exist_ok=True)
    text = "".join(f"table: {name}.csv\n" if line.startswith("table:") else line
                   for line in builtin.read_text().splitlines(keepends=True))
    (root / "na64_invisible" / f"{name}.yaml").write_text(text)
    (root / "na64_invisible" / f"{name}.csv").write_text(csv_text)
    return root / "na64_invisible" / f"{name}.csv"


HEADER = "# a user table\nm_zp_mev,epsilon\n"


@pytest.mark.parametrize("body, fragment", [
    ("100,1e-5\n150,nan\n200,1e-5\n", "line 4, column 'epsilon': must be finite, got nan"),
    ("100,1e-5\n150,-1e-5\n200,1e-5\n", "line 4, column 'epsilon': must be > 0, got -1e-05"),
    ("100,1e-5\n200,1e-5\n150,1e-5\n", "line 5, column 'm_zp_mev': must increase strictly (sorted, no "
                                       "duplicates), got 150 after 200"),
    ("100,1e-5\n150,1e-5\n150,2e-5\n", "line 5, column 'm_zp_mev': must increase strictly"),
    ("100,1e-5\n150\n", "line 4 has 1 cells, the header 2"),
    ("100,1e-5\n150,inf\n", "line 4, column 'epsilon': must be finite, got inf"),
])
def test_bad_user_table_is_one_line_naming_file_line_and_column(tmp_path, body, fragment):
    path = na64_dataset(tmp_path, HEADER + body)
    with pytest.raises(DataError) as err:
        nsifit.evaluate("dark_photon", likelihoods=["na64_invisible"], options={"na64_invisible": {"dataset": "x"}},
                        data_dir=str(tmp_path), m_zp=[120.0, 150.0, 170.0], epsilon=1e-3)
    assert str(err.value) == f"{path}: {fragment}" or str(err.value).startswith(f"{path}: {fragment}")
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("value, fragment", [(0, "must be > 0, got 0"), (float("nan"), "must be a finite number"),
                                             (-6.0, "must be > 0, got -6.0")])
def test_sigma_zero_or_nan_in_a_dataset_is_refused(tmp_path, capsys, value, fragment):
    path = gm2_dataset(tmp_path, "bad", lambda c: c["a_mu_exp"].update(sigma=value))
    with pytest.raises(DataError, match=f"field 'a_mu_exp.sigma' {fragment}"):
        nsifit.evaluate("dark_photon", likelihoods=["gm2_mu"], options={"gm2_mu": {"dataset": "bad"}},
                        data_dir=str(tmp_path), m_zp=10.0, epsilon=1e-3)
    cfg = {"model": "dark_photon", "likelihoods": {"gm2_mu": {"dataset": "bad"}},
           "params": {"m_zp": {"prior": "log-uniform", "min": 1, "max": 100},
                      "epsilon": {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}},
           "sampler": {"walkers": 8, "steps": 10, "progress": False}}
    line = one_line(capsys, "run", write_config(tmp_path, cfg), "-o", tmp_path / "r.h5", "--data-dir", tmp_path)
    assert str(path) in line and "a_mu_exp.sigma" in line and "initial walkers" not in line


# --- 6. data directories ------------------------------------------------------------------------------


def test_data_dir_option_is_in_effect_during_config_validation(tmp_path, capsys):
    data = tmp_path / "data"
    gm2_dataset(data, "mine", shifted)
    cfg = gm2_config(tmp_path)
    code, out, err = cli(capsys, "run", cfg, "-o", tmp_path / "r.h5", "--data-dir", data, "--no-plot")
    assert code == 0, err
    code, out, err = cli(capsys, "profile", cfg, "-o", tmp_path / "p.h5", "--data-dir", data,
                         "--scan", "m_zp:5:50:3:log", "--starts", "2")
    assert code == 0, err
    assert "unknown dataset" in one_line(capsys, "run", cfg, "-o", tmp_path / "s.h5", "--no-plot")


def test_dataset_names_resolve_only_inside_the_data_directories(tmp_path, capsys):
    gm2_dataset(tmp_path / "outside", "x", shifted)           # a valid dataset outside the data directory
    (tmp_path / "data").mkdir()
    line = one_line(capsys, "eval", "dark_photon", "m_zp=10", "epsilon=1e-3", "--likelihoods", "gm2_mu",
                    "--data-dir", tmp_path / "data", "--option", "gm2_mu.dataset=../../outside/gm2_mu/x")
    assert "is not a plain name" in line and "no path separators or '..'" in line


# --- 8. third-party plugins -----------------------------------------------------------------------

SHIP_MODULE = '''
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood

class Ship(Likelihood):
    """A plugin whose datasets ship inside its own package."""
    name = "ship"
    requires = ("m_zp_mev",)
    default_dataset = "default"
    data_package = "nsifit_ship"
    def setup(self):
        self.mean, self.sigma = self.dataset.number("mean"), self.dataset.number("sigma")
    def loglike(self, obs):
        return stats.gaussian(obs["m_zp_mev"], self.mean, self.sigma)
'''


@pytest.fixture
def ship_site(tmp_path, monkeypatch):
    site = write_distribution(tmp_path / "site", "nsifit_ship", SHIP_MODULE, {"ship": "nsifit_ship:Ship"})
    folder = site / "nsifit_ship" / "ship"
    folder.mkdir()
    fields = {k: "test" for k in PROVENANCE_FIELDS}
    fields["units"] = {"mean": "MeV", "sigma": "MeV"}
    (folder / "default.yaml").write_text(yaml.safe_dump(dict(fields, mean=30.0, sigma=5.0)))
    yield from registered(site, "nsifit_ship", monkeypatch)


def test_a_plugin_ships_its_own_datasets(ship_site):
    res = nsifit.evaluate("dark_photon", likelihoods=["ship"], m_zp=[30.0, 40.0], epsilon=1e-3)
    assert res["loglike"]["ship"] == pytest.approx([0.0, -2.0])
    assert registry.get_plugin_class("ship").info()["datasets"] == ["default"]
    out = run_cli(["info", "--json"], {"PYTHONPATH": str(ship_site)})
    ship = {p["name"]: p for p in json.loads(out.stdout)["likelihoods"]}["ship"]
    assert ship["provenance"]["default"]["experiment"] == "test"


BROKEN = "raise ImportError('this plugin needs a module that is not installed')\n"


@pytest.fixture
def broken_site(tmp_path, monkeypatch):
    site = write_distribution(tmp_path / "site", "nsifit_broken", BROKEN, {"broken": "nsifit_broken:Thing"})
    yield from registered(site, "nsifit_broken", monkeypatch)


def test_a_broken_plugin_is_left_out_with_one_warning_and_the_others_work(broken_site, tmp_path):
    point = ["eval", "dark_photon", "m_zp=10", "epsilon=1e-3", "--json"]
    out = run_cli(point, {"PYTHONPATH": str(broken_site), registry.PLUGINS_ENV: "all"})
    assert out.returncode == 0, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nsifit: warning: likelihood 'broken'") \
        and "failed to load: ImportError: this plugin needs" in lines[0] and "left out" in lines[0]
    assert {"gm2_mu", "na64_invisible"} <= set(json.loads(out.stdout)["loglike"])
    out = run_cli(point, {"PYTHONPATH": str(broken_site)})          # default: built-in plugins only
    assert out.returncode == 0 and out.stderr == "", out.stderr
    out = run_cli(point[:-1] + ["--likelihoods", "broken"], {"PYTHONPATH": str(broken_site)})
    assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1
    assert "likelihood 'broken' (nsifit_broken:Thing) failed to load" in out.stderr


def test_third_party_plugins_join_the_default_set_only_when_chosen(toy_site, tmp_path, monkeypatch):
    assert "toy_gauss" in registry.registry()
    assert "toy_gauss" not in registry.default_names("dark_photon")
    assert "gm2_mu" in registry.default_names("dark_photon")
    monkeypatch.setenv(registry.PLUGINS_ENV, "all")
    assert "toy_gauss" in registry.default_names("dark_photon")
    monkeypatch.setenv(registry.PLUGINS_ENV, "toy_gauss")
    assert "toy_gauss" in registry.default_names("dark_photon")
    monkeypatch.setenv(registry.PLUGINS_ENV, "toy_gaus")
    with pytest.raises(ConfigError, match="NSIFIT_PLUGINS: unknown likelihood 'toy_gaus'"):
        registry.default_names("dark_photon")
    monkeypatch.delenv(registry.PLUGINS_ENV)
    run = api.run(toy.config(steps=10), output=tmp_path / "r.h5")
    with h5py.File(run.path, "r") as h5:
        sources = json.loads(h5.attrs["plugins"])
        stored = yaml.safe_load(h5.attrs["config_yaml"])
    assert sources == {"toy_gauss": "nsifit_toy_gauss:ToyGauss (nsifit-toy-gauss 0.1)"}
    assert list(stored["likelihoods"]) == ["toy_gauss"]


# --- tracebacks that became one line -----------------------------------------------------------
