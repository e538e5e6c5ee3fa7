-- Open data activity per region and year from the CKAN catalogues (all harvested portals):
-- datasets published (created that year), updated (last modified that year), cumulative datasets
-- and portals. Every region x year of the spine has a row (zero when nothing was published).
-- A dataset mirrored on two portals is counted on each.
with packages as (
    select * from {{ ref('int_ckan__packages_resolved') }} where region_code is not null
),

spine as (
    select regions.region_code, years.year
    from {{ ref('stg_reference__regions') }} as regions
    cross join ({{ year_spine() }}) as years
)

select
    cast(spine.region_code as varchar) as region_code,
    cast(spine.year as integer) as year,
    cast(count(packages.package_id) filter (
        where cast(extract(year from packages.created_at) as integer) = spine.year) as integer) as n_datasets_published,
    cast(count(packages.package_id) filter (
        where cast(extract(year from packages.modified_at) as integer) = spine.year) as integer) as n_datasets_updated,
    cast(count(packages.package_id) as integer) as n_datasets_cumulative,
    cast(count(distinct packages.portal) as integer) as n_portals,
    cast(coalesce(sum(packages.num_resources) filter (
        where cast(extract(year from packages.created_at) as integer) = spine.year), 0) as integer) as n_resources_published,
    cast(max(packages.modified_at) filter (
        where cast(extract(year from packages.modified_at) as integer) <= spine.year) as timestamp) as last_modified_at
from spine
left join packages
    on packages.region_code = spine.region_code
    and cast(extract(year from packages.created_at) as integer) <= spine.year
group by spine.region_code, spine.year
