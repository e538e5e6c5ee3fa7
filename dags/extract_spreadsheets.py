"""Spreadsheet drops (XLSX/CSV from OPD staff) -> landing zone; bad rows -> quarantine with a reason."""
from airflow.sdk import dag, task

from smartcity.assets import RAW_SPREADSHEET
from smartcity.dag_support import START_DATE, default_args


@dag(schedule="@daily", start_date=START_DATE, catchup=False, max_active_runs=1, default_args=default_args(),
     tags=["extract", "spreadsheet"])
def extract_spreadsheets():
    @task(outlets=[RAW_SPREADSHEET])
    def extract_drop_folder(run_id=None) -> dict:
        from smartcity.pipeline import extract_spreadsheet_drops
        return extract_spreadsheet_drops(run_id=run_id)

    extract_drop_folder()


extract_spreadsheets()
