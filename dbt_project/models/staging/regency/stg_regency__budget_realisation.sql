select
    {{ clean_text('system') }} as system,
    {{ clean_text('id') }} as budget_line_id,
    {{ clean_text('coalesce(region_code, region)') }} as region_code_raw,
    {{ clean_text('coalesce(region_name, region)') }} as region_name_raw,
    year,
    month,
    budget_idr,
    realisation_idr,
    {{ safe_cast_date('updated_at') }} as updated_date,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from {{ landing_relation('regency', 'budget_realisation') }} as src
