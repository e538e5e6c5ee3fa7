with source as (
    select * from {{ landing_relation('bps', 'observations') }} as src
)

select
    trim(domain_id) as domain_id,
    trim(var_id) as var_id,
    {{ clean_text('var_label') }} as var_label,
    {{ clean_text('unit') }} as unit,
    trim(vervar_id) as vervar_id,
    {{ clean_text('vervar_label') }} as vervar_label,
    coalesce(trim(turvar_id), '0') as turvar_id,
    {{ clean_text('turvar_label') }} as turvar_label,
    cast(year as integer) as year,
    cast(turtahun_id as integer) as turtahun_id,
    trim(turtahun_label) as turtahun_label,
    case
        when turtahun_id in (0, 13) or lower(trim(turtahun_label)) in ('tahun', 'tahunan') then 'annual'
        when turtahun_id between 1 and 12 then 'monthly'
        else 'other'
    end as period_type,
    case when turtahun_id between 1 and 12 then cast(turtahun_id as integer) end as month,
    coalesce(value, {{ safe_cast_number('value_raw') }}) as value,
    value_raw,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from source
