"""Exclusion planes: each experiment's excluded region in a 2D parameter plane.

`load_bounds_config` reads a bounds config (or a shipped figure name); `compute` evaluates every
layer on the grid; `compute_profile` adds the combined profile-likelihood layer, `compute_limit` the
combined upper-limit curve.
"""

from nsifit.bounds.compute import (
           compute,
           compute_limit,
           compute_profile,
           grid_parameters,
           limit_config,
           profile_config,
)
from nsifit.bounds.config import (
           DERIVED,
           STATISTICS,
           load_bounds_config,
           parse_expression,
)

__all__ = ["DERIVED", "STATISTICS", "compute", "compute_limit", "compute_profile", "grid_parameters",
           "limit_config", "load_bounds_config", "parse_expression", "profile_config"]
