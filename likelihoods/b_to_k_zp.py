"""B -> K(*) Z': invisible (Belle II, BaBar, Belle B -> K(*) nu nubar) and visible (LHCb B+ -> K+ mu mu)."""

import math

import numpy as np

from nsifit.errors import DataError
from nsifit.physics import recast
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option
from nsifit_likelihoods import meson_zp

DATASETS = ("belle2_2023", "babar_2013", "belle_2017", "lhcb_2016_kplus_mumu")
KINDS = {"measurement": ("channel", "br", "sm_br", "sqrt_s_gev", "boost_beta_gamma", "escape_distance_cm",
                         "max_m_zp_mev"),
         "upper_limits": ("limits", "sqrt_s_gev", "boost_beta_gamma", "escape_distance_cm", "max_m_zp_mev"),
         "visible_mumu": ("channel", "confidence_level_value", "lifetime_tables")}
ASSUMPTIONS = (
    "signal: Br(B -> K(*) Z') = Gamma/(Gamma_B + the B's Z' widths) from the mass-basis b-s "
    "(b-d for B -> pi) couplings of the model's quark_alignment (tree level; zero for up alignment and "
    "generation-universal charges)",
    "form factors: GKvD 2018 (B -> K, B -> pi), BSZ 2015 (B -> K*), central values (physics/meson_decays)",
    "invisible: Z' -> nu nubar, or a visible decay beyond the calorimeter radius, or phi phi* with the Z' and both "
    "phi escaping; Upsilon(4S) kinematics with the beam boost; applied for m_Z' <= 2 GeV",
    "B -> K(*) nu nubar results assume SM three-body kinematics: Belle II's measured rate is read as an upper "
    "bound on Br_SM + Br(B -> K Z') P_missing (no credit for its excess), BaBar/Belle limits on the total rate as "
    "limits on Br(B -> K(*) Z') P_missing",
    "visible: LHCb Br(B+ -> K+ Z') x Br(Z' -> mu mu) at the Z' proper lifetime (rows 0.1-126 ps; longer-lived Z' "
    "unconstrained)",
)


class LifetimeLimits:
    """LHCb-style limits per mass bin at a few proper lifetimes: log(limit) linear in log(tau) between the
    rows' geometric bin centres, the first row below, the last row up to its upper edge, nan beyond and
    in vetoed mass windows."""

    def __init__(self, rows):
        rows = sorted(rows, key=lambda r: r[0])
        self.tau_centres = np.array([math.sqrt(lo * hi) for lo, hi, _ in rows])
        self.tau_max = rows[-1][1]
        self.tables = [t for _, _, t in rows]

    def __call__(self, m_mev, tau_ps):
        limits = np.array([recast.limit_binned(m_mev, t["m_low_mev"], t["m_high_mev"], t["br_x_br_mumu_upper_95"])
                           for t in self.tables])                      # (rows, n), nan outside
        log_tau = np.log(np.clip(np.asarray(tau_ps, float), 1e-300, None))
        log_centres = np.log(self.tau_centres)
        upper = np.clip(np.searchsorted(log_centres, log_tau), 1, len(log_centres) - 1)
        lower = upper - 1
        frac = np.clip((log_tau - log_centres[lower]) / (log_centres[upper] - log_centres[lower]), 0.0, 1.0)
        cols = np.arange(limits.shape[1])
        with np.errstate(invalid="ignore", divide="ignore"):
            low, high = np.log(limits[lower, cols]), np.log(limits[upper, cols])
            log_limit = np.where(frac == 0, low, np.where(frac == 1, high, (1 - frac) * low + frac * high))
        return np.where(np.asarray(tau_ps) <= self.tau_max, np.exp(log_limit), np.nan)


