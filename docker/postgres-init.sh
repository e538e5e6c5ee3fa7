#!/bin/bash
# The warehouse's PostgreSQL database (marts for BI tools), beside Airflow's metadata database, and the
# BI reader role. Roles are made here, once, by the superuser: the `smartcity` role that publishes owns
# its database but has no CREATEROLE, so it never creates or alters roles (docker/bi_reader.sql).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v pw="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE smartcity LOGIN PASSWORD :'pw';
CREATE DATABASE smartcity OWNER smartcity;
SQL
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v reader="${SMARTCITY_BI_READER_ROLE:-bi_reader}" -v pw="${SMARTCITY_BI_READER_PASSWORD:-}" \
  -v lockdown="postgres template1 ${POSTGRES_DB:-airflow} smartcity" -f /smartcity-init/bi_reader.sql
if [ -z "${SMARTCITY_BI_READER_PASSWORD:-}" ]; then
  echo "SMARTCITY_BI_READER_PASSWORD is empty: the BI reader cannot log in until a password is set" >&2
fi
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname smartcity \
  -c "GRANT CONNECT ON DATABASE smartcity TO \"${SMARTCITY_BI_READER_ROLE:-bi_reader}\""
