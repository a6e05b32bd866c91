"""`nsifit bib` and nsifit.api.bibliography: the shipped BibTeX file, the datasets' `references` fields, and
what a config, a run file and a bounds config print."""

import re

import pytest
import yaml
from cli_helpers import cli, one_line

from nsifit import api
from nsifit._version import __version__
from nsifit.bounds import bibliography as bounds_bibliography
from nsifit.physics.references import MODULES
from nsifit.plugins import bibliography as bib
from nsifit.plugins import registry
from nsifit.plugins.datasets import builtin_data_dir
from nsifit.theory.models import available_models, registered_model

BIB = bib.load_bib()
DATASETS = sorted(p for p in builtin_data_dir().glob("*/*.yaml"))
ARXIV_ID = re.compile(r"\b(\d{4}\.\d{4,5}|[a-z-]+/\d{7})\b")


def eprint(key):
    match = re.search(r'^\s*eprint\s*=\s*["{]([^"}]+)["}]', BIB[key], re.M | re.I)
    return match.group(1) if match else None


def keys_of(text):
    return re.findall(r"^@\w+\{([^,]+),", text, re.M)


def test_shipped_file_parses_into_unique_entries_with_titles():
    assert len(BIB) == 104                       # /work/scratch/bib/references.bib as prepared
    for key, entry in BIB.items():
        assert entry.count("{") == entry.count("}"), key
        has_title = re.search(r"^\s*title\s*=", entry, re.M | re.I)
        assert has_title or "title" in entry.split("nsifit_unverified", 1)[-1].lower(), key    # absent only if said why


