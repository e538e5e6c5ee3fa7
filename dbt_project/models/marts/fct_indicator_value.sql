-- One value per region x indicator x year: the highest-priority source (BPS > spreadsheet > CKAN),
-- with the as-of date and the landing manifest it came from.
with ranked as (
    select
        unioned.*,
        row_number() over (
            partition by region_code, indicator_code, year
            order by source_priority, as_of_date desc, manifest_id desc
        ) as value_rank
    from {{ ref('int_indicator_values_unioned') }} as unioned
    where indicator_code in (select indicator_code from {{ ref('dim_indicator') }})
)

select
    cast(region_code as varchar) as region_code,
    cast(indicator_code as varchar) as indicator_code,
    cast(year as integer) as year,
    cast(value as float8) as value,
    cast(source as varchar) as source,
    cast(as_of_date as date) as as_of_date,
    cast(manifest_id as varchar) as manifest_id
from ranked
where value_rank = 1
