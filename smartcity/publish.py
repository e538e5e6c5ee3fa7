"""Publish an audited candidate warehouse: atomic swap of the served DuckDB file, versions, rollback, exports.

    publish(candidate)   checkpoint + verify the candidate, copy it into warehouse/versions/<id>.duckdb,
                         copy that to a temp file next to the served file, fsync, os.replace() onto
                         warehouse/smartcity.duckdb, fsync the folder, write CURRENT.json, prune versions,
                         (optionally) load PostgreSQL, export Parquet/CSV.
    rollback()           serve the version before the current one again, the same atomic way.

Readers: `os.replace` swaps the directory entry in one step, so a reader opening the path gets the old or
the new complete file, never a mixture. A reader that already has the file open keeps reading the old
(unlinked) inode until it reconnects; then it sees the new data. Note that DuckDB caches open database
instances per path inside one process: close every connection to the file before reconnecting, or the
process keeps the old instance (old data). Only this module writes the served path, and it never opens it
for writing: the file is built elsewhere and renamed into place. Publishes are serialised by an flock on
`warehouse/.publish.lock`; a killed publish leaves at most temp files, removed by the next one."""
from __future__ import annotations

import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from smartcity.report import link_report, version_report_dir
from smartcity_base.settings import Settings, get_settings

CURRENT_FILE = "CURRENT.json"
LOCK_FILE = ".publish.lock"
VERSION_SUFFIX = ".duckdb"
SERVED_SUFFIX = ".served.json"  # beside a version once it has been served: only those are rolled back to
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class PublishError(Exception):
    """The publish (or rollback) did not happen; the served warehouse is unchanged."""


@dataclass
class PublishResult:
    version_id: str
    published_path: Path
    version_path: Path
    published_at: str
    row_counts: dict[str, int]
    checksum: str
    pruned: list[str] = field(default_factory=list)
    exports: dict | None = None
    postgres: dict | None = None
    swap_s: float = 0.0
    duration_s: float = 0.0
    rolled_back_from: str | None = None

    def summary(self) -> dict:
        return {"version_id": self.version_id, "published": str(self.published_path),
                "published_at": self.published_at, "row_counts": self.row_counts, "checksum": self.checksum,
                "pruned": self.pruned, "exports": (self.exports or {}).get("dir"),
                "postgres": self.postgres, "swap_s": round(self.swap_s, 4),
                "duration_s": round(self.duration_s, 2), "rolled_back_from": self.rolled_back_from}

    def __str__(self) -> str:
        what = f"rolled back from {self.rolled_back_from} to" if self.rolled_back_from else "published"
        return (f"{what} version {self.version_id} -> {self.published_path} "
                f"({sum(self.row_counts.values())} mart rows, checksum {self.checksum[:12]})")


# --- public API ----------------------------------------------------------------------------------------

def publish(candidate_path: str | Path, settings: Settings | None = None, keep_versions: int | None = None, *,
            exports: bool = True, postgres_dsn: str | None = None) -> PublishResult:
    """Serve the audited candidate. `postgres_dsn` (default: env `SMARTCITY_POSTGRES_URL`; "" disables)
    loads the marts into PostgreSQL first, so a failure there leaves both targets on the old version.
    Raises PublishError when the candidate is missing, corrupt or has no `marts` schema.
    `keep_versions` default: settings (`SMARTCITY_KEEP_VERSIONS`, 5)."""
    started = time.monotonic()
    settings = settings or get_settings()
    keep_versions = settings.keep_versions if keep_versions is None else keep_versions
    if keep_versions < 1:
        raise ValueError("keep_versions must be at least 1")
    candidate = Path(candidate_path)
    with _publish_lock(settings):
        _clean_temp_files(settings)
        if not candidate.is_file():
            raise PublishError(f"candidate {candidate} does not exist; {settings.published_path} is unchanged")
        _checkpoint(candidate)
        row_counts, checksum = marts_fingerprint(candidate)
        version_id = _new_version_id(settings)
        version_path = settings.versions_dir / f"{version_id}{VERSION_SUFFIX}"
        _atomic_copy(candidate, version_path)

        try:
            pg = _serve_in_postgres(version_path, postgres_dsn, "published")
        except PublishError:
            version_path.unlink(missing_ok=True)
            raise

        result = _serve(settings, version_id, version_path, row_counts, checksum, pg, candidate=candidate.name)
        link_report(settings, version_id)   # no report yet: the report task writes it after the publish
        result.pruned = _prune(settings, keep_versions, keep=version_id)
        if exports:
            result.exports = export_marts(version_path, settings.exports_dir, version_id=version_id)
    result.duration_s = time.monotonic() - started
    return result


