with source as (
    select * from {{ landing_relation('regency', 'quickwins') }} as src
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
    {{ clean_text('id') }} as quickwin_id,
    {{ clean_text('coalesce(region_code, region)') }} as region_code_raw,
    {{ clean_text('coalesce(region_name, region)') }} as region_name_raw,
    {{ clean_text('name') }} as quickwin_name,
    {{ clean_text('dimension') }} as dimension,
    lower({{ clean_text('status') }}) as status,
    progress_pct,
    {{ safe_cast_date('updated_at') }} as updated_date,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from ranked
where version_rank = 1
