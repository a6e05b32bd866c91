"""Model settings (quark_alignment): one mechanism for configs, bounds configs, `nsifit eval`,
`nsifit.evaluate`, run files and `nsifit info`; every mistake is one line."""

import json

import numpy as np
import pytest
import yaml
from cli_helpers import run_cli

import nsifit
from nsifit.api import Run, run
from nsifit.bounds.config import load_bounds_config
from nsifit.errors import ConfigError, NsifitError, ParameterError
from nsifit.inference.config import load_config
from nsifit.inference.samplers.resume import config_differences, statistical_config
from nsifit.theory.models import MODELS, canonical_spec, get_model
from nsifit.theory.models.base import Setting

POINT = dict(m_zp=30.0, g_zp=5e-4, c=-0.1, epsilon=0.0)


def test_name_mapping_and_instance_give_the_model_with_its_settings():
    assert get_model("mutau_baryon").setting_values == {"quark_alignment": "down"}     # Bernal and Farzan's choice
    up = get_model({"name": "mutau_baryon", "quark_alignment": "up"})
    assert up.name == "mutau_baryon" and up.setting_values == {"quark_alignment": "up"}
    assert get_model(up) is up
    assert get_model({"name": "mutau_baryon"}).setting_values == {"quark_alignment": "down"}
    assert MODELS["mutau_baryon"].setting_values["quark_alignment"] == "down"      # registry untouched
    assert up.spec == {"name": "mutau_baryon", "quark_alignment": "up"}
    assert canonical_spec("mutau_baryon") == {"name": "mutau_baryon", "quark_alignment": "down"}
    assert canonical_spec("dark_photon") == "dark_photon"                          # no settings: the name


def test_the_setting_reaches_the_couplings():
    for alignment in ("down", "up"):
        mdl = get_model({"name": "mutau_baryon", "quark_alignment": alignment})
        assert mdl.couplings(mdl.resolve(POINT)).quark_alignment == alignment


@pytest.mark.parametrize("spec, fragment", [
    ({"name": "mutau_baryon", "quark_alignment": "sideways"},
     "model 'mutau_baryon': setting 'quark_alignment': unknown value 'sideways'; valid: down, up"),
    ({"name": "mutau_baryon", "quark_alignmnet": "up"},
     "model 'mutau_baryon': unknown setting 'quark_alignmnet' (did you mean 'quark_alignment'?)"),
    ({"name": "dark_photon", "quark_alignment": "up"}, "model 'dark_photon' has no settings (got 'quark_alignment')"),
    ({"quark_alignment": "up"}, "a model given as a mapping needs 'name'"),
    ({"name": "mutau_barion"}, "unknown model 'mutau_barion' (did you mean 'mutau_baryon'?)"),
    (3, "a model is a name"),
    ({"name": "mutau_baryon", "quark_alignment": True}, "unknown value 'True'"),
])
def test_bad_settings_are_one_line_errors(spec, fragment):
    with pytest.raises(ParameterError) as err:
        get_model(spec)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_setting_kinds_validate_their_values():
    num = Setting("x", 1.0, "a number", kind="number")
    assert num.validate("m", 2) == 2.0
    with pytest.raises(ParameterError, match="finite number"):
        num.validate("m", float("nan"))
    charges = Setting("charges", {}, "user charges", kind="mapping", choices=("u", "d"))
    assert charges.validate("m", {"u": 1, "d": -0.5}) == {"u": 1.0, "d": -0.5}
    with pytest.raises(ParameterError, match="unknown name 's'"):
        charges.validate("m", {"s": 1})
    with pytest.raises(ValueError):
        Setting("y", 0, "bad", kind="colour")


def test_evaluate_takes_a_name_or_a_mapping_and_reports_the_settings():
    down = nsifit.evaluate("mutau_baryon", likelihoods=[], **POINT)
    up = nsifit.evaluate({"name": "mutau_baryon", "quark_alignment": "up"}, likelihoods=[], **POINT)
    assert down["settings"] == {"quark_alignment": "down"} and up["settings"] == {"quark_alignment": "up"}
    assert down["model"] == up["model"] == "mutau_baryon"
    assert nsifit.evaluate("dark_photon", likelihoods=[], m_zp=10, epsilon=1e-4)["settings"] == {}


