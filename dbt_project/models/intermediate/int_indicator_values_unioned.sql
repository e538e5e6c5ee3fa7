-- Every indicator value from every source, before choosing one per region x indicator x year.
-- source_priority: official BPS statistics first, then uploaded spreadsheets, then values derived
-- from CKAN, then the regency systems (PG06 budget). Per-capita indicators (catalogue unit 'per 100k' / 'per 1000') that a spreadsheet
-- delivers as a count (unit 'count') are divided by the population of the same year
-- (int_population: BPS var 31, else Dukcapil 2024 S2) and multiplied by 100000 / 1000.
with indicators as (
    select * from {{ ref('stg_reference__indicators') }}
),

bps as (
    select
        region_code, indicator_code, year, value, source, as_of_date, manifest_id,
        period_basis, 'as_published' as value_basis, 1 as source_priority
    from {{ ref('int_bps__indicator_values') }}
),

spreadsheet_ranked as (
    select
        resolved.*,
        row_number() over (
            partition by region_code, indicator_code, year
            order by extracted_at desc, file_name desc
        ) as value_rank
    from {{ ref('int_spreadsheet__indicator_values_resolved') }} as resolved
    where region_code is not null
      and value is not null
      and year is not null
),

spreadsheet as (
    select
        spreadsheet_ranked.region_code,
        spreadsheet_ranked.indicator_code,
        spreadsheet_ranked.year,
        case
            when spreadsheet_ranked.unit in ('count', 'jumlah') and lower(indicators.unit) like 'per 100k%'
                then spreadsheet_ranked.value / nullif(population.population, 0) * 100000
            when spreadsheet_ranked.unit in ('count', 'jumlah') and lower(indicators.unit) like 'per 1000%'
                then spreadsheet_ranked.value / nullif(population.population, 0) * 1000
            else spreadsheet_ranked.value
        end as value,
        'spreadsheet' as source,
        coalesce(spreadsheet_ranked.as_of_date, cast(spreadsheet_ranked.extracted_at as date)) as as_of_date,
        spreadsheet_ranked.manifest_id,
        'annual' as period_basis,
        case
            when spreadsheet_ranked.unit in ('count', 'jumlah') and lower(indicators.unit) like 'per 1%'
                then 'per_capita_from_count:' || coalesce(population.population_source, 'none')
            else 'as_published'
        end as value_basis,
        2 as source_priority
    from spreadsheet_ranked
    left join indicators
        on indicators.indicator_code = spreadsheet_ranked.indicator_code
    left join {{ ref('int_population') }} as population
        on population.region_code = spreadsheet_ranked.region_code
        and population.year = spreadsheet_ranked.year
    where spreadsheet_ranked.value_rank = 1
),

regency as (
    -- PG06 (smart city budget in the APBD, IDR) from the regency systems' budget realisation
    select
        region_code, 'PG06' as indicator_code, year, budget_idr as value, 'regency' as source,
        cast(extracted_at as date) as as_of_date, manifest_id,
        'annual' as period_basis, 'latest_month_of_year' as value_basis, 4 as source_priority
    from {{ ref('int_regency__budget_by_year') }}
    where budget_idr is not null
),

ckan as (
    select
        region_code, indicator_code, year, value, 'ckan' as source,
        cast(extracted_at as date) as as_of_date, manifest_id,
        'annual' as period_basis, 'derived_cumulative_count' as value_basis, 3 as source_priority
    from {{ ref('int_ckan__open_datasets') }}
)

select * from bps
union all
select * from spreadsheet
union all
select * from ckan
union all
select * from regency
