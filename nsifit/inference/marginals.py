"""One-dimensional marginals of a chain: smoothed density, significant modes, highest-density intervals.

Use this to ask whether a marginal has more than one peak and to quote its credible regions
without assuming it has one. Everything works on the sampled (internal) coordinate: log10 of
the value for log-uniform priors, where the prior is flat, so densities and highest-density
intervals refer to that coordinate (an HDI is not invariant under a change of variable).

Density: a histogram of the samples on a fine grid smoothed with a Gaussian kernel of width
h = 0.9 min(sd, IQR/1.34) ESS^(-1/5) (Silverman's rule, B. W. Silverman, Density Estimation,
1986, eq. 3.31, with the effective sample size instead of the number of correlated samples),
reflected at a prior edge that the samples reach (no artificial drop there).

Modes: local maxima of the density. Two neighbouring maxima are separate modes when the
valley between them is both deep and significant: v < DIP_RATIO * p (p the lower of the two
peaks) and p - v > DIP_SIGMAS * sqrt(s_p^2 + s_v^2), with the kernel estimate's standard
deviation s_f = sqrt(f R(K) / (ESS h)), R(K) = 1/(2 sqrt(pi)) (Silverman eq. 3.20); otherwise
the lower peak is merged into its neighbour. A mode also needs >= MIN_MODE_MASS of the
samples. Checked on unimodal (Gaussian, skewed, flat, piled at an edge, heavy tails,
autocorrelated) and bimodal samples in tests/test_marginals.py.

Highest-density intervals (HDI): for a unimodal marginal the shortest interval holding the
fraction `cl` of the samples; for a multimodal one the super-level set {f >= t} of the density
with mass `cl`, i.e. disjoint intervals when the posterior has separated modes.
"""

import math

import numpy as np

DIP_RATIO = 0.7          # valley below 70% of the lower peak ...
DIP_SIGMAS = 4.0         # ... and 4 standard deviations of the estimate below it
MIN_MODE_MASS = 0.01     # a mode holds at least 1% of the samples
GRID_PER_BANDWIDTH = 4   # histogram bins per kernel width
MAX_BINS = 4000
TAIL = 1e-3              # the grid spans the 0.1%-99.9% quantiles (plus 3 h; to a prior edge it reaches)
R_GAUSS = 1.0 / (2.0 * math.sqrt(math.pi))


def bandwidth(x, ess):
    """Silverman's rule h = 0.9 min(sd, IQR/1.34) ESS^(-1/5), on the internal coordinate."""
    x = np.asarray(x, float)
    q25, q75 = np.percentile(x, [25, 75])
    spread = min(np.std(x), (q75 - q25) / 1.34) or np.std(x)
    return 0.9 * spread * max(float(ess), 2.0) ** -0.2


def density(x, ess, low=-math.inf, high=math.inf):
    """(grid, density, standard deviation of the estimate, h) of the samples x (1D).

    The grid spans the samples' 0.1%-99.9% quantiles plus 3 h (up to a prior edge that the
    samples reach); the density is normalised to the samples inside it.
    """
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    h = bandwidth(x, ess)
    lo, hi = (float(v) for v in np.percentile(x, [100 * TAIL, 100 * (1 - TAIL)]))  # heavy tails: no huge grid
    if not h > 0 or hi <= lo:
        return np.array([lo]), np.array([np.inf]), np.array([0.0]), 0.0
    reflect_lo = np.isfinite(low) and lo - low < h         # the samples reach a prior edge
    reflect_hi = np.isfinite(high) and high - hi < h
    start = low if reflect_lo else lo - 3 * h
    stop = high if reflect_hi else hi + 3 * h
    bins = int(min(MAX_BINS, max(50, math.ceil((stop - start) / h * GRID_PER_BANDWIDTH))))
    counts, edges = np.histogram(x, bins=bins, range=(start, stop))
    width = edges[1] - edges[0]
    sigma_bins = h / width
    half = int(math.ceil(4 * sigma_bins))
    kernel = np.exp(-0.5 * (np.arange(-half, half + 1) / sigma_bins) ** 2)
    kernel /= kernel.sum()
    padded = np.pad(counts.astype(float), (half, 0), mode="symmetric" if reflect_lo else "constant")
    padded = np.pad(padded, (0, half), mode="symmetric" if reflect_hi else "constant")
    smooth = np.convolve(padded, kernel, mode="valid")
    f = smooth / (counts.sum() * width)
    sd = np.sqrt(f * R_GAUSS / (max(float(ess), 1.0) * h))
    return 0.5 * (edges[1:] + edges[:-1]), f, sd, h


