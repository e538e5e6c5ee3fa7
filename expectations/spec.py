"""The small vocabulary the suites are written in (no GX import here: GX loads in 5-8 s, so it is imported
only when an audit actually runs).

A suite module declares `TableSpec`s. Each spec knows where its data comes from, how to add derived
columns (pandas, before validation), and how to build its GX `ExpectationSuite` from the data's shape.
Every expectation carries a severity (GX Core's own `severity` field, `critical` or `warning`) and a plain
description in `meta["description"]` that the gate's error message quotes."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

CRITICAL = "critical"
WARNING = "warning"


def current_year() -> int:
    return datetime.now(timezone.utc).year


def expect(kind: str, description: str, severity: str = CRITICAL, **kwargs: Any):
    """One GX expectation: `kind` is the GX class name (e.g. "ExpectColumnValuesToBeBetween")."""
    import great_expectations.expectations as gxe

    if severity not in (CRITICAL, WARNING):
        raise ValueError(f"severity must be critical or warning, not {severity!r}")
    cls = getattr(gxe, kind)
    return cls(severity=severity, meta={"description": description, "severity": severity}, **kwargs)


def is_in(column: str, values) -> Any:
    """A GX row condition `column IN values` (GX 1.9+ Condition objects, not strings)."""
    from great_expectations.expectations.row_conditions import Column

    return Column(column).is_in(sorted(values))


def equals(column: str, value) -> Any:
    from great_expectations.expectations.row_conditions import Column

    return Column(column) == value


def is_null(column: str) -> Any:
    from great_expectations.expectations.row_conditions import Column

    return Column(column).is_null()


@dataclass
class TableSpec:
    """What to validate for one table (or one landing dataset)."""

    suite: str                      # the suite group: "marts", "raw_bps", "raw_ckan"
    table: str                      # "marts.fct_indicator_value", "bps/observations"
    build: Callable[["pd.DataFrame"], list]   # -> list of GX expectations
    index_columns: list[str] = field(default_factory=list)  # identify offending rows in samples
    prepare: Callable[["pd.DataFrame"], "pd.DataFrame"] | None = None

    @property
    def gx_suite_name(self) -> str:
        name = self.table if self.table.startswith(f"{self.suite}.") else f"{self.suite}.{self.table}"
        return name.replace("/", ".")


def present(df: "pd.DataFrame", *columns: str) -> bool:
    return all(c in df.columns for c in columns)


def first_present(df: "pd.DataFrame", *candidates: str) -> str | None:
    for c in candidates:
        if c in df.columns:
            return c
    return None
