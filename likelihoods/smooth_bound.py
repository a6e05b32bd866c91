"""Shared base of the one-sided bounds (BBN, E141/E774, perturbativity)."""

import numpy as np

from nsifit.plugins import stats
from nsifit.plugins.base import Likelihood


class SmoothBound(Likelihood):
    """A quantity known to lie above (side = 'lower') or below ('upper') a bound at 2 sigma.

    Construction: stats.lower_bound / stats.upper_bound, Delta chi^2 = 4 at the bound and 0
    beyond an edge of width relative_edge_width x bound (both from the dataset). Points where
    the quantity is nan (e.g. no phi) are not constrained (log L = 0).
    Subclasses set `requires` (the observable first), `bound_field` and `side`, and may
    override `quantity`.
    """

    bound_field = ""
    side = "lower"

    def setup(self):
        self.bound = self.dataset.number(self.bound_field)
        self.width = self.bound * self.dataset.number("relative_edge_width")

    def quantity(self, obs):
        return obs[self.requires[0]]

    def loglike(self, obs):
        x = self.quantity(obs)
        present = np.isfinite(x)
        inside = np.inf if self.side == "lower" else -np.inf
        edge = stats.lower_bound if self.side == "lower" else stats.upper_bound
        return np.where(present, edge(np.where(present, x, inside), self.bound, self.width), 0.0)
