-- Every key a source may use for a kabupaten/kota, mapped to the current Kemendagri code:
--   key_type 'kemendagri': PP.KK (2025), PPKK, the 2021 codes of the 26 Papua regions (91.09 -> 94.04)
--   key_type 'bps'       : BPS 2018 4-digit codes (differ from Kemendagri for 199 regions)
--   key_type 'name'      : normalised names (full, BPS, 2021, and short names when unambiguous)
-- A name shared by two regions (Kabupaten/Kota Bandung -> 'bandung') stays in the table with
-- region_code NULL and is_ambiguous = true, so that resolution can say why it failed.
with regions as (
    select * from {{ ref('stg_reference__regions') }}
),

changes as (
    select * from {{ ref('stg_reference__region_code_changes') }}
),

code_candidates as (
    select 'kemendagri' as key_type, region_code as key_value, region_code,
           'kemendagri_2025' as match_rule, 1 as priority
    from regions
    union all
    select 'kemendagri', region_code_nodot, region_code, 'kemendagri_2025_nodot', 2
    from regions
    union all
    select 'kemendagri', region_code_2021, region_code, 'kemendagri_2021', 3
    from regions
    where region_code_2021 <> region_code
    union all
    select 'kemendagri', old_region_code, region_code, 'kemendagri_2021', 3
    from changes
    union all
    select 'kemendagri', replace(old_region_code, '.', ''), region_code, 'kemendagri_2021_nodot', 4
    from changes
    union all
    select 'bps', bps_code, region_code, 'bps_2018', 1
    from regions
),

code_keys as (
    select
        key_type,
        key_value,
        region_code,
        match_rule,
        row_number() over (partition by key_type, key_value order by priority, region_code) as key_rank
    from code_candidates
),

name_candidates as (
    select {{ normalise_region_name('region_name') }} as key_value, region_code, 'name_full' as match_rule, 1 as priority
    from regions
    union all
    select {{ normalise_region_name("region_type || ' ' || bps_name") }}, region_code, 'name_bps', 2
    from regions
    union all
    select {{ normalise_region_name("region_type || ' ' || short_name") }}, region_code, 'name_full', 2
    from regions
    union all
    select {{ normalise_region_name('old_region_name') }}, region_code, 'name_2021', 3
    from changes
    union all
    select {{ normalise_region_name('short_name') }}, region_code, 'name_short', 4
    from regions
    union all
    select {{ normalise_region_name('bps_name') }}, region_code, 'name_short', 4
    from regions
),

name_keys as (
    select
        key_value,
        min(region_code) as first_region_code,
        count(distinct region_code) as n_regions,
        min(priority) as best_priority
    from name_candidates
    group by key_value
),

name_rules as (
    select
        name_candidates.key_value,
        min(name_candidates.match_rule) as match_rule
    from name_candidates
    inner join name_keys
        on name_keys.key_value = name_candidates.key_value
        and name_keys.best_priority = name_candidates.priority
    group by name_candidates.key_value
)

select
    key_type,
    key_value,
    region_code,
    match_rule,
    false as is_ambiguous
from code_keys
where key_rank = 1

union all

select
    'name' as key_type,
    name_keys.key_value,
    case when name_keys.n_regions = 1 then name_keys.first_region_code end as region_code,
    case when name_keys.n_regions = 1 then name_rules.match_rule else 'ambiguous' end as match_rule,
    name_keys.n_regions > 1 as is_ambiguous
from name_keys
inner join name_rules
    on name_rules.key_value = name_keys.key_value
where name_keys.key_value <> ''
