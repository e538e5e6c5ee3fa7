select
    trim(indicator_code) as indicator_code,
    trim(cast(var_id as varchar)) as var_id,
    trim(var_label) as var_label,
    trim(unit) as unit,
    lower(trim(period)) as period
from {{ ref('bps_indicator_variables') }}
