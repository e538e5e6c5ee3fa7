select
    trim(kode_kemendagri_2021) as old_region_code,
    trim(nama_2021) as old_region_name,
    trim(kode_kemendagri_2025) as region_code,
    trim(nama_2025) as region_name,
    trim(kode_provinsi_2021) as old_province_code,
    trim(kode_provinsi_2025) as province_code,
    trim(alasan) as reason
from {{ ref('kabupaten_kota_perubahan_kode_2021_2025') }}
