-- Spreadsheet indicator values with the region resolved (code: current, old or no-dot Kemendagri;
-- else the normalised name). Unresolved rows stay, with region_code NULL and a reason.
select
    src.file_name,
    src.region_code_raw,
    src.region_name_raw,
    src.indicator_code,
    src.year,
    src.value,
    src.unit,
    src.source_file,
    src.as_of_date,
    src.manifest_id,
    src.extracted_at,
    {{ resolved_region_code() }} as region_code,
    {{ region_resolution('src.region_code_raw', 'src.region_name_raw') }} as resolution
from {{ ref('stg_spreadsheet__indicator_values') }} as src
{{ region_resolution_joins('src.region_code_raw', 'src.region_name_raw') }}
