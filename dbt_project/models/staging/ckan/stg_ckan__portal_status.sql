-- The state each portal was last found in (one row per portal: its status partition is replaced).
select
    upper({{ clean_text('portal') }}) as portal,
    lower({{ clean_text('platform') }}) as platform,
    lower({{ clean_text('state') }}) as state,
    {{ clean_text('reason') }} as reason,
    cast(nullif(trim(checked_on), '') as date) as checked_on,
    cast(nullif(trim(last_reached_on), '') as date) as last_reached_on,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from {{ landing_relation('ckan', 'portal_status') }} as src