def rollback(settings: Settings | None = None, *, exports: bool = True,
             postgres_dsn: str | None = None, to: str | None = None) -> PublishResult:
    """Serve the version published before the current one (atomically), in PostgreSQL too when
    `postgres_dsn` (default: env `SMARTCITY_POSTGRES_URL`) is set: loaded first, so a failure there
    leaves both targets as they were. The rolled-back version stays served until the landing zone or the
    code changes: the inputs the rejected version was built from are not built and published again.
    `to`: serve that kept version instead (any version that was served once). A version written but never
    served (a publish killed or out of disk between the copy and the swap) is never rolled back to."""
    started = time.monotonic()
    settings = settings or get_settings()
    with _publish_lock(settings):
        _clean_temp_files(settings)
        versions = served_versions(settings)
        current_id = (current(settings) or {}).get("version_id")
        if to is not None:
            if to not in versions:
                raise PublishError(f"version {to} is not a kept, served version; `smartcity versions` lists "
                                   f"them ({', '.join(versions) or 'none'})")
            if to == current_id:
                raise PublishError(f"version {to} is already served")
            target = to
        else:
            if current_id is not None:
                older = [v for v in versions if v < current_id]
            else:
                older = versions[:-1]
            if not older:
                raise PublishError(f"no version older than {current_id or 'the current one'} in "
                                   f"{settings.versions_dir}; nothing to roll back to")
            target = older[-1]
        version_path = settings.versions_dir / f"{target}{VERSION_SUFFIX}"
        row_counts, checksum = marts_fingerprint(version_path)
        pg = _serve_in_postgres(version_path, postgres_dsn, "rolled back")
        result = _serve(settings, target, version_path, row_counts, checksum, pg, rolled_back_from=current_id)
        link_report(settings, target)
        result.rolled_back_from = current_id
        _note_rollback(settings, rolled_back_from=current_id, serving=target)
        if exports:
            result.exports = export_marts(version_path, settings.exports_dir, version_id=target)
    result.duration_s = time.monotonic() - started
    return result