class BToKZp(Likelihood):
    """B -> K(*) Z': Belle II, BaBar, Belle B -> K(*) + invisible and LHCb B+ -> K+ Z'(mu mu).

    Models: Br(B -> K Z'), Br(B -> K* Z'), Br(B+ -> pi+ Z') (observables br_*_zp: Gamma/(Gamma_B + Gamma) of
    nsifit.physics.meson_decays with the tree-level b-s / b-d couplings of the model's quark_alignment; form
    factors GKvD 2018 and BSZ 2015). The limits apply where the model changes flavour; elsewhere log L = 0.
    Invisible (m_Z' <= 2 GeV, the range where the SM-like selections are taken to accept a two-body peak): the
    signal is Br x P_missing, P_missing = Br(nu nubar) + Br(visible) x P(no decay within the calorimeter radius)
    + Br(phi phi*) x P(Z' and both phi escape), averaged over the Z' lab energies (B from the Upsilon(4S) at
    rest in the CM, isotropic decays, then the beam boost: recast.boost_isotropic).
    - `belle2_2023` (PRD 109 (2024) 112006), Br(B+ -> K+ nu nubar) = (2.3 +0.7 -0.6)e-5 measured with SM
      three-body kinematics. A narrow peak at q^2 = m_Z'^2 is not that spectrum, so the measurement is used only
      as an upper bound on the total: log L = -(Br_SM + Br x P_missing - Br_meas)^2/(2 sigma_up^2) above the
      measured value, 0 below (no credit for the 2.7 sigma excess; Delta chi^2 = 1.64 at Br_meas + 1.28 sigma_up).
    - `babar_2013` (PRD 87 (2013) 112005), `belle_2017` (PRD 96 (2017) 091101): 90% CL upper limits on the
      total K+, K0, K*+, K*0 (and pi+, Belle) rates, compared with Br x P_missing (the SM share is not
      subtracted: conservative); one-sided Gaussian per channel, log L = -(1.2816 Br P/Br_90)^2/2.
    Visible: `lhcb_2016_kplus_mumu` (PRD 95 (2017) 071101), 95% CL limits on Br(B+ -> K+ chi) x Br(chi -> mu mu)
    per mass bin (250-4700 MeV) at proper lifetimes 0.1-126 ps, interpolated in log(tau) at the Z' lifetime
    hbar/Gamma_total; longer lifetimes are not constrained (the other lifetime rows were not transcribed); one-sided
    Gaussian with the 95% quantile, log L = -(1.645 Br Br_mumu/limit)^2/2.
    Option `datasets` (default all four): log L summed over datasets and channels (independent samples; the
    BaBar semileptonic-tag result shares BaBar's data and is not shipped).
    """

    name = "b_to_k_zp"
    references = ()   # BibTeX keys of its construction (data/references.bib)
    requires = tuple(f"br_{m}_zp" for m in ("bplus_kplus", "bzero_kzero", "bplus_piplus", "bzero_kstarzero",
                                            "bplus_kstarplus")) + ("br_mumu", "zp_lifetime_ps") \
        + meson_zp.FATE_OBSERVABLES
    options = {"datasets": Option(list(DATASETS), "B -> K X searches combined (log L summed)", kind="names")}
    dataset_option = "datasets"

    def setup(self):
        self.sets = meson_zp.load_all(self.name, self.option_values["datasets"], self.data_dir, ("kind",))
        self.lifetime_limits = {}
        for name, ds in self.sets.items():
            if ds["kind"] not in KINDS:
                raise DataError(f"{ds.path}: unknown kind '{ds['kind']}'; valid: {', '.join(KINDS)}")
            for key in KINDS[ds["kind"]]:
                ds[key]                                  # DataError naming the file if missing
            for mode in self.modes(name):
                meson_zp.check_mode(ds, mode)
            if ds["kind"] == "visible_mumu":
                self.lifetime_limits[name] = LifetimeLimits(
                    [(row["tau_low_ps"], row["tau_high_ps"],
                      {k: np.asarray(v) for k, v in ds.table_file(row["table"], axis=("m_low_mev",), positive=(
                          "m_low_mev", "m_high_mev", "br_x_br_mumu_upper_95")).items()})
                     for row in ds["lifetime_tables"]])

    def modes(self, name):
        ds = self.sets[name]
        return list(ds["limits"]) if ds["kind"] == "upper_limits" else [ds["channel"]]

    def p_missing(self, obs, name, mode):
        """Fraction of the Z' from this B decay mode that leave nothing visible in this detector."""
        def compute():
            ds = self.sets[name]
            p_b = math.sqrt((500.0 * ds.number("sqrt_s_gev")) ** 2 - meson_zp.MODE_MASSES[mode][0] ** 2)
            energies, weights = meson_zp.zp_energies(mode, obs["m_zp_mev"], p_b,
                                                     boosts=(ds.number("boost_beta_gamma"),))
            return meson_zp.p_missing(obs, energies, weights, ds.number("escape_distance_cm"))
        return obs.memo((id(self), "p_missing", name, mode), compute)

    def terms(self, obs):
        """{'dataset:mode': log L} for every measurement and limit used."""
        m = obs["m_zp_mev"]
        out = {}
        for name, ds in self.sets.items():
            kind = ds["kind"]
            if kind == "visible_mumu":
                mode = ds["channel"]
                limit = self.lifetime_limits[name](m, obs["zp_lifetime_ps"])
                ratio = meson_zp.ratio_to_limit(obs[f"br_{mode}_zp"] * obs["br_mumu"], limit)
                out[f"{name}:{mode}"] = stats.one_sided_gaussian(ratio, ds.number("confidence_level_value"))
                continue
            applies = m <= ds.number("max_m_zp_mev")
            for mode in self.modes(name):
                signal = obs[f"br_{mode}_zp"] * self.p_missing(obs, name, mode)
                if kind == "measurement":
                    excess = ds.number("sm_br") + signal - ds.number("br.value")
                    ratio = excess / (stats.ONE_SIDED_Z90 * ds.number("br.sigma_up"))
                else:
                    ratio = signal / ds.number(f"limits.{mode}")
                out[f"{name}:{mode}"] = np.where(applies, stats.one_sided_gaussian(ratio), 0.0)
        return out

    def loglike(self, obs):
        return sum(self.terms(obs).values(), np.zeros(obs.n))

    def derived(self, obs):
        return {f"p_missing_{name}": self.p_missing(obs, name, self.modes(name)[0])
                for name, ds in self.sets.items() if ds["kind"] != "visible_mumu"}

    @classmethod
    def info(cls, data_dir=None):
        return dict(super().info(data_dir), assumptions=list(ASSUMPTIONS))

