"""Evidence-based results of nested runs: equal-weight resampling, Jeffreys-scale wording of ln B."""

import math

import numpy as np

from nsifit.errors import NsifitError


def nested_samples(data, derived=(), weighted=False):
    """{name: values} of a NestedRunData in physical units, plus the per-point quantities in `derived`
    ('all': every one); `weighted`: all points and their normalised weights ('weight'), else a
    resample to equal weight of n_eff points (multinomial, seeded by the run's seed)."""
    names = list(data.blob_names) if list(derived) == ["all"] or derived == "all" else list(derived)
    unknown_names = [n for n in names if n not in data.blobs]
    if unknown_names:
        raise NsifitError(f"{data.path}: no per-point quantity '{unknown_names[0]}'; known: "
                          + ", ".join(data.blob_names))
    values = data.physical(data.samples)
    out = {name: values[:, i] for i, name in enumerate(data.names)}
    out.update({n: data.blobs[n] for n in names})
    weights = data.weights
    if weighted:
        out["weight"] = weights
        return out
    pick = equal_weight_rows(data)
    return {k: v[pick] for k, v in out.items()}


def nested_diagnostics(data):
    """What a nested run reports in place of tau/ESS: n_eff, likelihood calls, ln Z and its error."""
    info = data.nested
    return {"n_eff": float(info["n_eff"]), "n_calls": int(info["n_calls"]), "burn_in": 0,
            "log_z": data.log_z, "log_z_err": data.log_z_err, "warnings": []}


def equal_weight_rows(data):
    """Rows of a NestedRunData drawn by weight (multinomial, n_eff of them, seeded by the run's seed)."""
    n_eff = max(1, int(float(data.nested["n_eff"])))
    rng = np.random.default_rng(int(data.attrs.get("seed", 0)) % 2 ** 32)
    return rng.choice(len(data.log_weights), size=n_eff, p=data.weights)


JEFFREYS_SCALE = ((1.0, "inconclusive"), (2.5, "weak evidence"), (5.0, "moderate evidence"),
                  (math.inf, "strong evidence"))


def jeffreys_wording(ln_b: float) -> str:
    """The empirical Jeffreys scale as tabulated by R. Trotta, Contemp. Phys. 49 (2008) 71,
    arXiv:0803.4089, Table 1: |ln B| < 1 inconclusive, < 2.5 weak, < 5 moderate, else strong."""
    for limit, words in JEFFREYS_SCALE:
        if abs(ln_b) < limit:
            return words
    return JEFFREYS_SCALE[-1][1]
