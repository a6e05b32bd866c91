"""Ensemble proposal moves, each tested for sampling the right distribution.

Use this when choosing `sampler.moves`:
- `de-mix` (default): differential evolution (ter Braak, Stat. Comput. 16 (2006) 239;
  emcee's DEMove, gamma = 2.38/sqrt(2 d)) 70%, the same with gamma = 1 10% (ter Braak's
  mode-hopping step: a walker jumps by a whole inter-walker difference, i.e. between modes),
  and the DE snooker update 20% (ter Braak & Vrugt, Stat. Comput. 18 (2008) 435) as
  implemented here. Good for multimodal and curved posteriors such as nsifit's.
- `de`: differential evolution alone (emcee's DEMove).
- `de-snooker`: DE 80% + this module's snooker 20%.
- `stretch`: the affine-invariant stretch move (Goodman & Weare 2010; emcee's default).

emcee 3.1.6's DESnookerMove samples a wrong distribution: it scales the snooker axis by
1/sqrt|x - z| instead of 1/|x - z| and uses half the Jacobian exponent (fixed upstream in
emcee pull request #531, Jan 2025, in no release as of emcee 3.1.6). nsifit never uses it;
tests/test_moves.py shows that it fails the known-answer targets that these moves pass.
"""

import numpy as np
from emcee.moves import DEMove, RedBlueMove, StretchMove

MOVE_SETS = ("de-mix", "de", "de-snooker", "stretch")
SNOOKER_GAMMA_RANGE = (1.2, 2.2)   # ter Braak & Vrugt (2008) sect. 3: gamma ~ U[1.2, 2.2]


class SnookerMove(RedBlueMove):
    """DE snooker update with the correct Jacobian (ter Braak & Vrugt 2008, sect. 3).

    For a walker x, three distinct walkers z, z1, z2 of the complementary half: with the unit
    vector e = (x - z)/|x - z|, the proposal is x' = x + gamma [e.(z1 - z2)] e, a move along the
    line through z. In spherical coordinates about z the map shifts the radius at fixed
    direction, so the acceptance probability carries (|x' - z|/|x - z|)^(d - 1). The reverse move
    (z1 and z2 swapped, equally likely) returns x' to x, so detailed balance holds.
    """

    def __init__(self, gamma_range=SNOOKER_GAMMA_RANGE, **kwargs):
        self.gamma_range = gamma_range
        super().__init__(**kwargs)

    def get_proposal(self, s, c, random):
        c = np.concatenate(c, axis=0)
        ns, ndim = s.shape
        if len(c) < 3:
            raise ValueError("the snooker move needs at least 3 walkers in the complementary half")
        picks = np.argsort(random.rand(ns, len(c)), axis=1)[:, :3]      # three distinct walkers
        z, z1, z2 = c[picks[:, 0]], c[picks[:, 1]], c[picks[:, 2]]
        delta = s - z
        radius = np.linalg.norm(delta, axis=1)
        e = delta / radius[:, None]
        gamma = random.uniform(*self.gamma_range, size=ns)
        step = gamma * np.einsum("ij,ij->i", e, z1 - z2)
        new_radius = np.abs(radius + step)                # x' - z = (|x - z| + step) e
        with np.errstate(divide="ignore"):
            log_jacobian = (ndim - 1.0) * (np.log(new_radius) - np.log(radius))
        return s + step[:, None] * e, log_jacobian


def ensemble_moves(name):
    """emcee moves list [(move, weight)] for a `sampler.moves` name (see the module docstring)."""
    if name == "stretch":
        return [(StretchMove(), 1.0)]
    if name == "de":
        return [(DEMove(), 1.0)]
    if name == "de-snooker":
        return [(DEMove(), 0.8), (SnookerMove(), 0.2)]
    if name == "de-mix":
        return [(DEMove(), 0.7), (DEMove(gamma0=1.0), 0.1), (SnookerMove(), 0.2)]
    raise ValueError(f"unknown moves '{name}'; valid: {', '.join(MOVE_SETS)}")
