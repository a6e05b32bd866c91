"""Log-posterior throughput: one vectorized call vs a point-by-point loop over the same code.

Run by hand: `python benchmarks/bench_posterior.py [CONFIG]` (default: the quickstart with every
plugin that applies to mutau_baryon). Both figures come from the same process, so the ratio
is meaningful on any machine.
"""

import argparse
import time

import numpy as np
import yaml

from nsifit.cli.run import quickstart_path
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior


def points_per_second(func, x, min_seconds=1.0):
    """Repeat func(x) for at least min_seconds; points per second."""
    n_calls, start = 0, time.perf_counter()
    while True:
        func(x)
        n_calls += 1
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return n_calls * len(x) / elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?")
    parser.add_argument("--batch", type=int, default=10000)
    args = parser.parse_args()
    raw = yaml.safe_load(open(args.config) if args.config else quickstart_path().read_text())
    if not args.config:
        raw.pop("likelihoods")                      # every plugin that applies to the model
    posterior = Posterior(load_config(raw))
    x = posterior.sample_prior(args.batch, np.random.default_rng(1))
    vectorized = points_per_second(posterior.log_prob, x)
    loop = points_per_second(lambda pts: [posterior.log_prob(p[None]) for p in pts], x[:200])
    print(f"plugins: {', '.join(p.name for p in posterior.plugins)}")
    print(f"vectorized ({args.batch} points per call): {vectorized:,.0f} points/s")
    print(f"point-by-point loop:                 {loop:,.0f} points/s")
    print(f"ratio: {vectorized / loop:.0f}x")


if __name__ == "__main__":
    main()
