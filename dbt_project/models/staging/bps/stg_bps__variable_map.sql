with source as (
    select * from {{ landing_relation('bps', 'variable_map') }} as src
)

select
    trim(domain) as domain_id,
    trim(indicator_code) as indicator_code,
    nullif(trim(var_id), '') as var_id,
    year_from,
    year_to,
    trim(title) as title,
    trim(unit) as unit,
    score,
    lower(trim(status)) as status,
    reason,
    status in ('ambiguous', 'missing') as is_gap,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from source
