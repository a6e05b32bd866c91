"""Coherent elastic neutrino-nucleus scattering (CEvNS) at a pion-decay-at-rest source.

Pure physics, vectorized over parameter points; the detector responses are in
`cevns_detector`, the data in data/cevns_coherent/.

Source (pi-DAR, e.g. COHERENT, Science 357 (2017) 1123, arXiv:1708.01294, its Fig. 1):
pi+ -> mu+ nu_mu gives the prompt nu_mu line at E = (m_pi^2 - m_mu^2)/(2 m_pi) = 29.8 MeV;
mu+ -> e+ nu_e anti-nu_mu gives the delayed Michel spectra (x = E/m_mu, 0 <= x <= 1/2)
    f_nue(E) = (192/m_mu) x^2 (1/2 - x),   f_numubar(E) = (64/m_mu) x^2 (3/4 - x),
each normalised to one neutrino; r neutrinos per flavour per proton on target (POT).
Arrival times (for datasets with a time window): protons at t_p, pi+ decays after an
exponential time (tau_pi), the prompt nu_mu with it; the mu+ decays after a second one
(tau_mu), so the delayed pdf is (e^(-s/tau_mu) - e^(-s/tau_pi)) / (tau_mu - tau_pi),
s = t - t_p. A dataset's time window and efficiency weight each flux component by
int dt pdf(t) eff(t) over the window (`arrival_time_weights`).

Cross section (Freedman 1974; COHERENT 2017, eq. 1 of its supplement) for a spin-0
nucleus of mass M and recoil energy T, in the normalisation of Bernal and Farzan eq. 33:
    dsigma/dT = (G_F^2 M / pi) Q^2 F^2(q) (1 - T/E - M T / (2 E^2)),
    Q_SM = Z g_p^V + N g_n^V,  g_p^V = 1/2 - 2 sin^2 theta_W,  g_n^V = -1/2
(so Q_W = -2 Q_SM; sin^2 theta_W at low energy from nsifit.constants). The -T/E term
(O(1e-3)) makes the bracket vanish exactly at the kinematic endpoint.

Z' (global-fit NSI convention, DESIGN.md sect. 2): for an incoming nu_alpha the
coherent amplitude to nu_beta is Q_ab(T) = Q_SM delta_ab + (Z eps^p_ab(T) + N eps^n_ab(T))
with eps^f_ab(T) = g_nu_ab g_f / (sqrt2 G_F (m^2 + 2 M T)) (q^2 = -2 M T), computed from
the couplings, so the rate of flavour alpha goes as sum_beta |Q_ab(T)|^2 (off-diagonal
NSI included). Anti-neutrinos see Q^dagger, the same for the Hermitian g_nu.
Writing Q_ab = Q_SM delta_ab + A_ab P(T), A = contact-limit NSI charge and
P = m^2/(m^2 + 2 M T):
    sum_b |Q_ab|^2 = Q_SM^2 + 2 Q_SM Re A_aa P + (A A^dagger)_aa P^2,
so a count is three fixed spectral moments per (isotope, flavour) weighted by 1, P, P^2.
"""

import math
from dataclasses import dataclass

import numpy as np
from scipy.interpolate import CubicSpline
from scipy.special import spherical_jn

from ..constants import (
    ATOMIC_MASS_UNIT_MEV,
    G_F_MEV2,
    HBARC2_MEV2_CM2,
    HBARC_MEV_FM,
    M_E_MEV,
    M_MU_MEV,
    M_PI_CHARGED_MEV,
    SIN2_THETA_W_LOW,
)
from . import nsi

AVOGADRO = 6.02214076e23                 # mol^-1, exact (SI 2019)
E_NU_MU_PROMPT_MEV = (M_PI_CHARGED_MEV ** 2 - M_MU_MEV ** 2) / (2.0 * M_PI_CHARGED_MEV)  # 29.79
E_NU_MAX_MEV = M_MU_MEV / 2.0            # Michel endpoint, 52.83 MeV
G_P_V_SM = 0.5 - 2.0 * SIN2_THETA_W_LOW  # proton vector coupling to the Z (tree level)
G_N_V_SM = -0.5

