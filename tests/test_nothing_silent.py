"""Nothing silent: validated data tables, data directories, plugin isolation and the default plugin
set, one-line errors for what used to be tracebacks, per-point eval results (nsifit issue 14)."""

import errno
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import sampling_toy as toy
import yaml
from cli_helpers import cli, gm2_config, gm2_dataset, one_line, run_cli, shifted, write_config

import nsifit
from nsifit import api, examples
from nsifit.errors import ConfigError, DataError, NsifitError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble
from nsifit.io import lock, runfile
from nsifit.io.runfile import read_run

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("walkers", [10 ** 12, 2 ** 62])
def test_walkers_beyond_memory_are_one_line(toy_site, tmp_path, capsys, walkers):
    line = one_line(capsys, "run", write_config(tmp_path, steps=10), "-o", tmp_path / "w.h5", "--walkers", walkers)
    assert f"{walkers} walkers x 10 steps need" in line and "GB of memory" in line
    assert not (tmp_path / "w.h5").exists()


def test_seed_of_2_to_the_32_is_one_line(toy_site, tmp_path, capsys):
    line = one_line(capsys, "run", write_config(tmp_path), "-o", tmp_path / "s.h5", "--seed", 2 ** 32)
    assert "sampler.seed: must be < 2^32 = 4294967296, got 4294967296" in line


def test_read_only_output_directory_is_one_line(toy_site, tmp_path, capsys, monkeypatch):
    real_open = os.open

    def read_only(path, flags, *args):
        if str(path).startswith(str(tmp_path / "ro")) and flags & os.O_CREAT:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args)
    (tmp_path / "ro").mkdir()
    monkeypatch.setattr(lock.os, "open", read_only)
    line = one_line(capsys, "run", write_config(tmp_path), "-o", tmp_path / "ro" / "x.h5", "--no-plot")
    assert line == f"nsifit: error: cannot write {tmp_path / 'ro' / 'x.h5'}: Read-only file system ({tmp_path / 'ro'})"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_output_directory_by_permissions_is_one_line(toy_site, tmp_path, capsys):
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o555)
    line = one_line(capsys, "run", write_config(tmp_path), "-o", tmp_path / "ro" / "x.h5", "--no-plot")
    assert "cannot write" in line and "Permission denied" in line


@pytest.mark.parametrize("flags", [[], ["--force"], ["--resume"]])
def test_output_path_that_is_a_directory_is_one_line(toy_site, tmp_path, capsys, flags):
    (tmp_path / "out.h5").mkdir()
    line = one_line(capsys, "run", write_config(tmp_path), "-o", tmp_path / "out.h5", "--no-plot", *flags)
    assert f"output {tmp_path / 'out.h5'} is a directory; give a file name" in line
    assert not lock.lock_path(tmp_path / "out.h5").exists()


def test_eight_byte_truncated_file_is_one_line(tmp_path, capsys):
    (tmp_path / "t.h5").write_bytes(b"\x89HDF\r\n\x1a\n")
    assert "truncated or corrupt HDF5 file (8 bytes)" in one_line(capsys, "summary", tmp_path / "t.h5")


def test_newer_schema_version_is_one_line(toy_site, tmp_path, capsys):
    api.run(toy.config(steps=10), output=tmp_path / "n.h5")
    with h5py.File(tmp_path / "n.h5", "r+") as h5:
        h5.attrs["schema_version"] = 99
    line = one_line(capsys, "summary", tmp_path / "n.h5")
    assert "written by a newer nsifit (file schema_version 99, this nsifit reads up to 2); upgrade nsifit" in line


def test_nan_chain_row_then_resume_is_one_line(toy_site, tmp_path, capsys):
    cfg = write_config(tmp_path, steps=20)
    api.run(str(cfg), output=tmp_path / "nan.h5")
    with h5py.File(tmp_path / "nan.h5", "r+") as h5:
        h5["mcmc/chain"][19, 3, 0] = np.nan
    line = one_line(capsys, "run", cfg, "-o", tmp_path / "nan.h5", "--resume", "--steps", "30", "--no-plot")
    assert "step 19 holds non-finite positions or log posterior" in line and "cannot resume" in line


