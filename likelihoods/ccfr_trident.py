"""Neutrino trident production nu_mu N -> nu_mu N mu+ mu- (CCFR, CHARM-II): Gaussian in sigma/sigma_SM."""

from nsifit.errors import DataError
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood


class CcfrTrident(Likelihood):
    """Neutrino trident cross section relative to the SM: Gaussian in R = sigma/sigma_SM.

    Models: R from the nu_mu - mu Z' exchange interfering with the SM W + Z contact amplitude,
    R = 1 + x A(m)/sigma_SM + x^2 B(m)/sigma_SM with x = g_nu_mumu g_mu (observables
    `trident_ratio_ccfr`, `trident_ratio_charm2`; nsifit.physics.trident): the 2 -> 3 matrix element
    with the Z' propagator, the coherent equivalent-photon approximation on the Helm form factor,
    one beam energy per experiment (CCFR 160 GeV on Fe-56, CHARM-II 24 GeV on SiO2; no flux spectrum,
    no incoherent scattering on single nucleons). g_mu is the full muon vector coupling at q^2 = 0
    (g_zp X_mu + e eps Q_mu: the kinetic mixing enters only together with g_nu_mumu, so a pure dark
    photon gives R = 1). Flavour-changing nu_mu -> nu_x couplings (no interference with the SM) are not
    included; the plugin does not apply to chiral muon charges (an axial coupling is not in the table).
    Data: `ccfr_1991` (default, PRL 66 (1991) 3117: R = 0.82 +- 0.28) and `charm2_1990` (PLB 245
    (1990) 271: R = 1.58 +- 0.57); each dataset names the observable it constrains.
    Construction: Gaussian measurement, log L = -(R - R_exp)^2/(2 sigma^2). For L_mu - L_tau (x = g'^2
    > 0, R > 1) the bound is read against the no-signal point R = 1: Delta chi^2 = 2.71 (90% CL) at
    R = 1.315 for CCFR, against the 95% CL of arXiv:1406.2332 at the two-sided edge 0.82 + 1.96 x 0.28
    = 1.369.
    """

    name = "ccfr_trident"
    references = ("Altmannshofer2014:1406.2332", "Lewin:1995rx")  # data/references.bib
    vector_only = ("mu",)
    assumption = ("its cross-section table has the Z' in the vector coupling C_V; an axial muon coupling would add "
                  "to C_A together with a longitudinal (m_mu/m_Z')^2 term, not tabulated")
    requires = ("trident_ratio_ccfr", "trident_ratio_charm2")
    default_dataset = "ccfr_1991"

    def setup(self):
        ds = self.dataset
        self.observable = ds["observable"]
        if self.observable not in self.requires:
            raise DataError(f"{ds.path}: observable '{self.observable}' is not one of "
                            f"{', '.join(self.requires)}")
        self.mean, self.sigma = ds.number("r_trident.value"), ds.number("r_trident.sigma")

    def loglike(self, obs):
        return stats.gaussian(obs[self.observable], self.mean, self.sigma)
