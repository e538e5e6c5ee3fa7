-- Participation per region: joining year = the earliest cohort that names the region (some joined
-- twice), the source status of that row, and which list it came from (int_participation_listed:
-- the ministry's list when it has landed, else the public reference list).
with listed as (
    select * from {{ ref('int_participation_listed') }} where region_code is not null
),

cohort_counts as (
    select region_code, count(distinct cohort_year) as n_cohorts
    from listed
    group by region_code
),

ranked as (
    select
        listed.*,
        cohort_counts.n_cohorts,
        row_number() over (partition by listed.region_code
                           order by listed.cohort_year, listed.program_name, listed.source_status) as cohort_rank
    from listed
    inner join cohort_counts
        on cohort_counts.region_code = listed.region_code
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
