"""Global best fit and profile-likelihood scans with iminuit MIGRAD.

Statistics. The fit minimises chi^2(theta) = -2 log L(theta) + sum_gauss ((theta_i - mu_i)/sigma_i)^2:
the plugins' log-likelihoods (nsifit.stats convention, chi^2 = 0 at each construction's best fit) plus
the Gaussian priors of constrained (nuisance) parameters read as auxiliary measurements; flat and
log-uniform priors only set the support, i.e. the Minuit limits (errordef = 1 for this chi^2). Fits run
in the posterior's internal coordinates (log10 for log-uniform parameters).

The profile likelihood of parameters of interest psi is chi^2_p(psi) = min_nu chi^2(psi, nu), the other
sampled parameters nu minimised at each fixed psi. Delta chi^2(psi) = chi^2_p(psi) - chi^2_min, with
chi^2_min the smallest chi^2 found anywhere (the global best fit or any grid point). By Wilks' theorem
Delta chi^2 at the true psi follows a chi^2 distribution with dim(psi) degrees of freedom, which gives
the thresholds: 1D 1.00 / 2.71 / 3.84 (68.27% / 90% / 95% CL two-sided; 2.71 is also the 95% CL
one-sided limit), 2D 2.30 / 5.99 (68.27% / 95% CL). Wilks' theorem needs the best fit inside the
support, so a best fit on a prior boundary raises a warning. A 2D contour's projection on one axis is
wider than that parameter's 1D interval at the same CL: the 2D region must contain the *pair* with 68%
probability, so its edge sits at Delta chi^2 = 2.30, and its extent along psi_1 equals the 1D interval at
Delta chi^2 = 2.30 (about 1.52 sigma), not at 1.00 (iminuit: `mncontour` vs `minos`).

Scans walk the grid in snake order, cut into contiguous stripes; each grid point warm-starts from its
neighbour's solution in the stripe. The stripes of one worker run side by side in threads whose
function calls are gathered into one vectorized posterior call (nsifit.fitting), so the Python overhead
of a posterior call is paid once per round, not once per grid point. A stripe starts from the best of the
global fit and a few prior draws; a point whose MIGRAD does not converge is retried (SIMPLEX then MIGRAD,
then MIGRAD from the best of fresh prior draws); a minimum on a prior limit is probed from inside and
re-minimised from there if that is lower (Minuit's limit transform can stall a warm start on the limit,
nsifit.fitting). Warm starts can follow a local valley, so a final
neighbour sweep re-minimises every point where a neighbour's solution or the global fit already gives
a lower chi^2.
"""

import math
import warnings
from dataclasses import dataclass

import numpy as np

from nsifit.errors import ConfigError, NsifitError, unknown
from nsifit.inference.config import parse_pool
from nsifit.inference.parallel import open_pool
from nsifit.inference.profile.fitting import (  # noqa: F401
    BAD_CHI2,
    METHODS,
    Fit,
    Objective,
    Space,
    fit_point,
    run_lanes,
)

THRESHOLDS_1D = {1.00: "68.27% CL", 2.71: "90% CL (95% CL one-sided)", 3.84: "95% CL"}
THRESHOLDS_2D = {2.30: "68.27% CL", 5.99: "95% CL"}
# Grid points per stripe. Shorter stripes mean more lanes in lockstep, hence fewer rounds of posterior
# calls (a call costs ~2 ms whatever its size up to ~10^3 points), but more cold starts; 3 was fastest
# for a 50 x 50 mutau_baryon scan (benchmarks/bench_profile.py), serial and on two processes.
STRIPE_LENGTH = 3
SWEEP_GAIN = 0.01          # chi^2 gain that makes the neighbour sweep re-minimise a grid point


class ProfileWarning(UserWarning):
    """A fit result that needs care: best fit on a prior boundary, failed grid points."""


@dataclass(frozen=True)
class Axis:
    """One scan axis in physical units (MeV for masses); `log` spaces the grid logarithmically."""

    name: str
    lo: float
    hi: float
    n: int
    log: bool = False

    @property
    def values(self):
        return np.geomspace(self.lo, self.hi, self.n) if self.log else np.linspace(self.lo, self.hi, self.n)


