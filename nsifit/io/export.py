"""Chains out of nsifit, in the formats other tools read (burn-in removed except for `emcee`).

- csv: one row per sample, a header line, `%.10g` numbers (ten significant digits);
- getdist: ROOT.txt (weight, -log posterior, columns), ROOT.paramnames (name, LaTeX label; derived
  quantities marked by a trailing '*'), ROOT.ranges (prior edges in the exported coordinates, 'N' for
  none), the layout `getdist.loadMCSamples(ROOT)` reads; log-uniform parameters are exported as their
  log10 (`log10_m_zp`), the coordinate the prior is flat in, so that GetDist's kernel densities and
  limits respect the prior edges; rows walker by walker (each walker's chain in one block);
- arviz: an ArviZ InferenceData in NetCDF (nsifit.io.arviz_export);
- emcee: the whole chain (burn-in included, sampling coordinates: log10 for log-uniform parameters) in
  the layout of `emcee.backends.HDFBackend`, blobs as a structured array.
Every sample of an emcee ensemble carries weight 1 (GetDist's weight column).
"""

import math
from pathlib import Path

import numpy as np

from nsifit.io.files import atomic_path

FORMATS = ("getdist", "csv", "arviz", "emcee")
NUMBER_FORMAT = "%.10g"


def write_csv(path, columns):
    """One row per sample of the {name: (n,) array} columns, in their order, after a header line."""
    names = list(columns)
    table = np.column_stack([np.asarray(columns[n], dtype=float) for n in names])
    with atomic_path(path) as tmp:
        np.savetxt(tmp, table, fmt=NUMBER_FORMAT, delimiter=",", header=",".join(names), comments="")
    return [Path(path)]


def log10_label(latex, unit):
    """GetDist label of log10 of a parameter: log10(m/MeV) for a dimensionful one."""
    return f"\\log_{{10}}({latex}/\\mathrm{{{unit}}})" if unit else f"\\log_{{10}} {latex}"


def linear_label(latex, unit):
    return f"{latex}\\,[\\mathrm{{{unit}}}]" if unit else latex


def derived_label(name):
    """A plain LaTeX label for a derived quantity without one (underscores escaped)."""
    return "\\mathrm{" + name.replace("_", "\\_") + "}"


def getdist_columns(params, names, internal):
    """[(name, label, values, (low, high))] of the sampled parameters in GetDist coordinates.

    params: {name: stored attrs (prior, min, max, log_scale, latex, unit)}; internal: (n, ndim) chain
    coordinates (log10 for log-uniform priors), exported as they are: `log10_<name>` columns."""
    out = []
    for i, name in enumerate(names):
        meta = params[name]
        latex, unit = str(meta["latex"]), str(meta["unit"])
        low, high = float(meta.get("min", -math.inf)), float(meta.get("max", math.inf))
        if meta["log_scale"]:
            out.append((f"log10_{name}", log10_label(latex, unit), internal[:, i],
                        (math.log10(low), math.log10(high))))
        else:
            out.append((name, linear_label(latex, unit), internal[:, i], (low, high)))
    return out


def _edge(value):
    return "N" if not math.isfinite(value) else f"{value:.17g}"


def walker_major(values, nwalkers):
    """Step-major flat samples (all walkers of step 0, then step 1, ...) -> walker-major (each walker's
    chain in one block): GetDist then sees correlated rows and estimates the correlation length (and
    the effective number of samples its kernel densities use) instead of taking every row as independent."""
    values = np.asarray(values)
    rest = values.shape[1:]
    return values.reshape(-1, nwalkers, *rest).swapaxes(0, 1).reshape(-1, *rest)


def write_getdist(root, columns, log_prob, derived=None, weights=None):
    """ROOT.txt, ROOT.paramnames and ROOT.ranges.

    columns: [(name, label, values, (low, high))] of the sampled parameters (getdist_columns);
    derived: {name: values} of derived quantities (marked 'name*', no range); weights: per sample
    (default 1: MCMC samples)."""
    root = str(root).removesuffix(".txt")
    derived = derived or {}
    n = len(log_prob)
    weights = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    table = np.column_stack([weights, -np.asarray(log_prob, dtype=float), *(c[2] for c in columns),
                             *(np.asarray(v, dtype=float) for v in derived.values())])
    lines = [f"{name}\t{label}" for name, label, _, _ in columns]
    lines += [f"{name}*\t{derived_label(name)}" for name in derived]
    ranges = [f"{name}\t{_edge(low)}\t{_edge(high)}" for name, _, _, (low, high) in columns]
    paths = [Path(root + ext) for ext in (".txt", ".paramnames", ".ranges")]
    with atomic_path(paths[0]) as tmp:
        np.savetxt(tmp, table, fmt="%.12e", delimiter="  ")
    with atomic_path(paths[1]) as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    with atomic_path(paths[2]) as tmp:
        Path(tmp).write_text("\n".join(ranges) + "\n")
    return paths


def write_emcee(path, chain, log_prob, accepted, blobs=None, param_names=(), name="mcmc"):
    """A file `emcee.backends.HDFBackend(path, read_only=True)` reads: chain (steps, walkers, ndim),
    log_prob (steps, walkers), accepted (walkers,), blobs {name: (steps, walkers)} as one structured
    array (fields in the given order). The layout is made by emcee's own backend (reset/grow); the
    parameter names are stored in the group's attribute 'param_names'."""
    import emcee
    import h5py

    chain = np.asarray(chain, dtype=float)
    steps, nwalkers, ndim = chain.shape
    table = None
    if blobs:
        table = np.empty((steps, nwalkers), dtype=[(k, "f8") for k in blobs])
        for k, v in blobs.items():
            table[k] = v
    with atomic_path(path) as tmp:
        h5py.File(tmp, "w").close()                 # an HDF5 file for the backend to open in 'a' mode
        backend = emcee.backends.HDFBackend(tmp, name=name)
        backend.reset(nwalkers, ndim)
        backend.grow(steps, None if table is None else table[0])
        with backend.open("a") as f:
            g = f[name]
            g["chain"][...] = chain
            g["log_prob"][...] = log_prob
            g["accepted"][...] = accepted
            if table is not None:
                g["blobs"][...] = table
            g.attrs["iteration"] = steps
            g.attrs["param_names"] = [str(p) for p in param_names]
    return [Path(path)]
