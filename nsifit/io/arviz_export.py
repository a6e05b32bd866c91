"""Chains as an ArviZ InferenceData in NetCDF (`nsifit export RUN.h5 --format arviz -o RUN.nc`).

Groups (dimensions chain = walker, draw = step after burn-in, optionally thinned):
- posterior: each sampled parameter in physical units (MeV for masses) and, for a log-uniform prior,
  also `log10_<name>` (the coordinate the prior is flat in); requested derived quantities;
- log_likelihood: one variable per likelihood plugin (its log L at every sample; no total);
- sample_stats: `lp` (log posterior), `log_likelihood` (total log L) and `accepted` (whether the
  walker moved at that step: an emcee move that is rejected leaves the position unchanged, so the
  per-step acceptance follows from the chain; the first draw compares with the step before it).

Caveat: the walkers of one affine-invariant ensemble are not independent chains (each move uses the
positions of the other walkers), so ArviZ's R-hat across "chains" does not carry its usual meaning
(it tends to read close to 1 even for an unconverged ensemble); judge convergence from the
integrated autocorrelation time (`nsifit summary`: tau, N/tau, ESS). ArviZ's ESS of the walkers
ignores the same coupling.

xarray (with h5netcdf) is imported only when writing; ArviZ itself is not needed to write.
"""

from pathlib import Path

import numpy as np

from nsifit.errors import NsifitError
from nsifit.io.files import atomic_path

PLUGIN_PREFIX = "loglike_"


def per_walker(values, nwalkers):
    """(steps * walkers,) step-major flat samples -> (walkers, steps): ArviZ's (chain, draw)."""
    return np.asarray(values, dtype=float).reshape(-1, nwalkers).T


def write_arviz(path, posterior, log_likelihood, sample_stats, attrs=None):
    """Write the groups of an InferenceData, each of {name: (walkers, draws) array}, as NetCDF4 groups
    (xarray + h5netcdf: the file layout `arviz.from_netcdf` reads in ArviZ 0.x and 1.x alike).

    log_likelihood: {'loglike_<plugin>' or plugin: array}; the 'loglike_' prefix is dropped and the
    total ('loglike_total') belongs in sample_stats, not here."""
    try:
        import h5netcdf  # noqa: F401  (xarray's NetCDF4 engine for groups)
        import xarray as xr
    except ImportError as err:
        raise NsifitError(f"--format arviz needs xarray and h5netcdf ({err}); pip install arviz") from None
    logl = {k.removeprefix(PLUGIN_PREFIX): v for k, v in log_likelihood.items()
            if k != PLUGIN_PREFIX + "total"}
    groups = {"posterior": posterior, "log_likelihood": logl, "sample_stats": sample_stats}
    nchain, ndraw = np.shape(next(iter(posterior.values())))
    coords = {"chain": np.arange(nchain), "draw": np.arange(ndraw)}
    attrs = {str(k): str(v) for k, v in (attrs or {}).items()}
    with atomic_path(path) as tmp:
        for i, (group, variables) in enumerate(groups.items()):
            ds = xr.Dataset({k: (("chain", "draw"), np.asarray(v)) for k, v in variables.items()},
                            coords=coords, attrs=attrs)
            ds.to_netcdf(tmp, group=group, mode="a" if i else "w", engine="h5netcdf")
    return [Path(path)]


def accepted_steps(chain, burn):
    """(walkers, steps - burn) booleans: the walker moved at each step from `burn` on (chain:
    (steps, walkers, ndim) in sampling coordinates; step 0, the start, counts as accepted)."""
    chain = np.asarray(chain)
    moved = np.ones(chain.shape[:2], dtype=bool)
    moved[1:] = np.any(chain[1:] != chain[:-1], axis=-1)
    return moved[burn:].T
