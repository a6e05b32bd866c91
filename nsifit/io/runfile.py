"""HDF5 run files (DESIGN.md sect. 5): self-describing, buffered, crash-safe, readable while written.

Layout (schema_version 1):
    /            attrs nsifit_version, schema_version, created_utc, config_yaml, model, param_names,
                 seed, versions (JSON: python, numpy, emcee, h5py, hdf5, nsifit), n_obs, chi2_convention
    /params/<name>   attrs prior, min, max, mean, sigma (physical units), unit, latex, label,
                     log_scale (chain column holds log10 of the value), owner
    /data_files      attrs: data file path -> sha256
    /mcmc            attrs nwalkers, ndim, blob_names
      chain (steps, walkers, ndim) internal coordinates; log_prob (steps, walkers)
      blobs/<name> (steps, walkers): each plugin's log L ("loglike_<plugin>", "loglike_total")
                   and the derived quantities
      iteration (1,) int64: the number of valid steps -- the ONLY thing a reader trusts
      checkpoint/{step, accepted, rng_keys, rng_pos, rng_has_gauss, rng_cached_gaussian}:
                   one row per flush: cumulative accepted moves per walker and the emcee
                   RandomState after that step (so a resume is bit-exact)

Crash safety: the file is written in HDF5 SWMR mode (libver 'latest'), whose ordered
metadata writes keep the file consistent at every instant. A flush writes the new rows,
flushes, then bumps `iteration` and flushes again; anything past `iteration` is ignored.
Readers open with swmr=True, which works while a run writes the file and after a
kill -9 (a plain open then fails on HDF5's "file is already open for write" flag). A
resume reads the valid steps and rewrites the file (temporary file + os.replace), which
also clears that flag. Plots and exports go through `atomic_path` (temporary + os.replace).
"""

import time
from dataclasses import dataclass
from pathlib import Path

import emcee
import h5py
import numpy as np

from nsifit.errors import ConfigError, StorageError
from nsifit.io.files import atomic_path, open_h5, write_metadata

CHUNK_STEPS = 64


@dataclass
class RunData:
    """The valid part of a run file, in memory (internal coordinates in `chain`)."""

    path: str
    attrs: dict
    params: dict          # name -> attrs dict
    data_files: dict
    chain: np.ndarray
    log_prob: np.ndarray
    blobs: dict
    accepted: np.ndarray
    random_state: tuple

    @property
    def iteration(self):
        return len(self.chain)

    @property
    def names(self):
        return [str(n) for n in self.attrs["param_names"]]

    def physical(self, flat_chain):
        """(n, ndim) internal -> (n, ndim) physical values."""
        out = np.array(flat_chain, dtype=float)
        for i, name in enumerate(self.names):
            if self.params[name]["log_scale"]:
                out[:, i] = 10.0 ** out[:, i]
        return out


def read_run(path):
    """Read the valid steps (up to the `iteration` counter) of a run file."""
    with open_h5(path) as h5:
        try:
            attrs = dict(h5.attrs)
            params = {name: dict(h5["params"][name].attrs) for name in h5["params"]}
            mcmc = h5["mcmc"]
            # the counter first: the writer advances it only after the rows are flushed, so
            # datasets refreshed afterwards hold at least n steps even while a run is writing
            mcmc["iteration"].refresh()
            n = int(mcmc["iteration"][0])
            for name in ("chain", "log_prob"):
                mcmc[name].refresh()
            chain, log_prob = mcmc["chain"][:n], mcmc["log_prob"][:n]
            blobs = {}
            for name in mcmc.attrs["blob_names"]:
                mcmc["blobs"][name].refresh()
                blobs[str(name)] = mcmc["blobs"][name][:n]
            accepted, state = _checkpoint(mcmc["checkpoint"], n, int(mcmc.attrs["nwalkers"]))
            files = dict(h5["data_files"].attrs)
        except (KeyError, OSError, ValueError) as err:
            raise StorageError(f"{path}: incomplete nsifit run file ({err})") from None
    if len(chain) < n:
        raise StorageError(f"{path}: truncated: iteration counter {n} but only {len(chain)} steps stored")
    return RunData(str(path), attrs, params, files, chain, log_prob, blobs, accepted, state)


def _checkpoint(group, n, nwalkers):
    """Accepted counts and RNG state stored with step n (zeros / None for n = 0)."""
    for name in group:
        group[name].refresh()
    steps = group["step"][:]
    rows = np.flatnonzero(steps == n)
    if n == 0 or len(rows) == 0:
        if n:
            raise StorageError(f"no checkpoint stored for step {n}")
        return np.zeros(nwalkers), None
    i = rows[-1]
    state = ("MT19937", group["rng_keys"][i], int(group["rng_pos"][i]), int(group["rng_has_gauss"][i]),
             float(group["rng_cached_gaussian"][i]))
    return group["accepted"][i], state


