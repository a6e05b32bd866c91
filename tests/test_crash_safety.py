"""Nothing lost, nothing silent: run and profile files shared, locked outputs, signals, full disks,
checksums, and one-line errors for broken files (nsifit issue 14)."""

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time

import emcee
import h5py
import numpy as np
import pytest
import sampling_toy as toy
import yaml
from cli_helpers import assert_same_run, clean_chain, cli, finish, one_line, toy_profile, write_config

from nsifit import api
from nsifit.errors import StorageError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble
from nsifit.io import files, lock, runfile
from nsifit.io.runfile import read_run

INTERRUPTED = re.compile(r"^nsifit: interrupted at step (\d+); continue with --resume$")


def saved_steps(path):
    try:
        return read_run(path).iteration
    except StorageError:
        return 0


# --- 1. profile scans and chains in one file ----------------------------------------------------


def test_resume_keeps_the_profile_scans_written_into_the_run_file(toy_site, tmp_path):
    cfg = write_config(tmp_path, steps=20)
    out = tmp_path / "run.h5"
    api.run(str(cfg), output=out)
    toy_profile(cfg, out)
    api.run(str(cfg), output=out, steps=40, resume=True)
    with h5py.File(out, "r") as h5:
        assert set(h5) >= {"mcmc", "profile", "params", "data_files"}
        assert list(h5["profile"]) == ["m_zp"]
    assert read_run(out).iteration == 40
    assert api.Profile(out, "m_zp").delta_chi2.shape == (3,)


def test_run_resume_on_a_profile_only_file_starts_the_chain_and_keeps_the_scans(toy_site, tmp_path, capsys):
    cfg = write_config(tmp_path, steps=20)
    out = tmp_path / "prof.h5"
    toy_profile(cfg, out)
    assert "use --resume to add a chain" in one_line(capsys, "run", cfg, "-o", out, "--no-plot")
    code, stdout, err = cli(capsys, "run", cfg, "-o", out, "--no-plot", "--resume")
    assert code == 0, err
    with h5py.File(out, "r") as h5:
        assert "m_zp" in h5["profile"] and "config_yaml" in h5["profile/m_zp"].attrs
    assert read_run(out).iteration == 20


def test_profile_into_a_run_file_leaves_the_chain_untouched(toy_site, tmp_path):
    cfg = write_config(tmp_path, steps=30)
    out = tmp_path / "run.h5"
    api.run(str(cfg), output=out)
    before = read_run(out)
    toy_profile(cfg, out)
    assert_same_run(read_run(out), before)
    assert read_run(out).attrs["config_yaml"] == before.attrs["config_yaml"]


@pytest.mark.slow
def test_profile_into_a_killed_runs_file_adds_the_scan_and_keeps_the_steps(toy_site, tmp_path):
    cfg = write_config(tmp_path, steps=20000, flush_steps=5, flush_seconds=0.05)
    proc = toy.nsifit_process(["run", str(cfg), "-o", "killed.h5", "--no-plot"], toy_site, tmp_path)
    deadline = time.monotonic() + 60
    while saved_steps(tmp_path / "killed.h5") < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.kill()
    proc.communicate()
    before = read_run(tmp_path / "killed.h5")
    assert before.iteration >= 20
    toy_profile(cfg, tmp_path / "killed.h5")          # the stale lock is replaced, the file rebuilt
    assert_same_run(read_run(tmp_path / "killed.h5"), before)
    assert api.Profile(tmp_path / "killed.h5", "m_zp").valid.all()


# --- 2. one writer per output ---------------------------------------------------------------------

def test_second_writer_is_refused_with_one_line_naming_the_holder(toy_site, tmp_path, capsys):
    cfg = write_config(tmp_path, steps=10)
    out = tmp_path / "same.h5"
    with lock.OutputLock(out):
        line = one_line(capsys, "run", cfg, "-o", out, "--force", "--no-plot")
        assert f"being written by pid {os.getpid()}" in line and "same.h5.lock" in line
        line = one_line(capsys, "profile", cfg, "--scan", "m_zp:45:55:3", "-o", out)
        assert f"being written by pid {os.getpid()}" in line
    assert not out.exists()
    assert cli(capsys, "run", cfg, "-o", out, "--no-plot")[0] == 0
    assert not lock.lock_path(out).exists()


def test_stale_lock_of_a_dead_process_is_replaced_with_a_notice(toy_site, tmp_path, capsys):
    cfg = write_config(tmp_path, steps=10)
    out = tmp_path / "stale.h5"
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    holder = {"pid": dead.pid, "host": lock.socket.gethostname(), "pid_start": 1, "started": "earlier"}
    lock.lock_path(out).write_text(json.dumps(holder))
    code, stdout, err = cli(capsys, "run", cfg, "-o", out, "--no-plot")
    assert code == 0, err
    assert f"removed the stale lock {lock.lock_path(out)} of pid {dead.pid}" in err
    assert read_run(out).iteration == 10 and not lock.lock_path(out).exists()