# Helm form factor, Lewin & Smith, Astropart. Phys. 6 (1996) 87, sect. 4.4 (eq. 4.11):
# R0^2 = c^2 + (7/3) pi^2 a^2 - 5 s^2, c = 1.23 A^(1/3) - 0.60 fm, a = 0.52 fm, s = 0.9 fm.
HELM_SKIN_FM = 0.9
HELM_A_FM = 0.52

# Lifetimes, PDG 2024 (Navas et al., Phys. Rev. D 110 (2024) 030001): tau(pi+-) = 2.6033e-8 s,
# tau(mu) = 2.1969811e-6 s.
TAU_PI_US = 0.026033
TAU_MU_US = 2.1969811

# Flux components at a pi-DAR source: (name, neutrino flavour index 0=e 1=mu 2=tau)
FLUX_COMPONENTS = (("nu_mu_prompt", 1), ("nu_e", 0), ("nu_mubar", 1))


@dataclass(frozen=True)
class Isotope:
    """A target nucleus: Z, N and the atomic mass [u] (AME2020: Wang et al.,
    Chinese Phys. C 45 (2021) 030003). Nuclear mass = atomic - Z m_e (binding of
    the electrons, < 0.3 MeV, neglected)."""

    name: str
    z: int
    n: int
    atomic_mass_u: float

    @property
    def a(self):
        return self.z + self.n

    @property
    def mass_mev(self):
        return self.atomic_mass_u * ATOMIC_MASS_UNIT_MEV - self.z * M_E_MEV

    @property
    def q_sm(self):
        """SM weak charge Z g_p^V + N g_n^V (Bernal and Farzan eq. 33 at eps = 0)."""
        return self.z * G_P_V_SM + self.n * G_N_V_SM


ISOTOPES = {
    "Cs133": Isotope("Cs133", 55, 78, 132.905451961),   # AME2020
    "I127": Isotope("I127", 53, 74, 126.904471),        # AME2020 (126.9044719)
    "Ar40": Isotope("Ar40", 18, 22, 39.9623831237),     # AME2020
}


# --- neutrino source -----------------------------------------------------------------------
def michel_nue_pdf(e_mev):
    """Delayed nu_e spectrum from mu+ decay at rest [1/MeV], normalised to 1."""
    x = np.asarray(e_mev, float) / M_MU_MEV
    return np.where((x >= 0) & (x <= 0.5), 192.0 / M_MU_MEV * x ** 2 * (0.5 - x), 0.0)


def michel_numubar_pdf(e_mev):
    """Delayed anti-nu_mu spectrum from mu+ decay at rest [1/MeV], normalised to 1."""
    x = np.asarray(e_mev, float) / M_MU_MEV
    return np.where((x >= 0) & (x <= 0.5), 64.0 / M_MU_MEV * x ** 2 * (0.75 - x), 0.0)


# E-polynomial coefficients {power: c} of the two Michel spectra (same functions as above)
_MICHEL_POLY = {"nu_e": {2: 96.0 / M_MU_MEV ** 3, 3: -192.0 / M_MU_MEV ** 4},
                "nu_mubar": {2: 48.0 / M_MU_MEV ** 3, 3: -64.0 / M_MU_MEV ** 4}}


def arrival_time_pdf_per_us(component, t_us, proton_time_us=0.0):
    """Arrival-time pdf [1/us] of a flux component for protons on target at `proton_time_us`."""
    s = np.asarray(t_us, float) - proton_time_us
    late = np.maximum(s, 0.0)
    if component == "nu_mu_prompt":
        pdf = np.exp(-late / TAU_PI_US) / TAU_PI_US
    else:
        pdf = (np.exp(-late / TAU_MU_US) - np.exp(-late / TAU_PI_US)) / (TAU_MU_US - TAU_PI_US)
    return np.where(s >= 0.0, pdf, 0.0)


def arrival_time_weights(time_efficiency, window_us, proton_time_us=0.0, step_us=1.0e-4):
    """{component: int_window dt pdf(t) eff(t)} for the FLUX_COMPONENTS (midpoint rule on a
    grid of `step_us`, fine against tau_pi = 0.026 us)."""
    n = int(math.ceil((window_us[1] - window_us[0]) / step_us))
    t = window_us[0] + (np.arange(n) + 0.5) * (window_us[1] - window_us[0]) / n
    eff = time_efficiency(t) * (window_us[1] - window_us[0]) / n
    return {c: float(arrival_time_pdf_per_us(c, t, proton_time_us) @ eff) for c, _ in FLUX_COMPONENTS}


