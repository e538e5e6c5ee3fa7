"""Retention: stale candidate warehouses, old run and task logs, Airflow metadata older than the retention
(`airflow db clean`). Every limit is a setting with a default (smartcity_base/settings.py, docs/operations.md)."""
from airflow.sdk import dag, task

from smartcity.dag_support import dag_args


@dag(schedule="@daily", **dag_args(), tags=["maintenance"],
     description="Retention: candidates in warehouse/.build/, run logs, Airflow metadata (airflow db clean)",
     doc_md="Published versions are pruned by every publish (SMARTCITY_KEEP_VERSIONS); landed partitions "
            "are never pruned by age (an incremental batch may hold the only copy of a record).")
def maintenance():
    @task(pool="warehouse_writer")
    def remove_stale_files() -> dict:
        from smartcity.retention import run_retention
        result = run_retention()
        return {"candidates": len(result["candidates"]), "logs": len(result["logs"])}

    @task
    def clean_airflow_metadata() -> dict:
        """Needs connection `smartcity_airflow_db` (the metadata database's SQLAlchemy URL in `host`, or a
        postgres connection): Airflow 3 gives task processes no database access of their own."""
        from smartcity.dag_support import airflow_db_url
        from smartcity.retention import airflow_db_clean
        from smartcity_base.settings import get_settings
        return airflow_db_clean(get_settings(), sql_alchemy_conn=airflow_db_url())

    remove_stale_files() >> clean_airflow_metadata()


maintenance()
