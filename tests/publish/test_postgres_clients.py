"""What a BI tool needs from PostgreSQL: the database is created when missing (or a one-line error says
what to run), quality.validation_results is there for the reader role, and dbt's descriptions arrive as
table and column comments."""
from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

psycopg = pytest.importorskip("psycopg")
from psycopg.conninfo import make_conninfo  # noqa: E402

from smartcity.postgres import PostgresPublishError, publish_marts_to_postgres  # noqa: E402

pytestmark = pytest.mark.postgres
PASSWORD = "bi-secret"
TABLE_COMMENT = "One row per kabupaten/kota (Kemendagri codes), with its province and cohort."
COLUMN_COMMENT = "Kemendagri region code, e.g. 32.10; text, never a number."


@pytest.fixture(scope="module")
def candidate(tmp_path_factory):
    """A small candidate as the pipeline leaves it: marts with dbt's persist_docs comments, and the GX
    results of its audit in quality.validation_results."""
    import duckdb

    from expectations import runner
    from expectations.samples import build_sample_warehouse

    folder = tmp_path_factory.mktemp("pg_clients")
    path = build_sample_warehouse(folder / "candidate-manual__2026-01-01T00:00:00+00:00.duckdb", version=1,
                                  years=(2020, 2021), indicators=("SE01",))
    con = duckdb.connect(str(path))
    try:
        con.execute(f"comment on table marts.dim_region is '{TABLE_COMMENT}'")
        con.execute(f"comment on column marts.dim_region.region_code is '{COLUMN_COMMENT}'")
    finally:
        con.close()
    results = [runner.ExpectationResult(
        suite="marts", table_name="marts.dim_region", expectation=f"expect_column_values_to_be_unique(c{i})",
        description="codes are unique", severity="critical", success=i != 2, observed_value=str(i),
        unexpected_count=0, element_count=514, expectation_type="expect_column_values_to_be_unique",
        column_name=f"c{i}") for i in range(3)]
    audit = runner.AuditResult(run_id="manual__2026-01-01T00:00:00+00:00",
                               validated_at=datetime(2026, 1, 1, tzinfo=timezone.utc), results=results)
    runner.record_results(path, audit, state_dir=folder / "state")
    return path


@pytest.fixture
def new_database(postgres_dsn):
    """A unique database name that does not exist yet; dropped (with any roles made) afterwards."""
    name = f"sc_clients_{uuid.uuid4().hex[:10]}"
    roles: list[str] = []
    yield name, roles
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')
        for role in roles:
            admin.execute(f'drop role if exists "{role}"')


def test_missing_database_is_created(new_database, postgres_dsn, candidate):
    name, roles = new_database
    dsn = make_conninfo(postgres_dsn, dbname=name)
    with pytest.raises(psycopg.OperationalError, match="does not exist"):   # the trap, as it was
        psycopg.connect(dsn).close()
    reader = f"sc_reader_{uuid.uuid4().hex[:8]}"
    roles.append(reader)
    result = publish_marts_to_postgres(candidate, dsn, PASSWORD, reader=reader)
    assert result["tables"]["dim_region"] == 514
    with psycopg.connect(dsn, autocommit=True) as conn:
        assert conn.execute("select count(*) from marts.dim_region").fetchone()[0] == 514


def test_missing_database_without_createdb_says_what_to_run(new_database, postgres_dsn, candidate):
    name, roles = new_database
    owner = f"sc_nocreatedb_{uuid.uuid4().hex[:8]}"
    roles.append(owner)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'create role "{owner}" login nosuperuser nocreatedb nocreaterole')
    dsn = make_conninfo(postgres_dsn, user=owner, dbname=name)
    with pytest.raises(PostgresPublishError) as info:
        publish_marts_to_postgres(candidate, dsn, None)
    message = str(info.value)
    assert "\n" not in message
    assert f"database {name} does not exist" in message and f"role {owner} may not create databases" in message
    assert f"createdb -h 127.0.0.1 -p 5432 -O {owner} {name}" in message
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        assert admin.execute("select 1 from pg_database where datname = %s", [name]).fetchone() is None


def test_validation_results_and_comments_reach_postgres(new_database, postgres_dsn, candidate):
    name, roles = new_database
    dsn = make_conninfo(postgres_dsn, dbname=name)
    reader = f"sc_reader_{uuid.uuid4().hex[:8]}"
    roles.append(reader)
    result = publish_marts_to_postgres(candidate, dsn, PASSWORD, reader=reader)
    assert result["quality"] == {"schema": "quality", "tables": {"validation_results": 3}}
    publish_marts_to_postgres(candidate, dsn, PASSWORD, reader=reader)     # a republish replaces, no duplicates
    with psycopg.connect(make_conninfo(dsn, user=reader, password=PASSWORD), autocommit=True) as bi:
        rows = bi.execute("select run_id, suite, table_name, success, element_count from "
                          "quality.validation_results order by expectation").fetchall()
        assert rows == [("manual__2026-01-01T00:00:00+00:00", "marts", "marts.dim_region", i != 2, 514)
                        for i in range(3)]
        # what a BI tool's schema browser reads: pg_description through obj_description / col_description
        table_comment = bi.execute("select obj_description('marts.dim_region'::regclass, 'pg_class')").fetchone()[0]
        column_comment = bi.execute(
            "select col_description('marts.dim_region'::regclass, a.attnum) from pg_attribute a "
            "where a.attrelid = 'marts.dim_region'::regclass and a.attname = 'region_code'").fetchone()[0]
        quality_comment = bi.execute(
            "select obj_description('quality.validation_results'::regclass, 'pg_class')").fetchone()[0]
        bi.execute("set default_transaction_read_only = off")    # a session may lift it: no privilege anyway
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("delete from quality.validation_results")
    assert table_comment == TABLE_COMMENT
    assert column_comment == COLUMN_COMMENT
    assert quality_comment and "Great Expectations" in quality_comment


def test_other_connection_errors_are_not_taken_for_a_missing_database(postgres_dsn, candidate):
    role = f"sc_nobody_{uuid.uuid4().hex[:8]}"
    with pytest.raises(psycopg.OperationalError, match=f'role "{role}" does not exist'):
        publish_marts_to_postgres(candidate, make_conninfo(postgres_dsn, user=role, dbname="postgres"), None)
