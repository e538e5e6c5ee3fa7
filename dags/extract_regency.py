"""Regency REST systems declared in extractors/sources.yml -> landing zone, one task per entity."""
from airflow.sdk import Param, dag, task

from smartcity.assets import RAW_REGENCY
from smartcity.dag_support import check_configuration, dag_args, in_task, publish_deadline


@dag(schedule="@daily", **dag_args(deadline=publish_deadline()), tags=["extract", "regency"],
     description="Regency REST systems (extractors/sources.yml) -> landing zone (one mapped task per entity)",
     doc_md="Systems and entities: `extractors/sources.yml` (a new one is configuration, plus a staging "
            "model). What landed is published even when one entity fails. See docs/operations.md.",
     params={"full_refresh": Param(False, type="boolean",
                                   description="Pull every record again instead of those changed since the cursor")})
def extract_regency():
    @task(retries=0)
    def check_config() -> str:
        return check_configuration({"regency"})

    @task
    def list_entities() -> list[dict]:
        from smartcity.pipeline import regency_entities
        with in_task():
            return regency_entities()

    @task(pool="regency_api",
          map_index_template="{{ task.op_kwargs['entity']['system'] }}/{{ task.op_kwargs['entity']['entity'] }}")
    def extract_entity(entity: dict, run_id=None, params=None) -> dict:
        from smartcity.pipeline import extract_regency_entity
        with in_task():
            return extract_regency_entity(entity["system"], entity["entity"], run_id=run_id,
                                          full_refresh=bool(params.get("full_refresh")))

    @task(outlets=[RAW_REGENCY], trigger_rule="all_done_min_one_success")
    def record_landing(summaries) -> dict:
        from smartcity.pipeline import summarise_extracts
        return summarise_extracts("regency", list(summaries))

    @task
    def every_entity_landed() -> None:
        """Fails the run (upstream failed) when one entity did not land; the others were published."""

    extracted = extract_entity.expand(entity=check_config() >> list_entities())
    record_landing(extracted)
    extracted >> every_entity_landed()


extract_regency()
