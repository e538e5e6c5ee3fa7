"""The quality gate: validate with GX Core, record results in the warehouse, build Data Docs, and block
publication on critical failures.

    result = audit(candidate_path, run_id=run_id, docs_dir=settings.docs_dir / "gx")
    record_results(candidate_path, result)      # -> quality.validation_results in the candidate
    result.raise_for_critical()                 # QualityGateFailed names suite, expectation, values, rows

Engine: tables are read from DuckDB into pandas DataFrames (the DuckDB file opened read-only) and each is
validated through a GX pandas data source (`add_dataframe_asset` + whole-dataframe batch definition). GX's
SQL data source over duckdb-engine fails every expectation in GX 1.x, so it is not used.

Context: an *ephemeral* GX context configured in code: suites, data sources and validation definitions in
memory, the validation-results store and the Data Docs site on disk under `docs_dir` (results in
`docs_dir/.results/`, newest 20 runs per suite). Suites live as code in this package and are rebuilt on
every run from the data's shape (which tables and indicators exist), so a file context's stored suites,
checkpoints and `great_expectations.yml` would only be a second copy to keep in sync - and a run with
another `docs_dir` (tests, CI) would have to rewrite that committed config. Because the results store is
on disk, the Data Docs index shows the raw and the mart validations (separate Airflow tasks) and recent
history. The full history lives in `quality.validation_results`.
GX is imported inside functions only (5-8 s import)."""
from __future__ import annotations

import json
import logging
import math
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Sequence

from expectations import marts as marts_suite
from expectations import raw as raw_suite
from expectations.spec import CRITICAL, WARNING, TableSpec

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

MARTS = "marts"
RAW = "raw"
REQUIRED_MART_TABLES = ("dim_region", "fct_indicator_value")
SAMPLE_ROWS = 5
STATE_FILE = "raw_row_counts.json"
RESULTS_SUBDIR = ".results"     # GX validation results store under the Data Docs folder
KEEP_RUNS_IN_DOCS = 20          # runs per suite kept in the results store (and so in the Data Docs)


class QualityGateFailed(Exception):
    """Critical expectations failed: the candidate must not be published."""

    def __init__(self, message: str, result: "AuditResult"):
        super().__init__(message)
        self.result = result


@dataclass
class ExpectationResult:
    suite: str
    table_name: str
    expectation: str           # e.g. "expect_column_values_to_be_between(value)"
    description: str           # plain words, e.g. "values of SE01 are between 0 and 100"
    severity: str              # critical | warning
    success: bool
    observed_value: str | None
    unexpected_count: int | None = None
    element_count: int | None = None
    unexpected_sample: list = field(default_factory=list)
    expectation_type: str = ""
    column_name: str | None = None
    kwargs: dict = field(default_factory=dict)

    def plain(self) -> str:
        """One failure in plain words, with a few offending rows."""
        text = (f"suite '{self.suite}', table {self.table_name}: expectation '{self.description}' "
                f"[{self.expectation}] failed ({self.severity}); observed: {self.observed_value}")
        if self.unexpected_sample:
            rows = "; ".join(_row_words(r) for r in self.unexpected_sample[:SAMPLE_ROWS])
            text += f"; offending rows: {rows}"
        return text