@pytest.mark.parametrize("path", DATASETS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_dataset_cites_entries_that_exist_and_carry_its_arxiv_id(path):
    content = yaml.safe_load(path.read_text())
    refs = content.get("references")
    assert isinstance(refs, list) and refs, f"{path}: no references"
    assert [k for k in refs if k not in BIB] == []
    eprints = {eprint(k) for k in refs}
    for arxiv in ARXIV_ID.findall(str(content["arxiv"])):
        assert arxiv in eprints, f"{path}: arXiv:{arxiv} is in no entry's eprint ({refs})"


def test_every_theory_model_and_plugin_key_exists():
    keys = [k for refs in MODULES.values() for k in refs] + list(bib.SOFTWARE)
    keys += [k for name in available_models() for k in registered_model(name).references]
    keys += [k for name in registry.registry() for k in registry.get_plugin_class(name).references]
    assert [k for k in keys if k not in BIB] == []
    assert registered_model("mutau_baryon").references[0] == "Bernal2022:2211.15686"
    assert registered_model("lmu_minus_ltau").references[0] == "Gninenko2020:2007.16098"
    assert eprint("Bernal2022:2211.15686") == "2211.15686" and eprint("Gninenko2020:2007.16098") == "2007.16098"


def test_theory_modules_follow_imports_and_required_observables():
    assert "nsifit.physics.gm2" in bib.theory_modules(registry.get_plugin_class("gm2_mu"))
    borexino = bib.theory_modules(registry.get_plugin_class("borexino_7be"))
    assert {"nsifit.physics.electron_scattering", "nsifit.physics.oscillation", "nsifit.constants"} <= set(borexino)
    assert "nsifit.physics.meson_decays" in bib.theory_modules(registry.get_plugin_class("b_to_k_zp"))


def test_quickstart_lists_each_inputs_reference(capsys):
    code, out, err = cli(capsys, "bib", "quickstart")
    assert code == 0, err
    keys = keys_of(out)
    assert keys[0] == "nsifit" and f'version = "{__version__}"' in out
    assert keys[1:] == sorted(keys[1:], key=str.lower) and len(set(keys)) == len(keys)
    for key in ("NA64_2023:2307.02404", "COHERENT:2021xmm", "COHERENT:2020iec", "Bellini:2011rx",
                "Muong2_2025:2506.03069", "Aliberti2025:2505.21476", "Bernal2022:2211.15686",
                "Gninenko2020:2007.16098", "Lees:2017lec", "Batley:2015lha", "NA62_2021:2101.12304"):
        assert key in keys, key
    assert "NA64:2019imj" not in keys and "Muong2_2021:2104.03281" not in keys    # datasets not selected
    assert "nsifit_status" not in out and "nsifit_verified" not in out
    assert api.bibliography("examples/quickstart.yaml") == out


def test_selected_dataset_options_decide_the_entries():
    cfg = {"model": "lmu_minus_ltau", "params": {"m_zp": {"prior": "log-uniform", "min": 1, "max": 100},
                                                 "g_zp": {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}},
           "likelihoods": {"gm2_mu": {"dataset": "fnal_2023_wp2020"}, "na64_invisible": {"dataset": "na64_2019"}}}
    keys = keys_of(api.bibliography(cfg))
    assert {"Muong2_2023:2308.06230", "Aoyama2020:2006.04822", "NA64:2019imj", "Gninenko2020:2007.16098"} <= set(keys)
    assert not {"Muong2_2025:2506.03069", "Aliberti2025:2505.21476", "NA64_2023:2307.02404"} & set(keys)


def test_run_file_gives_the_same_as_its_config(tmp_path, capsys):
    cfg = {"model": "lmu_minus_ltau", "params": {"m_zp": {"prior": "log-uniform", "min": 1, "max": 100},
                                                 "g_zp": {"prior": "log-uniform", "min": 1e-5, "max": 1e-2}},
           "likelihoods": {"gm2_mu": {"dataset": "bnl_fnal_2021_wp2020"}, "ccfr_trident": {}},
           "sampler": {"walkers": 8, "steps": 3, "seed": 1, "init": "prior", "progress": False},
           "output": str(tmp_path / "run.h5")}
    path = tmp_path / "cfg.yaml"
    path.write_text(yaml.safe_dump(cfg))
    api.run(path)
    code, out, err = cli(capsys, "bib", tmp_path / "run.h5", "-o", tmp_path / "refs.bib")
    assert code == 0, err
    assert (tmp_path / "refs.bib").read_text() == api.bibliography(path)
    assert {"Muong2_2021:2104.03281", "Mishra:1991bv", "Altmannshofer2014:1406.2332"} <= \
        set(keys_of((tmp_path / "refs.bib").read_text()))


def test_bounds_figure_cites_every_layer(capsys):
    keys = keys_of(api.bibliography("seed004_fig1"))
    assert {"Gninenko2020:2007.16098", "Bellini:2011rx", "Mishra:1991bv", "TheBABAR:2016rlg",
            "Muong2_2021:2104.03281"} <= set(keys)


def test_bounds_profile_overlay_plugins_are_cited():
    keys = set(keys_of(api.bibliography("seed000_fig1_left_profile")))
    cfg = yaml.safe_load(open(bounds_bibliography._bounds_source("seed000_fig1_left_profile")))
    assert "Bernal2022:2211.15686" in keys
    for name, options in (cfg["profile"].get("likelihoods") or {}).items():
        for ds in bib.selected_datasets(registry.get_plugin_class(name), options):
            refs = yaml.safe_load((builtin_data_dir() / name / f"{ds}.yaml").read_text())["references"]
            assert set(refs) <= keys, (name, ds)


def test_unknown_file_is_one_line(tmp_path, capsys):
    assert "no_such.yaml" in one_line(capsys, "bib", tmp_path / "no_such.yaml")
    bad = tmp_path / "bad.h5"
    bad.write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 64)
    one_line(capsys, "bib", bad)


def test_key_missing_from_the_file_is_a_comment_not_a_failure():
    text = bib.format_bibliography(["nsifit", "Holdom:1985ag", "Nobody:2099xx"], ["a note"])
    assert keys_of(text) == ["nsifit", "Holdom:1985ag"]
    assert "% not in nsifit's bibliography (data/references.bib): Nobody:2099xx" in text and "% a note" in text
