"""The example configs shipped with nsifit (package data of nsifit.examples).

`quickstart` is a run config (examples/quickstart.yaml in the repository); the others are bounds
configs (examples/figures/<name>.yaml) that redraw published figures. Each can be named instead of
a file path (`nsifit run quickstart`, `nsifit profile quickstart --scan ...`, `nsifit bounds NAME`)
and copied for editing with `nsifit example NAME > my.yaml`.
"""

from importlib import resources
from pathlib import Path

RUN_EXAMPLES = ("quickstart",)


def _folder():
    return Path(str(resources.files(__name__)))


def names():
    """{name: kind} of every shipped example ('run' or 'bounds')."""
    out = {name: "run" for name in RUN_EXAMPLES}
    out.update({p.stem: "bounds" for p in sorted((_folder() / "figures").glob("*.yaml"))})
    return out


def path(name):
    """The shipped file of example `name` (with or without .yaml), or None."""
    stem = str(name).removesuffix(".yaml")
    kind = names().get(stem)
    if kind is None:
        return None
    return _folder() / (f"{stem}.yaml" if kind == "run" else f"figures/{stem}.yaml")


def summary(name):
    """The first comment line of an example, without '# '."""
    for line in path(name).read_text().splitlines():
        if line.startswith("#"):
            return line.lstrip("# ").strip()
    return ""
