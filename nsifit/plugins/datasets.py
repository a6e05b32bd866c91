"""Datasets: one YAML file per dataset (CSV tables beside it), validated, hashed.

Layout: <data dir>/<plugin name>/<dataset>.yaml. The built-in data ship with the
package (`data/` in the repository); a user directory given by `--data-dir` or the
NSIFIT_DATA_DIR environment variable (several, separated by os.pathsep) adds
datasets or overrides built-in ones of the same name, and is validated the same way.
"""

import csv
import hashlib
import io
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

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

    def number(self, key):
        """The float at `key` (dotted for nested fields, e.g. 'a_mu_exp.value').

        DataError naming the file and the field when it is missing or not a number.
        """
        value = self.content
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise DataError(f"{self.path}: missing field '{key}'")
            value = value[part]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DataError(f"{self.path}: field '{key}' must be a number, got {value!r}")
        return float(value)

    def table(self, key="table"):
        """The CSV named by field `key` (relative to the YAML file) as a dict of float columns."""
        if not isinstance(self[key], str):
            raise DataError(f"{self.path}: field '{key}' must be a CSV file name, got {self[key]!r}")
        return self.table_file(self[key])

    def table_file(self, file_name):
        """The CSV `file_name` (relative to the YAML file, e.g. named in a list field) as float columns."""
        csv_path = self.path.parent / file_name
        raw = _read_bytes(csv_path)
        self.files[str(csv_path)] = hashlib.sha256(raw).hexdigest()
        try:
            rows = [r for r in csv.reader(io.StringIO(raw.decode())) if r and not r[0].startswith("#")]
        except (UnicodeDecodeError, csv.Error) as err:
            raise DataError(f"{csv_path}: not a UTF-8 CSV table ({err})") from None
        if not rows:
            raise DataError(f"{csv_path}: empty table (expected a header row and data rows)")
        header, body = rows[0], rows[1:]
        try:
            columns = {h.strip(): [float(r[i]) for r in body] for i, h in enumerate(header)}
        except (ValueError, IndexError) as err:
            raise DataError(f"{csv_path}: malformed table ({err})") from None
        return Columns(csv_path, columns)

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
    """Parse YAML text that must be a mapping; `error` (an NsifitError class) names the file."""
    try:
        content = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise error(f"{path}: not valid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(content, dict):
        raise error(f"{path}: expected {expected}, got {type(content).__name__}")
    return content


def builtin_data_dir():
    """The data directory shipped with the package."""
    return Path(str(resources.files("nsifit_data")))


def data_dirs(extra=None):
    """Search path, highest priority first: explicit dirs, $NSIFIT_DATA_DIR, built-in."""
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
    return dirs + [builtin_data_dir()]


def available(plugin, extra=None):
    """Dataset names for `plugin` across the search path."""
    names = set()
    for d in data_dirs(extra):
        names.update(p.stem for p in (d / plugin).glob("*.yaml"))
    return sorted(names)


def load(plugin, name, extra=None, required=()):
    """Load and validate dataset `name` of `plugin`; `required` lists plugin-specific fields."""
    for d in data_dirs(extra):
        path = d / plugin / f"{name}.yaml"
        if path.is_file():
            break
    else:
        raise DataError(unknown(f"dataset of '{plugin}'", name, available(plugin, extra) or ["(none)"]))
    raw = _read_bytes(path)
    content = yaml_mapping(raw, path, DataError, "a mapping of fields")
    for key in tuple(PROVENANCE_FIELDS) + tuple(required):
        if key not in content or content[key] in (None, ""):
            hint = PROVENANCE_FIELDS.get(key, "plugin-specific field")
            raise DataError(f"{path}: missing field '{key}' ({hint})")
    if not isinstance(content["units"], dict):
        raise DataError(f"{path}: field 'units' must map quantity names to units")
    return Dataset(plugin, name, path, content, {str(path): hashlib.sha256(raw).hexdigest()})
