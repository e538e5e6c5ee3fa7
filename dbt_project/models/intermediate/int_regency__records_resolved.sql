-- Regency-system records (programs, quick wins, budget realisation lines) in one shape with the region
-- resolved: region_code (current/old/no-dot), else region_name, else the system name taken as a
-- region name when the record carries no region key at all (systems are named after their
-- regency, e.g. 'kota-kediri'). One row per dataset,
-- system, item and raw key.
with records as (
    select 'programs' as dataset, system, program_id as item_id, region_code_raw, region_name_raw, manifest_id, extracted_at
    from {{ ref('stg_regency__programs') }}
    union all
    select 'quickwins', system, quickwin_id, region_code_raw, region_name_raw, manifest_id, extracted_at
    from {{ ref('stg_regency__quickwins') }}
    union all
    select 'budget_realisation', system, budget_line_id, region_code_raw, region_name_raw, manifest_id, extracted_at
    from {{ ref('stg_regency__budget_realisation') }}
),

lookup as (
    select * from {{ ref('int_region_key_lookup') }} where key_type = 'name'
)

select
    records.dataset,
    records.system,
    records.item_id,
    records.region_code_raw,
    records.region_name_raw,
    coalesce(
        {{ resolved_region_code() }},
        case
            when nullif(records.region_code_raw, '') is null and nullif(records.region_name_raw, '') is null
                then by_system.region_code
        end
    ) as region_code,
    case
        when {{ resolved_region_code() }} is not null
            then {{ region_resolution('records.region_code_raw', 'records.region_name_raw') }}
        when by_system.region_code is not null
             and nullif(records.region_code_raw, '') is null
             and nullif(records.region_name_raw, '') is null then 'system_name:' || by_system.match_rule
        else {{ region_resolution('records.region_code_raw', 'records.region_name_raw') }}
    end as resolution,
    count(*) as n_records,
    max(records.manifest_id) as manifest_id,
    max(records.extracted_at) as extracted_at
from records
{{ region_resolution_joins('records.region_code_raw', 'records.region_name_raw') }}
left join lookup as by_system
    on by_system.key_value = {{ normalise_region_name('records.system') }}
group by 1, 2, 3, 4, 5, 6, 7
