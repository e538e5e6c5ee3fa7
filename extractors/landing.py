"""The raw landing zone (docs/contracts.md "Landing zone").

A partition `<raw>/<source>/<dataset>/<k>=<v>[/<k>=<v>]/` holds `data.parquet` and `_manifest.json`. It is
built in `<raw>/.staging/<uuid>/` (same file system, outside every glob dbt reads) and renamed into place,
so a rerun replaces it whole and a killed run leaves nothing half-written in view. Rows are written in
batches through a `pyarrow.parquet.ParquetWriter`, so memory stays flat whatever the row count."""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import msgspec
import pyarrow as pa
import pyarrow.parquet as pq

from extractors.secrets import get_logger, redact, redact_obj

log = get_logger(__name__)

DATA_FILE = "data.parquet"
MANIFEST_FILE = "_manifest.json"
CHECK_FILE = "_checked.json"  # when a re-fetch last found the landed content unchanged (freshness, not data)
STAGING = ".staging"
BATCH_ROWS = 10_000
META_FIELDS = [pa.field("_manifest_id", pa.string()), pa.field("_extracted_at", pa.timestamp("us", tz="UTC"))]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _iso(ts: datetime) -> str:
    return ts.isoformat().replace("+00:00", "Z")


NAME_MAX_BYTES = 255  # NAME_MAX of ext4/xfs/overlayfs: one longer path component fails with ENAMETOOLONG
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fit_name(text: str, limit: int = NAME_MAX_BYTES) -> str:
    """`text` cut to `limit` UTF-8 bytes, a digest of the whole name kept at the end so two long names
    that share a prefix stay two names (and the suffix, e.g. `.xlsx`, survives)."""
    if len(text.encode("utf-8")) <= limit:
        return text
    stem, dot, ext = text.rpartition(".")
    ext = f".{ext}" if dot and len(ext.encode("utf-8")) <= 16 else ""
    tag = "~" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:12]
    room = limit - len(tag.encode()) - len(ext.encode("utf-8"))
    head = text[: len(text) - len(ext)].encode("utf-8")[:room].decode("utf-8", "ignore")
    return head + tag + ext


