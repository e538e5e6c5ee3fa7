-- Panel for the program-impact estimate: one row per series x region x year with the region's joining
-- year (cohort; NULL = not known to participate, the never-participant controls). Series:
--   every outcome indicator (dim_indicator.is_outcome), in its own unit;
--   every dimension score (DIM_<code>, 0-100, relative within year and peer group);
--   the indicator index (INDEX, 0-100).
-- Without the ministry's full list, hidden participants may sit among the controls (dim_cohort
-- reports the upper bound).
with regions as (
    select region_code, peer_group, cohort_year from {{ ref('dim_region') }}
),

series_values as (
    select facts.indicator_code as series_key, facts.region_code, facts.year, facts.value
    from {{ ref('fct_indicator_value') }} as facts
    inner join {{ ref('dim_indicator') }} as indicators
        on indicators.indicator_code = facts.indicator_code
    where indicators.is_outcome
      and facts.value is not null

    union all

    select 'DIM_' || dimension_code, region_code, year, dimension_score
    from {{ ref('fct_dimension_score') }}
    where dimension_score is not null

    union all

    select 'INDEX', region_code, year, indicator_index
    from {{ ref('fct_smart_city_index') }}
    where indicator_index is not null
)

select
    cast(series_values.series_key as varchar) as series_key,
    cast(series_values.region_code as varchar) as unit,
    cast(series_values.year as integer) as year,
    cast(regions.cohort_year as integer) as cohort,
    cast(series_values.value as float8) as value,
    cast(regions.peer_group as varchar) as peer_group
from series_values
inner join regions
    on regions.region_code = series_values.region_code
