"""PostgreSQL serving: the marts with an atomic schema swap and a read-only `bi_reader` role, and the raw
landing zone for dbt's postgres target. Bulk loading is COPY (DuckDB writes CSV, psycopg streams it into
`COPY ... FROM STDIN`), never row inserts; DuckDB's postgres extension cannot be downloaded here.

Marts publish, in ONE transaction (a killed publish therefore changes nothing):
    create schema marts_new; create + COPY every table; grant bi_reader;
    LOCK every table of marts ACCESS EXCLUSIVE  (waits for running readers, with lock_timeout + retry)
    alter schema marts rename to marts_old_<x>; alter schema marts_new rename to marts;
    drop schema marts_old_<x> cascade; commit
A reader statement sees the old or the new marts, never a mixture: it holds its locks on the old tables
until it ends, and statements that start during the swap wait for the commit and then resolve the names
to the new tables (READ COMMITTED takes its snapshot after that). Multi-statement readers that need one
version across statements should read inside one REPEATABLE READ transaction that touches every table
it needs in its first statement, or just use single statements."""
from __future__ import annotations

import logging
import os
import re
import tempfile
import time
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

BI_READER = "bi_reader"
PASSWORD_ENV = "SMARTCITY_BI_READER_PASSWORD"
ROLE_ENV = "SMARTCITY_BI_READER_ROLE"  # the reader role's name (default bi_reader)
# A BI session may not hold the marts: a forgotten open transaction would keep the publish from locking
# them (the swap gives up after about a minute and a half), a runaway query would hold them for hours.
STATEMENT_TIMEOUT_ENV, IDLE_TIMEOUT_ENV = "SMARTCITY_BI_READER_STATEMENT_TIMEOUT", "SMARTCITY_BI_READER_IDLE_TIMEOUT"


def reader_role() -> str:
    return os.environ.get(ROLE_ENV) or BI_READER
_ADVISORY_KEY = 7_318_524_001  # serialises marts publishes into one database


class PostgresPublishError(Exception):
    pass


# --- public API ----------------------------------------------------------------------------------------

def publish_marts_to_postgres(duckdb_path: str | Path, dsn: str, bi_reader_password: str | None = None, *,
                              schema: str = "marts", lock_timeout_ms: int = 800, attempts: int = 60,
                              reader: str | None = None, quality_schema: str = "quality") -> dict:
    """Load every table of the DuckDB file's `marts` schema into PostgreSQL schema `schema` with an atomic
    swap; the reader role (`reader`, else env SMARTCITY_BI_READER_ROLE, else bi_reader) gets SELECT on
    `schema` only. The role is managed here when the publishing role may (superuser, CREATEROLE), else
    it must exist already (created once at init: docker/bi_reader.sql) and is only granted to.
    The database is created when missing and the role may (`ensure_database`); the file's
    `quality.validation_results` goes to `quality_schema` the same way (swap, reader grant); DuckDB table
    and column comments (dbt persist_docs) become PostgreSQL comments. Returns
    {"schema", "tables": {name: rows}, "rows_per_s", "quality": {"schema", "tables"} | None, ...}."""
    import duckdb
    import psycopg

    started = time.monotonic()
    reader = reader or reader_role()
    password = bi_reader_password if bi_reader_password is not None else os.environ.get(PASSWORD_ENV)
    duck = duckdb.connect(str(duckdb_path), read_only=True)
    tables: dict[str, int] = {}
    quality: dict[str, int] = {}
    try:
        names = _duck_tables(duck, "marts")
        if not names:
            raise PostgresPublishError(f"{duckdb_path} has no tables in schema marts")
        # the GX results (quality.validation_results) are for BI tools too; absent in files never audited
        quality_names = [n for n in _duck_tables(duck, "quality") if n in QUALITY_TABLES]
        ensure_database(dsn)
        with psycopg.connect(dsn, autocommit=True) as admin:
            ensure_bi_reader(admin, password, reader)
        with psycopg.connect(dsn) as conn, tempfile.TemporaryDirectory(prefix="smartcity-pg-") as tmp:
            with conn.cursor() as cur:
                cur.execute("select pg_advisory_xact_lock(%s)", [_ADVISORY_KEY])
                tables = _load_schema(duck, cur, "marts", names, f"{schema}_new", reader, Path(tmp))
                if quality_names:
                    quality = _load_schema(duck, cur, "quality", quality_names, f"{quality_schema}_new", reader,
                                           Path(tmp))
                load_s = time.monotonic() - started
                swap_started = time.monotonic()
                _swap(cur, schema, f"{schema}_new", f"{schema}_old_{uuid.uuid4().hex[:8]}", lock_timeout_ms,
                      attempts)
                _grant_reader(cur, schema, reader)
                if quality_names:
                    _swap(cur, quality_schema, f"{quality_schema}_new",
                          f"{quality_schema}_old_{uuid.uuid4().hex[:8]}", lock_timeout_ms, attempts)
                    _grant_reader(cur, quality_schema, reader)
            conn.commit()
            swap_s = time.monotonic() - swap_started
    finally:
        duck.close()
    total = sum(tables.values())
    elapsed = time.monotonic() - started
    return {"schema": schema, "tables": tables, "rows": total, "load_s": round(load_s, 3),
            "swap_s": round(swap_s, 4), "elapsed_s": round(elapsed, 3),
            "rows_per_s": round(total / load_s) if load_s > 0 else None,
            "quality": {"schema": quality_schema, "tables": quality} if quality else None}


