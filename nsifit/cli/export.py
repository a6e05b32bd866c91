"""`nsifit export`: chains as GetDist plain text (+ .paramnames) or CSV (after burn-in)."""

import csv
from pathlib import Path

import numpy as np

from nsifit.errors import NsifitError
from nsifit.io.files import atomic_path
from nsifit.io.runfile import read_run
from nsifit.plots.corner import posterior_samples

FORMATS = ("getdist", "csv")


def register(sub):
    p = sub.add_parser("export", help="chains as GetDist text or CSV (physical units, burn-in removed)")
    p.add_argument("output", metavar="OUT.h5")
    p.add_argument("--format", default="getdist", help=f"{' | '.join(FORMATS)} (default getdist)")
    p.add_argument("-o", "--file", required=True, help="getdist: chain root (ROOT.txt, ROOT.paramnames); "
                   "csv: the CSV file")
    p.set_defaults(func=cmd_export)


def cmd_export(args):
    if args.format not in FORMATS:
        raise NsifitError(f"unknown export format '{args.format}'; valid: {', '.join(FORMATS)}")
    run = read_run(args.output)
    samples, diag = posterior_samples(run)
    burn = diag["burn_in"]
    log_prob = run.log_prob[burn:].reshape(-1)
    blobs = {k: v[burn:].reshape(-1) for k, v in run.blobs.items()}
    names = run.names
    if args.format == "csv":
        with atomic_path(args.file) as tmp, open(tmp, "w", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["log_posterior", *names, *blobs])
            writer.writerows(np.column_stack([log_prob, samples, *blobs.values()]).tolist())
        print(f"wrote {args.file}")
        return
    root = str(args.file).removesuffix(".txt")
    table = np.column_stack([np.ones(len(log_prob)), -log_prob, samples])
    with atomic_path(root + ".txt") as tmp:
        np.savetxt(tmp, table, fmt="%.10e")
    lines = [f"{n}\t{_latex(run.params[n])}" for n in names]
    with atomic_path(root + ".paramnames") as tmp:
        Path(tmp).write_text("\n".join(lines) + "\n")
    print(f"wrote {root}.txt and {root}.paramnames ({len(table)} samples, weight 1, -log posterior, "
          f"{', '.join(names)}; physical units)")


def _latex(meta):
    unit = f"\\,[\\mathrm{{{meta['unit']}}}]" if str(meta["unit"]) else ""
    return f"{meta['latex']}{unit}"
