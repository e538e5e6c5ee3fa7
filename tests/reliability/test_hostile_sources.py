"""Hostile sources (issue 15): the corpus of attacks from outside, each played by a small malicious server
on loopback (real HTTP, hostile_kit.py) or a crafted file, with the layer that stops it. Each attack fails
with one clear line naming the source and the reason, and nothing half-written lands.

Attack -> the layer that stops it -> test(s) (docs/hostile-sources.md has the same list):

- H1 resource id `../../x`, `/abs/x` (path traversal)
    stopped by: landing.safe_filename / landing.contained
    test: test_download_names_cannot_leave_the_folder
- H2 secrets and data in the image
    stopped by: .dockerignore
    test: tests/deploy/test_dockerignore.py
- H3 Link rel=next to another host (bearer token)
    stopped by: regency client (same-origin next links)
    test: test_link_next_to_another_host_is_refused_without_the_token
- H3 redirect with X-Api-Key header auth
    stopped by: http.get (same-origin redirects only)
    test: test_api_redirect_to_another_host_does_not_forward_the_key
- H3 download redirect to another allowed host
    stopped by: http.download (credentials to first origin)
    test: test_download_redirect_drops_credentials
- H4 NUL / control characters in source text
    stopped by: dbt staging (macro clean_text)
    test: test_nul_in_source_text_still_publishes_to_postgres
- H5 publish as a non-superuser owner (no CREATEROLE)
    stopped by: smartcity.postgres.ensure_bi_reader + init
    test: tests/publish/test_postgres_marts.py::test_publish_as_non_superuser_owner
- M6 other port of an allowed host (SSRF)
    stopped by: http.download allowlist (scheme+host+port)
    test: test_download_allowlist_holds_ports
- M7 2 GB JSON answer / 1 MB gzip expanding to 1 GiB
    stopped by: http.get size cap (decompressed)
    test: test_huge_json_answer_is_capped_once
    test: test_gzip_bomb_is_capped
- M8 XLSX bomb (cell at XFD1048576, huge merged range)
    stopped by: spreadsheet.read_xlsx caps
    test: test_xlsx_bombs_are_refused_quickly
- M9 slowloris (one byte every few seconds)
    stopped by: http overall deadline (watchdog)
    test: test_slow_drip_hits_the_deadline
    test: test_slow_drip_in_the_headers_hits_the_deadline
    test: test_slow_drip_download_hits_the_deadline
- M10 package id `<img onerror=...>` in Data Docs
    stopped by: expectations.runner (escaped before GX)
    test: test_data_docs_escape_source_text
- M11 metadata_modified in 2099 (CKAN), updated_at (regency)
    stopped by: extractors.cursors.future_cursor (a stored poisoned cursor heals)
    test: test_poisoned_ckan_cursor_is_refused
    test: test_poisoned_regency_cursor_is_refused
- M12 drop file name / resource name over 255 bytes
    stopped by: landing.safe_value / safe_filename
    test: test_long_drop_file_name_lands
    test: test_download_names_cannot_leave_the_folder
- M13 bi_reader idle transaction, PUBLIC CONNECT/TEMP
    stopped by: smartcity.postgres.ensure_bi_reader
    test: tests/publish/test_postgres_marts.py::test_bi_reader_limits
- L error body / HTML title cut before redaction
    stopped by: http._raise_for_status / _html_title
    test: test_secret_straddling_the_cut_is_redacted
- L API redirect to any host; manifest keeps the first URL
    stopped by: http.get (same origin, every hop traced)
    test: test_api_redirect_same_host_is_traced
- L deeply nested JSON (bare RecursionError)
    stopped by: http.parse_json_response
    test: test_deeply_nested_json_is_a_clear_error
- L symlink in the drop folder
    stopped by: spreadsheet.extract_drop_folder
    test: test_drop_folder_symlinks_are_not_followed
- L file mixing UTF-8 and cp1252
    stopped by: spreadsheet.decode_text (per line)
    test: test_mixed_encoding_is_decoded_per_line
- drop file name with undecodable bytes
    stopped by: landing.valid_utf8
    test: test_undecodable_drop_file_name_lands
- one failing resource among many
    stopped by: ckan.download_resources (per resource)
    test: test_one_hostile_resource_does_not_stop_the_others
"""
from __future__ import annotations

