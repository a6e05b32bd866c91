"""Sampling cost: HDF5 overhead (nsifit's buffered backend vs none vs emcee's stock HDFBackend)
and effective samples per second.

Run by hand: `python benchmarks/bench_sampling.py [--steps N] [--walkers W]`. All runs use the
quickstart posterior, the same seed, the same moves (the config's, as `nsifit run`) and the
vectorized pool, in one process, so the chains must be identical (checked). Wall and CPU time.
ESS/s = min over parameters of (steps - burn-in) * walkers / tau (nsifit's diagnostics), over the
wall (or CPU) time including burn-in and I/O; tau is only trustworthy when steps > 50 tau (printed).
"""

import argparse
import tempfile
import time
from pathlib import Path

import emcee
import numpy as np
import yaml

from nsifit.cli.run import quickstart_path
from nsifit.inference.config import load_config
from nsifit.inference.parallel import SerialPool
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers.ensemble import run
from nsifit.inference.samplers.moves import ensemble_moves
from nsifit.inference.samplers.start import LogProb, initial_walkers


def timed_emcee(posterior, config, backend):
    """Plain emcee with our vectorized log-probability, the moves `nsifit run` uses, the same initial
    state, and the given backend (None = memory): (wall s, CPU s, chain)."""
    s = config.sampler
    log_prob = LogProb(posterior, SerialPool(posterior))
    start, cpu = time.perf_counter(), time.process_time()
    x, rows = initial_walkers(posterior, s["walkers"], np.random.default_rng(s["seed"]), log_prob, s["init"])
    sampler = emcee.EnsembleSampler(s["walkers"], posterior.ndim, log_prob, vectorize=True, backend=backend,
                                    moves=ensemble_moves(s["moves"]))
    state = emcee.State(x, rows[:, 0], rows[:, 1:], np.random.RandomState(s["seed"]).get_state())
    sampler.run_mcmc(state, s["steps"])
    return time.perf_counter() - start, time.process_time() - cpu, sampler.get_chain()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000)
    parser.add_argument("--walkers", type=int, default=64)
    parser.add_argument("--stock", action="store_true", help="also time emcee's stock HDFBackend")
    args = parser.parse_args()
    raw = yaml.safe_load(quickstart_path().read_text())
    raw["sampler"].update(steps=args.steps, walkers=args.walkers, progress=False)
    config = load_config(raw)
    posterior = Posterior(config)
    with tempfile.TemporaryDirectory() as tmp:
        t_memory, c_memory, chain = timed_emcee(posterior, config, None)
        start, cpu = time.perf_counter(), time.process_time()
        backend, diag = run(config, posterior, Path(tmp) / "bench.h5")
        t_nsifit, c_nsifit = time.perf_counter() - start, time.process_time() - cpu
        assert np.array_equal(backend.get_chain(), chain), "storage changed the chain"
        print(f"{args.walkers} walkers x {args.steps} steps, moves {config.sampler['moves']}, plugins: "
              f"{', '.join(config.likelihoods)}")
        print(f"no storage (emcee memory backend): {t_memory:.2f} s wall, {c_memory:.2f} s CPU")
        print(f"nsifit H5Backend (flush every {config.sampler['flush_steps']} steps / "
              f"{config.sampler['flush_seconds']:g} s): {t_nsifit:.2f} s wall, {c_nsifit:.2f} s CPU, of which "
              f"writing {backend.seconds_writing:.3f} s ({100 * backend.seconds_writing / t_nsifit:.1f}%); "
              f"overhead vs memory {100 * (t_nsifit - t_memory) / t_memory:+.1f}% wall, "
              f"{100 * (c_nsifit - c_memory) / c_memory:+.1f}% CPU (includes set-up); identical chains")
        if args.stock:
            stock = emcee.backends.HDFBackend(str(Path(tmp) / "stock.h5"))
            stock.reset(args.walkers, posterior.ndim)
            t_stock, c_stock, _ = timed_emcee(posterior, config, stock)
            print(f"emcee stock HDFBackend: {t_stock:.2f} s wall, {c_stock:.2f} s CPU "
                  f"({t_stock / t_memory:.1f}x the memory run)")
    tau = np.max(diag["tau"])
    ess = min(diag["ess"])             # after burn-in, the smallest over the parameters (as nsifit reports)
    print(f"tau = {', '.join(f'{t:.1f}' for t in diag['tau'])}; steps/tau = {args.steps / tau:.0f} "
          f"({'ok' if args.steps > 50 * tau else 'SHORT: < 50 tau'}); acceptance {diag['acceptance']:.2f}")
    print(f"ESS = {ess:,.0f} -> {ess / t_nsifit:,.0f} effective samples/s wall, {ess / c_nsifit:,.0f} per CPU "
          "second (incl. burn-in and I/O)")


if __name__ == "__main__":
    main()
