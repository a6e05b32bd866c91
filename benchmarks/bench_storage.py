"""Storage cost of `nsifit run` on the quickstart: CPU time with storage on vs off, in the same process.

Run by hand: `python benchmarks/bench_storage.py [--steps N] [--walkers W] [--repeats R]`.

Both runs go through nsifit.inference.samplers.ensemble.run with the quickstart config, the same
seed and the vectorized pool; "off" replaces the HDF5 backend by one that keeps the steps in memory
only (emcee's Backend), "on" is the real H5Backend. Off and on alternate `--repeats` times and the
medians are reported. CPU time (user + system, time.process_time) is the figure of merit: the
development machine is shared, so wall time is noisy. Also reported: the share of the "on" run spent
in H5Backend.flush (CPU), the file size, the bytes stored per dataset group and the file's dead space
(file size minus the stored bytes of every dataset).
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import yaml

from nsifit.cli.run import quickstart_path
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers import ensemble
from nsifit.io import runfile


class MemoryBackend(runfile.H5Backend):
    """The same emcee backend without the file: create() only sizes it, flush() does nothing."""

    def create(self, posterior, nwalkers, *args, **kwargs):
        self.blob_names = list(posterior.blob_names)
        self.reset(nwalkers, posterior.ndim)

    def flush(self):
        pass

    def close(self):
        pass


class TimedBackend(runfile.H5Backend):
    """H5Backend whose flush() also counts its CPU time (`cpu_writing`)."""

    cpu_writing = 0.0

    def flush(self):
        start = time.process_time()
        try:
            super().flush()
        finally:
            self.cpu_writing += time.process_time() - start


def timed_run(config, posterior, path, storage):
    """(CPU seconds, wall seconds, backend) of one ensemble.run."""
    ensemble.H5Backend = TimedBackend if storage else MemoryBackend
    verify = getattr(ensemble, "verify_steps", None)
    if not storage and verify is not None:
        ensemble.verify_steps = lambda *args: None          # no file to check
    try:
        cpu, wall = time.process_time(), time.perf_counter()
        backend, _ = ensemble.run(config, posterior, path, force=True, progress=False)
        return time.process_time() - cpu, time.perf_counter() - wall, backend
    finally:
        ensemble.H5Backend = runfile.H5Backend
        if verify is not None:
            ensemble.verify_steps = verify


def stored_bytes(path):
    """{top-level group under /mcmc (or dataset): bytes on disk}, and their total."""
    sizes = {}
    with h5py.File(path, "r") as h5:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                key = "/".join(name.split("/")[:2])
                sizes[key] = sizes.get(key, 0) + obj.id.get_storage_size()
        h5.visititems(visit)
    return sizes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, help="default: the quickstart's")
    parser.add_argument("--walkers", type=int, help="default: the quickstart's")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--sampler", action="append", default=[], metavar="KEY=VALUE",
                        help="extra sampler settings, e.g. flush_steps=100 (YAML values)")
    parser.add_argument("--compression", choices=("default", "none", "lzf", "gzip1"), default="default",
                        help="HDF5 filter of the chain and per-point datasets (default: nsifit's choice)")
    args = parser.parse_args()
    if args.compression != "default":
        runfile.FILTERS = {"none": {}, "lzf": {"compression": "lzf", "shuffle": True},
                           "gzip1": {"compression": "gzip", "compression_opts": 1, "shuffle": True}}[args.compression]
    raw = yaml.safe_load(quickstart_path().read_text())
    raw["sampler"]["progress"] = False
    if args.steps:
        raw["sampler"]["steps"] = args.steps
    if args.walkers:
        raw["sampler"]["walkers"] = args.walkers
    for item in args.sampler:
        key, _, value = item.partition("=")
        raw["sampler"][key] = yaml.safe_load(value)
    config = load_config(raw)
    posterior = Posterior(config)
    s = config.sampler
    off, on, flush_cpu, flush_wall = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.h5"
        for _ in range(args.repeats):
            cpu, wall, memory = timed_run(config, posterior, path, storage=False)
            off.append((cpu, wall))
            cpu, wall, backend = timed_run(config, posterior, path, storage=True)
            on.append((cpu, wall))
            flush_cpu.append(backend.cpu_writing)
            flush_wall.append(backend.seconds_writing)
            assert np.array_equal(backend.get_chain(), memory.get_chain()), "storage changed the chain"
        size = path.stat().st_size
        sizes = stored_bytes(path)
    cpu_off, cpu_on = (statistics.median(c for c, _ in runs) for runs in (off, on))
    wall_off, wall_on = (statistics.median(w for _, w in runs) for runs in (off, on))
    print(f"quickstart: {s['walkers']} walkers x {s['steps']} steps, {len(posterior.blob_names)} blobs, "
          f"flush every {s['flush_steps']} steps / {s['flush_seconds']:g} s, "
          f"{', '.join(f'{k}={s[k]}' for k in ('derived_every',) if k in s)}, "
          f"compression {getattr(runfile, 'FILTERS', None) or 'none'}")
    print(f"CPU  storage off {cpu_off:.2f} s, on {cpu_on:.2f} s: overhead {100 * (cpu_on / cpu_off - 1):+.1f}% "
          f"(each repeat: {', '.join(f'{100 * (a[0] / b[0] - 1):+.1f}%' for a, b in zip(on, off))})")
    print(f"wall storage off {wall_off:.2f} s, on {wall_on:.2f} s: overhead {100 * (wall_on / wall_off - 1):+.1f}%")
    share = statistics.median(flush_cpu) / cpu_on
    print(f"flush(): {statistics.median(flush_cpu):.3f} s CPU ({100 * share:.1f}% of the run's CPU), "
          f"{statistics.median(flush_wall):.3f} s wall")
    total = sum(sizes.values())
    print(f"file {size / 1e6:.2f} MB; datasets {total / 1e6:.2f} MB; dead space {100 * (1 - total / size):.0f}%")
    for key, value in sorted(sizes.items(), key=lambda kv: -kv[1]):
        print(f"  {key:<24} {value / 1e6:8.3f} MB ({100 * value / total:.0f}%)")


if __name__ == "__main__":
    main()
