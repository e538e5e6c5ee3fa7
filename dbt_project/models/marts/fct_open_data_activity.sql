-- Open data activity per region and year from the CKAN catalogues (all harvested portals):
-- datasets published, updated (last modified that year), cumulative datasets and portals. Every
-- region x year of the spine has a row (zero when nothing was published).
-- A dataset mirrored on two portals is counted on each.
-- Publication year: the portal's metadata_created, unless the package was created more than a year
-- after the last year its data cover (a migrated or harvested portal re-creates every package on one
-- day: Muara Enim's were created in 2026 holding 2022-2024); such a package is dated by what the data
-- say, the first year they cover, so a migration shows no jump. date_basis says which date was used.
with packages as (
    -- published_year / published_year_basis: int_ckan__packages_resolved
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
        where packages.published_year = spine.year) as integer) as n_datasets_published,
    cast(count(packages.package_id) filter (
        where cast(extract(year from packages.modified_at) as integer) = spine.year) as integer) as n_datasets_updated,
    cast(count(packages.package_id) as integer) as n_datasets_cumulative,
    cast(count(distinct packages.portal) as integer) as n_portals,
    cast(coalesce(sum(packages.num_resources) filter (
        where packages.published_year = spine.year), 0) as integer) as n_resources_published,
    cast(max(packages.modified_at) filter (
        where cast(extract(year from packages.modified_at) as integer) <= spine.year) as timestamp) as last_modified_at,
    cast(count(packages.package_id) filter (
        where packages.published_year = spine.year and packages.published_year_basis = 'data_years') as integer)
        as n_datasets_dated_by_data,
    cast(case
        when count(packages.package_id) filter (where packages.published_year = spine.year) = 0 then null
        when min(packages.published_year_basis) filter (where packages.published_year = spine.year)
             = max(packages.published_year_basis) filter (where packages.published_year = spine.year)
            then min(packages.published_year_basis) filter (where packages.published_year = spine.year)
        else 'mixed'
    end as varchar) as date_basis
from spine
left join packages
    on packages.region_code = spine.region_code
    and packages.published_year <= spine.year
group by spine.region_code, spine.year
