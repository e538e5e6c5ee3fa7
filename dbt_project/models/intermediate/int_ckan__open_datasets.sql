-- SG06 (open datasets published) derived from the national CKAN catalogue: the cumulative number of
-- packages of the region's organisations published by the end of each year (published_year: created,
-- or for a migrated package the years its data cover; int_ckan__packages_resolved). Regional portals are not
-- counted here (they often mirror the national catalogue); they appear in fct_open_data_activity.
with packages as (
    select packages.*
    from {{ ref('int_ckan__packages_resolved') }} as packages
    inner join {{ ref('stg_reference__ckan_portals') }} as portals
        on portals.portal = packages.portal
    where portals.portal_level = 'national'
      and packages.region_code is not null
),

regions as (
    select
        region_code,
        max(manifest_id) as manifest_id,
        max(extracted_at) as extracted_at
    from packages
    group by region_code
)

select
    regions.region_code,
    'SG06' as indicator_code,
    years.year,
    cast(count(packages.package_id) as float8) as value,
    regions.manifest_id,
    regions.extracted_at
from regions
cross join ({{ year_spine() }}) as years
left join packages
    on packages.region_code = regions.region_code
    and packages.published_year <= years.year
where years.year <= cast(extract(year from regions.extracted_at) as integer)
group by regions.region_code, years.year, regions.manifest_id, regions.extracted_at