QUALITY_TABLES = ("validation_results",)
QUALITY_COMMENTS = {
    "validation_results": (
        "Great Expectations results: one row per expectation per validation run of the quality gate "
        "(raw landing zone and marts); the full history of the runs that built this version."),
}


def ensure_database(dsn: str) -> bool:
    """Create the database named in `dsn` when it does not exist and the connecting role may (superuser or
    CREATEDB); returns True when created. Otherwise a one-line PostgresPublishError saying what to run."""
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    params = conninfo_to_dict(dsn)
    dbname = params.get("dbname") or os.environ.get("PGDATABASE") or params.get("user") or "postgres"
    try:
        with psycopg.connect(dsn, autocommit=True, connect_timeout=10):
            return False
    except psycopg.OperationalError as exc:
        # libpq reports the server's FATAL at connect time without a SQLSTATE: match the message (a missing
        # role, a refused password or an unreachable server are not this case and propagate as they are)
        if getattr(exc, "sqlstate", None) != "3D000" and f'database "{dbname}" does not exist' not in str(exc):
            raise
    user = params.get("user") or os.environ.get("PGUSER") or "the connecting role"
    hint = (f"run `createdb -h {params.get('host', 'localhost')} -p {params.get('port', 5432)} -O {user} "
            f"{dbname}` as a role that may create databases (or SQL: CREATE DATABASE \"{dbname}\" "
            f"OWNER \"{user}\";)")
    last: Exception | None = None
    for maintenance in ("postgres", "template1"):
        try:
            admin = psycopg.connect(make_conninfo(dsn, dbname=maintenance), autocommit=True, connect_timeout=10)
        except psycopg.OperationalError as exc:
            last = exc
            continue
        with admin:
            may = admin.execute("select rolsuper or rolcreatedb from pg_roles where rolname = current_user"
                                ).fetchone()
            if not (may and may[0]):
                raise PostgresPublishError(f"PostgreSQL database {dbname} does not exist and role {user} may not "
                                           f"create databases: {hint}")
            try:
                admin.execute(sql.SQL("create database {}").format(sql.Identifier(dbname)))
            except psycopg.errors.DuplicateDatabase:
                return False  # created concurrently
            log.info("created PostgreSQL database %s", dbname)
            return True
    raise PostgresPublishError(f"PostgreSQL database {dbname} does not exist and no maintenance database "
                               f"(postgres, template1) accepts {user} to create it ({last}): {hint}") from None


def _duck_tables(duck, schema: str) -> list[str]:
    return [t for (t,) in duck.execute(
        "select table_name from information_schema.tables where table_schema = ? "
        "and table_type = 'BASE TABLE' order by table_name", [schema]).fetchall()]


def _load_schema(duck, cur, duck_schema: str, names: list[str], staging: str, reader: str, tmp: Path
                 ) -> dict[str, int]:
    """Fresh `staging` schema holding a COPY of each table of the DuckDB schema, with the DuckDB table
    and column comments (dbt's persist_docs descriptions) as PostgreSQL comments, readable by the reader."""
    from psycopg import sql

    cur.execute(sql.SQL("drop schema if exists {} cascade").format(sql.Identifier(staging)))
    cur.execute(sql.SQL("create schema {}").format(sql.Identifier(staging)))
    rows: dict[str, int] = {}
    for name in names:
        rows[name] = _copy_table(duck, cur, f'select * from {duck_schema}."{name}"', staging, name, tmp)
        _copy_comments(duck, cur, duck_schema, name, staging)
        cur.execute(sql.SQL("analyze {}.{}").format(sql.Identifier(staging), sql.Identifier(name)))
    _grant_reader(cur, staging, reader)
    return rows


