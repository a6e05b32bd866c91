"""Bad inputs (CLI arguments, plugin options, data tables, config numbers, extreme values): one-line errors."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nsifit import evaluate
from nsifit.cli.main import main
from nsifit.errors import ConfigError, DataError
from nsifit.inference.config import load_config
from nsifit.inference.validation import as_number
from nsifit.io.runfile import H5Backend
from nsifit.physics.gm2 import delta_a_lepton

POINT = ("dark_photon", "m_zp=10", "epsilon=1e-3")


def one_line_error(capsys, *argv):
    """Run the CLI in-process; return its single stderr line (asserting exit code 2, no traceback)."""
    assert main(list(argv)) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_option_value_that_is_not_yaml_is_a_one_line_error(capsys):
    line = one_line_error(capsys, "eval", *POINT, "--likelihoods", "gm2_mu", "--option", "gm2_mu.dataset=: :")
    assert "gm2_mu.dataset" in line and "not valid YAML" in line


def test_parameter_given_twice_is_an_error_not_the_last_value(capsys):
    line = one_line_error(capsys, "eval", *POINT, "m_zp=20", "--likelihoods", "")
    assert "'m_zp' is given twice" in line


def test_option_for_a_plugin_that_is_not_evaluated_is_an_error():
    with pytest.raises(ConfigError, match="'na64_invisible', which is not evaluated.*gm2_mu"):
        evaluate("dark_photon", likelihoods=["gm2_mu"], options={"na64_invisible": {"dataset": "na64_2019"}},
                 m_zp=10.0, epsilon=1e-3)


def test_data_dir_that_is_a_file_is_reported_as_not_a_directory(tmp_path):
    path = tmp_path / "file.txt"
    path.write_text("x")
    with pytest.raises(DataError, match="is not a directory"):
        evaluate("dark_photon", likelihoods=["gm2_mu"], data_dir=str(path), m_zp=10.0, epsilon=1e-3)


@pytest.mark.parametrize("plugin, options, fragment", [
    ("na48_2", {"limit": ["a"]}, "option 'limit' of likelihood 'na48_2': unknown value"),
    ("na62_kmunu", {"construction": ["a"]}, "option 'construction' of likelihood 'na62_kmunu': unknown value"),
    ("na62_kmunu", {"invisible_only": "nope"}, "'invisible_only' of likelihood 'na62_kmunu' must be true or false"),
    ("cevns_coherent", {"datasets": 5}, "must be a non-empty list"),
    ("cevns_coherent", {"datasets": [["csi_2021"]]}, "must be a non-empty list"),
    ("cevns_coherent", {"dataset": ["csi_2021"]}, "must be a non-empty list"),
    ("solar_lma", {"nn_over_np": float("nan")}, "must be a finite number"),
    ("solar_lma", {"nn_over_np": float("inf")}, "must be a finite number"),
])
def test_malformed_plugin_option_values_raise_config_error(plugin, options, fragment):
    with pytest.raises(ConfigError, match=fragment):
        evaluate("dark_photon", likelihoods=[plugin], options={plugin: options}, m_zp=10.0, epsilon=1e-3)


def test_config_numbers_written_without_a_dot_are_numbers(tmp_path):
    # PyYAML (YAML 1.1) reads 1e-5 as the string '1e-5'
    path = tmp_path / "c.yaml"
    path.write_text("model: dark_photon\nlikelihoods: [gm2_mu]\nsampler: {steps: 2e3}\nparams:\n"
                    "  m_zp: {prior: log-uniform, min: 1, max: 1e2}\n"
                    "  epsilon: {prior: uniform, min: 1e-5, max: 1e-3}\n")
    config = load_config(str(path))
    assert (config.params["epsilon"].min, config.params["m_zp"].max) == (1e-5, 100.0)
    assert config.sampler["steps"] == 2000
    assert as_number("sampler.steps", "1e3", integer=True) == 1000
    with pytest.raises(ConfigError, match="expected a number, got 'small'"):
        as_number("params.epsilon.min", "small")
    with pytest.raises(ConfigError, match="finite"):
        as_number("params.m_zp.max", "1e400")


def test_more_steps_than_memory_is_a_config_error(tmp_path):
    backend = H5Backend(tmp_path / "x.h5")
    backend.reset(8, 2)
    with pytest.raises(ConfigError, match="sampler.steps: .* do not fit in memory"):
        backend.grow(10 ** 20, None)


def test_gm2_heavy_limit_stays_zero_not_nan_beyond_float_range():
    # Delta a -> g^2 m_mu^2 / (12 pi^2 m_zp^2) -> 0; r^2 overflows for m_zp > 1e154 m_mu
    values = delta_a_lepton(1.0, np.array([1e160, 1e300]))
    np.testing.assert_array_equal(values, 0.0)


def test_extreme_parameters_print_no_floating_point_warnings():
    # a subprocess: in-process, pytest would capture the RuntimeWarnings before they reach stderr
    out = subprocess.run([sys.executable, "-m", "nsifit", "eval", "mutau_baryon", "m_zp=1e300", "g_zp=1e300",
                          "c=1", "epsilon=0", "--likelihoods", ""], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert "LOGLIKE" in out.stdout



@pytest.mark.parametrize("table, csv_bytes, fragment", [
    ("x.csv", b"", "empty table"),
    ("x.csv", b"\xff\xfe\x00", "not a UTF-8 CSV table"),
    ("x.csv", b"m_zp_mev,eps\n1,2\n", "table has no column 'epsilon'; columns: m_zp_mev, eps"),
    ("[1]", b"", "field 'table' must be a CSV file name"),
])
def test_malformed_user_table_is_a_data_error(tmp_path, table, csv_bytes, fragment):
    builtin = Path(__file__).parents[1] / "data" / "na64_invisible" / "na64_2023.yaml"
    (tmp_path / "na64_invisible").mkdir()
    text = "".join(f"table: {table}\n" if line.startswith("table:") else line
                   for line in builtin.read_text().splitlines(keepends=True))
    (tmp_path / "na64_invisible" / "x.yaml").write_text(text)
    (tmp_path / "na64_invisible" / "x.csv").write_bytes(csv_bytes)
    with pytest.raises(DataError, match=fragment):
        evaluate("dark_photon", likelihoods=["na64_invisible"], options={"na64_invisible": {"dataset": "x"}},
                 data_dir=str(tmp_path), m_zp=10.0, epsilon=1e-3)


def test_summary_of_a_directory_says_not_a_file(capsys, tmp_path):
    assert one_line_error(capsys, "summary", str(tmp_path)) == f"nsifit: error: {tmp_path}: not a file"


def test_corner_plot_with_an_unknown_extension_is_a_one_line_error(capsys, tmp_path):
    line = one_line_error(capsys, "corner", str(tmp_path / "run.h5"), "-o", str(tmp_path / "plot.weird"))
    assert "unknown extension '.weird'" in line and ".png" in line and ".pdf" in line
