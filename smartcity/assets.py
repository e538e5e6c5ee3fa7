"""The Assets the DAGs exchange: what each extract landed, and the published marts."""
from airflow.sdk import Asset

RAW_BPS = Asset("smartcity://raw/bps", group="landing")
RAW_CKAN = Asset("smartcity://raw/ckan", group="landing")
RAW_REGENCY = Asset("smartcity://raw/regency", group="landing")
RAW_SPREADSHEET = Asset("smartcity://raw/spreadsheet", group="landing")
PUBLISHED_MARTS = Asset("smartcity://warehouse/marts", group="warehouse")
EVALUATION_REPORT = Asset("smartcity://warehouse/report", group="warehouse")
