"""Detector responses for CEvNS: recoil energy T -> probability to be counted.

Each builder takes the numbers of a dataset (data/cevns_coherent/*.yaml, where their
sources are) and returns response(T [MeV]) -> array, evaluated once when a likelihood
is set up.

CsI[Na] (COHERENT): electron-equivalent energy from a quenching model, mean number of
photo-electrons mu = light yield x E_ee, and the published efficiency as a function of
the observed PE x, response = int_ROI dx eff(x) p(x | mu), with p either
- "poisson": integer PE counts, Pois(k | mu) (photo-electron statistics only; 2017), or
- "gamma": the 2021 data release's resolution, a gamma distribution of mean mu and
  shape k = 1 + b E_ee[keVee] (variance mu^2 / k, broader than Poisson).
LAr (CENNS-10): E_ee = QF(T) T, Gaussian resolution sigma = c sqrt(E_ee) keVee, and the
published acceptance in reconstructed keVee: response = int dE acc(E) N(E | E_ee, sigma).
"""

import numpy as np
from scipy.stats import gamma, norm, poisson

KEV_PER_MEV = 1.0e3


# --- quenching: T [keVnr] -> E_ee [keVee] ----------------------------------------------------
def quenching_constant(qf):
    """E_ee = qf T (COHERENT 2017: qf = 0.0878, energy independent)."""
    return lambda t_kevnr: qf * np.asarray(t_kevnr, float)


def quenching_polynomial_mev(coefficients):
    """E_ee[MeV] = sum_k c_k x^(k+1), x = T [MeV] (COHERENT 2021 data release, 4th order)."""
    def e_ee_kevee(t_kevnr):
        x = np.asarray(t_kevnr, float) / KEV_PER_MEV
        return KEV_PER_MEV * sum(c * x ** (k + 1) for k, c in enumerate(coefficients))
    return e_ee_kevee


def quenching_linear_qf(qf0, qf_slope_per_kevnr):
    """E_ee = (qf0 + slope T) T with T in keVnr (CENNS-10: 0.246 + 0.00078 T)."""
    return lambda t_kevnr: (qf0 + qf_slope_per_kevnr * np.asarray(t_kevnr, float)) * np.asarray(t_kevnr, float)


QUENCHING = {"constant": quenching_constant, "polynomial_mev": quenching_polynomial_mev,
             "linear_qf": quenching_linear_qf}


# --- CsI efficiencies in observed photo-electrons ----------------------------------------------
def efficiency_csi_2017(a, k, x0, zero_below_pe, half_below_pe):
    """eff = a / (1 + exp(-k (PE - x0))), 0 below `zero_below_pe`, halved below `half_below_pe`."""
    def eff(pe):
        pe = np.asarray(pe, float)
        value = a / (1.0 + np.exp(-k * (pe - x0)))
        value = np.where(pe < half_below_pe, 0.5 * value, value)
        return np.where(pe < zero_below_pe, 0.0, value)
    return eff


def efficiency_csi_2021(a, b, c, d):
    """eff = a / (1 + exp(-b (PE - c))) + d, set to 0 where negative (COHERENT 2021 release)."""
    return lambda pe: np.clip(a / (1.0 + np.exp(-b * (np.asarray(pe, float) - c))) + d, 0.0, None)


EFFICIENCY = {"logistic_2017": efficiency_csi_2017, "logistic_2021": efficiency_csi_2021}


def _model(table, spec, what):
    spec = dict(spec)
    name = spec.pop("model", None)
    if name not in table:
        raise ValueError(f"unknown {what} model '{name}'; valid: {', '.join(sorted(table))}")
    return table[name](**spec)


def smearing_poisson():
    """Observed PE k = 0, 1, ... ~ Poisson(mu): (points x_j, probabilities P(x_j | mu, E_ee))."""
    def probabilities(mean_pe, e_ee_kevee, roi_pe):
        k = np.arange(int(roi_pe[0]), int(roi_pe[1]) + 1)
        return k, poisson.pmf(k[None, :], mean_pe[:, None])
    return probabilities


