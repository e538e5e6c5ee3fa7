-- Every (cohort, region) participation row of the list in use, region resolved to the current code.
-- The ministry's own list (stg_ministry__participants), when it has landed, overrides the public
-- reference list (seed smart_city_peserta); its rows keep the public source status where the public
-- list names the same region and cohort ('ministry_list' where only the ministry names it). Without
-- it, a region absent from the public list is NOT known to be a non-participant (dim_cohort).
-- The published code is resolved like any other key, so a list that still says 91.09 (Mimika
-- before 2022) lands on 94.04.
with listed as (
    select cohort_year, program_name, region_code_raw, region_name, source_status, source_url,
           'ministry_list' as list_source
    from {{ ref('stg_ministry__participants') }}

    union all

    select cohort_year, program_name, region_code_raw, region_name, source_status, source_url,
           'public_reference' as list_source
    from {{ ref('stg_reference__cohorts') }}
),

resolved as (
    select
        listed.*,
        {{ resolved_region_code() }} as region_code
    from listed
    {{ region_resolution_joins('listed.region_code_raw', 'listed.region_name') }}
),

public_rows as (
    select * from resolved where list_source = 'public_reference'
),

ministry_rows as (
    select
        resolved.cohort_year,
        resolved.program_name,
        resolved.region_code_raw,
        resolved.region_name,
        coalesce(public_rows.source_status, resolved.source_status) as source_status,
        coalesce(public_rows.source_url, resolved.source_url) as source_url,
        resolved.list_source,
        resolved.region_code
    from resolved
    left join public_rows
        on public_rows.region_code = resolved.region_code
        and public_rows.cohort_year = resolved.cohort_year
    where resolved.list_source = 'ministry_list'
),

chosen as (
    select * from ministry_rows
    union all
    select * from public_rows where not exists (select 1 from ministry_rows)
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
from chosen