def fluence_per_flavour_cm2(nu_per_flavour_per_pot, pot, distance_m):
    """Time-integrated flux of each flavour at the detector: r POT / (4 pi L^2) [cm^-2]."""
    return nu_per_flavour_per_pot * pot / (4.0 * math.pi * (100.0 * distance_m) ** 2)


# --- kinematics and nuclear physics ----------------------------------------------------------
def recoil_max_mev(e_nu_mev, mass_mev):
    """Largest nuclear recoil energy: T_max = 2 E^2 / (M + 2 E)."""
    e = np.asarray(e_nu_mev, float)
    return 2.0 * e ** 2 / (mass_mev + 2.0 * e)


def e_nu_min_mev(t_mev, mass_mev):
    """Smallest neutrino energy giving recoil T: (T + sqrt(T^2 + 2 M T)) / 2."""
    t = np.asarray(t_mev, float)
    return 0.5 * (t + np.sqrt(t * t + 2.0 * mass_mev * t))


def kinematic_factor(e_nu_mev, t_mev, mass_mev):
    """1 - T/E - M T / (2 E^2), set to 0 beyond the endpoint."""
    e, t = np.asarray(e_nu_mev, float), np.asarray(t_mev, float)
    return np.clip(1.0 - t / e - mass_mev * t / (2.0 * e * e), 0.0, None)


def helm_form_factor(q_mev, mass_number):
    """Helm F(q) = 3 j1(q R0)/(q R0) exp(-q^2 s^2/2), Lewin & Smith (1996) eq. 4.7, 4.11."""
    c_fm = 1.23 * mass_number ** (1.0 / 3.0) - 0.60
    r0_fm = math.sqrt(c_fm ** 2 + 7.0 / 3.0 * math.pi ** 2 * HELM_A_FM ** 2 - 5.0 * HELM_SKIN_FM ** 2)
    q_fm = np.asarray(q_mev, float) / HBARC_MEV_FM
    x = np.maximum(q_fm * r0_fm, 1e-8)
    return 3.0 * spherical_jn(1, x) / x * np.exp(-0.5 * (q_fm * HELM_SKIN_FM) ** 2)


def momentum_transfer_mev(t_mev, mass_mev):
    """|q| = sqrt(2 M T + T^2) for a nucleus at rest recoiling with kinetic energy T."""
    t = np.asarray(t_mev, float)
    return np.sqrt(2.0 * mass_mev * t + t * t)


def dsigma_dt_cm2_per_mev(e_nu_mev, t_mev, isotope, charge_squared=None):
    """dsigma/dT [cm^2/MeV] = G_F^2 M/pi Q^2 F^2 (1 - T/E - MT/2E^2); Q^2 defaults to Q_SM^2."""
    q2 = isotope.q_sm ** 2 if charge_squared is None else charge_squared
    m = isotope.mass_mev
    ff = helm_form_factor(momentum_transfer_mev(t_mev, m), isotope.a)
    return (G_F_MEV2 ** 2 * m / math.pi * HBARC2_MEV2_CM2 * q2 * ff ** 2
            * kinematic_factor(e_nu_mev, t_mev, m))


def spectrum_folded_kinematics(component, t_mev, mass_mev):
    """int dE f(E) (1 - T/E - M T/(2E^2)) over E >= E_min(T) [dimensionless], analytic.

    `component` is one of FLUX_COMPONENTS: the prompt line gives the bracket at
    E = 29.8 MeV; a Michel spectrum sum_k c_k E^k integrates term by term.
    """
    t = np.asarray(t_mev, float)
    if component == "nu_mu_prompt":
        return kinematic_factor(E_NU_MU_PROMPT_MEV, t, mass_mev)
    e_lo = np.minimum(e_nu_min_mev(t, mass_mev), E_NU_MAX_MEV)

    def antiderivative(e):
        return sum(c * (e ** (k + 1) / (k + 1) - t * e ** k / k - 0.5 * mass_mev * t * e ** (k - 1) / (k - 1))
                   for k, c in _MICHEL_POLY[component].items())
    return antiderivative(E_NU_MAX_MEV) - antiderivative(e_lo)