@dataclass
class AuditResult:
    run_id: str
    validated_at: datetime
    results: list[ExpectationResult] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)   # [{suite, table_name, reason}]
    docs_index: Path | None = None
    duration_s: float = 0.0
    row_counts: dict[str, int] = field(default_factory=dict)

    @property
    def critical_failures(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success and r.severity == CRITICAL]

    @property
    def warnings(self) -> list[ExpectationResult]:
        return [r for r in self.results if not r.success and r.severity != CRITICAL]

    @property
    def success(self) -> bool:
        return not self.critical_failures

    def summary(self) -> dict:
        """JSON-able counts (travels over XCom)."""
        return {
            "run_id": self.run_id,
            "success": self.success,
            "evaluated": len(self.results),
            "passed": sum(r.success for r in self.results),
            "failed": sum(not r.success for r in self.results),
            "critical_failed": len(self.critical_failures),
            "warnings": len(self.warnings),
            "skipped": [f"{s['table_name']}: {s['reason']}" for s in self.skipped],
            "data_docs": str(self.docs_index) if self.docs_index else None,
            "duration_s": round(self.duration_s, 2),
        }

    def message(self) -> str:
        crit = self.critical_failures
        lines = [f"Quality gate failed for run {self.run_id}: {len(crit)} critical expectation(s) failed; "
                 "the candidate is not published and the last good warehouse stays served."]
        lines += [f"  - {r.plain()}" for r in crit]
        if self.warnings:
            lines.append(f"  ({len(self.warnings)} warning(s) also recorded)")
        if self.docs_index:
            lines.append(f"  Data Docs: {self.docs_index}")
        return "\n".join(lines)

    def raise_for_critical(self) -> None:
        if self.critical_failures:
            raise QualityGateFailed(self.message(), self)

    def to_json(self) -> dict:
        return {"run_id": self.run_id, "validated_at": self.validated_at.isoformat(),
                "results": [asdict(r) for r in self.results], "skipped": self.skipped,
                "docs_index": str(self.docs_index) if self.docs_index else None,
                "duration_s": self.duration_s, "row_counts": self.row_counts}

    @classmethod
    def from_json(cls, data: dict) -> "AuditResult":
        return cls(run_id=data["run_id"], validated_at=datetime.fromisoformat(data["validated_at"]),
                   results=[ExpectationResult(**r) for r in data["results"]], skipped=data.get("skipped", []),
                   docs_index=Path(data["docs_index"]) if data.get("docs_index") else None,
                   duration_s=data.get("duration_s", 0.0), row_counts=data.get("row_counts", {}))


# --- public API ----------------------------------------------------------------------------------------

def audit(duckdb_path: str | Path, suites: Sequence[str] = (MARTS,), run_id: str | None = None,
          docs_dir: str | Path | None = None, raw_dir: str | Path | None = None,
          state_dir: str | Path | None = None) -> AuditResult:
    """Validate the candidate DuckDB file (opened read-only) with the mart suites, and with `"raw"` in
    `suites` the landing zone too. Builds Data Docs into `docs_dir` (default `warehouse/docs/gx`).
    Never raises on failed expectations: call `raise_for_critical()`."""
    started = time.monotonic()
    run_id = run_id or default_run_id()
    validated_at = datetime.now(timezone.utc)
    settings = _settings()
    docs_dir = Path(docs_dir) if docs_dir else settings.docs_dir / "gx"
    result = AuditResult(run_id=run_id, validated_at=validated_at)
    session = _GXSession(docs_dir, run_id, validated_at)
    unknown = set(suites) - {MARTS, RAW}
    if unknown:
        raise ValueError(f"unknown suites {sorted(unknown)}; choose from {MARTS!r}, {RAW!r}")
    if MARTS in suites:
        _audit_marts(Path(duckdb_path), session, result)
    if RAW in suites:
        _audit_raw(Path(raw_dir) if raw_dir else settings.raw_dir, session, result,
                   Path(state_dir) if state_dir else settings.warehouse_dir / "quality")
    result.docs_index = session.build_docs()
    result.duration_s = time.monotonic() - started
    return result


def audit_raw(raw_dir: str | Path, run_id: str | None = None, docs_dir: str | Path | None = None,
              state_dir: str | Path | None = None) -> AuditResult:
    """Raw-boundary suites over the landing zone. Row counts of a passing dataset become the baseline of
    the next run (`<state_dir>/raw_row_counts.json`); the results wait in `<state_dir>/pending/<run_id>.json`
    until `record_results` stores them with the mart results of the same run."""
    started = time.monotonic()
    run_id = run_id or default_run_id()
    validated_at = datetime.now(timezone.utc)
    settings = _settings()
    docs_dir = Path(docs_dir) if docs_dir else settings.docs_dir / "gx"
    state_dir = Path(state_dir) if state_dir else settings.warehouse_dir / "quality"
    result = AuditResult(run_id=run_id, validated_at=validated_at)
    session = _GXSession(docs_dir, run_id, validated_at)
    _audit_raw(Path(raw_dir), session, result, state_dir)
    result.docs_index = session.build_docs()
    result.duration_s = time.monotonic() - started
    pending = state_dir / "pending" / f"{_safe(run_id)}.json"
    _write_json(pending, result.to_json())
    return result


