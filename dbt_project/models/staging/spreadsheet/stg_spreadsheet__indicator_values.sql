select
    trim(file) as file_name,
    trim(region_name) as region_name_raw,
    trim(region_code) as region_code_raw,
    upper(trim(indicator_code)) as indicator_code,
    year,
    value,
    lower(trim(unit)) as unit,
    trim(source_url) as source_url,
    {{ safe_cast_date("as_of_date") }} as as_of_date,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from {{ landing_relation('spreadsheet', 'indicator_values') }} as src
