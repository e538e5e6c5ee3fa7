-- First cohort year per participant region (cohort membership is data: seed smart_city_peserta).
-- The published code is resolved like any other key, so a list that still says 91.09 (Mimika
-- before 2022) lands on 94.04.
with cohorts as (
    select
        cohorts.*,
        {{ resolved_region_code() }} as region_code
    from {{ ref('stg_reference__cohorts') }} as cohorts
    {{ region_resolution_joins('cohorts.region_code_raw', 'cohorts.region_name') }}
),

ranked as (
    select
        cohorts.*,
        row_number() over (partition by region_code order by cohort_year, program_name) as cohort_rank
    from cohorts
    where region_code is not null
)

select
    region_code,
    cohort_year,
    program_name,
    source_status,
    source_url
from ranked
where cohort_rank = 1
