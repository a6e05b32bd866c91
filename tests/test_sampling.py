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
from nsifit.inference.parallel import SerialPool
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers.diagnostics import diagnostics
from nsifit.inference.samplers.ensemble import NothingToDo, run
from nsifit.inference.samplers.start import LogProb, initial_walkers
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
        initial_walkers(post, 16, np.random.default_rng(0), nowhere, init="prior")
    with pytest.raises(ConfigError, match=r"only 0 of 32000 prior draws have a finite posterior, fewer than the "
                       r"16 walkers \(from: loglike_toy_gauss\)"):
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


def test_sampling_ess_target_stops_when_reached(toy_site, tmp_path, monkeypatch):
    """sampler.ess: checks every ~10% of the steps so far (>= 50), stops at the first check where
    every ESS >= the target and N >= 50 tau, well before max_steps."""
    from nsifit.inference.samplers import ensemble
    checks = []
    real = ensemble.target_reached

    def spy(chain, *args):
        out = real(chain, *args)
        checks.append((len(chain), out[0]))
        return out
    monkeypatch.setattr(ensemble, "target_reached", spy)
    cfg = load_config(toy.config(steps=100, ess=2000, max_steps=20_000))
    backend, diag = run(cfg, Posterior(cfg), tmp_path / "e.h5")
    assert diag["converged"] and min(diag["ess"]) >= 2000 and diag["steps"] >= 50 * max(diag["tau"])
    assert diag["ess_target"] == 2000 and not diag["warnings"]
    steps = [n for n, _ in checks]
    assert steps[0] == 100 and checks[-1] == (backend.iteration, True)
    assert not any(reached for _, reached in checks[:-1])
    assert all(b - a == max(50, a // 10) for a, b in zip(steps[:-1], steps[1:]))
    assert backend.iteration < 20_000


def test_sampling_ess_resume_continues_toward_the_stored_target(toy_site, tmp_path):
    """A run capped before its ESS target; `--resume` with the cap raised continues, and one without
    any target keeps the stored one; the resumed chain is the uninterrupted chain."""
    cfg = load_config(toy.config(steps=100, ess=2000, max_steps=300))
    backend, diag = run(cfg, Posterior(cfg), tmp_path / "r.h5")
    assert backend.iteration == 300 and not diag["converged"]
    assert any(w.startswith("ESS target 2000 not reached") for w in diag["warnings"])
    plain = load_config(toy.config(steps=100))                        # no target given: the stored one
    with pytest.raises(NothingToDo):                                   # at the stored cap already
        run(plain, Posterior(plain), tmp_path / "r.h5", resume=True)
    raised = load_config(toy.config(steps=100, ess=2000, max_steps=20_000))
    backend, diag = run(raised, Posterior(raised), tmp_path / "r.h5", resume=True)
    assert diag["converged"] and min(diag["ess"]) >= 2000
    whole = sample(tmp_path, "w.h5", steps=backend.iteration).get_chain()
    assert np.array_equal(read_run(tmp_path / "r.h5").chain, whole)


def test_sampling_cli_ess_flag_reports_tau_ess_per_parameter(toy_site, tmp_path, capsys):
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(toy.config(steps=100)))
    assert cli.main(["run", str(path), "-o", str(tmp_path / "c.h5"), "--no-plot", "--ess", "1000"]) == 0
    out = capsys.readouterr().out
    assert "target ESS >= 1000 and N >= 50 tau: met" in out
    lines = {line.split()[0]: line.split()[1:] for line in out.splitlines() if line.startswith("  m_zp")
             or line.startswith("  epsilon")}
    assert set(lines) == {"m_zp", "epsilon"} and all(float(v[2]) >= 1000 for v in lines.values())


def test_sampling_weighted_start_is_spread_like_the_posterior(toy_site):
    """The default start resamples prior draws by likelihood: walkers sit in the posterior (toy
    Gaussian, sigma 5 MeV on a 1-100 MeV prior), not over the prior; init='prior' does not."""
    post = Posterior(toy.config())
    cfg = load_config(toy.config())
    log_prob = LogProb(post, SerialPool(post))
    x, rows = initial_walkers(post, 64, np.random.default_rng(1), log_prob, cfg.sampler["init"])
    m = post.to_physical(x)["m_zp"]
    assert len(np.unique(x[:, 0])) == 64 and np.all(np.isfinite(rows[:, 0]))
    assert abs(m.mean() - toy.MEAN["m_zp"]) < 3 and 3 < m.std() < 8
    x, _ = initial_walkers(post, 64, np.random.default_rng(1), log_prob, "prior")
    assert post.to_physical(x)["m_zp"].std() > 20
