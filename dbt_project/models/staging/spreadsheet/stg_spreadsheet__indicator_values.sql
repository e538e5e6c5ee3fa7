select
    {{ clean_text('file') }} as file_name,
    {{ clean_text('region_name') }} as region_name_raw,
    {{ clean_text('region_code') }} as region_code_raw,
    upper({{ clean_text('indicator_code') }}) as indicator_code,
    year,
    value,
    lower({{ clean_text('unit') }}) as unit,
    {{ clean_text('source_file') }} as source_file,
    {{ safe_cast_date("as_of_date") }} as as_of_date,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from {{ landing_relation('spreadsheet', 'indicators') }} as src
where substr(upper(trim(indicator_code)), 1, 4) not in ('PG01', 'PG02', 'PG03')
  and not coalesce(value_missing, false)
