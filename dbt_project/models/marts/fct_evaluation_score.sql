-- The ministry's evaluation per participant and evaluation year (Kominfo's Hasil Evaluasi files):
-- the five component scores (0-5), the six dimension scores (0-5) as published, the overall index as
-- published (PG01) and as recomputed from the components with the weight version of that year
-- (int_evaluation_index), and the document the scores came from.
-- A score delivered twice (two files) keeps the latest extraction (as int_evaluation_component_scores).
{%- set components = [('Baseline', 'baseline'), ('Output', 'output'), ('Outcome', 'outcome'),
                      ('Impact', 'impact'), ('Quick Win', 'quick_win')] %}
{%- set dimensions = [('Smart Governance', 'governance'), ('Smart Branding', 'branding'),
                      ('Smart Economy', 'economy'), ('Smart Living', 'living'),
                      ('Smart Society', 'society'), ('Smart Environment', 'environment')] %}
with scores as (
    select
        region_code,
        cast(year as integer) as year,
        score_type,
        coalesce(component, dimension) as measure,
        cast(score as float8) as score,
        file_name,
        as_of_date,
        row_number() over (
            partition by region_code, year, score_type, coalesce(component, dimension)
            order by extracted_at desc, file_name desc
        ) as score_rank
    from {{ ref('int_spreadsheet__evaluation_scores_resolved') }}
    where region_code is not null
      and score is not null
      and (score_type = 'overall' or coalesce(component, dimension) is not null)
),

latest as (
    select * from scores where score_rank = 1
),

pivoted as (
    select
        region_code,
        year,
        {%- for name, col in components %}
        max(case when score_type = 'component' and measure = '{{ name }}' then score end) as {{ col }}_score,
        {%- endfor %}
        {%- for name, col in dimensions %}
        max(case when score_type = 'dimension' and measure = '{{ name }}' then score end) as {{ col }}_dimension_score,
        {%- endfor %}
        max(case when score_type = 'overall' then score end) as reported_overall_index,
        -- the document: the latest file the scores of this region and year came from
        max(file_name) as source_file_name,
        count(distinct file_name) as n_source_files,
        max(as_of_date) as source_as_of_date
    from latest
    group by region_code, year
)

select
    cast(pivoted.region_code as varchar) as region_code,
    cast(pivoted.year as integer) as year,
    cast(regions.cohort_year as integer) as cohort_year,
    {%- for name, col in components %}
    cast(pivoted.{{ col }}_score as float8) as {{ col }}_score,
    {%- endfor %}
    cast(coalesce(evaluation.n_components, 0) as integer) as n_components_scored,
    coalesce(evaluation.is_complete, false) as is_complete,
    {%- for name, col in dimensions %}
    cast(pivoted.{{ col }}_dimension_score as float8) as {{ col }}_dimension_score,
    {%- endfor %}
    cast(evaluation.evaluation_index as float8) as evaluation_index,
    cast(pivoted.reported_overall_index as float8) as reported_overall_index,
    cast(evaluation.weight_version as varchar) as weight_version,
    cast(pivoted.source_file_name as varchar) as source_file_name,
    cast(pivoted.n_source_files as integer) as n_source_files,
    cast(pivoted.source_as_of_date as date) as source_as_of_date
from pivoted
inner join {{ ref('dim_region') }} as regions
    on regions.region_code = pivoted.region_code
left join {{ ref('int_evaluation_index') }} as evaluation
    on evaluation.region_code = pivoted.region_code
    and evaluation.year = pivoted.year
