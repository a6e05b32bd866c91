"""HDF5 file basics shared by run and profile files: metadata, safe open, checksums, atomic replace.

Root attributes (schema_version 2; version 1 files are read too): nsifit_version, schema_version,
created_utc, config_yaml, model, param_names, seed, versions (JSON: python, numpy, emcee, h5py, hdf5,
nsifit), n_obs, chi2_convention, plugins (JSON: plugin -> where it comes from); /params/<name> with
the prior (physical units), unit, latex, label, log_scale, owner; /data_files with
'<plugin>/<file name>' -> sha256 of the content (version 1: absolute path -> sha256).

Every dataset nsifit writes carries HDF5's Fletcher-32 checksum (`CHECKSUM`); HDF5 checks it on
every read, and `h5_errors` turns a mismatch (or a damaged metadata block, whose checksums HDF5
keeps in files of libver 'latest') into one StorageError line.
"""

import contextlib
import datetime
import json
import os
import platform
import re
import tempfile
import time
from pathlib import Path

import emcee
import h5py
import numpy as np

from nsifit._version import __version__
from nsifit.errors import StorageError

SCHEMA_VERSION = 2
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
CHECKSUM = {"fletcher32": True}
STALE_TEMPORARY_SECONDS = 60.0
OWN_GROUPS = ("params", "data_files")       # rewritten with the metadata; every other group is carried over


def versions():
    return {"nsifit": __version__, "python": platform.python_version(), "numpy": np.__version__,
            "emcee": emcee.__version__, "h5py": h5py.__version__, "hdf5": h5py.version.hdf5_version}


def physical_values(internal, names, params):
    """(n, ndim) internal coordinates -> physical values: 10**x for the parameters stored with log_scale
    (their chain column holds log10 of the value; see write_metadata)."""
    out = np.array(internal, dtype=float)
    for i, name in enumerate(names):
        if params[name]["log_scale"]:
            out[:, i] = 10.0 ** out[:, i]
    return out


def write_metadata(h5, posterior, config_yaml, seed):
    """Root attributes, /params and /data_files (shared with profile files)."""
    h5.attrs.update({"nsifit_version": __version__, "schema_version": SCHEMA_VERSION,
                     "created_utc": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                     "config_yaml": config_yaml, "model": posterior.model.name,
                     "param_names": np.array(posterior.names, dtype=h5py.string_dtype()),
                     "seed": -1 if seed is None else int(seed), "versions": json.dumps(versions()),
                     "n_obs": posterior.n_obs(), "chi2_convention": posterior.chi2_convention(),
                     "plugins": json.dumps(posterior.plugin_sources())})
    for name in OWN_GROUPS:
        if name in h5:
            del h5[name]
    params = h5.create_group("params")
    for p in posterior.sampled:
        spec = posterior.config.params[p.name]
        g = params.create_group(p.name)
        g.attrs.update({"prior": p.prior, "unit": p.unit, "latex": p.latex, "label": p.label,
                        "log_scale": p.log_scale, "owner": p.owner})
        for key in ("min", "max", "mean", "sigma"):
            value = getattr(spec, key)
            g.attrs[key] = np.nan if value is None else value
    files = h5.create_group("data_files")
    for name, digest in posterior.data_files.items():
        files.attrs[str(name)] = digest


def write_error(path, err, what="writing"):
    """One line for a failed write: the disk is full, the file system read-only, or HDF5 failed."""
    full = str(err)
    text = full.splitlines()[0] if full else type(err).__name__
    errno = getattr(err, "errno", None)
    if errno == 28 or "errno = 28" in full or "No space left" in full:
        reason = "no space left on the device"
    elif errno == 27 or "errno = 27" in full or "File too large" in full:
        reason = "file size limit exceeded"
    elif errno == 30 or "Read-only file system" in full:
        reason = "read-only file system"
    elif errno == 13 or "Permission denied" in full:
        reason = "permission denied"
    else:
        reason = text
    return f"{what} {path} failed: {reason}"


@contextlib.contextmanager
def atomic_path(path):
    """Yield a temporary path next to `path`; os.replace it onto `path` only on success."""
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    except OSError as err:
        raise StorageError(write_error(path, err)) from None
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


