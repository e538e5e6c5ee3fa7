select
    src.file_name,
    src.region_code_raw,
    src.region_name_raw,
    src.indicator_code,
    src.score_type,
    src.component,
    src.dimension,
    src.year,
    src.score,
    src.as_of_date,
    src.manifest_id,
    src.extracted_at,
    {{ resolved_region_code() }} as region_code,
    {{ region_resolution('src.region_code_raw', 'src.region_name_raw') }} as resolution
from {{ ref('stg_spreadsheet__evaluation_scores') }} as src
{{ region_resolution_joins('src.region_code_raw', 'src.region_name_raw') }}
