"""Wilks check by toys: the distribution of the one-sided profile statistic q(g) under the hypothesis g, at one
value of the scanned parameter, compared with the asymptotic threshold of nsifit.inference.limits.

Statistic. q(g) = chi^2(g) - chi^2(g_hat) for g >= g_hat, 0 otherwise (q_mu of G. Cowan, K. Cranmer, E. Gross,
O. Vitells, "Asymptotic formulae for likelihood-based tests of new physics", arXiv:1007.1727). Its
asymptotic law is half chi^2_0 + half chi^2_1, with the 95% critical value [Phi^-1(0.95)]^2 = 2.706; with the
physical boundary g >= 0 the law changes above q = s^2 (s: the signal of the hypothesis in standard
deviations; their q~_mu), so the 95% critical value stays 2.706 when s >= 1.645.

Approximation (stated exactly). Every plugin k is treated as ONE Gaussian measurement, of unit width, of its
own signal strength s_k(g) in standard deviations, with s_k(0) = 0 and s_k increasing with g:
  chi^2_k(g) = (s_k(g) - d_k)^2 + const_k.
s_k and the observed d_k are read off the plugin's own chi^2 curve (-2 log L on a grid of g, the other
parameters fixed): the signed pull p_k = -sqrt(chi^2_k - min chi^2_k) below the curve's minimum and
+sqrt(...) above it, s_k = p_k - p_k(g_min), d_k = -p_k(g_min). This reproduces every plugin's observed chi^2
curve exactly (up to a constant) and is exact for a Gaussian measurement of a rate that grows with g
(gaussian, one_sided_gaussian of nsifit.plugins.stats). It is the Gaussian approximation for the Poisson
zero-count construction (a toy draws a Gaussian d_k, not an integer count), it ignores the plugins' non-
Gaussian shapes (windows, bounds: their toys are Gaussian in the pull) and assumes each experiment's signal is
monotonic in g over the grid. A toy draws d_k ~ N(s_k(g_true), 1), independently per plugin, and minimises
chi^2_toy(g) = sum_k (s_k(g) - d_k)^2 on the same grid of g (toys as one batch: a matrix product).
The scanned parameter (m_zp) is held fixed; no other parameter may be sampled (nothing is profiled).
"""

import numpy as np
from scipy.optimize import brentq, minimize_scalar
from scipy.stats import norm

from nsifit.errors import NsifitError
from nsifit.inference.limits import threshold
from nsifit.inference.posterior import Posterior

GRID = 1000         # grid points in g (uniform in g and uniform in g^2, merged)
SPAN = 3.0          # the grid runs from the prior's lower edge to SPAN times the tested coupling
CHUNK = 2000        # toys per batch


def signal_pulls(chi2):
    """(K, G) chi^2 curves (grid of g ascending) -> (s (K, G), d (K,)), chi^2_k = (s_k - d_k)^2 + const.

    Infinite chi^2 (a hard exclusion) gives s = +inf there."""
    chi2 = np.atleast_2d(np.asarray(chi2, float))
    i_min = np.argmin(chi2, axis=1)
    c_min = chi2[np.arange(len(chi2)), i_min]
    columns = np.arange(chi2.shape[1])
    sign = np.where(columns[None, :] < i_min[:, None], -1.0, 1.0)
    pull = sign * np.sqrt(np.maximum(chi2 - c_min[:, None], 0.0))
    return pull - pull[:, :1], -pull[:, 0]


def toy_statistic(s, i_true, n_toys, rng, i_draw=None):
    """q(g_true) of `n_toys` toys drawn at grid index `i_draw` (default `i_true`) of the signals s (K, G) and
    tested at index `i_true`; returns (n_toys,). i_draw = 0: background-only toys (s_k(g_min) = 0)."""
    s = np.asarray(s, float)
    bad = ~np.isfinite(s).all(axis=0)                 # grid points some plugin excludes outright
    s_ok = np.where(np.isfinite(s), s, 0.0)
    s2 = (s_ok ** 2).sum(axis=0)
    truth = s[:, i_true if i_draw is None else i_draw]
    out = []
    for start in range(0, n_toys, CHUNK):
        n = min(CHUNK, n_toys - start)
        d = truth[None, :] + rng.standard_normal((n, len(truth)))
        chi2 = s2[None, :] - 2.0 * d @ s_ok + (d ** 2).sum(axis=1)[:, None]
        chi2[:, bad] = np.inf
        i_hat = np.argmin(chi2, axis=1)
        q = chi2[:, i_true] - chi2[np.arange(n), i_hat]
        out.append(np.where(i_hat > i_true, 0.0, np.maximum(q, 0.0)))
    return np.concatenate(out)


def _observed_chi2(s, d):
    """chi^2 of the observed pulls d on the grid of g: sum_k (s_k - d_k)^2 (inf where a plugin excludes)."""
    return ((np.where(np.isfinite(s), s, np.inf) - np.asarray(d, float)[:, None]) ** 2).sum(axis=0)


def observed_statistic(s, d, i_test):
    """q(g) of the observed pulls d at grid index i_test (the same one-sided definition as the toys)."""
    chi2 = _observed_chi2(s, d)
    i_hat = int(np.argmin(chi2))
    return 0.0 if i_hat > i_test else float(max(chi2[i_test] - chi2[i_hat], 0.0))