def remove_stale_temporaries(path, age=STALE_TEMPORARY_SECONDS):
    """Delete temporaries of `atomic_path(path)` left by killed processes (older than `age` seconds).

    Call only while holding the output's lock: then no live nsifit process writes them."""
    path = Path(path)
    pattern = re.compile(rf"^\.{re.escape(path.stem)}\.[A-Za-z0-9_]{{8}}{re.escape(path.suffix)}$")
    removed = []
    try:
        candidates = list(path.parent.iterdir())
    except OSError:
        return removed
    now = time.time()
    for p in candidates:
        if pattern.match(p.name):
            with contextlib.suppress(OSError):
                if now - p.stat().st_mtime > age:
                    p.unlink()
                    removed.append(p)
    return removed


@contextlib.contextmanager
def h5_errors(path):
    """Turn HDF5 read errors inside the block into one StorageError line naming `path`."""
    try:
        yield
    except (OSError, KeyError, RuntimeError) as err:
        text = str(err).strip("'\"")
        if "checksum" in text or "filter returned failure" in text:
            raise StorageError(f"{path}: checksum mismatch: file corrupted ({text.splitlines()[0]})") from None
        if isinstance(err, KeyError) and "Unable to" not in text:
            raise
        raise StorageError(f"{path}: truncated or corrupt HDF5 file ({text.splitlines()[0]})") from None


def open_h5(path):
    """Open an nsifit HDF5 file for reading (also while it is written); StorageError otherwise."""
    path = Path(path)
    if not path.is_file():
        raise StorageError(f"{path}: " + ("not a file" if path.exists() else "no such file"))
    if not h5py.is_hdf5(str(path)):
        raise StorageError(f"{path}: not an HDF5 file")
    _check_not_truncated(path)
    with h5_errors(path):
        try:
            h5 = h5py.File(path, "r", locking=False)
        except OSError as err:
            if "already open for write" not in str(err):
                raise
            h5 = h5py.File(path, "r", swmr=True, locking=False)      # being written, or killed
        try:
            version = int(h5.attrs["schema_version"]) if "schema_version" in h5.attrs else None
            known = "nsifit_version" in h5.attrs
        except BaseException:
            h5.close()
            raise
    if version is None or not known:
        h5.close()
        raise StorageError(f"{path}: not an nsifit file (no nsifit_version/schema_version attributes)")
    if version > SCHEMA_VERSION:
        h5.close()
        raise StorageError(f"{path}: written by a newer nsifit (file schema_version {version}, this nsifit "
                           f"reads up to {SCHEMA_VERSION}); upgrade nsifit")
    return h5


def superblock_eof(path):
    """The end-of-file address in a version 2/3 superblock (None for other superblocks)."""
    with open(path, "rb") as f:
        head = f.read(64)
    if not head.startswith(HDF5_SIGNATURE) or len(head) < 12 or head[8] < 2:
        return None
    size = head[9]
    if size not in (2, 4, 8) or len(head) < 12 + 3 * size:
        return None
    base = int.from_bytes(head[12:12 + size], "little")
    return base + int.from_bytes(head[12 + 2 * size:12 + 3 * size], "little")


def _check_not_truncated(path):
    """Compare the end-of-file address in a version 2/3 superblock with the file size.

    Needed before a SWMR open, which skips this check and retries a truncated file
    for minutes instead of failing.
    """
    with open(path, "rb") as f:
        head = f.read(64)
    if not head.startswith(HDF5_SIGNATURE):
        return
    if len(head) < 12:
        raise StorageError(f"{path}: truncated or corrupt HDF5 file ({os.path.getsize(path)} bytes)")
    if head[8] < 2:
        return
    size = head[9]
    if size not in (2, 4, 8) or len(head) < 12 + 3 * size:
        raise StorageError(f"{path}: truncated or corrupt HDF5 file ({os.path.getsize(path)} bytes)")
    base = int.from_bytes(head[12:12 + size], "little")
    eof = int.from_bytes(head[12 + 2 * size:12 + 3 * size], "little")
    if os.path.getsize(path) < base + eof:
        raise StorageError(f"{path}: truncated or corrupt HDF5 file ({os.path.getsize(path)} bytes, "
                           f"the superblock says {base + eof})")


def copy_groups(source, target, skip):
    """Copy every top-level group and dataset of the open file `source` not in `skip` into `target`."""
    for name in source:
        if name not in skip:
            source.copy(source[name], target, name)
