"""Solar oscillations: the matter NSI inside the LMA or LMA-Dark 2-sigma window."""

import numpy as np

from nsifit.physics import nsi
from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood
from nsifit.plugins.options import Option

SOLUTIONS = ("LMA", "LMA-Dark")
CONVENTIONS = ("global", "seed")


class SolarLma(Likelihood):
    """Solar LMA / LMA-Dark windows on the matter NSI at the centre of the Sun.

    Models: the NSI matter potential V = sqrt2 G_F N_e eps^medium with
    eps^medium = eps^e + eps^p + (N_n/N_p) eps^n (Bernal and Farzan eqs. 12-13, contact limit,
    global-fit convention), built from the flavour matrices `nsi_matrix_{e,p,n}`.
    Oscillations see only differences of the diagonal entries, so the windows are
    applied to D_mu = eps_mumu - eps_ee and D_tau = eps_tautau - eps_ee (for seed
    000's model eps_ee = 0 and D_mu = D_tau = eps^medium_mumu; a flavour-universal
    Z' such as B-L gives D = 0, invisible in oscillations as it must be).
    Approximation: the windows were fitted along D_mu = D_tau. Where the two differ
    the plugin requires both inside (log L = the smaller of the two) -- a heuristic,
    not a fit. For L_mu - L_tau, D_mu != D_tau in principle but eps^medium vanishes
    identically: only kinetic mixing reaches matter and it cancels in neutral matter.
    Data: Bernal and Farzan eq. 17 (LMA: -0.081 < eps < 1.422) and eq. 15 (LMA-Dark: 2 < eps < 3),
    2-sigma ranges of the global fits (data/solar_lma/seed000_windows.yaml).
    Options: `solution` LMA | LMA-Dark; `convention` global (default: the fits'
    convention) | seed (eps halved, reproduces Bernal and Farzan eqs. 16, 18 and its figures);
    `nn_over_np` neutron/proton density ratio at the solar centre (0.54).
    Construction: stats.window, Delta chi^2 = 4 at the quoted 2-sigma ends, 0 in the core;
    Gaussian edges of width 0.03 (the data file's `edge_width`, nsifit's choice) keep the
    standard-oscillation point eps = 0 in the flat LMA core.
    """

    name = "solar_lma"
    references = ("Bernal2022:2211.15686",)   # BibTeX keys of its construction (data/references.bib)
    requires = ("nsi_matrix_e", "nsi_matrix_p", "nsi_matrix_n")
    default_dataset = "seed000_windows"
    options = {"solution": Option("LMA", "which window of the global fits", choices=SOLUTIONS),
               "convention": Option("global", "NSI normalisation: global (the fits') or seed (halved)",
                                    choices=CONVENTIONS),
               "nn_over_np": Option(nsi.SOLAR_CENTRE_NN_OVER_NP, "N_n/N_p at the solar centre",
                                    kind="number", minimum=0.0)}

    def setup(self):
        opts = self.option_values
        key = f"windows.{opts['solution']}"
        self.low, self.high = self.dataset.number(f"{key}.low"), self.dataset.number(f"{key}.high")
        self.edge_fraction = self.dataset.number(f"{key}.edge_width") / (self.high - self.low)

    def oscillation_nsi(self, obs):
        """(D_mu, D_tau): eps^medium_mumu - eps^medium_ee and tautau - ee, in the chosen convention."""
        medium = nsi.eps_medium(obs["nsi_matrix_e"], obs["nsi_matrix_p"], obs["nsi_matrix_n"],
                                float(self.option_values["nn_over_np"]))
        diag = np.diagonal(medium, axis1=-2, axis2=-1)
        d_mu, d_tau = diag[:, 1] - diag[:, 0], diag[:, 2] - diag[:, 0]
        if self.option_values["convention"] == "seed":
            return nsi.to_seed_convention(d_mu), nsi.to_seed_convention(d_tau)
        return d_mu, d_tau

    def loglike(self, obs):
        d_mu, d_tau = self.oscillation_nsi(obs)
        return np.minimum(stats.window(d_mu, self.low, self.high, self.edge_fraction),
                          stats.window(d_tau, self.low, self.high, self.edge_fraction))
