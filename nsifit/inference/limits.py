"""Upper limits on a parameter of interest (poi) along a scanned parameter: frequentist from the combined
profile likelihood, and Bayesian from the samples of a stored run.

Profile likelihood. At each value s of the scanned parameter (e.g. m_zp), with chi^2 = -2 log L + the
Gaussian-prior terms of nsifit.inference.profile.scan:
  chi^2_hat(s) = min over every other sampled parameter (poi included),   mu_hat(s) its poi value,
  chi^2_p(mu; s) = min over the remaining parameters with the poi fixed at mu,
  q(mu) = chi^2_p(mu; s) - chi^2_hat(s) for mu >= mu_hat, q = 0 for mu < mu_hat (one-sided statistic:
  an excess above the tested value does not count against it: the statistic q_mu of G. Cowan, K. Cranmer,
  E. Gross, O. Vitells, "Asymptotic formulae for likelihood-based tests of new physics", arXiv:1007.1727).
The upper limit at CL solves q(mu_up) = Q, with the asymptotic (Wilks/Chernoff) threshold for the one-sided
test: Q = chi^2_{1 dof} quantile at 2 CL - 1 = [Phi^-1(CL)]^2 (2.706 for CL = 0.95). The root is
bracketed on a grid of BRACKET points between mu_hat and the prior's upper edge and found by Brent's method,
both in the poi's internal coordinate (log10 for a log-uniform prior). No limit (None) when q stays below Q up
to the prior edge. The fits are MIGRAD (nsifit.inference.profile.fitting); the scan values run side by side
with their posterior calls batched (run_lanes).

Bayesian. The posterior upper limit at CL in a slice of the scanned parameter is the CL quantile of the poi
among the samples in that slice (bins between the scan values' midpoints, in the scan's spacing). It depends
on the prior of the poi (log-uniform priors put the limit where the prior volume ends), unlike the profile
limit.
"""

import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm

from nsifit.errors import NsifitError
from nsifit.inference.posterior import Posterior, SampledParameter
from nsifit.inference.profile.fitting import Space, fit_point, run_lanes
from nsifit.inference.profile.scan import make_chi2, parse_scan
from nsifit.inference.weighted import weighted_quantile
from nsifit.io.files import open_h5, remove_stale_temporaries
from nsifit.io.lock import OutputLock
from nsifit.io.profilefile import file_stamp, write_limit

BRACKET = 16           # poi grid points between the best fit and the prior edge, to bracket the crossing
XTOL = 1e-5            # Brent tolerance in the poi's internal coordinate
COLD_DRAWS = 64        # prior draws for the conditional best fit at each scan value
PRIOR_NOTE = ("Bayesian limits depend on the prior of the parameter of interest (a log-uniform prior "
              "sets them where its volume ends); the profile-likelihood limit does not")


def threshold(cl):
    """One-sided asymptotic threshold on q: the chi^2 (1 dof) quantile at 2 cl - 1 = [Phi^-1(cl)]^2."""
    if not 0.5 < cl < 1:
        raise NsifitError(f"--cl must be in (0.5, 1), got {cl}")
    return float(norm.ppf(cl) ** 2)


def _indices(posterior, scan, poi):
    for name in (scan, poi):
        if name not in posterior.names:
            raise NsifitError(f"'{name}' is not a sampled parameter; sampled: {', '.join(posterior.names)}")
    if scan == poi:
        raise NsifitError(f"the scanned parameter and the parameter of interest must differ (both '{poi}')")
    return posterior.names.index(scan), posterior.names.index(poi)


def profile_limits(posterior, axis, poi, cl=0.95, seed=0):
    """Upper limits on `poi` at each value of the Axis `axis` (physical units; None: no limit in the prior).

    Returns {"values", "upper", "best_poi", "chi2_hat", "q_at_edge", "threshold", "cl", "valid"}."""
    i_scan, i_poi = _indices(posterior, axis.name, poi)
    q_star = threshold(cl)
    space = Space(posterior, seed)
    chi2 = make_chi2(posterior)
    p_scan, p_poi = posterior.sampled[i_scan], posterior.sampled[i_poi]
    scan_internal = np.log10(axis.values) if p_scan.log_scale else np.asarray(axis.values, float)
    top = p_poi.upper
    if not math.isfinite(top):
        raise NsifitError(f"'{poi}' needs a finite upper prior edge for a limit")
    ndim = posterior.ndim
    free_all = np.array([i for i in range(ndim) if i != i_scan], int)
    rest = np.array([i for i in range(ndim) if i not in (i_scan, i_poi)], int)

    def job(k, s):
        def work(evaluate):
            rng = np.random.default_rng([seed, k])
            draws = posterior.sample_prior(COLD_DRAWS, rng)
            draws[:, i_scan] = s
            start = draws[np.argmin(evaluate(draws))].copy()
            best = fit_point(evaluate, start, free_all, space, rng, strategy=1)
            state = {"x": best.x.copy(), "valid": best.valid}

            def chi2_p(u):
                x = state["x"].copy()
                x[i_poi] = u
                if not len(rest):
                    return float(evaluate(x))
                fit = fit_point(evaluate, x, rest, space, rng, strategy=1)
                if fit.valid:
                    state["x"] = fit.x.copy()
                state["valid"] &= fit.valid
                return fit.chi2

            u_hat, c_hat = best.x[i_poi], best.chi2
            grid = np.linspace(u_hat, top, BRACKET + 1)[1:]
            u_prev, upper, q_edge = u_hat, None, None
            for u in grid:
                q = max(chi2_p(u) - c_hat, 0.0)
                q_edge = q
                if q >= q_star:
                    upper = brentq(lambda v: max(chi2_p(v) - c_hat, 0.0) - q_star, u_prev, u, xtol=XTOL)
                    break
                u_prev = u
            return upper, u_hat, c_hat, q_edge, state["valid"]
        return work

    results = run_lanes(chi2, [job(k, s) for k, s in enumerate(scan_internal)])
    to_phys = (lambda u: 10.0 ** u) if p_poi.log_scale else (lambda u: u)
    upper = [None if r[0] is None else float(to_phys(r[0])) for r in results]
    return {"scan": axis.name, "values": np.asarray(axis.values, float), "poi": poi, "cl": cl,
            "upper": upper, "best_poi": np.array([to_phys(r[1]) for r in results], float),
            "chi2_hat": np.array([r[2] for r in results], float),
            "q_at_edge": np.array([np.nan if r[3] is None else r[3] for r in results], float),
            "valid": np.array([r[4] for r in results], bool), "threshold": q_star, "log": axis.log,
            "method": "profile likelihood"}