def _note_rollback(settings: Settings, *, rolled_back_from: str | None, serving: str) -> None:
    """Keep the inputs fingerprint (so the next run does not rebuild what was just rejected) and say why."""
    try:
        marker = json.loads(settings.published_inputs_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    marker.update(rolled_back_from=rolled_back_from, serving=serving)
    _write_json(settings.published_inputs_path, marker)


def _serve(settings: Settings, version_id: str, version_path: Path, row_counts: dict, checksum: str,
           pg: dict | None, **current_fields) -> PublishResult:
    """Swap a kept version in as the served file and describe it in CURRENT.json (publish and rollback)."""
    published_at = datetime.now(timezone.utc).isoformat()
    swap_started = time.monotonic()
    _swap_in(version_path, settings.published_path)
    swap_s = time.monotonic() - swap_started
    record = {"version_id": version_id, "published_at": published_at, **current_fields,
              "row_counts": row_counts, "checksum": checksum, "file_bytes": version_path.stat().st_size}
    _write_current(settings, record)
    marker = version_path.with_name(version_id + SERVED_SUFFIX)
    try:
        first = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        first = {}
    _write_json(marker, {**record, "first_served_at": first.get("first_served_at", published_at),
                         "served_at": published_at})
    return PublishResult(version_id=version_id, published_path=settings.published_path, version_path=version_path,
                         published_at=published_at, row_counts=row_counts, checksum=checksum, postgres=pg,
                         swap_s=swap_s)


def _serve_in_postgres(version_path: Path, postgres_dsn: str | None, action: str) -> dict | None:
    """Load a version's marts into PostgreSQL (before the DuckDB swap, so a failure changes neither).
    `postgres_dsn` None: env `SMARTCITY_POSTGRES_URL`; "" or unset: no PostgreSQL target."""
    dsn = os.environ.get("SMARTCITY_POSTGRES_URL", "") if postgres_dsn is None else postgres_dsn
    if not dsn:
        return None
    from smartcity.postgres import publish_marts_to_postgres

    try:
        return publish_marts_to_postgres(version_path, dsn)
    except Exception as exc:
        raise PublishError(f"PostgreSQL load failed, nothing was {action}: {exc}") from exc


def current(settings: Settings | None = None) -> dict | None:
    """The content of `warehouse/CURRENT.json` (None before the first publish)."""
    settings = settings or get_settings()
    path = settings.warehouse_dir / CURRENT_FILE
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def list_versions(settings: Settings | None = None) -> list[str]:
    """Version ids kept in `warehouse/versions/`, oldest first (ids sort by publish time)."""
    settings = settings or get_settings()
    if not settings.versions_dir.is_dir():
        return []
    return sorted(p.name[: -len(VERSION_SUFFIX)] for p in settings.versions_dir.iterdir()
                  if p.name.endswith(VERSION_SUFFIX) and not p.name.startswith("."))


def served_versions(settings: Settings | None = None) -> list[str]:
    """Kept versions that have been served (oldest first). A version without its served marker that is
    older than the current one predates the markers and counts as served."""
    settings = settings or get_settings()
    current_id = (current(settings) or {}).get("version_id")
    return [v for v in list_versions(settings)
            if (settings.versions_dir / f"{v}{SERVED_SUFFIX}").exists() or v == current_id
            or (current_id is not None and v < current_id)]


def version_details(settings: Settings | None = None) -> list[dict]:
    """Every kept version with what is known of it (served marker content), oldest first."""
    settings = settings or get_settings()
    current_id = (current(settings) or {}).get("version_id")
    served = set(served_versions(settings))
    out = []
    for v in list_versions(settings):
        try:
            info = json.loads((settings.versions_dir / f"{v}{SERVED_SUFFIX}").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            info = {}
        path = settings.versions_dir / f"{v}{VERSION_SUFFIX}"
        out.append({"version_id": v, "current": v == current_id, "served": v in served,
                    "first_served_at": info.get("first_served_at"), "candidate": info.get("candidate"),
                    "mart_rows": sum((info.get("row_counts") or {}).values()) if info else None,
                    "file_bytes": path.stat().st_size if path.exists() else None})
    return out


def marts_fingerprint(duckdb_path: str | Path) -> tuple[dict[str, int], str]:
    """Row count of every `marts` table and a sha256 over them (what CURRENT.json records). Opens the file
    read-only; raises PublishError when it cannot be opened or has no marts."""
    import duckdb

    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
    except duckdb.Error as exc:
        raise PublishError(f"{duckdb_path} is not a readable DuckDB file: {exc}") from exc
    try:
        tables = [t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name").fetchall()]
        counts = {t: int(con.execute(f'select count(*) from marts."{t}"').fetchone()[0]) for t in tables}
    except duckdb.Error as exc:
        raise PublishError(f"cannot read the marts of {duckdb_path}: {exc}") from exc
    finally:
        con.close()
    if not counts:
        raise PublishError(f"{duckdb_path} has no tables in schema marts")
    return counts, counts_checksum(counts)


def counts_checksum(counts: dict[str, int]) -> str:
    return hashlib.sha256(json.dumps(counts, sort_keys=True).encode()).hexdigest()


def export_marts(duckdb_path: str | Path, exports_dir: str | Path, version_id: str | None = None) -> dict:
    """Every `marts` table as `<table>.parquet` and `<table>.csv` (UTF-8 with a BOM so Excel reads it; text
    cells starting with = + - @, tab or CR prefixed with a single quote so spreadsheets do not run them as
    formulas; codes such as 32.10 kept as text; numbers written as numbers), and one workbook with a README
    sheet and a sheet per mart. Written to a temp folder next to `exports_dir` and swapped in with one rename
    (renameat2 RENAME_EXCHANGE where available)."""
    import duckdb

    from smartcity.exports import write_spreadsheet_exports

    exports_dir = Path(exports_dir)
    exports_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = exports_dir.parent / f".{exports_dir.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        con = duckdb.connect(str(duckdb_path), read_only=True)
        try:
            spreadsheets = write_spreadsheet_exports(con, tmp, version_id=version_id)
            tables = spreadsheets["csv"]
            for name in tables:
                target = tmp / f"{name}.parquet"
                con.execute(f"copy (select * from marts.\"{name}\") to '{_sql_str(target)}' "
                            "(format parquet, compression zstd)")
        finally:
            con.close()
        manifest = {"version_id": version_id, "exported_at": datetime.now(timezone.utc).isoformat(),
                    "tables": tables, "formats": ["parquet", "csv", "xlsx"]}
        (tmp / "MANIFEST.json").write_text(json.dumps(manifest, indent=2))
        _fsync_tree(tmp)
        _swap_dirs(tmp, exports_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return {"dir": str(exports_dir), "tables": tables}


# --- internals -----------------------------------------------------------------------------------------

@contextmanager
def _publish_lock(settings: Settings) -> Iterator[None]:
    settings.warehouse_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(settings.warehouse_dir / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def _clean_temp_files(settings: Settings) -> None:
    """Leftovers of a killed publish: temp copies next to the served file and partial versions."""
    name = settings.published_path.name
    for stale in settings.warehouse_dir.glob(f".{name}.*.tmp"):
        stale.unlink(missing_ok=True)
    if settings.versions_dir.is_dir():
        for stale in settings.versions_dir.glob(".*.partial"):
            stale.unlink(missing_ok=True)
        # A version newer than the served one, without its served marker: a publish killed (or out of disk)
        # between writing it and serving it. It was never served; never roll back to it.
        current_id = (current(settings) or {}).get("version_id")
        for v in list_versions(settings):
            if (current_id is None or v > current_id) and not (settings.versions_dir / f"{v}{SERVED_SUFFIX}").exists():
                (settings.versions_dir / f"{v}{VERSION_SUFFIX}").unlink(missing_ok=True)
    if settings.exports_dir.parent.is_dir():
        for stale in settings.exports_dir.parent.glob(f".{settings.exports_dir.name}.tmp-*"):
            shutil.rmtree(stale, ignore_errors=True)


def _checkpoint(candidate: Path) -> None:
    """Fold the candidate's WAL into the file, so the single file is the whole database."""
    import duckdb

    try:
        con = duckdb.connect(str(candidate))
        try:
            con.execute("checkpoint")
        finally:
            con.close()
    except duckdb.Error as exc:
        raise PublishError(f"candidate {candidate} cannot be opened as a DuckDB file: {exc}") from exc
    wal = candidate.with_name(candidate.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise PublishError(f"candidate {candidate} still has a write-ahead log after CHECKPOINT "
                           "(is another process writing it?)")


def _new_version_id(settings: Settings) -> str:
    version_id = datetime.now(timezone.utc).strftime("v%Y%m%dT%H%M%S%fZ")
    existing = list_versions(settings)
    if existing and version_id <= existing[-1]:   # clock went backwards: keep ids increasing
        version_id = existing[-1][:-1] + "1Z" if existing[-1].endswith("Z") else existing[-1] + "1"
    return version_id


def _atomic_copy(src: Path, dst: Path, suffix: str = "partial") -> None:
    """Copy to `.<name>.<rand>.<suffix>` in dst's folder, fsync, rename: dst is complete or absent."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.parent / f".{dst.name}.{uuid.uuid4().hex[:8]}.{suffix}"
    try:
        shutil.copyfile(src, tmp)
        _fsync_file(tmp)
        os.replace(tmp, dst)
        _fsync_dir(dst.parent)
    finally:
        tmp.unlink(missing_ok=True)


def _swap_in(version_path: Path, published: Path) -> None:
    """Copy the version next to the served file (same file system), fsync, then one os.replace."""
    _atomic_copy(version_path, published, suffix="tmp")


def _write_current(settings: Settings, data: dict) -> None:
    _write_json(settings.warehouse_dir / CURRENT_FILE, data)


def _write_json(path: Path, data: dict) -> None:
    """Replace a small JSON file whole (fsynced): readers see the old content or the new."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    with open(tmp, "w") as fh:
        json.dump(data, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _prune(settings: Settings, keep_versions: int, keep: str) -> list[str]:
    versions = list_versions(settings)
    doomed = [v for v in versions[:-keep_versions] if v != keep] if len(versions) > keep_versions else []
    for v in doomed:
        (settings.versions_dir / f"{v}{VERSION_SUFFIX}").unlink(missing_ok=True)
        shutil.rmtree(version_report_dir(settings, v), ignore_errors=True)
        (settings.versions_dir / f"{v}{SERVED_SUFFIX}").unlink(missing_ok=True)
    if doomed:
        _fsync_dir(settings.versions_dir)
    return doomed


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_tree(path: Path) -> None:
    for child in path.iterdir():
        if child.is_file():
            _fsync_file(child)
    _fsync_dir(path)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _swap_dirs(new: Path, target: Path) -> None:
    """Make `new` appear at `target` in one step. With an existing target, renameat2(RENAME_EXCHANGE)
    swaps both names atomically and the old content (now at `new`) is removed; without renameat2 the
    fallback is two renames (a moment without `target`)."""
    if not target.exists():
        os.replace(new, target)
        _fsync_dir(target.parent)
        return
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        rc = renameat2(_AT_FDCWD, os.fsencode(str(new)), _AT_FDCWD, os.fsencode(str(target)), _RENAME_EXCHANGE)
        if rc == 0:
            _fsync_dir(target.parent)
            shutil.rmtree(new, ignore_errors=True)   # the previous exports
            return
        err = ctypes.get_errno()
        if err not in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(target))
    old = target.parent / f".{target.name}.old-{uuid.uuid4().hex[:8]}"
    os.replace(target, old)
    os.replace(new, target)
    _fsync_dir(target.parent)
    shutil.rmtree(old, ignore_errors=True)


def _sql_str(path: Path) -> str:
    return str(path).replace("'", "''")
