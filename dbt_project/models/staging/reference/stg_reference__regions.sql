select
    trim(kode_kemendagri) as region_code,
    trim(kode_kemendagri_nodot) as region_code_nodot,
    trim(nama) as region_name,
    trim(nama_pendek) as short_name,
    trim(jenis) as region_type,
    lower(trim(jenis)) as peer_group,
    trim(kode_provinsi) as province_code,
    trim(nama_provinsi) as province_name,
    trim(kode_kemendagri_2021) as region_code_2021,
    trim(kode_bps_2018) as bps_code,
    trim(nama_bps_2018) as bps_name,
    cast(penduduk_dukcapil_2024s2 as bigint) as population_2024,
    cast(luas_km2_big as float8) as area_km2
from {{ ref('kabupaten_kota') }}
