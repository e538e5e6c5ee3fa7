"""BPS WebAPI -> landing zone: province domains in batches, within the BPS host's pool."""
from airflow.sdk import Param, dag, task

from smartcity.assets import RAW_BPS
from smartcity.dag_support import START_DATE, default_args


@dag(schedule="@weekly", start_date=START_DATE, catchup=False, max_active_runs=1, default_args=default_args(),
     params={"evaluation_year": Param(None, type=["null", "integer"], description="Last year to pull")},
     tags=["extract", "bps"])
def extract_bps():
    @task
    def plan_domain_batches() -> list[list[str]]:
        from smartcity.pipeline import bps_domain_batches
        return bps_domain_batches()

    @task(pool="bps_api")
    def extract_domains(domains: list[str], params=None, run_id=None) -> dict:
        from smartcity.pipeline import extract_bps
        return extract_bps(domains, run_id=run_id, evaluation_year=params.get("evaluation_year"))

    @task(outlets=[RAW_BPS])
    def record_landing(summaries) -> dict:
        from smartcity.pipeline import summarise_extracts
        return summarise_extracts("bps", list(summaries))

    record_landing(extract_domains.expand(domains=plan_domain_batches()))


extract_bps()
