-- BPS cells of the catalogue variables with the region resolved to the Kemendagri code.
-- vervar_id is matched as a BPS code first, then vervar_label by normalised name; rows that are
-- province/national aggregates (vervar = a province or Indonesia) are flagged, not resolved.
-- The indicator is the one the variable map fetched the table for (verified at fetch: label, unit,
-- labelvervar); tables pulled by an explicit var id fall back to the seed's reference var id.
-- Rows of neither are not catalogue indicators and are left out. The extractor's region code
-- (labelvervar 'Kota' keeps Kota Kediri apart from Kabupaten Kediri) wins over name matching here.
with observations as (
    select * from {{ ref('stg_bps__observations') }}
),

variables as (
    select * from {{ ref('stg_reference__bps_indicator_variables') }}
),

provinces as (
    select * from {{ ref('stg_reference__provinces') }}
),

aggregate_keys as (
    select bps_province_code as key_value from provinces where bps_province_code is not null
    union
    select bps_province_code || '00' from provinces where bps_province_code is not null
    union
    select '0000'
    union
    select '9999'  -- the total row of a table ('Jambi' there is the province, not Kota Jambi)
),

aggregate_names as (
    select {{ normalise_region_name('province_name') }} as name_key from provinces
    union
    select 'indonesia'
)

select
    observations.domain_id,
    observations.var_id,
    variables.indicator_code,
    variables.period as declared_period,
    variables.total_turvar,
    variables.annual_period,
    observations.vervar_id,
    observations.vervar_label,
    observations.turvar_id,
    observations.turvar_label,
    observations.turvar_key,
    observations.year,
    observations.turtahun_id,
    observations.turtahun_label,
    observations.period_type,
    observations.month,
    observations.value,
    observations.manifest_id,
    observations.extracted_at,
    case when observations.vervar_id = '9999' then null else coalesce(observations.landed_region_code, {{ resolved_region_code() }}) end as region_code,
    case
        when observations.vervar_id = '9999' then 'aggregate_total_row'
        when observations.landed_region_code is not null then 'extractor_label_kind'
        else {{ region_resolution('observations.vervar_id', 'observations.vervar_label') }}
    end as resolution,
    (
        case when observations.vervar_id = '9999' then null else coalesce(observations.landed_region_code, {{ resolved_region_code() }}) end is null
        and (
            observations.vervar_id in (select key_value from aggregate_keys)
            or {{ normalise_region_name('observations.vervar_label') }} in (select name_key from aggregate_names)
        )
    ) as is_aggregate
from observations
inner join variables
    on variables.indicator_code = observations.indicator_code
    or (observations.indicator_code is null and variables.var_id = observations.var_id)
{{ region_resolution_joins('observations.vervar_id', 'observations.vervar_label', 'bps') }}
