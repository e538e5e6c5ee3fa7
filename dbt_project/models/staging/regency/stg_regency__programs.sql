with source as (
    select * from {{ landing_relation('regency', 'programs') }} as src
),

ranked as (
    select
        source.*,
        row_number() over (partition by system, id order by _extracted_at desc, updated_at desc) as version_rank
    from source
    where id is not null
)

select
    {{ clean_text('system') }} as system,
    {{ clean_text('id') }} as program_id,
    -- `region` carries a code or a name: it is tried as both when resolving
    {{ clean_text('coalesce(region_code, region)') }} as region_code_raw,
    {{ clean_text('coalesce(region_name, region)') }} as region_name_raw,
    {{ clean_text('program_name') }} as program_name,
    {{ clean_text('dimension') }} as dimension,
    lower({{ clean_text('status') }}) as status,
    start_year,
    budget_idr,
    realisation_idr,
    {{ safe_cast_date('updated_at') }} as updated_date,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from ranked
where version_rank = 1
