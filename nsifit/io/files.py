"""HDF5 file basics shared by run and profile files: metadata, safe open, atomic replace.

Root attributes (schema_version 1): nsifit_version, schema_version, created_utc, config_yaml,
model, param_names, seed, versions (JSON: python, numpy, emcee, h5py, hdf5, nsifit), n_obs,
chi2_convention; /params/<name> with the prior (physical units), unit, latex, label, log_scale,
owner; /data_files with data file path -> sha256.
"""

import contextlib
import datetime
import json
import os
import platform
import tempfile
from pathlib import Path

import emcee
import h5py
import numpy as np

from nsifit._version import __version__
from nsifit.errors import StorageError

SCHEMA_VERSION = 1
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


def versions():
    return {"nsifit": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "emcee": emcee.__version__, "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version}


def write_metadata(h5, posterior, config_yaml, seed):
    """Root attributes, /params and /data_files (shared with profile files)."""
    h5.attrs.update({"nsifit_version": __version__, "schema_version": SCHEMA_VERSION,
                     "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     "config_yaml": config_yaml, "model": posterior.model.name,
                     "param_names": np.array(posterior.names, dtype=h5py.string_dtype()),
                     "seed": -1 if seed is None else int(seed), "versions": json.dumps(versions()),
                     "n_obs": posterior.n_obs(), "chi2_convention": posterior.chi2_convention()})
    params = h5.require_group("params")
    for p in posterior.sampled:
        spec = posterior.config.params[p.name]
        g = params.require_group(p.name)
        g.attrs.update({"prior": p.prior, "unit": p.unit, "latex": p.latex, "label": p.label,
                        "log_scale": p.log_scale, "owner": p.owner})
        for key in ("min", "max", "mean", "sigma"):
            value = getattr(spec, key)
            g.attrs[key] = np.nan if value is None else value
    files = h5.require_group("data_files")
    for path, digest in posterior.data_files.items():
        files.attrs[str(path)] = digest


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to `path`; os.replace it onto `path` only on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)             # mkstemp's 0600 would make outputs private
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def open_h5(path):
    """Open an nsifit HDF5 file for reading (also while it is written); StorageError otherwise."""
    path = Path(path)
    if not path.is_file():
        raise StorageError(f"{path}: " + ("not a file" if path.exists() else "no such file"))
    if not h5py.is_hdf5(str(path)):
        raise StorageError(f"{path}: not an HDF5 file")
    _check_not_truncated(path)
    try:
        try:
            h5 = h5py.File(path, "r", locking=False)
        except OSError as err:
            if "already open for write" not in str(err):
                raise
            h5 = h5py.File(path, "r", swmr=True, locking=False)      # being written, or killed
    except OSError as err:
        raise StorageError(f"{path}: truncated or corrupt HDF5 file ({str(err).splitlines()[0]})") from None
    if "nsifit_version" not in h5.attrs or "schema_version" not in h5.attrs:
        h5.close()
        raise StorageError(f"{path}: not an nsifit file (no nsifit_version/schema_version attributes)")
    if int(h5.attrs["schema_version"]) > SCHEMA_VERSION:
        h5.close()
        raise StorageError(f"{path}: schema_version {h5.attrs['schema_version']} is newer than this "
                           f"nsifit ({SCHEMA_VERSION}); upgrade nsifit")
    return h5


def _check_not_truncated(path):
    """Compare the end-of-file address in a version 2/3 superblock with the file size.

    Needed before a SWMR open, which skips this check and retries a truncated file
    for minutes instead of failing.
    """
    with open(path, "rb") as f:
        head = f.read(64)
    if not head.startswith(HDF5_SIGNATURE) or head[8] < 2:
        return
    size = head[9]
    base = int.from_bytes(head[12:12 + size], "little")
    eof = int.from_bytes(head[12 + 2 * size:12 + 3 * size], "little")
    if os.path.getsize(path) < base + eof:
        raise StorageError(f"{path}: truncated or corrupt HDF5 file ({os.path.getsize(path)} bytes, "
                           f"the superblock says {base + eof})")
