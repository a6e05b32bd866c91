"""Profile likelihoods against closed forms: Gaussian toy likelihoods with analytic profiles."""

import math
import os
import shutil
import subprocess
import sys
import types

import h5py
import numpy as np
import pytest

from nsifit.cli import main as cli
from nsifit.errors import ConfigError, NsifitError
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.profile import scan as profiling
from nsifit.plugins import registry
from nsifit.plugins.base import Likelihood, Nuisance


class GaussToy(Likelihood):
    """Correlated Gaussian in model parameters (known answer); -inf for m_zp above `wall`."""

    name = "gauss_toy"
    options = {"params": ["m_zp"], "mean": [100.0], "cov": [[100.0]], "wall": None, "shift": 0.0}
    nuisances = (Nuisance("toy_shift", 0.0, 1.0, "shifts the m_zp measurement by shift * toy_shift"),)

    def setup(self):
        o = self.option_values
        self.params, self.mean = list(o["params"]), np.array(o["mean"], float)
        self.inv = np.linalg.inv(np.array(o["cov"], float))

    def loglike(self, obs, toy_shift=0.0):
        x = np.stack([obs.params[p] for p in self.params], axis=-1) - self.mean
        x[:, 0] = x[:, 0] - self.option_values["shift"] * np.asarray(toy_shift)
        ll = -0.5 * np.einsum("ni,ij,nj->n", x, self.inv, x)
        wall = self.option_values["wall"]
        return ll if wall is None else np.where(obs.params["m_zp"] > wall, -np.inf, ll)


class BimodalToy(Likelihood):
    """Two valleys in epsilon: A at +1e-3 with chi^2 ((m_zp - 120)/10)^2, B at -1e-3 with chi^2 = 2."""

    name = "bimodal_toy"

    def loglike(self, obs):
        m, eps = obs.params["m_zp"], obs.params["epsilon"]
        valley_a = ((m - 120.0) / 10.0) ** 2 + ((eps - 1e-3) / 1e-4) ** 2
        valley_b = 2.0 + ((eps + 1e-3) / 1e-4) ** 2
        return -0.5 * np.minimum(valley_a, valley_b)


class LimitToy(Likelihood):
    """A (g-2)-like band: g_mu = g_zp - 0.3 epsilon must equal 5e-4, chi^2 = (((g_mu / 5e-4)^2 - 1) / 0.1)^2."""

    name = "limit_toy"

    def loglike(self, obs):
        g_mu = obs.params["g_zp"] - 0.3 * obs.params["epsilon"]
        return -0.5 * (((g_mu / 5e-4) ** 2 - 1.0) / 0.1) ** 2


class _EntryPoint:
    def __init__(self, cls):
        self.name, self.value, self.cls = cls.name, f"tests.test_profiling:{cls.__name__}", cls

    def load(self):
        return self.cls


_INSTALLED = registry._entry_points


@pytest.fixture(autouse=True)
def toy_plugin(monkeypatch):
    monkeypatch.setattr(registry, "_entry_points",
                        lambda: {c.name: _EntryPoint(c) for c in (GaussToy, BimodalToy, LimitToy)})


def posterior(priors, **options):
    return Posterior(load_config({"model": "dark_photon", "params": priors,
                                  "likelihoods": {"gauss_toy": options}}))


MZP = {"prior": "uniform", "min": 50.0, "max": 150.0}


def test_profile_1d_direct_gaussian_parabola():
    """One sampled parameter: the fast path; Delta chi^2 = ((m - 100)/10)^2, 68% interval = 2 sigma."""
    post = posterior({"m_zp": MZP, "epsilon": 1e-3})
    res = profiling.profile(post, [profiling.Axis("m_zp", 60.0, 140.0, 41)])
    m = res["axes"][0].values
    assert np.all(res["method"] == profiling.METHODS.index("direct"))
    np.testing.assert_allclose(res["delta_chi2"], ((m - 100.0) / 10.0) ** 2, atol=1e-6)
    assert res["fit"]["best"].x[0] == pytest.approx(100.0, abs=1e-3)
    (low, high), = res["intervals"][1.00]
    assert high - low == pytest.approx(20.0, rel=1e-6)
    (low95, high95), = res["intervals"][3.84]
    assert (low95, high95) == pytest.approx((100 - 10 * math.sqrt(3.84), 100 + 10 * math.sqrt(3.84)), rel=1e-6)