def record_results(duckdb_path: str | Path, result: AuditResult, state_dir: str | Path | None = None) -> int:
    """Append every result to `quality.validation_results` in the DuckDB file (created if absent), plus the
    raw-boundary results of the same run waiting from `audit_raw`. Returns the number of rows written."""
    import duckdb
    import pandas as pd

    state_dir = Path(state_dir) if state_dir else _settings().warehouse_dir / "quality"
    pending = state_dir / "pending" / f"{_safe(result.run_id)}.json"
    batches = [result]
    if pending.exists() and not any(r.suite.startswith("raw") for r in result.results):
        batches.append(AuditResult.from_json(json.loads(pending.read_text())))
    rows = []
    for batch in batches:
        for r in batch.results:
            rows.append({
                "run_id": batch.run_id, "validated_at": batch.validated_at, "suite": r.suite,
                "table_name": r.table_name, "expectation": r.expectation, "expectation_type": r.expectation_type,
                "column_name": r.column_name, "description": r.description, "severity": r.severity,
                "success": bool(r.success), "observed_value": r.observed_value,
                "unexpected_count": r.unexpected_count, "element_count": r.element_count,
                "unexpected_sample": json.dumps(r.unexpected_sample, default=_json_default, ensure_ascii=False),
                "kwargs": json.dumps(r.kwargs, default=_json_default, ensure_ascii=False, sort_keys=True),
            })
    frame = pd.DataFrame(rows, columns=list(_RESULT_COLUMNS))
    frame["unexpected_count"] = frame["unexpected_count"].astype("Int64")
    frame["element_count"] = frame["element_count"].astype("Int64")
    frame["validated_at"] = pd.to_datetime(frame["validated_at"], utc=True)
    con = duckdb.connect(str(duckdb_path))
    try:
        con.execute("create schema if not exists quality")
        cols = ", ".join(f"{name} {kind}" for name, kind in _RESULT_COLUMNS.items())
        con.execute(f"create table if not exists quality.validation_results ({cols})")
        con.register("_gx_results", frame)
        con.execute("insert into quality.validation_results by name select * from _gx_results")
        con.unregister("_gx_results")
        con.execute("checkpoint")
    finally:
        con.close()
    if len(batches) > 1:
        pending.unlink(missing_ok=True)
    return len(rows)


_ISO_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?")
_UNSAFE_IN_FILE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def file_safe_name(text: str) -> str:
    """A name usable as a file or folder name everywhere (Windows shares included): ISO timestamps become
    compact UTC (`2026-01-01T07:00:00+07:00` -> `20260101T000000Z`), any other character outside
    `A-Za-z0-9._-` becomes `-`."""
    def compact(m: re.Match) -> str:
        try:
            moment = datetime.fromisoformat(m.group(0).replace("Z", "+00:00"))
        except ValueError:
            return m.group(0)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc)
        text = moment.strftime("%Y%m%dT%H%M%S") + (f".{m.group(7)}" if m.group(7) else "")
        return text + ("Z" if moment.tzinfo is not None else "")

    return _UNSAFE_IN_FILE_NAME.sub("-", _ISO_TIMESTAMP.sub(compact, text)).strip("-") or "run"


