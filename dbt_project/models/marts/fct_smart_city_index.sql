-- Smart city index per region and year: two measures on two scales, never mixed.
--   indicator_index  : mean of the available dimension scores (0-100), for every region with data.
--   evaluation_index : the ministry's Indeks Pencapaian (0-5): component scores weighted with the
--                      weight version of that evaluation year (int_evaluation_index); evaluated
--                      participants only.
-- Each measure has its own ranks (1 = best, ties share a rank) within the year: nationally, within the
-- province, within the cohort (participants of the same cohort year) and within the peer group.
--   indicator ranks : every region with an indicator_index.
--   evaluation ranks: complete evaluations only (all five components): a partial evaluation re-scales
--                     the weights and is not comparable with a complete one.
-- Changes are against the same region's previous calendar year, and only where the two years are
-- comparable; otherwise NULL and *_change_status says why:
--   indicator : comparable | no_previous_year | different_dimensions (another set of dimensions scored)
--   evaluation: comparable | no_previous_year | incomplete_evaluation | weight_version_changed
with dimension_index as (
    select
        region_code,
        year,
        -- rounded before ranking: parallel float sums differ in the last bits from run to run
        {{ round_float('avg(dimension_score)', 6) }} as indicator_index,
        count(dimension_score) as n_dimensions_scored,
        -- which dimensions were scored, as a comparable key (e.g. 'SE,SG')
        string_agg(case when dimension_score is not null then cast(dimension_code as varchar) end, ','
                   order by dimension_code)
            as dimensions_scored
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
        dimension_index.dimensions_scored,
        evaluation.evaluation_index,
        evaluation.weight_version,
        coalesce(evaluation.n_components, 0) as n_components_scored,
        coalesce(evaluation.is_complete, false) as is_evaluation_complete,
        -- the score each measure is ranked on (NULL = not ranked on that measure)
        dimension_index.indicator_index as indicator_rank_score,
        case when evaluation.is_complete then evaluation.evaluation_index end as evaluation_rank_score
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
        {%- for measure in ['indicator', 'evaluation'] %}
        case when {{ measure }}_rank_score is not null then rank() over (
            partition by year, ({{ measure }}_rank_score is null)
            order by {{ measure }}_rank_score desc
        ) end as {{ measure }}_rank_national,
        case when {{ measure }}_rank_score is not null then rank() over (
            partition by year, province_code, ({{ measure }}_rank_score is null)
            order by {{ measure }}_rank_score desc
        ) end as {{ measure }}_rank_in_province,
        case when {{ measure }}_rank_score is not null and cohort_year is not null then rank() over (
            partition by year, cohort_year, ({{ measure }}_rank_score is null)
            order by {{ measure }}_rank_score desc
        ) end as {{ measure }}_rank_in_cohort,
        case when {{ measure }}_rank_score is not null then rank() over (
            partition by year, peer_group, ({{ measure }}_rank_score is null)
            order by {{ measure }}_rank_score desc
        ) end as {{ measure }}_rank_in_peer_group{{ ',' if not loop.last }}
        {%- endfor %}
    from base
),

compared as (
    select
        ranked.*,
        case
            when ranked.indicator_index is null then null
            when previous.indicator_index is null then 'no_previous_year'
            when previous.dimensions_scored <> ranked.dimensions_scored then 'different_dimensions'
            else 'comparable'
        end as indicator_change_status,
        previous.indicator_index as previous_indicator_index,
        previous.indicator_rank_national as previous_indicator_rank_national,
        case
            when ranked.evaluation_index is null then null
            when previous.evaluation_index is null then 'no_previous_year'
            when not ranked.is_evaluation_complete or not previous.is_evaluation_complete
                then 'incomplete_evaluation'
            when previous.weight_version <> ranked.weight_version then 'weight_version_changed'
            else 'comparable'
        end as evaluation_change_status,
        previous.evaluation_index as previous_evaluation_index,
        previous.evaluation_rank_national as previous_evaluation_rank_national
    from ranked
    left join ranked as previous
        on previous.region_code = ranked.region_code
        and previous.year = ranked.year - 1
)

select
    cast(region_code as varchar) as region_code,
    cast(year as integer) as year,
    cast(province_code as varchar) as province_code,
    cast(peer_group as varchar) as peer_group,
    cast(cohort_year as integer) as cohort_year,
    is_participant,
    cast(indicator_index as float8) as indicator_index,
    cast(n_dimensions_scored as integer) as n_dimensions_scored,
    cast(indicator_rank_national as integer) as indicator_rank_national,
    cast(indicator_rank_in_province as integer) as indicator_rank_in_province,
    cast(indicator_rank_in_cohort as integer) as indicator_rank_in_cohort,
    cast(indicator_rank_in_peer_group as integer) as indicator_rank_in_peer_group,
    case when indicator_change_status = 'comparable'
        then {{ round_float('indicator_index - previous_indicator_index', 6) }} end as indicator_index_change,
    cast(case when indicator_change_status = 'comparable'
        then previous_indicator_rank_national - indicator_rank_national end as integer)
        as indicator_rank_national_change,
    cast(indicator_change_status as varchar) as indicator_change_status,
    cast(evaluation_index as float8) as evaluation_index,
    cast(weight_version as varchar) as weight_version,
    cast(n_components_scored as integer) as n_components_scored,
    is_evaluation_complete,
    cast(evaluation_rank_national as integer) as evaluation_rank_national,
    cast(evaluation_rank_in_province as integer) as evaluation_rank_in_province,
    cast(evaluation_rank_in_cohort as integer) as evaluation_rank_in_cohort,
    cast(evaluation_rank_in_peer_group as integer) as evaluation_rank_in_peer_group,
    case when evaluation_change_status = 'comparable'
        then {{ round_float('evaluation_index - previous_evaluation_index', 6) }} end as evaluation_index_change,
    cast(case when evaluation_change_status = 'comparable'
        then previous_evaluation_rank_national - evaluation_rank_national end as integer)
        as evaluation_rank_national_change,
    cast(evaluation_change_status as varchar) as evaluation_change_status
from compared