def parse_scan(text, posterior):
    """'NAME:MIN:MAX:N[:log|lin]' -> Axis; NsifitError (one line) naming what is wrong."""
    parts = text.split(":")
    form = "NAME:MIN:MAX:N[:log]"
    if len(parts) not in (4, 5):
        raise NsifitError(f"--scan '{text}': expected {form}")
    name, lo, hi, n = parts[:4]
    spacing = parts[4] if len(parts) == 5 else "lin"
    params = {p.name: p for p in posterior.sampled}
    if name not in params:
        raise NsifitError(f"--scan '{text}': " + unknown("sampled parameter", name, params))
    try:
        lo, hi = float(lo), float(hi)
        n = int(n)
    except ValueError:
        raise NsifitError(f"--scan '{text}': MIN and MAX must be numbers and N an integer ({form})") from None
    if spacing not in ("log", "lin"):
        raise NsifitError(f"--scan '{text}': spacing must be 'log' or 'lin', got '{spacing}'")
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo >= hi:
        raise NsifitError(f"--scan '{text}': MIN ({lo:g}) must be < MAX ({hi:g})")
    if n < 2:
        raise NsifitError(f"--scan '{text}': N must be >= 2, got {n}")
    if spacing == "log" and lo <= 0:
        raise NsifitError(f"--scan '{text}': a log scan needs MIN > 0, got {lo:g}")
    p = params[name]
    low, high = (10.0 ** p.lower, 10.0 ** p.upper) if p.log_scale else (p.lower, p.upper)
    if p.log_scale and lo <= 0:
        raise NsifitError(f"--scan '{text}': '{name}' has a log-uniform prior, MIN must be > 0")
    rel = 1e-9 * (high - low) if math.isfinite(high - low) else 0.0
    if lo < low - rel or hi > high + rel:
        raise NsifitError(f"--scan '{text}': range outside the prior support of '{name}' "
                          f"[{low:g}, {high:g}]{' ' + p.unit if p.unit else ''}")
    return Axis(name, lo, hi, n, spacing == "log")


def make_chi2(posterior):
    """Vectorized chi^2 over internal points (n, ndim) -> (n,); inf outside the support."""
    gauss = [(i, p.mean, p.sigma) for i, p in enumerate(posterior.sampled) if p.prior == "gaussian"]

    def chi2(x):
        x = np.atleast_2d(x)
        _, blobs = posterior.log_prob(x)
        value = -2.0 * blobs["loglike_total"]
        for i, mean, sigma in gauss:
            value = value + ((x[:, i] - mean) / sigma) ** 2
        return np.where(np.isnan(value), np.inf, value)
    return chi2


def best_fit(posterior, starts=8, extra_starts=None, seed=0, chi2=None):
    """Global best fit: MIGRAD (strategy 1) from `starts` prior draws plus `extra_starts` (e.g. the
    best MCMC sample). Returns {"best": Fit, "minima": [Fit, ...] (all starts), "warnings": [...]}."""
    space = Space(posterior, seed)
    chi2 = chi2 or make_chi2(posterior)
    rng = np.random.default_rng(seed)
    x0 = list(posterior.sample_prior(starts, rng))
    if extra_starts is not None:
        x0 += list(np.atleast_2d(extra_starts))
    free = np.arange(posterior.ndim)
    jobs = [lambda ev, x=x, k=k: fit_point(ev, np.asarray(x, float), free, space,
                                          np.random.default_rng([seed, k]), fresh=0, strategy=1)
            for k, x in enumerate(x0)]
    minima = run_lanes(chi2, jobs)
    best = min(minima, key=lambda f: (not f.valid, f.chi2))
    notes = []
    if not best.valid:
        notes.append(f"no start of the global fit converged (best chi2 = {best.chi2:.6g}); "
                     "treat the best fit and Delta chi^2 with caution")
    edge = space.on_boundary(best.x)
    if edge:
        notes.append(f"best fit of {', '.join(edge)} sits on a prior boundary: limits are one-sided and "
                     "the Wilks thresholds only approximate")
    for note in notes:
        warnings.warn(note, ProfileWarning, stacklevel=2)
    return {"best": best, "minima": minima, "warnings": notes}


