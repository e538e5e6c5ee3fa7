select
    cast(degrees_of_freedom as integer) as degrees_of_freedom,
    cast(t_975 as float8) as t_975
from {{ ref('t_critical_values') }}
