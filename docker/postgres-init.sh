#!/bin/bash
# The warehouse's PostgreSQL database (marts for BI tools), beside Airflow's metadata database.
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v pw="$POSTGRES_PASSWORD" <<'SQL'
CREATE ROLE smartcity LOGIN PASSWORD :'pw';
CREATE DATABASE smartcity OWNER smartcity;
SQL
