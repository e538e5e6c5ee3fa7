-- Official cohort sizes (seed smart_city_kohort_ukuran): how many regions each cohort had, whatever
-- the public lists name.
select
    cast(tahun_kohort as integer) as cohort_year,
    cast(jumlah_resmi as integer) as official_size,
    cast(jumlah_alternatif as integer) as alternative_size,
    trim(cast(tanggal_mou as varchar)) as mou_date,
    trim(sumber) as source_url,
    catatan as note
from {{ ref('smart_city_kohort_ukuran') }}
