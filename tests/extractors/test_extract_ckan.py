"""CKAN contract tests: the real Muara Enim answers replayed at the Action API paths, plus built variants:
row cap paging, incremental cursor, datastore stop rules, typed errors, downloads."""
from __future__ import annotations

import json
from datetime import datetime, timedelta

import pyarrow.parquet as pq
import pytest
from extract_testkit import Answer, fixture_bytes, fixture_json

from extractors import ckan
from extractors.errors import (
    CkanNotAuthorized,
    CkanNotFound,
    CkanValidationError,
    DownloadTooLargeError,
    HostNotAllowedError,
    HTMLResponseError,
)

API = "/ckan/muaraenim/api/3/action/"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def client(replay, http):
    return ckan.CkanClient(f"{replay.base}/ckan/muaraenim", portal="muaraenim", http=http, row_cap=10)


def packages(n: int, start: datetime = datetime(2025, 1, 1)) -> list[dict]:
    template = fixture_json("ckan_muaraenim_package_search_q_akip.json")["result"]["results"][0]
    out = []
    for i in range(n):
        pkg = json.loads(json.dumps(template))
        pkg.update(id=f"pkg-{i:03d}", name=f"dataset-{i:03d}",
                   metadata_modified=(start + timedelta(hours=i, microseconds=i * 7)).isoformat())
        out.append(pkg)
    return out


def search_route(all_packages: list[dict], cap: int):
    """package_search like CKAN: rows capped, fq range on metadata_modified, sort asc."""
    def route(path, query, headers):
        rows = min(int(query.get("rows", 10)), cap)
        start = int(query.get("start", 0))
        found = all_packages
        fq = query.get("fq", "")
        if "metadata_modified:[" in fq:
            since = fq.split("metadata_modified:[", 1)[1].split(" TO ", 1)[0].rstrip("Z")
            found = [p for p in found if p["metadata_modified"] >= since]
        found = sorted(found, key=lambda p: (p["metadata_modified"], p["id"]))
        return Answer({"help": "x", "success": True, "result": {
            "count": len(found), "results": found[start:start + rows], "facets": {}, "search_facets": {},
            "sort": query.get("sort")}})
    return route


def read(path):
    return pq.read_table(path / "data.parquet").to_pylist()


def test_real_package_search_answer_lands(tmp_path, replay, client):
    replay.routes[API + "package_search"] = Answer(fixture_bytes("ckan_muaraenim_package_search_q_akip.json"))
    summary = ckan.extract_portal(tmp_path, "muaraenim", "run-1", client=client)
    rows = read(tmp_path / "ckan/packages/portal=muaraenim/batch=full")
    assert summary["row_count"] == 1 and summary["cursor"] == "2026-03-13T08:34:03.872282"
    row = rows[0]
    assert row["organization_name"] == "diskominfo" and row["num_resources"] == 1
    assert json.loads(row["resources_json"])[0]["mimetype"] == "image/png"
    # created on the 2026 migration day, the data cover 2022-2024 (extras "2023", "2024", "Tahun 2022")
    assert row["metadata_created"].startswith("2026-")
    assert (row["data_first_year"], row["data_last_year"], row["data_years_from"]) == (2022, 2024, "extras")


def test_real_organization_list_answer(replay, client):
    replay.routes[API + "organization_list"] = Answer(fixture_bytes("ckan_muaraenim_organization_list_all_fields.json"))
    assert [o["name"] for o in client.organization_list()] == ["diskominfo"]


def test_package_search_pages_under_the_row_cap(tmp_path, replay, client):
    replay.routes[API + "package_search"] = search_route(packages(25), cap=7)  # portal caps lower than asked
    ids = [p["id"] for p in client.package_search()]
    assert sorted(ids) == [f"pkg-{i:03d}" for i in range(25)] and len(set(ids)) == 25
    assert all(int(q["rows"]) <= 10 for _, q, _ in replay.requests)


def test_incremental_run_asks_only_for_what_changed(tmp_path, replay, client):
    pkgs = packages(12)
    replay.routes[API + "package_search"] = search_route(pkgs, cap=10)
    first = ckan.extract_portal(tmp_path, "muaraenim", "run-1", client=client)
    assert first["row_count"] == 12 and first["cursor"] == pkgs[-1]["metadata_modified"]
    # two packages change after the first run
    pkgs[3]["metadata_modified"] = "2025-02-01T00:00:00.000001"
    pkgs[5]["metadata_modified"] = "2025-02-02T00:00:00"
    replay.requests.clear()
    second = ckan.extract_portal(tmp_path, "muaraenim", "run-2", client=client)
    assert second["since"] == first["cursor"] and second["row_count"] == 2
    assert "metadata_modified:[" in replay.requests[0][1]["fq"]
    batch = ckan.batch_name(first["cursor"])
    rows = read(tmp_path / f"ckan/packages/portal=muaraenim/batch={batch}")
    assert {r["package_id"] for r in rows} == {"pkg-003", "pkg-005"}
    assert second["cursor"] == "2025-02-02T00:00:00"
    # rerun of the same interval replaces the batch: still two rows
    ckan.extract_portal(tmp_path, "muaraenim", "run-2b", since=first["cursor"], client=client)
    assert len(read(tmp_path / f"ckan/packages/portal=muaraenim/batch={batch}")) == 2


def test_organization_filter_goes_to_fq(replay, client):
    replay.routes[API + "package_search"] = search_route(packages(2), cap=10)
    list(client.package_search(organization="diskominfo"))
    assert replay.requests[0][1]["fq"] == "organization:diskominfo"


