-- Smart city budget and realisation per region and year from the regency systems. Realisation is
-- cumulative within the year (DJPK style), so the latest month of the year is the year's figure.
with lines as (
    select
        budget.*,
        resolved.region_code
    from {{ ref('stg_regency__budget_realisation') }} as budget
    inner join {{ ref('int_regency__records_resolved') }} as resolved
        on resolved.dataset = 'budget_realisation'
        and resolved.system = budget.system
        and resolved.item_id = budget.budget_line_id
    where resolved.region_code is not null
      and budget.year is not null
),

ranked as (
    select
        lines.*,
        row_number() over (
            partition by region_code, year
            order by month desc nulls last, extracted_at desc, budget_line_id desc
        ) as month_rank
    from lines
)

select
    region_code,
    cast(year as integer) as year,
    cast(month as integer) as latest_month,
    cast(budget_idr as float8) as budget_idr,
    cast(realisation_idr as float8) as realisation_idr,
    cast(100.0 * realisation_idr / nullif(budget_idr, 0) as float8) as realisation_pct,
    manifest_id,
    extracted_at
from ranked
where month_rank = 1
