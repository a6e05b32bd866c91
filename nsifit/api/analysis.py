"""Analyses of stored results, part of the public API (re-exported by nsifit.api): Bayes factors of nested
runs, importance reweighting (`post`), upper limits along a scan (`limit`), weighted-sample files, and
the bibliography of a run."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from nsifit.api import ConfigSource, Run, _config, load
from nsifit.inference import limits as limiting
from nsifit.inference.config import Config
from nsifit.inference.reweight import MIN_ESS, reweight
from nsifit.inference.weighted import WeightedSamples


def bayes_factor(run_a: str | Path | Run, run_b: str | Path | Run) -> tuple[float, float]:
    """(ln B, error) with B = Z_a / Z_b from two nested runs; the errors of ln Z add in quadrature.

    ln B > 0 favours run_a's model. Meaningful when both runs use the same likelihoods and datasets
    (each plugin drops constant terms of its log L: they cancel only between like runs)."""
    a, b = (r if isinstance(r, Run) else Run(r) for r in (run_a, run_b))
    (za, ea), (zb, eb) = a.log_z, b.log_z
    return za - zb, math.hypot(ea, eb)


class WeightedRun(WeightedSamples):
    """Weighted samples (`post` output /post, nested sampling /nested): samples() with 'weight', summary()."""

    def corner(self, output: str | Path, labels: Sequence[str] | None = None, **options) -> Path:
        """Corner plot of the weighted samples; `options` of nsifit.plots.corner.corner_plot."""
        from nsifit.plots.corner import corner_plot
        corner_plot([self.path], output, labels, **options)
        return Path(output)


def post(run: str | Path, *, output: str | Path, drop: Sequence[str] = (), add: Mapping[str, dict] | None = None,
         datasets: Mapping[str, str] | None = None, force: bool = False, min_ess: float = MIN_ESS,
         data_dir: str | None = None) -> WeightedRun:
    """Importance-reweight the stored run `run` (nsifit.inference.reweight): `drop` plugins, `add` plugins
    {name: options} (or change a plugin's options), give plugins other `datasets`; writes `output` (/post).
    NsifitError when the Kish ESS of the weights is below `min_ess` (unless `force`). `.report`: ESS etc."""
    return WeightedRun(output, report=reweight(run, output, drop, add, datasets, force, min_ess, data_dir))


def limit(config: ConfigSource | None, scan: str, poi: str, *, cl: float = 0.95, output: str | Path | None = None,
          from_run: str | Path | None = None, seed: int = 0, data_dir: str | None = None) -> dict:
    """Upper limits on `poi` at each value of `scan` ('NAME:MIN:MAX:N[:log]'): from the profile likelihood of
    `config` (stored in `output` as /limits/<scan>-<poi>), or the posterior limit per slice of a stored run
    `from_run` (prior-dependent). Keys: scan, values, poi, upper (None: no limit in the prior), cl."""
    if from_run is not None:
        return limiting.posterior_limits(load(from_run), scan, poi, cl)
    cfg = _config(config, {"data_dir": str(data_dir)} if data_dir is not None else None)
    return limiting.limit_scan(cfg, scan, poi, cl, output, seed)


def bibliography(source: ConfigSource, data_dir: str | None = None) -> str:
    """BibTeX of everything a run config, run or profile file (its stored config) or bounds config uses:
    nsifit, the model, each plugin's selected datasets and theory inputs (nsifit.bounds.bibliography)."""
    from nsifit.bounds.bibliography import bibliography as bib
    return bib(source.resolved if isinstance(source, Config) else source, data_dir)