import time
from pathlib import Path

import pytest
from hostile_kit import (drip_headers_route, drip_route, endless_route, gzip_bomb, gzip_route, hostile_server,
                         json_route, redirect_route, send)

from extractors import ckan, regency
from extractors.errors import ExtractError, HostNotAllowedError, ResponseTooLargeError, TransportError
from extractors.http import HttpClient, make_retry

pytestmark = [pytest.mark.reliability]

TOKEN = "tok-hostile-0123456789abcdef"


@pytest.fixture
def http():
    return HttpClient(max_per_host=2, timeout=(2, 5), retry=make_retry(total=2, backoff_factor=0.01),
                      body_attempts=2, max_json_bytes=1 << 20, api_deadline_s=1.5, download_deadline_s=1.5)


@pytest.fixture
def evil():
    with hostile_server() as server:
        yield server


@pytest.fixture
def other():
    with hostile_server() as server:
        yield server


# --- H1, M12: names the portal chooses ------------------------------------------------------------------
@pytest.mark.parametrize("resource_id", ["../../escaped", "/tmp/abs-escaped", "..", "x" * 300])
def test_download_names_cannot_leave_the_folder(tmp_path, evil, http, resource_id):
    evil.routes["/files/data.csv"] = lambda h: send(h, 200, b"a,b\n1,2\n", "text/csv")
    client = ckan.CkanClient(f"{evil.base}/ckan", portal="evil", http=http)
    dest = tmp_path / "deep" / "drop"
    out = client.download_resource({"id": resource_id, "url": f"{evil.base}/files/data.csv"}, dest)
    landed = Path(out["path"])
    assert landed.parent == dest.resolve() and landed.read_bytes() == b"a,b\n1,2\n"
    assert len(landed.name.encode()) <= 255
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == [landed.name]


# --- H3: credentials stay with the configured host ------------------------------------------------------
def _system(auth="bearer", paging="link-header", **entity):
    ent = regency.Entity(name="items", path="items", paging=paging, size_param=None, **entity)
    return regency.System(name="evil", connection="x", auth=auth, auth_header="X-Api-Key",
                          entities={"items": ent})


def test_link_next_to_another_host_is_refused_without_the_token(evil, other, http):
    evil.routes["/api/items"] = json_route({"data": [{"id": 1}]},
                                           headers={"Link": f'<{other.base}/steal>; rel="next"'})
    other.routes["/steal"] = json_route({"data": [{"id": 2}]})
    system = _system()
    client = regency.RegencyClient(system, f"{evil.base}/api", token=TOKEN, http=http)
    with pytest.raises(ExtractError, match=r"regency evil/items: Link rel=next points at another server"):
        list(client.records(system.entities["items"]))
    assert other.requests == []
    assert TOKEN in evil.headers_seen("/api/items")[0]["authorization"]


def test_api_redirect_to_another_host_does_not_forward_the_key(evil, other, http):
    evil.routes["/api/items"] = redirect_route(f"{other.base}/steal")
    other.routes["/steal"] = json_route({"data": []})
    system = _system(auth="header", paging="page")
    client = regency.RegencyClient(system, f"{evil.base}/api", token=TOKEN, http=http)
    with pytest.raises(HostNotAllowedError, match="redirect to another server .* refused"):
        list(client.records(system.entities["items"]))
    assert other.requests == []


def test_download_redirect_drops_credentials(tmp_path, evil, other, http):
    evil.routes["/files/x.csv"] = redirect_route(f"{other.base}/x.csv")
    other.routes["/x.csv"] = lambda h: send(h, 200, b"a\n1\n", "text/csv")
    client = ckan.CkanClient(f"{evil.base}/ckan", portal="evil", http=http, api_key=TOKEN,
                             allow_hosts={other.base})
    client.download_resource({"id": "r1", "url": f"{evil.base}/files/x.csv"}, tmp_path)
    assert evil.headers_seen("/files/x.csv")[0]["authorization"] == TOKEN
    assert "authorization" not in other.headers_seen("/x.csv")[0]