def test_profile_1d_nuisance_widens_by_gaussian_constraint():
    """m = 100 +- 10 measured as m_zp + 5 * shift, shift ~ N(0, 1): profile width sqrt(10^2 + 5^2)."""
    post = posterior({"m_zp": MZP, "epsilon": 1e-3, "toy_shift": {"prior": "gaussian"}}, shift=5.0)
    res = profiling.profile(post, [profiling.Axis("m_zp", 60.0, 140.0, 21)])
    m = res["axes"][0].values
    assert res["valid"].all()
    np.testing.assert_allclose(res["delta_chi2"], (m - 100.0) ** 2 / 125.0, atol=2e-3)
    np.testing.assert_allclose(res["x"][:, 1], 5.0 * (m - 100.0) / 125.0, atol=5e-3)   # E[shift | m]
    (low, high), = res["intervals"][1.00]
    assert high - low == pytest.approx(2 * math.sqrt(125.0), rel=1e-3)


def test_profile_2d_correlated_gaussian_analytic():
    """3D correlated Gaussian, profiled over epsilon: Delta chi^2 = d^T (Sigma_2x2)^-1 d."""
    cov = np.array([[100.0, 6e-3, 4e-3], [6e-3, 1e-6, 0.5e-6], [4e-3, 0.5e-6, 4e-6]])
    post = Posterior(load_config({"model": "mutau_baryon", "params": {
        "m_zp": MZP, "g_zp": {"prior": "uniform", "min": 0.0, "max": 6e-3}, "c": -0.1,
        "epsilon": {"prior": "uniform", "min": -0.01, "max": 0.01}},
        "likelihoods": {"gauss_toy": {"params": ["m_zp", "g_zp", "epsilon"], "mean": [100.0, 2e-3, 1e-3],
                                      "cov": cov.tolist()}}}))
    axes = [profiling.Axis("m_zp", 80.0, 120.0, 9), profiling.Axis("g_zp", 1e-3, 3e-3, 7)]
    res = profiling.profile(post, axes)
    mm, gg = np.meshgrid(axes[0].values, axes[1].values, indexing="ij")
    d = np.stack([mm - 100.0, gg - 2e-3], axis=-1)
    expected = np.einsum("...i,ij,...j->...", d, np.linalg.inv(cov[:2, :2]), d)
    assert res["valid"].all()
    np.testing.assert_allclose(res["delta_chi2"], expected, atol=2e-3)
    best = res["fit"]["best"].x
    np.testing.assert_allclose(best, [100.0, 2e-3, 1e-3], rtol=1e-3)


def test_profile_2d_contour_projection_wider_than_1d_interval():
    """Extent of the 2D 68% region along m_zp = the 1D interval at Delta chi^2 = 2.30, not 1.00."""
    cov = [[100.0, 6e-3], [6e-3, 1e-6]]
    params = {"m_zp": MZP, "epsilon": {"prior": "uniform", "min": -2e-3, "max": 6e-3}}
    post = posterior(params, params=["m_zp", "epsilon"], mean=[100.0, 2e-3], cov=cov)
    res1 = profiling.profile(post, [profiling.Axis("m_zp", 70.0, 130.0, 31)])
    (lo, hi), = profiling.intervals_1d(res1["axes"][0].values, res1["delta_chi2"], 2.30)
    assert (lo, hi) == pytest.approx((100 - 10 * math.sqrt(2.30), 100 + 10 * math.sqrt(2.30)), abs=0.05)
    (lo1, hi1), = res1["intervals"][1.00]
    assert hi - lo > 1.5 * (hi1 - lo1)


