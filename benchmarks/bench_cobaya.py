"""MCMC effective samples per second: nsifit (vectorized emcee, HDF5) vs Cobaya's mcmc, same posterior.

Run by hand in the benchmark environment (Cobaya is never an nsifit dependency):
    python3 -m venv /work/bench-venv
    /work/bench-venv/bin/pip install cobaya numpy scipy emcee corner h5py iminuit matplotlib PyYAML tqdm
    /work/bench-venv/bin/pip install -e /work/main --no-deps     # again after new plugins are registered
    /work/bench-venv/bin/python benchmarks/bench_cobaya.py       # about 5 minutes (2 cores)

The posterior: mutau_baryon with m_zp [MeV] and g_zp log-uniform (sampled in log10), c and tan_eta
fixed, and `--plugins` (default: every plugin except cevns_coherent, which costs about twice all the
others together). Runs, interleaved, `--repeats` times with seeds seed, seed+1, ...; medians reported:
  nsifit (defaults)         nsifit.sampling.run with the default sampler settings (vectorized pool,
                            128 walkers, the default de-mix moves, buffered crash-safe HDF5 file), `--steps` steps
  nsifit, W walkers         the same with W walkers (`--walkers`): the vectorization lever
  nsifit, storage off       the same emcee run (same LogProb, initial walkers and RNG state, hence
                            the identical chain) with emcee's in-memory backend: no storage at all
  emcee + stock HDFBackend  the same run with emcee's stock HDFBackend (opens the file every step)
  cobaya mcmc               Cobaya's mcmc with its defaults (adaptive proposal), the same log-likelihood as an
                            external likelihood of the log10 parameters, uniform priors on the same
                            ranges, stopped at `--cobaya-samples` accepted samples, chain written to disk
ESS: tau per parameter with emcee.autocorr.integrated_time (nsifit.sampling.diagnostics) on the whole
chain (Cobaya's with its weights expanded into repeated rows, one walker); burn-in of 2 tau_max dropped;
ESS = min over parameters of (steps - burn) * walkers / tau. ESS/s divides by the wall time of the
whole run: start-up, initial walkers, burn-in and output included. Every chain must span >= 50 tau.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import emcee
import numpy as np

from nsifit.inference.config import SAMPLER_DEFAULTS, load_config
from nsifit.inference.parallel import SerialPool
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble as sampling
from nsifit.inference.samplers.diagnostics import MIN_TAU_MULTIPLE, diagnostics
from nsifit.inference.samplers.moves import ensemble_moves

try:
    import cobaya
except ImportError:
    cobaya = None

PLUGINS = ("gm2_mu", "borexino_7be", "na62_kmunu", "solar_lma", "bbn_neff", "white_dwarf", "na64_invisible",
           "na48_2", "babar_invisible", "phi_beam_dump", "perturbativity")
DEFAULT_WALKERS = SAMPLER_DEFAULTS["walkers"]
INSTALL = ("cobaya is not importable from {python}; install it only in the benchmark environment:\n"
           "  python3 -m venv /work/bench-venv\n"
           "  /work/bench-venv/bin/pip install cobaya numpy scipy emcee corner h5py iminuit matplotlib "
           "PyYAML tqdm\n"
           "  /work/bench-venv/bin/pip install -e /work/main --no-deps\n"
           "  /work/bench-venv/bin/python benchmarks/bench_cobaya.py")


def make_config(args):
    """The benchmark posterior's config (sampler section: nsifit's defaults)."""
    likelihoods = {name: {} for name in args.plugins.split(",")}
    if "gm2_mu" in likelihoods:
        likelihoods["gm2_mu"] = {"dataset": args.gm2_dataset}
    return {"model": "mutau_baryon",
            "params": {"m_zp": {"prior": "log-uniform", "min": 5.0, "max": 200.0},        # MeV
                       "g_zp": {"prior": "log-uniform", "min": 1.0e-6, "max": 1.0e-2},
                       "tan_eta": -0.75, "c": -0.1},                                     # DESIGN.md sect. 4
            "likelihoods": likelihoods}


def result(name, chain, accepted, wall_s, cpu_s, points, **extra):
    """One measurement: timings and nsifit's convergence diagnostics of its chain."""
    diag = diagnostics(chain, accepted)
    tau_max = max(diag["tau"])
    return dict(name=name, wall_s=wall_s, cpu_s=cpu_s, points=points, tau_max=tau_max,
                n_over_tau=chain.shape[0] / tau_max, ess=min(diag["ess"]), ess_rate=min(diag["ess"]) / wall_s,
                chain=chain, **extra)


