"""Test helper: a likelihood plugin shipped as its own (one-module) distribution, not part of nsifit."""

import sys

from nsifit.plugins import registry


def write_distribution(site, package, source, entry_points):
    """Write `package/__init__.py` and a dist-info declaring `entry_points` ({name: 'module:Class'})."""
    (site / package).mkdir(parents=True, exist_ok=True)
    (site / package / "__init__.py").write_text(source)
    dist = site / f"{package}-0.1.dist-info"
    dist.mkdir(exist_ok=True)
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {package.replace('_', '-')}\nVersion: 0.1\n")
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (dist / "entry_points.txt").write_text(f"[{registry.ENTRY_POINT_GROUP}]\n{lines}")
    return site


def registered(site, package, monkeypatch):
    """Generator for a fixture: `site` on sys.path and the plugin registry refreshed, undone after."""
    monkeypatch.syspath_prepend(str(site))
    registry._entry_points.cache_clear()
    yield site
    monkeypatch.undo()
    sys.modules.pop(package, None)
    registry._entry_points.cache_clear()
