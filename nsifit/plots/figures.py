"""Figure files: the format named by the extension, written atomically."""

from pathlib import Path

from nsifit.errors import NsifitError
from nsifit.io.files import atomic_path

PAPER_FORMATS = ("png", "pdf")


def figure_format(path, formats=PAPER_FORMATS):
    """The plot format named by the file extension; NsifitError listing the valid ones otherwise."""
    fmt = Path(path).suffix.lstrip(".").lower()
    if fmt not in formats:
        raise NsifitError(f"plot file '{path}': unknown extension '{Path(path).suffix}'; valid: "
                          + ", ".join(f".{f}" for f in formats))
    return fmt


def save_figure(fig, path, formats=PAPER_FORMATS, **savefig):
    """Write a matplotlib figure atomically, in the format its extension names."""
    fmt = figure_format(path, formats)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format=fmt, **savefig)
    return Path(path)
