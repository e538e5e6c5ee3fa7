with dimensions as (
    select * from {{ ref('stg_reference__dimensions') }}
),

indicator_counts as (
    select dimension_code, count(*) as n_indicators, count(*) filter (where is_scored) as n_scored_indicators
    from {{ ref('dim_indicator') }}
    group by dimension_code
)

select
    cast(dimensions.element_code as varchar) as element_code,
    cast(dimensions.dimension_code as varchar) as dimension_code,
    cast(dimensions.dimension_name as varchar) as dimension_name,
    cast(dimensions.element_name_id as varchar) as element_name_id,
    cast(dimensions.element_name_en as varchar) as element_name_en,
    cast(coalesce(indicator_counts.n_indicators, 0) as integer) as n_indicators_in_dimension,
    cast(coalesce(indicator_counts.n_scored_indicators, 0) as integer) as n_scored_indicators_in_dimension,
    cast(dimensions.source_url as varchar) as source_url
from dimensions
left join indicator_counts
    on indicator_counts.dimension_code = dimensions.dimension_code
