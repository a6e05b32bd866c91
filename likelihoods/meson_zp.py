"""Shared parts of the meson-decay plugins (k_to_pi_zp, b_to_k_zp): limit curves and the Z' fate.

A Z' made in P -> P' Z' counts as missing if it decays invisibly (nu nubar) or escapes the detector
before a visible decay (e+e-, mu+mu-, pi+pi-; phi phi* only if the Z' and both phi escape):
nsifit.physics.recast.missing_probability over the Z' lab energies of the experiment, which
`zp_energies` builds from the decay kinematics (parent at rest, in flight, or from a boosted
Upsilon(4S)).
"""

import numpy as np

from nsifit.constants import (
    M_B_CHARGED_MEV,
    M_B_NEUTRAL_MEV,
    M_K_CHARGED_MEV,
    M_K_NEUTRAL_MEV,
    M_KSTAR_CHARGED_MEV,
    M_KSTAR_NEUTRAL_MEV,
    M_PI0_MEV,
    M_PI_CHARGED_MEV,
)
from nsifit.errors import DataError
from nsifit.physics import recast
from nsifit.plugins import datasets

# parent and daughter of each mode (PDG 2024 masses, nsifit.constants)
MODE_MASSES = {"kplus_piplus": (M_K_CHARGED_MEV, M_PI_CHARGED_MEV),
               "klong_pizero": (M_K_NEUTRAL_MEV, M_PI0_MEV),
               "bplus_kplus": (M_B_CHARGED_MEV, M_K_CHARGED_MEV),
               "bzero_kzero": (M_B_NEUTRAL_MEV, M_K_NEUTRAL_MEV),
               "bplus_piplus": (M_B_CHARGED_MEV, M_PI_CHARGED_MEV),
               "bzero_kstarzero": (M_B_NEUTRAL_MEV, M_KSTAR_NEUTRAL_MEV),
               "bplus_kstarplus": (M_B_CHARGED_MEV, M_KSTAR_CHARGED_MEV)}
FATE_OBSERVABLES = ("branching_ratios", "gamma_total_mev", "gamma_phi_ee_mev", "m_zp_mev", "m_phi_mev")


def check_mode(ds, mode):
    if mode not in MODE_MASSES:
        raise DataError(f"{ds.path}: unknown channel '{mode}'; valid: {', '.join(MODE_MASSES)}")
    return mode


def load_all(plugin, names, data_dir, required=()):
    return {n: datasets.load(plugin, n, data_dir, required) for n in names}


class LimitCurve:
    """An upper limit on a branching ratio vs mass: log(limit) linear in m inside each range, nan outside."""

    def __init__(self, m_mev, limit, ranges_mev):
        self.m, self.log_limit = np.asarray(m_mev, float), np.log(np.asarray(limit, float))
        self.ranges = [(float(lo), float(hi)) for lo, hi in ranges_mev]

    @classmethod
    def from_dataset(cls, ds, column):
        table = ds.table(axis=("m_x_mev",), nonnegative=("m_x_mev",), positive=(column,))
        return cls(table["m_x_mev"], table[column], ds["mass_ranges_mev"])

    def __call__(self, m_mev):
        m = np.asarray(m_mev, float)
        inside = np.zeros(m.shape, bool)
        for lo, hi in self.ranges:
            inside |= (m >= lo) & (m <= hi)
        return np.where(inside, np.exp(np.interp(m, self.m, self.log_limit)), np.nan)


def zp_energies(mode, m_zp_mev, parent_momentum_mev=0.0, window_mev=None, boosts=()):
    """(energies (n, k), weights (k,)) of the Z' in the lab for parent -> daughter Z'.

    parent_momentum_mev: the parent's momentum in the frame of the first boost (0: at rest, one node at the
    two-body energy; > 0: flat between the two-body ends, recast.two_body_energy_range_mev);
    window_mev: (E_min, E_max) selection on the Z' energy (the intersection with the kinematic range, where
    it exists); boosts: further beta gamma boosts with isotropic directions (recast.boost_isotropic).
    """
    m_parent, m_daughter = MODE_MASSES[mode]
    m = np.asarray(m_zp_mev, float)
    low, high = recast.two_body_energy_range_mev(m_parent, parent_momentum_mev, m, m_daughter)
    if window_mev is not None:
        cut_low, cut_high = np.maximum(low, window_mev[0]), np.minimum(high, window_mev[1])
        overlap = cut_low < cut_high
        low, high = np.where(overlap, cut_low, low), np.where(overlap, cut_high, high)
    if parent_momentum_mev == 0.0:
        energies, weights = low[:, None], np.ones(1)
    else:
        energies, weights = recast.energy_nodes_between(low, high)
    for beta_gamma in boosts:
        energies, weights = recast.boost_isotropic(energies, weights, m, beta_gamma)
    return np.maximum(energies, m[:, None]), weights


def p_missing(obs, energies, weights, distance_cm):
    """Fraction of produced Z' that leave nothing visible within `distance_cm` (recast.missing_probability)."""
    return recast.missing_probability(obs["branching_ratios"], obs["gamma_total_mev"], obs["m_zp_mev"],
                                      energies, weights, distance_cm, obs["gamma_phi_ee_mev"], obs["m_phi_mev"])


def ratio_to_limit(signal, limit):
    """signal/limit where the limit applies (finite), 0 elsewhere."""
    inside = np.isfinite(limit)
    return np.where(inside, signal / np.where(inside, limit, 1.0), 0.0)