def valid_utf8(text: str) -> str:
    """A file name's undecodable bytes (kept by Python as surrogates) as U+FFFD: manifests and Parquet
    need valid UTF-8, and the name still says which file it was."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def safe_value(value: Any) -> str:
    """A partition value usable as a folder name (`/` and `=` would break the hive layout; a name over
    255 bytes would fail every run)."""
    text = valid_utf8(str(value))
    for bad in ("/", "\\", "=", "\x00"):
        text = text.replace(bad, "_")
    if text in ("", ".", ".."):
        raise ValueError(f"unusable partition value {value!r}")
    return _fit_name(text)


def safe_filename(name: str, fallback: str = "file") -> str:
    """One path component from text a source chose (a CKAN resource id, a URL basename): separators,
    control characters and leading dots are replaced, so `../../x` or `/abs/x` stays inside the folder
    it is joined to; long names are shortened to what the file system takes."""
    text = _CONTROL.sub("_", valid_utf8(str(name or ""))).replace("/", "_").replace("\\", "_")
    text = text.lstrip(".") or fallback  # no '..', no hidden files the drop scan would skip
    return _fit_name(text)


def contained(folder: Path | str, name: str) -> Path:
    """`folder/name` after checking that it really is inside `folder` (belt and braces for safe_filename)."""
    base = Path(folder).resolve()
    target = (base / name).resolve()
    if target.parent != base:
        raise ValueError(f"file name {name!r} escapes {folder}")
    return target


def partition_path(partition: Mapping[str, Any]) -> str:
    return "/".join(_fit_name(f"{k}={safe_value(v)}") for k, v in partition.items())


def _stringify(value: Any) -> str | None:
    """Schema-less sources land as text: nested values as JSON, so schema drift never breaks a write."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class PartitionWriter:
    """Write one partition. Use as a context manager; on an exception nothing becomes visible.

    With `schema`, rows are cast to it and written in batches as they come. Without, rows are spooled to a
    JSON-lines file on disk, the union of their keys becomes the column list (all text), and the Parquet
    file is written from the spool in batches at the end: records whose fields drift still land whole."""

    def __init__(self, raw_dir: Path | str, source: str, dataset: str, partition: Mapping[str, Any],
                 run_id: str, *, schema: pa.Schema | None = None, cursor: Any = None,
                 batch_rows: int = BATCH_ROWS, query: Mapping[str, Any] | None = None):
        self.raw_dir = Path(raw_dir)
        self.source, self.dataset = source, dataset
        self.partition = dict(partition)
        self.run_id = run_id
        self.schema = schema
        self.cursor = cursor
        self.batch_rows = batch_rows
        self.query = {k: _stringify(v) for k, v in (query or {}).items()}  # what was asked (see landed_for)
        self.requests: list[str] = []  # HTTP clients append redacted URLs here (`trace=`)
        self.extra: dict[str, Any] = {}  # source-specific manifest fields (counts, warnings)
        self.manifest_id = str(uuid.uuid4())
        self.row_count = 0
        self.final_dir = self.raw_dir / source / dataset / partition_path(self.partition)
        self._buffer: list[dict] = []
        self._columns: dict[str, None] = {}  # insertion-ordered union of keys (schema-less mode)
        self._writer: pq.ParquetWriter | None = None
        self._spool = None
        self._content = 0  # order-independent digest of the rows (a merge may reorder them)

    # --- lifecycle ------------------------------------------------------------------------------------
    def __enter__(self) -> "PartitionWriter":
        self.started_at = utcnow()
        self._t0 = time.monotonic()
        staging = self.raw_dir / STAGING
        staging.mkdir(parents=True, exist_ok=True)
        _remove_abandoned(staging)
        self.tmp_dir = Path(tempfile.mkdtemp(dir=staging, prefix=f"{self.source}-{self.dataset}-"))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._abort()
            return
        try:
            self.manifest = self._finish()
        except BaseException:
            self._abort()
            raise

    def _abort(self) -> None:
        if self._writer is not None:
            try:
                self._writer.close()
            except Exception:
                pass
        if self._spool is not None:
            self._spool.close()
        shutil.rmtree(self.tmp_dir, ignore_errors=True)

    # --- writing --------------------------------------------------------------------------------------
    def write(self, rows: Iterable[Mapping[str, Any]]) -> int:
        n = 0
        if self.schema is None and self._spool is None:  # schema may be set after __enter__, before rows
            self._spool = open(self.tmp_dir / "spool.jsonl", "w+b")
        for row in rows:
            n += 1
            if self._spool is not None:
                clean = {k: _stringify(v) for k, v in row.items()}
                self._columns.update(dict.fromkeys(clean))
                self._spool.write(msgspec.json.encode(clean) + b"\n")
            else:
                self._buffer.append(row)
                if len(self._buffer) >= self.batch_rows:
                    self._flush(self._buffer, self._full_schema())
                    self._buffer = []
        self.row_count += n
        return n

    def _full_schema(self) -> pa.Schema:
        base = self.schema if self.schema is not None else pa.schema(
            [pa.field(c, pa.string()) for c in self._columns if c not in ("_manifest_id", "_extracted_at")])
        return pa.schema(list(base) + META_FIELDS)

    def _flush(self, rows: list[dict], schema: pa.Schema) -> None:
        for row in rows:  # what the source said, without our stamps: equal content -> equal digest
            self._content = (self._content + _row_digest(row)) % CONTENT_MODULUS
        stamp = {"_manifest_id": self.manifest_id, "_extracted_at": self.started_at}
        table = pa.Table.from_pylist([{**r, **stamp} for r in rows], schema=schema)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp_dir / DATA_FILE, schema, compression="zstd")
        self._writer.write_table(table)

    def _unchanged_partition(self, content_sha256: str) -> dict | None:
        """The landed partition's manifest when it holds exactly this content (and its data file exists)."""
        landed = _read_manifest(self.final_dir)
        if (landed and landed.get("content_sha256") == content_sha256 and landed.get("row_count") == self.row_count
                # a cursor that moved (a poisoned one refused) must be written even when the rows are equal
                and landed.get("cursor") == json.loads(json.dumps(self.cursor, default=str))
                and (self.final_dir / DATA_FILE).exists()):
            return landed
        return None

    def _finish(self) -> dict:
        schema = self._full_schema()
        if self.schema is None and self._spool is None:  # nothing written: an empty file, columns unknown
            self._flush([], schema)
        elif self._spool is not None:
            self._spool.seek(0)
            batch: list[dict] = []
            for line in self._spool:
                batch.append(msgspec.json.decode(line))
                if len(batch) >= self.batch_rows:
                    self._flush(batch, schema)
                    batch = []
            if batch or self._writer is None:
                self._flush(batch, schema)
            self._spool.close()
            (self.tmp_dir / "spool.jsonl").unlink()
        else:
            if self._buffer or self._writer is None:
                self._flush(self._buffer, schema)
            self._buffer = []
        self._writer.close()
        content_sha256 = f"{self._content:064x}"
        unchanged = self._unchanged_partition(content_sha256)
        if unchanged is not None:
            # A rerun that found exactly what is already landed keeps the landed partition (and its
            # manifest id and extraction time), so the warehouse built from it is byte-identical.
            shutil.rmtree(self.tmp_dir, ignore_errors=True)
            _record_check(self.final_dir, unchanged["manifest_id"], self.run_id, self.query)
            log.info("unchanged %s/%s/%s: %d rows already landed", self.source, self.dataset,
                     unchanged["partition"], self.row_count)
            return {**unchanged, "status": "unchanged", "checked_in_run": self.run_id}
        data_path = self.tmp_dir / DATA_FILE
        finished = utcnow()
        manifest = redact_obj({
            "manifest_id": self.manifest_id,
            "source": self.source,
            "dataset": self.dataset,
            "partition": partition_path(self.partition),
            "partition_values": {k: str(v) for k, v in self.partition.items()},
            "run_id": self.run_id,
            "started_at": _iso(self.started_at),
            "finished_at": _iso(finished),
            "row_count": self.row_count,
            "sha256": file_sha256(data_path),
            "content_sha256": content_sha256,
            "bytes": data_path.stat().st_size,
            "cursor": self.cursor,
            "query": self.query,
            "requests": self.requests,
            "duration_s": round(time.monotonic() - self._t0, 3),
            "status": "success",
            **self.extra,
        })
        (self.tmp_dir / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2, ensure_ascii=False, default=str),
                                                  encoding="utf-8")
        _swap_into_place(self.tmp_dir, self.final_dir, self.raw_dir / STAGING)
        log.info("landed %s/%s/%s: %d rows", self.source, self.dataset, manifest["partition"], self.row_count)
        return manifest