def test_profile_processes_equal_serial():
    """Stripes over two processes give the same grid as one process (reproducible starts)."""
    params = {"m_zp": MZP, "epsilon": {"prior": "uniform", "min": -2e-3, "max": 6e-3}}
    post = posterior(params, params=["m_zp", "epsilon"], mean=[100.0, 2e-3], cov=[[100.0, 6e-3], [6e-3, 1e-6]])
    axis = [profiling.Axis("m_zp", 70.0, 130.0, 12)]
    serial = profiling.profile(post, axis, pool="serial")
    procs = profiling.profile(post, axis, pool="processes:2")
    np.testing.assert_allclose(procs["delta_chi2"], serial["delta_chi2"], atol=1e-6)


def test_profile_recovers_from_excluded_start_and_flags_failures():
    """Global fit placed where log L = -inf (m_zp > wall): the prior draws of the stripe's cold start
    recover every point; without draws (fresh=0) MIGRAD and SIMPLEX fail and every point says so."""
    params = {"m_zp": {"prior": "uniform", "min": 50.0, "max": 300.0},
              "epsilon": {"prior": "uniform", "min": -2e-3, "max": 6e-3}}
    post = posterior(params, params=["m_zp", "epsilon"], mean=[100.0, 2e-3],
                     cov=[[100.0, 0.0], [0.0, 1e-6]], wall=150.0)
    bad = profiling.Fit(np.array([250.0, 2e-3]), 0.0, True, 0.0, 0, 1)
    axis = [profiling.Axis("epsilon", 0.0, 4e-3, 9)]
    res = profiling.profile(post, axis, best={"best": bad, "minima": [bad], "warnings": []}, fresh=8)
    assert res["valid"].all()
    eps = res["axes"][0].values
    np.testing.assert_allclose(res["delta_chi2"], ((eps - 2e-3) / 1e-3) ** 2, atol=1e-3)
    with pytest.warns(profiling.ProfileWarning, match="9 of 9 grid points did not converge"):
        res = profiling.profile(post, axis, best={"best": bad, "minima": [bad], "warnings": []}, fresh=0)
    assert np.all(res["method"] == profiling.METHODS.index("failed")) and not res["valid"].any()


def test_profile_neighbour_sweep_leaves_local_valley():
    """A stripe that starts in valley B stays there by warm starts; the sweep (global fit and
    neighbours as candidates) finds valley A where it is deeper: Delta chi^2 = min(((m-120)/10)^2, 2)."""
    res = profiling.profile(bimodal_posterior(), [profiling.Axis("m_zp", 60.0, 150.0, 31)], stripe_length=31)
    m = res["axes"][0].values
    assert res["valid"].all()
    assert np.any(res["method"] == profiling.METHODS.index("neighbour start"))
    np.testing.assert_allclose(res["delta_chi2"], np.minimum(((m - 120.0) / 10.0) ** 2, 2.0), atol=1e-3)


def bimodal_posterior():
    return Posterior(load_config({"model": "dark_photon", "params": {
        "m_zp": MZP, "epsilon": {"prior": "uniform", "min": -2e-3, "max": 2e-3}},
        "likelihoods": {"bimodal_toy": {}}}))


