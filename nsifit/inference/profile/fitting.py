"""MIGRAD fits of single points with retries, and lockstep evaluation of many fits at once.

Minuit calls its function one point at a time, while the posterior costs about the same for one
point as for a thousand. Each minimisation ("lane") runs in its own thread; its function calls post
the point and wait, and when every running lane has posted, the whole batch is evaluated in a single
call. The result is the same as running the lanes one after another, at the cost of one posterior
call per round instead of one per function call. The statistics (chi^2, errordef = 1) are in
nsifit.profiling.
"""

import math
import threading
from dataclasses import dataclass

import numpy as np
from iminuit import Minuit

BAD_CHI2 = 1e30      # returned to Minuit where chi^2 is not finite; a larger chi^2 counts as excluded
REL_TOL = 5e-11      # Minuit tol relative to chi^2 where double precision limits the EDM
BOUNDARY_FRACTION = 1e-3   # a value within this fraction of the prior width of a limit is on the boundary
# probes of a minimum on a limit: distances inside, in prior widths (0.99: next to the opposite limit)
INWARD = np.append(np.geomspace(2e-3, 0.5, 6), 0.99)
INSIDE_DRAWS = 4           # ... plus this many prior draws (scans; none for the global fit and the sweep)
INSIDE_GAIN = 1e-3         # chi^2 gain of a probe that makes a minimum on a limit suspect
METHODS = ("direct", "migrad", "simplex+migrad", "fresh start", "neighbour start", "failed", "inside start")


class _Lockstep:
    """Gathers the pending chi^2 requests of all running lanes into one vectorized call.

    The last lane to post evaluates the batch. The lanes then resume one at a time, in a relay:
    each waits on its own gate (a lock) and, once it has posted its next request, opens the gate
    of the next lane. Only one thread is runnable at any moment, so the threads never queue for
    the GIL and each hand-over costs one thread switch.
    """

    def __init__(self, chi2, lanes):
        self.chi2, self.active = chi2, lanes
        self.lock = threading.Lock()
        self.gates = [threading.Lock() for _ in range(lanes)]
        for gate in self.gates:
            gate.acquire()
        self.pending, self.results, self.relay, self.error = {}, {}, [], None

    def __call__(self, lane, x):
        with self.lock:
            if self.error is not None:
                raise RuntimeError("chi^2 evaluation failed in another lane") from self.error
            self.pending[lane] = x
            self._advance()
        self.gates[lane].acquire()
        if self.error is not None:
            raise RuntimeError("chi^2 evaluation failed") from self.error
        return self.results.pop(lane)

    def done(self):
        with self.lock:
            self.active -= 1
            self._advance()

    def _advance(self):
        """Open the next gate of the relay; when every active lane has posted, evaluate first."""
        if not self.relay:
            if not self.pending or len(self.pending) < self.active:
                return
            lanes = list(self.pending)
            blocks = [self.pending.pop(lane) for lane in lanes]
            try:
                values = finite(self.chi2(np.concatenate(blocks)))
            except BaseException as err:  # noqa: B036 - handed to every lane, re-raised by run_lanes
                self.error = err
                for lane in lanes:
                    self.gates[lane].release()
                return
            self.results.update(zip(lanes, np.split(values, np.cumsum([len(b) for b in blocks])[:-1])))
            self.relay = lanes[::-1]
        self.gates[self.relay.pop()].release()


