"""Speed of the cevns_coherent plugin: points per second, batch vs point-by-point.

Run by hand: python benchmarks/bench_cevns.py [--points N] [--datasets csi_2017,csi_2021,lar_2020]
Times the whole plugin per batch (fresh observables, couplings -> log L and derived
quantities) for a batch of N mutau_baryon points, and the same code called one point at
a time, and prints both rates and their ratio.
"""

import argparse
import time

import numpy as np

from nsifit.theory.models import get_model
from nsifit.theory.observables import ObservableSet
from nsifit_likelihoods.cevns_coherent import CevnsCoherent


def run(plugin, couplings, params):
    obs = ObservableSet(couplings, params)
    return plugin.loglike(obs), plugin.derived(obs)


def best_time(func, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10_000)
    parser.add_argument("--loop-points", type=int, default=300, help="points timed one by one")
    parser.add_argument("--datasets", default="csi_2017,csi_2021,lar_2020")
    args = parser.parse_args()

    plugin = CevnsCoherent(datasets=args.datasets.split(","))
    model = get_model("mutau_baryon")
    rng = np.random.default_rng(1)
    params = model.resolve(dict(m_zp=10 ** rng.uniform(0, 3, args.points),
                                g_zp=10 ** rng.uniform(-6, -2, args.points), c=-0.1,
                                tan_eta=rng.uniform(-1.5, 1.0, args.points)))
    couplings = model.couplings(params)
    batch_s = best_time(lambda: run(plugin, couplings, params), 5)

    singles = [model.resolve({k: v[i] for k, v in params.items() if k != "epsilon"})
               for i in range(args.loop_points)]
    single_couplings = [model.couplings(p) for p in singles]
    loop_s = best_time(lambda: [run(plugin, c, p) for c, p in zip(single_couplings, singles)], 3)

    batch_rate, loop_rate = args.points / batch_s, args.loop_points / loop_s
    print(f"datasets: {args.datasets}")
    print(f"batch of {args.points}: {batch_s * 1e3:.1f} ms -> {batch_rate:,.0f} points/s")
    print(f"point-by-point ({args.loop_points} points): {loop_rate:,.0f} points/s")
    print(f"speed-up batch / loop: {batch_rate / loop_rate:.0f}x")


if __name__ == "__main__":
    main()
