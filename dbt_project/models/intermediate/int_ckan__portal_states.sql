-- Every portal of the registry with its state: what the last harvest found (extractors.portals), else
-- the registry's own state. A portal never harvested is 'not_harvested'. Blocked and gone portals are
-- recorded states (shown in fct_data_completeness), not errors.
with portals as (
    select * from {{ ref('stg_reference__ckan_portals') }}
),

status as (
    select * from {{ ref('stg_ckan__portal_status') }}
)

select
    portals.portal,
    portals.portal_level,
    portals.region_code,
    portals.province_code,
    coalesce(status.platform, portals.platform) as platform,
    coalesce(status.state, case when portals.registry_state = 'active' then 'not_harvested'
                                else portals.registry_state end) as state,
    status.reason,
    status.checked_on,
    coalesce(status.last_reached_on, portals.registry_last_reached_on) as last_reached_on
from portals
left join status
    on status.portal = portals.portal
