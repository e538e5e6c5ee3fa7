select
    trim(kode) as indicator_code,
    trim(dimensi) as dimension_name,
    trim(sub_dimensi) as sub_dimension,
    trim(nama_id) as indicator_name_id,
    trim(name_en) as indicator_name_en,
    trim(satuan) as unit,
    trim(arah) as direction_raw,
    case
        when trim(arah) like 'target%' then 'target'
        else trim(arah)
    end as direction,
    -- 'target (~100)': the only target indicator (SG10, budget realisation %) aims at 100.
    case when trim(arah) like 'target%' then cast(100 as float8) end as target_value,
    trim(sumber_sistem) as source_system,
    trim(level_tersedia) as available_level,
    trim(frekuensi) as frequency,
    nullif(trim(anchor_standar), '') as standard_anchor,
    catatan as note
from {{ ref('indikator_usulan') }}