def test_lock_of_another_host_is_never_taken_over(tmp_path):
    out = tmp_path / "x.h5"
    lock.lock_path(out).write_text('{"pid": 1, "host": "elsewhere", "started": "t"}')
    with pytest.raises(StorageError, match="being written by pid 1 on elsewhere"):
        lock.OutputLock(out).acquire()


@pytest.mark.slow
def test_concurrent_force_runs_one_is_refused_and_the_report_matches_the_file(toy_site, tmp_path):
    cfg = write_config(tmp_path, steps=3000, flush_steps=50)
    a = toy.nsifit_process(["run", str(cfg), "-o", "same.h5", "--no-plot", "--force"], toy_site, tmp_path)
    deadline = time.monotonic() + 60
    while not (tmp_path / "same.h5").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    b = toy.nsifit_process(["run", str(cfg), "-o", "same.h5", "--no-plot", "--force", "--steps", "300"],
                           toy_site, tmp_path)
    out_b, err_b = finish(b, 120)
    assert b.returncode == 2 and "being written by pid" in err_b and "wrote" not in out_b, err_b
    out_a, err_a = finish(a, 300)
    assert a.returncode == 0, err_a
    assert "wrote same.h5: 3000 steps" in out_a
    assert read_run(tmp_path / "same.h5").iteration == 3000


@pytest.mark.slow
def test_run_never_reports_steps_its_file_does_not_hold(toy_site, tmp_path):
    """A file replaced behind the run's back (bypassing the lock): the run must say so, not 'wrote'."""
    cfg = write_config(tmp_path, steps=3000, flush_steps=50)
    other = tmp_path / "other.h5"
    cfg_small = load_config(toy.config(steps=30))
    ensemble.run(cfg_small, Posterior(cfg_small), other)
    a = toy.nsifit_process(["run", str(cfg), "-o", "victim.h5", "--no-plot"], toy_site, tmp_path)
    deadline = time.monotonic() + 60
    while saved_steps(tmp_path / "victim.h5") < 100 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.replace(other, tmp_path / "victim.h5")
    out, err = finish(a, 300)
    assert a.returncode == 2 and "wrote" not in out, (out, err)
    assert "holds 30 steps, the run made 3000" in err and len(err.strip().splitlines()) == 1


# --- 4. SIGINT / SIGTERM --------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("pool", ["vectorized", "serial"])
def test_signals_stop_at_a_safe_point_and_resume_is_bit_identical(toy_site, tmp_path, pool):
    steps = 400 if pool == "serial" else 3000
    cfg = write_config(tmp_path, steps=steps, pool=pool, flush_steps=1, flush_seconds=0.01)
    args = ["run", str(cfg), "-o", "sig.h5", "--no-plot", "--resume"]
    rng = random.Random(14)
    previous = 0
    for sig in (signal.SIGINT, signal.SIGINT, signal.SIGTERM, signal.SIGINT):
        proc = toy.nsifit_process(args, toy_site, tmp_path)
        target = previous + rng.randint(5, 40)
        deadline = time.monotonic() + 120
        while saved_steps(tmp_path / "sig.h5") < target and time.monotonic() < deadline:
            time.sleep(0.005)
        proc.send_signal(sig)                   # flush_steps 1: most signals land inside a flush
        out, err = finish(proc, 120)
        assert proc.returncode == 128 + sig, (out, err)
        lines = err.strip().splitlines()
        assert len(lines) == 1 and INTERRUPTED.match(lines[0]), err
        stored = read_run(tmp_path / "sig.h5").iteration
        assert int(INTERRUPTED.match(lines[0]).group(1)) == stored >= target
        assert "wrote" not in out and not lock.lock_path(tmp_path / "sig.h5").exists()
        previous = stored
    proc = toy.nsifit_process(args, toy_site, tmp_path)
    out, err = finish(proc, 300)
    assert proc.returncode == 0, err
    assert_same_run(read_run(tmp_path / "sig.h5"), clean_chain(tmp_path, steps, pool=pool, flush_steps=1))


# --- storage layout -------------------------------------------------------------------------------