ABANDONED_AFTER_S = 6 * 3600  # a partition still being written after this long belongs to a killed run


def _remove_abandoned(staging: Path) -> None:
    """Half-built partitions of killed runs: never visible to readers, but they would pile up."""
    cutoff = time.time() - ABANDONED_AFTER_S
    for entry in staging.iterdir():
        try:
            if entry.stat().st_mtime < cutoff:
                shutil.rmtree(entry, ignore_errors=True)
        except FileNotFoundError:  # another writer finished or removed it meanwhile
            pass


CONTENT_MODULUS = 1 << 256


def _row_digest(row: Mapping[str, Any]) -> int:
    """A row's sha256 as an integer; their sum mod 2**256 identifies a multiset of rows, whatever the order."""
    encoded = msgspec.json.encode(row, order="sorted", enc_hook=str)  # ~5x json.dumps: it runs once per row
    return int.from_bytes(hashlib.sha256(encoded).digest(), "big")



def _read_manifest(folder: Path) -> dict | None:
    try:
        return json.loads((folder / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _record_check(folder: Path, manifest_id: str, run_id: str, query: Mapping[str, Any]) -> None:
    """Note that a fetch at this moment found the landed content unchanged. Written beside the manifest
    (which stays byte-identical) by rename, so a reader sees the old note or the new one."""
    note = redact_obj({"manifest_id": manifest_id, "checked_at": _iso(utcnow()), "run_id": run_id,
                       "query": dict(query)})
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{CHECK_FILE}.")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(note, fh, indent=2)
        os.replace(tmp, folder / CHECK_FILE)
    except OSError as exc:  # only freshness is lost (the next run asks again); the landed data is intact
        log.warning("could not note the check of %s: %s", folder, exc)


def landed_for(raw_dir: Path | str, source: str, dataset: str, partition: Mapping[str, Any],
               query: Mapping[str, Any] | None = None, since: datetime | None = None) -> dict | None:
    """The landed manifest when this partition was fetched with the same `query` (at or after `since`,
    when given), or fetched again with it and found unchanged; None when it has to be asked again. Lets a
    source without a change cursor (BPS) skip what a rerun of the same interval already fetched, and a
    file drop skip a file already landed from the same bytes."""
    if since is None:
        since = datetime.min.replace(tzinfo=timezone.utc)
    elif since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)
    folder = Path(raw_dir) / source / dataset / partition_path(partition)
    manifest = _read_manifest(folder)
    if not manifest or manifest.get("status") != "success" or not (folder / DATA_FILE).exists():
        return None
    wanted = {k: _stringify(v) for k, v in (query or {}).items()}
    confirmations = [(manifest.get("finished_at"), manifest.get("query"))]
    try:
        note = json.loads((folder / CHECK_FILE).read_text(encoding="utf-8"))
        if note.get("manifest_id") == manifest["manifest_id"]:
            confirmations.append((note.get("checked_at"), note.get("query")))
    except (OSError, ValueError):
        pass
    for at, asked in confirmations:
        try:
            when = datetime.fromisoformat(str(at).replace("Z", "+00:00"))
        except ValueError:
            continue
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        if asked == wanted and when >= since:
            return manifest
    return None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _swap_into_place(tmp_dir: Path, final_dir: Path, staging: Path) -> None:
    """Rename the finished folder over the old partition. The old one is first moved aside (a directory
    cannot be replaced by rename while it has content), then deleted."""
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if final_dir.exists():
        old = staging / f"old-{uuid.uuid4().hex}"
        os.replace(final_dir, old)
    os.replace(tmp_dir, final_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_partition(raw_dir, source, dataset, partition, run_id, rows, *, schema=None, cursor=None,
                    requests: list[str] | None = None, extra: dict | None = None, query: dict | None = None) -> dict:
    """One-call form of `PartitionWriter`; returns the manifest."""
    with PartitionWriter(raw_dir, source, dataset, partition, run_id, schema=schema, cursor=cursor,
                         query=query) as part:
        part.requests.extend(requests or [])
        part.extra.update(extra or {})
        part.write(rows)
    return part.manifest


def read_manifests(raw_dir: Path | str, source: str | None = None, dataset: str | None = None) -> list[dict]:
    """Manifests of the landed partitions (of one source/dataset, or all), oldest first; half-built
    partitions in `.staging` are not landed."""
    base = Path(raw_dir).joinpath(*(part for part in (source, dataset) if part))
    out = []
    for path in _manifest_paths(base):
        try:
            out.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError):
            log.warning("unreadable manifest %s", path)
    return sorted(out, key=lambda m: m.get("finished_at") or "")


def _manifest_paths(base: Path) -> Iterator[Path]:
    """Every manifest under `base`, never entering `.staging`: a concurrent extract renames its half-built
    partitions out of there while we walk (os.walk, unlike rglob, passes over a folder that vanished)."""
    for folder, dirs, files in os.walk(base):
        dirs[:] = [d for d in dirs if d != STAGING]
        if MANIFEST_FILE in files:
            yield Path(folder) / MANIFEST_FILE


def last_cursor(raw_dir: Path | str, source: str, dataset: str, match: Mapping[str, Any] | None = None) -> Any:
    """The cursor of the latest successful partition of a dataset whose partition values include `match`
    (e.g. `{"portal": "jatim"}`); None when there is none (first run: pull everything)."""
    match = {k: str(v) for k, v in (match or {}).items()}
    for manifest in reversed(read_manifests(raw_dir, source, dataset)):
        values = manifest.get("partition_values") or {}
        if manifest.get("status") == "success" and all(values.get(k) == v for k, v in match.items()):
            if manifest.get("cursor") is not None:
                return manifest["cursor"]
    return None


def quarantine_path(quarantine_dir: Path | str, source: str, dataset: str, name: str) -> Path:
    return Path(quarantine_dir) / source / dataset / _fit_name(f"{safe_value(name)}.parquet")


def write_quarantine(quarantine_dir: Path | str, source: str, dataset: str, name: str, rows: list[dict],
                     run_id: str) -> str | None:
    """Rows that could not land, each with a `reason`, at `<quarantine>/<source>/<dataset>/<name>.parquet`
    (replaced whole on rerun, like a partition). Returns the path, or None when there is nothing."""
    target = quarantine_path(quarantine_dir, source, dataset, name)
    if not rows:
        target.unlink(missing_ok=True)
        return None
    columns = list(dict.fromkeys(k for r in rows for k in r))
    if "reason" not in columns:
        raise ValueError("quarantined rows need a reason")
    schema = pa.schema([pa.field(c, pa.string()) for c in columns] +
                       [pa.field("_run_id", pa.string()), pa.field("_quarantined_at", pa.timestamp("us", tz="UTC"))])
    now = utcnow()
    table = pa.Table.from_pylist(
        [{**{c: redact(_stringify(r.get(c))) if r.get(c) is not None else None for c in columns},
          "_run_id": run_id, "_quarantined_at": now} for r in rows], schema=schema)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name[:100]}.")
    os.close(fd)
    try:
        pq.write_table(table, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return str(target)


def summary(manifest: dict) -> dict:
    """The small JSON-able view of a manifest that travels over XCom."""
    keys = ("manifest_id", "source", "dataset", "partition", "row_count", "cursor", "duration_s", "status")
    return {k: manifest.get(k) for k in keys}
