"""nsifit from Python: a fit, a profile and a summary (CI runs this script).

Run:  python examples/tutorial.py [OUTPUT_DIR]     (about a minute on two cores)

The model is the U(1) of L_mu + L_tau - c(B1+B2) - 2(1-c)B3 with kinetic mixing of Bernal and
Farzan (arXiv:2211.15686) at c = -0.1, tan(eta) = -0.75; the Z' mass and coupling are sampled.
"""

import sys
from pathlib import Path

import numpy as np

import nsifit
from nsifit import api

out = Path(sys.argv[1] if len(sys.argv) > 1 else "chains")
config = {
    "model": "mutau_baryon",
    "params": {"m_zp": {"prior": "log-uniform", "min": 5, "max": 200},       # MeV
               "g_zp": {"prior": "log-uniform", "min": 1e-6, "max": 1e-2},
               "tan_eta": -0.75, "c": -0.1},
    "likelihoods": {"gm2_mu": {}, "borexino_7be": {}, "na64_invisible": {}, "bbn_neff": {}},
    "sampler": {"walkers": 64, "steps": 600, "seed": 3, "progress": False},
}

# 1. One point, every derived quantity and each plugin's log-likelihood (parameters broadcast).
point = nsifit.evaluate("mutau_baryon", m_zp=[10.0, 30.0], g_zp=5e-4, c=-0.1, tan_eta=-0.75,
                        likelihoods=list(config["likelihoods"]))
print("eps_medium at m_Z' = 10, 30 MeV:", point["derived"]["eps_medium"])
print("log L total:", point["loglike"]["total"])

# 2. MCMC (emcee) into an HDF5 file; `force=True` overwrites an earlier tutorial run.
run = api.run(config, output=out / "tutorial.h5", force=True)
samples = run.samples(derived=["eps_medium"])
print(f"{len(samples['m_zp'])} samples; median m_Z' = {np.median(samples['m_zp']):.1f} MeV, "
      f"median eps_medium = {np.median(samples['eps_medium']):.3g}")
summary = run.summary()
for name, p in summary["params"].items():
    limit = p["limit"]
    text = f"{'<' if limit['type'] == 'upper' else '>'} {limit['cl95']:.3g}" if limit else \
        f"[{p['interval_95'][0]:.3g}, {p['interval_95'][1]:.3g}]"
    print(f"  {name}: 95% {text} {p['unit']}")
run.corner(out / "tutorial_corner.png")

# 3. Profile likelihood of g_zp (iminuit; m_zp profiled at each point) and its 95% CL upper limit.
profile = api.profile(config, ["g_zp:1e-6:1e-2:25:log"], output=out / "tutorial_profile.h5")
print(f"profile-likelihood 95% CL upper limit on g_zp: {profile.limit(cl=0.95):.3g}")
profile.plot(out / "tutorial_profile.png")

# 4. Everything is in the files: load them back.
again = api.load(out / "tutorial.h5")
print(type(again).__name__, again.names, "| scans in the profile file:", api.load(out / "tutorial_profile.h5").name)
