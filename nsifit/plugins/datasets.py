"""Datasets: one YAML file per dataset (CSV tables beside it), validated, hashed.

Layout: <data dir>/<plugin name>/<dataset>.yaml. The search path, highest priority first:
a user directory given by `--data-dir` (or `data_dir:` in a config), the NSIFIT_DATA_DIR
environment variable (several, separated by os.pathsep), the built-in data shipped with nsifit
(`data/` in the repository), and last the data a third-party plugin ships in its own package
(its `data_package`: an importable package laid out like a data directory). User directories add
datasets or override ones of the same name; a plugin's package only adds. Every file is
validated the same way.

Dataset and table names are plain file names: a name with a path separator or '..' is refused,
so a dataset is always read from inside the data directories. Files are recorded (in run files)
as '<plugin>/<file name>' with the sha256 of their content, so the same data at another path is
the same data.

Numbers are checked where they are read: `number()` refuses non-finite values and (fields named
sigma or given `positive=True`) values <= 0; `table()` refuses non-finite cells, and the
columns a plugin names as axes must be strictly increasing, its positive columns > 0.
"""

import csv
import hashlib
import io
import math
import os
import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from nsifit import yamlio
from nsifit.errors import DataError, unknown

DATA_DIR_ENV = "NSIFIT_DATA_DIR"

PROVENANCE_FIELDS = {
    "experiment": "collaboration or experiment",
    "publication": "journal reference",
    "arxiv": "arXiv identifier",
    "source": "figure or table of the publication",
    "digitized": "'no', or who digitized the numbers from which figure",
    "confidence_level": "e.g. '90% CL upper limit', '1 sigma'",
    "units": "mapping quantity -> unit",
    "notes": "conversions and approximations",
}


@dataclass
class Dataset:
    """A validated dataset: its YAML content, its path and the sha256 of every file read."""

    plugin: str
    name: str
    path: Path
    content: dict
    files: dict = field(default_factory=dict)

    def __getitem__(self, key):
        try:
            return self.content[key]
        except KeyError:
            raise DataError(f"{self.path}: missing field '{key}'") from None

    def get(self, key, default=None):
        return self.content.get(key, default)

    def number(self, key, positive=None):
        """The float at `key` (dotted for nested fields, e.g. 'a_mu_exp.value').

        DataError naming the file and the field when it is missing, not a number or not finite,
        or <= 0 when `positive` (default: fields named sigma, *_sigma or sigma_*).
        """
        value = self.content
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise DataError(f"{self.path}: missing field '{key}'")
            value = value[part]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DataError(f"{self.path}: field '{key}' must be a number, got {value!r}")
        if not math.isfinite(value):
            raise DataError(f"{self.path}: field '{key}' must be a finite number, got {value!r}")
        leaf = key.rsplit(".", 1)[-1]
        if positive is None:
            positive = leaf == "sigma" or leaf.endswith("_sigma") or leaf.startswith("sigma_")
        if positive and value <= 0:
            raise DataError(f"{self.path}: field '{key}' must be > 0, got {value!r}")
        return float(value)

    def table(self, key="table", axis=(), positive=(), nonnegative=()):
        """The CSV named by field `key` (beside the YAML file), validated as in `table_file`."""
        name = self[key]
        if not isinstance(name, str):
            raise DataError(f"{self.path}: field '{key}' must be a CSV file name, got {name!r}")
        return self.table_file(name, axis, positive, nonnegative, where=f"{self.path}: field '{key}'")

    def table_file(self, name, axis=(), positive=(), nonnegative=(), where=None):
        """The CSV `name` (beside the YAML file, e.g. named in a list field) as a dict of float columns.

        Every cell must be a finite number; the `axis` columns strictly increasing (sorted, no
        duplicates), the `positive` ones > 0 and the `nonnegative` ones >= 0. A DataError names
        the file, the line and the column of the first bad cell."""
        check_name(name, where or f"{self.path}: table {name!r}")
        csv_path = self.path.parent / name
        raw = _read_bytes(csv_path)
        self.files[f"{self.plugin}/{name}"] = hashlib.sha256(raw).hexdigest()
        try:
            lines = [(i + 1, r) for i, r in enumerate(csv.reader(io.StringIO(raw.decode())))
                     if r and not r[0].lstrip().startswith("#")]
        except (UnicodeDecodeError, csv.Error) as err:
            raise DataError(f"{csv_path}: not a UTF-8 CSV table ({err})") from None
        if not lines:
            raise DataError(f"{csv_path}: empty table (expected a header row and data rows)")
        (_, header), body = lines[0], lines[1:]
        header = [h.strip() for h in header]
        if len(set(header)) != len(header):
            raise DataError(f"{csv_path}: a column name appears twice in the header {', '.join(header)}")
        columns = {h: [] for h in header}
        for line, row in body:
            if len(row) != len(header):
                raise DataError(f"{csv_path}: line {line} has {len(row)} cells, the header {len(header)}")
            for h, cell in zip(header, row):
                try:
                    value = float(cell)
                except ValueError:
                    raise DataError(f"{csv_path}: line {line}, column '{h}': not a number: {cell.strip()!r}") \
                        from None
                if not math.isfinite(value):
                    raise DataError(f"{csv_path}: line {line}, column '{h}': must be finite, got {cell.strip()}")
                columns[h].append(value)
        table = Columns(csv_path, columns)
        lines_of = [line for line, _ in body]
        for h in axis:
            bad = np.flatnonzero(np.diff(table[h]) <= 0)
            if len(bad):
                i = int(bad[0]) + 1
                raise DataError(f"{csv_path}: line {lines_of[i]}, column '{h}': must increase strictly "
                                f"(sorted, no duplicates), got {table[h][i]:g} after {table[h][i - 1]:g}")
        for cols, test, text in ((positive, lambda v: v > 0, "> 0"), (nonnegative, lambda v: v >= 0, ">= 0")):
            for h in cols:
                values = np.asarray(table[h])
                bad = np.flatnonzero(~test(values))
                if len(bad):
                    i = int(bad[0])
                    raise DataError(f"{csv_path}: line {lines_of[i]}, column '{h}': must be {text}, "
                                    f"got {values[i]:g}")
        return table

    def provenance(self):
        return {k: self.content.get(k) for k in PROVENANCE_FIELDS}


