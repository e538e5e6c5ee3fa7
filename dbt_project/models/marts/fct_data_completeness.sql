-- Data completeness and staleness per region x source x year, so an analyst sees how far each
-- score can be trusted.
--   n_indicators_expected: bps = the catalogue indicators mapped to a BPS variable (seed
--     bps_indicator_variables); spreadsheet / ckan = the indicators that source delivered for any
--     region that year; regency = NULL (records, not indicators).
--   n_records: values (bps, spreadsheet, ckan) or regency budget-realisation lines of that year.
--   staleness_days: days from the newest extraction of that region x source to the build date;
--     is_stale when above var stale_after_days or never extracted.
with sources as (
    select 'bps' as source union all
    select 'spreadsheet' union all
    select 'ckan' union all
    select 'regency'
),

spine as (
    select regions.region_code, sources.source, years.year
    from {{ ref('stg_reference__regions') }} as regions
    cross join sources
    cross join ({{ year_spine() }}) as years
),

indicator_values as (
    select * from {{ ref('int_indicator_values_unioned') }}
),

present as (
    -- catalogue indicators only: helper series such as population (POP) are not expected, so not counted
    select region_code, source, year,
           count(distinct indicator_code) as n_indicators_present,
           count(*) as n_records
    from indicator_values
    where indicator_code in (select indicator_code from {{ ref('stg_reference__indicators') }})
    group by region_code, source, year
),

expected as (
    select 'bps' as source, years.year, count(*) as n_indicators_expected
    from {{ ref('stg_reference__bps_indicator_variables') }} as variables
    cross join ({{ year_spine() }}) as years
    where variables.indicator_code in (select indicator_code from {{ ref('stg_reference__indicators') }})
    group by years.year
    union all
    select source, year, count(distinct indicator_code)
    from indicator_values
    where source not in ('bps', 'regency')
    group by source, year
),

regency_records as (
    select region_code, 'regency' as source, cast(year as integer) as year, count(*) as n_records
    from (
        select resolved.region_code, budget.year
        from {{ ref('stg_regency__budget_realisation') }} as budget
        inner join {{ ref('int_regency__records_resolved') }} as resolved
            on resolved.dataset = 'budget_realisation'
            and resolved.system = budget.system
            and resolved.item_id = budget.budget_line_id
        where resolved.region_code is not null
    ) as budget_lines
    group by region_code, year
),

extractions as (
    select region_code, 'bps' as source, max(extracted_at) as last_extracted_at, max(year) as last_year_with_data
    from {{ ref('int_bps__observations_resolved') }}
    where region_code is not null
    group by region_code
    union all
    select region_code, 'spreadsheet', max(extracted_at), max(year)
    from {{ ref('int_spreadsheet__indicator_values_resolved') }}
    where region_code is not null
    group by region_code
    union all
    select region_code, 'ckan', max(extracted_at), max(published_year)  -- dated by the data when migrated
    from {{ ref('int_ckan__packages_resolved') }}
    where region_code is not null
    group by region_code
    union all
    select region_code, 'regency', max(extracted_at), cast(null as integer)
    from {{ ref('int_regency__records_resolved') }}
    where region_code is not null
    group by region_code
),

unreachable_portals as (
    -- portals covering the region (its own, its province's, the national one) that are blocked or gone
    select
        regions.region_code,
        max(case when states.state = 'blocked' then 2 else 1 end) as worst,
        {{ dbt.listagg("states.portal || ' ' || states.state || ' (last reached ' || coalesce(cast(states.last_reached_on as varchar), 'never') || ')'", "'; '", "order by states.portal") }} as portals_unreachable
    from {{ ref('stg_reference__regions') }} as regions
    inner join {{ ref('int_ckan__portal_states') }} as states
        on states.region_code = regions.region_code
        or (states.region_code is null and states.province_code = regions.province_code)
        or (states.region_code is null and states.province_code is null)
    where states.state in ('blocked', 'gone')
    group by regions.region_code
)

select
    cast(spine.region_code as varchar) as region_code,
    cast(spine.source as varchar) as source,
    cast(spine.year as integer) as year,
    cast(expected.n_indicators_expected as integer) as n_indicators_expected,
    cast(case when spine.source <> 'regency' then coalesce(present.n_indicators_present, 0) end as integer) as n_indicators_present,
    cast(
        cast(coalesce(present.n_indicators_present, 0) as float8)
        / nullif(case when spine.source <> 'regency' then expected.n_indicators_expected end, 0)
    as float8) as coverage_ratio,
    cast(coalesce(regency_records.n_records, present.n_records, 0) as integer) as n_records,
    cast(extractions.last_extracted_at as timestamp) as last_extracted_at,
    cast(extractions.last_year_with_data as integer) as last_year_with_data,
    cast({{ dbt.datediff('cast(extractions.last_extracted_at as date)', 'current_date', 'day') }} as integer) as staleness_days,
    coalesce(
        {{ dbt.datediff('cast(extractions.last_extracted_at as date)', 'current_date', 'day') }} > {{ var('stale_after_days') }},
        true
    ) as is_stale,
    cast(case when spine.source = 'ckan' then
        case unreachable_portals.worst when 2 then 'blocked' when 1 then 'gone' else 'active' end
    end as varchar) as portal_state,
    cast(case when spine.source = 'ckan' then unreachable_portals.portals_unreachable end as varchar) as portals_unreachable
from spine
left join present
    on present.region_code = spine.region_code
    and present.source = spine.source
    and present.year = spine.year
left join expected
    on expected.source = spine.source
    and expected.year = spine.year
left join regency_records
    on regency_records.region_code = spine.region_code
    and regency_records.source = spine.source
    and regency_records.year = spine.year
left join extractions
    on extractions.region_code = spine.region_code
    and extractions.source = spine.source
left join unreachable_portals
    on unreachable_portals.region_code = spine.region_code
