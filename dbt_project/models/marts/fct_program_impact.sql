-- Program impact: difference in differences of participants versus matched non-participants.
--
-- For each outcome indicator (dim_indicator.is_outcome) and cohort:
--   1. match every participant with the k (var impact_k_controls, default 5) never-participants of
--      the same peer group (kabupaten/kota) whose pre-joining trajectory is closest (smallest mean
--      squared difference over the years before joining: level and trend; ties: region code);
--   2. per year, gap = participant value - mean of its matched controls' values that year;
--   3. per participant, did = mean gap over the years AFTER the joining year (year > cohort_year)
--      - mean gap over the years BEFORE it (year < cohort_year); the joining year itself is a
--      transition year and is left out;
--   4. estimate = mean of the participants' did; standard error = sqrt(sd(did)^2 / n + se_c^2) where
--      se_c is the standard error of the matched controls' own before/after changes (their noise is
--      shared by every participant matched to them); 95% CI = estimate +/- t(0.975, n-1) * se
--      (t from seed t_critical_values, the largest tabulated df <= n-1: conservative).
--   Estimates are rounded to 6 decimals (identical on DuckDB and PostgreSQL).
-- Rows with cohort = 'all' pool every cohort's participants.
with panel as (
    select * from {{ ref('int_impact_panel') }}
),

pre_period_distance as (
    -- trajectory matching: mean squared difference over the common pre-joining years, so a control
    -- must match the participant's level AND trend before joining (a level match alone lets controls
    -- with steeper trends in and biases the estimate)
    select
        treated_years.indicator_code,
        treated_years.cohort_year,
        treated_years.region_code as treated_region_code,
        control_years.region_code as control_region_code,
        avg((treated_years.value - control_years.value) * (treated_years.value - control_years.value))
            as mean_squared_gap,
        abs(avg(treated_years.value) - avg(control_years.value)) as baseline_gap
    from panel as treated_years
    inner join panel as control_years
        on control_years.indicator_code = treated_years.indicator_code
        and control_years.cohort_year = treated_years.cohort_year
        and control_years.peer_group = treated_years.peer_group
        and control_years.year = treated_years.year
        and not control_years.is_treated
    where treated_years.is_treated
      and treated_years.year < treated_years.cohort_year
    group by treated_years.indicator_code, treated_years.cohort_year, treated_years.region_code,
             control_years.region_code
),

candidate_matches as (
    select
        indicator_code,
        cohort_year,
        treated_region_code,
        control_region_code,
        row_number() over (
            partition by indicator_code, cohort_year, treated_region_code
            order by {{ 'baseline_gap' if var('impact_matching') == 'baseline' else 'mean_squared_gap' }},
                     control_region_code
        ) as match_rank
    from pre_period_distance
),

matches as (
    select * from candidate_matches where match_rank <= {{ var('impact_k_controls') }}
),

control_years as (
    select
        matches.indicator_code,
        matches.cohort_year,
        matches.treated_region_code,
        panel.year,
        avg(panel.value) as control_value
    from matches
    inner join panel
        on panel.indicator_code = matches.indicator_code
        and panel.cohort_year = matches.cohort_year
        and panel.region_code = matches.control_region_code
    group by matches.indicator_code, matches.cohort_year, matches.treated_region_code, panel.year
),

gaps as (
    select
        panel.indicator_code,
        panel.cohort_year,
        panel.region_code,
        panel.year,
        panel.value - control_years.control_value as gap
    from panel
    inner join control_years
        on control_years.indicator_code = panel.indicator_code
        and control_years.cohort_year = panel.cohort_year
        and control_years.treated_region_code = panel.region_code
        and control_years.year = panel.year
    where panel.is_treated
      and panel.year <> panel.cohort_year
),

region_did as (
    select
        indicator_code,
        cohort_year,
        region_code,
        avg(gap) filter (where year < cohort_year) as pre_gap,
        avg(gap) filter (where year > cohort_year) as post_gap
    from gaps
    group by indicator_code, cohort_year, region_code
),

region_did_valid as (
    select
        region_did.*,
        post_gap - pre_gap as did
    from region_did
    where pre_gap is not null
      and post_gap is not null
),

by_cohort as (
    select
        indicator_code,
        cast(cohort_year as varchar) as cohort,
        cohort_year,
        count(*) as n_regions,
        avg(did) as did_estimate,
        stddev_samp(did) as did_sd,
        avg(pre_gap) as mean_pre_gap,
        avg(post_gap) as mean_post_gap
    from region_did_valid
    group by indicator_code, cohort_year

    union all

    select
        indicator_code,
        'all' as cohort,
        cast(null as integer) as cohort_year,
        count(*) as n_regions,
        avg(did) as did_estimate,
        stddev_samp(did) as did_sd,
        avg(pre_gap) as mean_pre_gap,
        avg(post_gap) as mean_post_gap
    from region_did_valid
    group by indicator_code
),