def default_run_id() -> str:
    return datetime.now(timezone.utc).strftime("audit-%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:6]


_RESULT_COLUMNS = {
    "run_id": "VARCHAR", "validated_at": "TIMESTAMPTZ", "suite": "VARCHAR", "table_name": "VARCHAR",
    "expectation": "VARCHAR", "expectation_type": "VARCHAR", "column_name": "VARCHAR", "description": "VARCHAR",
    "severity": "VARCHAR", "success": "BOOLEAN", "observed_value": "VARCHAR", "unexpected_count": "BIGINT",
    "element_count": "BIGINT", "unexpected_sample": "VARCHAR", "kwargs": "VARCHAR",
}


# --- suites over their data ----------------------------------------------------------------------------

def _audit_marts(path: Path, session: "_GXSession", result: AuditResult) -> None:
    import duckdb

    if not path.exists():
        result.results.append(_synthetic(MARTS, str(path), "the candidate warehouse file exists",
                                         f"no file at {path}"))
        return
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = {name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        for table in REQUIRED_MART_TABLES:
            if table not in tables:
                result.results.append(_synthetic(MARTS, f"marts.{table}", f"table marts.{table} exists",
                                                 "table is missing from the candidate"))
        for spec in marts_suite.specs(tables):
            name = spec.table.split(".", 1)[1]
            if name not in tables:
                result.skipped.append({"suite": spec.suite, "table_name": spec.table,
                                       "reason": "table absent from the candidate"})
                continue
            df = con.execute(f'select * from marts."{name}"').df()
            result.row_counts[spec.table] = len(df)
            result.results += session.validate(spec, df)
    finally:
        con.close()


def _audit_raw(raw_dir: Path, session: "_GXSession", result: AuditResult, state_dir: Path) -> None:
    state_path = state_dir / STATE_FILE
    previous = json.loads(state_path.read_text()) if state_path.exists() else {}
    previous_counts = {k: v.get("rows") if isinstance(v, dict) else v for k, v in previous.items()}
    passed: dict[str, int] = {}
    for dataset, spec in raw_suite.specs(previous_counts).items():
        df = raw_suite.read_dataset(raw_dir, dataset)
        if df is None:
            if previous_counts.get(dataset):
                result.results.append(_synthetic(
                    spec.suite, spec.table, f"the {dataset} landing data exist (the previous run had "
                    f"{previous_counts[dataset]} rows)", "no partition in the landing zone", CRITICAL))
            else:
                result.skipped.append({"suite": spec.suite, "table_name": spec.table,
                                       "reason": f"no partition under {raw_dir / raw_suite.DATASETS[dataset]}"})
            continue
        result.row_counts[spec.table] = len(df)
        outcomes = session.validate(spec, df)
        result.results += outcomes
        if all(o.success or o.severity != CRITICAL for o in outcomes):
            passed[dataset] = len(df)
    if passed:
        now = datetime.now(timezone.utc).isoformat()
        previous.update({k: {"rows": v, "run_id": result.run_id, "at": now} for k, v in passed.items()})
        _write_json(state_path, previous)


# --- GX ------------------------------------------------------------------------------------------------

class _GXSession:
    """One ephemeral GX context per audit, with a filesystem Data Docs site at `docs_dir`."""

    def __init__(self, docs_dir: Path, run_id: str, run_time: datetime):
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        import great_expectations as gx
        from great_expectations.core.run_identifier import RunIdentifier
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.gx = gx
        self.docs_dir = Path(docs_dir)
        self.docs_dir.mkdir(parents=True, exist_ok=True)
        from great_expectations.data_context.types.base import (DataContextConfig,
                                                                InMemoryStoreBackendDefaults)

        config = DataContextConfig(store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False))
        # validation results persist next to the Data Docs, so the index lists the raw and the mart runs
        # (separate tasks) and the recent history; suites stay in memory (they are code)
        self.results_dir = self.docs_dir / RESULTS_SUBDIR
        config.stores[config.validation_results_store_name] = {
            "class_name": "ValidationResultsStore",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend",
                              "base_directory": str(self.results_dir)}}
        config.data_docs_sites = {"smartcity": {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(self.docs_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        }}
        self.context = gx.get_context(project_config=config, mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.source = self.context.data_sources.add_pandas("smartcity")
        # GX names folders after the run name: an Airflow run id (`manual__2026-01-01T00:00:00+00:00`) would
        # put `:` and `+` into paths, which Windows shares refuse
        self.run_identifier = RunIdentifier(run_name=file_safe_name(run_id), run_time=run_time)
        self.validated = 0

    def validate(self, spec: TableSpec, df) -> list[ExpectationResult]:
        gx = self.gx
        if spec.prepare is not None:
            df = spec.prepare(df)
        expectations = spec.build(df)
        suite = self.context.suites.add(gx.ExpectationSuite(name=spec.gx_suite_name))
        for exp in expectations:
            suite.add_expectation(exp)
        asset = self.source.add_dataframe_asset(spec.gx_suite_name)
        batch = asset.add_batch_definition_whole_dataframe("whole")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=spec.gx_suite_name, data=batch, suite=suite))
        index_columns = [c for c in spec.index_columns if c in df.columns]
        result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": SAMPLE_ROWS}
        if index_columns:
            result_format["unexpected_index_column_names"] = index_columns
        validation = definition.run(batch_parameters={"dataframe": df}, result_format=result_format,
                                    run_id=self.run_identifier)
        self.validated += 1
        return [_outcome(spec, r) for r in validation.results]

    def build_docs(self) -> Path | None:
        if not self.validated:
            return None
        _rename_unsafe(self.results_dir)
        _rename_unsafe(self.docs_dir / "validations")
        _prune_results(self.results_dir, KEEP_RUNS_IN_DOCS)
        _prune_results(self.docs_dir / "validations", KEEP_RUNS_IN_DOCS)
        # render this run's pages only (older pages stay on disk); the index lists every stored result
        store = self.context.validation_results_store
        current = [k for k in store.list_keys()
                   if getattr(k.run_id, "run_name", None) == self.run_identifier.run_name
                   and getattr(k.run_id, "run_time", None) == self.run_identifier.run_time]
        for key in current:
            _escape_stored_result(store, key)
        self.context.build_data_docs(site_names=["smartcity"], resource_identifiers=current or None)
        _localize_docs(self.docs_dir)
        index = self.docs_dir / "index.html"
        return index if index.exists() else None


