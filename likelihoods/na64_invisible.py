"""NA64 (100 GeV e- on an active target): missing-energy search for an invisible Z'."""

from nsifit.physics import recast
from nsifit_likelihoods.invisible_search import InvisibleSearch


class Na64Invisible(InvisibleSearch):
    """NA64 A' -> invisible limit recast onto any Z' (log L = 0 outside 1.055-1409 MeV; 2019: 1-1006).

    Models: Z' bremsstrahlung off the beam electrons, rate |g_e(m^2)/e|^2 relative to a dark
    photon of epsilon = 1 (observable `electron_epsilon_eff`), times the fraction that leaves
    no energy in the detector, P_missing = Br(inv) + sum_visible Br x P(no visible decay before
    the end of the HCAL), averaged over Z' energies 50-100 GeV (nsifit.recast.missing_probability;
    phi phi* -> 2(e+e-) counts only if the Z' and both phi get past the HCAL). The published
    reference (Br(inv) = 1) has P = 1; `dark_photon` points are that reference and return the
    curve exactly. Above 2 m_pi the widths omit hadronic Z' decays (overstating Br(inv) for
    quark-coupled models).
    Option `recast`: `physics` (default) or `seed`, Bernal and Farzan sect. 3: (e eps)^2 Br_inv(model)/
    Br_inv(B-L) against NA64's B-L bound g_BL^2 = (e eps_limit)^2 / Br_inv(B-L) for prompt e+e-,
    i.e. rate = (g_e/e eps_limit)^2 Br_inv with no decay-length factor (the 3/5 cancels).
    Data: 90% CL epsilon(m) curves, interpolated log-log: `na64_2023` (default, PRL 131 (2023)
    161801, 1.055-1409 MeV) and `na64_2019` (PRL 123 (2019) 121801, 1-1006 MeV).
    Construction: Poisson zero-count, log L = -2.30 rate/rate_limit (Delta chi^2 = 4.61 on the
    published curve): the analysis is background-free (no event in the signal box).
    """

    name = "na64_invisible"
    references = ("Ilten:2018crw", "Bernal2022:2211.15686")   # BibTeX keys of its construction (data/references.bib)
    default_dataset = "na64_2023"

    def setup(self):
        super().setup()
        self.energies_mev, self.weights = recast.uniform_energy_nodes(
            1e3 * self.dataset.number("zp_energy_range_gev.min"),
            1e3 * self.dataset.number("zp_energy_range_gev.max"))

    def zp_energies(self, m_zp_mev):
        """Flat over 50-100 GeV: the Z' takes the energy missing from the ECAL (E_ECAL < 50 GeV)."""
        return self.energies_mev, self.weights
