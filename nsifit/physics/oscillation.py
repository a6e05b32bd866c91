"""Three-flavour mixing for solar neutrinos: the PMNS matrix and the state reaching the Earth.

Solar neutrinos lose coherence between the mass states on the way to the Earth (Gninenko and Gorbunov,
eq. 3), so they arrive as the incoherent mixture rho = sum_i P_i |nu_i><nu_i|. In the
flavour basis, with |nu_i> = sum_a U_ai |nu_a>, rho_ab = sum_i P_i U_ai U_bi^*.
"""

import math

import numpy as np

from ..constants import G_F_MEV2, HBARC_MEV_CM

AVOGADRO_PER_MOL = 6.02214076e23        # N_A, exact in the 2019 SI (CODATA 2022)
EV2_TO_MEV2 = 1.0e-12


def pmns_matrix(sin2_theta12, sin2_theta13, sin2_theta23, delta_cp_deg):
    """PMNS matrix U_ai (rows e, mu, tau; columns 1, 2, 3) in the PDG parametrisation.

    U = R23 U13(delta) R12 (PDG 2024, Review "Neutrino mixing", eq. 14.33); Majorana phases
    are dropped (they cancel in rho and in every rate here).
    """
    s12, s13, s23 = (math.sqrt(x) for x in (sin2_theta12, sin2_theta13, sin2_theta23))
    c12, c13, c23 = (math.sqrt(1.0 - x) for x in (sin2_theta12, sin2_theta13, sin2_theta23))
    phase = np.exp(1j * math.radians(delta_cp_deg))
    return np.array([
        [c12 * c13, s12 * c13, s13 / phase],
        [-s12 * c23 - c12 * s23 * s13 * phase, c12 * c23 - s12 * s23 * s13 * phase, s23 * c13],
        [s12 * s23 - c12 * c23 * s13 * phase, -c12 * s23 - s12 * c23 * s13 * phase, c23 * c13],
    ])


def matter_potential_mev(electron_density_na_per_cm3):
    """V_CC = sqrt2 G_F n_e [MeV] for n_e given in units of N_A per cm^3."""
    n_e_mev3 = electron_density_na_per_cm3 * AVOGADRO_PER_MOL * HBARC_MEV_CM ** 3
    return math.sqrt(2.0) * G_F_MEV2 * n_e_mev3


def cos2_theta12_matter(e_nu_mev, sin2_theta12, sin2_theta13, dm2_21_ev2, electron_density_na_per_cm3):
    """cos 2 theta12 in matter at the production point (effective two-flavour system).

    cos 2theta_m = (cos 2theta - beta) / sqrt((cos 2theta - beta)^2 + sin^2 2theta) with
    beta = 2 E V_CC cos^2 theta13 / Delta m^2_21 (e.g. Gonzalez-Garcia & Nir, RMP 75 (2003)
    345, sect. on solar neutrinos). The small shift of theta13 in matter (2 E V / Delta m^2_31
    ~ 5e-3 for 7Be) is neglected.
    """
    cos2 = 1.0 - 2.0 * sin2_theta12
    sin2_2 = 4.0 * sin2_theta12 * (1.0 - sin2_theta12)
    beta = (2.0 * e_nu_mev * matter_potential_mev(electron_density_na_per_cm3) * (1.0 - sin2_theta13)
            / (dm2_21_ev2 * EV2_TO_MEV2))
    return (cos2 - beta) / math.sqrt((cos2 - beta) ** 2 + sin2_2)


def mass_state_weights_vacuum(pmns):
    """P_i = |U_ei|^2: the weights of the mass states without matter effects (Gninenko and Gorbunov eq. 3)."""
    return np.abs(pmns[0]) ** 2


def mass_state_weights_msw(e_nu_mev, sin2_theta12, sin2_theta13, dm2_21_ev2, electron_density_na_per_cm3):
    """Adiabatic MSW weights: P_1 = c13^2 cos^2 theta12m, P_2 = c13^2 sin^2 theta12m, P_3 = s13^2.

    theta12m is the matter angle at production (cos2_theta12_matter); adiabatic propagation
    keeps each matter eigenstate, which leaves the Sun as the corresponding mass state.
    """
    cos2m = cos2_theta12_matter(e_nu_mev, sin2_theta12, sin2_theta13, dm2_21_ev2,
                                electron_density_na_per_cm3)
    c13sq = 1.0 - sin2_theta13
    return np.array([c13sq * (1.0 + cos2m) / 2.0, c13sq * (1.0 - cos2m) / 2.0, sin2_theta13])


def density_matrix_mass_states(pmns, weights):
    """rho_ab = sum_i P_i U_ai U_bi^* (flavour basis) for incoherent mass states."""
    return (pmns * np.asarray(weights)) @ pmns.conj().T


def electron_survival(rho):
    """P_ee = rho_ee; for vacuum weights sum_i |U_ei|^4 (Gninenko and Gorbunov after eq. 5)."""
    return float(np.real(rho[0, 0]))