def stripe_vs_brute_force(likelihoods, m_zp, g):
    """Profile over epsilon in [-2e-3, 0] along one stripe walked through g (warm starts from each
    neighbour's solution), and the brute-force minimum over 20001 values of epsilon (second route)."""
    post = Posterior(load_config({"model": "mutau_baryon", "params": {
        "m_zp": m_zp, "c": -0.1, "g_zp": {"prior": "log-uniform", "min": 1e-5, "max": 1e-2},
        "epsilon": {"prior": "uniform", "min": -2e-3, "max": 0.0}}, "likelihoods": likelihoods}))
    chi2, space = profiling.make_chi2(post), profiling.Space(post)
    fits, = profiling._scan_stripes(chi2, space, [0], np.log10(g)[:, None], [[(k,) for k in range(len(g))]],
                                    [np.array([-2.0, -1e-3])], [(0, 0)], fresh=8)
    eps = np.linspace(-2e-3, 0.0, 20001)
    brute = chi2(np.stack(np.broadcast_arrays(np.log10(g)[:, None], eps), axis=-1).reshape(-1, 2))
    return fits, brute.reshape(len(g), -1).min(axis=1)


def test_profile_warm_start_on_prior_limit_finds_interior_minimum():
    """g_mu = g_zp - 0.3 eps, eps in [-2e-3, 0]: above g_zp = 5e-4 the minimum sits on the limit eps = 0,
    below it inside (eps = (g_zp - 5e-4) / 0.3, chi^2 = 0). The stripe reaches g_zp = 3.2e-4 warm-started
    on the limit; each point must match brute force and the closed form max(0, (g/5e-4)^2 - 1)^2 / 0.1^2."""
    g = np.array([1e-2, 3e-3, 3.2e-4, 1e-4])
    fits, brute = stripe_vs_brute_force({"limit_toy": {}}, 10.0, g)
    np.testing.assert_allclose(brute, (np.clip((g / 5e-4) ** 2 - 1.0, 0.0, None) / 0.1) ** 2, atol=1e-4, rtol=1e-6)
    assert all(f.valid for f in fits)
    np.testing.assert_allclose([f.chi2 for f in fits], brute, atol=1e-4, rtol=1e-6)
    np.testing.assert_allclose([f.x[1] for f in fits[2:]], (g[2:] - 5e-4) / 0.3, atol=1e-6)


def test_profile_gm2_warm_start_on_prior_limit_reaches_band(monkeypatch):
    """The reported case: (g-2)mu alone, m_Z' = 14 MeV, g_zp = 3e-3 (minimum on eps = 0) then 3.2e-4,
    where g_mu = g_zp - e eps reaches the band at eps ~ -7e-4 (chi^2 ~ 0, not 7 on the limit)."""
    monkeypatch.setattr(registry, "_entry_points", _INSTALLED)
    if "gm2_mu" not in registry.registry():
        pytest.skip("plugin gm2_mu not installed")
    fits, brute = stripe_vs_brute_force({"gm2_mu": {"dataset": "bnl_fnal_2021_wp2020"}}, 14.0, np.array([3e-3, 3.2e-4]))
    assert brute[1] < 1e-3 and all(f.valid for f in fits)
    np.testing.assert_allclose([f.chi2 for f in fits], brute, atol=1e-3, rtol=1e-6)
    assert -8e-4 < fits[1].x[1] < -6e-4


MPI_SCRIPT = """
import sys
import numpy as np
sys.path.insert(0, {tests!r})
import test_profiling as t
from nsifit.plugins import registry
from nsifit.inference.profile import scan as profiling
from mpi4py import MPI
registry._entry_points = lambda: {{c.name: t._EntryPoint(c) for c in (t.GaussToy, t.BimodalToy)}}
res = profiling.profile(t.bimodal_posterior(), [profiling.Axis("m_zp", 60.0, 150.0, 31)], pool="mpi")
if MPI.COMM_WORLD.rank == 0:
    np.save({out!r}, res["delta_chi2"])
"""


@pytest.mark.skipif(shutil.which("mpiexec") is None, reason="needs mpiexec and mpi4py")
def test_profile_mpi_two_ranks_equal_serial(tmp_path):
    pytest.importorskip("mpi4py")
    out = tmp_path / "mpi.npy"
    script = MPI_SCRIPT.format(tests=os.path.dirname(__file__), out=str(out))
    subprocess.run(["mpiexec", "--allow-run-as-root", "--oversubscribe", "-n", "2", sys.executable, "-c", script],
                   check=True, timeout=120, capture_output=True)
    serial = profiling.profile(bimodal_posterior(), [profiling.Axis("m_zp", 60.0, 150.0, 31)])
    np.testing.assert_allclose(np.load(out), serial["delta_chi2"], atol=1e-9)


