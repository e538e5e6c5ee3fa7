with regions as (
    select * from {{ ref('stg_reference__regions') }}
),

provinces as (
    select * from {{ ref('stg_reference__provinces') }}
),

cohorts as (
    select * from {{ ref('int_region_cohorts') }}
)

select
    cast(regions.region_code as varchar) as region_code,
    cast(regions.region_code_nodot as varchar) as region_code_nodot,
    cast(regions.region_code_2021 as varchar) as region_code_2021,
    cast(regions.bps_code as varchar) as bps_code,
    cast(regions.region_name as varchar) as region_name,
    cast(regions.short_name as varchar) as short_name,
    cast(regions.bps_name as varchar) as bps_name,
    cast(regions.region_type as varchar) as region_type,
    cast(regions.peer_group as varchar) as peer_group,
    cast(regions.province_code as varchar) as province_code,
    cast(regions.province_name as varchar) as province_name,
    cast(provinces.bps_province_code as varchar) as bps_province_code,
    cast(regions.population_2024 as bigint) as population,
    cast(regions.area_km2 as float8) as area_km2,
    cast(regions.population_2024 / nullif(regions.area_km2, 0) as float8) as population_density,
    cast(cohorts.cohort_year as integer) as cohort_year,
    cohorts.cohort_year is not null as is_participant
from regions
left join provinces
    on provinces.province_code = regions.province_code
left join cohorts
    on cohorts.region_code = regions.region_code
