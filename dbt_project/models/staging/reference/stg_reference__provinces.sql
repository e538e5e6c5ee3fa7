select
    trim(kode_provinsi) as province_code,
    trim(nama_provinsi) as province_name,
    nullif(trim(kode_bps_2018), '') as bps_province_code,
    cast(jumlah_kabupaten as integer) as n_kabupaten,
    cast(jumlah_kota as integer) as n_kota,
    cast(penduduk_dukcapil_2024s2 as bigint) as population_2024,
    cast(luas_km2_big as float8) as area_km2
from {{ ref('provinsi') }}
