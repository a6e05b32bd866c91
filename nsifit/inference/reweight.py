"""Importance reweighting of a stored emcee run: drop, add or change likelihoods without re-sampling.

The stored samples theta_k (after burn-in) are draws from p_old(theta) ~ pi(theta) prod_{i in old} L_i.
The posterior with another set of likelihoods, p_new ~ pi prod_{i in new} L_i, is represented by the same
samples with weights w_k = p_new(theta_k) / p_old(theta_k), i.e.

    log w_k = sum_{i in added or changed} log L_i^new(theta_k) - sum_{i in dropped or changed} log L_i^old(theta_k)

(the prior cancels; the normalisations drop out when the weights are normalised). The old per-plugin log L
come from the run file (stored at every step), so a dropped plugin costs nothing; only added plugins and
plugins with changed options or dataset are evaluated, vectorized in batches of BATCH points. The estimate is
reliable only where p_new is covered by p_old: its Monte Carlo precision is that of ESS = (sum w)^2 / sum w^2
independent draws (Kish), further reduced by the chain's autocorrelation. Below MIN_ESS the result is refused
(unless forced); below LOW_FRACTION of the samples a warning says so. The ESS cannot see mass of p_new where
the run has no samples (dropping a dominant constraint): the Pareto shape k of the largest weights can
(nsifit.inference.weighted.pareto_khat); above 0.7 a warning says the result is unreliable. Changing the
priors or adding sampled parameters (e.g. a plugin's nuisances) is not a reweighting and is refused.
"""

import copy
import warnings
from pathlib import Path

import numpy as np
import yaml

from nsifit.errors import NsifitError, NsifitWarning
from nsifit.inference.config import load_config
from nsifit.inference.posterior import Posterior
from nsifit.inference.samplers.diagnostics import run_diagnostics
from nsifit.inference.weighted import KHAT_UNRELIABLE, pareto_khat
from nsifit.io.files import remove_stale_temporaries
from nsifit.io.lock import OutputLock
from nsifit.io.runread import read_run
from nsifit.io.weighted import kish_ess, sha256_of, write_weighted
from nsifit.plugins.evaluate import evaluate_plugins

MIN_ESS = 50           # refuse a reweighting whose effective sample size is below this (unless forced)
LOW_FRACTION = 0.10    # warn when ESS is below this fraction of the samples
BATCH = 20000          # points per vectorized evaluation of the recomputed plugins


def new_likelihoods(old, drop=(), add=None, datasets=None):
    """The likelihood section after the changes, and the set of plugins to recompute; NsifitError naming
    a plugin that cannot be dropped or given a dataset."""
    add, datasets = dict(add or {}), dict(datasets or {})
    if not (drop or add or datasets):
        raise NsifitError("nothing to reweight: give --drop PLUGIN, --add PLUGIN[:key=value,...] "
                          "or --dataset PLUGIN=NAME")
    out = copy.deepcopy(dict(old))
    for name in drop:
        if name not in out:
            raise NsifitError(f"--drop {name}: not a likelihood of the run; its likelihoods: {', '.join(old)}")
        if name in add or name in datasets:
            raise NsifitError(f"{name}: both dropped and added or changed")
        del out[name]
    changed = set()
    for name, options in add.items():
        out[name] = dict(out.get(name, {}), **options)
        changed.add(name)
    for name, dataset in datasets.items():
        if name not in out:
            raise NsifitError(f"--dataset {name}={dataset}: '{name}' is not a likelihood of the new posterior "
                              f"({', '.join(out) or 'none'}); add it with --add {name}")
        out[name] = dict(out[name], dataset=dataset)
        changed.add(name)
    if not out:
        raise NsifitError("no likelihood left after --drop: the posterior would be the prior")
    return out, changed


