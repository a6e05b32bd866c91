"""Every selectable proposal move samples the right distribution on targets with known answers.

Each move set of nsifit.moves runs emcee on (a) a correlated 5D Gaussian (known covariance),
(b) a 2D banana x2 | x1 ~ N(b x1^2, s2^2) (E x2 = b s1^2, Var x2 = s2^2 + 2 b^2 s1^4), (c) a
two-mode mixture with weights 0.75 / 0.25 (mode weights). Tolerances are Monte Carlo errors
from the measured autocorrelation time (5 sigma) plus a stated floor. emcee 3.1.6's own
DESnookerMove fails them (its unit vector and Jacobian are wrong, emcee pull request #531);
the stretch move cannot cross between well-separated modes (a known limit, not a bias).
"""

import emcee
import numpy as np
import pytest
from emcee.moves import DESnookerMove

from nsifit.inference.samplers.moves import MOVE_SETS, SnookerMove, ensemble_moves

pytestmark = pytest.mark.slow

WALKERS, STEPS, BURN = 64, 3000, 600
rng = np.random.default_rng(11)
_A = rng.normal(size=(5, 5))
COV = _A @ _A.T + 0.5 * np.eye(5)
ICOV = np.linalg.inv(COV)
BANANA_B, BANANA_S1, BANANA_S2 = 1.0, 1.0, 0.5
MODE_CENTRE, MODE_SIGMA, MODE_WEIGHT = np.array([3.0, 0.0, 0.0]), 0.5, 0.75


def gaussian(x):
    return -0.5 * np.einsum("ij,jk,ik->i", x, ICOV, x)


def banana(x):
    return -0.5 * (x[:, 0] / BANANA_S1) ** 2 - 0.5 * ((x[:, 1] - BANANA_B * x[:, 0] ** 2) / BANANA_S2) ** 2


def two_modes(x):
    near = -0.5 * np.sum((x - MODE_CENTRE) ** 2, axis=1) / MODE_SIGMA ** 2
    far = -0.5 * np.sum((x + MODE_CENTRE) ** 2, axis=1) / MODE_SIGMA ** 2
    return np.logaddexp(np.log(MODE_WEIGHT) + near, np.log(1 - MODE_WEIGHT) + far)


def sample(log_prob, ndim, moves, seed=3):
    """(flat chain after burn-in, effective sample size from the largest tau)."""
    sampler = emcee.EnsembleSampler(WALKERS, ndim, log_prob, vectorize=True, moves=moves)
    sampler._random = np.random.RandomState(seed)
    start = np.random.default_rng(seed).normal(scale=2.0, size=(WALKERS, ndim))
    sampler.run_mcmc(start, STEPS, progress=False)
    tau = np.max(emcee.autocorr.integrated_time(sampler.get_chain(discard=BURN), quiet=True))
    return sampler.get_chain(discard=BURN, flat=True), (STEPS - BURN) * WALKERS / tau


def gaussian_variance_error(moves):
    """Largest |Var_i/Var_i(true) - 1| in units of its Monte Carlo error sqrt(2/ESS) (+2% floor)."""
    flat, ess = sample(gaussian, 5, moves)
    ratio = np.var(flat, axis=0) / np.diag(COV)
    return np.max(np.abs(ratio - 1) / (np.sqrt(2 / ess) + 0.02 / 5))


def banana_errors(moves):
    flat, ess = sample(banana, 2, moves)
    var_x2 = BANANA_S2 ** 2 + 2 * BANANA_B ** 2 * BANANA_S1 ** 4
    mean_err = abs(flat[:, 1].mean() - BANANA_B * BANANA_S1 ** 2) / np.sqrt(var_x2 / ess)
    var_err = abs(flat[:, 0].var() - BANANA_S1 ** 2) / (BANANA_S1 ** 2 * np.sqrt(2 / ess))
    return max(mean_err, var_err)


def mode_weight(moves):
    flat, ess = sample(two_modes, 3, moves)
    return np.mean(flat[:, 0] > 0), np.sqrt(MODE_WEIGHT * (1 - MODE_WEIGHT) / ess)


@pytest.mark.parametrize("name", MOVE_SETS)
def test_move_set_samples_correlated_gaussian_covariance(name):
    assert gaussian_variance_error(ensemble_moves(name)) < 5


@pytest.mark.parametrize("name", MOVE_SETS)
def test_move_set_samples_banana_moments(name):
    assert banana_errors(ensemble_moves(name)) < 5


@pytest.mark.parametrize("name", [n for n in MOVE_SETS if n != "stretch"])
def test_move_set_finds_unequal_mode_weights(name):
    weight, error = mode_weight(ensemble_moves(name))
    assert abs(weight - MODE_WEIGHT) < max(5 * error, 0.03)     # stated tolerance: 0.03 or 5 sigma


def test_stretch_move_does_not_cross_separated_modes():
    """A known limit of the stretch move (its walkers keep their initial split): documented, not hidden."""
    weight, _ = mode_weight(ensemble_moves("stretch"))
    assert abs(weight - MODE_WEIGHT) > 0.15


def test_nsifit_snooker_alone_is_correct():
    moves = [(SnookerMove(), 1.0)]
    assert gaussian_variance_error(moves) < 5
    assert banana_errors(moves) < 5


def test_emcee_3_1_6_snooker_fails_the_known_answers():
    """emcee's DESnookerMove (<= 3.1.6): variances ~25% low on the Gaussian, banana mean ~40% low."""
    if tuple(int(v) for v in emcee.__version__.split(".")[:3]) > (3, 1, 6):
        pytest.skip(f"emcee {emcee.__version__} may carry the fix of pull request #531")
    moves = [(DESnookerMove(), 1.0)]
    assert gaussian_variance_error(moves) > 5          # the pass threshold of the tests above
    assert banana_errors(moves) > 5