def bayesian_limits(names, samples, weights, params, axis, poi, cl=0.95, min_samples=20):
    """Posterior upper limits on `poi` per slice of `axis.name` from physical samples (n, ndim) with weights;
    None where a slice holds fewer than `min_samples` samples."""
    if axis.name not in names or poi not in names:
        missing = axis.name if axis.name not in names else poi
        raise NsifitError(f"'{missing}' is not a sampled parameter of the run; sampled: {', '.join(names)}")
    if axis.name == poi:
        raise NsifitError(f"the scanned parameter and the parameter of interest must differ (both '{poi}')")
    if not 0 < cl < 1:
        raise NsifitError(f"--cl must be in (0, 1), got {cl}")
    x, y = samples[:, names.index(axis.name)], samples[:, names.index(poi)]
    values = np.asarray(axis.values, float)
    u = np.log10(values) if axis.log else values
    edges = np.concatenate([[u[0] - 0.5 * (u[1] - u[0])], 0.5 * (u[1:] + u[:-1]), [u[-1] + 0.5 * (u[-1] - u[-2])]])
    xu = np.log10(x) if axis.log else x
    slot = np.digitize(xu, edges) - 1
    upper, counts = [], []
    for k in range(len(values)):
        inside = slot == k
        counts.append(int(inside.sum()))
        upper.append(float(weighted_quantile(y[inside], weights[inside], cl)) if inside.sum() >= min_samples
                     and weights[inside].sum() > 0 else None)
    return {"scan": axis.name, "values": values, "poi": poi, "cl": cl, "upper": upper,
            "samples_per_slice": np.array(counts), "log": axis.log, "method": "posterior", "note": PRIOR_NOTE}


def limit_scan(cfg, scan_text, poi, cl=0.95, output=None, seed=0):
    """Profile-likelihood limits of the Config `cfg` along 'NAME:MIN:MAX:N[:log]'; stored in `output`
    (/limits/<scan>-<poi>, nsifit.io.profilefile.write_limit) when given. Returns the result dict."""
    posterior = Posterior(cfg)
    axis = parse_scan(scan_text, posterior)
    threshold(cl)
    if output is None:
        return profile_limits(posterior, axis, poi, cl, seed)
    path = Path(output)
    if path.is_dir():
        raise NsifitError(f"output {path} is a directory; give a file name (e.g. {path / 'limits.h5'})")
    if path.exists():
        open_h5(path).close()        # an unreadable or foreign file: refuse before the fits
    with OutputLock(path):
        remove_stale_temporaries(path)
        stamp = file_stamp(path)
        result = profile_limits(posterior, axis, poi, cl, seed)
        result["name"] = f"{axis.name}-{poi}"
        write_limit(path, result["name"], result, posterior, cfg.yaml(), seed, stamp)
    return result


def run_axis(text, params):
    """'NAME:MIN:MAX:N[:log]' checked against the priors stored in a run file ({name: attrs})."""
    sampled = []
    for name, meta in params.items():
        low, high = float(meta.get("min", -math.inf)), float(meta.get("max", math.inf))
        log = bool(meta["log_scale"])
        sampled.append(SampledParameter(name, str(meta["prior"]), math.log10(low) if log else low,
                                        math.log10(high) if log else high, unit=str(meta["unit"])))
    return parse_scan(text, SimpleNamespace(sampled=sampled))


def posterior_limits(run, scan_text, poi, cl=0.95):
    """bayesian_limits of a loaded run (nsifit.api.Run or WeightedRun: samples() in physical units, with
    'weight' for weighted samples)."""
    if not hasattr(run, "samples"):
        raise NsifitError(f"{run.path}: holds no samples (profile scans only)")
    samples, params, names = run.samples(), run.data.params, run.names
    axis = run_axis(scan_text, {n: params[n] for n in names})
    weights = samples["weight"] if "weight" in samples else np.ones(len(samples[names[0]]))
    values = np.column_stack([samples[n] for n in names])
    return bayesian_limits(names, values, weights, params, axis, poi, cl)