def reweight(run_path, output, drop=(), add=None, datasets=None, force=False, min_ess=MIN_ESS, data_dir=None):
    """Reweight the run in `run_path` to the new set of likelihoods and write `output` (/post group).

    `add`: {plugin: {option: value}} (a plugin of the run: its options changed), `datasets`:
    {plugin: dataset name}. Returns {"output", "ess", "samples", "fraction", "changes"}."""
    if Path(output).resolve() == Path(run_path).resolve():
        raise NsifitError(f"-o {output}: the reweighted file must not replace the run it is computed from")
    data = read_run(run_path)
    raw = yaml.safe_load(str(data.attrs["config_yaml"]))
    old = load_config(copy.deepcopy(raw)).likelihoods
    likelihoods, changed = new_likelihoods(old, drop, add, datasets)
    raw["likelihoods"] = likelihoods
    if data_dir is not None:
        raw["data_dir"] = str(data_dir)
    cfg = load_config(raw)
    posterior = Posterior(cfg, data_dir)
    if posterior.names != data.names:
        raise NsifitError(f"the new likelihoods sample {', '.join(posterior.names)}, the run sampled "
                          f"{', '.join(data.names)}: reweighting cannot add parameters (run it directly)")
    burn = run_diagnostics(data, modes=False)["burn_in"]
    steps = np.arange(burn, data.iteration)
    if not len(steps):
        raise NsifitError(f"{run_path}: no samples after the burn-in ({burn} steps)")
    flat = data.chain[burn:].reshape(-1, data.chain.shape[-1])
    stored = {name: data.blob_column(f"loglike_{name}", steps).reshape(-1) for name in old}
    removed = [n for n in old if n in drop or n in changed]
    log_w = -sum((stored[n] for n in removed), np.zeros(len(flat)))
    fresh = _evaluate(posterior, [p for p in posterior.plugins if p.name in changed], flat)
    log_w = log_w + sum(fresh.values(), np.zeros(len(flat)))
    log_w = np.where(np.isnan(log_w), -np.inf, log_w)
    if not np.isfinite(log_w).any():
        raise NsifitError("every sample is excluded by the new likelihoods (weight 0): run it directly")
    w = np.exp(log_w - np.max(log_w))
    ess, n = kish_ess(w), len(w)
    if ess < min_ess and not force:
        raise NsifitError(f"effective sample size of the weights {ess:.1f} < {min_ess} (of {n} samples): "
                          "the new posterior is not covered by the run; run it directly (or --force)")
    if ess < LOW_FRACTION * n:
        warnings.warn(f"effective sample size {ess:.0f} is {ess / n:.1%} of the {n} samples: the reweighted "
                      "estimates are noisy", NsifitWarning, stacklevel=2)
    khat = pareto_khat(w)
    if khat > KHAT_UNRELIABLE:
        warnings.warn(f"Pareto k of the largest weights is {khat:.2f} > {KHAT_UNRELIABLE}: the new posterior has "
                      "mass where the run has few samples; the reweighted estimates are unreliable (run it "
                      "directly)", NsifitWarning, stacklevel=2)
    loglike = {p.name: fresh[p.name] if p.name in fresh else stored[p.name] for p in posterior.plugins}
    loglike["total"] = sum(loglike.values(), np.zeros(n))
    log_prob = data.log_prob[burn:].reshape(-1) + log_w
    changes = {"drop": list(drop), "add": {k: dict(v) for k, v in (add or {}).items()},
               "datasets": dict(datasets or {})}
    info = {"kind": "importance reweighting", "source_path": str(Path(run_path).resolve()),
            "source_sha256": sha256_of(run_path), "changes": changes, "burn_in": burn,
            "min_ess": min_ess, "recomputed": sorted(changed), "pareto_k": khat}
    with OutputLock(output):
        remove_stale_temporaries(output)
        write_weighted(output, "post", posterior, cfg.yaml(), flat, w, log_prob, loglike, info,
                       seed=int(data.attrs.get("seed", -1)))
    return {"output": str(output), "ess": ess, "samples": n, "fraction": ess / n, "pareto_k": khat,
            "changes": changes,
            "recomputed": sorted(changed)}


def _evaluate(posterior, plugins, flat):
    """{plugin: log L (n,)} of `plugins` at the internal points `flat`, in batches."""
    if not plugins:
        return {}
    out = {p.name: np.empty(len(flat)) for p in plugins}
    for lo in range(0, len(flat), BATCH):
        chunk = flat[lo:lo + BATCH]
        params = dict(posterior.fixed, **posterior.to_physical(chunk))
        _, _, loglike = evaluate_plugins(posterior.model, plugins, params)
        for name in out:
            out[name][lo:lo + len(chunk)] = loglike[name]
    return out


def parse_add(text):
    """'plugin' or 'plugin:key=value,key=value' -> (plugin, {key: YAML value})."""
    name, _, rest = text.partition(":")
    options = {}
    for item in filter(None, (s.strip() for s in rest.split(","))):
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise NsifitError(f"--add {text}: expected PLUGIN[:key=value,...], got '{item}'")
        options[key.strip()] = yaml.safe_load(value)
    if not name:
        raise NsifitError(f"--add {text}: missing the plugin name")
    return name.strip(), options
