"""User-facing text (README, docs, shipped data and examples, `nsifit info`) cites the papers by authors
and arXiv id, carries no process notes, and states the quickstart's run time as measured."""

import re
from pathlib import Path

from cli_helpers import run_cli

REPO = Path(__file__).resolve().parents[1]


FORBIDDEN = (r"\bseeds? ?0\d\d\b", r"\bseed's\b|\bseeds'", r"\bseed papers?\b", r"\bseed (?:eq|fig|sect)",
             r"(?<!docs/)DESIGN\.md", r"nsifit issue", r"search tool")


def user_facing_texts():
    """README, docs, shipped data and example files, and what `nsifit info` prints."""
    texts = {"README.md": (REPO / "README.md").read_text()}
    for pattern in ("docs/*.md", "data/*/*.yaml", "data/*/*.csv", "examples/*.yaml", "examples/figures/*.yaml"):
        for path in REPO.glob(pattern):
            texts[str(path.relative_to(REPO))] = path.read_text()
    texts["nsifit info"] = run_cli(["info"]).stdout
    return texts


def test_user_facing_text_cites_papers_not_process_notes():
    found = []
    for name, text in user_facing_texts().items():
        for pattern in FORBIDDEN:
            found += [f"{name}: {m.group(0)!r}" for m in re.finditer(pattern, text, re.IGNORECASE)]
    assert found == []
    readme = (REPO / "README.md").read_text()
    quickstart = (REPO / "examples" / "quickstart.yaml").read_text()
    stated = re.search(r"(\d+) s of CPU time", quickstart).group(0)
    assert stated in readme.replace("\n", " ")             # the two run-time statements agree
    assert "Bernal and Farzan" in readme and "arXiv:2211.15686" in readme
    assert "Gninenko and Gorbunov" in readme and "arXiv:2007.16098" in readme


def test_configuration_doc_covers_every_key_the_validation_accepts():
    import importlib

    from nsifit import api
    from nsifit.bounds import config as bounds_config
    from nsifit.inference import config as run_config
    doc = (REPO / "docs" / "configuration.md").read_text()
    tables = {"run config": run_config.TOP_KEYS, "params": run_config.PARAM_KEYS,
              "sampler": tuple(run_config.SAMPLER_DEFAULTS), "profile": tuple(api.PROFILE_DEFAULTS),
              "bounds config": bounds_config.TOP_KEYS, "axes": bounds_config.AXIS_KEYS,
              "layers": bounds_config.LAYER_KEYS,
              "bounds profile": importlib.import_module("nsifit.bounds.compute").PROFILE_KEYS,
              "bounds limit": importlib.import_module("nsifit.bounds.compute").LIMIT_KEYS}
    missing = [f"{table}: {key}" for table, keys in tables.items() for key in keys if f"`{key}`" not in doc]
    assert missing == []
    for default_key, value in run_config.SAMPLER_DEFAULTS.items():
        if value not in (None, True, False):
            row = next(line for line in doc.splitlines() if line.startswith(f"| `{default_key}` |"))
            shown = f"`{value}`" if isinstance(value, str) else f"{value:g}"
            assert f"| {shown} |" in row, row
