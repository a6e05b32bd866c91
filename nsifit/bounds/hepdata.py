"""HEPData submissions (hepdata_lib) of an exclusion plane (nsifit.bounds) or of profile scans (nsifit.io).

A bounds figure becomes one table per drawn layer: the region's edges in the plotted plane, per x column
of the grid the smallest and the largest y inside the layer's region (excluded: Delta chi^2 above the
threshold; allowed, band, excess likewise; nsifit.bounds.compute). For an exclusion that reaches the top of
the plot the smallest y is the exclusion boundary; columns without any point of the region are left out.
The edges are grid values: their resolution is the grid spacing (`--grid`). Qualifiers give the model, the
fixed parameters, the statistic with its threshold and confidence level, and the plugin's dataset
provenance (publication, arXiv). A profile scan becomes a table of Delta chi^2 against the scanned
parameter (1D), or over the grid of the two scanned parameters (2D, one row per point); points whose fit
did not converge are left out. The tables and submission.yaml go into the output directory (an earlier
submission there is replaced), the archive to upload beside it as <directory>.tar.gz.

hepdata_lib is imported inside the writers (an optional extra: pip install "nsifit[hepdata]").
"""

import os
from pathlib import Path

import numpy as np

from nsifit._version import __version__
from nsifit.bounds.config import COMBINED, STATISTICS
from nsifit.errors import ConfigError
from nsifit.plugins import datasets, registry
from nsifit.plugins.bibliography import selected_datasets

UNITS = {"m_zp": "MeV", "m_phi": "MeV"}
KIND_TEXT = {"excluded": "excluded region", "allowed": "allowed region", "band": "band", "excess": "excess region"}


def _hepdata_lib():
    try:
        import hepdata_lib
    except ImportError:
        raise ConfigError("nsifit hepdata needs hepdata_lib: pip install \"nsifit[hepdata]\"") from None
    return hepdata_lib


def _variable(lib, name, values, independent, units=""):
    var = lib.Variable(name, is_independent=independent, is_binned=False, units=units)
    var.values = [float(f"{v:.6g}") for v in np.asarray(values, float)]
    return var


def _provenance(name, options, data_dir):
    """[(dataset, publication, arXiv)] of the datasets a plugin with these options reads."""
    if name == COMBINED:
        return []
    cls = registry.get_plugin_class(name)
    out = []
    for ds_name in selected_datasets(cls, options):
        ds = datasets.load(name, ds_name, data_dir, package=cls.data_package)
        out.append((f"{name}/{ds_name}", str(ds.get("publication")), str(ds.get("arxiv"))))
    return out


def layer_edges(result, i):
    """(x, y_low, y_high) of layer i: per x column with any point of its region, the smallest and largest y."""
    cfg = result.config
    region = result.region(i)
    x, y = cfg.x.values, cfg.y.values
    keep = region.any(axis=0)
    low = np.array([y[np.argmax(col)] for col in region.T[keep]])
    high = np.array([y[len(y) - 1 - np.argmax(col[::-1])] for col in region.T[keep]])
    return x[keep], low, high


def _layer_qualifiers(result, layer, data_dir):
    cfg = result.config
    spec = cfg.model.spec
    settings = ", ".join(f"{k}={v}" for k, v in spec.items() if k != "name") if isinstance(spec, dict) else ""
    quals = [("model", f"{cfg.model.name} ({settings})" if settings else cfg.model.name)]
    quals += [(f"fixed {k}", f"{v:g}") for k, v in cfg.fixed.items()]
    if layer.kind in ("band", "excess"):
        quals.append(("statistic", f"{layer.nsigma:g} sigma of the plugin's observable ({layer.mean} +- "
                                   f"{layer.sigma})"))
        quals.append(("CL", f"{layer.nsigma:g} sigma {'band' if layer.kind == 'band' else 'excess'}"))
        plugin = registry.build(cfg.model, [layer.likelihood], {layer.likelihood: layer.options}, data_dir)[0]
        quals.append((f"{layer.observable or plugin.requires[0]} {layer.mean} +- {layer.sigma}",
                      f"{float(getattr(plugin, layer.mean)):.6g} +- {float(getattr(plugin, layer.sigma)):.6g}"))
    else:
        quals.append(("statistic", f"Delta chi^2 {'>' if layer.kind == 'excluded' else '<'} {layer.threshold:.4g} "
                                   f"({layer.statistic}; reference: {layer.reference})"))
        quals.append(("CL", STATISTICS.get(layer.statistic, ("", layer.statistic))[1]))
    members = layer.members or ((layer.likelihood, layer.options),)
    for name, options in members:
        opts = ", ".join(f"{k}={v}" for k, v in options.items())
        quals.append(("likelihood", f"{name} ({opts})" if opts else name))
        for ds, publication, arxiv in _provenance(name, options, data_dir):
            quals += [("dataset", ds), ("publication", publication), ("arXiv", arxiv)]
    return quals


