"""Electron beam dumps E141 and E774: the scalar phi must be heavier than 10 MeV."""

from nsifit_likelihoods.smooth_bound import SmoothBound


class PhiBeamDump(SmoothBound):
    """Lower bound m_phi > 10 MeV from E141/E774 (Bernal and Farzan sect. 2, its Ref. 30).

    Models: a phi -> e+ e- with Bernal and Farzan's Yukawa (lambda_phi_e ~ 4e-4 (10 MeV/m_phi)^1/2,
    eq. 30) lighter than 10 MeV would have been seen in the E141/E774 beam dumps
    (summarised by Bjorken et al., PRD 80 (2009) 075018, arXiv:0906.0580). The mass
    threshold stands in for the excluded (coupling, mass) region; points without phi
    (m_phi = nan) get log L = 0.
    Construction: stats.lower_bound on m_phi, Delta chi^2 = 4 at 10 MeV (read as
    2 sigma), 0 above 12 MeV (data/phi_beam_dump/seed000_e141_e774.yaml).
    """

    name = "phi_beam_dump"
    references = ("Bjorken:2009mm", "Bernal2022:2211.15686")   # BibTeX keys of its construction (data/references.bib)
    requires = ("m_phi_mev",)
    default_dataset = "seed000_e141_e774"
    bound_field = "lower_bound_mev"
    side = "lower"
