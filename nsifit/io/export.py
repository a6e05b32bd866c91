"""Chains out of nsifit: GetDist plain text (+ .paramnames) and CSV, physical units, burn-in removed."""

import csv
from pathlib import Path

import numpy as np

from nsifit.io.files import atomic_path

FORMATS = ("getdist", "csv")


def write_csv(path, names, samples, log_prob, blobs):
    """One row per sample: log_posterior, the sampled parameters, then every stored blob."""
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["log_posterior", *names, *blobs])
        writer.writerows(np.column_stack([log_prob, samples, *blobs.values()]).tolist())
    return [Path(path)]


def write_getdist(root, names, latex, samples, log_prob, weights=None):
    """ROOT.txt (weight (1 unless given), -log posterior, parameters) and ROOT.paramnames (name, LaTeX label)."""
    root = str(root).removesuffix(".txt")
    weights = np.ones(len(log_prob)) if weights is None else np.asarray(weights, float)
    table = np.column_stack([weights, -log_prob, samples])
    with atomic_path(root + ".txt") as tmp:
        np.savetxt(tmp, table, fmt="%.10e")
    with atomic_path(root + ".paramnames") as tmp:
        Path(tmp).write_text("\n".join(f"{n}\t{latex[n]}" for n in names) + "\n")
    return [Path(root + ".txt"), Path(root + ".paramnames")]
