"""Exclusion planes: each experiment's excluded region in a 2D parameter plane.

`load_bounds_config` reads a bounds config (or a shipped figure name); `compute` evaluates every
layer on the grid; `compute_profile` adds the combined profile-likelihood layer.
"""

from nsifit.bounds.compute import (
           compute,
           compute_profile,
           grid_parameters,
           profile_config,
)
from nsifit.bounds.config import (
           DERIVED,
           STATISTICS,
           load_bounds_config,
           parse_expression,
)

__all__ = ["DERIVED", "STATISTICS", "compute", "compute_profile", "grid_parameters", "load_bounds_config",
           "parse_expression", "profile_config"]