def cls_value(s, d, i_test, n_toys, rng):
    """CL_s = P(q >= q_obs | g) / P(q >= q_obs | 0) at grid index i_test (A. L. Read, J. Phys. G 28 (2002)
    2693), both probabilities from toys; CL_s < 1 - CL excludes g."""
    q_obs = observed_statistic(s, d, i_test)
    p_sb = np.mean(toy_statistic(s, i_test, n_toys, rng) >= q_obs)
    p_b = np.mean(toy_statistic(s, i_test, n_toys, rng, i_draw=0) >= q_obs)
    return float(p_sb / p_b) if p_b > 0 else 0.0


def cls_limit(s, d, g, cl, n_toys, rng):
    """Smallest grid value of g with CL_s < 1 - cl above the best fit (bisection on the grid: CL_s falls with
    g for a signal growing with g); None when no grid point is excluded."""
    lo = int(np.argmin(_observed_chi2(s, d)))
    hi = len(g) - 1
    if cls_value(s, d, hi, n_toys, rng) >= 1 - cl:
        return None
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if cls_value(s, d, mid, n_toys, rng) < 1 - cl else (mid, hi)
    return float(g[hi])


def summarize(q, cl=0.95):
    """Toy critical value (cl quantile of q), coverage of the asymptotic limit (P(q < threshold)), errors."""
    q = np.asarray(q, float)
    q_star = threshold(cl)
    coverage = float(np.mean(q < q_star))
    crit = float(np.quantile(q, cl))
    density = np.mean(np.abs(q - crit) < 0.1) / 0.2                 # local density of q at the quantile
    crit_err = float(np.sqrt(cl * (1 - cl) / len(q)) / density) if density > 0 else float("nan")
    return {"threshold": q_star, "critical_toys": crit, "critical_error": crit_err, "coverage": coverage,
            "coverage_error": float(np.sqrt(coverage * (1 - coverage) / len(q))), "p_zero": float(np.mean(q == 0)),
            "n_toys": len(q), "cl": cl}


def _coupling_grid(g_lo, g_true, g_hi, n):
    lin = np.linspace(g_lo, g_hi, n // 2)
    quad = np.sqrt(np.linspace(g_lo ** 2, g_hi ** 2, n - n // 2))
    return np.unique(np.concatenate([lin, quad, [g_true]]))


def wilks_check(config, scan, at, poi, cl=0.95, n_toys=10000, seed=0, grid=GRID):
    """Toy distribution of q(g_up) at `scan` = `at` (physical units), g_up the asymptotic upper limit on `poi`.

    Returns summarize(...) plus {"scan", "at", "poi", "upper" (asymptotic limit), "upper_cls" (the CL_s
    limit from the same toys, on the grid of g), "best_poi", "plugins", "observed" (d_k)}."""
    posterior = config if isinstance(config, Posterior) else Posterior(config)
    names = posterior.names
    if sorted(names) != sorted([scan, poi]):
        raise NsifitError(f"toys need exactly the sampled parameters '{scan}' and '{poi}' (nothing profiled); "
                          f"sampled: {', '.join(names)}")
    q_star = threshold(cl)
    p_poi = posterior.sampled[names.index(poi)]
    to_phys = (lambda u: 10.0 ** u) if p_poi.log_scale else (lambda u: u)
    g_lo, g_top = to_phys(p_poi.lower), to_phys(p_poi.upper)
    plugins = [p.name for p in posterior.plugins]

    def curves(g):
        x = posterior.from_physical({scan: np.full(len(g), float(at)), poi: np.asarray(g, float)})
        _, blobs = posterior.log_prob(x)
        return np.array([-2.0 * blobs[f"loglike_{name}"] for name in plugins])

    def total(g):
        return float(curves(np.array([g])).sum())

    coarse = np.geomspace(g_lo, g_top, 200)
    chi2_coarse = curves(coarse).sum(axis=0)
    k = int(np.argmin(chi2_coarse))
    lo, hi = coarse[max(k - 1, 0)], coarse[min(k + 1, len(coarse) - 1)]
    best = minimize_scalar(total, bounds=(lo, hi), method="bounded", options={"xatol": 1e-4 * lo})
    g_hat, c_hat = (best.x, best.fun) if best.fun <= chi2_coarse[k] else (coarse[k], chi2_coarse[k])
    above = np.flatnonzero((coarse > g_hat) & (chi2_coarse - c_hat >= q_star))
    if not len(above):
        raise NsifitError(f"no {cl:g} CL upper limit on '{poi}' inside its prior at {scan} = {at:g}")
    j = above[0]
    g_up = brentq(lambda g: total(g) - c_hat - q_star, max(coarse[j - 1], g_hat), coarse[j], xtol=1e-6 * coarse[j])
    g = _coupling_grid(g_lo, g_up, min(SPAN * g_up, g_top), grid)
    s, d = signal_pulls(curves(g))
    rng = np.random.default_rng(seed)
    q = toy_statistic(s, int(np.searchsorted(g, g_up)), n_toys, rng)
    result = summarize(q, cl)
    result["upper_cls"] = cls_limit(s, d, g, cl, n_toys, rng)
    result.update({"scan": scan, "at": float(at), "poi": poi, "upper": float(g_up), "best_poi": float(g_hat),
                   "plugins": plugins, "observed": (d + 0.0).tolist(), "z_asymptotic": float(norm.ppf(cl))})
    return result
