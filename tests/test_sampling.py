"""emcee driver: reproducibility, a known Gaussian posterior, pools, resume checks, clear failures."""

import os
import shutil
import subprocess
import sys
import types

import numpy as np
import pytest
import sampling_toy as toy
import yaml

from nsifit.cli import main as cli
from nsifit.errors import ConfigError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers.diagnostics import diagnostics
from nsifit.inference.samplers.ensemble import initial_walkers, run
from nsifit.io.runfile import read_run


def sample(tmp_path, name, **sampler):
    cfg = load_config(toy.config(**sampler))
    return run(cfg, Posterior(cfg), tmp_path / name)[0]


def test_sampling_same_seed_gives_identical_chain(toy_site, tmp_path):
    a = sample(tmp_path, "a.h5", steps=40)
    sample(tmp_path, "b.h5", steps=40)
    c = sample(tmp_path, "c.h5", steps=40, seed=8)
    ra, rb = read_run(tmp_path / "a.h5"), read_run(tmp_path / "b.h5")
    assert np.array_equal(ra.chain, rb.chain) and np.array_equal(ra.log_prob, rb.log_prob)
    assert all(np.array_equal(ra.blobs[k], rb.blobs[k], equal_nan=True) for k in ra.blobs)
    assert not np.array_equal(a.get_chain(), c.get_chain())
    assert np.array_equal(ra.chain, a.get_chain())          # the file holds what emcee produced


def test_sampling_pools_give_the_same_chain(toy_site, tmp_path):
    reference = sample(tmp_path, "v.h5", steps=20).get_chain()
    for pool in ("serial", "processes:2"):
        chain = sample(tmp_path, f"{pool[:4]}.h5", steps=20, pool=pool).get_chain()
        np.testing.assert_allclose(chain, reference, rtol=1e-12, atol=0)


@pytest.mark.parametrize("moves, acceptance", [("stretch", (0.5, 0.85)),      # 2D Gaussian: ~0.6-0.7
                                               ("de-mix", (0.2, 0.5))])        # DE, gamma = 2.38/sqrt(2 d)
def test_sampling_recovers_known_gaussian_posterior(toy_site, tmp_path, moves, acceptance):
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(toy.config(walkers=32, steps=700, moves=moves)))
    assert cli.main(["run", str(path), "-o", str(tmp_path / "g.h5"), "--no-plot"]) == 0
    r = read_run(tmp_path / "g.h5")
    diag = diagnostics(r.chain, r.accepted)
    flat = r.physical(r.chain[diag["burn_in"]:].reshape(-1, 2))
    for i, name in enumerate(r.names):
        ess = diag["ess"][i]
        mean, sd = flat[:, i].mean(), flat[:, i].std()
        assert abs(mean - toy.MEAN[name]) < 4 * toy.SIGMA[name] / np.sqrt(ess), name
        assert abs(sd / toy.SIGMA[name] - 1) < 4 / np.sqrt(2 * ess) + 0.02, name
    assert acceptance[0] < diag["acceptance"] < acceptance[1]


def test_sampling_resume_refuses_changed_config_unless_forced(toy_site, tmp_path):
    sample(tmp_path, "r.h5", steps=10)
    cfg = load_config(toy.config(steps=20, seed=9))
    with pytest.raises(ConfigError, match=r"sampler.seed: stored 7, now 9.*--force"):
        run(cfg, Posterior(cfg), tmp_path / "r.h5", resume=True)
    with pytest.raises(ConfigError, match="exists; use --resume"):
        run(cfg, Posterior(cfg), tmp_path / "r.h5")
    backend, _ = run(cfg, Posterior(cfg), tmp_path / "r.h5", resume=True, force=True)
    assert backend.iteration == 20


def test_sampling_resume_continues_to_total_steps(toy_site, tmp_path):
    sample(tmp_path, "t.h5", steps=15)
    cfg = load_config(toy.config(steps=35))
    backend, _ = run(cfg, Posterior(cfg), tmp_path / "t.h5", resume=True)
    assert backend.iteration == 35 == read_run(tmp_path / "t.h5").iteration
    assert np.array_equal(read_run(tmp_path / "t.h5").chain, sample(tmp_path, "u.h5", steps=35).get_chain())


def test_sampling_converge_stops_at_cap_with_warning(toy_site, tmp_path):
    cfg = load_config(toy.config(steps=100, converge=True, max_steps=250))
    backend, diag = run(cfg, Posterior(cfg), tmp_path / "c.h5")
    assert backend.iteration == 250                  # tau ~ 30: 50 tau not reached by the cap
    assert not diag["converged"] and "shorter than 50 tau" in diag["warnings"][0]


def test_sampling_initial_walkers_fail_clearly_when_posterior_is_minus_inf(toy_site):
    post = Posterior(toy.config())

    def nowhere(x):
        rows = np.zeros((len(x), 1 + len(post.blob_names)))
        rows[:, 0] = -np.inf
        rows[:, 1 + post.blob_names.index("loglike_toy_gauss")] = -np.inf
        return rows
    with pytest.raises(ConfigError, match=r"16 of 16 initial walkers .* \(from: loglike_toy_gauss\)"):
        initial_walkers(post, 16, np.random.default_rng(0), nowhere)


def test_sampling_refuses_mpi_launcher_with_non_mpi_pool(toy_site, tmp_path, monkeypatch):
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    cfg = load_config(toy.config())
    with pytest.raises(ConfigError, match="mpiexec with 2 ranks but pool is 'vectorized'"):
        run(cfg, Posterior(cfg), tmp_path / "m.h5")


def test_sampling_refuses_broken_mpi_where_every_rank_sees_size_one(toy_site, tmp_path, monkeypatch):
    """mpiexec started 2 ranks but mpi4py (built for another MPI) reports COMM_WORLD.size == 1."""
    world = types.SimpleNamespace(Get_size=lambda: 1, Get_rank=lambda: 0)
    monkeypatch.setitem(sys.modules, "mpi4py", types.SimpleNamespace(MPI=types.SimpleNamespace(COMM_WORLD=world)))
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", sys.modules["mpi4py"].MPI)
    monkeypatch.setenv("PMI_SIZE", "2")
    cfg = load_config(toy.config(pool="mpi"))
    with pytest.raises(ConfigError, match="broken MPI set-up: mpiexec started 2 ranks but each sees"):
        run(cfg, Posterior(cfg), tmp_path / "m.h5")
    assert not (tmp_path / "m.h5").exists()


@pytest.mark.skipif(shutil.which("mpiexec") is None, reason="mpiexec not installed")
def test_sampling_mpi_two_ranks_equal_serial(toy_site, tmp_path):
    pytest.importorskip("mpi4py")
    cfg_path = tmp_path / "cfg.yaml"
    cfg_path.write_text(yaml.safe_dump(toy.config(steps=20), sort_keys=False))   # keep the parameter order
    command = ["mpiexec", "-n", "2", sys.executable, "-m", "nsifit.cli", "run", str(cfg_path),
               "-o", str(tmp_path / "mpi.h5"), "--pool", "mpi", "--no-plot"]
    env = dict(os.environ, PYTHONPATH=str(toy_site), OMPI_MCA_rmaps_base_oversubscribe="1",
               OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")   # CI runs as root
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    serial = sample(tmp_path, "s.h5", steps=20).get_chain()
    np.testing.assert_allclose(read_run(tmp_path / "mpi.h5").chain, serial, rtol=1e-12, atol=0)
