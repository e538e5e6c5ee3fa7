"""PostgreSQL serving: COPY-loaded marts with an atomic schema swap, a read-only bi_reader, raw loading."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

psycopg = pytest.importorskip("psycopg")
from psycopg.conninfo import conninfo_to_dict, make_conninfo  # noqa: E402

from smartcity.postgres import load_raw_to_postgres, publish_marts_to_postgres  # noqa: E402

pytestmark = pytest.mark.postgres
HERE = Path(__file__).parent
PASSWORD = "bi-secret"
QUERY = """select (select version from marts.build_info), (select fact_rows from marts.build_info), count(*),
                  count(*) filter (where manifest_id = 'manifest-' || (select version from marts.build_info)),
                  (select count(*) from marts.dim_region)
           from marts.fct_indicator_value"""


@pytest.fixture(scope="session")
def pg_dsn(postgres_dsn):
    """A fresh database for this test session, dropped at the end."""
    name = f"smartcity_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'create database "{name}"')
    params = conninfo_to_dict(postgres_dsn)
    params["dbname"] = name
    yield make_conninfo(**params)
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{name}" with (force)')


def reader_dsn(dsn):
    return make_conninfo(dsn, user="bi_reader", password=PASSWORD)


@pytest.fixture(scope="module")
def warehouses(tmp_path_factory):
    from expectations.samples import build_sample_warehouse

    folder = tmp_path_factory.mktemp("pg_wh")
    return [build_sample_warehouse(folder / f"v{v}.duckdb", version=v, years=tuple(range(2010, 2012 + v)),
                                   indicators=("SE01", "SE05", "SS03")) for v in range(1, 7)]


def test_marts_are_loaded_and_bi_reader_can_only_read_them(pg_dsn, warehouses, tmp_path):
    result = publish_marts_to_postgres(warehouses[0], pg_dsn, PASSWORD)
    assert result["tables"] == {"build_info": 1, "dim_region": 514, "fct_indicator_value": 514 * 3 * 3}
    assert result["rows_per_s"] > 0
    with psycopg.connect(pg_dsn, autocommit=True) as admin:
        admin.execute("create schema if not exists other")
        admin.execute("create table if not exists other.secret as select 1 as x")
        admin.execute("create table if not exists public.secret as select 1 as x")
        types = dict(admin.execute("select column_name, data_type from information_schema.columns "
                                   "where table_schema = 'marts' and table_name = 'fct_indicator_value'").fetchall())
    assert types["year"] == "integer" and types["value"] == "double precision" and types["as_of_date"] == "date"

    with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as reader:
        for table, rows in result["tables"].items():
            assert reader.execute(f"select count(*) from marts.{table}").fetchone()[0] == rows
        assert reader.execute(QUERY).fetchone() == (1, 1542 * 3, 1542 * 3, 1542 * 3, 514)
        refused = [
            "insert into marts.dim_region (region_code) values ('x')",
            "update marts.fct_indicator_value set value = 0",
            "delete from marts.fct_indicator_value",
            "drop table marts.dim_region",
            "create table marts.mine (x int)",
            "select * from other.secret",
            "select * from public.secret",
            "create table public.mine (x int)",
        ]
        for statement in refused:
            # read-only by default ...
            with pytest.raises(psycopg.Error):
                reader.execute(statement)
            # ... and without privileges even when the session asks for a read-write transaction
            with pytest.raises((psycopg.errors.InsufficientPrivilege, psycopg.errors.UndefinedTable)):
                with reader.transaction():
                    reader.execute("set transaction read write")
                    reader.execute(statement)
    # privileges survive the next swap
    publish_marts_to_postgres(warehouses[1], pg_dsn, PASSWORD)
    with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as reader:
        assert reader.execute(QUERY).fetchone()[0] == 2
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            with reader.transaction():
                reader.execute("set transaction read write")
                reader.execute("delete from marts.build_info")


def test_concurrent_readers_see_one_version_during_swaps(pg_dsn, warehouses):
    publish_marts_to_postgres(warehouses[0], pg_dsn, PASSWORD)
    stop = threading.Event()
    outcomes = []

    def read(query):
        seen, bad, errors, reads = set(), [], [], 0
        with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as conn:
            while not stop.is_set():
                try:
                    version, expected, rows, own, regions = conn.execute(query).fetchone()
                except psycopg.Error as exc:
                    errors.append(repr(exc))
                    continue
                reads += 1
                seen.add(version)
                if not (rows == expected == own and regions == 514):
                    bad.append((version, expected, rows, own, regions))
        outcomes.append({"reads": reads, "seen": seen, "bad": bad, "errors": errors})

    # the first reader locks fct_indicator_value first (FROM before the target list), the opposite of the
    # swapper's order (by name); the second locks build_info first, like the swapper
    same_order = """select b.version, b.fact_rows, (select count(*) from marts.fct_indicator_value),
                           (select count(*) from marts.fct_indicator_value
                            where manifest_id = 'manifest-' || b.version),
                           (select count(*) from marts.dim_region)
                    from marts.build_info b"""
    threads = [threading.Thread(target=read, args=(q,)) for q in (QUERY, same_order)]
    for t in threads:
        t.start()
    time.sleep(0.3)
    for wh in warehouses[1:]:
        publish_marts_to_postgres(wh, pg_dsn, PASSWORD)
        time.sleep(0.1)
    time.sleep(0.2)
    stop.set()
    for t in threads:
        t.join(timeout=30)
    for outcome in outcomes:
        assert outcome["errors"] == [] and outcome["bad"] == [], outcome
        assert outcome["reads"] > 10 and 6 in outcome["seen"] and len(outcome["seen"]) >= 3, outcome


@pytest.mark.slow
def test_killed_publish_leaves_old_or_new_marts(pg_dsn, warehouses):
    publish_marts_to_postgres(warehouses[0], pg_dsn, PASSWORD)
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
    rng = random.Random(3)
    for _ in range(5):
        proc = subprocess.Popen([sys.executable, str(HERE / "pg_publish_loop.py"), pg_dsn,
                                 *map(str, warehouses[1:4])], stdout=subprocess.PIPE, text=True, env=env)
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 1.2))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as reader:
            version, expected, rows, own, regions = reader.execute(QUERY).fetchone()
        assert rows == expected == own and regions == 514 and version in (1, 2, 3, 4)
    # no staging or old schema is left committed
    deadline = time.monotonic() + 10
    while True:
        with psycopg.connect(pg_dsn, autocommit=True) as admin:
            schemas = {s for (s,) in admin.execute("select nspname from pg_namespace where nspname like 'marts%'")}
        if schemas == {"marts"} or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert schemas == {"marts"}


def test_load_raw_to_postgres(pg_dsn, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = tmp_path / "raw"
    for domain, n in (("0000", 3), ("1605", 2)):
        folder = raw / "bps" / "observations" / f"domain={domain}" / "var=184"
        folder.mkdir(parents=True)
        pq.write_table(pa.table({"domain_id": [domain] * n, "var_id": [184] * n, "year": list(range(2020, 2020 + n)),
                                 "value": [1.5] * n, "value_raw": ["1,5"] * n}), folder / "data.parquet")
    folder = raw / "ckan" / "packages" / "portal=jatim" / "batch=0"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"portal": ["jatim"], "package_id": ["p1"], "resources_json": ['[{"id": 1}]'],
                             "num_resources": [1]}), folder / "data.parquet")
    (raw / ".staging" / "x").mkdir(parents=True)
    loaded = load_raw_to_postgres(raw, pg_dsn)
    assert loaded == {"bps__observations": 5, "ckan__packages": 1}
    loaded = load_raw_to_postgres(raw, pg_dsn)          # reruns replace, never duplicate
    assert loaded == {"bps__observations": 5, "ckan__packages": 1}
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        parts = conn.execute("select _partition, count(*) from raw.bps__observations group by 1 order by 1").fetchall()
        assert parts == [("domain=0000/var=184", 3), ("domain=1605/var=184", 2)]
        assert conn.execute("select value_raw from raw.bps__observations limit 1").fetchone()[0] == "1,5"
    with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as reader:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            reader.execute("select * from raw.bps__observations")


def test_publish_also_serves_postgres(pg_dsn, warehouses, project_paths):
    from smartcity import publish

    result = publish.publish(warehouses[4], postgres_dsn=pg_dsn, exports=False)
    assert result.postgres["tables"]["fct_indicator_value"] == 514 * 3 * 7
    with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as reader:
        assert reader.execute(QUERY).fetchone()[0] == 5


def test_rollback_also_serves_the_previous_version_in_postgres(pg_dsn, warehouses, project_paths):
    from smartcity import publish

    for v in (1, 2):
        publish.publish(warehouses[v - 1], postgres_dsn=pg_dsn, exports=False)
    with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as reader:
        assert reader.execute(QUERY).fetchone()[0] == 2
    with pytest.raises(publish.PublishError, match="PostgreSQL load failed"):  # nothing changes on a failure
        publish.rollback(exports=False, postgres_dsn="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
    assert publish.current()["checksum"] == publish.marts_fingerprint(warehouses[1])[1]
    back = publish.rollback(exports=False, postgres_dsn=pg_dsn)
    assert back.postgres["tables"]["fct_indicator_value"] == 514 * 3 * 3
    with psycopg.connect(reader_dsn(pg_dsn), autocommit=True) as reader:
        assert reader.execute(QUERY).fetchone()[:3] == (1, 514 * 3 * 3, 514 * 3 * 3)
    assert publish.current()["checksum"] == publish.marts_fingerprint(warehouses[0])[1]


# --- issue 15: the compose role model and the reader's limits -------------------------------------------
ROOT = HERE.parents[1]


@pytest.fixture
def owner_db(postgres_dsn):
    """A non-superuser owner role (no CREATEROLE, like compose's `smartcity`) owning its own database, and
    a reader role name; unique names, everything dropped afterwards."""
    tag = uuid.uuid4().hex[:8]
    owner, reader, db = f"sc_owner_{tag}", f"sc_reader_{tag}", f"sc_owner_db_{tag}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'create role "{owner}" login nosuperuser nocreaterole nocreatedb')
        admin.execute(f'create database "{db}" owner "{owner}"')
    yield {"owner_dsn": make_conninfo(postgres_dsn, user=owner, dbname=db),
           "admin_dsn": make_conninfo(postgres_dsn, dbname=db), "owner": owner, "reader": reader, "db": db}
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'drop database if exists "{db}" with (force)')
        for role in (reader, owner):
            admin.execute(f'drop role if exists "{role}"')


def init_reader(dsn, reader, db):
    """What the compose init does once, as the superuser (docker/bi_reader.sql)."""
    params = conninfo_to_dict(dsn)
    subprocess.run(["psql", "-h", params["host"], "-p", str(params.get("port", 5432)), "-U", params["user"],
                    "-d", db, "-v", f"reader={reader}", "-v", "pw=reader-pw", "-v", f"lockdown={db}",
                    "-f", str(ROOT / "docker" / "bi_reader.sql")], check=True, capture_output=True)
    with psycopg.connect(make_conninfo(dsn, dbname=db), autocommit=True) as admin:
        admin.execute(f'grant connect on database "{db}" to "{reader}"')


def test_publish_as_non_superuser_owner(owner_db, warehouses, postgres_dsn):
    from smartcity.postgres import PostgresPublishError

    reader = owner_db["reader"]
    # no reader role yet, and the owner may not create one: a clear error naming the fix
    with pytest.raises(PostgresPublishError, match=rf"role {reader} does not exist .* \(docker/bi_reader.sql"):
        publish_marts_to_postgres(warehouses[0], owner_db["owner_dsn"], None, reader=reader)
    init_reader(postgres_dsn, reader, owner_db["db"])
    result = publish_marts_to_postgres(warehouses[0], owner_db["owner_dsn"], "ignored", reader=reader)
    assert result["tables"]["dim_region"] == 514
    publish_marts_to_postgres(warehouses[1], owner_db["owner_dsn"], None, reader=reader)  # and again
    with psycopg.connect(make_conninfo(owner_db["owner_dsn"], user=reader), autocommit=True) as conn:
        assert conn.execute("select count(*) from marts.dim_region").fetchone()[0] == 514
        assert conn.execute("show statement_timeout").fetchone()[0] == "5min"
        conn.execute("set default_transaction_read_only = off")  # a session may lift it: TEMP still refused
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("create temp table mine (x int)")


def test_bi_reader_limits(owner_db, warehouses, monkeypatch):
    """Managed by a role that may (here the superuser): read-only, timeouts, no TEMP, no PUBLIC CONNECT;
    a reader idling in an open transaction is cut off, so the publish gets its lock."""
    monkeypatch.setenv("SMARTCITY_BI_READER_IDLE_TIMEOUT", "1s")
    reader, dsn = owner_db["reader"], owner_db["admin_dsn"]
    publish_marts_to_postgres(warehouses[0], dsn, PASSWORD, reader=reader)
    with psycopg.connect(dsn, autocommit=True) as admin:
        config = admin.execute("select rolconfig from pg_roles where rolname = %s", [reader]).fetchone()[0]
        assert "statement_timeout=5min" in config and "idle_in_transaction_session_timeout=1s" in config
        assert "default_transaction_read_only=on" in config
        assert admin.execute("select has_database_privilege(%s, current_database(), 'TEMP'), "
                             "has_database_privilege('public', current_database(), 'CONNECT')",
                             [reader]).fetchone() == (False, False)
    idle = psycopg.connect(make_conninfo(dsn, user=reader, password=PASSWORD))
    idle.execute("select count(*) from marts.dim_region")  # holds a lock, then idles in the transaction
    started = time.monotonic()
    publish_marts_to_postgres(warehouses[1], dsn, PASSWORD, reader=reader, lock_timeout_ms=200, attempts=30)
    assert time.monotonic() - started < 20
    idle.close()


def test_raw_text_with_nul_loads_into_postgres(owner_db, tmp_path):
    """PostgreSQL text cannot hold NUL: the raw loader drops it (staging cleans the other controls)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder = tmp_path / "raw" / "ckan" / "packages" / "portal=jatim" / "batch=0"
    folder.mkdir(parents=True)
    pq.write_table(pa.table({"portal": ["jatim"], "package_id": ["p1"],
                             "organization_title": ["Dinas\x00 Kominfo\x07"]}), folder / "data.parquet")
    assert load_raw_to_postgres(tmp_path / "raw", owner_db["admin_dsn"]) == {"ckan__packages": 1}
    with psycopg.connect(owner_db["admin_dsn"], autocommit=True) as conn:
        title = conn.execute("select organization_title from raw.ckan__packages").fetchone()[0]
    assert title == "Dinas Kominfo\x07"
