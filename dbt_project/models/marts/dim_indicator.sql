with indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

dimensions as (
    select distinct dimension_code, dimension_name from {{ ref('stg_reference__dimensions') }}
),

bps_variables as (
    select * from {{ ref('stg_reference__bps_indicator_variables') }}
),

catalogue as (
    select
        indicators.indicator_code,
        indicators.indicator_name_id,
        indicators.indicator_name_en,
        coalesce(dimensions.dimension_code, case when indicators.dimension_name = 'Program' then 'PG' end) as dimension_code,
        indicators.dimension_name,
        indicators.sub_dimension,
        indicators.unit,
        indicators.direction,
        indicators.target_value,
        indicators.source_system,
        indicators.frequency,
        indicators.standard_anchor,
        bps_variables.var_id as bps_var_id,
        true as is_catalogue
    from indicators
    left join dimensions
        on dimensions.dimension_name = indicators.dimension_name
    left join bps_variables
        on bps_variables.indicator_code = indicators.indicator_code
),

auxiliary as (
    -- Not in the catalogue: used as a denominator for per-capita indicators.
    select
        bps_variables.indicator_code,
        bps_variables.var_label as indicator_name_id,
        'Population' as indicator_name_en,
        cast(null as varchar) as dimension_code,
        cast(null as varchar) as dimension_name,
        cast(null as varchar) as sub_dimension,
        bps_variables.unit,
        'neutral' as direction,
        cast(null as float8) as target_value,
        'BPS WebAPI' as source_system,
        'tahunan' as frequency,
        cast(null as varchar) as standard_anchor,
        bps_variables.var_id as bps_var_id,
        false as is_catalogue
    from bps_variables
    where bps_variables.indicator_code not in (select indicator_code from indicators)
)

select
    cast(indicator_code as varchar) as indicator_code,
    cast(indicator_name_id as varchar) as indicator_name_id,
    cast(indicator_name_en as varchar) as indicator_name_en,
    cast(dimension_code as varchar) as dimension_code,
    cast(dimension_name as varchar) as dimension_name,
    cast(sub_dimension as varchar) as sub_dimension,
    cast(unit as varchar) as unit,
    cast(direction as varchar) as direction,
    cast(target_value as float8) as target_value,
    cast(source_system as varchar) as source_system,
    cast(frequency as varchar) as frequency,
    cast(standard_anchor as varchar) as standard_anchor,
    cast(bps_var_id as varchar) as bps_var_id,
    is_catalogue,
    coalesce(is_catalogue and dimension_code <> 'PG' and direction in ('higher_better', 'lower_better', 'target'), false) as is_scored,
    coalesce(is_catalogue and dimension_code <> 'PG' and direction in ('higher_better', 'lower_better'), false) as is_outcome
from (
    select * from catalogue
    union all
    select * from auxiliary
) as all_indicators
