"""CKAN portals (Satu Data Indonesia and regional ones) -> landing zone, incremental by metadata_modified."""
from airflow.sdk import Param, dag, task

from smartcity.assets import RAW_CKAN
from smartcity.dag_support import check_configuration, dag_args, in_task, publish_deadline


@dag(schedule="@daily", **dag_args(deadline=publish_deadline()), tags=["extract", "ckan"],
     description="CKAN portals -> landing zone (one mapped task per portal)",
     doc_md="Portals: every row of `seeds/project/ckan_portals.csv` with an Airflow connection "
            "`smartcity_ckan_<portal>`. What landed is published even when one portal fails (the run still "
            "fails and alerts). See docs/operations.md.",
     params={"full_refresh": Param(False, type="boolean",
                                   description="Pull every package again instead of those changed since the cursor")})
def extract_ckan():
    @task(retries=0)
    def check_config() -> str:
        return check_configuration({"ckan"})

    @task
    def list_portals() -> list[str]:
        from smartcity.pipeline import ckan_portals
        with in_task():
            return ckan_portals(through_airflow=True)

    @task(pool="ckan_api", map_index_template="{{ task.op_kwargs['portal'] }}")
    def extract_portal(portal: str, run_id=None, params=None) -> dict:
        from smartcity.pipeline import extract_ckan_portal
        with in_task():
            return extract_ckan_portal(portal, run_id=run_id, full_refresh=bool(params.get("full_refresh")))

    @task(outlets=[RAW_CKAN], trigger_rule="all_done_min_one_success")
    def record_landing(summaries) -> dict:
        from smartcity.pipeline import summarise_extracts
        return summarise_extracts("ckan", list(summaries))

    @task
    def every_portal_landed() -> None:
        """Fails the run (upstream failed) when one portal did not land; the others were published."""

    extracted = extract_portal.expand(portal=check_config() >> list_portals())
    record_landing(extracted)
    extracted >> every_portal_landed()


extract_ckan()
