"""Nothing lost, nothing silent: run and profile files shared, locked outputs, signals, full disks,
checksums, and one-line errors for broken files (nsifit issue 14)."""

import errno
import json
import os
import random
import re
import resource
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

from nsifit import api
from nsifit.cli.main import main
from nsifit.errors import StorageError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble
from nsifit.io import files, lock, runfile
from nsifit.io.runfile import read_run

INTERRUPTED = re.compile(r"^nsifit: interrupted at step (\d+); continue with --resume$")


def write_config(tmp_path, name="cfg.yaml", **sampler):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(toy.config(**sampler), sort_keys=False))
    return path


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(capsys, *argv):
    code, out, err = cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, (code, out, err)
    assert "Traceback" not in err
    return lines[0]


def clean_chain(tmp_path, steps, **sampler):
    """The chain of an uninterrupted in-process run (the reference of bit-identical resumes)."""
    cfg = load_config(toy.config(steps=steps, **sampler))
    ensemble.run(cfg, Posterior(cfg), tmp_path / "clean.h5")
    return read_run(tmp_path / "clean.h5")


def assert_same_run(a, b):
    assert a.iteration == b.iteration
    assert np.array_equal(a.chain, b.chain) and np.array_equal(a.log_prob, b.log_prob)
    assert np.array_equal(a.accepted, b.accepted)
    assert a.blobs.keys() == b.blobs.keys() and a.derived.keys() == b.derived.keys()
    for k in a.blobs:
        assert np.array_equal(a.blobs[k], b.blobs[k], equal_nan=True), k
    for k in a.derived:
        assert np.array_equal(a.derived[k], b.derived[k], equal_nan=True), k


def finish(proc, timeout=300):
    """communicate(), killing the process when it does not end in time (no stray runs)."""
    try:
        return proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise


def saved_steps(path):
    try:
        return read_run(path).iteration
    except StorageError:
        return 0


# --- 1. profile scans and chains in one file ----------------------------------------------------

def toy_profile(cfg_path, output):
    return api.profile(str(cfg_path), ["m_zp:45:55:3"], output=output, starts=2)


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


# --- 5. full disk ---------------------------------------------------------------------------------

def test_a_failed_write_stops_cleanly_and_keeps_the_valid_steps(toy_site, tmp_path, monkeypatch):
    """HDF5 reports ENOSPC on the third flush: one StorageError line, nothing written afterwards."""
    cfg = load_config(toy.config(steps=200, flush_steps=10))
    calls = {"n": 0}
    write = runfile.H5Backend._write

    def failing(self, start, stop):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(errno.ENOSPC, "Can't write data (file write failed: errno = 28, "
                                        "error message = 'No space left on device')")
        assert calls["n"] < 3, "wrote again after a failure"
        return write(self, start, stop)
    monkeypatch.setattr(runfile.H5Backend, "_write", failing)
    with pytest.raises(StorageError) as err:
        ensemble.run(cfg, Posterior(cfg), tmp_path / "full.h5")
    assert str(err.value) == (f"writing {tmp_path / 'full.h5'} failed: no space left on the device; the file "
                              "keeps 20 valid steps (continue with --resume once the problem is fixed)")
    assert read_run(tmp_path / "full.h5").iteration == 20 and calls["n"] == 3
    assert not lock.lock_path(tmp_path / "full.h5").exists()


