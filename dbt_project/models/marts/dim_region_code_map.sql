select
    cast(key_type as varchar) as key_type,
    cast(key_value as varchar) as key_value,
    cast(region_code as varchar) as region_code,
    cast(match_rule as varchar) as match_rule,
    is_ambiguous
from {{ ref('int_region_key_lookup') }}
