select
    trim(indicator_code) as indicator_code,
    trim(cast(var_id as varchar)) as var_id,
    trim(var_label) as var_label,
    trim(unit) as unit,
    lower(trim(period)) as period,
    trim(title_pattern) as title_pattern,
    -- labels (spaces removed, lower case, '|'-separated) that name the total derived variable
    lower(replace(coalesce(trim(total_turvar), ''), ' ', '')) as total_turvar,
    -- the official annual figure: 'annual' (the annual code), 'turtahun:N' (that period, e.g. 61
    -- Maret for poverty, 190 Agustus for unemployment) or 'mean_monthly' (a stated aggregation)
    lower(trim(annual_period)) as annual_period
from {{ ref('bps_indicator_variables') }}