def _limited(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


@pytest.mark.slow
def test_full_disk_by_file_size_limit_is_one_line_and_the_file_resumes(toy_site, tmp_path):
    """RLIMIT_FSIZE makes writes past 400 kB fail (EFBIG) like a full disk, without mount privileges."""
    cfg = write_config(tmp_path, steps=3000, walkers=32, flush_steps=20)
    args = ["run", str(cfg), "-o", "lim.h5", "--no-plot", "--resume"]
    proc = toy.nsifit_process(args, toy_site, tmp_path, preexec_fn=_limited(400_000))
    out, err = finish(proc, 300)
    assert proc.returncode == 2, (proc.returncode, err)            # not a segfault (-11)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "failed: file size limit exceeded; the file keeps" in lines[0], err
    kept = read_run(tmp_path / "lim.h5").iteration
    assert 0 < kept < 3000 and f"keeps {kept} valid steps" in lines[0]
    proc = toy.nsifit_process(args, toy_site, tmp_path)
    out, err = finish(proc, 300)
    assert proc.returncode == 0, err
    assert_same_run(read_run(tmp_path / "lim.h5"), clean_chain(tmp_path, 3000, walkers=32, flush_steps=20))


@pytest.fixture
def small_tmpfs(tmp_path):
    """A 1 MB tmpfs (needs mount privileges: skipped where there are none)."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (no privileges)")
    yield mnt
    subprocess.run(["umount", str(mnt)], capture_output=True)


@pytest.mark.slow
@pytest.mark.parametrize("reserve", [True, False], ids=["reserved", "hdf5-fails"])
def test_full_tmpfs_is_one_line_and_the_file_stays_readable(toy_site, tmp_path, small_tmpfs, reserve):
    cfg = write_config(tmp_path, steps=20000, walkers=64, flush_steps=50)
    code = ("import sys; from nsifit.io import runfile; from nsifit.cli.main import main; "
            + ("" if reserve else "runfile.H5Backend._reserve = lambda self, n: None; ")
            + f"sys.exit(main(['run', {str(cfg)!r}, '-o', {str(small_tmpfs / 'full.h5')!r}, '--no-plot']))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(toy_site), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2, (done.returncode, done.stderr[-2000:])
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no space left on the device" in lines[0], done.stderr[-2000:]
    kept = read_run(small_tmpfs / "full.h5").iteration
    assert f"keeps {kept} valid steps" in lines[0] and kept > 0


# --- 7. checksums ---------------------------------------------------------------------------------

def flip_byte_in_chunk(path, dataset, chunk=0, offset=7):
    with h5py.File(path, "r") as h5:
        info = h5[dataset].id.get_chunk_info(chunk)
    with open(path, "r+b") as f:
        f.seek(info.byte_offset + offset)
        byte = f.read(1)
        f.seek(info.byte_offset + offset)
        f.write(bytes([byte[0] ^ 0x10]))


@pytest.mark.parametrize("dataset", ["mcmc/chain", "mcmc/blobs/loglike_toy_gauss", "mcmc/log_prob",
                                     "mcmc/checkpoint/rng_keys"])
def test_a_flipped_byte_is_a_checksum_error_everywhere(toy_site, tmp_path, capsys, dataset):
    cfg = write_config(tmp_path, steps=40, flush_steps=20)
    out = tmp_path / "c.h5"
    api.run(str(cfg), output=out)
    flip_byte_in_chunk(out, dataset, chunk=0 if "checkpoint" in dataset else 1)
    for argv in (("summary", out), ("corner", out, "-o", tmp_path / "c.png"),
                 ("export", out, "--format", "csv", "-o", tmp_path / "c.csv"),
                 ("run", cfg, "-o", out, "--resume", "--steps", "60", "--no-plot")):
        line = one_line(capsys, *argv)
        assert line.startswith(f"nsifit: error: {out}: checksum mismatch: file corrupted"), line
    assert not (tmp_path / "c.csv").exists() and not (tmp_path / "c.png").exists()


def test_every_stored_dataset_carries_a_checksum(toy_site, tmp_path):
    cfg = write_config(tmp_path, steps=20)
    out = tmp_path / "all.h5"
    api.run(str(cfg), output=out)
    toy_profile(cfg, out)
    missing = []
    with h5py.File(out, "r") as h5:
        h5.visititems(lambda name, obj: missing.append(name) if isinstance(obj, h5py.Dataset)
                      and obj.size > 1 and obj.dtype.kind in "biuf" and not obj.fletcher32 else None)
    assert missing == []


def test_damaged_metadata_is_one_line(toy_site, tmp_path, capsys):
    cfg = write_config(tmp_path, steps=20)
    out = tmp_path / "meta.h5"
    api.run(str(cfg), output=out)
    with h5py.File(out, "r") as h5:
        address = h5py.h5o.get_info(h5["mcmc/chain"].id).addr
    with open(out, "r+b") as f:              # a byte inside /mcmc/chain's object header
        f.seek(address + 12)
        byte = f.read(1)
        f.seek(address + 12)
        f.write(bytes([byte[0] ^ 0x01]))
    line = one_line(capsys, "summary", out)
    assert f"{out}: checksum mismatch: file corrupted" in line


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
