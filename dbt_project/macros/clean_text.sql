{#-
  clean_text(column)

  Text from a source, trimmed and without NUL and the other control characters (C0 except tab, line
  feed and carriage return; DEL; C1). Applied once, at staging, to every text column a source chose,
  so no target ever sees them: PostgreSQL rejects NUL outright (`invalid byte sequence for encoding
  "UTF8": 0x00`, one such title blocked every publish), and the others break CSV exports and BI tools.
  The same regular expression is valid in DuckDB (RE2) and PostgreSQL (ARE).

  Use as:  {{ clean_text('organization_title') }} as organization_title
-#}
{% macro clean_text(column) -%}
    trim(regexp_replace({{ column }}, '[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]', '', 'g'))
{%- endmacro %}
