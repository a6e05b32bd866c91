"""N_eff from the CMB and BBN: a thermalised Z' lighter than ~5 MeV is excluded."""

from nsifit_likelihoods.smooth_bound import SmoothBound


class BbnNeff(SmoothBound):
    """Lower bound on m_zp from N_eff (Bernal and Farzan sect. 3, its Ref. 32: Escudero, arXiv:1812.05605).

    Models: a Z' in thermal equilibrium with the neutrinos that decays after neutrino
    decoupling heats them and raises N_eff; only m_zp enters (approximation: the bound
    is taken as coupling-independent, valid when the Z' thermalises).
    Data: m_zp > 5 MeV, Bernal and Farzan's round value (data/bbn_neff/seed000_sect3.yaml).
    Construction: stats.lower_bound, a smooth one-sided edge with Delta chi^2 = 4 at
    5 MeV (read as 2 sigma) and 0 above 6 MeV (edge width 10% of the bound).
    Switch it off (leave it out of `likelihoods`) for a Z' that never thermalises.
    """

    name = "bbn_neff"
    references = ("Escudero2018:1812.05605", "Bernal2022:2211.15686")  # data/references.bib
    requires = ("m_zp_mev",)
    default_dataset = "seed000_sect3"
    bound_field = "lower_bound_mev"
    side = "lower"
