-- Rows that could not be attributed, counted per source, dataset, reason and key: nothing is
-- dropped silently. Reasons: unresolved_unknown_key, unresolved_ambiguous_name,
-- unresolved_missing_key, unresolved_province_level (CKAN), aggregate_level (BPS province /
-- national rows, expected), unmapped_variable (BPS variable not in bps_indicator_variables),
-- unknown_indicator (spreadsheet indicator code not in the catalogue), unknown_component (PG02 row
-- whose evaluation component is not one of the five), missing_year (spreadsheet value without a year).
with unresolved as (
    select 'bps' as source, 'observations' as dataset,
           case when is_aggregate then 'aggregate_level' else resolution end as reason,
           vervar_id as key_code, vervar_label as key_name, year, 1 as n_rows
    from {{ ref('int_bps__observations_resolved') }}
    where region_code is null

    union all
    select 'bps', 'observations', 'unmapped_variable', var_id, max(var_label), max(year), count(*)
    from {{ ref('stg_bps__observations') }}
    where indicator_code is null
      and var_id not in (select var_id from {{ ref('stg_reference__bps_indicator_variables') }})
    group by var_id

    union all
    select 'spreadsheet', 'indicators', resolution, region_code_raw, region_name_raw, year, 1
    from {{ ref('int_spreadsheet__indicator_values_resolved') }}
    where region_code is null

    union all
    select 'spreadsheet', 'indicators', 'missing_year', region_code, region_name_raw, cast(null as integer), 1
    from {{ ref('int_spreadsheet__indicator_values_resolved') }}
    where region_code is not null
      and year is null

    union all
    select 'spreadsheet', 'indicators', 'unknown_indicator', indicator_code, cast(null as varchar), year, 1
    from {{ ref('int_spreadsheet__indicator_values_resolved') }}
    where region_code is not null
      and indicator_code not in (select indicator_code from {{ ref('stg_reference__indicators') }})

    union all
    select 'spreadsheet', 'indicators', resolution, region_code_raw, region_name_raw, year, 1
    from {{ ref('int_spreadsheet__evaluation_scores_resolved') }}
    where region_code is null

    union all
    select 'spreadsheet', 'indicators', 'unknown_component', indicator_code, region_name_raw, year, 1
    from {{ ref('int_spreadsheet__evaluation_scores_resolved') }}
    where region_code is not null
      and score_type = 'component'
      and component is null

    union all
    select 'ckan', 'packages', resolution, organization_name, organization_title,
           cast(extract(year from created_at) as integer), 1
    from {{ ref('int_ckan__packages_resolved') }}
    where region_code is null

    union all
    select 'regency', dataset, resolution, region_code_raw, coalesce(region_name_raw, system),
           cast(null as integer), n_records
    from {{ ref('int_regency__records_resolved') }}
    where region_code is null
)

select
    cast(source as varchar) as source,
    cast(dataset as varchar) as dataset,
    cast(reason as varchar) as reason,
    cast(key_code as varchar) as key_code,
    cast(key_name as varchar) as key_name,
    cast(min(year) as integer) as first_year,
    cast(max(year) as integer) as last_year,
    cast(sum(n_rows) as bigint) as n_rows
from unresolved
group by source, dataset, reason, key_code, key_name
