-- BPS cells of the catalogue variables with the region resolved to the Kemendagri code.
-- vervar_id is matched as a BPS code first, then vervar_label by normalised name; rows that are
-- province/national aggregates (vervar = a province or Indonesia) are flagged, not resolved.
-- Variables absent from seed bps_indicator_variables are not catalogue indicators and are left out.
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
    observations.vervar_id,
    observations.vervar_label,
    observations.turvar_id,
    observations.turvar_label,
    observations.year,
    observations.turtahun_id,
    observations.period_type,
    observations.month,
    observations.value,
    observations.manifest_id,
    observations.extracted_at,
    {{ resolved_region_code() }} as region_code,
    {{ region_resolution('observations.vervar_id', 'observations.vervar_label') }} as resolution,
    (
        {{ resolved_region_code() }} is null
        and (
            observations.vervar_id in (select key_value from aggregate_keys)
            or {{ normalise_region_name('observations.vervar_label') }} in (select name_key from aggregate_names)
        )
    ) as is_aggregate
from observations
inner join variables
    on variables.var_id = observations.var_id
{{ region_resolution_joins('observations.vervar_id', 'observations.vervar_label', 'bps') }}
