"""BPS WebAPI -> landing zone: province domains in batches, within the BPS host's pool."""
from airflow.sdk import CronDataIntervalTimetable, Param, dag, task

from smartcity.assets import RAW_BPS
from smartcity.dag_support import BPS_INTERVAL, START_DATE, check_configuration, dag_args, in_task


# Weekly data intervals (not Airflow 3's point-in-time cron default): a manual run or a retry inside a week
# belongs to the last complete week, so what that week already fetched from BPS is not asked again (a run
# triggered without a logical date has no data interval: it asks for everything).
@dag(schedule=CronDataIntervalTimetable(BPS_INTERVAL, timezone=START_DATE.tz), **dag_args(),
     description="BPS WebAPI -> landing zone (province domains in batches)",
     doc_md="A rerun or backfill of an interval skips tables that interval already fetched; pass "
            "`full_refresh: true` to ask BPS again (docs/operations.md, 'Backfill a month').",
     params={"evaluation_year": Param(None, type=["null", "integer"], description="Last year to pull"),
             "full_refresh": Param(False, type="boolean",
                                   description="Ask BPS again for tables this interval already fetched")},
     tags=["extract", "bps"])
def extract_bps():
    @task(retries=0)
    def check_config() -> str:
        return check_configuration({"bps"})

    @task
    def plan_domain_batches() -> list[list[str]]:
        from smartcity.pipeline import bps_domain_batches
        return bps_domain_batches()

    @task(pool="bps_api",
          map_index_template="domains {{ task.op_kwargs['domains'][0] }}..{{ task.op_kwargs['domains'][-1] }}")
    def extract_domains(domains: list[str], params=None, run_id=None, data_interval_end=None) -> dict:
        from smartcity.pipeline import extract_bps
        # BPS has no change cursor: a rerun of this interval skips what a run of it already fetched.
        fresh_since = None if params.get("full_refresh") else data_interval_end
        with in_task():
            return extract_bps(domains, run_id=run_id, evaluation_year=params.get("evaluation_year"),
                               fresh_since=fresh_since)

    @task(outlets=[RAW_BPS], trigger_rule="all_done_min_one_success")
    def record_landing(summaries) -> dict:
        from smartcity.pipeline import summarise_extracts
        return summarise_extracts("bps", list(summaries))

    @task
    def every_batch_landed() -> None:
        """Fails the run (upstream failed) when one batch did not land; the others were published."""

    extracted = extract_domains.expand(domains=check_config() >> plan_domain_batches())
    record_landing(extracted)
    extracted >> every_batch_landed()


extract_bps()
