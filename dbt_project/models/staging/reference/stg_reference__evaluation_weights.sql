-- The wide reference file (bobot_versi_a, bobot_versi_b) in long form: one row per component and
-- weight version, with the evaluation years the version applies to (seed evaluation_weight_versions).
with long_weights as (
    select trim(komponen) as component, 'A' as weight_version,
           cast(bobot_versi_a as float8) as weight, trim(sumber_versi_a) as source_url
    from {{ ref('smart_city_evaluasi_komponen') }}
    union all
    select trim(komponen) as component, 'B' as weight_version,
           cast(bobot_versi_b as float8) as weight, trim(sumber_versi_b) as source_url
    from {{ ref('smart_city_evaluasi_komponen') }}
)

select
    long_weights.component,
    long_weights.weight_version,
    long_weights.weight,
    cast(versions.valid_from_year as integer) as valid_from_year,
    cast(versions.valid_to_year as integer) as valid_to_year,
    long_weights.source_url
from long_weights
inner join {{ ref('evaluation_weight_versions') }} as versions
    on versions.weight_version = long_weights.weight_version