def test_derived_quantities_are_thinned_and_recomputed_exactly(toy_site, tmp_path):
    cfg = write_config(tmp_path, steps=60, flush_steps=7, derived_every=10)
    out = tmp_path / "thin.h5"
    run = api.run(str(cfg), output=out)
    data = read_run(out)
    assert data.derived_every == 10 and np.array_equal(data.derived_steps, np.arange(0, 60, 10))
    assert all(v.shape == (6, 16) for v in data.derived.values())
    assert set(data.blobs) == {"loglike_toy_gauss", "loglike_total"}
    derived = [n for n in data.blob_names if not n.startswith("loglike_")]
    assert "br_ee" in derived and "br_ee" in data.constants        # 1 for a dark photon below 2 m_mu
    with h5py.File(out, "r") as h5:
        assert h5["mcmc/derived/br_ee"].shape[0] == 0                  # a constant is not stored per row
        assert h5["mcmc/derived/ctau_cm"].chunks[0] == 1               # flush of 7 steps -> 1 row per chunk
        assert h5["mcmc/chain"].chunks[0] == 7                          # chunks of one flush
    samples = run.samples(derived=["ctau_cm", "loglike_total", "br_ee"])
    n = len(samples["m_zp"])
    assert all(len(v) == n for v in samples.values())
    stored_rows = read_run(out).derived["ctau_cm"]
    burn = run.diagnostics["burn_in"]
    first = (-burn) % 10                                                # first stored step >= burn, as an offset
    np.testing.assert_allclose(samples["ctau_cm"].reshape(-1, 16)[first::10],
                               stored_rows[(burn + first) // 10:], rtol=1e-12, atol=0)


def test_a_constant_that_starts_to_vary_is_stored_from_then_on(toy_site, tmp_path):
    """A blob equal at every point of the first flushes is kept as one number; when it first differs,
    its earlier rows are filled in with that number and the rows from then on are stored."""
    posterior = Posterior(load_config(toy.config()))
    names = posterior.blob_names
    j = names.index("loglike_toy_gauss")
    backend = runfile.H5Backend(tmp_path / "k.h5", flush_steps=10, derived_every=1)
    backend.create(posterior, 4, "config", 7, constants={"loglike_toy_gauss": -1.5})
    rng = np.random.RandomState(3)
    expected = np.full((35, 4), -1.5)
    expected[15:] = rng.normal(size=(20, 4))                  # varies from step 15 on
    backend.grow(35, np.zeros((4, len(names))))
    for step in range(35):
        blobs = np.zeros((4, len(names)))
        blobs[:, j] = expected[step]
        state = emcee.State(rng.normal(size=(4, 2)), rng.normal(size=4), blobs, rng.get_state())
        backend.save_step(state, np.ones(4, bool))
        if step == 9:
            assert read_run(tmp_path / "k.h5").constants == {"loglike_toy_gauss": -1.5}
    backend.close()
    data = read_run(tmp_path / "k.h5")
    assert "loglike_toy_gauss" not in data.constants
    np.testing.assert_array_equal(data.blobs["loglike_toy_gauss"], expected)
    with h5py.File(tmp_path / "k.h5", "r") as h5:
        assert list(h5["mcmc/constant_broken"][:]) == [10]      # stored from the flush of steps 10-19


def test_version_1_files_are_read_and_resumed(toy_site, tmp_path):
    v1 = tmp_path / "v1.h5"
    shutil.copy(os.path.join(os.path.dirname(__file__), "fixtures", "toy_run_v1.h5"), v1)
    old = read_run(v1)
    assert old.derived_every == 1 and old.iteration == 40 and "ctau_cm" in old.derived
    cfg = load_config(yaml.safe_load(str(old.attrs["config_yaml"])))
    cfg.sampler["steps"] = 60
    ensemble.run(cfg, Posterior(cfg), v1, resume=True, force=True)
    new = read_run(v1)
    assert new.iteration == 60 and np.array_equal(new.chain[:40], old.chain)
    with h5py.File(v1, "r") as h5:
        assert h5.attrs["schema_version"] == files.SCHEMA_VERSION and h5["mcmc/chain"].fletcher32


def test_export_adds_recomputed_derived_quantities(toy_site, tmp_path, capsys):
    cfg = write_config(tmp_path, steps=40, derived_every=10)
    api.run(str(cfg), output=tmp_path / "e.h5")
    code, out, err = cli(capsys, "export", tmp_path / "e.h5", "--format", "csv", "-o", tmp_path / "e.csv",
                         "--derived", "ctau_cm")
    assert code == 0, err
    header = (tmp_path / "e.csv").read_text().splitlines()[0].split(",")
    assert header[-3:] == ["loglike_toy_gauss", "loglike_total", "ctau_cm"]
    assert "no per-point quantity 'nope'" in one_line(capsys, "export", tmp_path / "e.h5", "--format", "csv",
                                                       "-o", tmp_path / "f.csv", "--derived", "nope")
