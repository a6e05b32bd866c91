"""`nsifit profile`: global best fit and a 1D / 2D profile-likelihood scan into /profile/<scan-name>.

Several --scan options make one grid (one axis each: one option -> 1D, two -> 2D). The scan is
stored in the run's HDF5 file (the config's `output`, or -o) as /profile/<names joined by '-'>:
one dataset per axis (physical values), `chi2`, `delta_chi2`, `nuisances/<name>` (the best value of
every other sampled parameter at each point), `status/{valid,method,edm,nfcn}`, and `best_fit`
(the global fit and every start's minimum). Adding a scan rewrites the file atomically.
"""

import json
import os
import shutil
import sys
import warnings
from pathlib import Path

import h5py
import numpy as np

from nsifit.errors import NsifitError, StorageError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.profile import scan as profiling
from nsifit.io.files import atomic_path, open_h5, write_metadata
from nsifit.io.runfile import read_run

PROFILE_KEYS = {"scan": None, "pool": "serial", "starts": 8, "seed": 0}


def register(sub):
    p = sub.add_parser("profile", help="iminuit best fit and a 1D / 2D profile-likelihood scan")
    p.add_argument("config", help="run configuration (YAML)")
    p.add_argument("--scan", action="append", metavar="NAME:MIN:MAX:N[:log]",
                   help="scan axis in physical units (MeV for masses); give two for a 2D scan "
                        "(default: the config's profile.scan)")
    p.add_argument("-o", "--output", help="HDF5 file (default: the config's output)")
    p.add_argument("--pool", help="serial (default), processes[:N] or mpi (under mpiexec)")
    p.add_argument("--starts", type=int, help="prior draws starting the global fit (default 8)")
    p.add_argument("--seed", type=int, help="seed of the prior draws (default 0)")
    p.add_argument("--chain", help="run file whose best MCMC sample joins the starts "
                                   "(default: the output file when it holds a chain)")
    p.add_argument("--plot", metavar="FILE", help="also plot the scan (PNG or PDF by extension)")
    p.add_argument("--data-dir", help="extra data directory (also: $NSIFIT_DATA_DIR)")
    p.set_defaults(func=cmd_profile)


def _settings(args, config):
    section = dict(config.profile or {})
    for key in section:
        if key not in PROFILE_KEYS:
            raise NsifitError(f"profile: unknown key '{key}'; valid: {', '.join(PROFILE_KEYS)}")
    out = dict(PROFILE_KEYS, **section)
    for key in PROFILE_KEYS:
        if getattr(args, key) is not None:
            out[key] = getattr(args, key)
    if isinstance(out["scan"], str):
        out["scan"] = [out["scan"]]
    if not out["scan"]:
        raise NsifitError("give --scan NAME:MIN:MAX:N[:log] (once for 1D, twice for 2D) "
                          "or profile.scan in the config")
    if len(out["scan"]) > 2:
        raise NsifitError(f"a scan has one or two axes, got {len(out['scan'])} --scan options")
    if not isinstance(out["starts"], int) or out["starts"] < 1:
        raise NsifitError(f"--starts must be an integer >= 1, got {out['starts']!r}")
    profiling.check_pool(out["pool"])
    return out


def _chain_start(path, posterior):
    """Best sample (internal coordinates) of a run file's chain, or None when it holds none."""
    try:
        run = read_run(path)
    except StorageError:
        return None
    if run.iteration == 0 or run.names != posterior.names:
        return None
    flat, logp = run.chain.reshape(-1, run.chain.shape[-1]), run.log_prob.ravel()
    return flat[np.argmax(logp)]


def cmd_profile(args):
    config = load_config(args.config)
    settings = _settings(args, config)
    posterior = Posterior(config, data_dir=args.data_dir)
    axes = [profiling.parse_scan(text, posterior) for text in settings["scan"]]
    output = Path(args.output or config.output)
    stamp = _stamp(output)
    chain = args.chain or (output if output.is_file() else None)
    extra = _chain_start(chain, posterior) if chain else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", profiling.ProfileWarning)    # reported below, once
        result = profiling.profile(posterior, axes, pool=settings["pool"], starts=settings["starts"],
                                   extra_starts=extra, seed=settings["seed"])
    if settings["pool"] == "mpi" and _mpi_rank():
        return
    name = "-".join(result["names"])
    write_profile(output, name, result, posterior, config.yaml(), settings, stamp)
    _report(result, posterior, output, name)
    if args.plot:
        from nsifit.plots.profiles import plot_profiles
        plot_profiles(read_profiles(output, [name]), args.plot)
        print(f"wrote {args.plot}")


def _mpi_rank():
    from mpi4py import MPI
    return MPI.COMM_WORLD.rank


