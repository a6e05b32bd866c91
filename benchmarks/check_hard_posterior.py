"""Does `nsifit run` with its default settings sample the hard posterior right? Compared with prior
importance sampling, which depends on no MCMC move.

Run by hand: `python benchmarks/check_hard_posterior.py [--draws 4000000] [--seeds 1,2] [CONFIG]`
(default config: examples/hard_posterior.yaml: mutau_baryon with m_zp, g_zp, epsilon and c sampled,
the 2021 (g-2) dataset, every plugin). Steps:
  1. the reference: `--draws` prior draws (seed `--is-seed`), weights = likelihood, evaluated
     vectorized in chunks (nsifit.inference.importance); its Monte Carlo error from the effective
     sample size of the weights;
  2. `nsifit run` with the config's sampler settings (none: nsifit's defaults) for each seed,
     through nsifit.api.run (what the command calls); `--walkers/--steps/--moves/--ess` override;
  3. the posterior mass in log10(m_zp/MeV) < 1, 1-1.5, 1.5-2, > 2 and P((g-2) within 2 sigma)
     (log L of gm2_mu >= -2, i.e. chi^2 <= 4) from both, with Monte Carlo errors (the chain's from
     the integrated autocorrelation time of each indicator), and whether they agree within
     `--tolerance` (0.05). Exit code 1 when some quantity does not.
"""

import argparse
import math
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from nsifit import api
from nsifit.inference.config import load_config
from nsifit.inference.importance import WeightedSample, prior_importance
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers.diagnostics import estimate_tau

ROOT = Path(__file__).resolve().parents[1]
BIN_EDGES = (1.0, 1.5, 2.0)             # log10(m_zp / MeV)
GM2_2SIGMA_LOGL = -2.0                  # chi^2 <= 4
QUANTITIES = ("m < 10 MeV", "10-31.6 MeV", "31.6-100 MeV", "m > 100 MeV", "(g-2) within 2 sigma")


def indicators(log10_m, loglike_gm2):
    """Boolean arrays, one per quantity, for the samples."""
    edges = (-math.inf,) + BIN_EDGES + (math.inf,)
    out = [(log10_m >= lo) & (log10_m < hi) for lo, hi in zip(edges[:-1], edges[1:])]
    return out + [loglike_gm2 >= GM2_2SIGMA_LOGL]


def reference(posterior, draws, seed, cache=None):
    if cache and Path(cache).is_file():
        stored = np.load(cache)
        if int(stored["n_draws"]) == draws and int(stored["seed"]) == seed:
            sample = WeightedSample(stored["x"], stored["weights"], {"loglike_gm2_mu": stored["gm2"]},
                                    draws, list(posterior.names))
            values = [sample.probability(m) for m in indicators(sample.column("m_zp"), stored["gm2"])]
            return values, sample, float(stored["wall"]), float(stored["cpu"])
    start, cpu = time.perf_counter(), time.process_time()
    last = [start]

    def progress(done, total):
        if time.perf_counter() - last[0] > 30:
            last[0] = time.perf_counter()
            print(f"  importance sampling: {done:,} / {total:,} draws", file=sys.stderr)
    sample = prior_importance(posterior, draws, seed, blobs=("loglike_gm2_mu",), progress=progress)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    log10_m = sample.column("m_zp")                 # log-uniform prior: the chain coordinate is log10
    values = [sample.probability(mask) for mask in indicators(log10_m, sample.blobs["loglike_gm2_mu"])]
    if cache:
        np.savez(cache, x=sample.x, weights=sample.weights, gm2=sample.blobs["loglike_gm2_mu"],
                 n_draws=draws, seed=seed, wall=wall, cpu=cpu)
    return values, sample, wall, cpu


