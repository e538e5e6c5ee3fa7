"""Every DAG file imports cleanly, quickly, without heavy imports, and the pipeline has the expected shape."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"
EXPECTED = {"extract_bps", "extract_ckan", "extract_regency", "extract_spreadsheets", "transform_publish",
            "maintenance"}


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_DIR))


def test_every_dag_file_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED


def test_no_cycles_and_every_task_retries(dagbag):
    for dag in dagbag.dags.values():
        dag.check_cycle()  # raises AirflowDagCycleException
        for task in dag.tasks:
            assert task.on_failure_callback, f"{dag.dag_id}.{task.task_id} has no failure callback"


def test_transform_runs_on_landing_assets_and_publishes_an_asset(dagbag):
    dag = dagbag.dags["transform_publish"]
    landing = {asset.uri for asset in dag.timetable.asset_condition.objects}
    assert landing == {f"smartcity://raw/{s}" for s in ("bps", "ckan", "regency", "spreadsheet")}
    publish = dag.get_task("publish")
    assert [o.uri for o in publish.outlets] == ["smartcity://warehouse/marts"]
    assert publish.pool == "warehouse_writer"
    assert dag.get_task("build_candidate").pool == "warehouse_writer"


def test_extract_tasks_use_a_pool_per_host(dagbag):
    assert dagbag.dags.get("extract_bps").get_task("extract_domains").pool == "bps_api"
    assert dagbag.dags.get("extract_ckan").get_task("extract_portal").pool == "ckan_api"
    assert dagbag.dags.get("extract_regency").get_task("extract_entity").pool == "regency_api"


@pytest.mark.parametrize("dag_file", sorted(p.name for p in DAGS_DIR.glob("*.py")))
def test_dag_file_does_no_heavy_imports_at_parse_time(dag_file):
    """dbt, GX, duckdb, pandas and requests are imported inside tasks only (they cost seconds)."""
    probe = textwrap.dedent(f"""
        import runpy, sys
        runpy.run_path({str(DAGS_DIR / dag_file)!r})
        heavy = [m for m in ("dbt", "great_expectations", "duckdb", "pandas", "requests", "pyarrow")
                 if m in sys.modules]
        print(",".join(heavy))
    """)
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1:] in ([], [""]), f"{dag_file} imports {out.stdout.strip()}"


def test_no_dag_file_is_named_like_a_dbt_module():
    assert not list(DAGS_DIR.glob("dbt_*.py"))


def test_every_task_has_a_timeout_and_alerts_and_every_dag_runs_one_at_a_time(dagbag):
    for dag in dagbag.dags.values():
        assert dag.max_active_runs == 1, dag.dag_id
        assert dag.on_failure_callback, f"{dag.dag_id} has no DAG-level failure notifier"
        assert dag.description and dag.doc_md, f"{dag.dag_id} has no description/doc_md"
        for task in dag.tasks:
            assert task.execution_timeout is not None, f"{dag.dag_id}.{task.task_id} has no execution_timeout"


def test_extract_dags_check_configuration_first_and_take_full_refresh(dagbag):
    for dag_id in ("extract_bps", "extract_ckan", "extract_regency", "extract_spreadsheets", "transform_publish"):
        dag = dagbag.dags[dag_id]
        check = dag.get_task("check_config")
        assert check.retries == 0 and not check.upstream_task_ids, dag_id
    for dag_id in ("extract_bps", "extract_ckan", "extract_regency"):
        assert "full_refresh" in dagbag.dags[dag_id].params, dag_id


def test_mapped_extracts_are_named_and_partial_success_still_publishes(dagbag):
    for dag_id, mapped, leaf in (("extract_bps", "extract_domains", "every_batch_landed"),
                                 ("extract_ckan", "extract_portal", "every_portal_landed"),
                                 ("extract_regency", "extract_entity", "every_entity_landed")):
        dag = dagbag.dags[dag_id]
        assert dag.get_task(mapped).map_index_template, dag_id
        assert dag.get_task("record_landing").trigger_rule == "all_done_min_one_success"
        assert dag.get_task(leaf).trigger_rule == "all_success"
        assert mapped in dag.get_task(leaf).upstream_task_ids


def test_every_dag_starts_unpaused_and_the_report_follows_the_publish(dagbag):
    """Issue 17: a fresh deployment runs its schedules without a click in the UI. Issue 14: the report
    task comes after the publish and emits its own Asset."""
    assert dagbag.dags and all(dag.is_paused_upon_creation is False for dag in dagbag.dags.values())
    transform = dagbag.dags["transform_publish"]
    report = transform.get_task("write_report")
    assert report.upstream_task_ids == {"publish"}
    assert [o.uri for o in report.outlets] == ["smartcity://warehouse/report"]


def test_airflow_env_puts_this_projects_airflow_on_path(tmp_path):
    exports = subprocess.run([sys.executable, "-m", "smartcity.cli", "airflow-env"], capture_output=True,
                             text=True, check=True).stdout
    found = subprocess.run(["bash", "-c", exports + "\ncommand -v airflow"], capture_output=True, text=True,
                           env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, check=True).stdout.strip()
    assert found == str(Path(sys.executable).parent / "airflow")
