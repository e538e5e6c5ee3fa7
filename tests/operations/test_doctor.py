"""`smartcity doctor` fails with a clear message on each broken configuration and passes on the demo's."""
from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from smartcity import doctor
from smartcity_base.settings import PROJECT_ROOT


def demo_connections() -> dict[str, str]:
    from simulator.server import PORTALS

    env = {"AIRFLOW_CONN_SMARTCITY_BPS": "http://:bps-key-1234@127.0.0.1:1/bps/v1/api",
           "AIRFLOW_CONN_SMARTCITY_REGENCY_MONEV": "http://:tok-1234@127.0.0.1:1/regency/monev"}
    env.update({f"AIRFLOW_CONN_SMARTCITY_CKAN_{p.upper()}": f"http://127.0.0.1:1/ckan/{p}" for p in PORTALS})
    return env


def run_doctor(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    import os

    from smartcity_base.settings import relocated

    clean = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW_CONN_")}
    return subprocess.run([sys.executable, "-m", "smartcity.cli", "doctor"], capture_output=True, text=True,
                          env={**clean, **relocated(tmp_path), **env}, cwd=PROJECT_ROOT, timeout=120)


def test_doctor_passes_on_the_demo_configuration(tmp_path):
    proc = run_doctor(demo_connections(), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "configuration OK" in proc.stdout


def test_doctor_names_a_missing_connection_and_how_to_add_it(tmp_path):
    env = demo_connections()
    del env["AIRFLOW_CONN_SMARTCITY_REGENCY_MONEV"]
    env["AIRFLOW_CONN_SMARTCITY_CKAN_BANDUNG"] = "http://127.0.0.1:1/ckan/bandung"
    proc = run_doctor(env, tmp_path)
    assert proc.returncode == 1
    assert "system monev: connection smartcity_regency_monev is not configured" in proc.stderr
    assert "airflow connections add smartcity_regency_monev" in proc.stderr
    assert "portal bandung: no row in seeds/project/ckan_portals.csv" in proc.stderr
    assert "2 configuration problem(s)" in proc.stderr


def test_a_typo_in_sources_yml_is_named_with_its_path(tmp_path):
    text = (PROJECT_ROOT / "extractors" / "sources.yml").read_text()
    typo = tmp_path / "sources.yml"
    typo.write_text(text.replace("paging: cursor", "paging: cursr").replace("record_path: data", "recordpath: data"))
    problems, systems = doctor.check_sources_yml(typo)
    text = "\n".join(map(str, problems))
    assert systems == {}
    assert "systems.monev.entities.quickwins.paging" in text and "'page', 'cursor' or 'link-header'" in text
    assert "systems.monev.entities.programs.recordpath" in text and "unknown key" in text
    assert doctor.check_sources_yml()[0] == []


def write_weights(tmp_path, versions: str, weights: dict[str, list[float]]) -> tuple:
    seeds, ref = tmp_path / "seeds", tmp_path / "ref"
    seeds.mkdir()
    ref.mkdir()
    (seeds / "evaluation_weight_versions.csv").write_text(versions)
    comps = ["Baseline", "Output", "Outcome", "Impact", "Quick Win"]
    header = "komponen," + ",".join(weights)
    rows = [",".join([c, *(str(w[i]) for w in weights.values())]) for i, c in enumerate(comps)]
    (ref / "smart_city_evaluasi_komponen.csv").write_text("\n".join([header, *rows]) + "\n")
    return seeds, ref


@pytest.mark.parametrize("versions,weights,expected", [
    ("weight_version,valid_from_year,valid_to_year,reference_column\nA,2017,2021,bobot_versi_a\n",
     {"bobot_versi_a": [0.1, 0.2, 0.3, 0.2, 0.1]}, "weight version A: weights sum to 0.9, not 1"),
    ("weight_version,valid_from_year,valid_to_year,reference_column\nA,2017,2021,bobot_versi_a\n"
     "B,2023,2099,bobot_versi_b\n",
     {"bobot_versi_a": [0.1, 0.2, 0.3, 0.2, 0.2], "bobot_versi_b": [0.1, 0.2, 0.3, 0.3, 0.1]},
     "leave 2022-2022 without weights"),
    ("weight_version,valid_from_year,valid_to_year,reference_column\nA,2017,2022,bobot_versi_a\n"
     "B,2022,2099,bobot_versi_b\n",
     {"bobot_versi_a": [0.1, 0.2, 0.3, 0.2, 0.2], "bobot_versi_b": [0.1, 0.2, 0.3, 0.3, 0.1]}, "overlap"),
    ("weight_version,valid_from_year,valid_to_year,reference_column\nA,2017,2021,bobot_versi_c\n",
     {"bobot_versi_a": [0.1, 0.2, 0.3, 0.2, 0.2]}, "column bobot_versi_c is not in smart_city_evaluasi_komponen.csv"),
])
def test_broken_weights_are_named(tmp_path, versions, weights, expected):
    seeds, ref = write_weights(tmp_path, versions, weights)
    problems = doctor.check_weights(seeds, ref)
    assert any(expected in str(p) for p in problems), problems


def test_the_shipped_weights_are_consistent():
    assert doctor.check_weights() == []


def test_an_entity_or_landed_dataset_without_staging_model_is_named(tmp_path, project_paths):
    _, systems = doctor.check_sources_yml()
    systems["monev"].entities["grants"] = systems["monev"].entities["programs"]
    (project_paths.raw_dir / "regency" / "grants" / "batch=1").mkdir(parents=True)
    (project_paths.raw_dir / "ckan" / "packages").mkdir(parents=True)
    problems = [str(p) for p in doctor.check_staging(systems, project_paths)]
    assert any("regency entity monev.grants lands in raw/regency/grants, which no staging model reads" in p
               for p in problems), problems
    assert any("landed dataset raw/regency/grants is read by no staging model" in p for p in problems)
    assert not any("ckan/packages" in p for p in problems)


def test_a_new_weight_version_is_a_seed_change_only(tmp_path, project_paths):
    """Copy the dbt project, add version C as seed data (a column pair and a versions row), build the
    weights model: C is there, with its years, and no SQL was touched."""
    project = tmp_path / "dbt_project"
    shutil.copytree(PROJECT_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    comps = project / "seeds" / "reference" / "smart_city_evaluasi_komponen.csv"
    lines = comps.read_text().splitlines()
    weights_c = ["0.15", "0.15", "0.30", "0.30", "0.10"]
    comps.write_text("\n".join([lines[0] + ",bobot_versi_c,sumber_versi_c",
                                *(f"{ln},{w},https://example.go.id/c" for ln, w in zip(lines[1:], weights_c,
                                                                                       strict=True))]) + "\n")
    versions = project / "seeds" / "project" / "evaluation_weight_versions.csv"
    versions.write_text(versions.read_text().replace("B,2022,2099", "B,2022,2025")
                        + 'C,2026,2099,bobot_versi_c,"new letter"\n')
    assert doctor.check_weights(project / "seeds" / "project", project / "seeds" / "reference") == []
    db = tmp_path / "w.duckdb"
    import os

    env = {**os.environ, "SMARTCITY_DUCKDB_PATH": str(db), "DBT_LOG_PATH": str(tmp_path / "logs")}
    dbt = shutil.which("dbt", path=os.path.dirname(sys.executable))
    proc = subprocess.run([dbt, "build", "-s", "+stg_reference__evaluation_weights", "--project-dir", str(project),
                           "--profiles-dir", str(project), "--target-path", str(tmp_path / "target")],
                          env=env, cwd=project, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    schema = con.execute("select table_schema from information_schema.tables "
                         "where table_name = 'stg_reference__evaluation_weights'").fetchone()[0]
    rows = con.execute(f"select weight_version, sum(weight), min(valid_from_year), max(valid_to_year), "
                       f"count(*) from {schema}.stg_reference__evaluation_weights group by 1 order by 1").fetchall()
    con.close()
    assert [(v, round(s, 6), f, t, n) for v, s, f, t, n in rows] == [
        ("A", 1.0, 2017, 2021, 5), ("B", 1.0, 2022, 2025, 5), ("C", 1.0, 2026, 2099, 5)]