# --- weak charges ----------------------------------------------------------------------------
def nsi_charge_contact(g_nu, g_p, g_n, m_zp_mev, isotope):
    """A_ab = Z eps^p_ab + N eps^n_ab in the contact limit (q^2 = 0), shape (n, 3, 3).

    eps from nsi.nsi_matrix (global-fit convention); the recoil dependence is the
    separate factor P(T) = m^2 / (m^2 + 2 M T).
    """
    return (isotope.z * nsi.nsi_matrix(g_nu, g_p, m_zp_mev)
            + isotope.n * nsi.nsi_matrix(g_nu, g_n, m_zp_mev))


def recoil_propagator(m_zp_mev, t_mev, mass_mev):
    """P(T) = m^2 / (m^2 + 2 M T) for each point and recoil: shape (n, n_T)."""
    m = np.asarray(m_zp_mev, float)[:, None]
    return nsi.propagator_factor(m, -2.0 * mass_mev * np.asarray(t_mev, float)[None, :])


def flavour_charge_squared(q_sm, nsi_contact, propagator):
    """sum_beta |Q_SM delta_ab + A_ab P(T)|^2 for each incoming flavour a: (n, 3, n_T).

    Direct evaluation of the general flavour sum (the fast route in `CevnsKernel`
    uses its expansion in moments of P).
    """
    amp = nsi_contact[:, :, :, None] * propagator[:, None, None, :]
    amp = amp + q_sm * np.eye(3)[None, :, :, None]
    return np.sum(np.abs(amp) ** 2, axis=2)


# --- precomputed event counts ----------------------------------------------------------------
@dataclass(frozen=True)
class Detector:
    """One exposure: targets {isotope name: number of nuclei}, the fluence of each
    flavour [cm^-2], the detection probability response(T [MeV]) of a recoil and the
    fraction of each flux component kept by the time window and its efficiency
    ({component: weight}; None: no time cut, all 1)."""

    name: str
    targets: dict
    fluence_cm2: float
    response: object
    time_weights: dict = None

    def time_weight(self, component):
        return 1.0 if self.time_weights is None else self.time_weights[component]


def recoil_nodes_mev(mass_mev, nodes_per_panel=16):
    """Gauss-Legendre nodes and weights on [0, T_max(52.8 MeV)], with panel edges at the
    kink T_max(29.8 MeV) of the prompt line and refined towards threshold."""
    t_mu = float(recoil_max_mev(E_NU_MU_PROMPT_MEV, mass_mev))
    t_end = float(recoil_max_mev(E_NU_MAX_MEV, mass_mev))
    edges = [0.0, t_mu / 8, t_mu / 4, t_mu / 2, t_mu, 0.5 * (t_mu + t_end), t_end]
    x, w = np.polynomial.legendre.leggauss(nodes_per_panel)
    nodes = [0.5 * (b - a) * x + 0.5 * (a + b) for a, b in zip(edges, edges[1:])]
    weights = [0.5 * (b - a) * w for a, b in zip(edges, edges[1:])]
    return np.concatenate(nodes), np.concatenate(weights)