def _extrema(f):
    """Indices of the local maxima and minima of f (plateaus counted once)."""
    d = np.sign(np.diff(f))
    for i in range(1, len(d)):          # a plateau takes the slope before it
        if d[i] == 0:
            d[i] = d[i - 1]
    maxima = [0] if len(d) and d[0] < 0 else []
    maxima += [i + 1 for i in range(len(d) - 1) if d[i] > 0 and d[i + 1] < 0]
    if len(d) and d[-1] > 0:
        maxima.append(len(f) - 1)
    return maxima


def modes(x, ess, low=-math.inf, high=math.inf):
    """Significant modes of the marginal: list of (location, mass), ordered by location."""
    grid, f, sd, _ = density(x, ess, low, high)
    if len(grid) < 3:
        return [(float(grid[0]), 1.0)]
    peaks = _extrema(f)
    merged = True
    while merged and len(peaks) > 1:
        merged = False
        # the least significant dip between neighbouring peaks goes first
        scores = []
        for a, b in zip(peaks[:-1], peaks[1:]):
            v = a + int(np.argmin(f[a:b + 1]))
            p = a if f[a] < f[b] else b
            depth = f[p] - f[v]
            noise = math.sqrt(sd[p] ** 2 + sd[v] ** 2)
            significant = f[v] < DIP_RATIO * f[p] and depth > DIP_SIGMAS * noise
            scores.append((significant, depth / noise if noise > 0 else math.inf, p))
        weakest = min(range(len(scores)), key=lambda i: (scores[i][0], scores[i][1]))
        if not scores[weakest][0]:
            peaks.remove(scores[weakest][2])
            merged = True
    masses = _basin_masses(f, peaks)
    keep = [p for p, m in zip(peaks, masses) if m >= MIN_MODE_MASS] or [peaks[int(np.argmax(masses))]]
    masses = _basin_masses(f, keep)
    return [(float(grid[p]), float(m)) for p, m in zip(keep, masses)]


def _basin_masses(f, peaks):
    """Fraction of the density between the valleys that separate the peaks."""
    cuts = [0] + [a + int(np.argmin(f[a:b + 1])) for a, b in zip(peaks[:-1], peaks[1:])] + [len(f)]
    total = f.sum()
    return [float(f[lo:hi].sum() / total) for lo, hi in zip(cuts[:-1], cuts[1:])]


def is_multimodal(x, ess, low=-math.inf, high=math.inf):
    return len(modes(x, ess, low, high)) > 1


def shortest_interval(x, cl):
    """The shortest interval holding the fraction cl of the samples (the HDI of a unimodal marginal)."""
    s = np.sort(np.asarray(x, float))
    k = max(1, int(math.ceil(cl * len(s))))
    if k >= len(s):
        return [float(s[0]), float(s[-1])]
    widths = s[k - 1:] - s[:len(s) - k + 1]
    i = int(np.argmin(widths))
    return [float(s[i]), float(s[i + k - 1])]


def hdi(x, ess, cl, low=-math.inf, high=math.inf, multimodal=None):
    """Highest-density region holding `cl`: a list of [lo, hi] intervals (one when unimodal)."""
    x = np.asarray(x, float)
    if multimodal is None:
        multimodal = is_multimodal(x, ess, low, high)
    if not multimodal:
        return [shortest_interval(x, cl)]
    grid, f, _, h = density(x, ess, low, high)
    order = np.argsort(f)[::-1]
    mass = np.cumsum(f[order]) / f.sum()
    threshold = f[order[min(int(np.searchsorted(mass, cl)), len(order) - 1)]]
    inside = f >= threshold
    step = grid[1] - grid[0]
    intervals = []
    start = None
    for i, flag in enumerate(inside):
        if flag and start is None:
            start = i
        if start is not None and (not flag or i == len(inside) - 1):
            stop = i if flag else i - 1
            intervals.append([float(grid[start] - 0.5 * step), float(grid[stop] + 0.5 * step)])
            start = None
    merged = [intervals[0]]                 # gaps narrower than the kernel are not resolved
    for lo, hi in intervals[1:]:
        if lo - merged[-1][1] < h:
            merged[-1][1] = hi
        else:
            merged.append([lo, hi])
    return [[max(lo, low), min(hi, high)] for lo, hi in merged]
