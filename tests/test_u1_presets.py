"""The presets are u1 with fixed charges: they and `{name: u1, charges: ...}` reproduce the pre-u1 hard-coded
models (tests/legacy_models.py) in every coupling and every plugin's log-likelihood to 1e-10 at random points."""

import numpy as np
import pytest
from legacy_models import LegacyBMinusL, LegacyDarkPhoton, LegacyLmuMinusLtau, LegacyMuTauBaryon

from nsifit.constants import CHARGED_FERMIONS
from nsifit.plugins import registry
from nsifit.plugins.evaluate import evaluate_plugins
from nsifit.theory.models import get_model

RNG = np.random.default_rng(20260513)
N = 24


def log_uniform(lo, hi, n=N):
    return np.exp(RNG.uniform(np.log(lo), np.log(hi), n))


MUTAU = {"L_mu": 1, "L_tau": 1, "B1": "-c", "B2": "-c", "B3": "-2*(1-c)"}
CASES = {
    "lmu_minus_ltau loop": (LegacyLmuMinusLtau(), "lmu_minus_ltau", {"name": "u1", "charges": {"L_mu": 1, "L_tau": -1}},
                            dict(m_zp=log_uniform(1, 5000), g_zp=log_uniform(1e-6, 3e-2))),
    "lmu_minus_ltau epsilon": (LegacyLmuMinusLtau(), "lmu_minus_ltau",
                               {"name": "u1", "charges": {"L_mu": 1, "L_tau": -1}},
                               dict(m_zp=log_uniform(1, 5000), g_zp=log_uniform(1e-6, 3e-2),
                                    epsilon=RNG.uniform(-1e-3, 1e-3, N))),
    "dark_photon": (LegacyDarkPhoton(), "dark_photon", {"name": "u1", "charges": {}, "mixing": "free"},
                    dict(m_zp=log_uniform(1, 5000), epsilon=log_uniform(1e-6, 1e-2))),
    "b_minus_l": (LegacyBMinusL(), "b_minus_l", {"name": "u1", "charges": {"B": 1, "L": -1}, "mixing": "none"},
                  dict(m_zp=log_uniform(1, 5000), g_zp=log_uniform(1e-7, 1e-3))),
    "mutau_baryon epsilon": (LegacyMuTauBaryon(), "mutau_baryon",
                             {"name": "u1", "charges": MUTAU, "mixing": "free", "phi": True},
                             dict(m_zp=log_uniform(1, 3000), g_zp=log_uniform(1e-10, 1e-3), c=RNG.uniform(-1, 1, N),
                                  epsilon=RNG.uniform(-3e-4, 3e-4, N))),
    "mutau_baryon tan_eta phi up": (LegacyMuTauBaryon(quark_alignment="up"), {"name": "mutau_baryon",
                                                                              "quark_alignment": "up"},
                                    {"name": "u1", "charges": MUTAU, "mixing": "free", "phi": True,
                                     "quark_alignment": "up"},
                                    dict(m_zp=log_uniform(20, 300), g_zp=log_uniform(1e-5, 1e-3),
                                         c=RNG.uniform(-1, 1, N), tan_eta=RNG.uniform(-2, 2, N),
                                         c_phi=RNG.uniform(1, 50, N), m_phi=log_uniform(3, 60))),
}


def couplings(model, params):
    mdl = get_model(model)
    return mdl.couplings(mdl.resolve(params))


@pytest.mark.parametrize("case", list(CASES))
def test_preset_and_u1_reproduce_the_legacy_couplings(case):
    legacy, preset, u1, params = CASES[case]
    if "dark_photon" in case:       # u1 with no charges has g_zp: any value, nothing couples to it
        u1_params = dict(params, g_zp=log_uniform(1e-6, 1e-2))
    else:
        u1_params = params
    ref = couplings(legacy, params)
    for cpl in (couplings(preset, params), couplings(u1, u1_params)):
        for f in CHARGED_FERMIONS + ("p", "n"):
            np.testing.assert_allclose(cpl.vector(f), ref.vector(f), rtol=1e-12, atol=1e-20)
            np.testing.assert_allclose(cpl.vector(f, on_shell=True), ref.vector(f, on_shell=True), rtol=1e-12,
                                       atol=1e-20)
            np.testing.assert_array_equal(cpl.axial(f), 0.0)
        np.testing.assert_allclose(cpl.g_nu, ref.g_nu, rtol=1e-12, atol=1e-20)
        np.testing.assert_allclose(cpl.epsilon, ref.epsilon, rtol=1e-12, atol=1e-20)
        np.testing.assert_allclose(cpl.epsilon_at(-3e4), ref.epsilon_at(-3e4), rtol=1e-12, atol=1e-20)
        np.testing.assert_array_equal(cpl.m_phi_mev, ref.m_phi_mev)
        np.testing.assert_allclose(cpl.g_phi, ref.g_phi, rtol=1e-12, atol=1e-20)
        assert cpl.quark_alignment == ref.quark_alignment


@pytest.mark.parametrize("case", list(CASES))
def test_preset_and_u1_reproduce_every_plugin_loglike(case):
    legacy, preset, u1, params = CASES[case]
    u1_params = dict(params, g_zp=log_uniform(1e-6, 1e-2)) if "dark_photon" in case else params
    plugins = registry.build(legacy, registry.registry())
    _, _, ref = evaluate_plugins(legacy, plugins, params)
    for model, p in ((get_model(preset), params), (get_model(u1), u1_params)):
        _, _, got = evaluate_plugins(model, plugins, p)
        assert set(got) == set(ref)
        for name in ref:
            np.testing.assert_allclose(got[name], ref[name], rtol=1e-10, atol=1e-12, err_msg=f"{case}: {name}")
    assert any(np.any(ref[name] < -1e-3) for name in ref if name != "total")     # the points constrain something


def test_the_legacy_test_points_reach_the_loop_thresholds_and_the_flavour_plugins():
    """The random points must exercise the complex loop (above 2 m_mu) and the meson decays (c != 2/3)."""
    assert np.any(CASES["lmu_minus_ltau loop"][3]["m_zp"] > 2 * 105.66)
    legacy, _, _, params = CASES["mutau_baryon epsilon"]
    _, _, ref = evaluate_plugins(legacy, registry.build(legacy, ["k_to_pi_zp"]), params)
    assert np.any(ref["k_to_pi_zp"] < -1.0)
