-- BPS region x indicator x year cells that give no value by rule, with the reason: reported, never
-- averaged or guessed.
--   no_total_turvar: only breakdowns (urban / rural, male / female, ...) and no total derived variable
--   no_period_rule:  only sub-periods (semesters, quarters, months, rounds) the indicator's
--                    annual_period rule does not name
with cells as (
    select resolved.*
    from {{ ref('int_bps__observations_resolved') }} as resolved
    inner join {{ ref('stg_reference__regions') }} as regions
        on regions.region_code = resolved.region_code
    where resolved.value is not null
),

flagged as (
    select
        region_code,
        indicator_code,
        year,
        max(annual_period) as annual_period,
        bool_or(
            turvar_id = '0'
            or turvar_key in ('tidakada', '', 'jumlah', 'total', 'perkotaan+perdesaan', 'laki-laki+perempuan')
            or position('|' || turvar_key || '|' in '|' || coalesce(total_turvar, '') || '|') > 0
        ) as has_total,
        string_agg(distinct turvar_label, ', ') as turvar_labels,
        string_agg(distinct cast(turtahun_id as varchar) || ' ' || coalesce(turtahun_label, ''), ', ') as periods
    from cells
    group by region_code, indicator_code, year
)

select
    flagged.region_code,
    flagged.indicator_code,
    flagged.year,
    case when not flagged.has_total then 'no_total_turvar' else 'no_period_rule' end as reason,
    case
        when not flagged.has_total then 'derived variables without a total: ' || flagged.turvar_labels
        else 'periods ' || flagged.periods || ' and rule ' || coalesce(flagged.annual_period, 'none')
    end as detail
from flagged
left join {{ ref('int_bps__indicator_values') }} as chosen
    on chosen.region_code = flagged.region_code
    and chosen.indicator_code = flagged.indicator_code
    and chosen.year = flagged.year
where chosen.region_code is null
