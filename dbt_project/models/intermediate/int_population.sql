-- Population denominator per region and year for per-capita indicators: BPS 'Jumlah Penduduk'
-- (var 31, indicator POP) of the same year when available, else Dukcapil 2024 S2 from the reference.
with spine as (
    select regions.region_code, regions.population_2024, years.year
    from {{ ref('stg_reference__regions') }} as regions
    cross join ({{ year_spine() }}) as years
),

bps_population as (
    select region_code, year, value
    from {{ ref('int_bps__indicator_values') }}
    where indicator_code = 'POP'
)

select
    spine.region_code,
    spine.year,
    cast(coalesce(bps_population.value, spine.population_2024) as float8) as population,
    case when bps_population.value is not null then 'bps_var_31' else 'dukcapil_2024s2' end as population_source
from spine
left join bps_population
    on bps_population.region_code = spine.region_code
    and bps_population.year = spine.year