def _report(result, posterior, output, name):
    best = result["fit"]["best"]
    phys = {k: float(v[0]) for k, v in posterior.to_physical(best.x).items()}
    minima = result["fit"]["minima"]
    print(f"global fit: chi2 = {best.chi2:.4f} ({sum(m.valid for m in minima)}/{len(minima)} starts "
          f"converged; chi2_min over fit and grid = {result['chi2_min']:.4f})")
    for p in posterior.sampled:
        print(f"  {p.name:<14} {phys[p.name]:.6g} {p.unit}")
    if "intervals" in result:
        p, axis = posterior.sampled[posterior.names.index(name)], result["axes"][0]
        for t, cl in profiling.THRESHOLDS_1D.items():
            parts = [f"[{_bound(lo, axis.lo)}, {_bound(hi, axis.hi)}]"
                     for lo, hi in result["intervals"][t]] or ["none on the grid"]
            print(f"  Delta chi2 <= {t:.2f} ({cl}): {p.name} in {' U '.join(parts)} {p.unit}")
    print(f"{int(result['valid'].sum())}/{result['valid'].size} grid points converged")
    print(f"wrote {output}:/profile/{name}")
    for note in result["warnings"]:
        print(f"nsifit: warning: {note}", file=sys.stderr)


def _bound(value, edge):
    """A crossing, or the scan's edge where the region is open (a one-sided limit)."""
    return f"{edge:.4g} (scan edge)" if value is None else f"{value:.4g}"


def _stamp(path):
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
    path = Path(path)
    if path.is_file():
        open_h5(path).close()          # refuse non-nsifit files with a clear message
    with atomic_path(path) as tmp:
        if path.is_file():
            shutil.copyfile(path, tmp)
        with h5py.File(tmp, "a" if path.is_file() else "w", libver="latest") as h5:
            if "nsifit_version" not in h5.attrs:
                write_metadata(h5, posterior, config_yaml, settings["seed"])
            group = h5.require_group("profile")
            if name in group:
                del group[name]
            _write_group(group.create_group(name), result, posterior, settings)
        if stamp is not None and _stamp(path) != stamp:
            raise StorageError(f"{path} changed while profiling (a run still writing it?); "
                               "write the scan elsewhere with -o")


def _write_group(g, result, posterior, settings):
    to_phys = posterior.to_physical(result["x"].reshape(-1, posterior.ndim))
    shape = result["chi2"].shape
    g.attrs.update({"parameters": np.array(result["names"], dtype=h5py.string_dtype()),
                    "chi2_min": result["chi2_min"], "chi2_definition": profiling.__doc__.split("\n\n")[1],
                    "thresholds": list(profiling.THRESHOLDS_1D if len(shape) == 1 else profiling.THRESHOLDS_2D),
                    "thresholds_cl": json.dumps(profiling.THRESHOLDS_1D if len(shape) == 1
                                                else profiling.THRESHOLDS_2D),
                    "methods": np.array(profiling.METHODS, dtype=h5py.string_dtype()),
                    "pool": settings["pool"], "seed": settings["seed"],
                    "warnings": json.dumps(result["warnings"])})
    if "intervals" in result:
        g.attrs["intervals"] = json.dumps({f"{t:.2f}": v for t, v in result["intervals"].items()})
    for axis in result["axes"]:
        p = posterior.sampled[posterior.names.index(axis.name)]
        ds = g.create_dataset(axis.name, data=axis.values)
        ds.attrs.update({"unit": p.unit, "label": p.label, "log": axis.log, "log_scale": p.log_scale})
    g.create_dataset("chi2", data=result["chi2"])
    g.create_dataset("delta_chi2", data=result["delta_chi2"])
    nuis = g.create_group("nuisances")
    for p in posterior.sampled:
        if p.name not in result["names"]:
            nuis.create_dataset(p.name, data=to_phys[p.name].reshape(shape)).attrs["unit"] = p.unit
    status = g.create_group("status")
    for key in ("valid", "method", "edm", "nfcn"):
        status.create_dataset(key, data=result[key])
    fit = g.create_group("best_fit")
    best = result["fit"]["best"]
    fit.attrs.update({k: float(v[0]) for k, v in posterior.to_physical(best.x).items()})
    fit.attrs.update({"chi2": best.chi2, "valid": best.valid, "edm": best.edm, "nfcn": best.nfcn})
    minima = result["fit"]["minima"]
    xs = np.array([m.x for m in minima])
    fit.create_dataset("minima", data=np.column_stack(list(posterior.to_physical(xs).values())))
    fit["minima"].attrs["columns"] = np.array(posterior.names, dtype=h5py.string_dtype())
    for key in ("chi2", "valid", "edm", "nfcn"):
        fit.create_dataset(f"minima_{key}", data=np.array([getattr(m, key) for m in minima]))


def read_profiles(path, names=None):
    """The profile scans of a file as dicts (axes, labels, delta_chi2, best fit, status)."""
    with open_h5(path) as h5:
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
