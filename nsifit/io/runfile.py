"""HDF5 run files: self-describing, buffered, crash-safe, checksummed, readable while written.

Layout (schema_version 2):
    /            attrs nsifit_version, schema_version, created_utc, config_yaml, model, param_names,
                 seed, versions, n_obs, chi2_convention, plugins (see nsifit.io.files)
    /params/<name>   attrs prior, min, max, mean, sigma (physical units), unit, latex, label,
                     log_scale (chain column holds log10 of the value), owner
    /data_files      attrs: '<plugin>/<file>' -> sha256 of the content
    /mcmc            attrs nwalkers, ndim, blob_names (every per-point quantity, in the posterior's
                     order), derived_every, constants (JSON: name -> value)
      chain (steps, walkers, ndim) internal coordinates; log_prob (steps, walkers)
      blobs/<name> (steps, walkers): each plugin's log L ("loglike_<plugin>") and "loglike_total",
                   every step
      derived/<name> (rows, walkers): the derived quantities at steps 0, d, 2d, ... (d =
                   `derived_every`; none when 0). All of them can be recomputed from the stored
                   config at any step (nsifit.api.Run.samples(derived=...)).
      constant_broken (n_constants,) int64: a quantity equal at every point of the first ensemble
                   is not stored per step but as `constants[name]`; flushes check it, and from the
                   first step where it differs its dataset is filled (earlier rows: the constant)
                   and this marker set to that step (-1: still constant).
      iteration (1,) int64: the number of valid steps -- the ONLY thing a reader trusts
      checkpoint/{step, accepted, rng_keys, rng_pos, rng_has_gauss, rng_cached_gaussian,
                  state_blobs}: one row per flush: cumulative accepted moves per walker, the emcee
                   RandomState after that step and every blob of the last step's walkers (so a resume
                   is bit-exact)
    /profile/... and any other group: carried over unchanged by a resume's rewrite.

Version 1 files (every blob at every step under blobs/, no constants, no state_blobs) are read too;
resuming one rewrites it in this layout.

Storage cost: chunks of `flush_steps` steps written once, Fletcher-32 checksums, no compression (LZF or gzip
saved a third of the size at 3-7x the flush cost: benchmarks/bench_storage.py).

Crash safety: the file is written in HDF5 SWMR mode (libver 'latest'), whose ordered
metadata writes keep the file consistent at every instant. A flush writes the new rows,
flushes, then bumps `iteration` and flushes again; anything past `iteration` is ignored.
After a failed write (a full disk) nothing more is written: the file keeps its last valid
`iteration`. Readers open with swmr=True, which works while a run writes the file and after a
kill -9 (a plain open then fails on HDF5's "file is already open for write" flag). A
resume reads the valid steps and rewrites the file (temporary file + os.replace), which
also clears that flag. Plots and exports go through `atomic_path` (temporary + os.replace).
"""

import contextlib
import errno
import json
import os
import time
import traceback
from pathlib import Path

import emcee
import h5py
import numpy as np

from nsifit.errors import ConfigError, StorageError
from nsifit.io.files import (
    CHECKSUM,
    OWN_GROUPS,
    atomic_path,
    copy_groups,
    h5_errors,
    open_h5,
    superblock_eof,
    write_error,
    write_metadata,
)
from nsifit.io.runread import (  # noqa: F401  (RunData, read_run, check_resumable: re-exported)
    RunData,
    check_resumable,
    constant_blobs,
    derived_rows,
    float_bits,
    per_step,
    read_run,
)

CHUNK_BYTES = 4 << 20           # at most ~4 MB per chunk (large ensembles)
RESERVE_MARGIN = 64 << 10       # disk space reserved beyond a flush's data and chunks (HDF5 metadata)
FILTERS = {}                    # compression: none (see the module docstring)


