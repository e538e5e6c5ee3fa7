-- Masterplan programs and quick wins per participant (regency systems): status and budget versus
-- realisation. Budget lines are cumulative within a year (DJPK style): the latest month of each
-- year is taken, then years are summed.
with items as (
    select
        'masterplan_program' as item_type, system, program_id as item_id, cast(null as varchar) as parent_program_id,
        program_name as item_name, dimension, status, start_year, end_year, budget_planned, manifest_id
    from {{ ref('stg_regency__programs') }}
    union all
    select
        'quick_win', system, quickwin_id, program_id, quickwin_name, dimension, status,
        year, year, budget_planned, manifest_id
    from {{ ref('stg_regency__quickwins') }}
),

item_regions as (
    select
        case dataset when 'programs' then 'masterplan_program' else 'quick_win' end as item_type,
        system,
        item_id,
        min(region_code) as region_code
    from {{ ref('int_regency__records_resolved') }}
    where dataset in ('programs', 'quickwins')
      and region_code is not null
    group by 1, 2, 3
),

budget_latest as (
    select
        budget.*,
        row_number() over (
            partition by system, program_id, year
            order by month desc nulls last, extracted_at desc
        ) as month_rank
    from {{ ref('stg_regency__budget') }} as budget
),

budget_totals as (
    select
        system,
        program_id,
        sum(budget) as budget_total,
        sum(realisation) as realisation_total,
        max(year) as last_budget_year
    from budget_latest
    where month_rank = 1
    group by system, program_id
)

select
    cast(item_regions.region_code as varchar) as region_code,
    cast(items.system as varchar) as system,
    cast(items.item_type as varchar) as item_type,
    cast(items.item_id as varchar) as item_id,
    cast(items.parent_program_id as varchar) as parent_program_id,
    cast(items.item_name as varchar) as item_name,
    cast(items.dimension as varchar) as dimension,
    cast(items.status as varchar) as status,
    cast(items.start_year as integer) as start_year,
    cast(items.end_year as integer) as end_year,
    cast(items.budget_planned as float8) as budget_planned,
    cast(budget_totals.budget_total as float8) as budget_total,
    cast(budget_totals.realisation_total as float8) as realisation_total,
    cast(100.0 * budget_totals.realisation_total / nullif(budget_totals.budget_total, 0) as float8) as realisation_pct,
    cast(budget_totals.last_budget_year as integer) as last_budget_year,
    cast(items.manifest_id as varchar) as manifest_id
from items
inner join item_regions
    on item_regions.item_type = items.item_type
    and item_regions.system = items.system
    and item_regions.item_id = items.item_id
left join budget_totals
    on budget_totals.system = items.system
    and budget_totals.program_id = items.item_id
