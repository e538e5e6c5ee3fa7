select
    trim(kode_dimensi) as dimension_code,
    trim(dimensi) as dimension_name,
    trim(kode_sub_dimensi) as element_code,
    trim(sub_dimensi_id) as element_name_id,
    trim(sub_dimensi_en) as element_name_en,
    trim(sumber) as source_url
from {{ ref('smart_city_dimensi') }}
