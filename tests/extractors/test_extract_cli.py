"""`extract` command line: progress lines, exit codes, one-line errors without traceback or key."""
from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from extract_testkit import BPS_KEY, Answer, bps_path, fixture_bytes

from extractors.cli import extract

DATA = bps_path("list/model/data/lang/ind/domain/7315/var/31/key/{key}")


@pytest.fixture
def bps_env(replay, monkeypatch):
    monkeypatch.setenv("AIRFLOW_CONN_SMARTCITY_BPS", f"http://:{BPS_KEY}@127.0.0.1:{replay.port}/v1/api")
    monkeypatch.setenv("AIRFLOW_CONN_SMARTCITY_CKAN_MUARAENIM", f"http://127.0.0.1:{replay.port}/ckan/muaraenim")
    return replay


def run(*args):
    return CliRunner().invoke(extract, list(args))


def test_bps_writes_decoded_observations(tmp_path, bps_env):
    bps_env.routes[DATA] = Answer(fixture_bytes("bps_data_pinrang_population_var31.json"))
    result = run("bps", "--domain", "7315", "--var", "31", "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "domain=7315/var=31: 23 rows" in result.output and BPS_KEY not in result.output
    table = pq.read_table(tmp_path / "bps/observations/domain=7315/var=31/data.parquet")
    for column in ("domain_id", "var_id", "vervar_id", "vervar_label", "turvar_id", "turvar_label", "year",
                   "turtahun_id", "turtahun_label", "value"):
        assert column in table.column_names
    assert table.num_rows == 23


def test_bps_no_data_exits_zero_with_zero_rows(tmp_path, bps_env):
    bps_env.routes[DATA] = Answer({"status": "OK", "data-availability": "list-not-available", "data": ""})
    result = run("bps", "--domain", "7315", "--var", "31", "--out", str(tmp_path))
    assert result.exit_code == 0 and "0 rows" in result.output
    assert pq.read_table(tmp_path / "bps/observations/domain=7315/var=31/data.parquet").num_rows == 0


@pytest.mark.parametrize("answer", [
    Answer({"status": "Error", "message": "Invalid API key"}),
    Answer("<html><title>403 Forbidden</title></html>", 403, "text/html"),
    Answer('{"status": "OK", "data-availability": "avail'),
])
def test_failure_is_one_line_exit_1_no_traceback_no_key(tmp_path, bps_env, answer):
    bps_env.routes[DATA] = answer
    result = run("bps", "--domain", "7315", "--var", "31", "--out", str(tmp_path))
    text = result.output  # click >= 8.2: stdout and stderr interleaved
    assert result.exit_code == 1
    assert "Traceback" not in text and BPS_KEY not in text
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and ("127.0.0.1" in errors[0] or "Invalid API key" in errors[0])


def test_missing_connection_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_SMARTCITY_BPS", raising=False)
    result = run("bps", "--domain", "7315", "--var", "31", "--out", str(tmp_path))
    assert result.exit_code == 1 and "AIRFLOW_CONN_SMARTCITY_BPS" in result.output


def test_ckan_and_statictable_commands(tmp_path, bps_env):
    bps_env.routes["/ckan/muaraenim/api/3/action/package_search"] = \
        Answer(fixture_bytes("ckan_muaraenim_package_search_q_akip.json"))
    result = run("ckan", "--portal", "muaraenim", "--out", str(tmp_path))
    assert result.exit_code == 0 and "portal=muaraenim/batch=full: 1 rows" in result.output
    bps_env.routes[bps_path("view/model/statictable/lang/ind/domain/7315/id/3/key/{key}")] = Answer(
        {"status": "OK", "data-availability": "available",
         "data": {"table": "&lt;table&gt;&lt;tr&gt;&lt;td&gt;A&lt;/td&gt;&lt;/tr&gt;&lt;tr&gt;&lt;td&gt;1&lt;/td&gt;"
                           "&lt;/tr&gt;&lt;/table&gt;"}})
    result = run("bps-statictable", "--domain", "7315", "--id", "3", "--out", str(tmp_path))
    assert result.exit_code == 0 and "1 rows" in result.output


def test_spreadsheet_command(tmp_path):
    drop = tmp_path / "kemiskinan-SE03.csv"
    drop.write_text("Kabupaten/Kota;2023\nKota Kediri;12,5\nAtlantis;1\n", encoding="utf-8")
    result = run("spreadsheet", "--path", str(drop), "--out", str(tmp_path / "raw"))
    assert result.exit_code == 0, result.output
    assert "1 rows; 1 quarantined" in result.output
    assert (tmp_path / "quarantine/spreadsheet/indicators/kemiskinan-SE03.csv.parquet").exists()