def chain_estimates(run):
    """(P, sd) per quantity from a run after burn-in; sd from the indicator's autocorrelation time."""
    burn = run.diagnostics["burn_in"]
    column = run.names.index("m_zp")
    chain = run.data.chain[burn:, :, column]                       # log10 m_zp (steps, walkers)
    gm2 = run.data.blobs["loglike_gm2_mu"][burn:]
    out = []
    for mask in indicators(chain, gm2):
        p = float(mask.mean())
        tau = float(estimate_tau(mask.astype(float)[:, :, None])[0]) if 0 < p < 1 else 1.0
        ess = mask.size / (tau if math.isfinite(tau) else mask.shape[0])
        out.append((p, math.sqrt(max(p * (1 - p), 1.0 / mask.size) / ess)))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default=str(ROOT / "examples" / "hard_posterior.yaml"))
    parser.add_argument("--draws", type=float, default=4e6, help="prior draws of the reference")
    parser.add_argument("--is-seed", type=int, default=20250101)
    parser.add_argument("--seeds", default="1", help="comma-separated seeds of the runs")
    parser.add_argument("--walkers", type=int)
    parser.add_argument("--steps", type=int)
    parser.add_argument("--moves")
    parser.add_argument("--ess", type=float)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--reference", help="cache of the reference (.npz): reused when draws and seed match")
    parser.add_argument("--workdir", help="keep the run files here (default: a temporary directory)")
    args = parser.parse_args()

    config = load_config(args.config)
    posterior = Posterior(config)
    print(f"config {args.config}: model {config.model}, sampled {', '.join(posterior.names)}; plugins "
          f"{', '.join(p.name for p in posterior.plugins)}")
    ref, sample, wall, cpu = reference(posterior, int(args.draws), args.is_seed, args.reference)
    print(f"reference: {sample.n_draws:,} prior draws (seed {args.is_seed}), {len(sample.weights):,} with "
          f"weight > 1e-17, ESS of the weights {sample.ess:,.0f}; {wall:.0f} s wall, {cpu:.0f} s CPU")

    failed = False
    with tempfile.TemporaryDirectory(prefix="nsifit-hard-", dir=args.workdir) as tmp:
        for seed in (int(s) for s in args.seeds.split(",")):
            output = Path(args.workdir or tmp) / f"hard_seed{seed}.h5"
            overrides = {k: v for k, v in (("walkers", args.walkers), ("steps", args.steps),
                                           ("ess", args.ess)) if v is not None}
            source = args.config
            if args.moves:
                raw = config.resolved
                raw["sampler"]["moves"] = args.moves
                source = raw
            start, cpu = time.perf_counter(), time.process_time()
            run = api.run(source, output=output, seed=seed, force=True, progress=False, **overrides)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
            diag = run.diagnostics
            sampler = load_config(source).sampler
            print(f"\nnsifit run (seed {seed}; walkers {diag['walkers']}, moves {sampler['moves']}, "
                  f"{diag['steps']} steps): {wall:.0f} s wall, {cpu:.0f} s CPU; acceptance "
                  f"{diag['acceptance']:.2f}; tau {', '.join(f'{t:.0f}' for t in diag['tau'])}; N/tau "
                  f"{', '.join(f'{t:.0f}' for t in diag['n_over_tau'])}; ESS "
                  f"{', '.join(f'{e:.0f}' for e in diag['ess'])} ({', '.join(run.names)})")
            for note in diag["warnings"]:
                print(f"  warning: {note}")
            est = chain_estimates(run)
            print(f"  {'quantity':<22} {'importance':>16} {'nsifit run':>16} {'diff':>7}")
            for name, (p_ref, e_ref), (p, e) in zip(QUANTITIES, ref, est):
                ok = abs(p - p_ref) <= args.tolerance
                failed |= not ok
                print(f"  {name:<22} {p_ref:8.3f} +- {e_ref:.3f} {p:8.3f} +- {e:.3f} {p - p_ref:+7.3f}"
                      f"{'' if ok else '  > tolerance'}")
    print(f"\n{'all quantities agree' if not failed else 'DISAGREEMENT'} within {args.tolerance}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
