{#-
  Program impact estimator: Callaway & Sant'Anna (2021) group-time average treatment effects with
  never-treated controls, unconditional (no covariates), as R's `did` package computes ATT(g,t) by
  default: for t >= g against the base year g - 1, for t < g (placebo) against the year before t
  ("varying" base period). Plain SQL that runs unchanged on DuckDB and PostgreSQL, and outside dbt:
  `smartcity impact` renders these macros with jinja2 and runs them in DuckDB on a CSV panel, so the
  command and the warehouse share one estimator. Only plain Jinja here (no dbt context).

  impact_ctes(panel, t_table, controls) emits CTEs (to follow a WITH) ending in `impact_results`:
    panel    : relation with series_key, unit, year, cohort (NULL = never treated), value
    t_table  : relation with degrees_of_freedom, t_975 (two-sided 95 % critical values)
    controls : optional relation (series_key, cohort, unit): the never-treated units each cohort may
               use as controls (matching); default every never-treated unit
    transition_years : post-joining years left out of the cohort and overall aggregates (the joining
               year is a transition year when effects start with the first full year); 0 = did's
               aggregates. Group-time and event-study rows always include every year.

  impact_results: one row per
    group_time  series x cohort g x year t: ATT(g,t), relative_year = t - g (t < g: placebo)
    event_study series x relative year e: cohorts' ATT(g, g+e) weighted by their size
    cohort      series x cohort: mean of the cohort's post-joining ATT(g,t) (t >= g)
    pre_trend   series x cohort: mean of the cohort's pre-joining placebo ATT(g,t) (t < g)
    overall     series: post-joining ATT(g,t) weighted by cohort size (did's "simple" aggregate)
    overall_pre_trend series: pre-joining placebo ATT(g,t) weighted by cohort size
  stratum (optional column of the panel, e.g. peer_group): parallel trends are assumed within strata
  only: a participant's change is compared with the mean change of the controls of its own stratum
  (did's outcome regression on a discrete covariate); participants of a stratum with fewer than two
  controls are left out. Without it every never-treated unit is a control for every participant.
  Standard errors from the units' influence functions (a unit's contributions summed over the cells an
  aggregate uses, so controls shared by cohorts are counted once); t = estimate / se with
  df = treated units - 1; p two-sided (Student t via a normal approximation, |error| < 0.005 for
  df >= 2); 95 % CI with the largest tabulated df <= df (conservative); q = Benjamini-Hochberg over all
  rows of the run that have a p-value.
-#}
{% macro impact_ctes(panel, t_table, controls=none, transition_years=0, stratum=none) -%}
impact_panel as (
    select
        cast(series_key as varchar) as series_key,
        cast(unit as varchar) as unit,
        cast(year as integer) as year,
        cast(cohort as integer) as cohort,
        cast(value as float8) as value,
        cast({{ stratum if stratum else "''" }} as varchar) as stratum
    from {{ panel }}
    where value is not null
),

impact_cohorts as (
    select distinct series_key, cohort from impact_panel where cohort is not null
),

impact_years as (
    select distinct series_key, year from impact_panel
),

impact_grid as (
    select
        impact_cohorts.series_key,
        impact_cohorts.cohort,
        impact_years.year,
        case when impact_years.year >= impact_cohorts.cohort then impact_cohorts.cohort - 1
             else impact_years.year - 1 end as base_year
    from impact_cohorts
    inner join impact_years
        on impact_years.series_key = impact_cohorts.series_key
),

impact_changes as (
    -- every unit's change from the cell's base year to its year: the cohort's units and the never-treated
    select
        impact_grid.series_key,
        impact_grid.cohort,
        impact_grid.year,
        now_values.unit,
        now_values.stratum,
        now_values.cohort is not null as is_treated,
        now_values.value - base_values.value as change
    from impact_grid
    inner join impact_panel as now_values
        on now_values.series_key = impact_grid.series_key
        and now_values.year = impact_grid.year
        and (now_values.cohort = impact_grid.cohort or now_values.cohort is null)
    {%- if controls %}
    left join {{ controls }} as eligible
        on eligible.series_key = impact_grid.series_key
        and eligible.cohort = impact_grid.cohort
        and eligible.unit = now_values.unit
    {%- endif %}
    inner join impact_panel as base_values
        on base_values.series_key = impact_grid.series_key
        and base_values.unit = now_values.unit
        and base_values.year = impact_grid.base_year
    {%- if controls %}
    -- matched controls only (a relation of series_key, cohort, unit)
    where now_values.cohort is not null or eligible.unit is not null
    {%- endif %}
),

impact_control_strata as (
    -- the controls' mean change per stratum (at least 2 controls: their variance enters the error)
    select
        series_key, cohort, year, stratum,
        count(*) as n_controls,
        avg(change) as mean_change
    from impact_changes
    where not is_treated
    group by series_key, cohort, year, stratum
    having count(*) > 1
),

impact_treated as (
    -- a participant's change minus the mean change of the controls of its stratum (participants in a
    -- stratum without controls are left out)
    select
        impact_changes.series_key, impact_changes.cohort, impact_changes.year, impact_changes.unit,
        impact_changes.stratum,
        impact_changes.change - impact_control_strata.mean_change as adjusted_change
    from impact_changes
    inner join impact_control_strata
        on impact_control_strata.series_key = impact_changes.series_key
        and impact_control_strata.cohort = impact_changes.cohort
        and impact_control_strata.year = impact_changes.year
        and impact_control_strata.stratum = impact_changes.stratum
    where impact_changes.is_treated
),

impact_cells as (
    select
        series_key, cohort, year,
        count(*) as n_treated,
        avg(adjusted_change) as estimate
    from impact_treated
    group by series_key, cohort, year
),

impact_treated_strata as (
    select series_key, cohort, year, stratum, count(*) as n_treated_in_stratum
    from impact_treated
    group by series_key, cohort, year, stratum
),

impact_psi as (
    -- each unit's influence on its cell's estimate; the sum of squares is the squared standard error
    select
        impact_treated.series_key, impact_treated.cohort, impact_treated.year, impact_treated.unit,
        true as is_treated,
        (impact_treated.adjusted_change - impact_cells.estimate)
            / sqrt(cast(impact_cells.n_treated as float8) * (impact_cells.n_treated - 1)) as psi
    from impact_treated
    inner join impact_cells
        on impact_cells.series_key = impact_treated.series_key
        and impact_cells.cohort = impact_treated.cohort
        and impact_cells.year = impact_treated.year
    where impact_cells.n_treated > 1
    union all
    select
        impact_changes.series_key, impact_changes.cohort, impact_changes.year, impact_changes.unit,
        false,
        -1.0 * impact_treated_strata.n_treated_in_stratum / impact_cells.n_treated
            * (impact_changes.change - impact_control_strata.mean_change)
            / sqrt(cast(impact_control_strata.n_controls as float8) * (impact_control_strata.n_controls - 1))
    from impact_changes
    inner join impact_control_strata
        on impact_control_strata.series_key = impact_changes.series_key
        and impact_control_strata.cohort = impact_changes.cohort
        and impact_control_strata.year = impact_changes.year
        and impact_control_strata.stratum = impact_changes.stratum
    inner join impact_treated_strata
        on impact_treated_strata.series_key = impact_changes.series_key
        and impact_treated_strata.cohort = impact_changes.cohort
        and impact_treated_strata.year = impact_changes.year
        and impact_treated_strata.stratum = impact_changes.stratum
    inner join impact_cells
        on impact_cells.series_key = impact_changes.series_key
        and impact_cells.cohort = impact_changes.cohort
        and impact_cells.year = impact_changes.year
    where not impact_changes.is_treated
      and impact_cells.n_treated > 1
),

impact_estimable as (
    select * from impact_cells where n_treated > 1
),

impact_weights as (
    select series_key, 'group_time' as row_type, cohort as agg_cohort, year as agg_year,
           year - cohort as relative_year, cohort, year, 1.0 as weight
    from impact_estimable
    union all
    select series_key, 'event_study', cast(null as integer), cast(null as integer),
           year - cohort, cohort, year,
           cast(n_treated as float8) / sum(n_treated) over (partition by series_key, year - cohort)
    from impact_estimable
    union all
    select series_key, 'cohort', cohort, cast(null as integer), cast(null as integer), cohort, year,
           1.0 / count(*) over (partition by series_key, cohort)
    from impact_estimable where year >= cohort + {{ transition_years | int }}
    union all
    select series_key, 'pre_trend', cohort, cast(null as integer), cast(null as integer), cohort, year,
           1.0 / count(*) over (partition by series_key, cohort)
    from impact_estimable where year < cohort
    union all
    select series_key, 'overall', cast(null as integer), cast(null as integer), cast(null as integer),
           cohort, year, cast(n_treated as float8) / sum(n_treated) over (partition by series_key)
    from impact_estimable where year >= cohort + {{ transition_years | int }}
    union all
    select series_key, 'overall_pre_trend', cast(null as integer), cast(null as integer), cast(null as integer),
           cohort, year, cast(n_treated as float8) / sum(n_treated) over (partition by series_key)
    from impact_estimable where year < cohort
),

impact_aggregate_estimates as (
    select
        impact_weights.series_key, impact_weights.row_type, impact_weights.agg_cohort,
        impact_weights.agg_year, impact_weights.relative_year,
        sum(impact_weights.weight * impact_estimable.estimate) as estimate,
        count(*) as n_cells
    from impact_weights
    inner join impact_estimable
        on impact_estimable.series_key = impact_weights.series_key
        and impact_estimable.cohort = impact_weights.cohort
        and impact_estimable.year = impact_weights.year
    group by impact_weights.series_key, impact_weights.row_type, impact_weights.agg_cohort,
             impact_weights.agg_year, impact_weights.relative_year
),

impact_aggregate_psi as (
    -- a unit's contributions summed over the cells an aggregate uses (controls shared by cohorts once)
    select
        impact_weights.series_key, impact_weights.row_type, impact_weights.agg_cohort,
        impact_weights.agg_year, impact_weights.relative_year, impact_psi.unit, impact_psi.is_treated,
        sum(impact_weights.weight * impact_psi.psi) as psi
    from impact_weights
    inner join impact_psi
        on impact_psi.series_key = impact_weights.series_key
        and impact_psi.cohort = impact_weights.cohort
        and impact_psi.year = impact_weights.year
    group by impact_weights.series_key, impact_weights.row_type, impact_weights.agg_cohort,
             impact_weights.agg_year, impact_weights.relative_year, impact_psi.unit, impact_psi.is_treated
),

impact_aggregate_errors as (
    select
        series_key, row_type, agg_cohort, agg_year, relative_year,
        sqrt(sum(psi * psi)) as std_error,
        count(*) filter (where is_treated) as n_treated,
        count(*) filter (where not is_treated) as n_controls
    from impact_aggregate_psi
    group by series_key, row_type, agg_cohort, agg_year, relative_year
),

impact_rows as (
    select
        impact_aggregate_estimates.series_key, impact_aggregate_estimates.row_type,
        impact_aggregate_estimates.agg_cohort as cohort, impact_aggregate_estimates.agg_year as year,
        impact_aggregate_estimates.relative_year, impact_aggregate_estimates.estimate,
        impact_aggregate_errors.std_error, impact_aggregate_errors.n_treated,
        impact_aggregate_errors.n_controls, impact_aggregate_estimates.n_cells
    from impact_aggregate_estimates
    inner join impact_aggregate_errors
        on impact_aggregate_errors.series_key = impact_aggregate_estimates.series_key
        and impact_aggregate_errors.row_type = impact_aggregate_estimates.row_type
        and impact_aggregate_errors.agg_cohort is not distinct from impact_aggregate_estimates.agg_cohort
        and impact_aggregate_errors.agg_year is not distinct from impact_aggregate_estimates.agg_year
        and impact_aggregate_errors.relative_year is not distinct from impact_aggregate_estimates.relative_year
),

impact_tested as (
    select
        impact_rows.*,
        n_treated - 1 as degrees_of_freedom,
        case when std_error > 0 and n_treated > 1 then abs(estimate) / std_error end as abs_t
    from impact_rows
),

impact_z as (
    -- |t| with df degrees of freedom -> the normal quantile with the same tail probability
    -- (Peizer & Pratt type approximation), then the two-sided p from erfc (Abramowitz & Stegun 7.1.26)
    select
        impact_tested.*,
        case when abs_t is not null then
            (degrees_of_freedom - 2.0 / 3.0 + 1.0 / (10.0 * degrees_of_freedom))
            * sqrt(ln(1.0 + abs_t * abs_t / degrees_of_freedom) / (degrees_of_freedom - 5.0 / 6.0))
        end as z
    from impact_tested
),

impact_p as (
    select
        impact_z.*,
        case when z is not null then least(1.0, greatest(0.0,
            (0.254829592 * (1.0 / (1.0 + 0.3275911 * z / sqrt(2.0)))
             - 0.284496736 * power(1.0 / (1.0 + 0.3275911 * z / sqrt(2.0)), 2)
             + 1.421413741 * power(1.0 / (1.0 + 0.3275911 * z / sqrt(2.0)), 3)
             - 1.453152027 * power(1.0 / (1.0 + 0.3275911 * z / sqrt(2.0)), 4)
             + 1.061405429 * power(1.0 / (1.0 + 0.3275911 * z / sqrt(2.0)), 5))
            * exp(-z * z / 2.0)))
        end as p_value
    from impact_z
),

impact_ranked as (
    select
        impact_p.*,
        count(p_value) over () as n_tests,
        case when p_value is not null then row_number() over (
            order by case when p_value is null then 1 else 0 end, p_value, series_key, row_type,
                     cohort, year, relative_year
        ) end as p_rank
    from impact_p
),

impact_q as (
    select
        impact_ranked.*,
        case when p_value is not null then least(1.0, min(n_tests * p_value / p_rank) over (
            order by case when p_value is null then 0 else 1 end, p_rank desc
            rows between unbounded preceding and current row
        )) end as q_value
    from impact_ranked
),

impact_t_df as (
    select
        impact_q.series_key, impact_q.row_type, impact_q.cohort, impact_q.year, impact_q.relative_year,
        max(t_table.degrees_of_freedom) as table_df
    from impact_q
    inner join {{ t_table }} as t_table
        on t_table.degrees_of_freedom <= impact_q.degrees_of_freedom
    group by impact_q.series_key, impact_q.row_type, impact_q.cohort, impact_q.year, impact_q.relative_year
),

impact_results as (
    select
        impact_q.series_key,
        impact_q.row_type,
        impact_q.cohort,
        impact_q.year,
        impact_q.relative_year,
        impact_q.estimate,
        impact_q.std_error,
        case when impact_q.std_error is not null then t_table.t_975 end as t_critical,
        impact_q.estimate - t_table.t_975 * impact_q.std_error as ci_low,
        impact_q.estimate + t_table.t_975 * impact_q.std_error as ci_high,
        impact_q.n_treated,
        impact_q.n_controls,
        impact_q.n_cells,
        impact_q.degrees_of_freedom,
        impact_q.p_value,
        impact_q.q_value
    from impact_q
    left join impact_t_df
        on impact_t_df.series_key = impact_q.series_key
        and impact_t_df.row_type = impact_q.row_type
        and impact_t_df.cohort is not distinct from impact_q.cohort
        and impact_t_df.year is not distinct from impact_q.year
        and impact_t_df.relative_year is not distinct from impact_q.relative_year
    left join {{ t_table }} as t_table
        on t_table.degrees_of_freedom = impact_t_df.table_df
)
{%- endmacro %}
