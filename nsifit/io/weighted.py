"""Weighted-sample groups in HDF5: the output of importance reweighting (`/post`) and of any sampler whose
samples carry weights (e.g. nested sampling, `/nested`).

A file holding weighted samples has the root metadata of nsifit.io.files (config_yaml of the posterior
the weights refer to, param_names, /params, /data_files) and one group named in WEIGHTED_GROUPS with:
- `samples` (n, ndim): sampled parameters in internal coordinates (log10 for log-uniform priors),
  columns in the order of the root attribute `param_names`;
- `weights` (n,): non-negative weights normalised to sum 1 (zero allowed);
- optionally `log_prob` (n,): log posterior (unnormalised) and `loglike/<plugin>` (n,): each plugin's
  log L, with `loglike/total`;
- attributes: `kind` (what produced the weights), `ess` (Kish effective sample size), anything else
  the producer records (the reweighting stores `source_path`, `source_sha256`, `changes`).
Every dataset carries the Fletcher-32 checksum (CHECKSUM). `read_weighted` reads any such group;
`is_weighted` tells such a file from a run file (/mcmc) or a file of profile scans.
"""

import hashlib
import json
from dataclasses import dataclass, field

import h5py
import numpy as np

from nsifit.errors import StorageError
from nsifit.io.files import (
    CHECKSUM,
    atomic_path,
    h5_errors,
    open_h5,
    physical_values,
    write_error,
    write_metadata,
)

WEIGHTED_GROUPS = ("post", "nested")


def kish_ess(weights):
    """Kish's effective sample size (sum w)^2 / sum w^2 of non-negative weights (0 when all vanish)."""
    w = np.asarray(weights, float)
    total = w.sum()
    return float(total * total / np.sum(w * w)) if total > 0 else 0.0


def sha256_of(path, block=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(block), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class WeightedData:
    """One weighted-sample group in memory (attributes shared with nsifit.io.runread.RunData: path,
    attrs, params, names, physical)."""

    path: str
    group: str
    attrs: dict           # root attributes
    params: dict          # name -> attrs dict
    samples: np.ndarray   # (n, ndim) internal coordinates
    weights: np.ndarray   # (n,), sum 1
    log_prob: np.ndarray = None
    loglike: dict = field(default_factory=dict)      # plugin (and 'total') -> (n,)
    info: dict = field(default_factory=dict)         # the group's attributes

    @property
    def names(self):
        return [str(n) for n in self.attrs["param_names"]]

    def physical(self, internal=None):
        """(n, ndim) internal -> physical values (all samples when `internal` is None)."""
        return physical_values(self.samples if internal is None else internal, self.names, self.params)

    @property
    def ess(self):
        return kish_ess(self.weights)


def weighted_group(h5):
    """Name of the weighted-sample group of an open file, None when it has none."""
    return next((g for g in WEIGHTED_GROUPS if g in h5 and "weights" in h5[g]), None)


def is_weighted(path):
    """True when the nsifit file `path` holds weighted samples and no chain."""
    with open_h5(path) as h5, h5_errors(path):
        return "mcmc" not in h5 and weighted_group(h5) is not None


def read_weighted(path, group=None):
    """The weighted samples of `path` (the first group of WEIGHTED_GROUPS present, or `group`)."""
    with open_h5(path) as h5, h5_errors(path):
        name = group or weighted_group(h5)
        if name is None or name not in h5:
            raise StorageError(f"{path}: no weighted samples (no /{' or /'.join(WEIGHTED_GROUPS)} group)")
        g = h5[name]
        try:
            params = {p: dict(h5["params"][p].attrs) for p in h5["params"]}
            samples, weights = g["samples"][:], g["weights"][:]
            log_prob = g["log_prob"][:] if "log_prob" in g else None
            loglike = {k: g["loglike"][k][:] for k in g["loglike"]} if "loglike" in g else {}
            attrs, info = dict(h5.attrs), dict(g.attrs)
        except KeyError as err:
            raise StorageError(f"{path}: incomplete weighted-sample group /{name} ({err})") from None
    if samples.ndim != 2 or len(samples) != len(weights) or samples.shape[1] != len(attrs["param_names"]):
        raise StorageError(f"{path}: /{name}: samples {samples.shape} do not match weights {weights.shape} "
                           f"and {len(attrs['param_names'])} parameters")
    if not len(weights) or not np.all(np.isfinite(weights)) or np.any(weights < 0) or weights.sum() <= 0:
        raise StorageError(f"{path}: /{name}: weights must be finite, non-negative and not all zero")
    return WeightedData(str(path), name, attrs, params, samples, weights / weights.sum(), log_prob, loglike, info)


def weighted_physical(path):
    """(names, samples (n, ndim) in physical units, weights (n,) summing to 1) of any weighted group."""
    data = read_weighted(path)
    return data.names, data.physical(), data.weights


def _dataset(group, name, values):
    values = np.asarray(values, float)
    return group.create_dataset(name, data=values, chunks=True, **CHECKSUM)


def write_weighted(path, group, posterior, config_yaml, samples, weights, log_prob, loglike, info, seed=None):
    """Write a new file `path` (atomically) with the root metadata of `posterior` and the group /`group`."""
    if group not in WEIGHTED_GROUPS:
        raise ValueError(f"unknown weighted-sample group {group!r}")
    weights = np.asarray(weights, float)
    try:
        with atomic_path(path) as tmp:
            with h5py.File(tmp, "w", libver="latest") as h5:
                write_metadata(h5, posterior, config_yaml, seed)
                g = h5.create_group(group)
                _dataset(g, "samples", samples)
                _dataset(g, "weights", weights / weights.sum())
                _dataset(g, "log_prob", log_prob)
                ll = g.create_group("loglike")
                for name, values in loglike.items():
                    _dataset(ll, name, values)
                g.attrs.update({k: (json.dumps(v) if isinstance(v, (dict, list, tuple)) else v)
                                for k, v in info.items()})
                g.attrs["ess"] = kish_ess(weights)
    except (OSError, RuntimeError) as err:
        raise StorageError(write_error(path, err)) from None
    return path