def test_profile_into_a_run_being_written_is_refused_before_the_scan(toy_site, tmp_path, capsys, monkeypatch):
    cfg = write_config(tmp_path, steps=10)
    api.run(str(cfg), output=tmp_path / "busy.h5")

    def no_scan(*args, **kwargs):
        raise AssertionError("the scan was computed")
    monkeypatch.setattr(api.profiling, "profile", no_scan)
    with lock.OutputLock(tmp_path / "busy.h5"):
        line = one_line(capsys, "profile", cfg, "--scan", "m_zp:45:55:3", "-o", tmp_path / "busy.h5")
    assert "is being written by pid" in line


def test_log_scaled_eps_medium_axis_renders(tmp_path):
    from nsifit import bounds
    from nsifit.plots import bounds as bounds_plot
    raw = yaml.safe_load(examples.path("seed000_fig2_without_phi").read_text())
    raw["x"].update(min=0.1, max=3.0, scale="log")
    raw.pop("profile", None)
    cfg = bounds.load_bounds_config(raw, grid=4)
    bounds_plot.save(bounds_plot.draw(bounds.compute(cfg)), tmp_path / "log.png")
    assert (tmp_path / "log.png").stat().st_size > 1000


def test_nuisance_of_a_dataset_not_chosen_is_refused_at_validation():
    cfg = {"model": "mutau_baryon", "likelihoods": {"cevns_coherent": {}},      # default: csi_2021, lar_2020
           "params": {"m_zp": {"prior": "log-uniform", "min": 5, "max": 200},
                      "g_zp": {"prior": "log-uniform", "min": 1e-6, "max": 1e-2},
                      "tan_eta": -0.75, "c": -0.1, "cevns_csi2017_alpha": {}}}
    with pytest.raises(ConfigError, match="params.cevns_csi2017_alpha: not used by model 'mutau_baryon' or "
                                          "the chosen likelihoods"):
        load_config(cfg)


