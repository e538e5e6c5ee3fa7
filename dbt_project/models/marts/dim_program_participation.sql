-- Program participation by region and year: every region x every year of the spine.
select
    cast(regions.region_code as varchar) as region_code,
    cast(years.year as integer) as year,
    cast(cohorts.cohort_year as integer) as cohort_year,
    cast(cohorts.program_name as varchar) as program_name,
    cast(case
        when cohorts.cohort_year is null then 'never'
        when years.year >= cohorts.cohort_year then 'participant'
        else 'not_yet'
    end as varchar) as participation_status,
    coalesce(years.year >= cohorts.cohort_year, false) as is_participant,
    cast(case when years.year >= cohorts.cohort_year then years.year - cohorts.cohort_year end as integer) as years_since_joining
from {{ ref('stg_reference__regions') }} as regions
cross join ({{ year_spine() }}) as years
left join {{ ref('int_region_cohorts') }} as cohorts
    on cohorts.region_code = regions.region_code
