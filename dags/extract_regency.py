"""Regency REST systems declared in extractors/sources.yml -> landing zone, one task per entity."""
from airflow.sdk import dag, task

from smartcity.assets import RAW_REGENCY
from smartcity.dag_support import START_DATE, default_args


@dag(schedule="@daily", start_date=START_DATE, catchup=False, max_active_runs=1, default_args=default_args(),
     tags=["extract", "regency"])
def extract_regency():
    @task
    def list_entities() -> list[dict]:
        from smartcity.pipeline import regency_entities
        return regency_entities()

    @task(pool="regency_api")
    def extract_entity(entity: dict, run_id=None) -> dict:
        from smartcity.pipeline import extract_regency_entity
        return extract_regency_entity(entity["system"], entity["entity"], run_id=run_id)

    @task(outlets=[RAW_REGENCY])
    def record_landing(summaries) -> dict:
        from smartcity.pipeline import summarise_extracts
        return summarise_extracts("regency", list(summaries))

    record_landing(extract_entity.expand(entity=list_entities()))


extract_regency()
