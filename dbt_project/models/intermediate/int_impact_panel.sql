-- Panel for the program-impact estimate, one row per outcome indicator x cohort x region x year:
-- the cohort's participants (is_treated) and the never-participants (potential controls), with the
-- region's pre-joining baseline (mean of the years before the cohort year) used for matching.
-- Regions of other cohorts are not controls (they are treated at some point).
with outcomes as (
    select indicator_code from {{ ref('dim_indicator') }} where is_outcome
),

regions as (
    select region_code, peer_group, cohort_year from {{ ref('dim_region') }}
),

cohorts as (
    select distinct cohort_year from regions where cohort_year is not null
),

facts as (
    select facts.region_code, facts.indicator_code, facts.year, facts.value
    from {{ ref('fct_indicator_value') }} as facts
    inner join outcomes
        on outcomes.indicator_code = facts.indicator_code
    where facts.value is not null
),

panel as (
    select
        facts.indicator_code,
        cohorts.cohort_year,
        regions.region_code,
        regions.peer_group,
        coalesce(regions.cohort_year = cohorts.cohort_year, false) as is_treated,
        facts.year,
        facts.value
    from cohorts
    inner join regions
        on regions.cohort_year = cohorts.cohort_year
        or regions.cohort_year is null
    inner join facts
        on facts.region_code = regions.region_code
),

baselines as (
    select
        indicator_code,
        cohort_year,
        region_code,
        avg(value) filter (where year < cohort_year) as baseline,
        count(*) filter (where year < cohort_year) as n_pre_years,
        count(*) filter (where year > cohort_year) as n_post_years
    from panel
    group by indicator_code, cohort_year, region_code
)

select
    panel.indicator_code,
    cast(panel.cohort_year as integer) as cohort_year,
    panel.region_code,
    panel.peer_group,
    panel.is_treated,
    cast(panel.year as integer) as year,
    cast(panel.value as float8) as value,
    cast(baselines.baseline as float8) as baseline
from panel
inner join baselines
    on baselines.indicator_code = panel.indicator_code
    and baselines.cohort_year = panel.cohort_year
    and baselines.region_code = panel.region_code
-- a region needs at least one year before and one year after joining to enter the comparison
where baselines.n_pre_years > 0
  and baselines.n_post_years > 0