# --- M6: the allowlist is scheme + host + port ----------------------------------------------------------
def test_download_allowlist_holds_ports(tmp_path, evil, other, http):
    other.routes["/admin"] = lambda h: send(h, 200, b"internal admin page", "text/plain")
    client = ckan.CkanClient(f"{evil.base}/ckan", portal="evil", http=http,
                             allow_hosts={"127.0.0.1"})  # a bare host: its default ports only
    with pytest.raises(HostNotAllowedError) as err:
        client.download_resource({"id": "r1", "url": f"{other.base}/admin"}, tmp_path)
    assert other.requests == []  # never connected: the message cannot tell open ports from closed ones
    assert "not on the download allowlist" in str(err.value)
    assert not list(tmp_path.iterdir())


# --- M7: size caps (decompressed) -----------------------------------------------------------------------
def test_huge_json_answer_is_capped_once(evil, http):
    evil.routes["/api"] = endless_route()
    started = time.monotonic()
    with pytest.raises(ResponseTooLargeError, match=r"127\.0\.0\.1:\d+: answer passed the 1048576-byte cap"):
        http.get_json(f"{evil.base}/api")
    assert time.monotonic() - started < 5
    assert len(evil.requests) == 1  # a cap is not a transient fault: not retried


def test_gzip_bomb_is_capped(evil, http):
    bomb = gzip_bomb(64 << 20)  # ~64 KB on the wire, 64 MiB expanded
    assert len(bomb) < 100_000
    evil.routes["/api"] = gzip_route(bomb)
    with pytest.raises(ResponseTooLargeError, match="decompressed"):
        http.get_json(f"{evil.base}/api")
    assert len(evil.requests) == 1


# --- M9: slowloris --------------------------------------------------------------------------------------
def test_slow_drip_hits_the_deadline(evil, http):
    evil.routes["/api"] = drip_route(every_s=0.1)
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"no complete answer within the 1.5 s deadline"):
        http.get_json(f"{evil.base}/api")
    assert time.monotonic() - started < 4


def test_slow_drip_in_the_headers_hits_the_deadline(evil, http):
    evil.routes["/api"] = drip_headers_route(every_s=0.1)
    started = time.monotonic()
    with pytest.raises(TransportError, match=r"no complete answer within the 1.5 s deadline"):
        http.get_json(f"{evil.base}/api")
    assert time.monotonic() - started < 4


def test_slow_drip_download_hits_the_deadline(tmp_path, evil, http):
    evil.routes["/f.csv"] = drip_route(every_s=0.1, content_type="text/csv")
    started = time.monotonic()
    with pytest.raises(TransportError, match="deadline"):
        http.download(f"{evil.base}/f.csv", tmp_path / "f.csv", max_bytes=1 << 20)
    assert time.monotonic() - started < 4
    assert not list(tmp_path.iterdir())  # nothing half-written


# --- M11: cursor poisoning ------------------------------------------------------------------------------
def test_poisoned_ckan_cursor_is_refused(tmp_path, evil, http, caplog):
    packages = [{"id": "good", "metadata_modified": "2025-03-01T10:00:00.000001"},
                {"id": "poison", "metadata_modified": "2099-01-01T00:00:00"}]
    evil.routes["/ckan/api/3/action/package_search"] = json_route(
        {"success": True, "result": {"count": 2, "results": packages}})
    client = ckan.CkanClient(f"{evil.base}/ckan", portal="evil", http=http)
    out = ckan.extract_portal(tmp_path, "evil", "run1", since=None, client=client)
    assert out["row_count"] == 2  # the package itself lands
    assert out["cursor"] == "2025-03-01T10:00:00.000001"
    assert "ckan evil package poison: cursor value 2099-01-01T00:00:00 is in the future" in caplog.text
    # a cursor poisoned before the guard existed heals itself: the next run pulls everything again
    manifest = next(tmp_path.glob("ckan/packages/portal=evil/batch=*/_manifest.json"))
    manifest.write_text(manifest.read_text().replace('"cursor": "2025-03-01T10:00:00.000001"',
                                                     '"cursor": "2099-01-01T00:00:00"'))
    again = ckan.extract_portal(tmp_path, "evil", "run2", client=client)
    assert again["since"] is None and again["cursor"] == "2025-03-01T10:00:00.000001"