def test_yaml_syntax_errors_keep_line_and_column(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("model: dark_photon\nparams:\n  m_zp: {prior: uniform, min: 1 max: 2}\n")
    line = one_line(capsys, "run", bad, "-o", tmp_path / "b.h5")
    assert "bad.yaml: not valid YAML (line 3, column" in line


@pytest.mark.parametrize("text, where", [
    ("model: dark_photon\nmodel: mutau_baryon\nparams: {}\n", "line 2, column 1: key 'model' is given twice"),
    ("model: dark_photon\nsampler:\n  steps: 10\n  steps: 20\nparams: {}\n",
     "line 4, column 3: key 'steps' is given twice (first on line 3)"),
])
def test_duplicate_yaml_keys_are_refused(tmp_path, capsys, text, where):
    path = tmp_path / "dup.yaml"
    path.write_text(text)
    assert where in one_line(capsys, "run", path, "-o", tmp_path / "d.h5")
    with pytest.raises(DataError, match="key 'sigma' is given twice"):
        gm2 = gm2_dataset(tmp_path / "data", "dup", lambda c: None)
        gm2.write_text(gm2.read_text() + "extra: {value: 1, sigma: 2, sigma: 3}\n")
        nsifit.evaluate("dark_photon", likelihoods=["gm2_mu"], options={"gm2_mu": {"dataset": "dup"}},
                        data_dir=str(tmp_path / "data"), m_zp=10.0, epsilon=1e-3)


def test_resume_of_a_finished_run_says_nothing_to_do(toy_site, tmp_path, capsys):
    cfg = write_config(tmp_path, steps=15)
    assert cli(capsys, "run", cfg, "-o", tmp_path / "f.h5", "--no-plot")[0] == 0
    before = (tmp_path / "f.h5").stat().st_mtime_ns
    code, out, err = cli(capsys, "run", cfg, "-o", tmp_path / "f.h5", "--resume")
    assert code == 0 and out.strip() == f"nothing to do: {tmp_path / 'f.h5'} already holds 15 steps " \
                                        "(ask for more with --steps N)" and "wrote" not in out
    assert (tmp_path / "f.h5").stat().st_mtime_ns == before and not (tmp_path / "f.png").exists()


def test_resume_after_removing_a_plugin_says_what_differs(toy_site, tmp_path, capsys):
    both = toy.config(steps=10)
    both["likelihoods"] = {"toy_gauss": {}, "gm2_mu": {}}
    assert cli(capsys, "run", write_config(tmp_path, both), "-o", tmp_path / "p.h5", "--no-plot")[0] == 0
    line = one_line(capsys, "run", write_config(tmp_path, steps=20, name="one.yaml"), "-o", tmp_path / "p.h5",
                    "--resume", "--no-plot")
    assert "likelihoods: stored [toy_gauss, gm2_mu], now [toy_gauss]" in line


def test_a_failed_start_leaves_no_file_and_an_empty_file_is_replaced(toy_site, tmp_path, monkeypatch):
    cfg = load_config(toy.config(steps=50))
    posterior = Posterior(cfg)
    calls = {"n": 0}
    log_prob = posterior.log_prob

    def breaks_at_step_3(x):
        calls["n"] += 1
        if calls["n"] > 3:
            raise ConfigError("plugin failure in the third step")
        return log_prob(x)
    monkeypatch.setattr(posterior, "log_prob", breaks_at_step_3)
    with pytest.raises(ConfigError, match="third step"):
        ensemble.run(cfg, posterior, tmp_path / "f.h5")
    assert not (tmp_path / "f.h5").exists() and not lock.lock_path(tmp_path / "f.h5").exists()
    empty = runfile.H5Backend(tmp_path / "f.h5")               # a file with no step (an older failed start)
    empty.create(Posterior(cfg), 16, cfg.yaml(), 7)
    empty.close()
    assert read_run(tmp_path / "f.h5").iteration == 0
    backend, _ = ensemble.run(cfg, Posterior(cfg), tmp_path / "f.h5")          # no --force needed
    assert backend.iteration == 50


def test_stale_temporaries_are_removed_and_fresh_ones_kept(toy_site, tmp_path):
    old, fresh = tmp_path / ".t.abcd1234.h5", tmp_path / ".t.efgh5678.h5"
    for p in (old, fresh):
        p.write_bytes(b"partial")
    os.utime(old, (time.time() - 120, time.time() - 120))
    api.run(toy.config(steps=10), output=tmp_path / "t.h5")
    assert not old.exists() and fresh.exists()


def test_the_same_data_at_another_path_resumes(tmp_path, capsys):
    gm2_dataset(tmp_path / "a", "mine", shifted)
    cfg = gm2_config(tmp_path)
    assert cli(capsys, "run", cfg, "-o", tmp_path / "m.h5", "--data-dir", tmp_path / "a", "--no-plot")[0] == 0
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    shutil.rmtree(tmp_path / "a")
    code, out, err = cli(capsys, "run", cfg, "-o", tmp_path / "m.h5", "--data-dir", tmp_path / "b", "--resume",
                         "--steps", "20", "--no-plot")
    assert code == 0, err
    gm2 = tmp_path / "b" / "gm2_mu" / "mine.yaml"
    gm2.write_text(gm2.read_text().replace("value: 1100", "value: 1101"))
    line = one_line(capsys, "run", cfg, "-o", tmp_path / "m.h5", "--data-dir", tmp_path / "b", "--resume",
                    "--steps", "30", "--no-plot")
    assert "data files changed since the run started (changed gm2_mu/mine.yaml)" in line


def test_eval_with_one_bad_point_flags_that_point_only(capsys):
    code, out, err = cli(capsys, "eval", "dark_photon", "m_zp=10,-3,20", "epsilon=1e-3", "--likelihoods",
                         "gm2_mu", "--json")
    assert code == 0, err
    res = json.loads(out)
    assert res["loglike"]["gm2_mu"][1] == "-inf" and res["loglike"]["gm2_mu"][0] < 0
    assert res["invalid"] == {"1": "parameter 'm_zp' must be > 0 [MeV], got -3"}
    assert np.isnan(nsifit.evaluate("dark_photon", likelihoods=[], m_zp=[10.0, -3.0], epsilon=1e-3)
                    ["derived"]["ctau_cm"][1])
    assert "must be > 0" in one_line(capsys, "eval", "dark_photon", "m_zp=-3", "epsilon=1e-3")


def test_nan_log_likelihoods_at_extreme_inputs_are_flagged_naming_the_plugin():
    out = run_cli(["eval", "mutau_baryon", "m_zp=1e-300", "g_zp=1e300", "c=-0.1", "tan_eta=-0.75"])
    assert out.returncode == 0
    warned = [line for line in out.stderr.splitlines() if line.startswith("nsifit: warning: likelihood '")]
    assert warned and all("returned NaN at 1 of 1 point(s)" in line for line in warned)
    assert len(warned) == len(out.stderr.strip().splitlines())


# --- new users ------------------------------------------------------------------------------------

def test_examples_are_shipped_and_printed_by_name(capsys):
    names = examples.names()
    assert names["quickstart"] == "run" and names["seed004_fig1"] == "bounds"
    assert {p.stem for p in (REPO / "examples" / "figures").glob("*.yaml")} <= set(names)
    code, out, err = cli(capsys, "example", "seed004_fig1")
    assert code == 0 and out == (REPO / "examples" / "figures" / "seed004_fig1.yaml").read_text()
    code, out, err = cli(capsys, "example")
    assert code == 0 and "quickstart" in out and "seed000_fig1_left" in out
    assert "unknown example 'quikstart' (did you mean 'quickstart'?)" in one_line(capsys, "example", "quikstart")


def test_shipped_names_work_where_a_config_path_is_expected(tmp_path, monkeypatch):
    from nsifit.cli.bounds import find_config
    monkeypatch.chdir(tmp_path)                   # no examples/ folder here
    assert load_config("quickstart").model["name"] == "mutau_baryon"
    assert find_config("seed004_fig1") == examples.path("seed004_fig1")
    with pytest.raises(NsifitError, match="cannot read config nope.yaml: No such file or directory "
                                          r"\(shipped examples: quickstart\)"):
        load_config("nope.yaml")


@pytest.mark.slow
def test_a_non_editable_install_works_from_another_directory(tmp_path):
    """`pip install .` (not editable) into a fresh venv, used outside the checkout: figures, examples,
    data and plugins all come from the installed package."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    site = subprocess.run([str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()"
                           "['purelib'])"], capture_output=True, text=True, check=True).stdout.strip()
    deps = [p for p in sys.path if p.endswith("site-packages")]
    Path(site, "deps.pth").write_text("\n".join(deps) + "\n")     # the dependencies, not the editable nsifit
    done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", str(REPO)],
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "NSIFIT_DATA_DIR")}
    nsifit_bin = str(venv / "bin" / "nsifit")

    def run(*args):
        out = subprocess.run([nsifit_bin, *args], cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert out.returncode == 0, (args, out.stderr[-3000:])
        return out.stdout
    where = subprocess.run([str(venv / "bin" / "python"), "-c", "import nsifit; print(nsifit.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True).stdout
    assert str(venv) in where and str(REPO) not in where
    run("bounds", "seed004_fig1", "--grid", "4", "--no-profile", "-o", "fig.png")
    (work / "my.yaml").write_text(run("example", "quickstart"))
    run("profile", "quickstart", "--scan", "m_zp:10:100:3:log", "--starts", "2", "-o", "p.h5")
    run("run", "my.yaml", "--steps", "12", "--walkers", "8", "-o", "r.h5", "--no-plot")
    assert "LOGLIKE" in run("eval", "mutau_baryon", "m_zp=20", "g_zp=5e-4", "c=-0.1", "tan_eta=-0.75")
    assert (work / "fig.png").stat().st_size > 1000 and (work / "p.h5").exists()