class CevnsKernel:
    """CEvNS counts of several detectors from spectral moments precomputed once.

    For each isotope i the recoil integral is a quadrature on fixed nodes T_k, with
    column weights W_k(detector, flavour) = targets x fluence x (sum over the flux
    components of that flavour of time weight x int dE f(E) dsigma/dT / Q^2) x response(T_k).
    The moments S_j(m) = sum_k W_k P(T_k; m)^j depend on the Z' mass alone, so they are
    tabulated once on a log grid of m and interpolated (cubic spline in log m, relative
    error < 1e-6; below the grid P = m^2/(2 M T) makes S_1 ~ m^2 and S_2 ~ m^4 exactly,
    above it P = 1 to 1e-8). A batch then costs one spline evaluation per point.
    """

    LOG10_M_GRID = np.linspace(-3.0, 6.0, 1441)      # m_zp from 1 keV to 1 TeV [log10 MeV]

    def __init__(self, detectors, nodes_per_panel=16):
        detectors = tuple(detectors)
        self.detector_names = tuple(d.name for d in detectors)   # responses are not kept: picklable
        self._blocks = []
        m_grid = 10.0 ** self.LOG10_M_GRID
        for name in sorted({iso for d in detectors for iso in d.targets}):
            iso = ISOTOPES[name]
            m = iso.mass_mev
            t, w = recoil_nodes_mev(m, nodes_per_panel)
            per_target = (w * G_F_MEV2 ** 2 * m / math.pi * HBARC2_MEV2_CM2
                          * helm_form_factor(momentum_transfer_mev(t, m), iso.a) ** 2)
            folded = {c: spectrum_folded_kinematics(c, t, m) for c, _ in FLUX_COMPONENTS}
            columns, weights = [], []
            for d_index, det in enumerate(detectors):
                if name not in det.targets:
                    continue
                scale = det.targets[name] * det.fluence_cm2 * per_target * det.response(t)
                for flavour in sorted({fl for _, fl in FLUX_COMPONENTS}):
                    columns.append((d_index, flavour))
                    weights.append(scale * sum(det.time_weight(c) * folded[c]
                                               for c, fl in FLUX_COMPONENTS if fl == flavour))
            w_matrix = np.array(weights).T                              # (n_T, n_columns)
            s0 = w_matrix.sum(axis=0)
            p = recoil_propagator(m_grid, t, m)
            safe = np.where(s0 > 0, s0, 1.0)
            table = np.hstack([p @ w_matrix, (p * p) @ w_matrix]) / np.tile(safe, 2)   # S_j / S_0
            spline = CubicSpline(self.LOG10_M_GRID, table)
            self._blocks.append((iso, t, w_matrix, s0, columns, spline))

    def moments(self, block, m_zp_mev):
        """(S_1, S_2), each (n, n_columns), for the points' masses (see class docstring)."""
        _, _, _, s0, columns, spline = block
        x = np.log10(m_zp_mev)
        lo = self.LOG10_M_GRID[0]
        values = spline(np.clip(x, lo, self.LOG10_M_GRID[-1])) * np.tile(s0, 2)
        below = (10.0 ** (np.minimum(x, lo) - lo))[:, None] ** 2          # (m / m_min)^2, 1 above
        k = len(columns)
        return values[:, :k] * below, values[:, k:] * below * below

    def counts(self, g_nu, g_p, g_n, m_zp_mev):
        """Expected events per detector, shape (n, n_detectors), from the moment expansion."""
        m_zp_mev = np.asarray(m_zp_mev, float)
        out = np.zeros((m_zp_mev.shape[0], len(self.detector_names)))
        for block in self._blocks:
            iso, _, _, s0, columns, _ = block
            a = nsi_charge_contact(g_nu, g_p, g_n, m_zp_mev, iso)
            a_diag = np.real(np.diagonal(a, axis1=1, axis2=2))             # Re A_aa
            a_norm = np.sum(np.abs(a) ** 2, axis=2)                        # (A A^dagger)_aa
            s1, s2 = self.moments(block, m_zp_mev)
            q = iso.q_sm
            for c, (d_index, f) in enumerate(columns):     # a handful of columns, not points
                out[:, d_index] += (q * q * s0[c] + 2.0 * q * a_diag[:, f] * s1[:, c]
                                    + a_norm[:, f] * s2[:, c])
        return out

    def counts_direct(self, g_nu, g_p, g_n, m_zp_mev):
        """Same counts from the full flavour sum |Q_SM + A P(T)|^2 at every node (a check)."""
        m_zp_mev = np.asarray(m_zp_mev, float)
        out = np.zeros((m_zp_mev.shape[0], len(self.detector_names)))
        for iso, t, w_matrix, _, columns, _ in self._blocks:
            a = nsi_charge_contact(g_nu, g_p, g_n, m_zp_mev, iso)
            charge2 = flavour_charge_squared(iso.q_sm, a, recoil_propagator(m_zp_mev, t, iso.mass_mev))
            for c, (d_index, f) in enumerate(columns):
                out[:, d_index] += charge2[:, f, :] @ w_matrix[:, c]
        return out

    def counts_sm(self):
        """SM counts per detector, shape (n_detectors,), through the same path as `counts`."""
        zero = np.zeros(1)
        return self.counts(np.zeros((1, 3, 3)), zero, zero, np.ones(1))[0]
