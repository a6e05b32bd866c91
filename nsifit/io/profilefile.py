"""Profile-likelihood scans in HDF5: /profile/<scan-name> in a run file or a file of its own.

Layout of /profile/<name> (names of the scanned parameters joined by '-'): one dataset per axis
(physical values; attrs unit, label, log, log_scale), `chi2`, `delta_chi2`, `nuisances/<name>` (the
best value of every other sampled parameter at each grid point), `status/{valid,method,edm,nfcn}`,
and `best_fit` (the global fit as attributes, every start's minimum as `minima*` datasets). Attributes:
parameters, chi2_min, chi2_definition, thresholds, thresholds_cl, methods, pool, seed, warnings,
intervals (1D scans), and (schema_version 2) config_yaml and data_files (JSON) of the scan itself,
since the file's root metadata belong to the chain when there is one. Every dataset carries a
Fletcher-32 checksum.

Limit scans (`nsifit limit`) live in /limits/<scan>-<poi> of the same kind of file (write_limit, read_limits).

Adding a scan rewrites the file atomically: a copy gets the group and replaces the file; the
other groups (the chain in /mcmc, other scans) are carried over unchanged. A run file left by a
killed run (HDF5's "open for write" flag set) is copied group by group instead of byte for byte.
The caller holds the output's lock (nsifit.io.lock), so no run writes the file meanwhile.
"""

import json
import os
import shutil
from pathlib import Path

import h5py
import numpy as np

from nsifit.errors import StorageError
from nsifit.io.files import (
    CHECKSUM,
    atomic_path,
    copy_groups,
    h5_errors,
    open_h5,
    write_error,
    write_metadata,
)


