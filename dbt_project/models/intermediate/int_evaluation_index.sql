-- Indeks Pencapaian per region and evaluation year: the component scores (0-5) weighted with the
-- weight version valid for THAT evaluation year (A up to 2021, B from 2022: seed
-- evaluation_weight_versions). When a component is missing the available weights are re-scaled to
-- sum to 1 and is_complete is false.
with scores as (
    select * from {{ ref('int_evaluation_component_scores') }}
),

weights as (
    select * from {{ ref('stg_reference__evaluation_weights') }}
),

weighted as (
    select
        scores.region_code,
        scores.year,
        weights.weight_version,
        scores.component,
        scores.score,
        weights.weight
    from scores
    inner join weights
        on weights.component = scores.component
        and scores.year between weights.valid_from_year and weights.valid_to_year
)

select
    region_code,
    year,
    weight_version,
    -- rounded to 4 decimals (the ministry publishes 2): exact and identical on every engine
    {{ round_float('sum(score * weight) / sum(weight)', 4) }} as evaluation_index,
    cast(count(*) as integer) as n_components,
    count(*) = 5 as is_complete
from weighted
group by region_code, year, weight_version
