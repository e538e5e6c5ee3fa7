-- One value per region x indicator x year from BPS, with the periods aligned.
--
-- Documented choices:
--   * Duplicate cells (a region listed by its own domain, its province domain and the national
--     domain): its own domain wins, then the province domain, then the latest extraction.
--   * Derived variables (turvar): the total ('Tidak Ada' / id 0, or Jumlah/Total) is preferred;
--     otherwise the lowest turvar id.
--   * Periods: the annual value ('Tahun' 0 / 'Tahunan' 13) when BPS publishes one; otherwise the
--     MEAN of the available monthly values (flow and rate indicators such as hotel occupancy are
--     averaged, not taken in December); otherwise the mean of other sub-periods (quarters, semesters).
--     n_periods says how many sub-periods fed the mean.
with cells as (
    select
        resolved.*,
        case
            when resolved.domain_id = regions.bps_code then 1
            when substr(resolved.domain_id, 3, 2) = '00' and resolved.domain_id <> '0000' then 2
            else 3
        end as domain_rank,
        case
            when resolved.turvar_id = '0' or lower(resolved.turvar_label) in ('tidak ada', '') then 1
            when lower(resolved.turvar_label) in ('jumlah', 'total', 'laki-laki + perempuan', 'laki-laki dan perempuan') then 2
            else 3
        end as turvar_rank
    from {{ ref('int_bps__observations_resolved') }} as resolved
    inner join {{ ref('stg_reference__regions') }} as regions
        on regions.region_code = resolved.region_code
    where resolved.value is not null
),

deduplicated as (
    select
        cells.*,
        row_number() over (
            partition by region_code, indicator_code, year, turtahun_id, turvar_id
            order by domain_rank, extracted_at desc, manifest_id desc
        ) as cell_rank
    from cells
),

-- window functions only (no self-join): PostgreSQL plans a join of two CTEs as a nested loop
best_turvar_rank as (
    select
        deduplicated.*,
        min(turvar_rank) over (partition by region_code, indicator_code, year) as best_rank
    from deduplicated
    where cell_rank = 1
),

best_turvar as (
    select
        best_turvar_rank.*,
        min(turvar_id) over (partition by region_code, indicator_code, year) as chosen_turvar_id
    from best_turvar_rank
    where turvar_rank = best_rank
),

chosen as (
    select * from best_turvar where turvar_id = chosen_turvar_id
),

aligned as (
    select
        region_code,
        indicator_code,
        year,
        count(*) filter (where period_type = 'annual') as n_annual,
        count(*) filter (where period_type = 'monthly') as n_monthly,
        count(*) filter (where period_type = 'other') as n_other,
        avg(value) filter (where period_type = 'annual') as annual_value,
        avg(value) filter (where period_type = 'monthly') as monthly_mean,
        avg(value) filter (where period_type = 'other') as other_mean,
        max(manifest_id) as manifest_id,
        max(extracted_at) as extracted_at
    from chosen
    group by region_code, indicator_code, year
)

select
    region_code,
    indicator_code,
    year,
    cast(case
        when n_annual > 0 then annual_value
        when n_monthly > 0 then monthly_mean
        else other_mean
    end as float8) as value,
    case
        when n_annual > 0 then 'annual'
        when n_monthly > 0 then 'monthly_mean'
        else 'other_mean'
    end as period_basis,
    cast(case
        when n_annual > 0 then n_annual
        when n_monthly > 0 then n_monthly
        else n_other
    end as integer) as n_periods,
    'bps' as source,
    cast(extracted_at as date) as as_of_date,
    manifest_id
from aligned
