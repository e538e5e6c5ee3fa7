{#-
  Region-key resolution against int_region_key_lookup. Every source resolves its key the same way:
    1. the code, looked up in the key family of the source (kemendagri: current, old 2021 and no-dot
       forms; bps: the BPS 2018 code);
    2. else the name, normalised (normalise_region_name) and matched to full names, BPS names,
       2021 names and unambiguous short names.
  Unresolved rows keep region_code NULL and a reason, and are counted in fct_unresolved_region_keys.

  Usage (alias `rk` unless given):
      select ..., {{ resolved_region_code() }} as region_code, {{ region_resolution('code', 'name') }} as resolution
      from x {{ region_resolution_joins('x.code', 'x.name', 'kemendagri') }}
-#}
{% macro region_resolution_joins(code_expr, name_expr, code_key_type='kemendagri', alias='rk') -%}
left join {{ ref('int_region_key_lookup') }} as {{ alias }}_code
    on {{ alias }}_code.key_type = '{{ code_key_type }}'
    and {{ alias }}_code.key_value = trim(cast({{ code_expr }} as varchar))
left join {{ ref('int_region_key_lookup') }} as {{ alias }}_name
    on {{ alias }}_name.key_type = 'name'
    and {{ alias }}_name.key_value = {{ normalise_region_name(name_expr) }}
{%- endmacro %}

{% macro resolved_region_code(alias='rk') -%}
coalesce({{ alias }}_code.region_code, {{ alias }}_name.region_code)
{%- endmacro %}

{% macro region_resolution(code_expr, name_expr, alias='rk') -%}
case
    when {{ alias }}_code.region_code is not null then {{ alias }}_code.match_rule
    when {{ alias }}_name.region_code is not null then {{ alias }}_name.match_rule
    when {{ alias }}_name.is_ambiguous then 'unresolved_ambiguous_name'
    when nullif(trim(cast({{ code_expr }} as varchar)), '') is null
         and nullif(trim(cast({{ name_expr }} as varchar)), '') is null then 'unresolved_missing_key'
    else 'unresolved_unknown_key'
end
{%- endmacro %}