def _copy_comments(duck, cur, duck_schema: str, table: str, schema: str) -> None:
    from psycopg import sql

    found = duck.execute("select comment from duckdb_tables() where schema_name = ? and table_name = ? "
                         "and database_name = current_database()", [duck_schema, table]).fetchone()
    comment = (found[0] if found else None) or (QUALITY_COMMENTS.get(table) if duck_schema == "quality" else None)
    target = sql.SQL("{}.{}").format(sql.Identifier(schema), sql.Identifier(table))
    if comment:
        cur.execute(sql.SQL("comment on table {} is {}").format(target, sql.Literal(comment)))
    for column, text in duck.execute(
            "select column_name, comment from duckdb_columns() where schema_name = ? and table_name = ? "
            "and database_name = current_database() and comment is not null and comment <> '' "
            "order by column_index", [duck_schema, table]).fetchall():
        cur.execute(sql.SQL("comment on column {}.{} is {}").format(target, sql.Identifier(column),
                                                                   sql.Literal(text)))


def load_raw_to_postgres(raw_dir: str | Path, dsn: str, *, schema: str = "raw") -> dict[str, int]:
    """Every landing dataset `<raw>/<source>/<dataset>/<k>=<v>/.../data.parquet` into table
    `<schema>.<source>__<dataset>` (all partitions, columns unioned by name, plus `_partition` with the
    partition path), each replaced in its own transaction via COPY. Returns {table: rows}."""
    import duckdb
    import psycopg
    from psycopg import sql

    raw_dir = Path(raw_dir)
    loaded: dict[str, int] = {}
    ensure_database(dsn)
    duck = duckdb.connect()
    try:
        with psycopg.connect(dsn) as conn, tempfile.TemporaryDirectory(prefix="smartcity-pg-") as tmp:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
            conn.commit()
            for table, files, base in _raw_datasets(raw_dir):
                file_list = "[" + ", ".join("'" + str(f).replace("'", "''") + "'" for f in files) + "]"
                prefix = str(base).replace("'", "''") + "/"
                select = (f"select * exclude (filename), regexp_replace(replace(filename, '{prefix}', ''), "
                          f"'/?data\\.parquet$', '') as _partition from read_parquet({file_list}, "
                          "union_by_name = true, filename = true, hive_partitioning = false)")
                with conn.cursor() as cur:
                    cur.execute(sql.SQL("drop table if exists {}.{}").format(sql.Identifier(schema),
                                                                            sql.Identifier(table)))
                    loaded[table] = _copy_table(duck, cur, select, schema, table, Path(tmp), strip_nul=True)
                conn.commit()
    finally:
        duck.close()
    return loaded


def ensure_bi_reader(conn, password: str | None, reader: str | None = None) -> None:
    """Make the reader role safe to hand to BI tools, as far as the publishing role may. `conn` must be in
    autocommit mode (each statement stands alone, so a refused one does not undo the others).

    - Role attributes, password and session limits (read-only transactions, statement and
      idle-in-transaction timeouts): set when the publishing role may manage roles (superuser, or
      CREATEROLE with admin rights on the role). The compose deployment's owner role has no CREATEROLE:
      there the role is created once at init (docker/bi_reader.sql) and only checked here.
    - Database level, which the database owner may always do: CONNECT for the reader; CONNECT and TEMP
      taken from PUBLIC (else every role, the reader included, may connect and create temp tables)."""
    import psycopg
    from psycopg import sql

    reader = reader or reader_role()
    role = sql.Identifier(reader)
    with conn.cursor() as cur:
        cur.execute("select 1 from pg_roles where rolname = %s", [reader])
        if cur.fetchone() is None:
            try:
                cur.execute(sql.SQL("create role {} login").format(role))
            except (psycopg.errors.DuplicateObject, psycopg.errors.UniqueViolation):
                pass  # created concurrently
            except psycopg.errors.InsufficientPrivilege:
                raise PostgresPublishError(
                    f"role {reader} does not exist and {_current_user(cur)} may not create roles: create it "
                    "once with a role that may (docker/bi_reader.sql, run at database init)") from None
        managed = _try(cur, [
            sql.SQL("alter role {} with login nosuperuser nocreatedb nocreaterole noreplication "
                    "nobypassrls").format(role),
            sql.SQL("alter role {} set default_transaction_read_only = on").format(role),
            sql.SQL("alter role {} set statement_timeout = {}").format(
                role, sql.Literal(os.environ.get(STATEMENT_TIMEOUT_ENV) or "5min")),
            sql.SQL("alter role {} set idle_in_transaction_session_timeout = {}").format(
                role, sql.Literal(os.environ.get(IDLE_TIMEOUT_ENV) or "30s")),
        ])
        if managed and password:
            cur.execute(sql.SQL("alter role {} with password {}").format(role, sql.Literal(password)))
        elif managed and password is None:
            log.warning("no %s set: role %s keeps its current password", PASSWORD_ENV, reader)
        elif not managed:
            log.info("role %s is managed by its init/migration role (%s may not alter it); only granting",
                     reader, _current_user(cur))
            _check_reader(cur, reader)
        cur.execute("select current_database()")
        db = sql.Identifier(cur.fetchone()[0])
        cur.execute(sql.SQL("grant connect on database {} to {}").format(db, role))
        # PostgreSQL 15+ already denies CREATE on public to PUBLIC; make it explicit for older servers.
        if not _try(cur, [sql.SQL("revoke connect, temporary on database {} from public").format(db),
                          sql.SQL("revoke create on schema public from public")]):
            log.warning("cannot revoke CONNECT/TEMP on the database or CREATE on schema public from PUBLIC "
                        "(not their owner)")


