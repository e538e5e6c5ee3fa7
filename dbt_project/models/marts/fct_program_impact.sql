-- Program impact: Callaway & Sant'Anna (2021) group-time effects with never-participant controls (the
-- regions no list in use names), the estimator in macros/impact.sql that `smartcity impact` also runs.
-- Per series (outcome indicator, dimension score, indicator index) the rows are (row_type):
--   group_time   cohort x year: ATT(g,t) against g - 1 (t >= g) or t - 1 (t < g, placebo)
--   event_study  relative year (leads and lags), cohorts weighted by size; cohort = 'all'
--   cohort       cohort: mean ATT(g,t) over its post-joining years after the joining year
--                (var impact_transition_years: the joining year is a transition year)
--   overall      every cohort: post-joining ATT(g,t) weighted by cohort size; cohort = 'all'
--   pre_trend / overall_pre_trend: placebo, mean pre-joining ATT(g,t) (the pre-trend test)
--   not_estimable: a cohort x series without an estimate, with the reason
-- Significance is judged on the Benjamini-Hochberg q-value across all rows of the run (q < 0.05);
-- cohort and overall rows carry their pre-trend test (p-value and a flag at p < 0.05).
-- Estimates rounded to 6 decimals (identical on DuckDB and PostgreSQL).
-- Parallel trends are assumed within the peer group (kabupaten / kota trend apart): each participant
-- is compared with the never-participants of its own peer group.
with {{ impact_ctes(ref('int_impact_panel'), ref('stg_reference__t_critical_values'),
                     transition_years=var('impact_transition_years', 1), stratum='peer_group') }},

series as (
    select
        indicator_code as series_key,
        'indicator' as series_type,
        indicator_name_id as series_name,
        unit,
        direction
    from {{ ref('dim_indicator') }}
    where is_outcome
    union all
    select distinct
        'DIM_' || dimension_code, 'dimension_score', dimension_name || ' (dimension score)',
        'score 0-100', 'higher_better'
    from {{ ref('dim_dimension') }}
    union all
    select 'INDEX', 'indicator_index', 'Indeks indikator smart city', 'index 0-100', 'higher_better'
),

cohorts as (
    select cohort_year, control_pool_hidden_max, list_source from {{ ref('dim_cohort') }}
),

hidden as (
    select max(control_pool_hidden_max) as control_pool_hidden_max from cohorts
),

pre_trends as (
    select series_key, row_type, cohort, p_value, estimate
    from impact_results
    where row_type in ('pre_trend', 'overall_pre_trend')
),

series_cohort_facts as (
    -- what the panel holds per series and cohort, to say why a combination has no estimate
    select
        panel.series_key,
        cohorts.cohort_year,
        count(distinct case when panel.cohort = cohorts.cohort_year then panel.unit end) as n_participants,
        count(distinct case when panel.cohort = cohorts.cohort_year and panel.year = cohorts.cohort_year - 1
                            then panel.unit end) as n_with_base_year,
        count(distinct case when panel.cohort = cohorts.cohort_year
                             and panel.year >= cohorts.cohort_year + {{ var('impact_transition_years', 1) }}
                            then panel.unit end) as n_with_post_years,
        count(distinct case when panel.cohort is null and panel.year = cohorts.cohort_year - 1
                            then panel.unit end) as n_controls_base_year
    from {{ ref('int_impact_panel') }} as panel
    cross join cohorts
    group by panel.series_key, cohorts.cohort_year
),

not_estimable as (
    select
        facts.series_key,
        'not_estimable' as row_type,
        facts.cohort_year as cohort,
        case
            when facts.n_participants = 0 then 'no_participants_with_data'
            when facts.n_with_base_year = 0 then 'no_pre_period'
            when facts.n_with_post_years = 0 then 'no_post_period'
            when facts.n_with_base_year < 2 or facts.n_with_post_years < 2 then 'too_few_participants'
            when facts.n_controls_base_year < 2 then 'too_few_controls'
            else 'too_few_participants'
        end as reason,
        facts.n_participants
    from series_cohort_facts as facts
    where not exists (
        select 1 from impact_results
        where impact_results.series_key = facts.series_key
          and impact_results.row_type = 'cohort'
          and impact_results.cohort = facts.cohort_year
          and impact_results.std_error is not null
    )
),