def snake_order(shape):
    """Grid indices in boustrophedon order: consecutive entries are neighbours on the grid."""
    if len(shape) == 1:
        return [(i,) for i in range(shape[0])]
    return [(i, j) for i in range(shape[0])
            for j in (range(shape[1]) if i % 2 == 0 else range(shape[1] - 1, -1, -1))]


def stripes(order, length):
    return [order[k:k + length] for k in range(0, len(order), length)]


def _scan_stripes(chi2, space, fixed_idx, grid_internal, stripe_list, starts, keys, fresh, polish=False):
    """Profile the points of several stripes in lockstep; one list of Fit per stripe. Stripe k starts
    from starts[k] (the best of it and `fresh` prior draws) and seeds its draws with keys[k]; `polish`
    (neighbour sweep) runs MIGRAD at strategy 1 from the start as given, without retries."""
    free = np.array([i for i in range(len(space.names)) if i not in fixed_idx], int)

    def job(stripe, start, key):
        def run(evaluate):
            rng = np.random.default_rng([space.seed, *key])
            x, errors, scale, out = np.array(start, float), None, 0.0, []
            objective = Objective(evaluate, space, free)
            x[fixed_idx] = grid_internal[stripe[0]]
            x = x if polish else _cold_start(evaluate, x, free, space, rng, fresh)
            for index in stripe:
                x[fixed_idx] = grid_internal[index]
                fit = fit_point(evaluate, x, free, space, rng, errors, 0 if polish else fresh, 1 if polish else 0,
                                scale, objective, retry=not polish)
                if fit.valid:
                    x, errors = fit.x.copy(), _clip_errors(fit.errors, space.step[free])
                    scale = fit.chi2
                out.append(fit)
            return out
        return run
    return run_lanes(chi2, [job(*args) for args in zip(stripe_list, starts, keys)])


def _cold_start(evaluate, x, free, space, rng, n):
    """The best of x (the global fit's nuisances) and n prior draws of the free parameters."""
    if not n:
        return x
    candidates = np.repeat(x[None, :], n + 1, axis=0)
    candidates[1:, free] = space.sample_prior(n, rng)[:, free]
    return candidates[np.argmin(evaluate(candidates))].copy()


def _clip_errors(errors, step):
    return np.clip(errors, 1e-3 * step, 10 * step)


_OBJECTIVES = {}


def _objective(posterior, seed):
    """chi^2 and parameter space of a worker's posterior, built once per worker and seed."""
    key = (id(posterior), seed)
    if key not in _OBJECTIVES:
        _OBJECTIVES.clear()
        _OBJECTIVES[key] = (make_chi2(posterior), Space(posterior, seed))
    return _OBJECTIVES[key]


def _stripe_task(posterior, task):
    """Pool task (nsifit.inference.parallel): profile a block of stripes with this worker's posterior."""
    seed, args = task
    chi2, space = _objective(posterior, seed)
    return _scan_stripes(chi2, space, *args)


class _Stripes:
    """Runs blocks of stripes, one contiguous block per worker of the pool; each block in lockstep."""

    def __init__(self, pool, chi2, space):
        self.pool, self.chi2, self.space = pool, chi2, space

    def run(self, fixed_idx, grid_internal, stripe_list, starts, keys, fresh, polish=False):
        """One list of Fit per stripe, in the order of stripe_list."""
        args = (fixed_idx, grid_internal, stripe_list, starts, keys, fresh, polish)
        if self.pool.size == 1 or len(stripe_list) < 2:
            return _scan_stripes(self.chi2, self.space, *args)
        blocks = np.array_split(np.arange(len(stripe_list)), min(self.pool.size, len(stripe_list)))
        tasks = [(self.space.seed, (fixed_idx, grid_internal, [stripe_list[i] for i in b], [starts[i] for i in b],
                                    [keys[i] for i in b], fresh, polish)) for b in blocks]
        return [fits for part in self.pool.map(_stripe_task, tasks) for fits in part]


def check_pool(pool):
    """A pool spec of nsifit.inference.parallel (the grammar shared with sampling); NsifitError otherwise.
    'vectorized' and 'serial' are the same here: the fits of a stripe block share their posterior calls."""
    try:
        parse_pool(pool)
    except ConfigError as err:
        raise NsifitError(str(err).replace("sampler.pool: ", "")) from None
    return pool


