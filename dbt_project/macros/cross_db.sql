{#- Portable helpers; anything engine-specific is dispatched per adapter. -#}

{#- Cast text to a number, NULL when it does not parse ('-', '', 'n/a'). -#}
{% macro safe_cast_number(expr, data_type='float8') -%}
    {{ return(adapter.dispatch('safe_cast_number', 'smartcity')(expr, data_type)) }}
{%- endmacro %}

{% macro default__safe_cast_number(expr, data_type) -%}
    case
        when trim(cast({{ expr }} as varchar)) ~ '^[-+]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][-+]?[0-9]+)?$'
            then cast(trim(cast({{ expr }} as varchar)) as {{ data_type }})
    end
{%- endmacro %}

{% macro duckdb__safe_cast_number(expr, data_type) -%}
    try_cast(trim(cast({{ expr }} as varchar)) as {{ data_type }})
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