def test_poisoned_regency_cursor_is_refused(tmp_path, evil, http, caplog):
    rows = [{"id": 1, "updated_at": "2025-02-01T00:00:00Z"}, {"id": 2, "updated_at": "2099-12-31T00:00:00Z"}]
    evil.routes["/api/items"] = lambda h: json_route({"data": rows if "page=1" in h.path else []})(h)
    system = _system(paging="page", cursor_field="updated_at", since_param="updated_since")
    client = regency.RegencyClient(system, f"{evil.base}/api", token=TOKEN, http=http)
    out = regency.extract_entity(tmp_path, client, system.entities["items"], "run1")
    assert out["row_count"] == 2 and out["cursor"] == "2025-02-01T00:00:00Z"
    assert "regency evil/items: cursor value 2099-12-31T00:00:00Z is in the future" in caplog.text


# --- Low ------------------------------------------------------------------------------------------------
def test_secret_straddling_the_cut_is_redacted(evil, http):
    from extractors.secrets import register

    secret = "straddle-secret-0123456789abcdef"
    register(secret)
    evil.routes["/api"] = json_route(("e" * 190 + secret).encode(), status=400)
    evil.routes["/page"] = lambda h: send(h, 500, f"<html><title>{'t' * 110}{secret}</title></html>".encode(),
                                          "text/html")
    for path in ("/api", "/page"):
        with pytest.raises(ExtractError) as err:
            http.get_json(f"{evil.base}{path}")
        assert secret[:8] not in str(err.value), str(err.value)


def test_api_redirect_same_host_is_traced(evil, http):
    evil.routes["/old"] = redirect_route("/new")
    evil.routes["/new"] = json_route({"ok": True})
    trace: list = []
    assert http.get_json(f"{evil.base}/old", trace=trace) == {"ok": True}
    assert [t.rsplit("/", 1)[1] for t in trace] == ["old", "new"]  # the manifest names what answered


def test_deeply_nested_json_is_a_clear_error(evil, http):
    evil.routes["/api"] = json_route(b"[" * 100_000 + b"]" * 100_000)
    with pytest.raises(ExtractError, match=r"127\.0\.0\.1:\d+ answered JSON nested too deeply"):
        http.get_json(f"{evil.base}/api")


# --- H4: one NUL must not block every publish -----------------------------------------------------------
@pytest.mark.postgres
def test_nul_in_source_text_still_publishes_to_postgres(baseline, tmp_path_factory, postgres_dsn):
    import uuid

    import duckdb
    import psycopg
    import pyarrow as pa
    import pyarrow.parquet as pq
    from psycopg.conninfo import make_conninfo
    from reliability_kit import clone_root

    from smartcity import pipeline
    from smartcity.postgres import publish_marts_to_postgres
    from smartcity_base.settings import relocated

    root = tmp_path_factory.mktemp("nul_corpus")
    clone_root(baseline.root, root)
    packages = next((root / "data" / "raw").glob("ckan/packages/*/*/data.parquet"))
    table = pq.read_table(packages)
    rows = table.to_pylist()
    rows[0].update(organization_name="dinas-antah-berantah", organization_title="Dinas\x00 Antah\x07 Berantah\x1b")
    pq.write_table(pa.Table.from_pylist(rows, schema=table.schema), packages)
    mp = pytest.MonkeyPatch()
    for key, value in relocated(root).items():
        mp.setenv(key, value)
    try:
        candidate = pipeline.build_candidate("nul_corpus")["candidate"]
    finally:
        mp.undo()
    con = duckdb.connect(candidate, read_only=True)
    try:
        names = [r[0] for r in con.execute("select key_name from marts.fct_unresolved_rows "
                                           "where key_code = 'dinas-antah-berantah'").fetchall()]
    finally:
        con.close()
    assert names == ["Dinas Antah Berantah"]  # cleaned once, at staging
    db = f"smartcity_nul_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_dsn, autocommit=True) as admin:
        admin.execute(f'create database "{db}"')
    try:
        result = publish_marts_to_postgres(candidate, make_conninfo(postgres_dsn, dbname=db), "pw")
        assert result["tables"]["fct_unresolved_rows"] > 0
    finally:
        with psycopg.connect(postgres_dsn, autocommit=True) as admin:
            admin.execute(f'drop database if exists "{db}" with (force)')


