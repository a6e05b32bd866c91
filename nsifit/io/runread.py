"""Reading HDF5 run files (the layout is described in nsifit.io.runfile): RunData, read_run, and the
checks a resume makes of the stored steps."""

import json
import math
from dataclasses import dataclass, field

import numpy as np

from nsifit.errors import StorageError
from nsifit.io.files import h5_errors, open_h5, physical_values
from nsifit.io.nestedfile import read_nested

PER_STEP_PREFIX = "loglike_"


def per_step(name):
    """Blobs stored at every step: each plugin's log L and their total."""
    return name.startswith(PER_STEP_PREFIX)


def derived_rows(n, every):
    """Number of stored derived rows for n steps (steps 0, every, 2 every, ... < n)."""
    return 0 if not every else (n + every - 1) // every


@dataclass
class RunData:
    """The valid part of a run file, in memory (internal coordinates in `chain`)."""

    path: str
    attrs: dict
    params: dict          # name -> attrs dict
    data_files: dict
    chain: np.ndarray
    log_prob: np.ndarray
    blobs: dict           # per step (steps, walkers): loglike_<plugin>, loglike_total
    accepted: np.ndarray
    random_state: tuple
    derived: dict = field(default_factory=dict)       # name -> (rows, walkers) at `derived_steps`
    derived_every: int = 1
    constants: dict = field(default_factory=dict)     # name -> value at every point
    state_blobs: np.ndarray = None                    # (walkers, n blobs): every blob of the last step
    blob_names: list = field(default_factory=list)    # every blob, in the posterior's order

    @property
    def iteration(self):
        return len(self.chain)

    @property
    def names(self):
        return [str(n) for n in self.attrs["param_names"]]

    @property
    def derived_steps(self):
        """The steps whose derived quantities are stored."""
        return np.arange(0, self.iteration, self.derived_every) if self.derived_every else np.arange(0)

    def physical(self, flat_chain):
        """(n, ndim) internal -> (n, ndim) physical values."""
        return physical_values(flat_chain, self.names, self.params)

    def blob_column(self, name, steps):
        """Values of blob `name` at the given steps (NaN where a derived quantity is not stored)."""
        if name in self.blobs:
            return self.blobs[name][steps]
        out = np.full((len(steps), self.chain.shape[1]), np.nan)
        if name in self.derived and self.derived_every:
            stored = np.asarray(steps) % self.derived_every == 0
            out[stored] = self.derived[name][np.asarray(steps)[stored] // self.derived_every]
        return out


def read_run(path):
    """Read the valid steps (up to the `iteration` counter) of a run file (a NestedRunData for a run
    of the nested engine)."""
    with open_h5(path) as h5, h5_errors(path):
        nested = "mcmc" not in h5 and "nested" in h5
    if nested:                                  # a nested-sampling run: weighted samples
        return read_nested(path)
    with open_h5(path) as h5, h5_errors(path):
        if "mcmc" not in h5:
            what = "profile scans only" if "profile" in h5 else "no chain"
            raise StorageError(f"{path}: holds {what} (no /mcmc group)")
        try:
            attrs = dict(h5.attrs)
            params = {name: dict(h5["params"][name].attrs) for name in h5["params"]}
            mcmc = h5["mcmc"]
            # the counter first: the writer advances it only after the rows are flushed, so
            # datasets refreshed afterwards hold at least n steps even while a run is writing
            mcmc["iteration"].refresh()
            n = int(mcmc["iteration"][0])
            nwalkers = int(mcmc.attrs["nwalkers"])
            data = _read_v2(mcmc, n) if "derived_every" in mcmc.attrs else _read_v1(mcmc, n)
            accepted, state, state_blobs = _checkpoint(mcmc["checkpoint"], n, nwalkers)
            files = dict(h5["data_files"].attrs)
        except (KeyError, ValueError) as err:
            if "checksum" in str(err) or "Unable to" in str(err):
                raise                          # damaged HDF5 structures: h5_errors reports them
            raise StorageError(f"{path}: incomplete nsifit run file ({err})") from None
    chain = data.pop("chain")
    if len(chain) < n:
        raise StorageError(f"{path}: truncated: iteration counter {n} but only {len(chain)} steps stored")
    if state_blobs is None and n:          # version 1: the last step's blobs are stored per step
        state_blobs = np.stack([data["blobs"][k][-1] if k in data["blobs"] else data["derived"][k][-1]
                                for k in data["blob_names"]], axis=-1)
    return RunData(str(path), attrs, params, files, chain, accepted=accepted, random_state=state,
                   state_blobs=state_blobs, **data)


def _rows(ds, n):
    ds.refresh()
    return ds[:n]


def _read_v1(mcmc, n):
    names = [str(b) for b in mcmc.attrs["blob_names"]]
    stored = {name: _rows(mcmc["blobs"][name], n) for name in names}
    return {"chain": _rows(mcmc["chain"], n), "log_prob": _rows(mcmc["log_prob"], n),
            "blobs": {k: v for k, v in stored.items() if per_step(k)},
            "derived": {k: v for k, v in stored.items() if not per_step(k)},
            "derived_every": 1, "constants": {}, "blob_names": names}


def _read_v2(mcmc, n):
    names = [str(b) for b in mcmc.attrs["blob_names"]]
    every = int(mcmc.attrs["derived_every"])
    constants = json.loads(mcmc.attrs["constants"])
    broken = dict(zip(constants, _rows(mcmc["constant_broken"], len(constants)))) if constants else {}
    nwalkers = int(mcmc.attrs["nwalkers"])
    blobs, derived, still_constant = {}, {}, {}
    for name in names:
        rows = n if per_step(name) else derived_rows(n, every)
        group = mcmc["blobs" if per_step(name) else "derived"]
        if name in constants and broken[name] < 0:
            still_constant[name] = constants[name]
            values = np.full((rows, nwalkers), constants[name])
        elif name in group:
            values = _rows(group[name], rows)
            if len(values) < rows:
                raise StorageError(f"truncated: {name} holds {len(values)} of {rows} rows")
        else:
            continue                       # derived quantities of a run with derived_every 0
        (blobs if per_step(name) else derived)[name] = values
    return {"chain": _rows(mcmc["chain"], n), "log_prob": _rows(mcmc["log_prob"], n), "blobs": blobs,
            "derived": derived, "derived_every": every, "constants": still_constant, "blob_names": names}


def _checkpoint(group, n, nwalkers):
    """Accepted counts, RNG state and (version 2) last blobs stored with step n."""
    for name in group:
        group[name].refresh()
    steps = group["step"][:]
    rows = np.flatnonzero(steps == n)
    if n == 0 or len(rows) == 0:
        if n:
            raise StorageError(f"no checkpoint stored for step {n}")
        return np.zeros(nwalkers), None, None
    i = rows[-1]
    state = ("MT19937", group["rng_keys"][i], int(group["rng_pos"][i]), int(group["rng_has_gauss"][i]),
             float(group["rng_cached_gaussian"][i]))
    blobs = group["state_blobs"][i] if "state_blobs" in group else None
    return group["accepted"][i], state, blobs


def float_bits(values):
    """Bit patterns of float64 values (exact comparison, NaN-safe)."""
    return np.ascontiguousarray(values, dtype=np.float64).view(np.int64)


def constant_blobs(rows, names):
    """{name: value} of the blob columns of `rows` (n, n_blobs) equal (bit for bit) at every point."""
    rows = np.asarray(rows, dtype=float)
    if len(rows) < 2:
        return {}
    bits = float_bits(rows)
    same = np.all(bits == bits[:1], axis=0)
    return {name: float(rows[0, j]) for j, name in enumerate(names) if same[j]}


def check_resumable(run):
    """StorageError when the stored steps cannot continue a chain (non-finite values: corruption)."""
    bad = ~np.all(np.isfinite(run.chain), axis=(1, 2)) | ~np.all(np.isfinite(run.log_prob), axis=1)
    if bad.any():
        raise StorageError(f"{run.path}: step {int(np.flatnonzero(bad)[0])} holds non-finite positions or "
                           "log posterior (a corrupted file?); cannot resume it")
    if run.iteration and (run.state_blobs is None or run.random_state is None):
        raise StorageError(f"{run.path}: no sampler state stored for step {run.iteration}; cannot resume it")
    if not math.isfinite(float(np.sum(run.accepted))):
        raise StorageError(f"{run.path}: corrupted acceptance counts; cannot resume it")


def best_chain_point(path, names):
    """Best sample (internal coordinates) of a run file's chain, or None when it holds none or other parameters."""
    try:
        data = read_run(path)
    except StorageError:
        return None
    if data.iteration == 0 or data.names != list(names):
        return None
    flat, logp = data.chain.reshape(-1, data.chain.shape[-1]), data.log_prob.ravel()
    return flat[np.argmax(logp)]