RUN = {"params": {"m_zp": {"prior": "log-uniform", "min": 5, "max": 200}, "g_zp": 1e-4, "c": -0.1,
                  "epsilon": 0.0},
       "likelihoods": [], "sampler": {"walkers": 8, "steps": 3, "seed": 1, "progress": False}}


def test_run_config_stores_every_setting_and_checks_them():
    assert load_config(dict(RUN, model="mutau_baryon")).resolved["model"] == \
        {"name": "mutau_baryon", "quark_alignment": "down"}
    cfg = load_config(dict(RUN, model={"name": "mutau_baryon", "quark_alignment": "up"}))
    assert yaml.safe_load(cfg.yaml())["model"] == {"name": "mutau_baryon", "quark_alignment": "up"}
    with pytest.raises(ConfigError) as err:
        load_config(dict(RUN, model={"name": "mutau_baryon", "quark_alignment": "left"}))
    assert str(err.value).startswith("model: model 'mutau_baryon': setting 'quark_alignment'")


def test_resume_compares_settings_and_reads_an_old_bare_name_as_the_defaults():
    new = load_config(dict(RUN, model="mutau_baryon")).resolved
    old = dict(new, model="mutau_baryon")                   # a run file written before settings existed
    assert config_differences(statistical_config(old), statistical_config(new)) == []
    up = dict(new, model={"name": "mutau_baryon", "quark_alignment": "up"})
    assert config_differences(statistical_config(up), statistical_config(new)) == \
        ["model.quark_alignment: stored 'up', now 'down'"]


def test_run_file_keeps_the_settings_and_resume_refuses_another_alignment(tmp_path):
    cfg = dict(RUN, model={"name": "mutau_baryon", "quark_alignment": "up"}, output=str(tmp_path / "r.h5"))
    result = run(cfg)
    assert Run(tmp_path / "r.h5").model_settings == {"quark_alignment": "up"} and result.model == "mutau_baryon"
    with pytest.raises(ConfigError, match="model.quark_alignment: stored 'up', now 'down'"):
        run(dict(cfg, model="mutau_baryon"), steps=4, resume=True)


def test_bounds_config_accepts_a_model_mapping():
    spec = {"model": {"name": "mutau_baryon", "quark_alignment": "up"}, "params": {"c": -0.1, "epsilon": 0.0},
            "x": {"name": "m_zp", "min": 10, "max": 100}, "y": {"name": "g_zp", "min": 1e-6, "max": 1e-3},
            "layers": [{"likelihood": "gm2_mu"}]}
    assert load_bounds_config(spec).model.setting_values == {"quark_alignment": "up"}
    with pytest.raises(NsifitError, match="bounds config: model: model 'mutau_baryon': setting"):
        load_bounds_config(dict(spec, model={"name": "mutau_baryon", "quark_alignment": 1}))


def test_cli_eval_model_setting_and_info():
    out = run_cli(["eval", "mutau_baryon", "m_zp=30", "g_zp=5e-4", "c=-0.1", "epsilon=0",
                   "--model-setting", "quark_alignment=up", "--likelihoods", "", "--json"])
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["settings"] == {"quark_alignment": "up"}
    text = run_cli(["eval", "mutau_baryon", "m_zp=30", "g_zp=5e-4", "c=-0.1", "epsilon=0", "--likelihoods", ""])
    assert "quark_alignment          down" in text.stdout
    bad = run_cli(["eval", "mutau_baryon", "m_zp=30", "g_zp=5e-4", "c=-0.1", "epsilon=0",
                   "--model-setting", "quark_alignment=sideways"])
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "unknown value 'sideways'" in bad.stderr
    info = json.loads(run_cli(["info", "--json"]).stdout)
    settings = {m["name"]: m["settings"] for m in info["models"]}
    assert settings["mutau_baryon"][0]["name"] == "quark_alignment"
    assert settings["mutau_baryon"][0]["default"] == "down" and settings["mutau_baryon"][0]["choices"] == ["down", "up"]
    assert settings["dark_photon"] == []


def test_alignment_changes_only_the_flavour_observables():
    down = nsifit.evaluate("mutau_baryon", likelihoods=[], **POINT)["derived"]
    up = nsifit.evaluate({"name": "mutau_baryon", "quark_alignment": "up"}, likelihoods=[], **POINT)["derived"]
    for key in ("eps_medium", "delta_a_mu", "br_inv", "gamma_total_mev"):
        assert np.array_equal(down[key], up[key])
