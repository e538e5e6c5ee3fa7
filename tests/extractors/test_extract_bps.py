"""BPS WebAPI contract tests: the real recorded answer replayed at its real path, plus variants built here
for each trap of docs/domain.md. Each test fails if its trap is mishandled."""
from __future__ import annotations

import copy
import functools
import html
import json
import logging
import time
from datetime import datetime, timedelta, timezone

import pyarrow.parquet as pq
import pytest
from extract_testkit import BPS_KEY, Answer, bps_path, fixture_bytes, fixture_json

from extractors import bps, landing
from extractors.errors import BpsApiError, ExtractError, FirewallBlockedError, HTMLResponseError, InvalidJSONError

PINRANG = "bps_data_pinrang_population_var31.json"
DATA_PATH = bps_path("list/model/data/lang/ind/domain/7315/var/31/key/{key}")


@pytest.fixture
def client(replay, http):
    return bps.BpsClient(f"{replay.base}/v1/api", BPS_KEY, http)


def land(tmp_path, client, domain="7315", var=31, th=None):
    manifest = bps.land_observations(tmp_path / "raw", client, domain, var, "run-1", th=th)
    path = tmp_path / "raw" / "bps" / "observations" / f"domain={domain}" / f"var={var}"
    return manifest, pq.read_table(path / "data.parquet").to_pylist(), path


def test_real_pinrang_answer_decodes_to_23_yearly_values(tmp_path, replay, client):
    replay.routes[DATA_PATH] = Answer(fixture_bytes(PINRANG))
    manifest, rows, path = land(tmp_path, client)
    assert len(rows) == 23 and manifest["row_count"] == 23
    by_year = {r["year"]: r["value"] for r in rows}
    assert by_year[1999] == 308669 and by_year[2021] == 407371 and sorted(by_year) == list(range(1999, 2022))
    first = rows[0]
    for column in ("domain_id", "var_id", "var_label", "unit", "vervar_id", "vervar_label", "turvar_id",
                   "turvar_label", "year", "turtahun_id", "turtahun_label", "value", "value_raw",
                   "_manifest_id", "_extracted_at"):
        assert column in first
    assert first["vervar_label"] == "Pinrang" and first["turtahun_label"] == "Tahun" and first["unit"] == "Jiwa"
    assert first["region_code"] == "73.15"  # BPS 7315 through the crosswalk
    assert first["_manifest_id"] == manifest["manifest_id"]
    # the key is in the URL the server saw, and nowhere in what was stored
    assert BPS_KEY in replay.requests[0][0]
    assert manifest["requests"] and all("/key/***/" in url for url in manifest["requests"])
    for stored in path.iterdir():
        assert BPS_KEY.encode() not in stored.read_bytes()


def _monthly_payload():
    """Monthly table: turtahun 1..12 and 13 'Tahunan'. The annual key '7315311012013' has the January key
    '731531101201' as a prefix, so a prefix match returns January for the year."""
    payload = {"status": "OK", "data-availability": "available",
               "var": [{"val": 31, "label": "TPK", "unit": "Persen"}],
               "turvar": [{"val": 0, "label": "Tidak Ada"}],
               "vervar": [{"val": 7315, "label": "Pinrang"}],
               "tahun": [{"val": 120, "label": "2020"}, {"val": 121, "label": "2021"}],
               "turtahun": [{"val": m, "label": f"Bulan {m}"} for m in range(1, 13)]
               + [{"val": 13, "label": "Tahunan"}],
               "datacontent": {}, "extra_key_ignored": {"whatever": 1}}
    for tahun in (120, 121):
        for m in range(1, 14):
            payload["datacontent"][f"7315310{tahun}{m}"] = 1000 * (tahun - 119) + (500 if m == 13 else m)
    return payload