class H5Backend(emcee.backends.Backend):
    """emcee's in-memory backend plus buffered, crash-safe appends to an HDF5 file.

    The file stays open (SWMR write mode); new steps are written every `flush_steps`
    steps (at multiples of it) or `flush_seconds` seconds, whichever comes first, and at close().
    After a failed write the backend writes nothing more and flush() raises StorageError.
    """

    def __init__(self, path, flush_steps=100, flush_seconds=10.0, derived_every=10):
        super().__init__()
        self.path = Path(path)
        self.flush_steps, self.flush_seconds = int(flush_steps), float(flush_seconds)
        self.derived_every = int(derived_every)
        self.blob_names = []
        self.constants = {}
        self._broken = {}
        self.state_blobs = None
        self._h5 = None
        self._fd = None
        self._datasets = {}
        self._flushed = self.initial_iteration = 0
        self._failed = None
        self._last_flush = time.monotonic()
        self.seconds_writing = 0.0
        self.cpu_writing = 0.0

    # --- creation --------------------------------------------------------------------------
    def create(self, posterior, nwalkers, config_yaml, seed, run=None, constants=None, carry=None):
        """Write a new file (atomically) with metadata and, from `run`, already valid steps.

        `constants`: {blob: value} equal at every point of the first ensemble (new runs);
        `carry`: an existing file whose groups other than /mcmc and the metadata are copied over.
        """
        self.blob_names = list(posterior.blob_names)
        self.reset(nwalkers, posterior.ndim)
        if run is not None and run.iteration:
            self.derived_every = _thinning(run.derived_every, self.derived_every)
            self.constants = {k: v for k, v in _stored_constants(run).items() if k in self.blob_names}
        else:
            self.constants = {k: v for k, v in (constants or {}).items() if k in self.blob_names}
        self._broken = {name: -1 for name in self.constants}
        try:
            with atomic_path(self.path) as tmp:
                with h5py.File(tmp, "w", libver="latest") as h5:
                    write_metadata(h5, posterior, config_yaml, seed)
                    self._layout(h5, posterior.ndim, nwalkers, run)
                    if carry is not None:
                        with open_h5(carry) as old, h5_errors(carry):
                            copy_groups(old, h5, skip=("mcmc", *OWN_GROUPS))
            if run is not None and run.iteration:
                self._load(run)
            # no chunk cache: each write goes to the file at once, so a full disk fails that write
            # (not a later cache eviction inside HDF5, which h5py can only report as ignored errors)
            self._h5 = h5py.File(self.path, "r+", libver="latest", locking=False, rdcc_nbytes=0)
            self._h5.swmr_mode = True
            self._fd = os.open(self.path, os.O_RDWR)
            self._datasets = {}
            self._h5["mcmc"].visititems(lambda name, obj: self._datasets.__setitem__(name, obj)
                                        if isinstance(obj, h5py.Dataset) else None)
            self._chunk_bytes = sum(int(np.prod(ds.chunks)) * ds.dtype.itemsize
                                    for ds in self._datasets.values() if ds.chunks)
        except OSError as err:
            self._abandon()
            raise StorageError(write_error(self.path, err)) from None
        self._flushed = self.initial_iteration = self.iteration
        self._last_flush = time.monotonic()

    def _chunk_rows(self, values_per_row, rows_per_flush):
        return max(1, min(rows_per_flush, CHUNK_BYTES // (8 * values_per_row)))

    def _layout(self, h5, ndim, nwalkers, run):
        mcmc = h5.create_group("mcmc")
        mcmc.attrs.update({"nwalkers": nwalkers, "ndim": ndim, "derived_every": self.derived_every,
                           "blob_names": np.array(self.blob_names, dtype=h5py.string_dtype()),
                           "constants": json.dumps(self.constants)})
        n = run.iteration if run is not None else 0
        every = self.derived_every

        def series(group, name, shape, rows, rows_per_flush, data=None):
            chunk = self._chunk_rows(int(np.prod(shape)), rows_per_flush)
            ds = group.create_dataset(name, shape=(rows, *shape), maxshape=(None, *shape), dtype="f8",
                                      chunks=(chunk, *shape), **CHECKSUM, **FILTERS)
            if rows:
                ds[:] = data
            return ds

        series(mcmc, "chain", (nwalkers, ndim), n, self.flush_steps, run and run.chain)
        series(mcmc, "log_prob", (nwalkers,), n, self.flush_steps, run and run.log_prob)
        blobs, derived = mcmc.create_group("blobs"), mcmc.create_group("derived")
        for name in self.blob_names:
            constant = name in self.constants
            if per_step(name):
                series(blobs, name, (nwalkers,), 0 if constant else n, self.flush_steps,
                       None if constant or run is None else run.blobs[name])
            elif every:
                rows = 0 if constant else derived_rows(n, every)
                data = None if constant or run is None else _thinned(run, name, every)
                series(derived, name, (nwalkers,), rows, max(1, -(-self.flush_steps // every)), data)
        mcmc.create_dataset("constant_broken", data=np.full(len(self.constants), -1, dtype=np.int64),
                            chunks=(max(1, len(self.constants)),), maxshape=(None,), **CHECKSUM)
        mcmc.create_dataset("iteration", data=np.array([n], dtype=np.int64), chunks=(1,), **CHECKSUM)
        ck = mcmc.create_group("checkpoint")
        rows = 1 if n else 0
        for name, shape, dtype in (("step", (), "i8"), ("accepted", (nwalkers,), "f8"),
                                   ("rng_keys", (624,), "u4"), ("rng_pos", (), "i8"),
                                   ("rng_has_gauss", (), "i8"), ("rng_cached_gaussian", (), "f8"),
                                   ("state_blobs", (nwalkers, len(self.blob_names)), "f8")):
            ck.create_dataset(name, shape=(rows, *shape), maxshape=(None, *shape), dtype=dtype,
                              chunks=(16 if len(shape) < 2 else 1, *shape), **CHECKSUM)
        if n:
            self._write_checkpoint(ck, 0, n, run.accepted, run.random_state, run.state_blobs)

    @staticmethod
    def _write_checkpoint(ck, row, step, accepted, state, state_blobs):
        _, keys, pos, has_gauss, gauss = state
        ck["step"][row], ck["accepted"][row], ck["rng_keys"][row] = step, accepted, keys
        ck["rng_pos"][row], ck["rng_has_gauss"][row], ck["rng_cached_gaussian"][row] = pos, has_gauss, gauss
        ck["state_blobs"][row] = state_blobs

    def _load(self, run):
        """Fill the in-memory backend with the steps of `run` (derived: the stored steps)."""
        self.chain, self.log_prob = run.chain.copy(), run.log_prob.copy()
        steps = np.arange(run.iteration)
        self.blobs = np.stack([run.blob_column(name, steps) if name not in self.constants
                               else np.full(run.log_prob.shape, self.constants[name])
                               for name in self.blob_names], axis=-1)
        self.accepted = run.accepted.astype(float).copy()
        self.random_state = run.random_state
        self.state_blobs = np.array(run.state_blobs, dtype=float)
        self.iteration = run.iteration

    # --- sampling ----------------------------------------------------------------------------
    def grow(self, ngrow, blobs):
        """emcee's grow (the whole chain is kept in memory); too many steps is a usage error."""
        values_per_step = self.nwalkers * (self.ndim + 1 + len(self.blob_names))
        try:
            if (self.iteration + ngrow) * values_per_step * 8 > np.iinfo(np.intp).max:
                raise MemoryError
            super().grow(ngrow, blobs)
        except MemoryError:
            raise ConfigError(f"sampler.steps: {self.iteration + ngrow} steps x {self.nwalkers} walkers "
                              "do not fit in memory; ask for fewer steps") from None

    def save_step(self, state, accepted):
        super().save_step(state, accepted)
        if (self.iteration % self.flush_steps == 0
                or time.monotonic() - self._last_flush >= self.flush_seconds):
            self.flush()

    @property
    def flushed(self):
        """Steps safely in the file."""
        return self._flushed

    def flush(self):
        """Append the unsaved steps, then (and only then) advance the iteration counter."""
        start, stop = self._flushed, self.iteration
        if self._failed is not None:
            raise StorageError(self._failed)
        if self._h5 is None or stop == start:
            return
        t0, c0 = time.perf_counter(), time.process_time()
        try:
            self._write(start, stop)
        except (OSError, RuntimeError, ValueError, KeyError) as err:
            self._failed = write_error(self.path, err, "writing") + (
                f"; the file keeps {start} valid steps (continue with --resume once the problem is fixed)"
                if start else "; no step was stored")
            traceback.clear_frames(err.__traceback__)      # drop the frames' HDF5 handles now
            del err
            self._abandon()
            raise StorageError(self._failed) from None
        self._flushed = stop
        self._last_flush = time.monotonic()
        self.seconds_writing += time.perf_counter() - t0
        self.cpu_writing += time.process_time() - c0

    def _reserve(self, nbytes):
        """Allocate disk space for the next `nbytes` HDF5 will append, before HDF5 writes anything:
        a full disk (or a file size limit) then fails here, cleanly, not inside HDF5."""
        used = self._h5.id.get_filesize()          # HDF5's end of allocated space
        size = os.fstat(self._fd).st_size
        if size < used + nbytes:
            try:
                os.posix_fallocate(self._fd, size, used + nbytes - size)
            except OSError as err:
                if err.errno not in (errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL):
                    raise

    def _write(self, start, stop):
        mcmc = self._datasets
        n_new = stop - start
        self._reserve(n_new * self.nwalkers * 8 * (self.ndim + 1 + len(self.blob_names))
                      + self._chunk_bytes + RESERVE_MARGIN)
        blobs = self.blobs[start:stop].reshape(n_new, self.nwalkers, -1)
        every = self.derived_every
        r0, r1 = derived_rows(start, every), derived_rows(stop, every)
        rows = [("chain", self.chain[start:stop], start, stop), ("log_prob", self.log_prob[start:stop], start, stop)]
        newly_broken = []
        for j, name in enumerate(self.blob_names):
            if per_step(name):
                values, lo, hi, where = blobs[..., j], start, stop, "blobs"
            elif every:
                values, lo, hi, where = self.blobs[r0 * every:stop:every, :, j], r0, r1, "derived"
            else:
                continue
            if name in self.constants and self._broken[name] < 0:
                if np.all(float_bits(values) == float_bits(self.constants[name])):
                    continue
                newly_broken.append(name)            # differs from now on: fill in the earlier rows
                values = np.concatenate([np.full((lo, self.nwalkers), self.constants[name]), values])
                lo = 0
            rows.append((f"{where}/{name}", values, lo, hi))
        for name, values, lo, hi in rows:
            ds = mcmc[name]
            ds.resize(hi, axis=0)
            ds[lo:hi] = values
        ck = {name.split("/", 1)[1]: ds for name, ds in mcmc.items() if name.startswith("checkpoint/")}
        row = ck["step"].shape[0]
        for ds in ck.values():
            ds.resize(row + 1, axis=0)
        last = blobs[-1] if self.blobs is not None else np.zeros((self.nwalkers, 0))
        self._write_checkpoint(ck, row, stop, self.accepted, self.random_state, last)
        self._h5.flush()
        if newly_broken:                 # the markers only after the rows they point to are flushed
            names = list(self.constants)
            for name in newly_broken:
                self._broken[name] = start
                mcmc["constant_broken"][names.index(name)] = start
            self._h5.flush()
        mcmc["iteration"][0] = stop
        self._h5.flush()

    def _abandon(self):
        """Stop writing after a failure: drop every handle, then close the file once, quietly; a file
        shorter than its superblock's end-of-file address is extended (sparse) so it stays readable."""
        h5, self._h5 = self._h5, None
        self._datasets = {}
        if h5 is not None:
            try:
                h5.close()
            except Exception:                 # the close flushes HDF5's metadata, which may fail again
                pass
        self._close_fd()
        with contextlib.suppress(OSError):
            eof = superblock_eof(self.path)
            if eof is not None and os.path.getsize(self.path) < eof:
                os.truncate(self.path, eof)

    def _close_fd(self):
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def discard(self):
        """Close without writing the unsaved steps (the file keeps what was flushed)."""
        h5, self._h5 = self._h5, None
        self._datasets = {}
        if h5 is not None:
            with contextlib.suppress(Exception):
                h5.close()
        self._close_fd()

    def close(self):
        if self._h5 is not None:
            try:
                self.flush()
            finally:
                if self._h5 is not None:
                    self._datasets = {}
                    try:
                        self._h5.close()
                    except (OSError, RuntimeError) as err:
                        self._h5 = None
                        self._close_fd()
                        raise StorageError(write_error(self.path, err, "closing")) from None
                    self._h5 = None
                    self._close_fd()
                    with contextlib.suppress(OSError):      # give back the space reserved but unused
                        eof = superblock_eof(self.path)
                        if eof is not None and os.path.getsize(self.path) > eof:
                            os.truncate(self.path, eof)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _thinning(stored, wanted):
    """derived_every of a resumed file: the wanted one when the stored rows contain its steps."""
    if stored == wanted or not stored:
        return stored
    if wanted == 0 or wanted % stored == 0:
        return wanted
    return stored


def _thinned(run, name, every):
    """Rows of derived quantity `name` at steps 0, every, ... from a run stored with its own thinning."""
    stored = run.derived[name]
    step = every // run.derived_every
    return stored[::step][:derived_rows(run.iteration, every)]


def _stored_constants(run):
    """Constants of a resumed run: its own, plus stored columns equal at every stored point."""
    out = dict(run.constants)
    for source in (run.blobs, run.derived):
        for name, values in source.items():
            if name in out or not values.size:
                continue
            bits = float_bits(values)
            if np.all(bits == bits.flat[0]):
                out[name] = float(values.flat[0])
    return out
