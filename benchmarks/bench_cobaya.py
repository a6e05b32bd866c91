"""MCMC effective samples per second: nsifit (vectorized emcee, HDF5) vs Cobaya's mcmc, same posterior,
with every chain checked against prior importance sampling in the same run.

Run by hand in a separate environment that has Cobaya (never an nsifit dependency):
    python3 -m venv .venv-cobaya
    .venv-cobaya/bin/pip install cobaya numpy scipy emcee corner h5py iminuit matplotlib PyYAML tqdm
    .venv-cobaya/bin/pip install -e . --no-deps
    .venv-cobaya/bin/python benchmarks/bench_cobaya.py [--posterior quickstart,hard] [--repeats R]

Posteriors: `quickstart` (examples/quickstart.yaml: m_zp and g_zp sampled, every plugin of the
quickstart) and `hard` (examples/hard_posterior.yaml: m_zp, g_zp, epsilon and c sampled, the 2021
(g-2) dataset, every plugin; multimodal). Per posterior:
  reference      prior importance sampling (`--draws`, nsifit.inference.importance), once; its Monte
                 Carlo error from the ESS of the weights
  nsifit (defaults)   nsifit's `run` with the default sampler settings (vectorized pool, 128 walkers,
                 the default moves, crash-safe HDF5 file), `--steps` steps
  nsifit, W walkers   the same with W walkers (`--walkers`; 128 is not repeated)
  nsifit, storage off (`--storage`) the identical emcee run with emcee's in-memory backend
  cobaya mcmc    Cobaya's mcmc with its defaults (adaptive Metropolis), the same log-likelihood as an
                 external likelihood of the same (log10) parameters, uniform priors on the same box,
                 stopped at `--cobaya-samples` accepted samples, chain written to disk
Runs are interleaved, `--repeats` times with seeds seed, seed+1, ...; ratios are per repeat (runs of one
repeat are adjacent in time) and the median is reported.
ESS: tau per parameter with emcee.autocorr.integrated_time on the chain (Cobaya's with its weights
expanded into repeated rows, one walker); burn-in 2 tau_max dropped; ESS = min over parameters of
(steps - burn) * walkers / tau; '!' marks a chain shorter than 50 tau (its ESS is not trustworthy).
ESS/s divides by the wall time of the whole run (start-up, initial walkers, burn-in, output), ESS/CPU-s
by this process's CPU time.
Posterior check: for every sampled parameter, the mass in the four bins between the reference's
weighted quartiles (0.25 each for the reference), plus P((g-2) within 2 sigma) when gm2_mu is used;
'max |dP|' is the largest deviation from the reference (after burn-in), 'ok' when <= `--tolerance`.
"""

import argparse
import logging
import math
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import emcee
import numpy as np

from nsifit.inference.config import SAMPLER_DEFAULTS, load_config
from nsifit.inference.importance import prior_importance
from nsifit.inference.parallel import SerialPool
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble as sampling
from nsifit.inference.samplers.diagnostics import MIN_TAU_MULTIPLE, diagnostics
from nsifit.inference.samplers.moves import ensemble_moves

try:
    import cobaya
    from cobaya.log import LoggedError
except ImportError:
    cobaya = LoggedError = None

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"quickstart": ROOT / "examples" / "quickstart.yaml", "hard": ROOT / "examples" / "hard_posterior.yaml"}
DEFAULTS = {"quickstart": {"steps": 3000, "cobaya": 6000, "draws": 1_000_000},
            "hard": {"steps": 6000, "cobaya": 20000, "draws": 4_000_000}}
DEFAULT_WALKERS = SAMPLER_DEFAULTS["walkers"]
GM2_2SIGMA_LOGL = -2.0
INSTALL = ("cobaya is not importable from {python}; install it only in the benchmark environment:\n"
           "  python3 -m venv .venv-cobaya\n"
           "  .venv-cobaya/bin/pip install cobaya numpy scipy emcee corner h5py iminuit matplotlib PyYAML tqdm\n"
           "  .venv-cobaya/bin/pip install -e . --no-deps\n"
           "  .venv-cobaya/bin/python benchmarks/bench_cobaya.py")


