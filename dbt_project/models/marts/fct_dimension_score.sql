-- Dimension score per region x year x smart city dimension: the mean of the normalised (0-100,
-- direction-aware, within year and peer group) indicators of the dimension, with coverage.
-- Every region x year with any indicator value x the six dimensions gets a row; the score is NULL
-- when no indicator of the dimension has a value (n_indicators_used = 0).
with normalised as (
    select * from {{ ref('int_indicator_normalised') }}
),

dimensions as (
    select distinct dimension_code, dimension_name, n_scored_indicators_in_dimension
    from {{ ref('dim_dimension') }}
),

region_years as (
    select distinct facts.region_code, facts.year, regions.peer_group
    from {{ ref('fct_indicator_value') }} as facts
    inner join {{ ref('dim_region') }} as regions
        on regions.region_code = facts.region_code
),

scores as (
    select
        region_code,
        year,
        dimension_code,
        -- rounded: parallel float sums differ in the last bits from run to run (reruns must be identical)
        {{ round_float('avg(normalised_score)', 6) }} as dimension_score,
        count(*) as n_indicators_used
    from normalised
    group by region_code, year, dimension_code
)

select
    cast(region_years.region_code as varchar) as region_code,
    cast(region_years.year as integer) as year,
    cast(dimensions.dimension_code as varchar) as dimension_code,
    cast(dimensions.dimension_name as varchar) as dimension_name,
    cast(region_years.peer_group as varchar) as peer_group,
    cast(scores.dimension_score as float8) as dimension_score,
    cast(coalesce(scores.n_indicators_used, 0) as integer) as n_indicators_used,
    cast(dimensions.n_scored_indicators_in_dimension as integer) as n_indicators_in_catalogue,
    cast(coalesce(scores.n_indicators_used, 0) as float8)
        / nullif(dimensions.n_scored_indicators_in_dimension, 0) as coverage_ratio
from region_years
cross join dimensions
left join scores
    on scores.region_code = region_years.region_code
    and scores.year = region_years.year
    and scores.dimension_code = dimensions.dimension_code
