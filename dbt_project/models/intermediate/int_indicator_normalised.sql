-- Indicator values normalised to 0-100 within indicator x year x peer group (kabupaten vs kota),
-- direction-aware (min-max):
--   higher_better: 100 * (v - min) / (max - min)
--   lower_better : 100 * (max - v) / (max - min)
--   target       : distance to the target is lower-better: v' = |v - target|, then as lower_better
--   all values equal in the group (max = min): 50 for everyone.
-- Neutral indicators and program (PG) indicators are not scored.
with values_scored as (
    select
        facts.region_code,
        facts.indicator_code,
        facts.year,
        facts.value,
        regions.peer_group,
        indicators.dimension_code,
        indicators.direction,
        case
            when indicators.direction = 'target' then abs(facts.value - indicators.target_value)
            else facts.value
        end as comparable_value
    from {{ ref('fct_indicator_value') }} as facts
    inner join {{ ref('dim_indicator') }} as indicators
        on indicators.indicator_code = facts.indicator_code
    inner join {{ ref('dim_region') }} as regions
        on regions.region_code = facts.region_code
    where indicators.is_scored
      and facts.value is not null
),

bounds as (
    select
        values_scored.*,
        min(comparable_value) over (partition by indicator_code, year, peer_group) as group_min,
        max(comparable_value) over (partition by indicator_code, year, peer_group) as group_max,
        count(*) over (partition by indicator_code, year, peer_group) as group_size
    from values_scored
)

select
    region_code,
    indicator_code,
    year,
    peer_group,
    dimension_code,
    direction,
    cast(value as float8) as value,
    cast(group_min as float8) as group_min,
    cast(group_max as float8) as group_max,
    cast(group_size as integer) as group_size,
    -- clamped to [0, 100]: floating point can land a hair outside (100.00000000000001)
    cast(least(100.0, greatest(0.0, case
        when group_max = group_min then 50.0
        when direction = 'higher_better'
            then 100.0 * (comparable_value - group_min) / (group_max - group_min)
        else 100.0 * (group_max - comparable_value) / (group_max - group_min)
    end)) as float8) as normalised_score
from bounds
