"""Posterior-call speed and CLI start-up, this tree against an earlier commit, in the same run.

Run by hand: `python benchmarks/bench_speed.py [--baseline COMMIT] [--repeats R] [CONFIG ...]`
(default: the commit before issue 10's speed work, the quickstart and examples/hard_posterior.yaml).
The baseline is checked out with `git archive` into a temporary directory and imported from
there (PYTHONPATH), the current tree from the installed package; each repeat runs one
subprocess per tree, alternating, so both see the same machine load. Per config it reports the
CPU time of one log-posterior call at N = 1, 32, 128 and 1e4 points, the Borexino plugin's rate
alone at N = 1e4, the number of Python function calls per posterior call (cProfile, N = 64),
and the wall and CPU time of `nsifit --version` (a fresh interpreter each time); medians of the
repeats and the median of the per-repeat ratios baseline / current. CPU (process) time, not
wall time: on a shared machine it is what a call costs, whatever else runs.
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_BASELINE = "acae4f4"          # main before issue 10's speed work
SIZES = (1, 32, 128, 10000)


def worker(configs):
    """Measurements in this interpreter (run as a subprocess); prints one JSON line."""
    import cProfile
    import pstats

    import numpy as np

    from nsifit.inference.posterior import Posterior
    from nsifit.theory.observables import ObservableSet

    def seconds_per_call(func, arg, min_seconds=1.0):
        """CPU seconds per call (process time: what the call costs, whatever else runs)."""
        func(arg)
        calls, start = 0, time.process_time()
        while time.process_time() - start < min_seconds:
            func(arg)
            calls += 1
        return (time.process_time() - start) / calls

    out = {}
    for config in configs:
        posterior = Posterior(config)
        rng = np.random.default_rng(1)
        row = {f"posterior_cpu_ms_n{n}": 1e3 * seconds_per_call(posterior.log_prob, posterior.sample_prior(n, rng))
               for n in SIZES}
        x = posterior.sample_prior(64, rng)
        profile = cProfile.Profile()
        profile.enable()
        for _ in range(20):
            posterior.log_prob(x)
        profile.disable()
        row["python_calls_n64"] = pstats.Stats(profile).total_calls / 20
        borexino = [p for p in posterior.plugins if p.name == "borexino_7be"]
        if borexino:
            params = dict(posterior.fixed, **posterior.to_physical(posterior.sample_prior(10000, rng)))
            resolved = posterior.model.resolve(params)
            obs = ObservableSet(posterior.model.couplings(resolved), resolved)
            obs["g_nu"], obs["g_e"]
            row["borexino_rate_cpu_ms_n10000"] = 1e3 * seconds_per_call(borexino[0].rate_cm2, obs)
        out[config] = row
    print(json.dumps(out))


def version_seconds(env):
    """(wall, CPU) seconds of `nsifit --version` in a fresh interpreter (the console script's import)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import sys; from nsifit.cli.main import main; "
                    "sys.argv = ['nsifit', '--version']; main()"], env=env, check=True,
                   stdout=subprocess.DEVNULL, cwd=tempfile.gettempdir())
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def checkout(commit, directory):
    """`git archive COMMIT` into directory/src and an importable layout in directory/path."""
    src, path = directory / "src", directory / "path"
    src.mkdir()
    path.mkdir()
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
    for package, folder in (("nsifit", "nsifit"), ("nsifit_likelihoods", "likelihoods"), ("nsifit_data", "data")):
        (path / package).symlink_to(src / folder)
    return path


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("configs", nargs="*", default=[str(ROOT / "examples" / "quickstart.yaml"),
                                                      str(ROOT / "examples" / "hard_posterior.yaml")])
    parser.add_argument("--baseline", default=DEFAULT_BASELINE, help="git commit to compare with")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    configs = [str(Path(c).resolve()) for c in args.configs]
    if args.worker:
        worker(configs)
        return
    with tempfile.TemporaryDirectory(prefix="nsifit-speed-") as tmp:
        trees = {"baseline": str(checkout(args.baseline, Path(tmp))), "current": None}
        results = {name: [] for name in trees}
        for rep in range(args.repeats):
            for name, pythonpath in trees.items():
                env = dict(os.environ)
                if pythonpath:
                    env["PYTHONPATH"] = pythonpath
                done = subprocess.run([sys.executable, __file__, "--worker", *configs], env=env, check=True,
                                      capture_output=True, text=True, cwd=tmp)
                row = json.loads(done.stdout.strip().splitlines()[-1])
                times = [version_seconds(env) for _ in range(5)]
                row["version_wall_s"] = statistics.median(t[0] for t in times)
                row["version_cpu_s"] = statistics.median(t[1] for t in times)
                results[name].append(row)
                print(f"repeat {rep + 1}/{args.repeats}: {name} done (load average {os.getloadavg()[0]:.1f})",
                      file=sys.stderr)
    base, cur = results["baseline"], results["current"]
    print(f"baseline {args.baseline} vs current tree; {args.repeats} repeats, alternating; "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    print(f"{'quantity':<44} {'baseline':>10} {'current':>10} {'ratio':>7}")
    for config in configs:
        print(Path(config).name)
        for key in base[0][config]:
            b = statistics.median(r[config][key] for r in base)
            c = statistics.median(r[config][key] for r in cur)
            ratio = statistics.median(rb[config][key] / rc[config][key] for rb, rc in zip(base, cur))
            print(f"  {key:<42} {b:10.3f} {c:10.3f} {ratio:6.2f}x")
    for key in ("version_wall_s", "version_cpu_s"):
        b = statistics.median(r[key] for r in base)
        c = statistics.median(r[key] for r in cur)
        print(f"{'nsifit --version ' + key[8:]:<44} {b:10.3f} {c:10.3f} "
              f"{statistics.median(x[key] / y[key] for x, y in zip(base, cur)):6.2f}x")


if __name__ == "__main__":
    main()
