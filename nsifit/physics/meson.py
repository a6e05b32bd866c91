"""pi0 -> gamma Z' relative to a dark photon of the same mass.

The pi0 is an isovector: the anomaly amplitude for pi0 -> gamma V goes as
N_c Tr(tau_3 {Q, Q_V}) ~ q_u g_u - q_d g_d = (2 g_u + g_d)/3 = g_p/3, the Z'
coupling to the proton (the argument for "protophobic" bosons, Feng et al.,
PRL 117 (2016) 071803, arXiv:1604.07411). A dark photon has g_p = e epsilon, so

    Gamma(pi0 -> gamma Z') / Gamma(pi0 -> gamma A')|_{epsilon_ref} = (g_p / (e epsilon_ref))^2.

Bernal and Farzan sect. 3 instead uses (q_u g_u + q_d g_d)/(q_u^2 + q_d^2), i.e. for its model
epsilon -> epsilon - c g_zp/(5 e); that combination is kept as convention="seed"
for reproducing its figures. For a dark photon both give epsilon.
"""

import numpy as np

from ..constants import E_CHARGE, ELECTRIC_CHARGE

Q_U, Q_D = ELECTRIC_CHARGE["u"], ELECTRIC_CHARGE["d"]


def pi0_effective_epsilon(couplings, convention="proton"):
    """The epsilon a dark photon would need to give the same pi0 -> gamma Z' rate: the amplitude ratio
    (signed; complex where the on-shell mixing is), so the rate ratio is its |.|^2."""
    if convention == "proton":
        return couplings.vector("p", on_shell=True) / E_CHARGE
    if convention == "seed":
        g_u, g_d = couplings.vector("u", on_shell=True), couplings.vector("d", on_shell=True)
        return (Q_U * g_u + Q_D * g_d) / ((Q_U ** 2 + Q_D ** 2) * E_CHARGE)
    raise ValueError(f"unknown pi0 convention '{convention}'; valid: proton, seed")


def pi0_production_ratio(couplings, epsilon_ref=1.0, convention="proton"):
    """Gamma(pi0 -> gamma Z') / Gamma(pi0 -> gamma A') for a dark photon with epsilon_ref."""
    return np.abs(pi0_effective_epsilon(couplings, convention) / np.asarray(epsilon_ref)) ** 2
