with source as (
    select * from {{ landing_relation('bps', 'observations') }} as src
)

select
    trim(domain_id) as domain_id,
    trim(var_id) as var_id,
    -- the indicator the variable map fetched this table for (verified at fetch); null for tables
    -- pulled by an explicit var id, which are mapped through the seed's reference var id
    nullif(trim(indicator_code), '') as indicator_code,
    {{ clean_text('var_label') }} as var_label,
    {{ clean_text('unit') }} as unit,
    trim(vervar_id) as vervar_id,
    {{ clean_text('vervar_label') }} as vervar_label,
    -- the extractor's resolution (labels, labelvervar kind, the domain's province in that year)
    nullif(trim(region_code), '') as landed_region_code,
    coalesce(trim(turvar_id), '0') as turvar_id,
    {{ clean_text('turvar_label') }} as turvar_label,
    -- 'Perkotaan+Perdesaan', 'Perkotaan + Perdesaan' and 'PERKOTAAN+PERDESAAN' are one label
    lower(replace(replace(coalesce(trim(turvar_label), ''), ' ', ''), chr(160), '')) as turvar_key,
    cast(year as integer) as year,
    cast(turtahun_id as integer) as turtahun_id,
    trim(turtahun_label) as turtahun_label,
    case
        when cast(turtahun_id as integer) in (0, 13, 35)
            or lower(trim(turtahun_label)) in ('tahun', 'tahunan', 'jumlah', 'setahun') then 'annual'
        when cast(turtahun_id as integer) between 1 and 12 then 'monthly'
        when cast(turtahun_id as integer) between 31 and 34 then 'quarter'
        when cast(turtahun_id as integer) between 61 and 63 then 'semester'
        else 'other'
    end as period_type,
    case when cast(turtahun_id as integer) between 1 and 12 then cast(turtahun_id as integer) end as month,
    coalesce(value, {{ safe_cast_number('value_raw') }}) as value,
    value_raw,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from source