class H5Backend(emcee.backends.Backend):
    """emcee's in-memory backend plus buffered, crash-safe appends to an HDF5 file.

    The file stays open (SWMR write mode); new steps are written every `flush_steps`
    steps or `flush_seconds` seconds, whichever comes first, and at close().
    """

    def __init__(self, path, flush_steps=100, flush_seconds=10.0):
        super().__init__()
        self.path = Path(path)
        self.flush_steps, self.flush_seconds = int(flush_steps), float(flush_seconds)
        self.blob_names = []
        self._h5 = None
        self._flushed = 0
        self._last_flush = time.monotonic()
        self.seconds_writing = 0.0

    def create(self, posterior, nwalkers, config_yaml, seed, run=None):
        """Write a new file (atomically) with metadata and, from `run`, already valid steps."""
        self.blob_names = list(posterior.blob_names)
        self.reset(nwalkers, posterior.ndim)
        with atomic_path(self.path) as tmp, h5py.File(tmp, "w", libver="latest") as h5:
            write_metadata(h5, posterior, config_yaml, seed)
            self._layout(h5, posterior.ndim, nwalkers, run)
        if run is not None and run.iteration:
            self._load(run)
        self._h5 = h5py.File(self.path, "r+", libver="latest", locking=False)
        self._h5.swmr_mode = True
        self._flushed = self.iteration

    def _layout(self, h5, ndim, nwalkers, run):
        mcmc = h5.create_group("mcmc")
        mcmc.attrs.update({"nwalkers": nwalkers, "ndim": ndim,
                           "blob_names": np.array(self.blob_names, dtype=h5py.string_dtype())})
        n = run.iteration if run is not None else 0

        def series(group, name, shape, dtype, data=None):
            ds = group.create_dataset(name, shape=(n, *shape), maxshape=(None, *shape), dtype=dtype,
                                      chunks=(CHUNK_STEPS, *shape), compression="lzf", shuffle=True)
            if n:
                ds[:] = data
            return ds

        series(mcmc, "chain", (nwalkers, ndim), "f8", run and run.chain)
        series(mcmc, "log_prob", (nwalkers,), "f8", run and run.log_prob)
        blobs = mcmc.create_group("blobs")
        for name in self.blob_names:
            series(blobs, name, (nwalkers,), "f8", run and run.blobs[name])
        mcmc.create_dataset("iteration", data=np.array([n], dtype=np.int64))
        ck = mcmc.create_group("checkpoint")
        rows = 1 if n else 0
        for name, shape, dtype in (("step", (), "i8"), ("accepted", (nwalkers,), "f8"),
                                   ("rng_keys", (624,), "u4"), ("rng_pos", (), "i8"),
                                   ("rng_has_gauss", (), "i8"), ("rng_cached_gaussian", (), "f8")):
            ck.create_dataset(name, shape=(rows, *shape), maxshape=(None, *shape), dtype=dtype,
                              chunks=(16, *shape))
        if n:
            self._write_checkpoint(ck, 0, n, run.accepted, run.random_state)

    @staticmethod
    def _write_checkpoint(ck, row, step, accepted, state):
        _, keys, pos, has_gauss, gauss = state
        ck["step"][row], ck["accepted"][row], ck["rng_keys"][row] = step, accepted, keys
        ck["rng_pos"][row], ck["rng_has_gauss"][row], ck["rng_cached_gaussian"][row] = pos, has_gauss, gauss

    def _load(self, run):
        """Fill the in-memory backend with the steps of `run`."""
        self.chain, self.log_prob = run.chain.copy(), run.log_prob.copy()
        self.blobs = np.stack([run.blobs[name] for name in self.blob_names], axis=-1)
        self.accepted = run.accepted.astype(float).copy()
        self.random_state = run.random_state
        self.iteration = run.iteration

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
        if (self.iteration - self._flushed >= self.flush_steps
                or time.monotonic() - self._last_flush >= self.flush_seconds):
            self.flush()

    def flush(self):
        """Append the unsaved steps, then (and only then) advance the iteration counter."""
        start, stop = self._flushed, self.iteration
        if self._h5 is None or stop == start:
            return
        t0 = time.perf_counter()
        mcmc = self._h5["mcmc"]
        blobs = None if self.blobs is None else self.blobs[start:stop].reshape(stop - start, self.nwalkers, -1)
        rows = [("chain", self.chain[start:stop]), ("log_prob", self.log_prob[start:stop])]
        rows += [(f"blobs/{name}", blobs[..., j]) for j, name in enumerate(self.blob_names)]
        for name, values in rows:
            ds = mcmc[name]
            ds.resize(stop, axis=0)
            ds[start:stop] = values
        ck = mcmc["checkpoint"]
        row = ck["step"].shape[0]
        for name in ck:
            ck[name].resize(row + 1, axis=0)
        self._write_checkpoint(ck, row, stop, self.accepted, self.random_state)
        self._h5.flush()
        mcmc["iteration"][0] = stop
        self._h5.flush()
        self._flushed = stop
        self._last_flush = time.monotonic()
        self.seconds_writing += time.perf_counter() - t0

    def close(self):
        if self._h5 is not None:
            self.flush()
            self._h5.close()
            self._h5 = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