def timed(func):
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run_nsifit(raw, posterior, steps, walkers, seed, path):
    """nsifit.sampling.run (default settings but walkers/steps/seed), HDF5 output to `path`."""
    config = load_config(raw, {"sampler.steps": steps, "sampler.walkers": walkers, "sampler.seed": seed,
                               "sampler.progress": False, "output": str(path)})
    (backend, _), wall, cpu = timed(lambda: sampling.run(config, posterior, progress=False))
    name = "nsifit (defaults)" if walkers == DEFAULT_WALKERS else f"nsifit, {walkers} walkers"
    return result(name, backend.get_chain(), backend.accepted, wall, cpu, (steps + 1) * walkers,
                  writing_s=backend.seconds_writing)


def run_emcee(posterior, steps, walkers, seed, path=None):
    """The same emcee run as nsifit's (LogProb, initial walkers, RNG state) with a stock emcee backend."""
    def go():
        log_prob = sampling.LogProb(posterior, SerialPool(posterior))
        x, rows = sampling.initial_walkers(posterior, walkers, np.random.default_rng(seed), log_prob)
        state = emcee.State(x, rows[:, 0], rows[:, 1:], np.random.RandomState(seed).get_state())
        backend = emcee.backends.HDFBackend(str(path)) if path else None
        sampler = emcee.EnsembleSampler(walkers, posterior.ndim, log_prob, vectorize=True, backend=backend,
                                        moves=ensemble_moves(SAMPLER_DEFAULTS["moves"]))
        sampler.run_mcmc(state, steps)
        return sampler
    sampler, wall, cpu = timed(go)
    name = "emcee + stock HDFBackend" if path else "nsifit, storage off"
    return result(name, sampler.get_chain(), sampler.backend.accepted, wall, cpu, (steps + 1) * walkers)


def run_cobaya(posterior, max_samples, seed, prefix):
    """Cobaya mcmc (defaults) on the same log-likelihood, uniform priors on the internal (log10) box."""
    names = [("log10_" if p.log_scale else "") + p.name for p in posterior.sampled]
    calls = [0]

    def loglike(**values):
        calls[0] += 1
        return float(posterior.log_likelihood(np.array([[values[n] for n in names]]))[0])

    info = {"likelihood": {"nsifit": {"external": loglike, "input_params": names}},
            "params": {n: {"prior": {"min": p.lower, "max": p.upper}} for n, p in zip(names, posterior.sampled)},
            "sampler": {"mcmc": {"max_samples": max_samples, "Rminus1_stop": 1e-9, "Rminus1_cl_stop": 1e-9,
                                 "seed": seed}},        # stop criteria out of reach: runs to max_samples
            "output": str(prefix), "force": True, "debug": logging.ERROR}
    (_, sampler), wall, cpu = timed(lambda: cobaya.run(info))
    data = sampler.products()["sample"].data
    weights = data["weight"].to_numpy()
    if not np.array_equal(weights, np.round(weights)):
        raise RuntimeError("Cobaya chain has non-integer weights; cannot expand it into a Markov chain")
    chain = np.repeat(data[names].to_numpy(), weights.astype(int), axis=0)[:, None, :]
    return result("cobaya mcmc", chain, [len(data)], wall, cpu, calls[0])


def median_row(rows, baselines):
    """Medians over repeats; ratios to the baseline are taken per repeat (same seed, adjacent in time)."""
    out = dict(rows[-1])
    for key in ("wall_s", "cpu_s", "points", "tau_max", "n_over_tau", "ess", "ess_rate", "writing_s"):
        if key in out:
            out[key] = statistics.median(r[key] for r in rows)
    out["short"] = min(r["n_over_tau"] for r in rows) < MIN_TAU_MULTIPLE
    if baselines:
        out["ratio"] = statistics.median(r["ess_rate"] / b["ess_rate"] for r, b in zip(rows, baselines))
        out["ratio_cpu"] = statistics.median(r["ess"] / r["cpu_s"] / (b["ess"] / b["cpu_s"])
                                             for r, b in zip(rows, baselines))
    return out


def paired(rows_a, rows_b, func):
    """Median over repeats of func(a, b) for the runs of one repeat."""
    return statistics.median(func(a, b) for a, b in zip(rows_a, rows_b))


