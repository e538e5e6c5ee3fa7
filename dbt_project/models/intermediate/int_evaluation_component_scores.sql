-- Kominfo evaluation component scores (0-5) per region, evaluation year and component.
-- A component delivered twice (two files) keeps the latest extraction.
with scores as (
    select
        region_code,
        year,
        component,
        score,
        manifest_id,
        row_number() over (
            partition by region_code, year, component
            order by extracted_at desc, file_name desc
        ) as score_rank
    from {{ ref('int_spreadsheet__evaluation_scores_resolved') }}
    where score_type = 'component'
      and component is not null
      and region_code is not null
      and score is not null
)

select
    region_code,
    cast(year as integer) as year,
    component,
    cast(score as float8) as score,
    manifest_id
from scores
where score_rank = 1
