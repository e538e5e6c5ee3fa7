"""dbt's descriptions reach the warehouse as table and column comments (issue 17), so a BI tool shows
what a mart and a column mean without the dbt docs site."""
from __future__ import annotations

from pathlib import Path

import yaml

MARTS_YML = Path(__file__).resolve().parents[2] / "dbt_project" / "models" / "marts" / "_marts.yml"


def _documented() -> dict[str, dict]:
    return {m["name"]: m for m in yaml.safe_load(MARTS_YML.read_text())["models"]}


def test_every_mart_and_documented_column_has_its_comment(duck):
    documented = _documented()
    tables = dict(duck.execute("select table_name, comment from duckdb_tables() where schema_name = 'marts'")
                  .fetchall())
    columns = {(t, c): comment for t, c, comment in duck.execute(
        "select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'").fetchall()}
    checked = 0
    for name, model in documented.items():
        if name not in tables:
            continue
        assert (tables[name] or "").strip() == model["description"].strip(), name
        for column in model.get("columns", []):
            if column.get("description"):
                assert (columns[name, column["name"]] or "").strip() == column["description"].strip(), \
                    (name, column["name"])
                checked += 1
    assert len(set(documented) & set(tables)) >= 10 and checked > 50
