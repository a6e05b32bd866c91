"""Nested-sampling results in a run file: the /nested group, written once at the end of a run.

Layout (beside the root metadata of nsifit.io.files; a run file holds /mcmc or /nested):
/nested attrs: status ('running' while the sampler works from its checkpoint file, 'done'), log_z,
log_z_err (natural log; error = 1/sqrt(n_eff), nautilus' estimate), n_eff, n_calls, library,
library_version, checkpoint (file name of the sampler's own resumable state, beside the run file),
blob_names; datasets samples (n, ndim, internal coordinates: log10 for log-uniform priors),
log_weights (n,, normalised: logsumexp = 0), log_likelihood (n,: loglike_total), blobs/<name> (n,)
for every per-point quantity (each plugin's log L and the derived quantities).
"""

import json
from dataclasses import dataclass, field

import h5py
import numpy as np

from nsifit.errors import StorageError
from nsifit.io.files import (
    CHECKSUM,
    OWN_GROUPS,
    atomic_path,
    copy_groups,
    h5_errors,
    open_h5,
    physical_values,
    write_error,
    write_metadata,
)

GROUP = "nested"


@dataclass
class NestedRunData:
    """A finished nested run, in memory (internal coordinates in `samples`)."""

    path: str
    attrs: dict
    params: dict
    data_files: dict
    samples: np.ndarray
    log_weights: np.ndarray
    log_likelihood: np.ndarray
    blobs: dict = field(default_factory=dict)
    nested: dict = field(default_factory=dict)        # the /nested attributes

    @property
    def names(self):
        return [str(n) for n in self.attrs["param_names"]]

    @property
    def blob_names(self):
        return list(self.blobs)

    @property
    def weights(self):
        """Normalised weights (sum 1)."""
        w = np.exp(self.log_weights - np.max(self.log_weights))
        return w / w.sum()

    @property
    def log_z(self):
        return float(self.nested["log_z"])

    @property
    def log_z_err(self):
        return float(self.nested["log_z_err"])

    def physical(self, internal):
        """(n, ndim) internal -> (n, ndim) physical values."""
        return physical_values(internal, self.names, self.params)


def write_pending(path, posterior, config_yaml, seed, checkpoint, carry=None):
    """A run file holding the metadata and a /nested group with status 'running' (atomically)."""
    _write(path, posterior, config_yaml, seed, {"status": "running", "checkpoint": str(checkpoint)}, None, carry)


def write_nested(path, posterior, config_yaml, seed, attrs, result, carry=None):
    """The finished run (atomically): `result` = {samples, log_weights, log_likelihood, blobs: {name: (n,)}}."""
    _write(path, posterior, config_yaml, seed, dict(attrs, status="done"), result, carry)


def _write(path, posterior, config_yaml, seed, attrs, result, carry):
    try:
        with atomic_path(path) as tmp:
            with h5py.File(tmp, "w", libver="latest") as h5:
                write_metadata(h5, posterior, config_yaml, seed)
                if carry is not None:
                    with open_h5(carry) as old, h5_errors(carry):
                        copy_groups(old, h5, skip=(GROUP, "mcmc", *OWN_GROUPS))
                group = h5.create_group(GROUP)
                group.attrs.update({k: v for k, v in attrs.items() if v is not None})
                group.attrs["blob_names"] = json.dumps(list(posterior.blob_names))
                if result is not None:
                    for name in ("samples", "log_weights", "log_likelihood"):
                        group.create_dataset(name, data=np.asarray(result[name], dtype=float), **CHECKSUM)
                    blobs = group.create_group("blobs")
                    for name, values in result["blobs"].items():
                        blobs.create_dataset(name, data=np.asarray(values, dtype=float), **CHECKSUM)
    except OSError as err:
        raise StorageError(write_error(path, err)) from None


def nested_status(path):
    """'running' / 'done' for a run file with a /nested group, None otherwise."""
    with open_h5(path) as h5, h5_errors(path):
        return str(h5[GROUP].attrs["status"]) if GROUP in h5 else None


def read_nested(path):
    """The finished nested run of a run file (StorageError while it is still running)."""
    with open_h5(path) as h5, h5_errors(path):
        group = h5[GROUP]
        attrs = dict(group.attrs)
        if attrs.get("status") != "done":
            raise StorageError(f"{path}: the nested run has not finished (its state is in "
                               f"{attrs.get('checkpoint', 'the checkpoint file')}); continue it with --resume")
        try:
            data = {name: group[name][:] for name in ("samples", "log_weights", "log_likelihood")}
            blobs = {name: group["blobs"][name][:] for name in json.loads(attrs["blob_names"])
                     if name in group["blobs"]}
            params = {name: dict(h5["params"][name].attrs) for name in h5["params"]}
            root, files = dict(h5.attrs), dict(h5["data_files"].attrs)
        except KeyError as err:
            if "Unable to" in str(err):
                raise
            raise StorageError(f"{path}: incomplete nested run ({err})") from None
    n = len(data["log_weights"])
    if data["samples"].shape[0] != n or len(data["log_likelihood"]) != n:
        raise StorageError(f"{path}: /nested datasets of different lengths (a corrupted file?)")
    return NestedRunData(str(path), root, params, files, data["samples"], data["log_weights"],
                         data["log_likelihood"], blobs, attrs)