def _localize_docs(docs_dir: Path) -> None:
    """Point the pages at local copies of the CDN assets, so the docs work offline (docs_assets)."""
    from expectations import docs_assets

    try:
        docs_assets.localize(docs_dir)
    except docs_assets.AssetsMissing as exc:
        logging.getLogger(__name__).warning("Data Docs keep their CDN links (they need internet): %s", exc)


def _escape_stored_result(store, key) -> None:
    """Escape what the data put into a stored validation result before the Data Docs render it: GX puts
    unexpected values and index values (a package id chosen by a portal, say `<img src=x onerror=...>`)
    into the page unescaped, and analysts open that page when a gate fails. Our own messages and
    quality.validation_results are built from the in-memory results, so they keep the values as they are."""
    validation = store.get(key)
    for evr in validation.results:
        evr.result = _html_escaped(dict(evr.result or {}))
        if evr.exception_info:
            evr.exception_info = _html_escaped(evr.exception_info)
    store.set(key, validation)


def _html_escaped(value: Any) -> Any:
    import html

    if isinstance(value, str):
        return html.escape(value, quote=True)
    if isinstance(value, dict):
        return {k: _html_escaped(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_html_escaped(v) for v in value]
    return value


def _outcome(spec: TableSpec, evr) -> ExpectationResult:
    config = evr.expectation_config
    kwargs = {k: v for k, v in dict(config.kwargs).items() if k not in ("batch_id", "result_format")}
    severity = getattr(config, "severity", None) or (config.meta or {}).get("severity") or CRITICAL
    severity = getattr(severity, "value", severity)
    column = kwargs.get("column") or (",".join(kwargs["column_list"]) if kwargs.get("column_list") else None)
    description = (config.meta or {}).get("description") or config.type.replace("_", " ")
    res = dict(evr.result or {})
    exception = evr.exception_info or {}
    raised = exception.get("raised_exception") if isinstance(exception, dict) else False
    if raised:
        observed = f"the check could not run: {exception.get('exception_message')}"
        sample: list = []
    else:
        observed, sample = _observed(res, kwargs)
    for key in ("value_set",):
        if key in kwargs and isinstance(kwargs[key], (list, set, tuple)) and len(kwargs[key]) > 20:
            kwargs[key] = f"<{len(kwargs[key])} values>"
    if "row_condition" in kwargs and kwargs["row_condition"] is not None:
        kwargs["row_condition"] = repr(kwargs["row_condition"])
    return ExpectationResult(
        suite=spec.suite, table_name=spec.table, expectation=config.type + (f"({column})" if column else ""),
        description=description, severity=str(severity), success=bool(evr.success), observed_value=observed,
        unexpected_count=_int(res.get("unexpected_count")), element_count=_int(res.get("element_count")),
        unexpected_sample=sample, expectation_type=config.type, column_name=column, kwargs=kwargs)


def _observed(res: dict, kwargs: dict) -> tuple[str | None, list]:
    sample: list = []
    if res.get("partial_unexpected_index_list"):
        sample = list(res["partial_unexpected_index_list"])[:SAMPLE_ROWS]
    elif res.get("partial_unexpected_list"):
        sample = [v if isinstance(v, dict) else {"value": v} for v in res["partial_unexpected_list"]][:SAMPLE_ROWS]
    if "partial_missing_list" in res:
        missing = list(res.get("partial_missing_list") or [])
        if missing:
            sample = [{"missing": m} for m in missing[:SAMPLE_ROWS]]
            return (f"{res.get('missing_count', len(missing))} expected value(s) missing, e.g. "
                    f"{', '.join(map(str, missing[:SAMPLE_ROWS]))}"), sample
    if "partial_missing_list" in res or "missing_count" in res and "unexpected_count" not in res:
        return "all expected values present", sample
    if "observed_value" in res and res["observed_value"] is not None:
        value = res["observed_value"]
        if isinstance(value, (list, tuple, set)) and kwargs.get("column_set") is not None:
            # a column-set failure: name the renamed, extra or missing columns, not the whole list
            extra = sorted(set(value) - set(kwargs["column_set"]))
            missing = sorted(set(kwargs["column_set"]) - set(value))
            return f"unexpected columns {extra}, missing columns {missing}", sample
        if isinstance(value, (list, tuple, set)) and len(value) > 20:
            value = f"{len(value)} values, e.g. {list(value)[:SAMPLE_ROWS]}"
        return _text(value), sample
    if res.get("unexpected_count") is not None:
        n, total = res.get("unexpected_count"), res.get("element_count")
        text = f"{n} of {total} rows unexpected"
        values = [v for v in (res.get("partial_unexpected_list") or [])][:SAMPLE_ROWS]
        if n and values:
            text += f", e.g. {', '.join(_text(v) for v in values)}"
        return text, sample
    return None, sample


def _synthetic(suite: str, table: str, description: str, observed: str, severity: str = CRITICAL) -> ExpectationResult:
    return ExpectationResult(suite=suite, table_name=table, expectation="table_exists()", description=description,
                             severity=severity, success=False, observed_value=observed,
                             expectation_type="table_exists")


# --- helpers -------------------------------------------------------------------------------------------

def _settings():
    from smartcity_base.settings import get_settings

    return get_settings()


def _row_words(row: Any) -> str:
    if isinstance(row, dict):
        return ", ".join(f"{k}={_text(v)}" for k, v in row.items())
    return _text(row)


def _text(value: Any) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "null"
    if value is None:
        return "null"
    if isinstance(value, (dict, list)):
        return json.dumps(value, default=_json_default, ensure_ascii=False)
    return str(value)


def _int(value: Any) -> int | None:
    try:
        return None if value is None else int(value)
    except (TypeError, ValueError):
        return None


def _json_default(value: Any):
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if hasattr(value, "item"):      # numpy scalars
        return value.item()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


_RUN_TIME_DIR = re.compile(r"^\d{8}T\d{6}(\.\d+)?Z$")


def _prune_results(results_dir: Path, keep: int) -> None:
    """Keep the newest `keep` runs of each suite in a GX results tree laid out as
    <suite path>/<run_name>/<run_time>/<batch>.(json|html); a run folder is one whose children are
    run-time folders."""
    import shutil

    if not results_dir.is_dir():
        return
    runs_by_suite: dict[Path, list[Path]] = {}
    for folder in results_dir.rglob("*"):
        if folder.is_dir() and _RUN_TIME_DIR.match(folder.name):
            run = folder.parent
            runs_by_suite.setdefault(run.parent, [])
            if run not in runs_by_suite[run.parent]:
                runs_by_suite[run.parent].append(run)
    for runs in runs_by_suite.values():
        runs.sort(key=lambda p: p.stat().st_mtime)
        for old in runs[:-keep] if len(runs) > keep else []:
            shutil.rmtree(old, ignore_errors=True)


def _rename_unsafe(root: Path) -> None:
    """Folders and files written before run names were made file-safe (`manual__2026-...T00:00:00+00:00`)
    get their safe names, so the whole docs folder can be copied to a Windows share."""
    import shutil

    if not root.is_dir():
        return
    for path in sorted(root.rglob("*"), key=lambda p: len(p.parts), reverse=True):   # deepest first
        safe = file_safe_name(path.name)
        if path.suffix and path.is_file():
            safe = file_safe_name(path.stem) + path.suffix
        if safe == path.name:
            continue
        target = path.with_name(safe)
        if target.exists():
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        else:
            path.rename(target)


def _safe(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in text)[:120]


def _write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, default=_json_default, indent=2, ensure_ascii=False))
    os.replace(tmp, path)


__all__ = ["audit", "audit_raw", "record_results", "AuditResult", "ExpectationResult", "QualityGateFailed",
           "CRITICAL", "WARNING"]
