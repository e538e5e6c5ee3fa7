"""Layers point one way (issue 17): shared facts live in `smartcity_base`, which imports nothing else of
the project; extractors, simulator and expectations never import the `smartcity` application (which
imports them), so no package cycle ties the layers together."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROJECT = {"smartcity_base", "smartcity", "extractors", "simulator", "expectations"}
MAY_NOT_IMPORT = {
    "smartcity_base": PROJECT - {"smartcity_base"},
    "extractors": {"smartcity", "simulator", "expectations"},
    "expectations": {"smartcity", "simulator"},   # it audits what the extractors land: their schemas
    "simulator": {"smartcity", "expectations"},
}


def imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & PROJECT


@pytest.mark.parametrize("package", sorted(MAY_NOT_IMPORT))
def test_layer_imports_point_one_way(package):
    offenders = {str(p.relative_to(ROOT)): sorted(imported_packages(p) & MAY_NOT_IMPORT[package])
                 for p in sorted((ROOT / package).rglob("*.py"))}
    offenders = {k: v for k, v in offenders.items() if v}
    assert offenders == {}


def test_the_scan_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from smartcity import publish\n")
    assert imported_packages(module) == {"smartcity"}