def test_schema_drift_in_packages_is_an_error(tmp_path, replay, client):
    body = fixture_json("ckan_muaraenim_package_search_q_akip.json")
    body["result"]["results"][0]["metadata_updated"] = body["result"]["results"][0].pop("metadata_modified")
    replay.routes[API + "package_search"] = Answer(body)
    with pytest.raises(ckan.CkanError, match="metadata_modified"):
        ckan.extract_portal(tmp_path, "muaraenim", "run-1", client=client)


def datastore_route(total: int, server_limit: int = 10_000, empty_tail: bool = False):
    def route(path, query, headers):
        limit = min(int(query["limit"]), server_limit)
        offset = int(query.get("offset", 0))
        end = offset if empty_tail and offset >= total else min(total, offset + limit)
        records = [{"_id": i + 1, "kabupaten": f"Kab {i}", "nilai": f"{i},5"} for i in range(offset, end)]
        return Answer({"success": True, "result": {
            "resource_id": query["resource_id"], "fields": [{"id": "_id", "type": "int"},
                                                            {"id": "kabupaten", "type": "text"},
                                                            {"id": "nilai", "type": "text"}],
            "records": records, "total": total, "total_was_estimated": False, "limit": limit,
            # present even on the last page: following it would loop forever
            "_links": {"start": "/api/3/action/datastore_search",
                       "next": f"/api/3/action/datastore_search?offset={offset + limit}"}}})
    return route


@pytest.mark.parametrize("total,limit,expected_requests", [(25, 10, 3), (30, 10, 3), (0, 10, 1), (10, 10, 1)])
def test_datastore_stops_on_short_page_or_total(tmp_path, replay, client, total, limit, expected_requests):
    replay.routes[API + "datastore_search"] = datastore_route(total)
    summary = ckan.extract_datastore(tmp_path, "muaraenim", "res-1", "run-1", client=client, limit=limit)
    rows = read(tmp_path / "ckan/datastore/portal=muaraenim/resource=res-1")
    assert summary["row_count"] == total == len(rows) and len({r["_id"] for r in rows}) == total
    assert len(replay.requests) == expected_requests
    if rows:
        assert rows[0]["nilai"] == "0,5"  # fields land as text, unchanged


def test_datastore_estimated_total_stops_on_empty_page(tmp_path, replay, client):
    def route(path, query, headers):
        answer = datastore_route(20, empty_tail=True)(path, query, headers)
        body = json.loads(answer.body)
        body["result"]["total_was_estimated"] = True
        body["result"]["total"] = 1000
        return Answer(body)
    replay.routes[API + "datastore_search"] = route
    assert ckan.extract_datastore(tmp_path, "muaraenim", "r", "run-1", client=client, limit=10)["row_count"] == 20
    assert len(replay.requests) == 3  # 10, 10, then the empty page


@pytest.mark.parametrize("error,cls", [
    ({"__type": "Not Found Error", "message": "Not found"}, CkanNotFound),
    ({"__type": "Authorization Error", "message": "Access denied"}, CkanNotAuthorized),
    ({"__type": "Validation Error", "id": ["Missing value"]}, CkanValidationError),
])
def test_success_false_maps_to_typed_errors(replay, client, error, cls):
    status = {CkanNotFound: 404, CkanNotAuthorized: 403, CkanValidationError: 409}[cls]
    replay.routes[API + "package_show"] = Answer({"help": "x", "success": False, "error": error}, status)
    with pytest.raises(cls) as info:
        client.package_show("nope")
    assert error["__type"] in str(info.value)


def test_html_200_from_a_portal_is_a_clear_error(replay, client):
    replay.routes[API + "package_search"] = Answer("<html><head><title>Login</title></head></html>",
                                                   content_type="text/html; charset=utf-8")
    with pytest.raises(HTMLResponseError, match=f"127.0.0.1:{replay.port}"):
        list(client.package_search())


def test_download_sniffs_content_when_format_and_mimetype_disagree(tmp_path, replay, client):
    res = fixture_json("ckan_muaraenim_package_search_q_akip.json")["result"]["results"][0]["resources"][0]
    res["url"] = f"{replay.base}/ckan/muaraenim/dataset/x/resource/{res['id']}/download/hasil-akip.png"
    replay.routes[res["url"].replace(replay.base, "")] = Answer(PNG, content_type="text/csv")
    out = client.download_resource(res, tmp_path)
    assert out["declared_format"] == "csv" and out["declared_mimetype"] == "image/png"
    assert out["kind"] == "png" and out["declared_mismatch"] is True and out["bytes"] == len(PNG)


def test_download_size_cap_leaves_no_partial_file(tmp_path, replay, client):
    url = "/ckan/muaraenim/dataset/x/resource/r1/download/big.csv"
    replay.routes[url] = Answer(b"a,b\n" * 10_000, content_type="text/csv")
    with pytest.raises(DownloadTooLargeError):
        client.download_resource({"id": "r1", "url": replay.base + url}, tmp_path, max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


def test_download_refuses_hosts_off_the_allowlist(tmp_path, replay, client):
    with pytest.raises(HostNotAllowedError, match="evil.example"):
        client.download_resource({"id": "r1", "url": "http://evil.example/x.csv"}, tmp_path)
    assert replay.requests == []


def test_allowlist_entries_are_origins():
    from extractors.http import origin_of, parse_origins

    allowed = parse_origins(["files.example.go.id", "https://data.example.go.id:8443", "cdn.example.go.id:8080"])
    assert origin_of("https://files.example.go.id/x.csv") in allowed
    assert origin_of("http://files.example.go.id/x.csv") in allowed
    assert origin_of("http://files.example.go.id:8080/admin") not in allowed  # a bare host: default ports only
    assert origin_of("https://data.example.go.id:8443/x") in allowed
    assert origin_of("http://data.example.go.id:8443/x") not in allowed      # the scheme counts too
    assert origin_of("http://cdn.example.go.id:8080/x") in allowed
