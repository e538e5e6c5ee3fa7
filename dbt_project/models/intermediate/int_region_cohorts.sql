-- Participation per region: joining year = the earliest cohort that names the region (some joined
-- twice), the source status of that row, and which list it came from (int_participation_listed:
-- the ministry's list when it has landed, else the public reference list).
with ranked as (
    select
        listed.*,
        row_number() over (partition by region_code order by cohort_year, program_name, source_status) as cohort_rank,
        count(distinct cohort_year) over (partition by region_code) as n_cohorts
    from {{ ref('int_participation_listed') }} as listed
    where region_code is not null
)

select
    region_code,
    cohort_year,
    program_name,
    source_status,
    source_url,
    list_source,
    cast(n_cohorts as integer) as n_cohorts
from ranked
where cohort_rank = 1