def smearing_gamma(shape_b_per_kevee, step_pe=0.05):
    """Observed PE x ~ Gamma(shape 1 + b E_ee, mean mu), the resolution of the COHERENT 2021
    CsI data release, P(x | E) = (a(1+bE)/E)^(1+bE) / Gamma(1+bE) x^(bE) exp(-a(1+bE) x/E)
    with mean E/a = mu: bin probabilities on a grid of `step_pe`, points at the bin centres."""
    def probabilities(mean_pe, e_ee_kevee, roi_pe):
        edges = np.arange(roi_pe[0], roi_pe[1] + 0.5 * step_pe, step_pe)
        shape = 1.0 + shape_b_per_kevee * e_ee_kevee
        cdf = gamma.cdf(edges[None, :], shape[:, None], scale=(np.maximum(mean_pe, 1e-12) / shape)[:, None])
        return 0.5 * (edges[1:] + edges[:-1]), np.diff(cdf, axis=1)
    return probabilities


SMEARING = {"poisson": smearing_poisson, "gamma": smearing_gamma}


def csi_pe_response(quenching, light_yield_pe_per_kevee, efficiency, roi_pe, smearing=None):
    """response(T [MeV]) = sum_j eff(x_j) P(x_j | LY E_ee(T)) over the ROI (default Poisson)."""
    to_kevee = _model(QUENCHING, quenching, "quenching")
    eff = _model(EFFICIENCY, efficiency, "efficiency")
    probabilities = _model(SMEARING, smearing or {"model": "poisson"}, "smearing")

    def response(t_mev):
        e_ee = np.maximum(to_kevee(np.asarray(t_mev) * KEV_PER_MEV), 0.0)
        x, prob = probabilities(light_yield_pe_per_kevee * e_ee, e_ee, roi_pe)
        return prob @ eff(x)
    return response


# --- time efficiency (arrival time t [us] after the protons' trigger) --------------------------
def time_efficiency_exponential_tail(flat_until_us, decay_per_us):
    """eff(t) = 1 for t < a, exp(-b (t - a)) after (COHERENT 2021 CsI data release)."""
    return lambda t_us: np.exp(-decay_per_us * np.maximum(np.asarray(t_us, float) - flat_until_us, 0.0))


TIME_EFFICIENCY = {"exponential_tail": time_efficiency_exponential_tail}


def build_time_efficiency(spec):
    """A time-efficiency function eff(t [us]) from a dataset's `timing: efficiency` mapping."""
    return _model(TIME_EFFICIENCY, spec, "time efficiency")


def lar_kevee_response(quenching, acceptance_kevee, acceptance, resolution_coefficient,
                       roi_kevee_max, step_kevee=0.05):
    """response(T [MeV]) = int_0^roi dE acc(E) Gauss(E | E_ee(T), c sqrt(E_ee(T))).

    acc(E) interpolates linearly between the published bin centres and is 0 above
    `roi_kevee_max` (end of the last published bin).
    """
    to_kevee = _model(QUENCHING, quenching, "quenching")
    e_rec = np.arange(0.5 * step_kevee, roi_kevee_max, step_kevee)
    acc = np.interp(e_rec, acceptance_kevee, acceptance, left=0.0, right=acceptance[-1])

    def response(t_mev):
        e_ee = np.maximum(to_kevee(np.asarray(t_mev) * KEV_PER_MEV), 1e-9)
        sigma = resolution_coefficient * np.sqrt(e_ee)
        edges = np.append(e_rec - 0.5 * step_kevee, e_rec[-1] + 0.5 * step_kevee)
        cdf = norm.cdf((edges[None, :] - e_ee[:, None]) / sigma[:, None])
        return np.diff(cdf, axis=1) @ acc
    return response


RESPONSES = {"csi_pe": csi_pe_response, "lar_kevee": lar_kevee_response}


def build_response(spec):
    """A response function from a dataset's `response` mapping (field `kind` selects it)."""
    spec = dict(spec)
    kind = spec.pop("kind", None)
    if kind not in RESPONSES:
        raise ValueError(f"unknown detector response kind '{kind}'; valid: {', '.join(sorted(RESPONSES))}")
    return RESPONSES[kind](**spec)