def profile(posterior, axes, pool="serial", best=None, starts=8, extra_starts=None, seed=0,
            stripe_length=None, fresh=32):
    """Profile chi^2 on the grid of `axes` (1 or 2 Axis), the other sampled parameters minimised.

    Returns a dict: axes, grid values, chi2 and delta_chi2 (grid shape), x (grid + (ndim,), internal
    coordinates of each point's minimum), valid / method / edm / nfcn per point, the global fit
    (`best_fit` output) and chi2_min = min(best fit, grid), 1D intervals, and warnings.
    """
    check_pool(pool)
    with open_pool(pool, posterior) as workers:     # MPI: ranks > 0 serve the map calls, then exit
        return _profile(posterior, axes, workers, best, starts, extra_starts, seed, stripe_length, fresh)


def _profile(posterior, axes, pool, best, starts, extra_starts, seed, stripe_length, fresh):
    names = [a.name for a in axes]
    if len(set(names)) != len(names) or not 1 <= len(axes) <= 2:
        raise NsifitError(f"a scan takes one or two different parameters, got {', '.join(names)}")
    chi2 = make_chi2(posterior)
    space = Space(posterior, seed)
    fit = best if best is not None else best_fit(posterior, starts, extra_starts, seed, chi2)
    fixed_idx = [posterior.names.index(n) for n in names]
    log = [posterior.sampled[i].log_scale for i in fixed_idx]
    mesh = np.meshgrid(*[a.values for a in axes], indexing="ij")
    grid_internal = np.stack([np.log10(m) if lg else m for m, lg in zip(mesh, log)], axis=-1)
    shape = grid_internal.shape[:-1]
    x = np.broadcast_to(fit["best"].x, shape + (posterior.ndim,)).copy()
    x[..., fixed_idx] = grid_internal
    if len(fixed_idx) == posterior.ndim:
        # fast path: nothing left to minimise -- the whole grid in one vectorized posterior call
        values = chi2(x.reshape(-1, posterior.ndim)).reshape(shape)
        valid = np.isfinite(values)
        method = np.full(shape, METHODS.index("direct"))
        edm, nfcn = np.zeros(shape), np.ones(shape, int)
    else:
        order = snake_order(shape)
        length = stripe_length or STRIPE_LENGTH
        stripe_list = stripes(order, length)
        values, valid = np.full(shape, np.inf), np.zeros(shape, bool)
        method, edm, nfcn = np.zeros(shape, int), np.zeros(shape), np.zeros(shape, int)
        workers = _Stripes(pool, chi2, space)
        fits = workers.run(fixed_idx, grid_internal, stripe_list, [fit["best"].x] * len(stripe_list),
                           [(0, k) for k in range(len(stripe_list))], fresh)
        for stripe, results in zip(stripe_list, fits):
            for index, f in zip(stripe, results):
                x[index], values[index], valid[index] = f.x, f.chi2, f.valid
                method[index], edm[index], nfcn[index] = f.method, f.edm, f.nfcn
        _neighbour_sweep(workers, chi2, fixed_idx, grid_internal, fit["best"].x,
                         (x, values, valid, method, edm, nfcn))
    values = np.where(values >= BAD_CHI2, np.inf, values)
    chi2_min = min(fit["best"].chi2, float(np.min(values)))
    notes = list(fit["warnings"])
    if not valid.all():
        notes.append(f"{int((~valid).sum())} of {valid.size} grid points did not converge (status stored)")
    if fit["best"].chi2 - chi2_min > 1e-3:
        notes.append(f"a grid point lies {fit['best'].chi2 - chi2_min:.3g} below the global fit's chi2; "
                     "Delta chi^2 uses the grid minimum")
    for note in notes[len(fit["warnings"]):]:
        warnings.warn(note, ProfileWarning, stacklevel=2)
    delta = values - chi2_min
    out = {"axes": list(axes), "names": names, "log": log, "chi2": values, "delta_chi2": delta, "x": x,
           "valid": valid, "method": method, "edm": edm, "nfcn": nfcn, "fit": fit,
           "chi2_min": chi2_min, "warnings": notes, "methods": METHODS,
           "thresholds": THRESHOLDS_1D if len(axes) == 1 else THRESHOLDS_2D,
           "chi2_definition": __doc__.split("\n\n")[1]}
    if len(axes) == 1:
        out["intervals"] = {t: intervals_1d(axes[0].values, delta, t, axes[0].log) for t in THRESHOLDS_1D}
    return out


