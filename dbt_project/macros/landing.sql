{#-
  landing_relation(source_name, table_name)

  Returns a parenthesised SELECT over a landing-zone dataset that always has exactly the columns
  declared for the source table in YAML (name + data_type), whatever the files contain:
    * a declared column missing from the data becomes a typed NULL (schema drift, optional columns);
    * a dataset with no file at all (e.g. no spreadsheet drop yet) becomes an empty typed relation,
      so the build never breaks because a source has not delivered yet;
    * timestamps with time zone are converted to UTC timestamps; text is cast safely to numbers.

  DuckDB: the landing zone is read in place through the source's `external_location`
  (read_parquet with hive partitioning); `glob()` checks that at least one file matches first,
  because read_parquet errors on an empty match.
  PostgreSQL: the Python side has loaded the Parquet into raw.<source>__<dataset>
  (smartcity.postgres.load_raw_to_postgres: partition path in `_partition`, from which missing
  partition-key columns such as `system` are recovered); a missing table yields the empty typed
  relation; meta `postgres_table_pattern` unions several tables (all spreadsheet datasets).

  Use as:  from {{ landing_relation('bps', 'observations') }} as src
-#}
{% macro landing_relation(source_name, table_name) -%}
    {%- set src = source(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return(src) }}
    {%- endif -%}
    {%- set node = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | selectattr('name', 'equalto', table_name) | first -%}
    {{ return(adapter.dispatch('landing_relation', 'smartcity')(src, node)) }}
{%- endmacro %}

{% macro default__landing_relation(src, node) -%}
    {#- The raw table, or with meta `postgres_table_pattern` every raw table matching it (e.g. every
        spreadsheet dataset: raw.spreadsheet__indicators, raw.spreadsheet__evaluasi, ...), unioned. -#}
    {%- set meta = node.config.get('meta', {}) or node.meta -%}
    {%- set pattern = meta.get('postgres_table_pattern') -%}
    {%- if pattern -%}
        {%- set found = run_query(
            "select table_name from information_schema.tables where table_schema = '" ~ src.schema
            ~ "' and table_name like '" ~ pattern ~ "' order by table_name") -%}
        {%- set identifiers = found.columns[0].values() -%}
    {%- else -%}
        {%- set identifiers = [src.identifier] -%}
    {%- endif -%}
    {%- set selects = [] -%}
    {%- for identifier in identifiers -%}
        {%- set rel = adapter.get_relation(database=src.database, schema=src.schema, identifier=identifier) -%}
        {%- if rel is not none -%}
            {%- set present = {} -%}
            {%- for col in adapter.get_columns_in_relation(rel) -%}
                {%- do present.update({(col.name | lower): (col.data_type | lower)}) -%}
            {%- endfor -%}
            {%- do selects.append(smartcity.landing_select(rel, node, present)) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if selects | length == 0 -%}
        {{ return(smartcity.empty_landing_relation(node)) }}
    {%- elif selects | length == 1 -%}
        {{ return(selects[0]) }}
    {%- else -%}
        {{ return('(' ~ (selects | join('\nunion all\n')) ~ ')') }}
    {%- endif -%}
{%- endmacro %}

{% macro postgres__landing_relation(src, node) -%}
    {{ return(smartcity.default__landing_relation(src, node)) }}
{%- endmacro %}

{% macro duckdb__landing_relation(src, node) -%}
    {%- set meta = node.config.get('meta', {}) or node.meta -%}
    {%- set landing_glob = meta.get('landing_glob') or node.meta.get('landing_glob') -%}
    {%- set pattern = var('raw_dir') ~ '/' ~ landing_glob -%}
    {%- set matches = run_query("select count(*) from glob('" ~ pattern | replace("'", "''") ~ "')") -%}
    {%- if (matches.columns[0].values()[0] | int) == 0 -%}
        {{ log('landing zone: no file matches ' ~ pattern ~ ' -> empty ' ~ node.source_name ~ '.' ~ node.name, info=true) }}
        {{ return(smartcity.empty_landing_relation(node)) }}
    {%- endif -%}
    {#- Build the reader from the source's external_location template and var('raw_dir'), so that
        the landing zone path has a single definition (dbt_project.yml var raw_dir). -#}
    {%- set template = node.config.get('external_location') or meta.get('external_location') -%}
    {%- set reader = template | replace('{raw_dir}', var('raw_dir') | replace("'", "''")) -%}
    {%- set described = run_query('describe select * from ' ~ reader) -%}
    {%- set present = {} -%}
    {%- for row in described.rows -%}
        {%- do present.update({(row[0] | lower): (row[1] | lower)}) -%}
    {%- endfor -%}
    {{ return(smartcity.landing_select(reader, node, present)) }}
{%- endmacro %}

{% macro landing_select(relation, node, present) -%}
(
    select
    {%- for name, col in node.columns.items() %}
        {%- set declared = (col.data_type or 'varchar') | lower %}
        {%- set actual = present.get(name | lower) %}
        {%- if actual is none and '_partition' in present %}
        {# loaded without hive columns (smartcity.postgres.load_raw_to_postgres keeps the partition
           path in _partition, e.g. 'system=monev'): take the key's value from it #}
        cast({{ smartcity.partition_value('"_partition"', name) }} as {{ declared }}) as {{ adapter.quote(name) }}
        {%- elif actual is none %}
        cast(null as {{ declared }}) as {{ adapter.quote(name) }}
        {%- elif declared == 'timestamp' and 'time zone' in actual %}
        cast({{ adapter.quote(name) }} at time zone 'UTC' as timestamp) as {{ adapter.quote(name) }}
        {%- elif declared in ('float8', 'integer', 'bigint') and (actual in ('varchar', 'text') or 'char' in actual) %}
        {{ smartcity.safe_cast_number(adapter.quote(name), declared) }} as {{ adapter.quote(name) }}
        {%- else %}
        cast({{ adapter.quote(name) }} as {{ declared }}) as {{ adapter.quote(name) }}
        {%- endif %}{{ "," if not loop.last }}
    {%- endfor %}
    from {{ relation }}
)
{%- endmacro %}

{% macro empty_landing_relation(node) -%}
(
    select
    {%- for name, col in node.columns.items() %}
        cast(null as {{ (col.data_type or 'varchar') | lower }}) as {{ adapter.quote(name) }}{{ "," if not loop.last }}
    {%- endfor %}
    where 1 = 0
)
{%- endmacro %}

{#- Value of key `key` in a hive partition path such as 'portal=jatim/batch=0' (NULL if absent). -#}
{% macro partition_value(path_expr, key) -%}
    {{ return(adapter.dispatch('partition_value', 'smartcity')(path_expr, key)) }}
{%- endmacro %}

{% macro default__partition_value(path_expr, key) -%}
    substring({{ path_expr }} from '(?:^|/){{ key }}=([^/]+)')
{%- endmacro %}

{% macro duckdb__partition_value(path_expr, key) -%}
    nullif(regexp_extract({{ path_expr }}, '(?:^|/){{ key }}=([^/]+)', 1), '')
{%- endmacro %}
