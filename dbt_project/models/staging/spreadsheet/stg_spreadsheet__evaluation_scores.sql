with source as (
    select
        src.*,
        upper(trim(indicator_code)) as code_upper,
        -- 'Quick Win', 'quick_win', 'QUICKWIN' -> 'quickwin'
        lower(replace(replace(replace(trim(coalesce(
            component,
            case when upper(trim(indicator_code)) like 'PG02%' then substr(trim(indicator_code), 6) end
        )), ' ', ''), '_', ''), '-', '')) as component_key
    from {{ landing_relation('spreadsheet', 'evaluation_scores') }} as src
)

select
    trim(file) as file_name,
    trim(region_name) as region_name_raw,
    trim(region_code) as region_code_raw,
    code_upper as indicator_code,
    case
        when code_upper = 'PG01' then 'overall'
        when code_upper like 'PG02%' or component is not null then 'component'
        when code_upper like 'PG03%' or dimension is not null then 'dimension'
        else 'unknown'
    end as score_type,
    case component_key
        when 'baseline' then 'Baseline'
        when 'output' then 'Output'
        when 'outcome' then 'Outcome'
        when 'impact' then 'Impact'
        when 'quickwin' then 'Quick Win'
    end as component,
    trim(dimension) as dimension,
    year,
    value as score,
    trim(source_url) as source_url,
    {{ safe_cast_date("as_of_date") }} as as_of_date,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from source
