with source as (
    select
        src.*,
        upper({{ clean_text('indicator_code') }}) as code_upper,
        -- 'Quick Win', 'quick_win', 'QUICKWIN' -> 'quickwin'
        lower(replace(replace(replace(trim(coalesce(
            measure,
            case when length(trim(indicator_code)) > 4 then substr(trim(indicator_code), 6) end
        )), ' ', ''), '_', ''), '-', '')) as measure_key
    from {{ landing_relation('spreadsheet', 'indicators') }} as src
    where substr(upper(trim(indicator_code)), 1, 4) in ('PG01', 'PG02', 'PG03')
      and not coalesce(value_missing, false)
)

select
    {{ clean_text('file') }} as file_name,
    {{ clean_text('region_name') }} as region_name_raw,
    {{ clean_text('region_code') }} as region_code_raw,
    substr(code_upper, 1, 4) as indicator_code,
    case substr(code_upper, 1, 4)
        when 'PG01' then 'overall'
        when 'PG02' then 'component'
        else 'dimension'
    end as score_type,
    case when substr(code_upper, 1, 4) = 'PG02' then
        case measure_key
            when 'baseline' then 'Baseline'
            when 'output' then 'Output'
            when 'outcome' then 'Outcome'
            when 'impact' then 'Impact'
            when 'quickwin' then 'Quick Win'
        end
    end as component,
    case when substr(code_upper, 1, 4) = 'PG03' then trim(measure) end as dimension,
    year,
    value as score,
    {{ safe_cast_date("as_of_date") }} as as_of_date,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from source
