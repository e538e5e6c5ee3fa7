"""`smartcity doctor`: the whole configuration checked before a run, each problem with what to fix.

Checks (each tagged with the source kind it concerns, so a DAG checks only what it runs):
- `extractors/sources.yml` against its schema (unknown keys, typos in a paging style or auth, types);
- every configured CKAN portal, regency system and BPS has a connection, and every portal a row in
  `dbt_project/seeds/project/ckan_portals.csv`;
- evaluation weights: every version's weight column exists, sums to 1, validity ranges without gap or
  overlap;
- every declared regency entity and every landed dataset is read by a staging model.

Light imports only (pydantic, yaml, csv): the DAGs call `check()` in their first task."""
from __future__ import annotations

import csv
import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Literal

from smartcity_base.settings import (DBT_PROJECT_DIR, PORTAL_REGISTRY, PROJECT_ROOT, PROJECT_SEEDS_DIR, REFERENCE_DIR,
                                     Settings, get_settings)

SOURCES_YML = PROJECT_ROOT / "extractors" / "sources.yml"
STAGING_DIR = DBT_PROJECT_DIR / "models" / "staging"
WEIGHT_TOLERANCE = 1e-6


class ConfigurationError(Exception):
    """The configuration is wrong: retrying will not help; the message says what to fix."""


@dataclass(frozen=True)
class Problem:
    kind: str      # bps | ckan | regency | spreadsheet | reference | staging
    what: str      # what is wrong
    fix: str       # what to do about it

    def __str__(self) -> str:
        return f"[{self.kind}] {self.what} -> {self.fix}"


# --- sources.yml schema ----------------------------------------------------------------------------------

def _schema():
    from pydantic import BaseModel, ConfigDict, Field

    class EntitySpec(BaseModel):
        model_config = ConfigDict(extra="forbid")
        path: str | None = None
        paging: Literal["page", "cursor", "link-header"]
        record_path: str = "data"
        page_param: str = "page"
        size_param: str | None = "per_page"
        page_size: int = Field(100, gt=0)
        cursor_param: str = "cursor"
        next_cursor_path: str = "next_cursor"
        cursor_field: str | None = None
        since_param: str | None = None
        primary_key: str | None = "id"

    class SystemSpec(BaseModel):
        model_config = ConfigDict(extra="forbid")
        connection: str | None = None
        auth: Literal["bearer", "header", "basic", "none"] = "bearer"
        auth_header: str = "Authorization"
        base_path: str = ""
        entities: dict[str, EntitySpec] = Field(min_length=1)

    class SourcesFile(BaseModel):
        model_config = ConfigDict(extra="forbid")
        systems: dict[str, SystemSpec] = {}

    return SourcesFile


def check_sources_yml(path: Path = SOURCES_YML) -> tuple[list[Problem], dict]:
    """Problems in sources.yml and the parsed systems ({} when it does not parse)."""
    import yaml
    from pydantic import ValidationError

    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        return [Problem("regency", f"{path.name} cannot be read: {str(exc).splitlines()[0]}",
                        f"fix the YAML syntax of {path}")], {}
    try:
        parsed = _schema().model_validate(doc)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"])
            allowed = ""
            if err["type"] == "extra_forbidden":
                allowed = " (unknown key: a typo? see the key list at the top of sources.yml)"
            elif err["type"] == "literal_error":
                allowed = f" ({err.get('ctx', {}).get('expected', '')})"
            problems.append(Problem("regency", f"{path.name} {where}: {err['msg']}{allowed}",
                                    f"correct `{where}` in {path}"))
        return problems, {}
    return [], {name: spec for name, spec in parsed.systems.items()}


# --- connections and registries --------------------------------------------------------------------------

def _portal_registry() -> set[str]:
    with open(PORTAL_REGISTRY, encoding="utf-8", newline="") as fh:
        return {row["portal"].strip().upper() for row in csv.DictReader(fh)}


def check_connections(systems: dict, resolve: Callable[[str], object | None] | None = None,
                      kinds: set[str] | None = None) -> list[Problem]:
    from smartcity.connections import conn_exists, ckan_portals

    resolve = resolve or conn_exists
    problems = []
    if kinds is None or "ckan" in kinds:
        registry = _portal_registry()
        for portal in ckan_portals():
            conn_id = f"smartcity_ckan_{portal}"
            if not resolve(conn_id):
                problems.append(Problem("ckan", f"portal {portal}: connection {conn_id} is not configured",
                                        f"add it (`airflow connections add {conn_id} --conn-uri http://HOST/` "
                                        f"or AIRFLOW_CONN_{conn_id.upper()})"))
            if portal.upper() not in registry:
                problems.append(Problem("ckan", f"portal {portal}: no row in seeds/project/ckan_portals.csv "
                                        "(its packages would all be unresolved_unknown_key)",
                                        f"add `{portal.upper()},<portal_level>,<region_code>,<province_code>,"
                                        "<title>` to dbt_project/seeds/project/ckan_portals.csv"))
    if kinds is None or "regency" in kinds:
        for name, spec in sorted(systems.items()):
            conn_id = spec.connection or f"smartcity_regency_{name}"
            if not resolve(conn_id):
                problems.append(Problem("regency", f"system {name}: connection {conn_id} is not configured",
                                        f"add it (`airflow connections add {conn_id} --conn-uri "
                                        f"http://:TOKEN@HOST/` or AIRFLOW_CONN_{conn_id.upper()})"))
    if kinds is None or "bps" in kinds:
        if not resolve("smartcity_bps"):
            problems.append(Problem("bps", "connection smartcity_bps is not configured",
                                    "add it with the BPS App ID as password (`airflow connections add "
                                    "smartcity_bps --conn-uri https://:APP_ID@webapi.bps.go.id/v1/api`)"))
    return problems


