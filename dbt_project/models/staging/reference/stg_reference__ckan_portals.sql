select
    upper(trim(portal)) as portal,
    trim(portal_level) as portal_level,
    nullif(trim(region_code), '') as region_code,
    nullif(trim(province_code), '') as province_code,
    trim(portal_title) as portal_title,
    coalesce(nullif(lower(trim(cast(platform as varchar))), ''), 'ckan') as platform,
    coalesce(nullif(lower(trim(cast(state as varchar))), ''), 'active') as registry_state,
    cast(nullif(trim(cast(last_reached as varchar)), '') as date) as registry_last_reached_on
from {{ ref('ckan_portals') }}
