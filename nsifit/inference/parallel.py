"""Parallel maps over the posterior: in-process, multiprocessing, or MPI (one explicit choice).

The one parallel-map abstraction of nsifit, used by sampling and profiling, with one grammar
(`vectorized | serial | processes[:N] | mpi`). Every pool has `map(func, items)` calling
`func(posterior, item)` for each item, with the posterior built once per worker (processes build it
from the config, so any multiprocessing start method works); `func` must be a module-level
(picklable) function. The sampler sends one chunk of walkers per worker, so each worker still
evaluates its points in one vectorized call (emcee's own pool support maps one walker per call);
the profiler sends one block of grid stripes per worker. Under MPI, rank 0 drives and the other
ranks serve map calls until the pool is closed, then exit.
"""

import multiprocessing
import os

from nsifit.errors import ConfigError
from nsifit.inference.config import parse_pool

MPI_SIZE_ENV = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE")      # set by Open MPI's and MPICH's mpiexec
_WORKER = {}


def launcher_size():
    """Number of ranks the MPI launcher says it started (1 when not under mpiexec)."""
    for key in MPI_SIZE_ENV:
        if os.environ.get(key, "").isdigit():
            return int(os.environ[key])
    return 1


def mpi_world():
    """MPI.COMM_WORLD of a sound launch: ConfigError without mpi4py, for a broken set-up (mpiexec
    started N ranks that each see size 1, i.e. mpi4py built against another MPI) or < 2 ranks."""
    try:
        from mpi4py import MPI
    except ImportError:
        raise ConfigError("pool 'mpi' needs mpi4py and an MPI implementation "
                          "(e.g. apt-get install openmpi-bin libopenmpi-dev; pip install mpi4py)") from None
    comm = MPI.COMM_WORLD
    size, launched = comm.Get_size(), launcher_size()
    if launched > 1 and size == 1:
        raise ConfigError(f"broken MPI set-up: mpiexec started {launched} ranks but each sees "
                          "COMM_WORLD.size == 1 (mpi4py is built against another MPI than mpiexec); "
                          "refusing to run them as independent copies")
    if size < 2:
        raise ConfigError("pool 'mpi' needs at least 2 ranks: run under 'mpiexec -n N nsifit ...'")
    return comm


def refuse_mpi_launch_without_mpi_pool(kind, spec):
    """Under mpiexec every rank would do the whole job and write the same file unless the pool is mpi."""
    launched = launcher_size()
    if kind != "mpi" and launched > 1:
        raise ConfigError(f"running under mpiexec with {launched} ranks but pool is '{spec}': every rank "
                          "would write the same file; use --pool mpi")


class SerialPool:
    """Everything in this process."""

    size = 1
    is_master = True

    def __init__(self, posterior):
        self.posterior = posterior

    def map(self, func, items):
        return [func(self.posterior, item) for item in items]

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _init_worker(config, data_dir):
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the parent's: it stops between steps
    from nsifit.inference.posterior import Posterior
    _WORKER["posterior"] = Posterior(config, data_dir)


def _call(task):
    func, item = task
    return func(_WORKER["posterior"], item)


class ProcessPool(SerialPool):
    """A multiprocessing pool of `size` workers, each with its own Posterior."""

    def __init__(self, posterior, size):
        super().__init__(posterior)
        self.size = size
        self._pool = multiprocessing.get_context().Pool(
            size, initializer=_init_worker, initargs=(posterior.config, posterior.data_dir))

    def map(self, func, items):
        return self._pool.map(_call, [(func, item) for item in items], chunksize=1)

    def close(self):
        self._pool.close()
        self._pool.join()


class MPIPool(SerialPool):
    """Rank 0 drives; the other ranks serve map() calls until close(), then exit."""

    def __init__(self, posterior):
        super().__init__(posterior)
        self.comm = mpi_world()
        self.size = self.comm.Get_size()
        self.is_master = self.comm.Get_rank() == 0
        if not self.is_master:
            self._serve()
            raise SystemExit(0)

    def _serve(self):
        while True:
            task = self.comm.scatter(None, root=0)
            if task is None:
                return
            func, items = task
            self.comm.gather([func(self.posterior, item) for item in items], root=0)

    def map(self, func, items):
        items = list(items)
        shares = [items[r::self.size] for r in range(self.size)]
        mine = self.comm.scatter([(func, s) for s in shares], root=0)
        results = self.comm.gather([func(self.posterior, item) for item in mine[1]], root=0)
        out = [None] * len(items)
        for r, chunk in enumerate(results):
            out[r::self.size] = chunk
        return out

    def close(self):
        self.comm.scatter([None] * self.size, root=0)


def open_pool(spec, posterior):
    """The pool for `spec` (vectorized | serial | processes[:N] | mpi); refuses conflicting set-ups."""
    kind, count = parse_pool(spec)
    refuse_mpi_launch_without_mpi_pool(kind, spec)
    if kind == "mpi":
        return MPIPool(posterior)
    if kind == "processes" and count > 1:
        return ProcessPool(posterior, count)
    return SerialPool(posterior)