# --- evaluation weights ----------------------------------------------------------------------------------

def check_weights(seeds_dir: Path = PROJECT_SEEDS_DIR, reference_dir: Path = REFERENCE_DIR) -> list[Problem]:
    versions_csv = seeds_dir / "evaluation_weight_versions.csv"
    components_csv = reference_dir / "smart_city_evaluasi_komponen.csv"
    with open(versions_csv, encoding="utf-8", newline="") as fh:
        versions = list(csv.DictReader(fh))
    with open(components_csv, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        columns = [c.strip().lower() for c in reader.fieldnames or []]
        components = list(reader)
    problems = []
    ranges = []
    for row in versions:
        version, column = row["weight_version"].strip(), (row.get("reference_column") or "").strip().lower()
        if column not in columns:
            problems.append(Problem("reference", f"weight version {version}: column {column or '(empty)'} is not "
                                    f"in {components_csv.name}", f"add a `{column or 'bobot_versi_x'}` column "
                                    f"to {components_csv} or correct reference_column in {versions_csv.name}"))
            continue
        try:
            total = sum(float(c[column]) for c in components)
        except (TypeError, ValueError):
            problems.append(Problem("reference", f"weight version {version}: {column} has a non-numeric cell",
                                    f"give every component a number in {components_csv.name}.{column}"))
            continue
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            problems.append(Problem("reference", f"weight version {version}: weights sum to {total:g}, not 1",
                                    f"correct {components_csv.name}.{column}"))
        try:
            ranges.append((int(row["valid_from_year"]), int(row["valid_to_year"]), version))
        except (TypeError, ValueError):
            problems.append(Problem("reference", f"weight version {version}: validity years are not integers",
                                    f"set valid_from_year/valid_to_year in {versions_csv.name}"))
    ranges.sort()
    for (start, end, version) in ranges:
        if end < start:
            problems.append(Problem("reference", f"weight version {version}: valid_to_year {end} < "
                                    f"valid_from_year {start}", f"correct {versions_csv.name}"))
    for (s1, e1, v1), (s2, e2, v2) in zip(ranges, ranges[1:], strict=False):
        if s2 <= e1:
            problems.append(Problem("reference", f"weight versions {v1} ({s1}-{e1}) and {v2} ({s2}-{e2}) overlap",
                                    f"end {v1} at {s2 - 1} in {versions_csv.name}"))
        elif s2 > e1 + 1:
            problems.append(Problem("reference", f"weight versions {v1} ({s1}-{e1}) and {v2} ({s2}-{e2}) leave "
                                    f"{e1 + 1}-{s2 - 1} without weights (no evaluation index those years)",
                                    f"end {v1} at {s2 - 1} or start {v2} at {e1 + 1} in {versions_csv.name}"))
    return problems


# --- landed datasets have staging models -----------------------------------------------------------------

def staging_reads(staging_dir: Path = STAGING_DIR) -> list[str]:
    """`<source>/<dataset>` globs of every raw location a staging source reads."""
    found = []
    for yml in staging_dir.rglob("*.yml"):
        for match in re.finditer(r"\{raw_dir\}/([^/'\"]+)/([^/'\"]+)/", yml.read_text(encoding="utf-8")):
            found.append(f"{match.group(1)}/{match.group(2)}")
    return found


def check_staging(systems: dict, settings: Settings | None = None,
                  staging_dir: Path = STAGING_DIR) -> list[Problem]:
    settings = settings or get_settings()
    reads = staging_reads(staging_dir)

    def read(path: str) -> bool:
        return any(fnmatch.fnmatch(path, pattern) for pattern in reads)

    problems = []
    for name, spec in sorted(systems.items()):
        for entity in sorted(spec.entities):
            if not read(f"regency/{entity}"):
                problems.append(Problem("regency", f"regency entity {name}.{entity} lands in raw/regency/{entity}, "
                                        "which no staging model reads",
                                        f"add a source for it in dbt_project/models/staging/regency/_regency.yml "
                                        f"and a model stg_regency__{entity}.sql (or remove the entity)"))
    raw = settings.raw_dir
    if raw.is_dir():
        for source_dir in sorted(p for p in raw.iterdir() if p.is_dir() and not p.name.startswith(".")):
            for dataset_dir in sorted(p for p in source_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
                path = f"{source_dir.name}/{dataset_dir.name}"
                if not read(path):
                    problems.append(Problem("staging", f"landed dataset raw/{path} is read by no staging "
                                            "model", f"add a staging source/model for {path} under "
                                            f"dbt_project/models/staging/{source_dir.name}/"))
    return problems


# --- all of it -------------------------------------------------------------------------------------------

def diagnose(kinds: set[str] | None = None, settings: Settings | None = None,
             resolve: Callable[[str], object | None] | None = None) -> list[Problem]:
    """Every problem (of the given source kinds; None: all)."""
    problems, systems = check_sources_yml()
    if kinds is None or "reference" in kinds:
        problems += check_weights()
    problems += check_connections(systems, resolve=resolve, kinds=kinds)
    problems += check_staging(systems, settings)
    return [p for p in problems if kinds is None or p.kind in kinds]


def check(kinds: set[str] | None = None, settings: Settings | None = None) -> None:
    """Raise ConfigurationError listing every problem (what to fix); nothing when all is well."""
    problems = diagnose(kinds, settings)
    if problems:
        raise ConfigurationError(f"{len(problems)} configuration problem(s); fix and rerun "
                                 "(`smartcity doctor` lists them):\n" + "\n".join(f"  {p}" for p in problems))