class _FlatBeyondZero:
    """Stand-in posterior space: x in [-10, 10]; chi^2 = (x + 3)^2 below 0, excluded (inf) above."""

    names = ["x"]
    sampled = [type("P", (), {"lower": -10.0, "upper": 10.0, "prior": "uniform"})()]

    @staticmethod
    def sample_prior(n, rng):
        return rng.uniform(-10.0, 10.0, (n, 1))

    @staticmethod
    def chi2(x):
        return np.where(x[:, 0] < 0, (x[:, 0] + 3.0) ** 2, np.inf)


def test_fit_point_fresh_start_after_migrad_and_simplex_fail():
    space = profiling.Space(_FlatBeyondZero())
    fits = profiling.run_lanes(_FlatBeyondZero.chi2, [
        lambda ev: profiling.fit_point(ev, np.array([6.0]), [0], space, np.random.default_rng(1), fresh=16),
        lambda ev: profiling.fit_point(ev, np.array([6.0]), [0], space, np.random.default_rng(1), fresh=0)])
    assert profiling.METHODS[fits[0].method] == "fresh start" and fits[0].valid
    assert fits[0].x[0] == pytest.approx(-3.0, abs=1e-3)
    assert profiling.METHODS[fits[1].method] == "failed" and not fits[1].valid


def test_best_fit_on_prior_boundary_warns():
    post = posterior({"m_zp": {"prior": "uniform", "min": 120.0, "max": 200.0}, "epsilon": 1e-3})
    with pytest.warns(profiling.ProfileWarning, match="boundary"):
        fit = profiling.best_fit(post, starts=3)
    assert fit["best"].x[0] == pytest.approx(120.0, abs=1e-2)
    assert len(fit["minima"]) == 3 and all(m.valid for m in fit["minima"])


def test_intervals_one_sided_at_scan_edge():
    """A monotonic profile gives an upper limit only (lower bound None = open at the scan edge)."""
    x = np.linspace(0.0, 4.0, 81)
    (low, high), = profiling.intervals_1d(x, x ** 2, 2.71)
    assert low is None and high == pytest.approx(math.sqrt(2.71), rel=1e-9)


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "toy.yaml"
    path.write_text("model: dark_photon\nparams:\n  m_zp: {prior: log-uniform, min: 50, max: 150}\n"
                    "  epsilon: {prior: uniform, min: -2.0e-3, max: 6.0e-3}\n"
                    "likelihoods:\n  gauss_toy: {params: [m_zp, epsilon], mean: [100.0, 2.0e-3],\n"
                    "              cov: [[100.0, 0.0], [0.0, 1.0e-6]]}\n"
                    f"output: {tmp_path / 'toy.h5'}\n")
    return path


