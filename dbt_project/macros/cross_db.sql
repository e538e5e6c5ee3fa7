{#- Portable helpers; anything engine-specific is dispatched per adapter. -#}

{#- Cast text to a number, NULL when it does not parse ('-', '', 'n/a'). Indonesian notation is read
    where it cannot be mistaken for a machine number: '1.234,56', '12,5' and '1.234.567' (several
    thousands groups); a lone '1.234' stays 1.234 (a decimal point, as APIs write it). -#}
{% macro safe_cast_number(expr, data_type='float8') -%}
    {{ return(adapter.dispatch('safe_cast_number', 'smartcity')(expr, data_type)) }}
{%- endmacro %}

{% macro indonesian_number_patterns() -%}
    {{ return({
        'thousands': '^[-+]?[0-9]{1,3}([.][0-9]{3})+,[0-9]+$|^[-+]?[0-9]{1,3}([.][0-9]{3}){2,}$',
        'decimal_comma': '^[-+]?[0-9]+,[0-9]+$',
        'plain': '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$',
    }) }}
{%- endmacro %}

{% macro default__safe_cast_number(expr, data_type) -%}
    {%- set p = smartcity.indonesian_number_patterns() -%}
    {%- set text = "trim(cast(" ~ expr ~ " as varchar))" -%}
    case
        when {{ text }} ~ '{{ p.thousands }}'
            then cast(replace(replace({{ text }}, '.', ''), ',', '.') as {{ data_type }})
        when {{ text }} ~ '{{ p.decimal_comma }}'
            then cast(replace({{ text }}, ',', '.') as {{ data_type }})
        when {{ text }} ~ '{{ p.plain }}'
            then cast({{ text }} as {{ data_type }})
    end
{%- endmacro %}

{% macro duckdb__safe_cast_number(expr, data_type) -%}
    {%- set p = smartcity.indonesian_number_patterns() -%}
    {%- set text = "trim(cast(" ~ expr ~ " as varchar))" -%}
    case
        when regexp_matches({{ text }}, '{{ p.thousands }}')
            then try_cast(replace(replace({{ text }}, '.', ''), ',', '.') as {{ data_type }})
        when regexp_matches({{ text }}, '{{ p.decimal_comma }}')
            then try_cast(replace({{ text }}, ',', '.') as {{ data_type }})
        else try_cast({{ text }} as {{ data_type }})
    end
{%- endmacro %}

{#- Region-name key: lower case, prefixes unified (Kab./Pemkab -> kabupaten, Pemkot/Kota Adm. -> kota,
    'Pemerintah' dropped), then everything but a-z0-9 removed.
    'Kab. Musi Rawas' = 'KABUPATEN MUSI RAWAS' = 'kabupaten-musi-rawas' -> 'kabupatenmusirawas'. -#}
{% macro normalise_region_name(expr) -%}
    regexp_replace(
        regexp_replace(
            regexp_replace(
                regexp_replace(
                    regexp_replace(lower(trim(cast({{ expr }} as varchar))), '^pemerintah[ .]+', ''),
                    '^(kabupaten|kab[.]|kab |pemkab[ .])[ ]*', 'kabupaten '),
                '^(kota administrasi|kota adm[.]|kota adm |pemkot[ .])[ ]*', 'kota '),
            '^kabupaten administrasi ', 'kabupaten '),
        '[^a-z0-9]', '', 'g')
{%- endmacro %}

{#- Year spine first_year..last_year as a portable UNION ALL. -#}
{% macro year_spine(first_year=none, last_year=none) -%}
    {%- set y0 = (first_year or var('first_year')) | int -%}
    {%- set y1 = (last_year or var('last_year')) | int -%}
    {%- for y in range(y0, y1 + 1) %}
    select cast({{ y }} as integer) as year{{ " union all" if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#- Timestamp -> date, portable. -#}
{% macro to_date(expr) -%}
    cast({{ expr }} as date)
{%- endmacro %}

{#- Text -> date from the first 10 characters (YYYY-MM-DD), NULL when it does not parse. -#}
{% macro safe_cast_date(expr) -%}
    {{ return(adapter.dispatch('safe_cast_date', 'smartcity')(expr)) }}
{%- endmacro %}

{% macro default__safe_cast_date(expr) -%}
    case
        when substr(trim(cast({{ expr }} as varchar)), 1, 10) ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'
            then cast(substr(trim(cast({{ expr }} as varchar)), 1, 10) as date)
    end
{%- endmacro %}

{% macro duckdb__safe_cast_date(expr) -%}
    try_cast(substr(trim(cast({{ expr }} as varchar)), 1, 10) as date)
{%- endmacro %}

{#- Round a float to n decimals, returning float8 (PostgreSQL has round(numeric, int) only). -#}
{% macro round_float(expr, n) -%}
    {{ return(adapter.dispatch('round_float', 'smartcity')(expr, n)) }}
{%- endmacro %}

{% macro default__round_float(expr, n) -%}
    cast(round(cast({{ expr }} as numeric), {{ n }}) as float8)
{%- endmacro %}

{% macro duckdb__round_float(expr, n) -%}
    cast(round(cast({{ expr }} as double), {{ n }}) as float8)
{%- endmacro %}