def bounds_submission(result, outdir, data_dir=None, validate=True):
    """Write the HEPData submission of a computed bounds figure (nsifit.bounds.compute) to `outdir`."""
    lib = _hepdata_lib()
    cfg = result.config
    sub = lib.Submission()
    sub.comment = (f"nsifit {__version__}: exclusion plane {cfg.title or Path(cfg.source).stem} "
                   f"({cfg.y.name} vs {cfg.x.name}, {cfg.x.n} x {cfg.y.n} grid, {cfg.x.scale}/{cfg.y.scale} axes)")
    empty = []
    for i, layer in enumerate(cfg.layers):
        if i in result.skipped:
            continue
        x, low, high = layer_edges(result, i)
        if not len(x):
            empty.append(f"{i + 1} ({layer.label})")
            continue
        quals = _layer_qualifiers(result, layer, data_dir)
        table = lib.Table(f"Layer {i + 1} {layer.kind}")
        table.description = (f"{layer.label}: {KIND_TEXT[layer.kind]} in ({cfg.x.name}, {cfg.y.name}); per "
                             f"{cfg.x.name} grid column the smallest and largest {cfg.y.name} inside it")
        table.location = f"nsifit bounds {Path(cfg.source).stem or 'config'}, layer {i + 1}"
        table.add_variable(_variable(lib, cfg.x.name, x, True, UNITS.get(cfg.x.name, "")))
        for what, values in (("lower edge", low), ("upper edge", high)):
            var = _variable(lib, f"{cfg.y.name} {what}", values, False, UNITS.get(cfg.y.name, ""))
            for key, value in quals:
                var.add_qualifier(key, value)
            table.add_variable(var)
        sub.add_table(table)
    if empty:
        sub.comment += f"; layers with no point of their region on the grid (no table): {', '.join(empty)}"
    return _write(sub, outdir, validate)


def profile_submission(path, outdir, validate=True):
    """Write the HEPData submission of the profile scans stored in `path` (nsifit.io.profilefile)."""
    from nsifit.io.files import open_h5
    from nsifit.io.profilefile import read_profiles
    lib = _hepdata_lib()
    scans = read_profiles(path)
    with open_h5(path) as h5:
        model = str(h5.attrs.get("model", ""))
        units = {s["name"]: [str(h5["profile"][s["name"]][p].attrs.get("unit", "")) for p in s["params"]]
                 for s in scans}
        chi2_min = {s["name"]: float(h5["profile"][s["name"]].attrs["chi2_min"]) for s in scans}
    sub = lib.Submission()
    sub.comment = f"nsifit {__version__}: profile-likelihood scans of {Path(path).name} (model {model})"
    for scan in scans:
        params, axes, delta, valid = scan["params"], scan["axes"], scan["delta_chi2"], scan["valid"].astype(bool)
        if len(params) > 2:
            continue
        grids = np.meshgrid(*axes, indexing="ij")
        keep = valid & np.isfinite(delta)
        table = lib.Table(f"Profile {scan['name']}")
        table.description = (f"profile likelihood Delta chi^2 = chi^2 - chi^2_min against {' and '.join(params)} "
                             f"(every other sampled parameter fitted at each point; non-converged points left out)")
        table.location = f"{Path(path).name}: /profile/{scan['name']}"
        for p, grid, unit in zip(params, grids, units[scan["name"]]):
            table.add_variable(_variable(lib, p, grid[keep], True, unit))
        var = _variable(lib, "Delta chi^2", delta[keep], False)
        var.add_qualifier("model", model)
        var.add_qualifier("best fit", ", ".join(f"{k} = {v:.6g}" for k, v in scan["best"].items()))
        var.add_qualifier("chi^2_min", f"{chi2_min[scan['name']]:.6g}")
        table.add_variable(var)
        sub.add_table(table)
    return _write(sub, outdir, validate)


def _write(sub, outdir, validate):
    """The tables and submission.yaml in `outdir`, the archive HEPData uploads as `outdir`.tar.gz beside it
    (hepdata_lib writes it into the working directory: a temporary one here); `validate`: hepdata-validator
    checks the archive. Returns (outdir, archive)."""
    import shutil
    import tempfile
    if not sub.tables:
        raise ConfigError("nothing to write: no layer was drawn / no 1D or 2D profile scan")
    outdir = Path(outdir).resolve()
    _clear_previous(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    archive = outdir.with_name(f"{outdir.name}.tar.gz")
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="nsifit-hepdata-") as tmp:
        try:
            os.chdir(tmp)
            sub.create_files(str(outdir), validate=validate, remove_old=False)
        finally:
            os.chdir(cwd)
        shutil.move(Path(tmp) / "submission.tar.gz", archive)
    return outdir, archive


def _clear_previous(outdir):
    """An existing output directory must be empty or hold an earlier submission (whose files are removed)."""
    if not outdir.exists():
        return
    if not outdir.is_dir():
        raise ConfigError(f"output {outdir} exists and is not a directory")
    submission = outdir / "submission.yaml"
    if not submission.is_file():
        if any(outdir.iterdir()):
            raise ConfigError(f"output directory {outdir} is not empty and holds no HEPData submission; "
                              "give a new or empty directory")
        return
    import yaml
    try:
        docs = [d for d in yaml.safe_load_all(submission.read_text()) if isinstance(d, dict)]
    except yaml.YAMLError:
        raise ConfigError(f"{submission}: not valid YAML; remove the directory or give another one") from None
    for name in [d["data_file"] for d in docs if isinstance(d.get("data_file"), str)] + ["submission.yaml"]:
        path = outdir / Path(name).name
        if path.is_file():
            path.unlink()
