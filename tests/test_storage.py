"""Run files: crash-safe resume (kill -9), reading while written, clear errors for bad files."""

import random
import signal
import time

import h5py
import numpy as np
import pytest
import sampling_toy as toy
import yaml

from nsifit.errors import StorageError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers.ensemble import run
from nsifit.io.files import SCHEMA_VERSION
from nsifit.io.runfile import read_run

STEPS = 1200


def write_config(tmp_path, **sampler):
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(toy.config(**dict({"steps": STEPS, "flush_steps": 7,
                                                      "flush_seconds": 0.02}, **sampler))))
    return path


def run_to_end(site, cwd, args):
    proc = toy.nsifit_process(args, site, cwd)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return out


def _saved(path):
    return read_run(path).iteration if path.exists() else 0


def test_storage_kill_minus_9_then_resume_gives_the_uninterrupted_chain(toy_site, tmp_path):
    site = toy_site
    cfg = write_config(tmp_path)
    args = ["run", str(cfg), "-o", "crash.h5", "--no-plot", "--resume"]
    rng = random.Random(2024)
    seen = [0, 0]
    for kill in range(6):
        proc = toy.nsifit_process(args, site, tmp_path)
        if kill % 2 == 0:                    # any moment: start-up, file rewrite, sampling
            time.sleep(rng.uniform(0.3, 2.5))
        else:                                # surely mid-run: after a random number of new steps
            target = seen[-1] + rng.randint(20, 150)
            while proc.poll() is None and _saved(tmp_path / "crash.h5") < target:
                time.sleep(0.01)
            time.sleep(rng.uniform(0.0, 0.05))
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        seen.append(_saved(tmp_path / "crash.h5"))              # the file opens after every kill
        assert seen[-2] <= seen[-1] <= STEPS
    assert sum(0 < n < STEPS for n in seen) >= 3, f"too few kills landed mid-run: {seen}"
    run_to_end(site, tmp_path, args)
    clean_config = load_config(cfg)
    run(clean_config, Posterior(clean_config), tmp_path / "clean.h5")
    crashed, clean = read_run(tmp_path / "crash.h5"), read_run(tmp_path / "clean.h5")
    assert crashed.iteration == clean.iteration == STEPS
    assert np.array_equal(crashed.chain, clean.chain)          # no step duplicated, lost or altered
    assert np.array_equal(crashed.log_prob, clean.log_prob)
    assert np.array_equal(crashed.accepted, clean.accepted)
    assert all(np.array_equal(crashed.blobs[k], clean.blobs[k], equal_nan=True) for k in clean.blobs)


def test_storage_file_is_readable_while_a_run_writes_it(tmp_path):
    site = toy.write_site(tmp_path)
    cfg = write_config(tmp_path, steps=20000)
    proc = toy.nsifit_process(["run", str(cfg), "-o", "live.h5", "--no-plot"], site, tmp_path)
    try:
        counts = []
        deadline = time.monotonic() + 30
        while len(counts) < 5 and time.monotonic() < deadline:
            if (tmp_path / "live.h5").exists():
                run = read_run(tmp_path / "live.h5")
                assert run.chain.shape == (run.iteration, 16, 2)
                if run.iteration and (not counts or run.iteration > counts[-1]):
                    counts.append(run.iteration)
            time.sleep(0.05)
        assert len(counts) == 5, counts
    finally:
        proc.kill()
        proc.communicate()


def test_storage_metadata_is_self_describing(tmp_path):
    site = toy.write_site(tmp_path)
    run_to_end(site, tmp_path, ["run", str(write_config(tmp_path, steps=30)), "-o", "m.h5", "--no-plot"])
    with h5py.File(tmp_path / "m.h5", "r") as h5:
        for key in ("nsifit_version", "schema_version", "created_utc", "config_yaml", "model",
                    "param_names", "seed", "versions"):
            assert key in h5.attrs, key
        assert h5.attrs["schema_version"] == SCHEMA_VERSION and h5.attrs["seed"] == 7
        assert h5["params/m_zp"].attrs["unit"] == "MeV" and h5["params/m_zp"].attrs["min"] == 1.0
        assert "m_{Z'}" in h5["params/m_zp"].attrs["label"]
        assert "loglike_toy_gauss" in h5["mcmc/blobs"] and h5["mcmc/iteration"][0] == 30
        assert yaml.safe_load(h5.attrs["config_yaml"])["likelihoods"] == {"toy_gauss": {}}


def test_storage_truncated_file_is_a_clear_error(tmp_path):
    site = toy.write_site(tmp_path)
    run_to_end(site, tmp_path, ["run", str(write_config(tmp_path, steps=30)), "-o", "t.h5", "--no-plot"])
    data = (tmp_path / "t.h5").read_bytes()
    (tmp_path / "t.h5").write_bytes(data[: len(data) // 3])
    with pytest.raises(StorageError, match="t.h5: truncated or corrupt HDF5 file"):
        read_run(tmp_path / "t.h5")


def test_storage_foreign_files_are_clear_errors(tmp_path):
    (tmp_path / "text.h5").write_text("not hdf5")
    with pytest.raises(StorageError, match="text.h5: not an HDF5 file"):
        read_run(tmp_path / "text.h5")
    with h5py.File(tmp_path / "other.h5", "w") as h5:
        h5["x"] = np.arange(3)
    with pytest.raises(StorageError, match="other.h5: not an nsifit file"):
        read_run(tmp_path / "other.h5")
    with pytest.raises(StorageError, match="no such file"):
        read_run(tmp_path / "missing.h5")
