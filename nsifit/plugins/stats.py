"""Shared constructions that turn published results into log-likelihoods.

Convention: log L = -chi^2/2 with the constant dropped, so log L = 0 at the best fit
of each construction and Delta chi^2 = -2 Delta log L.
"""

import math
from statistics import NormalDist

import numpy as np

POISSON_ZERO_S90 = -math.log(0.10)              # 2.3026: Poisson mean with P(0 events) = 10%
ONE_SIDED_Z90 = 1.2815515655446004               # Phi^-1(0.90): one-sided 90% Gaussian quantile


def gaussian(x, mean, sigma):
    """Gaussian measurement: log L = -(x - mean)^2 / (2 sigma^2)."""
    return -0.5 * ((np.asarray(x) - mean) / sigma) ** 2


def poisson_zero_count(rate_over_limit):
    """90% CL upper limit read as a Poisson count with zero observed events.

    The signal is s = 2.30 * (rate / rate at the limit) and log L = ln P(0 | s) = -s,
    so log L = -2.30 on the limit (Delta chi^2 = 4.61) and 0 without signal.
    """
    return -POISSON_ZERO_S90 * np.asarray(rate_over_limit)


def one_sided_gaussian(rate_over_limit, confidence_level=0.90):
    """An upper limit read as a Gaussian in the signal rate s with best fit s = 0.

    At 90% CL s_90 = 1.2816 sigma_s, so log L = -(1.2816 * rate/limit)^2 / 2: Delta chi^2 = 1.64
    on the limit. Another `confidence_level` (one-sided, e.g. 0.95: z = 1.645) uses its own
    quantile, so that the limit means the same sigma_s. Negative rates are not physical here and
    count as zero signal.
    """
    z = ONE_SIDED_Z90 if confidence_level == 0.90 else NormalDist().inv_cdf(confidence_level)
    ratio = np.maximum(np.asarray(rate_over_limit), 0.0)
    return -0.5 * (z * ratio) ** 2


def window(x, low, high, edge_fraction=0.125):
    """An interval [low, high] quoted at 2 sigma, with smooth edges.

    Flat (log L = 0) on [low + 2 w, high - 2 w] and half-Gaussian of width
    w = edge_fraction * (high - low) outside it, so Delta chi^2 = 4 exactly at low
    and high and the likelihood is continuous with a continuous derivative.
    """
    x = np.asarray(x, dtype=float)
    width = edge_fraction * (high - low)
    core_low, core_high = low + 2 * width, high - 2 * width
    distance = np.where(x < core_low, core_low - x, np.where(x > core_high, x - core_high, 0.0))
    return -0.5 * (distance / width) ** 2


def lower_bound(x, bound, width):
    """A quantity known to lie above `bound` at 2 sigma (one edge of `window`).

    Flat (log L = 0) for x >= bound + 2 w and half-Gaussian of width w below it, so
    Delta chi^2 = 4 exactly at `bound`, 1 at bound + w, 9 at bound - w; continuous with
    a continuous derivative. For bounds on a scale quantity pass logarithms (then w is
    a relative width).
    """
    distance = np.maximum(bound + 2.0 * width - np.asarray(x, dtype=float), 0.0)
    return 0.0 - 0.5 * (distance / width) ** 2      # 0.0 - ...: +0.0 (not -0.0) when allowed


def upper_bound(x, bound, width):
    """A quantity known to lie below `bound` at 2 sigma: `lower_bound` mirrored."""
    return lower_bound(-np.asarray(x, dtype=float), -bound, width)
