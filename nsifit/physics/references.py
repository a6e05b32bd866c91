"""BibTeX keys (data/references.bib, shipped in nsifit_data) of the main sources of each theory module.

One table instead of an attribute per module: `nsifit bib` (nsifit.plugins.bibliography) adds the keys of
every module a run's plugins and observables use, and of nsifit.constants always. A key names an entry of
data/references.bib; tests/test_bibliography.py checks that every key here exists there.
"""

BERNAL_FARZAN = "Bernal2022:2211.15686"          # Bernal & Farzan, arXiv:2211.15686
GNINENKO_GORBUNOV = "Gninenko2020:2007.16098"    # Gninenko & Gorbunov, arXiv:2007.16098

MODULES = {
    "nsifit.constants": ("ParticleDataGroup:2024cfk", "CODATA2022:2409.03787", "Erler2017:1712.09146",
                         BERNAL_FARZAN),
    "nsifit.physics.astro": (BERNAL_FARZAN,),
    "nsifit.physics.cevns": ("COHERENT2017:1708.01294", "Freedman1974:PRD9", "Lewin:1995rx", "Helm1956:PhysRev104",
                             "ParticleDataGroup:2024cfk", "AME2020:CPC45", BERNAL_FARZAN),
    "nsifit.physics.cevns_detector": ("COHERENT2017:1708.01294", "COHERENT2018:1804.09459", "COHERENT:2021xmm",
                                      "COHERENT:2020iec", "COHERENT2020:2006.12659"),
    "nsifit.physics.electron_scattering": ("tHooft1971:PLB37", "Vogel1989:PRD39", "Bahcall1995:PRD51",
                                           "Erler2017:1712.09146"),
    "nsifit.physics.flavour": (BERNAL_FARZAN,),
    "nsifit.physics.gm2": ("Leveille1978:NPB137", "Jegerlehner2009:PhysRept477"),
    "nsifit.physics.meson": ("Feng2016:1604.07411", BERNAL_FARZAN),
    "nsifit.physics.meson_decays": ("Bharucha:2015bzk", "Gubernari:2018wyi", "FlavourLatticeAveragingGroupFLAG:2024oxs",
                                    "Bernard:2009zm", "Antonelli:2010yf", "ParticleDataGroup:2024cfk",
                                    "Straub:2018kue", BERNAL_FARZAN, "HPQCD2022:2207.12468", "Leljak:2021vte"),
    "nsifit.physics.mixing": ("PeskinSchroeder1995",),
    "nsifit.physics.nsi": (BERNAL_FARZAN,),
    "nsifit.physics.oscillation": ("ParticleDataGroup:2024cfk", "GonzalezGarcia2003:RMP75", GNINENKO_GORBUNOV,
                                   "CODATA2022:2409.03787"),
    "nsifit.physics.phi_sector": (BERNAL_FARZAN,),
    "nsifit.physics.quark_mixing": ("ParticleDataGroup:2024cfk", BERNAL_FARZAN),
    "nsifit.physics.recast": ("Ilten:2018crw",),
    "nsifit.physics.trident": ("Altmannshofer2014:1406.2332", "Lewin:1995rx", "Ballett2018:1807.10973",
                               "Mishra:1991bv", "Geiregat:1990gz", "Erler2017:1712.09146"),
    "nsifit.physics.trident_amplitude": ("Altmannshofer2014:1406.2332", "PeskinSchroeder1995"),
    "nsifit.physics.widths": ("Gounaris:1968mw", "Ilten:2018crw", "ParticleDataGroup:2024cfk"),
}