def test_monthly_table_keys_built_from_cross_product_not_prefixes(tmp_path, replay, client):
    replay.routes[DATA_PATH] = Answer(_monthly_payload())
    _, rows, _ = land(tmp_path, client)
    assert len(rows) == 26
    annual = {r["year"]: r["value"] for r in rows if r["turtahun_id"] == "13"}
    assert annual == {2020: 1500, 2021: 2500}  # not the January values 1001/2001
    january = [r for r in rows if r["turtahun_id"] == "1"]
    assert {r["value"] for r in january} == {1001, 2001} and all(r["month"] == 1 for r in january)
    assert all(r["month"] is None for r in rows if r["turtahun_id"] == "13")
    assert {r["turtahun_label"] for r in rows if r["turtahun_id"] == "13"} == {"Tahunan"}
    december = {r["year"]: r["value"] for r in rows if r["turtahun_id"] == "12"}
    assert december == {2020: 1012, 2021: 2012}  # '1' + '2' vs '12': width varies


@pytest.mark.parametrize("variant", ["datacontent_list", "datacontent_dict", "tahun_empty", "not_available",
                                     "list_not_available"])
def test_no_data_is_zero_rows_not_an_error(tmp_path, replay, client, variant):
    payload = fixture_json(PINRANG)
    if variant == "datacontent_list":
        payload["datacontent"] = []
    elif variant == "datacontent_dict":
        payload["datacontent"] = {}
    elif variant == "tahun_empty":
        payload["tahun"] = []
    else:
        payload = {"status": "OK", "data-availability": variant.replace("_", "-"), "data": ""}
    replay.routes[DATA_PATH] = Answer(payload)
    manifest, rows, path = land(tmp_path, client)
    assert rows == [] and manifest["row_count"] == 0 and (path / "_manifest.json").exists()


def test_string_and_int_vals_and_string_cells(tmp_path, replay, client):
    payload = fixture_json(PINRANG)
    payload["vervar"] = [{"val": "7315", "label": "Pinrang"}]  # string val, same key
    payload["tahun"] = [{"val": str(t["val"]), "label": t["label"]} for t in payload["tahun"]]
    payload["datacontent"]["7315310990"] = "308669"
    payload["datacontent"]["73153101000"] = "12.5"
    payload["datacontent"]["73153101010"] = "-"
    replay.routes[DATA_PATH] = Answer(payload)
    _, rows, _ = land(tmp_path, client)
    by_year = {r["year"]: r for r in rows}
    assert len(rows) == 23
    assert by_year[1999]["value"] == 308669 and by_year[2000]["value"] == 12.5
    assert by_year[2001]["value"] is None and by_year[2001]["value_raw"] == "-"
    assert by_year[2021]["value"] == 407371


def test_decimal_comma_strings_are_read_as_indonesian_numbers(tmp_path, replay, client):
    payload = fixture_json(PINRANG)
    payload["datacontent"] = {k: f"{v:,}".replace(",", ".") for k, v in payload["datacontent"].items()}
    replay.routes[DATA_PATH] = Answer(payload)
    _, rows, _ = land(tmp_path, client)
    assert {r["year"]: r["value"] for r in rows}[1999] == 308669


def test_error_envelope_is_a_clear_error(tmp_path, replay, client):
    replay.routes[DATA_PATH] = Answer({"status": "Error", "message": "Invalid API key"})
    with pytest.raises(BpsApiError, match="Invalid API key") as info:
        land(tmp_path, client)
    assert BPS_KEY not in str(info.value)
    assert not (tmp_path / "raw" / "bps").exists()  # nothing half-written in view


def test_schema_drift_is_an_error_not_silent_zero_rows(tmp_path, replay, client):
    payload = fixture_json(PINRANG)
    payload["ver_var"] = payload.pop("vervar")
    replay.routes[DATA_PATH] = Answer(payload)
    with pytest.raises(BpsApiError, match="vervar"):
        land(tmp_path, client)


def test_html_200_names_the_host(tmp_path, replay, client):
    replay.routes[DATA_PATH] = Answer("<!DOCTYPE html><html><head><title>Pemeliharaan</title></head></html>",
                                      content_type="text/html")
    with pytest.raises(HTMLResponseError) as info:
        land(tmp_path, client)
    assert f"127.0.0.1:{replay.port}" in str(info.value) and "Pemeliharaan" in str(info.value)
    assert "Expecting value" not in str(info.value) and BPS_KEY not in str(info.value)


