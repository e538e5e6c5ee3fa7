-- Program participation by region and year: every region x every year of the spine.
-- participation_status:
--   participant : year >= joining year (the earliest cohort naming the region)
--   not_yet     : named for a later cohort
--   not_known   : no list in use names the region and the public list is incomplete for some cohorts:
--                 the region may be a hidden participant (an absent record is unknown, not "no")
--   never       : the ministry's full list is in use and does not name the region
with list_in_use as (
    select max(list_source) as list_source from {{ ref('int_participation_listed') }}
)

select
    cast(regions.region_code as varchar) as region_code,
    cast(years.year as integer) as year,
    cast(cohorts.cohort_year as integer) as cohort_year,
    cast(cohorts.program_name as varchar) as program_name,
    cast(case
        when cohorts.cohort_year is null and list_in_use.list_source = 'ministry_list' then 'never'
        when cohorts.cohort_year is null then 'not_known'
        when years.year >= cohorts.cohort_year then 'participant'
        else 'not_yet'
    end as varchar) as participation_status,
    coalesce(years.year >= cohorts.cohort_year, false) as is_participant,
    cast(case when years.year >= cohorts.cohort_year then years.year - cohorts.cohort_year end as integer) as years_since_joining,
    cast(cohorts.source_status as varchar) as source_status,
    cast(coalesce(cohorts.list_source, list_in_use.list_source) as varchar) as list_source,
    cast(coalesce(cohorts.n_cohorts, 0) as integer) as n_cohorts_named
from {{ ref('stg_reference__regions') }} as regions
cross join ({{ year_spine() }}) as years
cross join list_in_use
left join {{ ref('int_region_cohorts') }} as cohorts
    on cohorts.region_code = regions.region_code