def file_stamp(path):
    """(size, mtime) of a file, None when absent: a change means someone else is writing it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return None
    return st.st_size, st.st_mtime_ns


def write_profile(path, name, result, posterior, config_yaml, settings, stamp=None):
    """Add /profile/<name> to `path` (a run file, or a new file with the run metadata), atomically:
    a copy gets the group and replaces the file. Refused when the file changed since `stamp` (a run
    still writing it would lose its later steps to the replacement)."""
    _add_group(path, "profile", name, posterior, config_yaml, settings["seed"], stamp,
               lambda g: _write_group(g, result, posterior, settings, config_yaml))


def write_limit(path, name, result, posterior, config_yaml, seed=0, stamp=None):
    """Add /limits/<name> (upper limits on result['poi'] along result['scan'], nsifit.inference.limits) to
    `path`, atomically like write_profile. Datasets: `values` (the scanned parameter, physical), `upper`
    (NaN where the prior range holds no limit), `best_poi`, `chi2_hat`, `q_at_edge`, `valid`; attributes:
    scan, poi, cl, threshold, method, statistic, labels, units, poi_max (the prior's upper edge), config_yaml,
    data_files."""
    def fill(g):
        scan = posterior.sampled[posterior.names.index(result["scan"])]
        poi = posterior.sampled[posterior.names.index(result["poi"])]
        g.attrs.update({"scan": result["scan"], "poi": result["poi"], "cl": result["cl"],
                        "threshold": result["threshold"], "method": result["method"],
                        "statistic": LIMIT_STATISTIC, "scan_label": scan.label, "scan_unit": scan.unit,
                        "poi_label": poi.label, "poi_unit": poi.unit, "scan_log": bool(result["log"]),
                        "poi_log": poi.log_scale, "poi_max": 10.0 ** poi.upper if poi.log_scale else poi.upper,
                        "config_yaml": config_yaml,
                        "data_files": json.dumps(posterior.data_files)})
        _dataset(g, "values", result["values"])
        _dataset(g, "upper", np.array([np.nan if u is None else u for u in result["upper"]], float))
        for key in ("best_poi", "chi2_hat", "q_at_edge", "valid"):
            _dataset(g, key, result[key])
    _add_group(path, "limits", name, posterior, config_yaml, seed, stamp, fill)


LIMIT_STATISTIC = ("one-sided profile-likelihood ratio q = chi2_p(poi) - chi2_hat at each scan value "
                   "(0 below the best fit), limit where q = chi2 (1 dof) quantile at 2 cl - 1")


def _add_group(path, top, name, posterior, config_yaml, seed, stamp, fill):
    """Copy `path` (or start a file with the metadata), replace /top/name by fill(group), swap it in."""
    path = Path(path)
    if path.is_dir():
        raise StorageError(f"output {path} is a directory; give a file name")
    if path.is_file():
        open_h5(path).close()          # refuse non-nsifit files with a clear message
    try:
        with atomic_path(path) as tmp:
            h5 = _writable_copy(path, tmp) if path.is_file() else h5py.File(tmp, "w", libver="latest")
            with h5:
                if "nsifit_version" not in h5.attrs:
                    write_metadata(h5, posterior, config_yaml, seed)
                group = h5.require_group(top)
                if name in group:
                    del group[name]
                fill(group.create_group(name))
            if stamp is not None and file_stamp(path) != stamp:
                raise StorageError(f"{path} changed while profiling (a run still writing it?); "
                                   "write the scan elsewhere with -o")
    except (OSError, RuntimeError) as err:
        raise StorageError(write_error(path, err)) from None


def _writable_copy(path, tmp):
    """`tmp` as a copy of the nsifit file `path`, open for appending."""
    shutil.copyfile(path, tmp)
    try:
        return h5py.File(tmp, "a", libver="latest")
    except OSError as err:
        if "already open for write" not in str(err):
            raise
    h5 = h5py.File(tmp, "w", libver="latest")       # a killed run's file: rebuild it group by group
    with open_h5(path) as old, h5_errors(path):
        h5.attrs.update(dict(old.attrs))
        copy_groups(old, h5, skip=())
    return h5


def _dataset(group, name, data):
    data = np.asarray(data)
    if data.ndim == 0 or not data.size or data.dtype.kind not in "biuf":
        return group.create_dataset(name, data=data)
    return group.create_dataset(name, data=data, chunks=True, **CHECKSUM)


def _write_group(g, result, posterior, settings, config_yaml):
    to_phys = posterior.to_physical(result["x"].reshape(-1, posterior.ndim))
    shape = result["chi2"].shape
    g.attrs.update({"config_yaml": config_yaml, "data_files": json.dumps(posterior.data_files),
                    "parameters": np.array(result["names"], dtype=h5py.string_dtype()),
                    "chi2_min": result["chi2_min"], "chi2_definition": result["chi2_definition"],
                    "thresholds": list(result["thresholds"]), "thresholds_cl": json.dumps(result["thresholds"]),
                    "methods": np.array(result["methods"], dtype=h5py.string_dtype()),
                    "pool": settings["pool"], "seed": settings["seed"],
                    "warnings": json.dumps(result["warnings"])})
    if "intervals" in result:
        g.attrs["intervals"] = json.dumps({f"{t:.2f}": v for t, v in result["intervals"].items()})
    for axis in result["axes"]:
        p = posterior.sampled[posterior.names.index(axis.name)]
        ds = _dataset(g, axis.name, axis.values)
        ds.attrs.update({"unit": p.unit, "label": p.label, "log": axis.log, "log_scale": p.log_scale})
    _dataset(g, "chi2", result["chi2"])
    _dataset(g, "delta_chi2", result["delta_chi2"])
    nuis = g.create_group("nuisances")
    for p in posterior.sampled:
        if p.name not in result["names"]:
            _dataset(nuis, p.name, to_phys[p.name].reshape(shape)).attrs["unit"] = p.unit
    status = g.create_group("status")
    for key in ("valid", "method", "edm", "nfcn"):
        _dataset(status, key, result[key])
    fit = g.create_group("best_fit")
    best = result["fit"]["best"]
    fit.attrs.update({k: float(v[0]) for k, v in posterior.to_physical(best.x).items()})
    fit.attrs.update({"chi2": best.chi2, "valid": best.valid, "edm": best.edm, "nfcn": best.nfcn})
    minima = result["fit"]["minima"]
    xs = np.array([m.x for m in minima])
    _dataset(fit, "minima", np.column_stack(list(posterior.to_physical(xs).values())))
    fit["minima"].attrs["columns"] = np.array(posterior.names, dtype=h5py.string_dtype())
    for key in ("chi2", "valid", "edm", "nfcn"):
        _dataset(fit, f"minima_{key}", np.array([getattr(m, key) for m in minima]))


def read_profiles(path, names=None):
    """The profile scans of a file as dicts (axes, labels, delta_chi2, best fit, status)."""
    with open_h5(path) as h5, h5_errors(path):
        if "profile" not in h5 or not len(h5["profile"]):
            raise StorageError(f"{path}: no profile scans (run `nsifit profile` first)")
        available = list(h5["profile"])
        out = []
        for name in names or available:
            if name not in available:
                raise StorageError(f"{path}: no profile scan '{name}'; available: {', '.join(available)}")
            g = h5["profile"][name]
            params = [str(p) for p in g.attrs["parameters"]]
            out.append({"name": name, "params": params,
                        "axes": [g[p][:] for p in params], "log": [bool(g[p].attrs["log"]) for p in params],
                        "labels": [str(g[p].attrs["label"]) for p in params],
                        "delta_chi2": g["delta_chi2"][:], "valid": g["status/valid"][:],
                        "best": {p: float(g["best_fit"].attrs[p]) for p in params},
                        "intervals": json.loads(g.attrs.get("intervals", "{}"))})
    return out


def read_limits(path, names=None):
    """The limit scans (/limits/<name>) of a file as dicts: scan, poi, values, upper (None where no limit), cl."""
    with open_h5(path) as h5, h5_errors(path):
        available = list(h5["limits"]) if "limits" in h5 else []
        if not available:
            raise StorageError(f"{path}: no limit scans (run `nsifit limit` first)")
        out = []
        for name in names or available:
            if name not in available:
                raise StorageError(f"{path}: no limit scan '{name}'; available: {', '.join(available)}")
            g = h5["limits"][name]
            a = dict(g.attrs)
            out.append({"name": name, "scan": str(a["scan"]), "poi": str(a["poi"]), "cl": float(a["cl"]),
                        "threshold": float(a["threshold"]), "method": str(a["method"]),
                        "values": g["values"][:], "upper": [None if not np.isfinite(u) else float(u)
                                                            for u in g["upper"][:]],
                        "valid": g["valid"][:], "best_poi": g["best_poi"][:], "poi_max": float(a["poi_max"]),
                        "labels": [str(a["scan_label"]), str(a["poi_label"])],
                        "log": [bool(a["scan_log"]), bool(a["poi_log"])]})
    return out


def has_group(path, top):
    """True when the nsifit file `path` has a non-empty group /top."""
    with open_h5(path) as h5, h5_errors(path):
        return top in h5 and len(h5[top]) > 0
