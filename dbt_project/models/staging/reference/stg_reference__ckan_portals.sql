select
    upper(trim(portal)) as portal,
    trim(portal_level) as portal_level,
    nullif(trim(region_code), '') as region_code,
    nullif(trim(province_code), '') as province_code,
    trim(portal_title) as portal_title
from {{ ref('ckan_portals') }}