all_rows as (
    select
        series_key, row_type, cohort, year, relative_year, estimate, std_error, t_critical, ci_low, ci_high,
        n_treated, n_controls, p_value, q_value, cast(null as varchar) as reason
    from impact_results
    union all
    select
        series_key, row_type, cohort, cast(null as integer), cast(null as integer), cast(null as float8),
        cast(null as float8), cast(null as float8), cast(null as float8), cast(null as float8),
        n_participants, cast(null as bigint), cast(null as float8), cast(null as float8), reason
    from not_estimable
)

select
    cast(all_rows.series_key as varchar) as indicator_code,
    cast(series.series_type as varchar) as series_type,
    cast(series.series_name as varchar) as indicator_name,
    cast(series.unit as varchar) as unit,
    cast(series.direction as varchar) as direction,
    cast(all_rows.row_type as varchar) as row_type,
    cast(coalesce(cast(all_rows.cohort as varchar), 'all') as varchar) as cohort,
    cast(all_rows.cohort as integer) as cohort_year,
    cast(all_rows.year as integer) as year,
    cast(all_rows.relative_year as integer) as relative_year,
    cast(all_rows.n_treated as integer) as n_regions,
    cast(all_rows.n_controls as integer) as n_control_regions,
    {{ round_float('all_rows.estimate', 6) }} as did_estimate,
    {{ round_float('all_rows.std_error', 6) }} as std_error,
    cast(all_rows.t_critical as float8) as t_critical,
    {{ round_float('all_rows.ci_low', 6) }} as ci_lower,
    {{ round_float('all_rows.ci_high', 6) }} as ci_upper,
    {{ round_float('all_rows.p_value', 6) }} as p_value,
    {{ round_float('all_rows.q_value', 6) }} as q_value,
    coalesce(all_rows.q_value < 0.05, false) as is_significant,
    cast(case
        when all_rows.row_type = 'not_estimable' then 'not_estimable'
        when all_rows.std_error is null then 'insufficient_data'
        when all_rows.row_type in ('pre_trend', 'overall_pre_trend') then
            case when all_rows.p_value < 0.05 then 'pre_trend_detected' else 'no_pre_trend_detected' end
        when all_rows.relative_year < 0 then 'placebo'
        when not coalesce(all_rows.q_value < 0.05, false) then 'no_detectable_effect'
        when series.direction is null then 'changed'
        when (all_rows.estimate > 0) = (series.direction = 'higher_better') then 'improved'
        else 'worsened'
    end as varchar) as effect_assessment,
    {{ round_float('pre_trends.p_value', 6) }} as pre_trend_p_value,
    cast(case when pre_trends.p_value is not null then pre_trends.p_value < 0.05 end as boolean)
        as pre_trend_flag,
    cast(all_rows.reason as varchar) as not_estimable_reason,
    cast(case when cohorts_in_use.list_source = 'ministry_list' then 0
              else hidden.control_pool_hidden_max end as integer) as control_pool_hidden_max
from all_rows
left join series
    on series.series_key = all_rows.series_key
left join pre_trends
    on pre_trends.series_key = all_rows.series_key
    and ((all_rows.row_type = 'cohort' and pre_trends.row_type = 'pre_trend'
          and pre_trends.cohort = all_rows.cohort)
         or (all_rows.row_type = 'overall' and pre_trends.row_type = 'overall_pre_trend'))
cross join hidden
cross join (select max(list_source) as list_source from cohorts) as cohorts_in_use