class Columns(dict):
    """The columns of a CSV table; a missing column is a DataError naming the file."""

    def __init__(self, path, columns):
        super().__init__(columns)
        self.path = path

    def __missing__(self, key):
        raise DataError(f"{self.path}: table has no column '{key}'; columns: {', '.join(self)}")


def _read_bytes(path):
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise DataError(f"cannot read data file {path}: {err.strerror}") from None


def yaml_mapping(text, path, error, expected):
    """Parse YAML text that must be a mapping (duplicate keys refused); `error` (an NsifitError
    class) names the file, the line and the column."""
    try:
        content = yamlio.load(text)
    except yaml.YAMLError as err:
        raise error(f"{path}: not valid YAML ({yamlio.describe(err)})") from None
    if not isinstance(content, dict):
        raise error(f"{path}: expected {expected}, got {type(content).__name__}")
    return content


_PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.+-]*$")


def check_name(name, where):
    """Dataset and table names are plain file names inside the data directories."""
    if not isinstance(name, str) or not _PLAIN_NAME.match(name) or ".." in name:
        raise DataError(f"{where}: {name!r} is not a plain name (letters, digits, '_', '-', '.'; "
                        "no path separators or '..'): datasets are read from the data directories only")


def builtin_data_dir():
    """The data directory shipped with the package."""
    return Path(str(resources.files("nsifit_data")))


def package_data_dir(package):
    """The folder of an importable package that ships datasets (a plugin's `data_package`)."""
    try:
        return Path(str(resources.files(package)))
    except (ModuleNotFoundError, TypeError, ValueError) as err:
        raise DataError(f"data package {package!r} cannot be imported ({err})") from None


def data_dirs(extra=None, package=None):
    """Search path, highest priority first: explicit dirs, $NSIFIT_DATA_DIR, built-in, `package`."""
    dirs = []
    for entry in ([extra] if isinstance(extra, (str, Path)) else list(extra or [])):
        dirs.append(Path(entry))
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        dirs.extend(Path(p) for p in env.split(os.pathsep) if p)
    for d in dirs:
        if not d.is_dir():
            problem = "is not a directory" if d.exists() else "does not exist"
            raise DataError(f"data directory {d} {problem}")
    dirs.append(builtin_data_dir())
    if package:
        dirs.append(package_data_dir(package))
    return dirs


def available(plugin, extra=None, package=None):
    """Dataset names for `plugin` across the search path."""
    names = set()
    for d in data_dirs(extra, package):
        names.update(p.stem for p in (d / plugin).glob("*.yaml"))
    return sorted(names)


def load(plugin, name, extra=None, required=(), package=None):
    """Load and validate dataset `name` of `plugin`; `required` lists plugin-specific fields."""
    check_name(name, f"dataset of '{plugin}'")
    for d in data_dirs(extra, package):
        path = d / plugin / f"{name}.yaml"
        if path.is_file():
            break
    else:
        raise DataError(unknown(f"dataset of '{plugin}'", name, available(plugin, extra, package) or ["(none)"]))
    raw = _read_bytes(path)
    content = yaml_mapping(raw, path, DataError, "a mapping of fields")
    for key in tuple(PROVENANCE_FIELDS) + tuple(required):
        if key not in content or content[key] in (None, ""):
            hint = PROVENANCE_FIELDS.get(key, "plugin-specific field")
            raise DataError(f"{path}: missing field '{key}' ({hint})")
    if not isinstance(content["units"], dict):
        raise DataError(f"{path}: field 'units' must map quantity names to units")
    return Dataset(plugin, name, path, content, {f"{plugin}/{path.name}": hashlib.sha256(raw).hexdigest()})
