"""Shared fixtures."""

import pytest
from plugin_site import registered
from sampling_toy import write_site


@pytest.fixture
def toy_site(tmp_path, monkeypatch):
    """The toy Gaussian plugin as its own distribution under tmp_path, registered in this process too."""
    yield from registered(write_site(tmp_path), "nsifit_toy_gauss", monkeypatch)
