"""White-dwarf cooling: Bernal and Farzan eq. 35."""

from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood


class WhiteDwarf(Likelihood):
    """White-dwarf cooling by Z'-mediated neutrino pair emission, Bernal and Farzan eq. 35.

    Models: the extra cooling set by the effective nu-e coupling 2 g_zp^2 |epsilon|/(3 m_zp^2)
    (the left-hand side of eq. 35 as printed; contact limit), for any charges its form
    (1/3) sum_ab |g_nu,ab|^2 |g_e|/e / m_zp^2 (observable `white_dwarf_gev2`, astro.
    white_dwarf_quantity_general_gev2: equal to the printed one for Bernal & Farzan's model and for L_mu - L_tau,
    and counting a tree-level electron charge, e.g. of B - L, through g_e).
    Data: < 1.12e-5 GeV^-2 (Bernal and Farzan's Ref. 46; data/white_dwarf/seed000_eq35.yaml).
    Construction: the emission rate goes as the square of that coupling; the limit is
    read as a 90% CL one-sided Gaussian in the rate (the paper states no CL; this is the
    weaker of the shared readings): log L = -(1.2816 (q/q_lim)^2)^2/2, Delta chi^2 = 1.64
    at the limit.
    """

    name = "white_dwarf"
    references = ("Bernal2022:2211.15686",)   # BibTeX keys of its construction (data/references.bib)
    requires = ("white_dwarf_gev2",)
    default_dataset = "seed000_eq35"

    def setup(self):
        self.limit_gev2 = self.dataset.number("limit_gev2")

    def loglike(self, obs):
        return stats.one_sided_gaussian((obs["white_dwarf_gev2"] / self.limit_gev2) ** 2)
