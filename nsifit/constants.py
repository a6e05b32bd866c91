"""Physical constants in natural units with masses in MeV.

Each value carries its source. PDG 2024: S. Navas et al. (Particle Data Group),
Phys. Rev. D 110 (2024) 030001. CODATA 2022: Mohr, Newell, Taylor, Tiesinga,
Rev. Mod. Phys. 97 (2025) 025002, arXiv:2409.03787 (values at physics.nist.gov/constants).
"""

import math

# --- couplings -----------------------------------------------------------------
ALPHA_EM = 1.0 / 137.035999177          # fine-structure constant alpha(0), CODATA 2022
E_CHARGE = math.sqrt(4.0 * math.pi * ALPHA_EM)  # e = sqrt(4 pi alpha(0)), Heaviside-Lorentz
G_F_MEV2 = 1.1663788e-11                # Fermi constant [MeV^-2], PDG 2024 (1.1663788(6)e-5 GeV^-2)
SIN2_THETA_W_LOW = 0.23868              # MSbar sin^2 theta_W(0), Erler & Ferro-Hernandez,
                                        # JHEP 03 (2018) 196, arXiv:1712.09146 (used by PDG 2024)
HIGGS_VEV_MEV = 1.0 / math.sqrt(math.sqrt(2.0) * G_F_MEV2)  # v = (sqrt2 G_F)^(-1/2) = 246.22 GeV
HIGGS_VEV_DOUBLET_MEV = HIGGS_VEV_MEV / math.sqrt(2.0)      # <H> = v/sqrt2 = 174.1 GeV (Bernal and Farzan eq. 31)

# --- lepton masses [MeV] ----------------------------------------------------------
M_E_MEV = 0.51099895069                 # CODATA 2022
M_MU_MEV = 105.6583755                  # CODATA 2022
M_TAU_MEV = 1776.93                     # PDG 2024

# --- quark masses [MeV]: MSbar light quarks at 2 GeV, m_c(m_c), m_b(m_b); t direct ------
M_U_MEV = 2.16                          # PDG 2024
M_D_MEV = 4.70                          # PDG 2024
M_S_MEV = 93.5                          # PDG 2024
M_C_MEV = 1273.0                        # PDG 2024
M_B_MEV = 4183.0                        # PDG 2024
M_T_MEV = 172570.0                      # PDG 2024 (direct measurements)

# --- hadron masses [MeV] --------------------------------------------------------------
M_PROTON_MEV = 938.27208943             # CODATA 2022
M_NEUTRON_MEV = 939.56542194            # CODATA 2022
M_PI0_MEV = 134.9768                    # PDG 2024
M_PI_CHARGED_MEV = 139.57039            # PDG 2024
M_K_CHARGED_MEV = 493.677               # PDG 2024
M_RHO_MEV = 775.26                      # rho(770) mass, PDG 2024 (e+e- and tau average)
GAMMA_RHO_MEV = 149.1                   # rho(770) width, PDG 2024
ATOMIC_MASS_UNIT_MEV = 931.49410372     # CODATA 2022
# mesons for Z' production in two-body FCNC decays (nsifit/physics/meson_decays.py).
# PDG 2024 values as distributed in the PDG's RPP-2024 Monte Carlo mass/width table
# (mass_width_2024.mcd, generated 31 May 2024); widths there are hbar/tau of the listings.
M_K_NEUTRAL_MEV = 497.611               # K0, K_L, K_S mass, PDG 2024 (+-0.013)
M_B_CHARGED_MEV = 5279.41               # B+, PDG 2024 (+-0.07)
M_B_NEUTRAL_MEV = 5279.72               # B0, PDG 2024 (+-0.08)
M_KSTAR_NEUTRAL_MEV = 895.55            # K*(892)0, PDG 2024 (+-0.20); width 47.3 MeV
M_KSTAR_CHARGED_MEV = 891.67            # K*(892)+, PDG 2024 (+-0.26); width 51.4 MeV

# --- total widths [MeV] (PDG 2024 MC table, see above) ----------------------------------
GAMMA_K_CHARGED_MEV = 5.317e-14         # K+: 5.317(9)e-17 GeV, tau = 1.2380e-8 s
GAMMA_K_LONG_MEV = 1.287e-14            # K_L: 1.287(5)e-17 GeV, tau = 5.116e-8 s
GAMMA_K_SHORT_MEV = 7.3508e-12          # K_S: 7.3508(29)e-15 GeV, tau = 0.8954e-10 s
GAMMA_B_CHARGED_MEV = 4.018e-10         # B+: 4.018(10)e-13 GeV, tau = 1.638 ps
GAMMA_B_NEUTRAL_MEV = 4.339e-10         # B0: 4.339(11)e-13 GeV, tau = 1.517 ps

# --- CKM matrix: Wolfenstein parameters of the PDG 2024 global fit ------------------------
# PDG 2024, review 12 "CKM quark-mixing matrix" (sect. on the global fit in the SM):
# lambda = 0.22501(68), A = 0.826(+16/-15), rho-bar = 0.1591(94), eta-bar = 0.3523(+73/-71).
# Used with the exact (all-order) relations of that review, see nsifit/physics/quark_mixing.py.
CKM_LAMBDA = 0.22501
CKM_A = 0.826
CKM_RHO_BAR = 0.1591
CKM_ETA_BAR = 0.3523

# --- conversion factors (exact in the 2019 SI) ----------------------------------------
HBAR_MEV_S = 6.582119569e-22            # hbar [MeV s], CODATA 2022 (exact)
HBARC_MEV_FM = 197.3269804              # hbar c [MeV fm], CODATA 2022 (exact)
HBARC_MEV_CM = HBARC_MEV_FM * 1.0e-13   # hbar c [MeV cm]
HBARC2_MEV2_CM2 = HBARC_MEV_CM ** 2     # (hbar c)^2 [MeV^2 cm^2]: cross sections MeV^-2 -> cm^2
C_CM_S = 2.99792458e10                  # speed of light [cm/s] (exact)

# --- electric charges (units of e) and colour factors ----------------------------------
CHARGED_FERMIONS = ("e", "mu", "tau", "u", "d", "s", "c", "b", "t")
ELECTRIC_CHARGE = {"e": -1.0, "mu": -1.0, "tau": -1.0,
                   "u": 2.0 / 3.0, "c": 2.0 / 3.0, "t": 2.0 / 3.0,
                   "d": -1.0 / 3.0, "s": -1.0 / 3.0, "b": -1.0 / 3.0}
COLOURS = {"e": 1, "mu": 1, "tau": 1, "u": 3, "d": 3, "s": 3, "c": 3, "b": 3, "t": 3}
FERMION_MASS_MEV = {"e": M_E_MEV, "mu": M_MU_MEV, "tau": M_TAU_MEV,
                    "u": M_U_MEV, "d": M_D_MEV, "s": M_S_MEV,
                    "c": M_C_MEV, "b": M_B_MEV, "t": M_T_MEV}
NEUTRINO_FLAVOURS = ("e", "mu", "tau")