def _try(cur, statements) -> bool:
    """Run statements; False (and stop) at the first one the role may not run."""
    import psycopg

    for statement in statements:
        try:
            cur.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            return False
    return True


def _current_user(cur) -> str:
    cur.execute("select current_user")
    return cur.fetchone()[0]


def _check_reader(cur, reader: str) -> None:
    """A reader role managed elsewhere must still be a plain reader: refuse to grant to a powerful one."""
    cur.execute("select rolsuper or rolcreaterole or rolcreatedb or rolreplication or rolbypassrls "
                "from pg_roles where rolname = %s", [reader])
    row = cur.fetchone()
    if row and row[0]:
        raise PostgresPublishError(f"role {reader} has more than LOGIN (superuser, createrole, createdb, "
                                   "replication or bypassrls): refusing to serve marts through it")


# --- internals -----------------------------------------------------------------------------------------

def _swap(cur, schema: str, staging: str, old: str, lock_timeout_ms: int, attempts: int) -> None:
    """Rename staging over `schema` after locking every relation of the old schema. A lock wait longer
    than the lock timeout (a long BI query, or a deadlock with a reader that locks the tables in another
    order) rolls back to a savepoint and retries with a longer timeout (100 ms doubling up to
    lock_timeout_ms, kept below PostgreSQL's 1 s deadlock_timeout), so the swap, not the reader, gives way."""
    import psycopg
    from psycopg import sql

    cur.execute("select 1 from pg_namespace where nspname = %s", [schema])
    exists = cur.fetchone() is not None
    for attempt in range(1, attempts + 1):
        cur.execute("savepoint smartcity_swap")
        try:
            timeout = min(int(lock_timeout_ms), 100 * 2 ** (attempt - 1))
            cur.execute(sql.SQL("set local lock_timeout = {}").format(sql.Literal(f"{timeout}ms")))
            if exists:
                cur.execute("select c.oid::regclass::text from pg_class c join pg_namespace n "
                            "on n.oid = c.relnamespace where n.nspname = %s and c.relkind in ('r','p','v','m','f') "
                            "order by c.relname", [schema])
                relations = [r for (r,) in cur.fetchall()]
                if relations:
                    cur.execute(sql.SQL("lock table {} in access exclusive mode").format(
                        sql.SQL(", ").join(sql.SQL(r) for r in relations)))
                cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(schema),
                                                                           sql.Identifier(old)))
            cur.execute(sql.SQL("alter schema {} rename to {}").format(sql.Identifier(staging),
                                                                       sql.Identifier(schema)))
            if exists:
                cur.execute(sql.SQL("drop schema {} cascade").format(sql.Identifier(old)))
            cur.execute("set local lock_timeout = 0")
            cur.execute("release savepoint smartcity_swap")
            return
        except (psycopg.errors.LockNotAvailable, psycopg.errors.DeadlockDetected) as exc:
            cur.execute("rollback to savepoint smartcity_swap")
            log.info("swap attempt %d waited too long for readers (%s); retrying", attempt, exc)
            time.sleep(min(0.05 * attempt, 1.0))
    raise PostgresPublishError(f"could not lock schema {schema} for the swap after {attempts} attempts "
                               "(long-running readers?)")


def _grant_reader(cur, schema: str, reader: str) -> None:
    from psycopg import sql

    s, r = sql.Identifier(schema), sql.Identifier(reader)
    cur.execute(sql.SQL("grant usage on schema {} to {}").format(s, r))
    cur.execute(sql.SQL("grant select on all tables in schema {} to {}").format(s, r))
    cur.execute(sql.SQL("alter default privileges in schema {} grant select on tables to {}").format(s, r))


