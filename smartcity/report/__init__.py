"""The yearly evaluation report as a static site (issue 14): national overview, program impact, data
quality and one scorecard per region, built from the published warehouse after every publish and
rollback. Pages open by double-click and print; nothing in them asks a network for anything: charts are
drawn by a Vega bundle written next to them, styles and scripts are local files.

`build_report(settings, out_dir=None, year=None, region=None, lang="id")`; `smartcity report` calls it."""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from smartcity_base.settings import Settings, get_settings

HERE = Path(__file__).parent
REPORT_DIRNAME = "report"


class ReportError(RuntimeError):
    pass


@dataclass
class ReportResult:
    path: Path
    pages: int
    regions: int
    bytes: int
    version_id: str | None
    duration_s: float = 0.0
    files: list[str] = field(default_factory=list)

    def summary(self) -> dict:
        return {"path": str(self.path / "index.html"), "pages": self.pages, "regions": self.regions,
                "bytes": self.bytes, "version_id": self.version_id, "duration_s": round(self.duration_s, 2)}

    def __str__(self) -> str:
        return (f"report: {self.pages} pages ({self.regions} scorecards, {self.bytes / 1e6:.1f} MB) from "
                f"{self.version_id} in {self.duration_s:.1f} s -> {self.path / 'index.html'}")


def report_dir(settings: Settings | None = None) -> Path:
    """`warehouse/report`: a link to the served version's report, switched with the served file."""
    return (settings or get_settings()).warehouse_dir / REPORT_DIRNAME


def version_report_dir(settings: Settings, version_id: str) -> Path:
    return settings.versions_dir / f"{version_id}.report"


def publish_report(settings: Settings | None = None, *, lang: str = "id", year: int | None = None) -> ReportResult:
    """Build the served version's report beside that version and point `warehouse/report` at it. The
    Airflow task after publish and `smartcity report` call this; a rollback only moves the link back."""
    from smartcity.publish import current

    settings = settings or get_settings()
    version = current(settings)
    if not version:
        raise ReportError(f"nothing is published in {settings.warehouse_dir}: run the pipeline (make demo) first")
    result = build_report(settings, out_dir=version_report_dir(settings, version["version_id"]), lang=lang,
                          year=year, version=version)
    link_report(settings, version["version_id"])
    result.path = report_dir(settings)
    return result


def link_report(settings: Settings, version_id: str) -> Path | None:
    """Point `warehouse/report` at `version_id`'s report in one rename; without one, remove the link so
    no other version's numbers are shown as this one's."""
    link = report_dir(settings)
    target = version_report_dir(settings, version_id)
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)   # a folder written by an older release
    if not target.is_dir():
        link.unlink(missing_ok=True)
        return None
    tmp = link.with_name(f".{link.name}.link-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(os.path.relpath(target, link.parent), target_is_directory=True)
    os.replace(tmp, link)
    return target


def build_report(settings: Settings | None = None, *, out_dir: str | Path | None = None, year: int | None = None,
                 region: str | None = None, lang: str = "id", warehouse: str | Path | None = None,
                 version: dict | None = None) -> ReportResult:
    """Write the report for the served warehouse (or `warehouse`, e.g. a version being served) into
    `out_dir` (default `warehouse/report/`), replacing the previous report in one rename."""
    from smartcity.publish import _swap_dirs, current
    from smartcity.report import pages
    from smartcity.report.data import load

    started = time.monotonic()
    settings = settings or get_settings()
    if lang not in ("id", "en"):
        raise ReportError(f"unknown language {lang!r}: use id or en")
    source = Path(warehouse) if warehouse else settings.published_path
    if not source.is_file():
        raise ReportError(f"no published warehouse at {source}: run the pipeline (make demo) first")
    version = version or current(settings) or {"version_id": source.stem}
    data = load(source, version)
    if region and region not in data.region:
        raise ReportError(f"unknown region code {region!r} (use the Kemendagri code, e.g. 16.05)")
    if year is not None and year not in data.years:
        raise ReportError(f"no index for {year}; years with data: {data.years[0]}..{data.years[-1]}")

    if out_dir:
        target = Path(out_dir)
    elif region:   # one scorecard never replaces the served report
        target = Path.cwd() / f"report-{region}"
    else:
        target = version_report_dir(settings, version["version_id"])
    staging = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        written = pages.write_site(data, staging, year=year, region=region, lang=lang,
                                   built_at=datetime.now(timezone.utc))
        target.parent.mkdir(parents=True, exist_ok=True)
        _swap_dirs(staging, target)   # the exports' atomic folder swap
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
    return ReportResult(target, pages=len(written), regions=sum(1 for w in written if w.startswith("regions/")),
                        bytes=size, version_id=version.get("version_id"), duration_s=time.monotonic() - started,
                        files=written)

