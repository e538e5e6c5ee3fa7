"""Spreadsheet drops (XLSX/CSV from OPD staff) -> landing zone; bad rows -> quarantine with a reason."""
from airflow.sdk import dag, task

from smartcity.assets import RAW_SPREADSHEET
from smartcity.dag_support import check_configuration, dag_args, in_task, publish_deadline


@dag(schedule="@daily", **dag_args(deadline=publish_deadline()), tags=["extract", "spreadsheet"],
     description="Spreadsheet drop folder -> landing zone; unreadable rows quarantined with a reason",
     doc_md="Files dropped in `data/drop/`; a file already landed from the same bytes is not read again. "
            "See docs/operations.md.")
def extract_spreadsheets():
    @task(retries=0)
    def check_config() -> str:
        return check_configuration({"spreadsheet"})

    @task(outlets=[RAW_SPREADSHEET])
    def extract_drop_folder(run_id=None) -> dict:
        from smartcity.pipeline import extract_spreadsheet_drops
        with in_task():
            return extract_spreadsheet_drops(run_id=run_id, raise_unreadable=False)

    @task(retries=0)
    def every_file_read(summary: dict) -> None:
        """Fails the run when a file could not be read; the others were landed and published."""
        from smartcity.pipeline import raise_if_unreadable
        raise_if_unreadable(summary)

    every_file_read(check_config() >> extract_drop_folder())


extract_spreadsheets()
