"""Convergence diagnostics of ensemble chains: autocorrelation time, ESS, burn-in, warnings.

tau is the integrated autocorrelation time of the ensemble mean (emcee.autocorr, Goodman & Weare
2010, sect. 3); ESS = (steps - burn-in) x walkers / tau; burn-in = 2 tau (at most half the chain).
Estimates of tau are reliable only for chains longer than ~50 tau (Sokal's window criterion), so
shorter chains carry a warning. A run with an ESS target (`sampler.ess`) is converged when every
sampled parameter has ESS >= the target and the chain is >= tau_factor (50) tau long.

One-line warnings: a chain shorter than 50 tau, walkers with acceptance < 5% (stuck), a marginal
with more than one significant mode (nsifit.inference.marginals), an ESS target not reached.
"""

import logging
import math
import warnings

import numpy as np

from nsifit.errors import NsifitError
from nsifit.inference import marginals
from nsifit.inference.evidence import equal_weight_rows

MIN_TAU_MULTIPLE = 50
STUCK_ACCEPTANCE = 0.05


def estimate_tau(chain):
    """Integrated autocorrelation time per parameter (emcee, quiet: short chains give estimates)."""
    import emcee
    logger = logging.getLogger("emcee.autocorr")      # quiet=True still logs its warning
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return emcee.autocorr.integrated_time(chain, quiet=True)
    except (ValueError, FloatingPointError):
        return np.full(chain.shape[-1], np.nan)
    finally:
        logger.setLevel(level)


def burn_in(steps, tau):
    """2 tau_max, at most half the chain (half the chain when tau is not finite)."""
    tau_max = float(np.max(tau)) if np.all(np.isfinite(tau)) else math.nan
    return int(min(2 * tau_max, steps // 2)) if math.isfinite(tau_max) else steps // 2


def effective_sizes(chain, tau=None):
    """(tau, ESS, burn-in) per parameter for a chain (steps, walkers, ndim)."""
    steps, nwalkers, _ = chain.shape
    tau = estimate_tau(chain) if tau is None else np.asarray(tau)
    burn = burn_in(steps, tau)
    return tau, (steps - burn) * nwalkers / tau, burn


def target_reached(chain, ess_target=None, tau_factor=MIN_TAU_MULTIPLE):
    """(reached, tau, ESS): chain >= tau_factor tau long and, with a target, every ESS >= it."""
    tau, ess, _ = effective_sizes(chain)
    if not np.all(np.isfinite(tau)):
        return False, tau, ess
    long_enough = chain.shape[0] >= tau_factor * float(np.max(tau))
    return bool(long_enough and (ess_target is None or np.min(ess) >= ess_target)), tau, ess


def diagnostics(chain, accepted, tau_factor=MIN_TAU_MULTIPLE, names=None, bounds=None, ess_target=None,
                modes=True, log_scale=None):
    """tau, N/tau, ESS, acceptance, burn-in, modes per parameter for a chain (steps, walkers, ndim).

    names: parameter names (for the warnings); bounds: [(low, high)] prior support in the chain's
    (internal) coordinates, for the mode search; ess_target: the run's `sampler.ess`, if any;
    log_scale: per parameter, True when the chain holds log10 of it (warnings quote physical values).
    modes=False skips the mode search (it costs ~0.1 s per parameter on long chains).
    Returns a dict with 'warnings' (one line each) and 'converged'.
    """
    steps, nwalkers, ndim = chain.shape
    if steps < 2:
        raise NsifitError(f"the chain has {steps} step(s); nothing to analyse")
    names = list(names) if names is not None else [f"x{i}" for i in range(ndim)]
    tau, ess, burn = effective_sizes(chain)
    tau_max = float(np.max(tau)) if np.all(np.isfinite(tau)) else math.nan
    acceptance = np.asarray(accepted) / steps
    notes = []
    short = not math.isfinite(tau_max) or steps < tau_factor * tau_max
    if short:
        notes.append(f"chain shorter than {tau_factor:g} tau ({steps} steps, tau = {tau_max:.1f}): "
                     "tau, ESS and intervals are unreliable; run longer (--resume --steps N, or --ess N)")
    stuck = int(np.sum(acceptance < STUCK_ACCEPTANCE))
    if stuck:
        notes.append(f"{stuck} of {nwalkers} walker(s) with acceptance < {STUCK_ACCEPTANCE:.0%} "
                     f"(stuck walkers?; lowest {np.min(acceptance):.3f})")
    missed = ess_target is not None and not (np.all(np.isfinite(ess)) and np.min(ess) >= ess_target)
    if missed:
        worst = int(np.nanargmin(ess)) if np.any(np.isfinite(ess)) else 0
        notes.append(f"ESS target {ess_target:g} not reached (ESS {ess[worst]:.0f} for {names[worst]} after "
                     f"{steps} steps): raise max_steps and --resume")
    found = [None] * ndim
    if modes:
        flat = chain[burn:].reshape(-1, ndim)
        for i in range(ndim):
            low, high = bounds[i] if bounds is not None else (-math.inf, math.inf)
            size = ess[i] if math.isfinite(ess[i]) else len(flat)
            found[i] = marginals.modes(flat[:, i], size, low, high)
            if len(found[i]) > 1:
                log = log_scale is not None and log_scale[i]
                where = ", ".join(f"{10.0 ** loc if log else loc:.3g} ({mass:.0%})" for loc, mass in found[i])
                notes.append(f"{names[i]}: multimodal marginal, modes at {where}: intervals are highest-density "
                             "regions; check that walkers move between the modes (more walkers or steps)")
    return {"steps": steps, "walkers": nwalkers, "tau": tau.tolist(), "n_over_tau": (steps / tau).tolist(),
            "ess": ess.tolist(), "burn_in": burn, "ess_target": ess_target, "tau_factor": tau_factor,
            "acceptance": float(np.mean(acceptance)), "acceptance_min": float(np.min(acceptance)),
            "modes": found, "converged": not short and not missed, "warnings": notes}


def run_targets(run):
    """(ess target or None, tau_factor) stored with a run (its config's sampler section)."""
    import yaml
    sampler = (yaml.safe_load(str(run.attrs.get("config_yaml", ""))) or {}).get("sampler", {}) or {}
    return sampler.get("ess"), float(sampler.get("tau_factor", MIN_TAU_MULTIPLE))


def run_diagnostics(run, modes=True):
    """diagnostics() of a RunData with its names, prior bounds (chain coordinates) and targets."""
    ess_target, tau_factor = run_targets(run)
    return diagnostics(run.chain, run.accepted, tau_factor, run.names, prior_bounds(run), ess_target, modes,
                       [bool(run.params[n]["log_scale"]) for n in run.names])


def prior_bounds(run):
    """[(low, high)] of each sampled parameter in chain coordinates (log10 for log-uniform)."""
    out = []
    for name in run.names:
        meta = run.params[name]
        low, high = float(meta.get("min", -math.inf)), float(meta.get("max", math.inf))
        if meta["log_scale"]:
            low, high = math.log10(low), math.log10(high)
        out.append((low, high))
    return out


def posterior_samples(run):
    """Flat physical samples after burn-in (2 tau) and the diagnostics used (a nested run: resampled
    to equal weight, no burn-in)."""
    if hasattr(run, "log_weights"):
        return run.physical(run.samples[equal_weight_rows(run)]), {"burn_in": 0}
    diag = run_diagnostics(run, modes=False)
    flat = run.chain[diag["burn_in"]:].reshape(-1, run.chain.shape[-1])
    return run.physical(flat), diag
