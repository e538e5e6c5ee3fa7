select
    cast(tahun_kohort as integer) as cohort_year,
    trim(program) as program_name,
    trim(nama_sumber) as source_region_name,
    trim(kode_kemendagri) as region_code_raw,
    trim(nama_kemendagri) as region_name,
    trim(status_sumber) as source_status,
    trim(url_sumber) as source_url,
    catatan as note
from {{ ref('smart_city_peserta') }}