_TYPE_MAP = [
    (r"^BOOLEAN$", "boolean"), (r"^(TINYINT|SMALLINT|UTINYINT)$", "smallint"),
    (r"^(INTEGER|USMALLINT)$", "integer"), (r"^(BIGINT|UINTEGER)$", "bigint"),
    (r"^(HUGEINT|UBIGINT|UHUGEINT|VARINT|BIGNUM)$", "numeric"), (r"^FLOAT$", "real"),
    (r"^DOUBLE$", "double precision"), (r"^DECIMAL\((\d+),(\d+)\)$", "numeric({0},{1})"),
    (r"^DATE$", "date"), (r"^TIMESTAMP WITH TIME ZONE$", "timestamptz"),
    (r"^TIMESTAMP(_S|_MS|_NS)?$", "timestamp"), (r"^TIME$", "time"), (r"^TIME WITH TIME ZONE$", "timetz"),
    (r"^INTERVAL$", "interval"), (r"^UUID$", "uuid"), (r"^BLOB$", "bytea"), (r"^JSON$", "jsonb"),
    (r"^(VARCHAR|ENUM.*|BIT)$", "text"),
]


def _pg_type(duck_type: str) -> tuple[str, str]:
    """(PostgreSQL type, select expression template) for a DuckDB column type."""
    t = duck_type.strip().upper()
    for pattern, pg in _TYPE_MAP:
        m = re.match(pattern, t)
        if m:
            expr = "{col}"
            if pg == "bytea":
                expr = "'\\x' || hex({col})"
            elif pg == "text" and t != "VARCHAR":
                expr = "cast({col} as varchar)"
            return pg.format(*m.groups()), expr
    # LIST, ARRAY, STRUCT, MAP, UNION: JSON text
    return "jsonb", "cast(to_json({col}) as varchar)"


def _copy_table(duck, cur, select_sql: str, schema: str, table: str, tmp: Path, strip_nul: bool = False) -> int:
    """Create `schema.table` from the DuckDB query's columns and COPY its rows in (CSV via a temp file).
    `strip_nul`: drop NUL from text (raw landing data: PostgreSQL text cannot hold it at all; every other
    control character is cleaned at staging, macro clean_text)."""
    from psycopg import sql

    duck.execute("set TimeZone = 'UTC'")
    columns = duck.execute(f"describe {select_sql}").fetchall()
    defs, exprs = [], []
    for name, duck_type, *_ in columns:
        pg, expr = _pg_type(duck_type)
        defs.append(sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(pg)))
        col = expr.format(col='"' + name.replace('"', '""') + '"')
        exprs.append(f"replace({col}, chr(0), '')" if strip_nul and pg == "text" else col)
    cur.execute(sql.SQL("create table {}.{} ({})").format(sql.Identifier(schema), sql.Identifier(table),
                                                          sql.SQL(", ").join(defs)))
    path = tmp / f"{uuid.uuid4().hex}.csv"
    duck.execute(f"copy (select {', '.join(exprs)} from ({select_sql})) to '{str(path)}' "
                 "(format csv, header false, delimiter ',', quote '\"', escape '\"', nullstr '')")
    copy_sql = sql.SQL("copy {}.{} ({}) from stdin with (format csv)").format(
        sql.Identifier(schema), sql.Identifier(table),
        sql.SQL(", ").join(sql.Identifier(name) for name, *_ in columns))
    with cur.copy(copy_sql) as copy, open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            copy.write(chunk)
    path.unlink(missing_ok=True)
    return cur.rowcount if cur.rowcount is not None and cur.rowcount >= 0 else _count(cur, schema, table)


def _count(cur, schema: str, table: str) -> int:
    from psycopg import sql

    cur.execute(sql.SQL("select count(*) from {}.{}").format(sql.Identifier(schema), sql.Identifier(table)))
    return cur.fetchone()[0]


def _raw_datasets(raw_dir: Path):
    """(table name, parquet files, dataset folder) for every landing dataset."""
    if not raw_dir.is_dir():
        return
    for source in sorted(p for p in raw_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
        for dataset in sorted(p for p in source.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
            files = sorted(f for f in dataset.glob("**/data.parquet")
                           if not any(part.startswith(".") for part in f.relative_to(dataset).parts))
            if files:
                name = re.sub(r"[^a-z0-9_]+", "_", f"{source.name}__{dataset.name}".lower())
                yield name, files, dataset
