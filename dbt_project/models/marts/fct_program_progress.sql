-- Masterplan programs and quick wins per participant from the regency systems: status, budget
-- versus realisation (programs) and implementation progress (quick wins).
with items as (
    select
        'masterplan_program' as item_type, system, program_id as item_id, program_name as item_name,
        dimension, status, start_year, budget_idr, realisation_idr,
        cast(null as float8) as progress_pct, updated_date, manifest_id
    from {{ ref('stg_regency__programs') }}
    union all
    select
        'quick_win', system, quickwin_id, quickwin_name, dimension, status, cast(null as integer),
        cast(null as float8), cast(null as float8), progress_pct, updated_date, manifest_id
    from {{ ref('stg_regency__quickwins') }}
),

yearly_budget as (
    -- the region's yearly smart city budget (PG06, median over the years it is known): a yardstick for
    -- its masterplan budgets
    select region_code, {{ round_float('avg(value)', 2) }} as yearly_budget_idr
    from {{ ref('fct_indicator_value') }}
    where indicator_code = 'PG06' and value is not null
    group by region_code
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
)

select
    cast(item_regions.region_code as varchar) as region_code,
    cast(items.system as varchar) as system,
    cast(items.item_type as varchar) as item_type,
    cast(items.item_id as varchar) as item_id,
    cast(items.item_name as varchar) as item_name,
    cast(items.dimension as varchar) as dimension,
    cast(items.status as varchar) as status,
    cast(items.start_year as integer) as start_year,
    cast(items.budget_idr as float8) as budget_idr,
    cast(items.realisation_idr as float8) as realisation_idr,
    cast(100.0 * items.realisation_idr / nullif(items.budget_idr, 0) as float8) as realisation_pct,
    cast(items.progress_pct as float8) as progress_pct,
    cast(items.updated_date as date) as updated_date,
    cast(items.manifest_id as varchar) as manifest_id,
    cast(yearly_budget.yearly_budget_idr as float8) as region_yearly_budget_idr
from items
inner join item_regions
    on item_regions.item_type = items.item_type
    and item_regions.system = items.system
    and item_regions.item_id = items.item_id
left join yearly_budget
    on yearly_budget.region_code = item_regions.region_code
