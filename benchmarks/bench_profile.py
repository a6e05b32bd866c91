"""2D profile-likelihood grid points per second: serial vs processes:2 (run by hand).

Posterior: Bernal and Farzan's mutau_baryon (c = -0.1) with every installed plugin that applies, scanned in
(m_zp, g_zp) on a log grid with the kinetic mixing epsilon profiled at each point (free, uniform
prior, instead of fixed by tan_eta) -- the combined profile of examples/figures/
seed000_fig1_left_profile.yaml. Also times the point-by-point baseline the lockstep batching
replaces (one posterior call per MIGRAD function call) on a few grid points.
With mpiexec and mpi4py present, also times the same scan on two MPI ranks.
Target (issue 6): 50 x 50 with nuisances minimised in <= 5 s serially, >= 1.7x faster on two processes.

    python benchmarks/bench_profile.py [--n 50] [--repeat 3] [--json]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
import warnings

import numpy as np

from nsifit.inference.posterior import Posterior
from nsifit.inference.profile import scan as profiling
from nsifit.inference.profile.fitting import unwrap
from nsifit.plugins import registry

OPTIONS = {"gm2_mu": {"dataset": "bnl_fnal_2021_wp2020"}, "solar_lma": {"solution": "LMA"}}


def build_posterior():
    names = [n for n in registry.registry() if registry.get_plugin_class(n).applies_to("mutau_baryon")]
    config = {"model": "mutau_baryon",
              "params": {"m_zp": {"prior": "log-uniform", "min": 3.0, "max": 200.0},
                         "g_zp": {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}, "c": -0.1,
                         "epsilon": {"prior": "uniform", "min": -2e-3, "max": 2e-3}},
              "likelihoods": {n: OPTIONS.get(n, {}) for n in names}}
    return Posterior(config), names


def timed(post, axes, pool, best, repeat=1):
    """Best wall time of `repeat` scans (other jobs on the machine only ever slow a run down)."""
    seconds = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        res = profiling.profile(post, axes, pool=pool, best=best)
        seconds.append(time.perf_counter() - t0)
    return min(seconds), res


def point_by_point(post, best, n_points=20):
    """Seconds per grid point when every MIGRAD call is its own posterior call (no lockstep)."""
    space = profiling.Space(post)
    chi2 = profiling.make_chi2(post)
    x = best["best"].x.copy()
    t0 = time.perf_counter()
    for k, g in enumerate(np.linspace(-4.5, -2.5, n_points)):
        x[1] = g
        fit = profiling.fit_point(lambda z: unwrap(z, chi2(np.atleast_2d(z))), x, [2], space,
                                  np.random.default_rng(k))
        x = fit.x if fit.valid else x
    return (time.perf_counter() - t0) / n_points


def mpi_seconds(n, repeat):
    """Wall time of the scan on two MPI ranks (None without mpiexec / mpi4py)."""
    if shutil.which("mpiexec") is None:
        return None
    cmd = ["mpiexec", "--allow-run-as-root", "--oversubscribe", "-n", "2", sys.executable, __file__,
           "--n", str(n), "--repeat", str(repeat), "--mpi-child"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    return float(done.stdout.split()[-1]) if done.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="grid points per axis")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeat", type=int, default=3, help="scans per mode; the fastest counts")
    parser.add_argument("--mpi-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    warnings.simplefilter("ignore", profiling.ProfileWarning)
    post, plugins = build_posterior()
    axes = [profiling.Axis("m_zp", 3.0, 200.0, args.n, True), profiling.Axis("g_zp", 1e-5, 1e-2, args.n, True)]
    t0 = time.perf_counter()
    best = profiling.best_fit(post, starts=8)
    t_best = time.perf_counter() - t0
    if args.mpi_child:
        seconds, _ = timed(post, axes, "mpi", best, args.repeat)
        from mpi4py import MPI
        if MPI.COMM_WORLD.rank == 0:
            print(seconds)
        return
    t_serial, serial = timed(post, axes, "serial", best, args.repeat)
    t_proc, proc = timed(post, axes, "processes:2", best, args.repeat)
    per_point = point_by_point(post, best)
    t_mpi = mpi_seconds(args.n, args.repeat)
    n = args.n ** 2
    out = {"grid": f"{args.n}x{args.n}", "plugins": plugins, "cpu_count": os.cpu_count(),
           "load_average_1min": round(os.getloadavg()[0], 2),
           "best_fit_s": round(t_best, 3),
           "serial_s": round(t_serial, 3), "serial_points_per_s": round(n / t_serial, 1),
           "processes2_s": round(t_proc, 3), "processes2_points_per_s": round(n / t_proc, 1),
           "speedup_processes2": round(t_serial / t_proc, 2),
           "mpi2_s": t_mpi and round(t_mpi, 3), "speedup_mpi2": t_mpi and round(t_serial / t_mpi, 2),
           "point_by_point_s_est": round(per_point * n, 2),
           "lockstep_gain": round(per_point * n / t_serial, 1),
           "converged_serial": f"{int(serial['valid'].sum())}/{n}",
           "methods_serial": {m: int((serial["method"] == i).sum()) for i, m in enumerate(profiling.METHODS)},
           "max_abs_diff_serial_vs_processes": float(np.nanmax(np.abs(
               np.where(np.isfinite(serial["delta_chi2"]), serial["delta_chi2"] - proc["delta_chi2"], 0))))}
    if args.json:
        print(json.dumps(out, indent=2))
        return
    for key, value in out.items():
        print(f"{key:<34} {value}")


if __name__ == "__main__":
    main()
