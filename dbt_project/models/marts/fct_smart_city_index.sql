-- Smart city index per region and year.
--   indicator_index   : mean of the available dimension scores (0-100), for every region.
--   evaluation_index  : the ministry's Indeks Pencapaian (0-5): component scores weighted with the
--                       weight version of that evaluation year (int_evaluation_index).
--   composite_score   : evaluation_index x 20 (0-100) when all five components exist, else
--                       indicator_index; composite_basis says which one.
-- Ranks (1 = best, ties share a rank) on composite_score within the year: nationally, within the
-- province, within the cohort (participants of the same cohort year) and within the peer group.
-- Changes are against the same region's row of the previous calendar year (NULL when absent).
with dimension_index as (
    select
        region_code,
        year,
        -- rounded before ranking: parallel float sums differ in the last bits from run to run
        {{ round_float('avg(dimension_score)', 6) }} as indicator_index,
        count(dimension_score) as n_dimensions_scored
    from {{ ref('fct_dimension_score') }}
    group by region_code, year
),

evaluation as (
    select * from {{ ref('int_evaluation_index') }}
),

region_years as (
    select region_code, year from dimension_index
    union
    select region_code, year from evaluation
),

base as (
    select
        region_years.region_code,
        region_years.year,
        regions.province_code,
        regions.peer_group,
        regions.cohort_year,
        coalesce(region_years.year >= regions.cohort_year, false) as is_participant,
        dimension_index.indicator_index,
        coalesce(dimension_index.n_dimensions_scored, 0) as n_dimensions_scored,
        evaluation.evaluation_index,
        evaluation.weight_version,
        coalesce(evaluation.n_components, 0) as n_components_scored,
        {{ round_float('case when evaluation.is_complete then evaluation.evaluation_index * 20.0
                            else dimension_index.indicator_index end', 6) }} as composite_score,
        case
            when evaluation.is_complete then 'evaluation'
            when dimension_index.indicator_index is not null then 'indicators'
        end as composite_basis
    from region_years
    inner join {{ ref('dim_region') }} as regions
        on regions.region_code = region_years.region_code
    left join dimension_index
        on dimension_index.region_code = region_years.region_code
        and dimension_index.year = region_years.year
    left join evaluation
        on evaluation.region_code = region_years.region_code
        and evaluation.year = region_years.year
),

ranked as (
    select
        base.*,
        case when composite_score is not null then rank() over (
            partition by year, (composite_score is null)
            order by composite_score desc nulls last
        ) end as rank_national,
        case when composite_score is not null then rank() over (
            partition by year, province_code, (composite_score is null)
            order by composite_score desc nulls last
        ) end as rank_in_province,
        case when composite_score is not null and cohort_year is not null then rank() over (
            partition by year, cohort_year, (composite_score is null)
            order by composite_score desc nulls last
        ) end as rank_in_cohort,
        case when composite_score is not null then rank() over (
            partition by year, peer_group, (composite_score is null)
            order by composite_score desc nulls last
        ) end as rank_in_peer_group
    from base
)

select
    cast(ranked.region_code as varchar) as region_code,
    cast(ranked.year as integer) as year,
    cast(ranked.province_code as varchar) as province_code,
    cast(ranked.peer_group as varchar) as peer_group,
    cast(ranked.cohort_year as integer) as cohort_year,
    ranked.is_participant,
    cast(ranked.indicator_index as float8) as indicator_index,
    cast(ranked.n_dimensions_scored as integer) as n_dimensions_scored,
    cast(ranked.evaluation_index as float8) as evaluation_index,
    cast(ranked.weight_version as varchar) as weight_version,
    cast(ranked.n_components_scored as integer) as n_components_scored,
    cast(ranked.composite_score as float8) as composite_score,
    cast(ranked.composite_basis as varchar) as composite_basis,
    cast(ranked.rank_national as integer) as rank_national,
    cast(ranked.rank_in_province as integer) as rank_in_province,
    cast(ranked.rank_in_cohort as integer) as rank_in_cohort,
    cast(ranked.rank_in_peer_group as integer) as rank_in_peer_group,
    {{ round_float('ranked.composite_score - previous.composite_score', 6) }} as composite_score_change,
    {{ round_float('ranked.evaluation_index - previous.evaluation_index', 6) }} as evaluation_index_change,
    cast(previous.rank_national - ranked.rank_national as integer) as rank_national_change
from ranked
left join ranked as previous
    on previous.region_code = ranked.region_code
    and previous.year = ranked.year - 1
