"""Landing zone -> warehouse: raw audit, dbt build into a new file, mart audit, atomic publish, and the
evaluation report of what was published.
Runs when any source lands; skips everything when the landing zone and the code are what the served
warehouse was built from; one writer at a time (pool `warehouse_writer` has one slot)."""
from airflow.sdk import dag, task

from smartcity.assets import EVALUATION_REPORT, PUBLISHED_MARTS, RAW_BPS, RAW_CKAN, RAW_REGENCY, RAW_SPREADSHEET
from smartcity.dag_support import build_deadline, check_configuration, dag_args, default_args


@dag(schedule=(RAW_BPS | RAW_CKAN | RAW_REGENCY | RAW_SPREADSHEET),
     **dag_args(default_args={**default_args(), "retries": 0}, deadline=build_deadline()),
     description="Landing zone -> audited warehouse, published atomically (DuckDB, exports, PostgreSQL)",
     doc_md="Runs when any source lands. `smartcity status` shows what is served, `smartcity rollback` "
            "serves an earlier version. See docs/operations.md.",
     tags=["transform", "publish"])
def transform_publish():
    @task
    def check_config() -> str:
        return check_configuration({"reference"}, warn_kinds=frozenset({"staging"}))

    @task.short_circuit
    def inputs_changed() -> bool:
        from smartcity.pipeline import warehouse_is_stale
        return warehouse_is_stale()

    @task
    def audit_landing_zone(run_id=None) -> dict:
        from smartcity.pipeline import audit_raw
        return audit_raw(run_id)

    @task(pool="warehouse_writer")
    def build_candidate(run_id=None) -> str:
        from smartcity.pipeline import build_candidate
        return build_candidate(run_id)["candidate"]

    @task
    def audit_marts(candidate: str, run_id=None) -> str:
        from smartcity.pipeline import audit_candidate
        audit_candidate(candidate, run_id)
        return candidate

    @task
    def generate_docs(candidate: str) -> str:
        from smartcity.pipeline import generate_docs
        generate_docs(candidate)
        return candidate

    @task(pool="warehouse_writer", outlets=[PUBLISHED_MARTS])
    def publish(candidate: str) -> dict:
        from smartcity.pipeline import publish_candidate
        return publish_candidate(candidate, remove_candidate=True)

    @task(outlets=[EVALUATION_REPORT])
    def write_report(published: dict) -> dict:
        from smartcity.report import publish_report
        return publish_report().summary()

    candidate = build_candidate()
    check_config() >> inputs_changed() >> audit_landing_zone() >> candidate
    write_report(publish(generate_docs(audit_marts(candidate))))


transform_publish()
