"""The tutorial script (examples/tutorial.py) runs end to end: a fit, a profile, a summary, from Python."""

import subprocess
import sys
from pathlib import Path

import pytest

from nsifit import api

TUTORIAL = Path(__file__).resolve().parents[1] / "examples" / "tutorial.py"


@pytest.mark.slow
def test_tutorial_script_runs_fit_profile_and_summary(tmp_path):
    done = subprocess.run([sys.executable, str(TUTORIAL), str(tmp_path)], capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "profile-likelihood 95% CL upper limit on g_zp" in done.stdout
    run = api.load(tmp_path / "tutorial.h5")
    assert isinstance(run, api.Run) and run.names == ["m_zp", "g_zp"]
    profile = api.load(tmp_path / "tutorial_profile.h5")
    assert isinstance(profile, api.Profile) and profile.params == ["g_zp"]
    # the profile limit lies inside the scan and Delta chi^2 crosses 2.71 there
    limit = profile.limit(0.95)
    assert 1e-6 < limit < 1e-2
    for name in ("tutorial_corner.png", "tutorial_profile.png"):
        assert (tmp_path / name).stat().st_size > 10_000
