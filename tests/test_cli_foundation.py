"""`nsifit info` and `nsifit eval`: the JSON contract of DESIGN.md sect. 6 and one-line usage errors."""

import json
import subprocess
import sys

import pytest
from cli_helpers import run_cli

DERIVED_KEYS = {"g_mu", "eps_u", "eps_d", "eps_e", "eps_p", "eps_n", "tan_eta", "eps_medium", "delta_a_mu",
                "br_ee", "br_inv", "br_phiphi", "gamma_total_mev", "ctau_cm", "epsilon"}


def test_eval_json_has_contract_keys_and_every_derived_quantity():
    out = run_cli(["eval", "mutau_baryon", "m_zp=10", "g_zp=5e-4", "c=-0.1", "tan_eta=-0.75", "--json",
                   "--likelihoods", ""])
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert set(res) == {"model", "settings", "params", "derived", "loglike", "invalid"} and res["invalid"] == {}
    assert DERIVED_KEYS <= set(res["derived"])
    assert res["params"]["epsilon"] == pytest.approx(res["derived"]["epsilon"])
    assert res["loglike"] == {"total": 0.0}
    assert res["derived"]["tan_eta"] == pytest.approx(-0.75)


def test_eval_several_points_gives_lists():
    out = run_cli(["eval", "dark_photon", "m_zp=10,20", "epsilon=1e-4", "--json", "--likelihoods", ""])
    res = json.loads(out.stdout)
    assert res["derived"]["br_ee"] == [1.0, 1.0]


@pytest.mark.parametrize("args, fragment", [
    (("eval", "mutau_baryon", "m_zp=10", "g_zp=5e-4", "c=-0.1"), "one of epsilon, tan_eta is required"),
    (("eval", "mutau_baryon", "m_zp=-3", "g_zp=5e-4", "c=-0.1", "epsilon=0"), "'m_zp' must be > 0"),
    (("eval", "mutau_baryon", "mzp=3", "g_zp=5e-4", "c=-0.1", "epsilon=0"), "did you mean 'm_zp'"),
    (("eval", "mutau_baryon", "m_zp=abc"), "must be a number"),
    (("eval", "mutau_baryon", "m_zp"), "key=value"),
    (("eval", "nomodel"), "invalid choice"),
    (("eval", "dark_photon", "m_zp=1", "epsilon=1e-4", "--likelihoods", "nope"), "unknown likelihood 'nope'"),
    (("frobnicate",), "invalid choice"),
])
def test_usage_errors_exit_2_with_one_line(args, fragment):
    out = run_cli(list(args))
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and fragment in lines[0], out.stderr
    assert "Traceback" not in out.stderr


def test_info_lists_models_with_units():
    out = run_cli(["info", "--json"])
    info = json.loads(out.stdout)
    models = {m["name"]: m for m in info["models"]}
    assert set(models) == {"mutau_baryon", "lmu_minus_ltau", "dark_photon", "b_minus_l", "le_minus_lmu",
                           "le_minus_ltau", "b_minus_3ltau", "b_minus_3lmu", "protophobic", "u1"}
    assert models["b_minus_l"]["charges"] == {"B": 1, "L": -1}
    assert models["b_minus_l"]["anomaly"] == "anomaly free (with nu_R)"
    units = {p["name"]: p["unit"] for p in models["mutau_baryon"]["parameters"]}
    assert units["m_zp"] == "MeV" and units["m_phi"] == "MeV" and units["g_zp"] == "1"


HEAVY_MODULES = ("numpy", "scipy", "h5py", "emcee", "matplotlib", "corner", "iminuit", "yaml", "tqdm")


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("run", "--help"), ("summary", "--help")])
def test_start_up_imports_no_heavy_library(args):
    """`nsifit --version` / `--help` import only the standard library and nsifit's CLI modules
    (the measured start-up is in the README); the libraries come with the command that runs."""
    code = ("import sys\nfrom nsifit.cli.main import main\ntry:\n    main(sys.argv[1:])\n"
            "except SystemExit:\n    pass\n"
            f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY_MODULES!r})))")
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_cli_export_formats_match_the_writer():
    from nsifit.cli.export import FORMATS as cli_formats
    from nsifit.io.export import FORMATS
    assert cli_formats == FORMATS
