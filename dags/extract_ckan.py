"""CKAN portals (Satu Data Indonesia and regional ones) -> landing zone, incremental by metadata_modified."""
from airflow.sdk import dag, task

from smartcity.assets import RAW_CKAN
from smartcity.dag_support import START_DATE, default_args


@dag(schedule="@daily", start_date=START_DATE, catchup=False, max_active_runs=1, default_args=default_args(),
     tags=["extract", "ckan"])
def extract_ckan():
    @task
    def list_portals() -> list[str]:
        from smartcity.pipeline import ckan_portals
        return ckan_portals()

    @task(pool="ckan_api")
    def extract_portal(portal: str, run_id=None) -> dict:
        from smartcity.pipeline import extract_ckan_portal
        return extract_ckan_portal(portal, run_id=run_id)

    @task(outlets=[RAW_CKAN])
    def record_landing(summaries) -> dict:
        from smartcity.pipeline import summarise_extracts
        return summarise_extracts("ckan", list(summaries))

    record_landing(extract_portal.expand(portal=list_portals()))


extract_ckan()