control_changes as (
    -- each matched control's own before/after change: its sampling noise is part of the estimate's
    -- uncertainty (controls are shared between participants, so the participants' spread alone
    -- understates it)
    select
        panel.indicator_code,
        panel.cohort_year,
        panel.region_code,
        avg(panel.value) filter (where panel.year > panel.cohort_year)
            - avg(panel.value) filter (where panel.year < panel.cohort_year) as change
    from panel
    where not panel.is_treated
      and panel.year <> panel.cohort_year
      and exists (
          select 1 from matches
          inner join region_did_valid
              on region_did_valid.indicator_code = matches.indicator_code
              and region_did_valid.cohort_year = matches.cohort_year
              and region_did_valid.region_code = matches.treated_region_code
          where matches.indicator_code = panel.indicator_code
            and matches.cohort_year = panel.cohort_year
            and matches.control_region_code = panel.region_code
      )
    group by panel.indicator_code, panel.cohort_year, panel.region_code
),

control_counts as (
    select
        indicator_code,
        cast(cohort_year as varchar) as cohort,
        count(distinct region_code) as n_control_regions,
        coalesce(stddev_samp(change) / sqrt(cast(count(change) as float8)), 0) as control_std_error
    from control_changes
    group by indicator_code, cohort_year

    union all

    select
        indicator_code,
        'all' as cohort,
        count(distinct region_code) as n_control_regions,
        coalesce(stddev_samp(change) / sqrt(cast(count(change) as float8)), 0) as control_std_error
    from control_changes
    group by indicator_code
),

t_values as (
    select
        by_cohort.indicator_code,
        by_cohort.cohort,
        max(t_table.degrees_of_freedom) as degrees_of_freedom
    from by_cohort
    inner join {{ ref('stg_reference__t_critical_values') }} as t_table
        on t_table.degrees_of_freedom <= by_cohort.n_regions - 1
    group by by_cohort.indicator_code, by_cohort.cohort
),

estimates as (
    select
        by_cohort.*,
        control_counts.n_control_regions,
        t_table.t_975,
        sqrt(by_cohort.did_sd * by_cohort.did_sd / cast(by_cohort.n_regions as float8)
             + coalesce(control_counts.control_std_error, 0) * coalesce(control_counts.control_std_error, 0))
            as std_error
    from by_cohort
    left join control_counts
        on control_counts.indicator_code = by_cohort.indicator_code
        and control_counts.cohort = by_cohort.cohort
    left join t_values
        on t_values.indicator_code = by_cohort.indicator_code
        and t_values.cohort = by_cohort.cohort
    left join {{ ref('stg_reference__t_critical_values') }} as t_table
        on t_table.degrees_of_freedom = t_values.degrees_of_freedom
)

select
    cast(estimates.indicator_code as varchar) as indicator_code,
    cast(estimates.cohort as varchar) as cohort,
    cast(estimates.cohort_year as integer) as cohort_year,
    cast(indicators.direction as varchar) as direction,
    cast(estimates.n_regions as integer) as n_regions,
    cast(coalesce(estimates.n_control_regions, 0) as integer) as n_control_regions,
    {{ round_float('estimates.mean_pre_gap', 6) }} as mean_pre_gap,
    {{ round_float('estimates.mean_post_gap', 6) }} as mean_post_gap,
    {{ round_float('estimates.did_estimate', 6) }} as did_estimate,
    {{ round_float('estimates.std_error', 6) }} as std_error,
    cast(estimates.t_975 as float8) as t_critical,
    {{ round_float('estimates.did_estimate - estimates.t_975 * estimates.std_error', 6) }} as ci_lower,
    {{ round_float('estimates.did_estimate + estimates.t_975 * estimates.std_error', 6) }} as ci_upper,
    coalesce(
        estimates.did_estimate - estimates.t_975 * estimates.std_error > 0
        or estimates.did_estimate + estimates.t_975 * estimates.std_error < 0,
        false
    ) as is_significant,
    cast(case
        when estimates.std_error is null then 'insufficient_data'
        when estimates.did_estimate - estimates.t_975 * estimates.std_error <= 0
             and estimates.did_estimate + estimates.t_975 * estimates.std_error >= 0 then 'no_detectable_effect'
        when (estimates.did_estimate > 0) = (indicators.direction = 'higher_better') then 'improved'
        else 'worsened'
    end as varchar) as effect_assessment
from estimates
inner join {{ ref('dim_indicator') }} as indicators
    on indicators.indicator_code = estimates.indicator_code
