"""A full disk stops a run cleanly and the file resumes; a flipped byte or damaged metadata is a checksum
error everywhere, never a wrong number."""

import errno
import os
import re
import resource
import subprocess
import sys

import h5py
import pytest
import sampling_toy as toy
from cli_helpers import assert_same_run, clean_chain, finish, one_line, toy_profile, write_config

from nsifit import api
from nsifit.errors import StorageError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble
from nsifit.io import lock, runfile
from nsifit.io.runfile import read_run

INTERRUPTED = re.compile(r"^nsifit: interrupted at step (\d+); continue with --resume$")









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