@pytest.mark.parametrize("spec, message", [
    ("mass:1:2:3", "unknown sampled parameter 'mass'"),
    ("m_zp:100:60:5", "MIN (100) must be < MAX (60)"),
    ("m_zp:60:100:1", "N must be >= 2"),
    ("epsilon:-1e-3:1e-3:5:log", "a log scan needs MIN > 0"),
    ("m_zp:60:100", "expected NAME:MIN:MAX:N[:log]"),
    ("m_zp:10:100:5", "outside the prior support"),
])
def test_profile_cli_bad_scan_one_line_exit_2(config_file, capsys, spec, message):
    assert cli.main(["profile", str(config_file), "--scan", spec]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_profile_cli_writes_group_and_plot(config_file, tmp_path, capsys):
    out, png = tmp_path / "toy.h5", tmp_path / "p.png"
    assert cli.main(["profile", str(config_file), "--scan", "m_zp:70:130:9:log", "--scan",
                     "epsilon:0:4e-3:7", "--plot", str(png)]) == 0
    with h5py.File(out, "r") as h5:
        g = h5["profile/m_zp-epsilon"]
        assert g["delta_chi2"].shape == (9, 7) and g["status/valid"][:].all()
        assert g["nuisances"].keys() == set() and h5.attrs["model"] == "dark_photon"
        m, eps = g["m_zp"][:], g["epsilon"][:]
        d = ((m[:, None] - 100) / 10) ** 2 + ((eps[None, :] - 2e-3) / 1e-3) ** 2
        np.testing.assert_allclose(g["delta_chi2"][:], d, atol=1e-4)
    assert cli.main(["profile", str(config_file), "--scan", "m_zp:70:130:9"]) == 0
    pdf = tmp_path / "all.pdf"
    assert cli.main(["plot", str(out), "-o", str(pdf)]) == 0
    assert png.stat().st_size > 10000 and pdf.read_bytes()[:4] == b"%PDF"
    with h5py.File(out, "r") as h5:
        assert set(h5["profile"]) == {"m_zp-epsilon", "m_zp"}
        assert h5["profile/m_zp/nuisances/epsilon"].shape == (9,)
    assert "68.27% CL" in capsys.readouterr().out


def test_profile_refuses_mpi_launcher_with_non_mpi_pool(monkeypatch):
    """Under mpiexec with a serial pool every rank would run the whole scan and write the same file."""
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "2")
    with pytest.raises(ConfigError, match="mpiexec with 2 ranks but pool is 'serial'"):
        profiling.profile(bimodal_posterior(), [profiling.Axis("m_zp", 60.0, 150.0, 5)])


def test_profile_refuses_broken_mpi_where_every_rank_sees_size_one(monkeypatch):
    world = types.SimpleNamespace(Get_size=lambda: 1, Get_rank=lambda: 0)
    monkeypatch.setitem(sys.modules, "mpi4py", types.SimpleNamespace(MPI=types.SimpleNamespace(COMM_WORLD=world)))
    monkeypatch.setitem(sys.modules, "mpi4py.MPI", sys.modules["mpi4py"].MPI)
    monkeypatch.setenv("PMI_SIZE", "2")
    with pytest.raises(ConfigError, match="broken MPI set-up: mpiexec started 2 ranks but each sees"):
        profiling.profile(bimodal_posterior(), [profiling.Axis("m_zp", 60.0, 150.0, 5)], pool="mpi")


def test_api_profile_limit_is_the_one_sided_wilks_crossing(tmp_path):
    """nsifit.api.profile + Profile.limit: Delta chi^2 = ((m - 100)/10)^2 crosses 2.706 (95% CL one-sided)
    at 100 +- 10 sqrt(2.706); the scan is stored and loads back as a Profile."""
    from nsifit import api
    cfg = {"model": "dark_photon", "params": {"m_zp": MZP, "epsilon": 1e-3}, "likelihoods": {"gauss_toy": {}}}
    prof = api.profile(cfg, ["m_zp:60:140:161"], output=tmp_path / "p.h5")
    width = 10.0 * math.sqrt(2.705543)
    assert prof.limit(0.95) == pytest.approx(100.0 + width, abs=0.02)
    assert prof.limit(0.95, side="lower") == pytest.approx(100.0 - width, abs=0.02)
    assert prof.limit(0.999999) is None                  # Delta chi^2 stays below 23.9 inside the scan
    again = api.load(tmp_path / "p.h5")
    assert isinstance(again, api.Profile) and again.params == ["m_zp"]
    np.testing.assert_allclose(again.delta_chi2, prof.delta_chi2)
    with pytest.raises(NsifitError, match="side must be"):
        prof.limit(0.95, side="both")
