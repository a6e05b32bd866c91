"""Helpers shared by the CLI-level and crash-safety tests: toy configs and datasets, the CLI in-process
or as a subprocess, reference chains."""

import os
import subprocess
import sys

import numpy as np
import sampling_toy as toy
import yaml

from nsifit import api
from nsifit.cli.main import main
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble
from nsifit.io.runfile import read_run
from nsifit.plugins.datasets import builtin_data_dir


def write_config(tmp_path, config=None, name="cfg.yaml", **sampler):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config or toy.config(**sampler), sort_keys=False))
    return path


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(capsys, *argv):
    code, out, err = cli(capsys, *argv)
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1, (code, out, err)
    return lines[0]


def run_cli(args, env_extra=None, cwd=None):
    env = dict(os.environ, **(env_extra or {}))
    return subprocess.run([sys.executable, "-m", "nsifit", *args], capture_output=True, text=True, env=env,
                          cwd=cwd, timeout=300)


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


def toy_profile(cfg_path, output):
    return api.profile(str(cfg_path), ["m_zp:45:55:3"], output=output, starts=2)


def gm2_dataset(root, name, mutate):
    content = yaml.safe_load((builtin_data_dir() / "gm2_mu" / "bnl_fnal_2021_wp2020.yaml").read_text())
    mutate(content)
    (root / "gm2_mu").mkdir(parents=True, exist_ok=True)
    path = root / "gm2_mu" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(content))
    return path


def shifted(c):
    c["a_mu_exp"], c["a_mu_sm"] = {"value": 1100, "sigma": 6}, {"value": 1000, "sigma": 8}


def gm2_config(tmp_path, dataset="mine", **sampler):
    cfg = {"model": "dark_photon", "likelihoods": {"gm2_mu": {"dataset": dataset}},
           "params": {"m_zp": {"prior": "log-uniform", "min": 1, "max": 100},
                      "epsilon": {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}},
           "sampler": dict({"walkers": 8, "steps": 12, "seed": 3, "progress": False}, **sampler)}
    return write_config(tmp_path, cfg, name="gm2.yaml")
