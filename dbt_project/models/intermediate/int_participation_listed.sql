-- Every (cohort, region) participation row of the list in use, region resolved to the current code.
-- The ministry's own list (stg_ministry__participants), when it has landed, overrides the public
-- reference list (seed smart_city_peserta); without it, a region absent from the public list is
-- NOT known to be a non-participant (see dim_cohort.n_not_named).
-- The published code is resolved like any other key, so a list that still says 91.09 (Mimika
-- before 2022) lands on 94.04.
with ministry as (
    select cohort_year, program_name, region_code_raw, region_name, source_status, source_url,
           'ministry_list' as list_source
    from {{ ref('stg_ministry__participants') }}
),

public_list as (
    select cohort_year, program_name, region_code_raw, region_name, source_status, source_url,
           'public_reference' as list_source
    from {{ ref('stg_reference__cohorts') }}
    where not exists (select 1 from ministry)
),

cohorts as (
    select
        listed.*,
        {{ resolved_region_code() }} as region_code
    from (select * from ministry union all select * from public_list) as listed
    {{ region_resolution_joins('listed.region_code_raw', 'listed.region_name') }}
)

select
    cast(cohort_year as integer) as cohort_year,
    program_name,
    region_code_raw,
    region_name,
    source_status,
    source_url,
    list_source,
    cast(region_code as varchar) as region_code
from cohorts
