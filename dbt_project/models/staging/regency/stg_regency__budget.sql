select
    trim(system) as system,
    trim(program_id) as program_id,
    trim(region_code) as region_code_raw,
    trim(region_name) as region_name_raw,
    year,
    month,
    budget,
    realisation,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from {{ landing_relation('regency', 'budget') }} as src
