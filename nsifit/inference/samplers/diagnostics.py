"""Convergence diagnostics of ensemble chains: autocorrelation time, ESS, burn-in, warnings.

tau is the integrated autocorrelation time of the ensemble mean (emcee.autocorr, Goodman & Weare
2010, sect. 3); ESS = (steps - burn-in) x walkers / tau; burn-in = 2 tau (at most half the chain).
Estimates of tau are reliable only for chains longer than ~50 tau (Sokal's window criterion), so
shorter chains carry a warning.
"""

import logging
import math
import warnings

import emcee
import numpy as np

from nsifit.errors import NsifitError

MIN_TAU_MULTIPLE = 50


def estimate_tau(chain):
    """Integrated autocorrelation time per parameter (emcee, quiet: short chains give estimates)."""
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


def diagnostics(chain, accepted, tau_factor=MIN_TAU_MULTIPLE):
    """tau, N/tau, ESS, acceptance and burn-in for a chain (steps, walkers, ndim); warnings as text."""
    steps, nwalkers, _ = chain.shape
    if steps < 2:
        raise NsifitError(f"the chain has {steps} step(s); nothing to analyse")
    tau = estimate_tau(chain)
    tau_max = float(np.max(tau)) if np.all(np.isfinite(tau)) else math.nan
    burn = int(min(2 * tau_max, steps // 2)) if math.isfinite(tau_max) else steps // 2
    acceptance = np.asarray(accepted) / steps
    notes = []
    if not math.isfinite(tau_max) or steps < tau_factor * tau_max:
        notes.append(f"chain shorter than {tau_factor:g} tau ({steps} steps, tau = {tau_max:.1f}): "
                     "tau, ESS and intervals are unreliable; run longer (--resume --steps N, or converge)")
    if np.any(acceptance < 0.05):
        notes.append(f"{int(np.sum(acceptance < 0.05))} walker(s) with acceptance < 5% (stuck walkers?)")
    return {"steps": steps, "walkers": nwalkers, "tau": tau.tolist(), "n_over_tau": (steps / tau).tolist(),
            "ess": ((steps - burn) * nwalkers / tau).tolist(), "burn_in": burn,
            "acceptance": float(np.mean(acceptance)), "acceptance_min": float(np.min(acceptance)),
            "converged": not notes or not notes[0].startswith("chain shorter"), "warnings": notes}


def posterior_samples(run):
    """Flat physical samples after burn-in (2 tau) and the diagnostics used."""
    diag = diagnostics(run.chain, run.accepted)
    flat = run.chain[diag["burn_in"]:].reshape(-1, run.chain.shape[-1])
    return run.physical(flat), diag
