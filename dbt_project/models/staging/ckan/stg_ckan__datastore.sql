select
    upper({{ clean_text('portal') }}) as portal,
    {{ clean_text('resource') }} as resource_id,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from {{ landing_relation('ckan', 'datastore') }} as src
