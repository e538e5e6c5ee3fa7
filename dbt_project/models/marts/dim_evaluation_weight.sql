select
    cast(component as varchar) as component,
    cast(weight_version as varchar) as weight_version,
    cast(weight as float8) as weight,
    cast(valid_from_year as integer) as valid_from_year,
    cast(valid_to_year as integer) as valid_to_year,
    cast(source_url as varchar) as source_url
from {{ ref('stg_reference__evaluation_weights') }}
