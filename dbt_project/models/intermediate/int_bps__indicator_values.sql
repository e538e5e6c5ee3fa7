-- One value per region x indicator x year from BPS, derived variable and period chosen by rule.
--
-- Documented choices (rules in seed bps_indicator_variables, not guesses):
--   * Duplicate cells (a region listed by its own domain, its province domain and the national
--     domain): its own domain wins, then the province domain, then the latest extraction.
--   * Derived variables (turvar): only the total counts: 'Tidak Ada' (id 0, no breakdown), 'Jumlah',
--     'Total', 'Perkotaan+Perdesaan', 'Laki-laki+Perempuan' (spaces ignored), or a label the
--     indicator's `total_turvar` names (e.g. 'Laki-laki dan Perempuan'). A table with only breakdowns (urban, male, ...) gives
--     no value: it is listed in int_bps__unaligned with reason no_total_turvar, never the smallest id.
--   * Periods, by `annual_period`: 'annual' takes the annual code (0 Tahun, 13 Tahunan, 35, or a
--     period labelled Tahun/Tahunan/Jumlah); 'turtahun:N' takes period N (poverty: 61 Maret;
--     unemployment: 190 Agustus), else the annual code; 'mean_monthly' takes the annual code, else the
--     mean of the months (hotel occupancy). Sub-periods are never averaged otherwise: a region-year
--     with only sub-periods and no rule for them is listed in int_bps__unaligned (no_period_rule).
--     n_periods says how many periods fed the value.
with cells as (
    select
        resolved.*,
        case
            when resolved.domain_id = regions.bps_code then 1
            when substr(resolved.domain_id, 3, 2) = '00' and resolved.domain_id <> '0000' then 2
            else 3
        end as domain_rank,
        (
            resolved.turvar_id = '0'
            or resolved.turvar_key in ('tidakada', '', 'jumlah', 'total', 'perkotaan+perdesaan', 'laki-laki+perempuan')
            or position('|' || resolved.turvar_key || '|' in '|' || coalesce(resolved.total_turvar, '') || '|') > 0
        ) as is_total
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

totals as (
    select * from deduplicated where cell_rank = 1 and is_total
),

aligned as (
    select
        region_code,
        indicator_code,
        year,
        max(annual_period) as annual_period,
        count(*) filter (where period_type = 'annual') as n_annual,
        count(*) filter (where period_type = 'monthly') as n_monthly,
        count(*) filter (
            where annual_period like 'turtahun:%'
            and cast(turtahun_id as varchar) = substr(annual_period, 10)
        ) as n_named,
        avg(value) filter (where period_type = 'annual') as annual_value,
        avg(value) filter (where period_type = 'monthly') as monthly_mean,
        avg(value) filter (
            where annual_period like 'turtahun:%'
            and cast(turtahun_id as varchar) = substr(annual_period, 10)
        ) as named_value,
        max(manifest_id) as manifest_id,
        max(extracted_at) as extracted_at
    from totals
    group by region_code, indicator_code, year
),

chosen as (
    select
        aligned.*,
        case
            when n_named > 0 then 'period_' || substr(annual_period, 10)
            when n_annual > 0 then 'annual'
            when annual_period = 'mean_monthly' and n_monthly > 0 then 'monthly_mean'
        end as period_basis
    from aligned
)

select
    region_code,
    indicator_code,
    year,
    cast(case
        when period_basis = 'annual' then annual_value
        when period_basis = 'monthly_mean' then monthly_mean
        else named_value
    end as float8) as value,
    period_basis,
    cast(case
        when period_basis = 'annual' then n_annual
        when period_basis = 'monthly_mean' then n_monthly
        else n_named
    end as integer) as n_periods,
    'bps' as source,
    cast(extracted_at as date) as as_of_date,
    manifest_id
from chosen
where period_basis is not null
