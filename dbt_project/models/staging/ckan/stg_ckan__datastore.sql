select
    upper(trim(portal)) as portal,
    trim(resource) as resource_id,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from {{ landing_relation('ckan', 'datastore') }} as src
