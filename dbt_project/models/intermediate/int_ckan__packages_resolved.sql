-- CKAN packages with their region: the organization title, then the organization name (slug),
-- then the portal's own region (a regency portal such as MUARAENIM). Packages of national or
-- provincial organisations (ministries, province agencies) stay unresolved and are counted.
with packages as (
    select * from {{ ref('stg_ckan__packages') }}
),

portals as (
    select * from {{ ref('stg_reference__ckan_portals') }}
),

lookup as (
    select * from {{ ref('int_region_key_lookup') }} where key_type = 'name'
)

select
    packages.*,
    -- the publication year: the portal's metadata_created, unless the package was created more than a
    -- year after the last year its data cover (a migrated or harvested portal re-creates every package
    -- on one day): then what the data say, the first year they cover
    case when packages.data_first_year is not null
              and cast(extract(year from packages.created_at) as integer) > packages.data_last_year + 1
         then packages.data_first_year
         else cast(extract(year from packages.created_at) as integer)
    end as published_year,
    case when packages.data_first_year is not null
              and cast(extract(year from packages.created_at) as integer) > packages.data_last_year + 1
         then 'data_years' else 'metadata_created'
    end as published_year_basis,
    coalesce(by_title.region_code, by_name.region_code, portals.region_code) as region_code,
    case
        when by_title.region_code is not null then 'organization_title:' || by_title.match_rule
        when by_name.region_code is not null then 'organization_name:' || by_name.match_rule
        when portals.region_code is not null then 'portal_region'
        when by_title.is_ambiguous or by_name.is_ambiguous then 'unresolved_ambiguous_name'
        when portals.portal_level = 'province' then 'unresolved_province_level'
        else 'unresolved_unknown_key'
    end as resolution
from packages
left join lookup as by_title
    on by_title.key_value = {{ normalise_region_name('packages.organization_title') }}
left join lookup as by_name
    on by_name.key_value = {{ normalise_region_name('packages.organization_name') }}
left join portals
    on portals.portal = packages.portal
