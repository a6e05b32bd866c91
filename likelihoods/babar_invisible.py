"""BaBar e+e- -> gamma Z' with an invisible Z' (single-photon search)."""

import numpy as np

from nsifit.physics import recast
from nsifit_likelihoods.invisible_search import InvisibleSearch


class BabarInvisible(InvisibleSearch):
    """BaBar A' -> invisible limit recast onto any Z' (log L = 0 outside 1-8000 MeV).

    Models: e+e- -> gamma Z', rate |g_e(m^2)/e|^2 relative to a dark photon of epsilon = 1
    (observable `electron_epsilon_eff`), times P_missing = Br(inv) + sum_visible Br x P(no
    visible decay inside the EMC radius) at the two-body Z' energy (s + m^2)/(2 sqrt s),
    sqrt s = 10.58 GeV, CM frame (nsifit.recast.missing_probability; phi phi* -> 2(e+e-) is
    missing only if the Z' and both phi leave the EMC). The reference (Br(inv) = 1) has P = 1;
    `dark_photon` points are that reference and return the curve exactly. Above 2 m_pi the
    widths omit hadronic decays (overstating Br(inv) for quark-coupled models).
    Option `recast`: `physics` (default) or `seed` (Bernal and Farzan sect. 3: rate x Br_inv only).
    Data: `babar_2017`, PRL 119 (2017) 131804, Fig. 5 (DarkCast digitization), interpolated
    log-log in mass.
    Construction: Poisson zero-count, log L = -2.30 rate/rate_limit on the curve (the published
    limit is a 90% CL upper limit; the zero-count reading is the machinery's common choice for
    invisible-search limits, Delta chi^2 = 4.61 there).
    """

    name = "babar_invisible"
    references = ("Ilten:2018crw", "Bernal2022:2211.15686")   # BibTeX keys of its construction (data/references.bib)
    default_dataset = "babar_2017"

    def setup(self):
        super().setup()
        self.sqrt_s_mev = 1e3 * self.dataset.number("sqrt_s_gev")

    def zp_energies(self, m_zp_mev):
        """The two-body energy (s + m^2)/(2 sqrt s) of e+e- -> gamma Z', CM frame."""
        return recast.two_body_energy_mev(self.sqrt_s_mev, m_zp_mev)[:, None], np.ones(1)
