with source as (
    select * from {{ landing_relation('regency', 'programs') }} as src
),

ranked as (
    select
        source.*,
        row_number() over (partition by system, program_id order by _extracted_at desc) as version_rank
    from source
)

select
    trim(system) as system,
    trim(program_id) as program_id,
    trim(region_code) as region_code_raw,
    trim(region_name) as region_name_raw,
    trim(program_name) as program_name,
    trim(dimension) as dimension,
    lower(trim(status)) as status,
    start_year,
    end_year,
    budget_planned,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from ranked
where version_rank = 1
