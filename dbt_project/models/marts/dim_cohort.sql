-- One row per program cohort: the official size (seed smart_city_kohort_ukuran), how many regions the
-- list in use names for it, how many it does not name, and how many participants may be hidden among
-- the regions "not known to participate" (the impact estimate's control pool).
--   n_named            : distinct regions the list names for the cohort (a region can be named twice)
--   n_joining          : of those, regions whose first cohort this is (the others joined earlier)
--   n_not_named        : official size - n_named (>= 0), i.e. participants the list does not name
--   control_pool_hidden_max : upper bound of hidden participants among the never/not-known regions,
--                        summed over every cohort (a hidden participant of any cohort contaminates
--                        every cohort's controls); 0 when the ministry's full list is in use
with listed as (
    select * from {{ ref('int_participation_listed') }} where region_code is not null
),

named as (
    select cohort_year, count(distinct region_code) as n_named, max(list_source) as list_source
    from listed
    group by cohort_year
),

joining as (
    select cohort_year, count(*) as n_joining
    from {{ ref('int_region_cohorts') }}
    group by cohort_year
),

sizes as (
    select * from {{ ref('stg_reference__cohort_sizes') }}
),

cohort_years as (
    select cohort_year from sizes
    union
    select cohort_year from named
),

per_cohort as (
    select
        cohort_years.cohort_year,
        sizes.official_size,
        sizes.alternative_size,
        sizes.mou_date,
        sizes.source_url,
        coalesce(named.n_named, 0) as n_named,
        coalesce(joining.n_joining, 0) as n_joining,
        case when sizes.official_size is not null
            then greatest(sizes.official_size - coalesce(named.n_named, 0), 0) end as n_not_named
    from cohort_years
    left join sizes on sizes.cohort_year = cohort_years.cohort_year
    left join named on named.cohort_year = cohort_years.cohort_year
    left join joining on joining.cohort_year = cohort_years.cohort_year
),

list_in_use as (
    select max(list_source) as list_source from listed
)

select
    cast(per_cohort.cohort_year as integer) as cohort_year,
    cast(per_cohort.official_size as integer) as official_size,
    cast(per_cohort.alternative_size as integer) as alternative_size,
    cast(per_cohort.mou_date as varchar) as mou_date,
    cast(per_cohort.n_named as integer) as n_named,
    cast(per_cohort.n_joining as integer) as n_joining,
    cast(per_cohort.n_not_named as integer) as n_not_named,
    cast(case
        when per_cohort.official_size is null then 'size_unknown'
        when per_cohort.n_named >= per_cohort.official_size then 'complete'
        else 'partial'
    end as varchar) as list_completeness,
    cast(list_in_use.list_source as varchar) as list_source,
    cast(case
        when list_in_use.list_source = 'ministry_list' then 0
        else sum(coalesce(per_cohort.n_not_named, 0)) over ()
    end as integer) as control_pool_hidden_max,
    cast(per_cohort.source_url as varchar) as source_url
from per_cohort
cross join list_in_use
