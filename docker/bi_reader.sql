-- The BI reader role, created once by a role that may manage roles (the image's init runs it as the
-- PostgreSQL superuser). The publishing role (`smartcity`, owner of the marts database, no CREATEROLE)
-- then only grants SELECT on the marts it publishes; it never needs to create or alter roles.
-- psql variables: reader (role name), pw (its password), lockdown (space-separated databases where
-- PUBLIC loses CONNECT and TEMP, so the reader reaches only what it is granted).
--   psql -v reader=bi_reader -v pw=... -v lockdown='airflow postgres smartcity' -f bi_reader.sql
\set ON_ERROR_STOP on
\o /dev/null
select set_config('smartcity.reader', :'reader', false), set_config('smartcity.pw', :'pw', false),
       set_config('smartcity.lockdown', :'lockdown', false);
\o
DO $$
DECLARE
    reader text := current_setting('smartcity.reader');
    db text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = reader) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', reader);
    END IF;
    -- an empty password leaves the role without one (no login until the superuser sets it)
    EXECUTE format('ALTER ROLE %I WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS %s',
                   reader, CASE WHEN current_setting('smartcity.pw') = '' THEN 'PASSWORD NULL'
                                ELSE format('PASSWORD %L', current_setting('smartcity.pw')) END);
    -- read-only sessions that cannot hold the marts: a forgotten open transaction would block the publish
    EXECUTE format('ALTER ROLE %I SET default_transaction_read_only = on', reader);
    EXECUTE format('ALTER ROLE %I SET statement_timeout = %L', reader, '5min');
    EXECUTE format('ALTER ROLE %I SET idle_in_transaction_session_timeout = %L', reader, '30s');
    FOREACH db IN ARRAY string_to_array(current_setting('smartcity.lockdown'), ' ') LOOP
        IF db <> '' AND EXISTS (SELECT 1 FROM pg_database WHERE datname = db) THEN
            EXECUTE format('REVOKE CONNECT, TEMPORARY ON DATABASE %I FROM PUBLIC', db);
        END IF;
    END LOOP;
END
$$;
