-- The ministry's full participant list (regency system entity daftar_peserta), latest version of each
-- record. Empty when the list has not landed (landing_relation gives an empty typed relation).
with source as (
    select * from {{ landing_relation('ministry', 'participants') }} as src
),

ranked as (
    select
        source.*,
        row_number() over (partition by system, id order by _extracted_at desc, updated_at desc) as version_rank
    from source
    where id is not null
)

select
    cast(cohort_year as integer) as cohort_year,
    trim(program) as program_name,
    trim(region_name) as source_region_name,
    trim(region_code) as region_code_raw,
    trim(region_name) as region_name,
    'ministry_list' as source_status,
    cast(null as varchar) as source_url,
    cast(null as varchar) as note,
    trim(system) as system,
    _manifest_id as manifest_id
from ranked
where version_rank = 1