# --- M8, M12, Low: spreadsheet drops --------------------------------------------------------------------
GOOD_CSV = "Kabupaten/Kota,2023\nKota Kediri,\"1.500\"\n"


def _drop_folder(tmp_path, files: dict):
    drop = tmp_path / "drop"
    drop.mkdir(exist_ok=True)
    for name, content in files.items():
        (drop / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    (drop / "ipm-SE05.csv").write_text(GOOD_CSV, encoding="utf-8")  # the good file beside the hostile one
    return drop


def _run_drops(tmp_path, drop):
    from extractors import spreadsheet

    started = time.monotonic()
    out = spreadsheet.extract_drop_folder(drop, tmp_path / "raw", tmp_path / "q", "run1")
    by_file = {s["file"]: s for s in out}
    assert by_file["ipm-SE05.csv"]["row_count"] == 1  # the rest of the drop goes on
    return by_file, time.monotonic() - started


def _xlsx_bytes(tmp_path, patch=None, far_cell=False) -> bytes:
    """A small valid drop workbook; `far_cell` adds one cell at XFD1048576; `patch(sheet_xml) -> xml`
    rewrites the sheet XML (openpyxl itself would expand a huge merged range while writing it)."""
    import zipfile

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for row in [["Kabupaten/Kota", "2023"], ["Kota Kediri", 1500]]:
        ws.append(row)
    if far_cell:
        ws["XFD1048576"] = 1
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    if patch is None:
        return plain.read_bytes()
    out = tmp_path / "patched.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = patch(data.decode()).encode()
            dst.writestr(item, data)
    return out.read_bytes()


def test_xlsx_bombs_are_refused_quickly(tmp_path):
    merged = _xlsx_bytes(tmp_path, patch=lambda xml: xml.replace(
        "</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="C3:XFD1048576"/></mergeCells>'))
    far = _xlsx_bytes(tmp_path, far_cell=True)
    assert len(far) < 10_000 and len(merged) < 10_000
    drop = _drop_folder(tmp_path, {"far-cell-SE05.xlsx": far, "merged-SE05.xlsx": merged})
    by_file, seconds = _run_drops(tmp_path, drop)
    assert seconds < 20
    assert by_file["far-cell-SE05.xlsx"]["status"] == "failed"
    assert "1048576 rows x 16384 columns" in by_file["far-cell-SE05.xlsx"]["error"]
    assert by_file["merged-SE05.xlsx"]["status"] == "failed"
    assert "merges more than" in by_file["merged-SE05.xlsx"]["error"]
    import pyarrow.parquet as pq
    reasons = pq.read_table(by_file["far-cell-SE05.xlsx"]["quarantine_path"]).column("reason").to_pylist()
    assert reasons == [by_file["far-cell-SE05.xlsx"]["error"]]  # the quarantine says why


def test_long_drop_file_name_lands(tmp_path):
    # the disk takes a 255-byte name, but not `file=<name>` (partition) nor `<name>.parquet` (quarantine)
    long_name = ("Persentase_penduduk_miskin_" + "sangat_panjang_" * 20)[:246] + "SE05.csv"
    assert len(long_name.encode()) > 250
    drop = _drop_folder(tmp_path, {long_name: GOOD_CSV})
    by_file, _ = _run_drops(tmp_path, drop)
    assert by_file[long_name]["status"] == "success" and by_file[long_name]["row_count"] == 1


def test_drop_folder_symlinks_are_not_followed(tmp_path):
    secret = tmp_path / "outside" / "secret-SE05.csv"
    secret.parent.mkdir()
    secret.write_text(GOOD_CSV, encoding="utf-8")
    drop = _drop_folder(tmp_path, {})
    (drop / "link-SE05.csv").symlink_to(secret)
    by_file, _ = _run_drops(tmp_path, drop)
    assert by_file["link-SE05.csv"]["status"] == "failed"
    assert "symbolic link, not followed" in by_file["link-SE05.csv"]["error"]
    assert not list((tmp_path / "raw").glob("spreadsheet/*/file=link-SE05.csv"))


def test_mixed_encoding_is_decoded_per_line():
    from extractors.spreadsheet import decode_text

    data = "Kabupaten Pidie Jaya – café\n".encode("utf-8") + "Kota Banda Aceh – café\n".encode("cp1252")
    assert decode_text(data) == "Kabupaten Pidie Jaya – café\nKota Banda Aceh – café\n"


# --- M10: stored XSS in the Data Docs -------------------------------------------------------------------
def test_data_docs_escape_source_text(tmp_path):
    from datetime import datetime, timezone

    import great_expectations as gx
    import pandas as pd

    from expectations.runner import _GXSession
    from expectations.spec import TableSpec

    xss = "<img src=x onerror=alert(document.cookie)>"
    session = _GXSession(tmp_path, "xss", datetime.now(timezone.utc))
    spec = TableSpec("raw_ckan", "ckan/packages", lambda df: [
        gx.expectations.ExpectColumnValuesToBeInSet(column="package_id", value_set=["ok"]),
        gx.expectations.ExpectColumnValuesToBeInSet(column="title", value_set=["b"])],
        index_columns=["package_id"])
    outcomes = session.validate(spec, pd.DataFrame({"package_id": ["ok", xss], "title": [xss, "b"]}))
    assert not any(o.success for o in outcomes)
    assert any(xss in o.plain() for o in outcomes)  # the gate's own message keeps the value as it is
    session.build_docs()
    pages = [p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.html")]
    assert any("&lt;img src=x onerror=alert(document.cookie)&gt;" in page for page in pages)
    assert not any("<img src=x" in page for page in pages)


def test_one_hostile_resource_does_not_stop_the_others(tmp_path, evil, other, http):
    evil.routes["/files/good.csv"] = lambda h: send(h, 200, b"a\n1\n", "text/csv")
    client = ckan.CkanClient(f"{evil.base}/ckan", portal="evil", http=http)
    out = ckan.download_resources("evil", tmp_path, client=client, packages=[{"resources": [
        {"id": "../evil", "url": f"{other.base}/internal"}, {"id": "good", "url": f"{evil.base}/files/good.csv"}]}])
    assert out[0]["status"] == "failed" and "not on the download allowlist" in out[0]["error"]
    assert Path(out[1]["path"]).read_bytes() == b"a\n1\n"


def test_undecodable_drop_file_name_lands(tmp_path):
    import os

    drop = _drop_folder(tmp_path, {})
    raw_name = b"laporan-\xff\xfe-SE05.csv"  # not UTF-8: Linux allows any bytes but "/" and NUL
    with open(os.path.join(os.fsencode(drop), raw_name), "wb") as fh:
        fh.write(GOOD_CSV.encode())
    by_file, _ = _run_drops(tmp_path, drop)
    name = "laporan-\ufffd\ufffd-SE05.csv"  # named in summaries, manifests and rows as valid UTF-8
    assert by_file[name]["status"] == "success" and by_file[name]["row_count"] == 1