class Check:
    """Posterior masses of the reference (importance sampling) and of any weighted sample."""

    def __init__(self, posterior, sample):
        self.posterior = posterior
        self.edges = []
        for i in range(posterior.ndim):
            x, w = sample.x[:, i], sample.weights
            order = np.argsort(x)
            cdf = np.cumsum(w[order]) / w.sum()
            self.edges.append(x[order][np.searchsorted(cdf, [0.25, 0.5, 0.75])])
        self.gm2 = "loglike_gm2_mu" in posterior.blob_names
        self.reference = self.masses(sample.x, sample.weights, sample.blobs.get("loglike_gm2_mu"))
        self.errors = [math.sqrt(p * (1 - p) / sample.ess) for p in self.reference]

    def labels(self):
        out = [f"{n} q{k}" for n in self.posterior.names for k in range(1, 5)]
        return out + (["(g-2) 2 sigma"] if self.gm2 else [])

    def masses(self, x, weights, gm2=None):
        total = weights.sum()
        out = []
        for i, edges in enumerate(self.edges):
            index = np.searchsorted(edges, x[:, i])
            out += [float(weights[index == k].sum() / total) for k in range(4)]
        if self.gm2:
            if gm2 is None:
                gm2 = np.concatenate([self.posterior.log_prob(chunk)[1]["loglike_gm2_mu"]
                                      for chunk in np.array_split(x, max(1, len(x) // 20000))])
            out.append(float(weights[gm2 >= GM2_2SIGMA_LOGL].sum() / total))
        return out

    def deviation(self, x, weights, gm2=None):
        """Largest |P - P_ref| over the bins, and all the masses."""
        masses = self.masses(x, weights, gm2)
        return max(abs(a - b) for a, b in zip(masses, self.reference)), masses


def result(name, rep, chain, accepted, wall_s, cpu_s, points, check, weighted=None, gm2=None, **extra):
    """One measurement: timings, nsifit's convergence diagnostics of its chain, the posterior check
    (on the chain after burn-in, or on `weighted` = (points, weights) for a weighted chain)."""
    diag = diagnostics(chain, accepted, modes=False)
    tau_max = max(diag["tau"])
    burn = diag["burn_in"]
    if weighted is None:
        flat = chain[burn:].reshape(-1, chain.shape[-1])
        weights = np.ones(len(flat))
        gm2 = None if gm2 is None else gm2[burn:].reshape(-1)
    else:
        flat, weights = weighted
    dev, masses = check.deviation(flat, weights, gm2)
    ess = min(diag["ess"])
    return dict(name=name, rep=rep, wall_s=wall_s, cpu_s=cpu_s, points=points, tau_max=tau_max,
                n_over_tau=chain.shape[0] / tau_max, ess=ess, ess_rate=ess / wall_s, ess_cpu=ess / cpu_s,
                deviation=dev, masses=masses, chain=chain, **extra)


def timed(func):
    wall, cpu = time.perf_counter(), time.process_time()
    out = func()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run_nsifit(config_path, posterior, check, steps, walkers, seed, path, rep):
    """nsifit's run (the config's settings, nsifit's defaults otherwise, but walkers/steps/seed)."""
    config = load_config(str(config_path), {"sampler.steps": steps, "sampler.walkers": walkers,
                                            "sampler.seed": seed, "sampler.progress": False,
                                            "output": str(path)})
    (backend, _), wall, cpu = timed(lambda: sampling.run(config, posterior, progress=False))
    name = "nsifit (defaults)" if walkers == DEFAULT_WALKERS else f"nsifit, {walkers} walkers"
    gm2 = None
    blobs = backend.get_blobs()
    if check.gm2 and blobs is not None and blobs.ndim == 3 and blobs.shape[-1] == len(posterior.blob_names):
        gm2 = blobs[..., posterior.blob_names.index("loglike_gm2_mu")]
    return result(name, rep, backend.get_chain(), backend.accepted, wall, cpu, (steps + 1) * walkers, check,
                  gm2=gm2, writing_s=backend.seconds_writing)


def run_emcee(posterior, check, steps, walkers, seed, sampler_config, rep):
    """The same emcee run as nsifit's (LogProb, initial walkers, RNG state, moves), in memory."""
    def go():
        log_prob = sampling.LogProb(posterior, SerialPool(posterior))
        x, rows = sampling.initial_walkers(posterior, walkers, np.random.default_rng(seed), log_prob,
                                           sampler_config["init"])
        state = emcee.State(x, rows[:, 0], rows[:, 1:], np.random.RandomState(seed).get_state())
        sampler = emcee.EnsembleSampler(walkers, posterior.ndim, log_prob, vectorize=True,
                                        moves=ensemble_moves(sampler_config["moves"]))
        sampler.run_mcmc(state, steps)
        return sampler
    sampler, wall, cpu = timed(go)
    return result("nsifit, storage off", rep, sampler.get_chain(), sampler.backend.accepted, wall, cpu,
                  (steps + 1) * walkers, check)


def run_cobaya(posterior, check, max_samples, seed, prefix, rep, max_tries=None):
    """Cobaya mcmc (defaults) on the same log-likelihood, uniform priors on the internal (log10) box.
    None when Cobaya stops with an error (e.g. its chain stuck for max_tries proposals: reported)."""
    names = [("log10_" if p.log_scale else "") + p.name for p in posterior.sampled]
    calls = [0]

    def loglike(**values):
        calls[0] += 1
        return float(posterior.log_likelihood(np.array([[values[n] for n in names]]))[0])

    info = {"likelihood": {"nsifit": {"external": loglike, "input_params": names}},
            "params": {n: {"prior": {"min": p.lower, "max": p.upper}} for n, p in zip(names, posterior.sampled)},
            "sampler": {"mcmc": {"max_samples": max_samples, "Rminus1_stop": 1e-9, "Rminus1_cl_stop": 1e-9,
                                 "seed": seed}},        # stop criteria out of reach: runs to max_samples
            "output": str(prefix), "force": True, "debug": logging.CRITICAL}
    if max_tries is not None:
        info["sampler"]["mcmc"]["max_tries"] = max_tries
    try:
        (_, sampler), wall, cpu = timed(lambda: cobaya.run(info))
    except LoggedError as err:
        print(f"cobaya mcmc stopped with an error after {calls[0]} posterior calls: {str(err).splitlines()[0]}")
        return None
    data = sampler.products()["sample"].data
    weights = data["weight"].to_numpy()
    if not np.array_equal(weights, np.round(weights)):
        raise RuntimeError("Cobaya chain has non-integer weights; cannot expand it into a Markov chain")
    points = data[names].to_numpy()
    chain = np.repeat(points, weights.astype(int), axis=0)[:, None, :]
    burn = diagnostics(chain, [len(data)], modes=False)["burn_in"]
    first = np.searchsorted(np.cumsum(weights), burn, side="right")      # rows after the burn-in
    return result("cobaya mcmc", rep, chain, [len(data)], wall, cpu, calls[0], check,
                  weighted=(points[first:], weights[first:]))


def median_row(rows, baselines):
    """Medians over repeats; ratios to the baseline are taken per repeat (paired by repeat index)."""
    out = dict(rows[-1])
    for key in ("wall_s", "cpu_s", "points", "tau_max", "n_over_tau", "ess", "ess_rate", "ess_cpu", "writing_s"):
        if key in out:
            out[key] = statistics.median(r[key] for r in rows)
    out["deviation"] = max(r["deviation"] for r in rows)
    out["short"] = min(r["n_over_tau"] for r in rows) < MIN_TAU_MULTIPLE
    if baselines:
        base = {b["rep"]: b for b in baselines}
        pairs = [(r, base[r["rep"]]) for r in rows if r["rep"] in base]
        out["ratio"] = statistics.median(r["ess_rate"] / b["ess_rate"] for r, b in pairs)
        out["ratio_cpu"] = statistics.median(r["ess_cpu"] / b["ess_cpu"] for r, b in pairs)
    return out


def print_table(rows, baseline_name, tolerance):
    print(f"\n{'run':24s} {'wall s':>7s} {'CPU s':>7s} {'points/s':>9s} {'tau':>6s} {'N/tau':>6s} {'ESS':>7s} "
          f"{'ESS/s':>7s} {'ESS/CPUs':>8s} {'x cobaya':>8s} {'(CPU)':>6s} {'max|dP|':>8s}")
    for r in rows:
        ratios = f"{r['ratio']:8.1f} {r['ratio_cpu']:6.1f}" if "ratio" in r else f"{'n/a':>8s} {'n/a':>6s}"
        flag = "ok" if r["deviation"] <= tolerance else "WRONG"
        print(f"{r['name']:24s} {r['wall_s']:7.1f} {r['cpu_s']:7.1f} {r['points'] / r['wall_s']:9.0f} "
              f"{r['tau_max']:6.1f} {r['n_over_tau']:6.0f}{'!' if r['short'] else ' '}{r['ess']:7.0f} "
              f"{r['ess_rate']:7.1f} {r['ess_cpu']:8.1f} {ratios} {r['deviation']:6.3f} {flag}")
    print(f"medians of the repeats; ratios: median of the per-repeat ratios to {baseline_name or '(no Cobaya)'}, "
          f"by wall and by CPU time; max|dP|: worst over repeats and bins, 'ok' <= {tolerance}")
    if any(r["short"] for r in rows):
        print(f"! a chain shorter than {MIN_TAU_MULTIPLE} tau in some repeat: its ESS is not trustworthy; "
              "raise --steps / --cobaya-samples")


def bench(label, args, workdir):
    config_path = CONFIGS[label]
    defaults = DEFAULTS[label]
    steps = args.steps or defaults["steps"]
    cobaya_samples = args.cobaya_samples or defaults["cobaya"]
    config = load_config(str(config_path))
    posterior = Posterior(config)
    print(f"\n=== {label}: {config_path.name}: {posterior.model.name}, sampled {', '.join(posterior.names)}; "
          f"fixed {posterior.fixed}; plugins {', '.join(p.name for p in posterior.plugins)}")
    (sample, ref_wall, ref_cpu) = timed(lambda: prior_importance(posterior, int(args.draws or defaults["draws"]),
                                                                 args.seed + 1000, blobs=("loglike_gm2_mu",)))
    check = Check(posterior, sample)
    print(f"reference: {sample.n_draws:,} prior draws, ESS of the weights {sample.ess:,.0f} "
          f"(sd of a 0.25 bin {math.sqrt(0.25 * 0.75 / sample.ess):.4f}); {ref_wall:.0f} s wall, {ref_cpu:.0f} s CPU")
    extra = [w for w in dict.fromkeys(int(w) for w in args.walkers.split(",") if w) if w != DEFAULT_WALKERS]
    print(f"nsifit: {steps} steps, walkers {DEFAULT_WALKERS} (default), {extra}; cobaya: {cobaya_samples} "
          f"accepted samples; {args.repeats} repeats; {os.cpu_count()} cores, load average "
          f"{os.getloadavg()[0]:.1f}")
    runs = {}
    for rep in range(args.repeats):
        seed, tag = args.seed + rep, Path(workdir) / f"{label}-r{rep}"
        batch = [run_nsifit(config_path, posterior, check, steps, DEFAULT_WALKERS, seed, f"{tag}-nsifit.h5", rep)]
        if args.storage:
            batch.append(run_emcee(posterior, check, steps, DEFAULT_WALKERS, seed, config.sampler, rep))
        batch += [run_nsifit(config_path, posterior, check, steps, w, seed, f"{tag}-nsifit-{w}.h5", rep)
                  for w in extra]
        if cobaya is not None:
            done = run_cobaya(posterior, check, cobaya_samples, seed, f"{tag}-cobaya/chain", rep,
                              args.cobaya_max_tries)
            batch += [done] if done is not None else []
        note = ""
        if args.storage:
            note = f"; identical chains with / without storage: " \
                   f"{'yes' if np.array_equal(batch[0]['chain'], batch[1]['chain']) else 'NO'}"
        print(f"repeat {rep + 1}/{args.repeats} (seed {seed}): "
              + ", ".join(f"{b['name']} {b['wall_s']:.0f} s" for b in batch) + note
              + f"; load average {os.getloadavg()[0]:.1f}")
        for b in batch:
            runs.setdefault(b["name"], []).append(b)
    baselines = runs.get("cobaya mcmc")
    rows = [median_row(r, baselines) for r in runs.values()]
    print_table(rows, baselines and "cobaya mcmc", args.tolerance)
    print("posterior masses (reference +- sd | each run, last repeat):")
    for i, name in enumerate(check.labels()):
        print(f"  {name:<16} {check.reference[i]:.3f} +- {check.errors[i]:.3f} | "
              + ", ".join(f"{r['name']} {runs[r['name']][-1]['masses'][i]:.3f}" for r in rows))
    if args.storage:
        ns, off = runs["nsifit (defaults)"], runs["nsifit, storage off"]
        print(f"HDF5 overhead 1 - t(storage off)/t(storage on): wall "
              f"{statistics.median(1 - o['wall_s'] / n['wall_s'] for n, o in zip(ns, off)):+.1%}, CPU "
              f"{statistics.median(1 - o['cpu_s'] / n['cpu_s'] for n, o in zip(ns, off)):+.1%}")
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posterior", default="quickstart,hard", help="quickstart, hard or both")
    parser.add_argument("--steps", type=int, help="emcee steps per run (default per posterior)")
    parser.add_argument("--walkers", default="1024", help="extra nsifit runs with these walker numbers")
    parser.add_argument("--cobaya-samples", type=int, help="Cobaya max_samples (default per posterior)")
    parser.add_argument("--draws", type=float, help="prior draws of the reference (default per posterior)")
    parser.add_argument("--cobaya-max-tries", type=float, help="Cobaya's mcmc max_tries (default: its own, "
                        "40 x dimension; 'inf' keeps a stuck chain going)")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--storage", action="store_true", help="also time the run without storage")
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--workdir", help="directory for the output files (default: a temporary one)")
    args = parser.parse_args()
    if cobaya is None:
        print(INSTALL.format(python=sys.executable) + "\n(measuring the rest without Cobaya)\n", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="nsifit-bench-", dir=args.workdir) as tmp:
        for label in args.posterior.split(","):
            bench(label, args, tmp)


if __name__ == "__main__":
    main()