def run_lanes(chi2, jobs):
    """Run jobs `job(evaluate)` side by side; `evaluate(x)` -- x one point (ndim,) or several
    (k, ndim) -- is batched with the pending requests of the other lanes into one chi2 call."""
    if len(jobs) == 1:
        return [jobs[0](lambda x: unwrap(x, finite(chi2(np.atleast_2d(x)))))]
    step = _Lockstep(chi2, len(jobs))
    results, errors = [None] * len(jobs), []

    def work(lane):
        try:
            results[lane] = jobs[lane](lambda x: unwrap(x, step(lane, np.atleast_2d(x))))
        except BaseException as err:  # noqa: B036 - re-raised in the calling thread below
            errors.append(err)
        finally:
            step.done()
    threads = [threading.Thread(target=work, args=(lane,), daemon=True) for lane in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if step.error is not None:
        raise step.error
    if errors:
        raise errors[0]
    return results


def finite(values):
    """chi^2 for Minuit: non-finite (excluded by construction) -> BAD_CHI2."""
    return np.where(np.isfinite(values) & (values < BAD_CHI2), values, BAD_CHI2)


def unwrap(x, values):
    """A float for one point (x of shape (ndim,)), the array for several."""
    return float(values[0]) if np.ndim(x) == 1 else values


@dataclass
class Fit:
    """One minimum: internal coordinates, chi^2 and MIGRAD's status."""

    x: np.ndarray
    chi2: float
    valid: bool
    edm: float
    nfcn: int
    method: int       # index into METHODS
    errors: np.ndarray = None


class Space:
    """The parameter space of a posterior: limits, step sizes and prior draws (internal coords)."""

    def __init__(self, posterior, seed=0):
        self.names = list(posterior.names)
        self.lower = np.array([p.lower for p in posterior.sampled], float)
        self.upper = np.array([p.upper for p in posterior.sampled], float)
        self.sample_prior = posterior.sample_prior
        self.seed = seed
        draws = posterior.sample_prior(256, np.random.default_rng(seed))
        self.step = np.maximum(0.1 * draws.std(axis=0), 1e-8)

    def limit_side(self, x):
        """Per parameter: -1 (+1) within BOUNDARY_FRACTION of the prior width of a finite lower (upper)
        limit, 0 inside."""
        width = self.upper - self.lower
        tol = np.where(np.isfinite(width), BOUNDARY_FRACTION * width, 0.0)
        return np.where(x - self.lower <= tol, -1, np.where(self.upper - x <= tol, 1, 0))

    def on_boundary(self, x):
        """Names of parameters within BOUNDARY_FRACTION of the prior width of a finite limit."""
        return [n for n, side in zip(self.names, self.limit_side(x)) if side]


class Objective:
    """chi^2 over the free parameters, the others held at the current point; counts the calls and
    keeps the last converged Minuit, whose state (values, covariance) seeds the next point."""

    def __init__(self, evaluate, space, free):
        self.evaluate, self.space, self.free = evaluate, space, np.asarray(free, int)
        self.full, self.calls, self.warm = None, 0, None

    def __call__(self, xf):
        self.full[self.free] = xf
        self.calls += 1
        return self.evaluate(self.full)

    def minuit(self, x, errors, strategy, scale, reuse=False):
        """Minuit at x (errordef 1: chi^2 = -2 log L). The EDM goal (0.002 tol) cannot beat the double
        precision of a huge chi^2, so tol grows as REL_TOL * chi^2 beyond chi^2 ~ 1e11."""
        self.full = x.copy()
        if reuse and self.warm is not None:
            m = self.warm
            m.values = x[self.free]
        else:
            m = Minuit(self, x[self.free].copy(), name=[self.space.names[i] for i in self.free])
            m.errordef = Minuit.LEAST_SQUARES
            m.print_level = 0
            m.throw_nan = False
            m.limits = [(lo if math.isfinite(lo) else None, hi if math.isfinite(hi) else None)
                        for lo, hi in zip(self.space.lower[self.free], self.space.upper[self.free])]
            m.errors = errors
        m.strategy = strategy
        m.tol = max(0.1, REL_TOL * scale) if scale < BAD_CHI2 else 0.1
        return m


def _good(m):
    return bool(m.valid) and m.fval < BAD_CHI2


def fit_point(evaluate, x0, free, space, rng, errors=None, fresh=32, strategy=0, scale=0.0, objective=None,
              retry=True):
    """Minimise chi^2 over `free` from x0: MIGRAD (warm: the last converged state of `objective`); if
    that fails SIMPLEX + MIGRAD; then MIGRAD from the best of `fresh` prior draws (evaluated in one
    call). A converged minimum on a prior limit is checked from inside (`_check_limit`). `scale`: the
    expected chi^2 (the neighbour's)."""
    obj = objective or Objective(evaluate, space, free)
    free, calls, tried = obj.free, obj.calls, []
    for method in (1, 2, 3)[:3 if retry else 1]:
        start = x0
        if method == 3:
            if not fresh:
                break
            draws = np.repeat(x0[None, :], fresh, axis=0)
            draws[:, free] = space.sample_prior(fresh, rng)[:, free]
            start = draws[np.argmin(evaluate(draws))]
            obj.calls += fresh
        m = obj.minuit(start, space.step[free] if errors is None or method > 1 else errors,
                       strategy if method == 1 else 1, scale, reuse=method == 1)
        if method == 2:
            m.simplex()
        m.migrad()
        x = start.copy()
        x[free] = np.array(m.values)
        fit = Fit(x, float(m.fval), _good(m), float(m.fmin.edm), obj.calls - calls, method, np.array(m.errors))
        obj.warm = m if fit.valid else None
        if fit.valid:
            return _check_limit(obj, fit, space, rng, min(fresh, INSIDE_DRAWS), scale)
        tried.append(fit)
        scale = min(scale, fit.chi2) if scale else fit.chi2
    best = min(tried, key=lambda f: f.chi2)
    best.method = METHODS.index("failed")
    return best


def _check_limit(obj, fit, space, rng, draws, scale):
    """A minimum with free parameters on a prior limit, re-minimised from inside if that is lower.

    Minuit maps a bounded parameter through a sine, whose derivative vanishes at the limits: there the
    gradient in Minuit's internal coordinate is ~0 whatever the slope of chi^2, and a warm start that
    also inherits the tiny covariance of a neighbour's minimum on the limit has EDM ~ 0, so MIGRAD stops
    on the limit and reports convergence. chi^2 is therefore probed at INWARD distances inside each limit
    (the slope's sign, then further in, up to the opposite limit) and at `draws` prior draws, in one
    call; if a probe is lower by more than INSIDE_GAIN, MIGRAD starts afresh (no inherited covariance)
    from the best one and the lower of the two minima is kept.
    """
    free = obj.free
    side = space.limit_side(fit.x)[free]
    if not side.any():
        return fit
    probes, first = [], obj.calls - fit.nfcn
    for k in np.flatnonzero(side):
        i = free[k]
        limit = space.upper[i] if side[k] > 0 else space.lower[i]
        probe = np.repeat(fit.x[None, :], len(INWARD), axis=0)
        probe[:, i] = limit - side[k] * INWARD * (space.upper[i] - space.lower[i])
        probes.append(probe)
    if draws:
        probe = np.repeat(fit.x[None, :], draws, axis=0)
        probe[:, free] = space.sample_prior(draws, rng)[:, free]
        probes.append(probe)
    probes = np.concatenate(probes)
    values = obj.evaluate(probes)
    obj.calls += len(probes)
    fit.nfcn = obj.calls - first
    best = int(np.argmin(values))
    if not values[best] < fit.chi2 - INSIDE_GAIN:
        return fit
    m = obj.minuit(probes[best], space.step[free], 1, scale)
    m.migrad()
    x = probes[best].copy()
    x[free] = np.array(m.values)
    inside = Fit(x, float(m.fval), _good(m), float(m.fmin.edm), obj.calls - first,
                 METHODS.index("inside start"), np.array(m.errors))
    if inside.chi2 >= fit.chi2:
        fit.nfcn = inside.nfcn
        return fit
    obj.warm = m if inside.valid else None
    return inside
