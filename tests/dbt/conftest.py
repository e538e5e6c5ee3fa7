"""Session fixtures for the dbt project: one synthetic landing zone, one DuckDB build, one PostgreSQL
build (in a database created for the session and dropped after). dbt runs as a subprocess with its
own target/log paths, so concurrent runs elsewhere in the tree do not collide."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from landing import Truth, write_landing  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = PROJECT_ROOT / "dbt_project"
PG_HOST = os.environ.get("SMARTCITY_PG_HOST", "127.0.0.1")
PG_PORT = os.environ.get("SMARTCITY_PG_PORT", "5432")
PG_USER = os.environ.get("SMARTCITY_PG_USER", "postgres")


def dbt_executable() -> str:
    candidate = Path(sys.executable).parent / "dbt"
    return str(candidate) if candidate.exists() else (shutil.which("dbt") or "dbt")


@dataclass
class DbtRun:
    returncode: int
    output: str
    target_path: Path

    def results(self) -> list[dict]:
        return json.loads((self.target_path / "run_results.json").read_text())["results"]

    def manifest(self) -> dict:
        return json.loads((self.target_path / "manifest.json").read_text())


def run_dbt(args: list[str], *, env: dict[str, str], work: Path, name: str) -> DbtRun:
    target_path = work / f"target_{name}"
    cmd = [dbt_executable(), *args, "--project-dir", str(DBT_PROJECT), "--profiles-dir", str(DBT_PROJECT),
           "--target-path", str(target_path), "--log-path", str(work / f"logs_{name}")]
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("SMARTCITY_", "DBT_"))}
    full_env.update({"DBT_SEND_ANONYMOUS_USAGE_STATS": "False", "DO_NOT_TRACK": "1"})
    full_env.update(env)
    proc = subprocess.run(cmd, cwd=PROJECT_ROOT, env=full_env, capture_output=True, text=True, timeout=600)
    return DbtRun(proc.returncode, proc.stdout + proc.stderr, target_path)


@dataclass
class Landing:
    raw_dir: Path
    truth: Truth


@pytest.fixture(scope="session")
def landing(tmp_path_factory) -> Landing:
    raw_dir = tmp_path_factory.mktemp("landing") / "raw"
    return Landing(raw_dir, write_landing(raw_dir))


@dataclass
class DuckdbBuild:
    path: Path
    run: DbtRun
    env: dict[str, str]
    work: Path


@pytest.fixture(scope="session")
def duckdb_build(landing, tmp_path_factory) -> DuckdbBuild:
    work = tmp_path_factory.mktemp("dbt_duckdb")
    path = work / "warehouse.duckdb"
    env = {"SMARTCITY_RAW_DIR": str(landing.raw_dir), "SMARTCITY_DUCKDB_PATH": str(path)}
    run = run_dbt(["build", "--target", "duckdb"], env=env, work=work, name="duckdb")
    if run.returncode != 0:
        pytest.fail(f"dbt build (duckdb) failed:\n{run.output[-6000:]}")
    return DuckdbBuild(path, run, env, work)


@pytest.fixture()
def duck(duckdb_build):
    import duckdb

    con = duckdb.connect(str(duckdb_build.path), read_only=True)
    yield con
    con.close()


def _postgres_reachable() -> str | None:
    import psycopg

    try:
        with psycopg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", connect_timeout=3,
                             password=os.environ.get("SMARTCITY_PG_PASSWORD") or None):
            return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return f"{type(exc).__name__}: {exc}".strip()


@dataclass
class PostgresBuild:
    conninfo: str
    run: DbtRun
    loaded: dict[str, int]


@pytest.fixture(scope="session")
def postgres_build(landing, tmp_path_factory) -> PostgresBuild:
    import psycopg

    from smartcity.postgres import load_raw_to_postgres

    problem = _postgres_reachable()
    if problem:
        message = f"PostgreSQL at {PG_HOST}:{PG_PORT} (user {PG_USER}) is unreachable: {problem}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message + " (CI=true: PostgreSQL is required)")
        pytest.skip(message)
    dbname = f"smartcity_dbt_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = dict(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname="postgres", autocommit=True,
                 password=os.environ.get("SMARTCITY_PG_PASSWORD") or None)
    with psycopg.connect(**admin) as con:
        con.execute(f'create database "{dbname}"')
    conninfo = f"host={PG_HOST} port={PG_PORT} user={PG_USER} dbname={dbname}"
    try:
        # the pipeline's own loader: raw.<source>__<dataset>, partition path in _partition
        loaded = load_raw_to_postgres(landing.raw_dir, conninfo)
        work = tmp_path_factory.mktemp("dbt_postgres")
        env = {"SMARTCITY_RAW_DIR": str(landing.raw_dir), "SMARTCITY_PG_HOST": PG_HOST,
               "SMARTCITY_PG_PORT": str(PG_PORT), "SMARTCITY_PG_USER": PG_USER, "SMARTCITY_PG_DBNAME": dbname}
        if os.environ.get("SMARTCITY_PG_PASSWORD"):
            env["SMARTCITY_PG_PASSWORD"] = os.environ["SMARTCITY_PG_PASSWORD"]
        run = run_dbt(["build", "--target", "postgres"], env=env, work=work, name="postgres")
        if run.returncode != 0:
            pytest.fail(f"dbt build (postgres) failed:\n{run.output[-6000:]}")
        yield PostgresBuild(conninfo, run, loaded)
    finally:
        with psycopg.connect(**admin) as con:
            con.execute(f'drop database if exists "{dbname}" with (force)')