def print_table(rows, baseline_name):
    print(f"\n{'run':26s} {'wall s':>7s} {'cpu s':>6s} {'points/s':>9s} {'tau':>5s} {'N/tau':>6s} {'ESS':>6s} "
          f"{'ESS/s':>7s} {'x cobaya':>8s} {'(cpu)':>6s}")
    for r in rows:
        ratios = (f"{r['ratio']:8.1f} {r['ratio_cpu']:6.1f}" if "ratio" in r else f"{'n/a':>8s} {'n/a':>6s}")
        print(f"{r['name']:26s} {r['wall_s']:7.1f} {r['cpu_s']:6.1f} {r['points'] / r['wall_s']:9.0f} "
              f"{r['tau_max']:5.1f} {r['n_over_tau']:6.0f}{'!' if r['short'] else ' '}{r['ess']:6.0f} "
              f"{r['ess_rate']:7.1f} {ratios}")
    print(f"medians of the repeats; ratios: median of the per-repeat ratios to {baseline_name or '(no Cobaya)'}, "
          "by wall time and (cpu) by this process's CPU time")
    if any(r["short"] for r in rows):
        print(f"! a chain shorter than {MIN_TAU_MULTIPLE} tau in some repeat: raise --steps / "
              "--cobaya-samples")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=3000, help="emcee steps per run (all emcee variants)")
    parser.add_argument("--walkers", default="128,1024", help="extra nsifit runs with these walker numbers")
    parser.add_argument("--cobaya-samples", type=int, default=4000, help="Cobaya max_samples (accepted)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--plugins", default=",".join(PLUGINS))
    parser.add_argument("--gm2-dataset", default="bnl_fnal_2021_wp2020")
    parser.add_argument("--workdir", help="directory for the output files (default: a temporary one)")
    args = parser.parse_args()
    if cobaya is None:
        print(INSTALL.format(python=sys.executable) + "\n(measuring the rest without Cobaya)\n", file=sys.stderr)

    raw = make_config(args)
    posterior = Posterior(load_config(raw))
    extra_walkers = [int(w) for w in args.walkers.split(",") if w]
    print(f"posterior: {posterior.model.name}, sampled {', '.join(posterior.names)} (log10), fixed "
          f"{posterior.fixed}; plugins {', '.join(p.name for p in posterior.plugins)}; "
          f"{len(posterior.blob_names)} blobs stored per point")
    print(f"emcee: {args.steps} steps; cobaya: {args.cobaya_samples} accepted samples; {args.repeats} repeats; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; python {sys.executable}")

    with tempfile.TemporaryDirectory(prefix="nsifit-bench-", dir=args.workdir) as tmp:
        runs = {}
        for rep in range(args.repeats):
            seed, tag = args.seed + rep, Path(tmp) / f"r{rep}"
            batch = [run_nsifit(raw, posterior, args.steps, DEFAULT_WALKERS, seed, f"{tag}-nsifit.h5"),
                     run_emcee(posterior, args.steps, DEFAULT_WALKERS, seed),
                     run_emcee(posterior, args.steps, DEFAULT_WALKERS, seed, f"{tag}-emcee.h5")]
            batch += [run_nsifit(raw, posterior, args.steps, w, seed, f"{tag}-nsifit-{w}.h5")
                      for w in extra_walkers]
            if cobaya is not None:
                batch.append(run_cobaya(posterior, args.cobaya_samples, seed, f"{tag}-cobaya/chain"))
            same = all(np.array_equal(batch[0]["chain"], b["chain"]) for b in batch[1:3])
            print(f"repeat {rep + 1}/{args.repeats} (seed {seed}): "
                  + ", ".join(f"{b['name']} {b['wall_s']:.1f} s" for b in batch)
                  + f"; identical chains nsifit / storage off / stock HDF5: {'yes' if same else 'NO'}")
            for b in batch:
                runs.setdefault(b["name"], []).append(b)
    baselines = runs.get("cobaya mcmc")
    rows = [median_row(r, baselines) for r in runs.values()]
    by_name = {r['name']: r for r in rows}
    print_table(rows, baselines and "cobaya mcmc")
    ns, off, stock = runs["nsifit (defaults)"], runs["nsifit, storage off"], runs["emcee + stock HDFBackend"]
    print(f"\nHDF5 (identical chains, {args.steps} steps x {DEFAULT_WALKERS} walkers, medians of per-repeat ratios):")
    print(f"  stock emcee HDFBackend / nsifit buffered backend, wall time: "
          f"{paired(stock, ns, lambda a, b: a['wall_s'] / b['wall_s']):.1f}x")
    print(f"  nsifit HDF5 overhead 1 - t(storage off) / t(storage on): "
          f"{paired(off, ns, lambda a, b: 1 - a['wall_s'] / b['wall_s']):+.1%} (CPU time: "
          f"{paired(off, ns, lambda a, b: 1 - a['cpu_s'] / b['cpu_s']):+.1%}); time inside the backend's "
          f"flush(): {statistics.median(r['writing_s'] / r['wall_s'] for r in ns):.1%} of the run (target <= 5%)")
    if baselines:
        best = max(rows, key=lambda r: r["ratio"])
        print(f"ESS/s vs Cobaya: defaults {by_name['nsifit (defaults)']['ratio']:.1f}x, "
              f"best ({best['name']}) {best['ratio']:.1f}x (target >= 20x)")
        chains = (ns[-1]["chain"], baselines[-1]["chain"])
        print("posterior medians (internal coords, second half), nsifit vs Cobaya: " + ", ".join(
            f"{n} {np.median(chains[0][len(chains[0]) // 2:, :, i]):.2f} vs "
            f"{np.median(chains[1][len(chains[1]) // 2:, :, i]):.2f}" for i, n in enumerate(posterior.names)))
    else:
        print(INSTALL.format(python=sys.executable), file=sys.stderr)


if __name__ == "__main__":
    main()
