-- depends_on: {{ ref('smart_city_evaluasi_komponen') }}
-- depends_on: {{ ref('evaluation_weight_versions') }}
-- The wide reference file (one `bobot_versi_<x>` weight column and one `sumber_versi_<x>` source column
-- per weight version) in long form: one row per component and weight version, with the evaluation years
-- the version applies to. Data-driven: every row of the seed `evaluation_weight_versions` names its
-- weight column (`reference_column`); a new version is a new column pair in the components seed and a
-- new row in the versions seed, no SQL (docs/operations.md).
{%- set versions = [] -%}
{%- if execute -%}
    {%- set rows = run_query("select weight_version, reference_column from "
                             ~ ref('evaluation_weight_versions') ~ " order by weight_version") -%}
    {%- set columns = adapter.get_columns_in_relation(ref('smart_city_evaluasi_komponen'))
                      | map(attribute='name') | map('lower') | list -%}
    {%- for row in rows -%}
        {%- set weight_column = row[1] | trim | lower -%}
        {%- if weight_column not in columns -%}
            {{ exceptions.raise_compiler_error("evaluation_weight_versions: version " ~ row[0] ~ " names column "
               ~ weight_column ~ ", which seed smart_city_evaluasi_komponen does not have (columns: "
               ~ columns | join(', ') ~ ")") }}
        {%- endif -%}
        {%- set source_column = weight_column | replace('bobot_', 'sumber_', 1) -%}
        {%- do versions.append({'version': row[0] | trim, 'weight': weight_column,
                                'source': source_column if source_column in columns else none}) -%}
    {%- endfor -%}
{%- endif %}

with long_weights as (
{%- for v in versions %}
    select trim(komponen) as component, '{{ v.version }}' as weight_version,
           cast({{ adapter.quote(v.weight) }} as float8) as weight,
           {% if v.source %}trim(cast({{ adapter.quote(v.source) }} as varchar)){% else %}cast(null as varchar){% endif %} as source_url
    from {{ ref('smart_city_evaluasi_komponen') }}
    {% if not loop.last %}union all{% endif %}
{%- else %}
    -- parse time (no data yet): the shape only
    select cast(null as varchar) as component, cast(null as varchar) as weight_version,
           cast(null as float8) as weight, cast(null as varchar) as source_url
    where false
{%- endfor %}
)

select
    long_weights.component,
    long_weights.weight_version,
    long_weights.weight,
    cast(versions.valid_from_year as integer) as valid_from_year,
    cast(versions.valid_to_year as integer) as valid_to_year,
    long_weights.source_url
from long_weights
inner join {{ ref('evaluation_weight_versions') }} as versions
    on versions.weight_version = long_weights.weight_version