def test_html_403_firewall_page_names_the_host(tmp_path, replay, client):
    replay.routes[DATA_PATH] = Answer("<html><head><title>403 Forbidden</title></head><body>Access Denied"
                                      "</body></html>", status=403, content_type="text/html")
    with pytest.raises(FirewallBlockedError) as info:
        land(tmp_path, client)
    assert f"127.0.0.1:{replay.port}" in str(info.value) and "403" in str(info.value)


def test_truncated_json_is_reported_as_truncated(tmp_path, replay, client):
    body = fixture_bytes(PINRANG)
    replay.routes[DATA_PATH] = Answer(body[: len(body) // 2])
    with pytest.raises(InvalidJSONError, match="truncated JSON"):
        land(tmp_path, client)


def test_truncated_once_then_whole_is_recovered(tmp_path, replay, client):
    body = fixture_bytes(PINRANG)
    replay.routes[DATA_PATH] = [Answer(body[:100]), Answer(body)]
    manifest, rows, _ = land(tmp_path, client)
    assert len(rows) == 23


def test_429_with_retry_after_then_success(tmp_path, replay, client):
    replay.routes[DATA_PATH] = [Answer({"message": "Too Many Requests"}, 429, headers={"Retry-After": "1"}),
                                Answer(fixture_bytes(PINRANG))]
    started = time.monotonic()
    _, rows, _ = land(tmp_path, client)
    assert len(rows) == 23 and replay.hits[DATA_PATH] == 2
    assert time.monotonic() - started >= 0.9  # Retry-After honoured, not the 10 ms backoff


def test_5xx_burst_then_success(tmp_path, replay, client):
    burst = [Answer("<html><body>503</body></html>", s, "text/html") for s in (503, 502, 500)]
    replay.routes[DATA_PATH] = burst + [Answer(fixture_bytes(PINRANG))]
    _, rows, _ = land(tmp_path, client)
    assert len(rows) == 23 and replay.hits[DATA_PATH] == 4


def test_5xx_forever_gives_a_typed_error(tmp_path, replay, client):
    replay.routes[DATA_PATH] = Answer("<html><body>502 Bad Gateway</body></html>", 502, "text/html")
    with pytest.raises(ExtractError) as info:
        land(tmp_path, client)
    assert f"127.0.0.1:{replay.port}" in str(info.value) and BPS_KEY not in str(info.value)


def _list_pages(pages: int, per_page: int = 3):
    template = fixture_json("bps_statictable_list_pinrang.json")
    answers = {}
    for page in range(1, pages + 1):
        body = copy.deepcopy(template)
        count = per_page if page < pages else 1
        body["data"][0].update(page=page, pages=pages, per_page=per_page, count=count, total=per_page * (pages - 1) + 1)
        body["data"][1] = [dict(template["data"][1][0], table_id=page * 100 + i) for i in range(count)]
        answers[page] = body
    return answers


def test_list_reads_every_page_including_the_last(replay, client):
    for page, body in _list_pages(4).items():
        replay.routes[bps_path(f"list/model/statictable/lang/ind/domain/7315/key/{{key}}/page/{page}")] = Answer(body)
    items = list(client.list_all("statictable", "7315"))
    assert [i["table_id"] for i in items] == [100, 101, 102, 200, 201, 202, 300, 301, 302, 400]


def test_real_statictable_list_page(replay, client):
    replay.routes[bps_path("list/model/statictable/lang/ind/domain/7315/key/{key}/page/1")] = \
        Answer(fixture_bytes("bps_statictable_list_pinrang.json"))
    assert [i["table_id"] for i in client.list_all("statictable", "7315")] == [16, 23, 22]


def test_a_repeated_page_is_fetched_again(replay, client):
    pages = _list_pages(3)
    replay.routes[bps_path("list/model/statictable/lang/ind/domain/7315/key/{key}/page/1")] = Answer(pages[1])
    replay.routes[bps_path("list/model/statictable/lang/ind/domain/7315/key/{key}/page/2")] = \
        [Answer(pages[1]), Answer(pages[2])]  # page 2 first answered with page 1's items
    replay.routes[bps_path("list/model/statictable/lang/ind/domain/7315/key/{key}/page/3")] = Answer(pages[3])
    ids = [i["table_id"] for i in client.list_all("statictable", "7315")]
    assert ids == [100, 101, 102, 200, 201, 202, 300] and len(set(ids)) == len(ids)


STATIC_HTML = """<table border=0>
 <tr><td colspan=4>Jumlah Penduduk Menurut Kecamatan di Kabupaten Pinrang, 2020</td></tr>
 <tr><td rowspan=2>Kecamatan</td><td colspan=2>Jenis Kelamin</td><td rowspan=2>Jumlah</td></tr>
 <tr><td>Laki-laki</td><td>Perempuan</td></tr>
 <tr><td>(1)</td><td>(2)</td><td>(3)</td><td>(4)</td></tr>
 <tr><td>Suppa</td><td>16.012</td><td>-</td><td>16.012</td></tr>
 <tr><td>Mattiro Sompe</td><td>13.100</td><td>14.020</td><td>27.120</td></tr>
 <tr><td colspan=4>Sumber: BPS Kabupaten Pinrang</td></tr>
</table>"""


def test_statictable_merged_headers_become_paths(tmp_path, replay, client):
    path = bps_path("view/model/statictable/lang/ind/domain/7315/id/16/key/{key}")
    replay.routes[path] = Answer({"status": "OK", "data-availability": "available",
                                  "data": {"table_id": 16, "title": "Penduduk", "table": html.escape(STATIC_HTML)}})
    manifest = bps.land_statictable(tmp_path / "raw", client, "7315", 16, "run-1")
    part = tmp_path / "raw" / "bps" / "statictables" / "domain=7315" / "table=16"
    rows = pq.read_table(part / "data.parquet").to_pylist()
    assert manifest["columns"] == ["Kecamatan", "Jenis Kelamin / Laki-laki", "Jenis Kelamin / Perempuan", "Jumlah"]
    assert [r["Kecamatan"] for r in rows] == ["Suppa", "Mattiro Sompe"]  # no "(1)" row, no "Sumber" row
    assert rows[0]["Jenis Kelamin / Perempuan"] is None and json.loads(rows[0]["_dash_columns"]) == \
        ["Jenis Kelamin / Perempuan"]
    assert rows[1]["_dash_columns"] is None and [r["_row_number"] for r in rows] == [1, 2]
    assert manifest["notes"] == ["Sumber: BPS Kabupaten Pinrang"]


def test_national_pull_lands_one_partition_per_domain_and_var(tmp_path, replay, client):
    for domain in ("7300", "7600"):
        for var in (31, 192):
            payload = fixture_json(PINRANG)
            payload["var"][0]["val"] = var
            payload["datacontent"] = {k.replace("731531", f"7315{var}", 1): v
                                      for k, v in payload["datacontent"].items()}
            replay.routes[bps_path(f"list/model/data/lang/ind/domain/{domain}/var/{var}/key/{{key}}")] = Answer(payload)
    summaries = bps.extract_national(tmp_path / "raw", "run-1", indicator_vars=[{"var_id": "31"}, "192"],
                                     domains=["7300", "7600"], client=client)
    assert sorted(s["partition"] for s in summaries) == ["domain=7300/var=192", "domain=7300/var=31",
                                                         "domain=7600/var=192", "domain=7600/var=31"]
    assert all(s["row_count"] == 23 for s in summaries)
    assert BPS_KEY not in json.dumps(summaries)


def test_national_pull_reports_failed_tables_after_landing_the_rest(tmp_path, replay, client):
    replay.routes[bps_path("list/model/data/lang/ind/domain/7300/var/31/key/{key}")] = Answer(fixture_bytes(PINRANG))
    replay.routes[bps_path("list/model/data/lang/ind/domain/7600/var/31/key/{key}")] = \
        Answer({"status": "Error", "message": "boom"})
    with pytest.raises(ExtractError, match="1 of 2 BPS tables failed"):
        bps.extract_national(tmp_path / "raw", "run-1", indicator_vars=["31"], domains=["7300", "7600"], client=client)
    assert (tmp_path / "raw/bps/observations/domain=7300/var=31/data.parquet").exists()


def test_a_rerun_of_the_same_interval_asks_only_what_it_has_not_fetched(tmp_path, replay, client):
    """BPS has no update date: tables fetched since the interval closed are not asked again; a table that
    failed is; a full refresh (no `fresh_since`) or another year range asks everything again."""
    ok = bps_path("list/model/data/lang/ind/domain/7300/var/31/key/{key}")
    failing = bps_path("list/model/data/lang/ind/domain/7600/var/31/key/{key}")
    replay.routes[ok] = Answer(fixture_bytes(PINRANG))
    replay.routes[failing] = Answer({"status": "Error", "message": "boom"})
    interval_end = datetime.now(timezone.utc) - timedelta(minutes=1)
    pull = functools.partial(bps.extract_national, tmp_path / "raw", indicator_vars=["31"],
                             domains=["7300", "7600"], client=client)
    with pytest.raises(ExtractError, match="1 of 2"):
        pull("run-1", fresh_since=interval_end)
    assert replay.hits == {ok: 1, failing: 1}

    replay.routes[failing] = Answer(fixture_bytes(PINRANG))  # the retry of the interval: only 7600 is asked
    summaries = {s["partition"]: s for s in pull("run-1-retry", fresh_since=interval_end)}
    assert replay.hits == {ok: 1, failing: 2}
    assert summaries["domain=7300/var=31"]["status"] == "fresh" and summaries["domain=7300/var=31"]["row_count"] == 23
    assert summaries["domain=7600/var=31"]["status"] == "success"

    pull("run-2", fresh_since=interval_end)                         # nothing left to ask
    assert replay.hits == {ok: 1, failing: 2}
    pull("run-3", fresh_since=datetime.now(timezone.utc))           # the next interval: everything again
    assert replay.hits == {ok: 2, failing: 3}
    pull("run-4")                                                   # full refresh
    assert replay.hits == {ok: 3, failing: 4}
    assert landing.landed_for(tmp_path / "raw", "bps", "observations", {"domain": "7300", "var": 31},
                              query={"th": "119;120"}, since=interval_end) is None  # other years: another question


def test_an_unchanged_refetch_counts_as_fresh(tmp_path, replay, client):
    """A table fetched again and found unchanged keeps its manifest; the check is noted beside it, so the
    next rerun of that interval skips it too."""
    replay.routes[DATA_PATH] = Answer(fixture_bytes(PINRANG))
    first, _, folder = land(tmp_path, client)
    manifest_bytes = (folder / "_manifest.json").read_bytes()
    checked_after_first = datetime.now(timezone.utc)
    again, _, _ = land(tmp_path, client)
    assert again["status"] == "unchanged" and again["manifest_id"] == first["manifest_id"]
    assert (folder / "_manifest.json").read_bytes() == manifest_bytes
    assert landing.landed_for(tmp_path / "raw", "bps", "observations", {"domain": "7315", "var": 31},
                              query={"th": None}, since=checked_after_first) is not None
    assert landing.landed_for(tmp_path / "raw", "bps", "observations", {"domain": "7315", "var": 31},
                              query={"th": None}, since=datetime.now(timezone.utc)) is None
    # a note left beside an older manifest says nothing about the partition landed since
    note = json.loads((folder / "_checked.json").read_text())
    (folder / "_checked.json").write_text(json.dumps({**note, "manifest_id": "an-older-manifest"}))
    assert landing.landed_for(tmp_path / "raw", "bps", "observations", {"domain": "7315", "var": 31},
                              query={"th": None}, since=checked_after_first) is None


def test_key_never_in_logs(tmp_path, replay, client, caplog):
    replay.routes[DATA_PATH] = [Answer("", 503, "text/html"), Answer(fixture_bytes(PINRANG))]
    with caplog.at_level(logging.DEBUG):
        land(tmp_path, client)
        replay.routes[DATA_PATH] = Answer({"status": "Error", "message": "x"})
        with pytest.raises(BpsApiError):
            land(tmp_path, client)
    assert "/key/***/" in caplog.text  # urllib3's debug lines were there, redacted
    assert BPS_KEY not in caplog.text