def _neighbour_sweep(workers, chi2, fixed_idx, grid_internal, best_x, grid, passes=10):
    """Re-minimise every grid point at which a neighbour's minimum or the global fit (their values of
    the minimised parameters, this point's scanned ones) already gives a lower chi^2 than the point's
    own minimum: a warm start can leave a point in a local valley. Candidates are evaluated for the
    whole grid in one call; repeated until nothing improves (a better valley spreads a point per pass).
    Updates grid = (x, chi2, valid, method, edm, nfcn) in place."""
    x, values, valid, method, edm, nfcn = grid
    shape, ndim = values.shape, x.shape[-1]
    for sweep in range(passes):
        candidates = [np.broadcast_to(best_x, x.shape)]
        for axis in range(len(shape)):
            for step in (-1, 1):
                candidates.append(np.roll(x, step, axis=axis))      # wrapped edges: harmless extra starts
        cand = np.stack(candidates, axis=-2).copy()                   # shape + (n_cand, ndim)
        cand[..., fixed_idx] = x[..., None, :][..., fixed_idx]
        cvals = chi2(cand.reshape(-1, ndim)).reshape(cand.shape[:-1])
        improve = np.flatnonzero(np.nanmin(np.where(np.isfinite(cvals), cvals, np.inf), axis=-1).ravel()
                                 < values.ravel() - SWEEP_GAIN)
        if not len(improve):
            return
        flat_cand = cand.reshape(-1, cand.shape[-2], ndim)
        starts = flat_cand[improve, np.argmin(cvals.reshape(len(flat_cand), -1)[improve], axis=-1)]
        fits = workers.run(fixed_idx, grid_internal, [[np.unravel_index(k, shape)] for k in improve], starts,
                           [(sweep + 1, k) for k in range(len(improve))], 0, polish=True)
        for k, start, (f,) in zip(improve, starts, fits):
            index = np.unravel_index(k, shape)
            nfcn[index] += f.nfcn
            if not f.valid:        # keep the better start itself, flagged, so the next pass moves on
                f = Fit(start, float(cvals.reshape(len(flat_cand), -1)[k].min()), False, np.nan, 0, 0)
            x[index], values[index], valid[index], edm[index] = f.x, f.chi2, f.valid, f.edm
            method[index] = METHODS.index("neighbour start" if f.valid else "failed")


def intervals_1d(grid, delta_chi2, threshold, log=False):
    """The set {Delta chi^2 <= threshold} of a 1D profile as a list of (low, high) intervals.

    Crossings are interpolated linearly in sqrt(Delta chi^2) against the grid coordinate (log10 of it
    for log axes), which is exact for a Gaussian profile. A bound of None means the region reaches the
    scan's edge: the result is then a one-sided limit (an interval open on that side of the scan).
    """
    u = np.log10(grid) if log else np.asarray(grid, float)
    r = np.sqrt(np.clip(np.where(np.isfinite(delta_chi2), delta_chi2, np.inf), 0, None)) - math.sqrt(threshold)
    inside = r <= 0
    out, k = [], 0
    while k < len(u):
        if not inside[k]:
            k += 1
            continue
        j = k
        while j + 1 < len(u) and inside[j + 1]:
            j += 1
        low = None if k == 0 else _cross(u[k - 1], u[k], r[k - 1], r[k])
        high = None if j == len(u) - 1 else _cross(u[j], u[j + 1], r[j], r[j + 1])
        out.append(tuple(None if b is None else (10.0 ** b if log else b) for b in (low, high)))
        k = j + 1
    return out


def _cross(u0, u1, r0, r1):
    if not math.isfinite(r0) or not math.isfinite(r1):
        return u1 if not math.isfinite(r0) else u0
    return u0 + (u1 - u0) * r0 / (r0 - r1)
