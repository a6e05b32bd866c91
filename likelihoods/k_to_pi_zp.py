"""K -> pi Z' with an unseen Z': NA62 and E949 K+ -> pi+ X, KOTO K_L -> pi0 X (90% CL upper limits)."""

import numpy as np

from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option
from nsifit_likelihoods import meson_zp

DATASETS = ("na62_2017", "e949_2009", "koto_2019")
REQUIRED = ("channel", "column", "mass_ranges_mev", "kaon_momentum_gev", "escape_distance_cm", "table")
CONSTRUCTIONS = ("one_sided_gaussian", "poisson_zero_count")
ASSUMPTIONS = (
    "signal: Br(K -> pi Z') x P_missing, Br = Gamma/(Gamma_K + Gamma) from the mass-basis s-d vector coupling of "
    "the model's quark_alignment (tree level; zero for up alignment and generation-universal charges)",
    "form factor: f_+^{K pi} FLAG 2024 with the FlaviaNet slope (physics/meson_decays), isospin limit",
    "K_L -> pi0 Z' through Im g_V^sd (CP violation, PDG CKM phase)",
    "Z' fate: missing = nu nubar, or e+e-/mu+mu-/pi+pi- decays beyond the escape distance, or phi phi* with "
    "the Z' and both phi escaping (recast.missing_probability); NA62 Z' energies 40-60 GeV, E949 at rest, "
    "KOTO 1.5 GeV/c K_L",
    "SM K -> pi nu nubar: a background in the searches (the limits are on an extra two-body peak), not added",
)


class KToPiZp(Likelihood):
    """K -> pi Z', Z' unseen: NA62 (2017 data) and E949 K+ -> pi+ X, KOTO K_L -> pi0 X0 limits.

    Models: Br(K+ -> pi+ Z') and Br(K_L -> pi0 Z') (observables br_kplus_piplus_zp, br_klong_pizero_zp:
    Gamma/(Gamma_K + Gamma) of nsifit.physics.meson_decays with the tree-level s-d coupling of the model's
    quark_alignment, FLAG 2024 f_+), times P_missing, the fraction of Z' that leave nothing visible:
    Br(nu nubar) + Br(visible) x P(no decay before the escape distance) + Br(phi phi*) x P(Z' and both phi
    escape), averaged over the Z' lab energies (recast.missing_probability). Kinematics per dataset: NA62 75 GeV/c
    K+ in flight with the Z' carrying 40-60 GeV, E949 K+ at rest (two-body momentum), KOTO 1.5 GeV/c K_L. NA62's
    escape distance (246 m) is the one that reproduces its own lifetime columns. The limits apply where the
    model changes flavour (down alignment, c != 2/3 for mutau_baryon); elsewhere Br = 0 and log L = 0.
    SM K -> pi nu nubar is a background of the searches (limits on an extra peak), so it is not added.
    Data (option `datasets`, default all three, log L summed: independent experiments): `na62_2017`
    (JHEP 03 (2021) 058, tau = infinity column, attribution inferred), `e949_2009` (PRD 79 (2009) 092004,
    third-party digitization), `koto_2019` (PRL 122 (2019) 021802, 11 points, attribution inferred). Each
    limit is interpolated log-linearly in mass inside its ranges (NA62 0-110 and 154-260 MeV, E949 1-124.6 and
    150.3-257 MeV, KOTO 0-260 MeV); outside, log L = 0.
    Construction (option `construction`): `one_sided_gaussian` (default), log L = -(1.2816 r)^2/2 with r =
    Br x P_missing / Br_90 (Delta chi^2 = 1.64 on the limit: a limit from a fit of a peak over background), or
    `poisson_zero_count`, log L = -2.303 r (Delta chi^2 = 4.61).
    """

    name = "k_to_pi_zp"
    references = ()   # BibTeX keys of its construction (data/references.bib)
    requires = ("br_kplus_piplus_zp", "br_klong_pizero_zp") + meson_zp.FATE_OBSERVABLES
    options = {"datasets": Option(list(DATASETS), "K -> pi X searches combined (log L summed)", kind="names"),
               "construction": Option("one_sided_gaussian", "how a 90% CL upper limit becomes log L",
                                      choices=CONSTRUCTIONS)}
    dataset_option = "datasets"

    def setup(self):
        self.sets = meson_zp.load_all(self.name, self.option_values["datasets"], self.data_dir, REQUIRED)
        self.curves, self.kinematics = {}, {}
        for name, ds in self.sets.items():
            mode = meson_zp.check_mode(ds, ds["channel"])
            self.curves[name] = meson_zp.LimitCurve.from_dataset(ds, ds["column"])
            window = ds.get("zp_energy_window_gev")
            self.kinematics[name] = (mode, 1e3 * ds.number("kaon_momentum_gev"),
                                     None if window is None else (1e3 * window["min"], 1e3 * window["max"]),
                                     ds.number("escape_distance_cm"))

    def p_missing(self, obs, name):
        """Fraction of the Z' made in this dataset's kaon decays that leave nothing visible."""
        def compute():
            mode, momentum, window, distance = self.kinematics[name]
            energies, weights = meson_zp.zp_energies(mode, obs["m_zp_mev"], momentum, window)
            return meson_zp.p_missing(obs, energies, weights, distance)
        return obs.memo((id(self), "p_missing", name), compute)

    def rates_over_limits(self, obs):
        """{dataset: Br x P_missing / Br_90} (0 outside the dataset's mass ranges)."""
        out = {}
        for name in self.sets:
            mode = self.kinematics[name][0]
            limit = self.curves[name](obs["m_zp_mev"])
            out[name] = meson_zp.ratio_to_limit(obs[f"br_{mode}_zp"] * self.p_missing(obs, name), limit)
        return out

    def loglike(self, obs):
        construct = getattr(stats, self.option_values["construction"])
        return sum((construct(r) for r in self.rates_over_limits(obs).values()), np.zeros(obs.n))

    def derived(self, obs):
        return {f"p_missing_{name}": self.p_missing(obs, name) for name in self.sets}

    @classmethod
    def info(cls, data_dir=None):
        return dict(super().info(data_dir), assumptions=list(ASSUMPTIONS))
