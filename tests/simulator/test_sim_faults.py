import json

import pytest
import requests



def bps(sim, path="list/model/var/lang/ind/domain/3500"):
    return f"{sim.base_url}/bps/v1/api/{path}/key/{sim.bps_key}/"


def statuses(url, n, **kw):
    return [requests.get(url, timeout=10, **kw).status_code for _ in range(n)]


def test_all_off_by_default(small):
    assert statuses(bps(small), 12) == [200] * 12
    assert requests.get(f"{small.base_url}/_admin/faults").json()["faults"] == {}


def test_rate_limit_says_when_to_retry(small):
    small.set_faults(["rate_limit"])
    rs = [requests.get(bps(small), timeout=10) for _ in range(8)]
    assert [r.status_code for r in rs] == [200, 200, 200, 429, 200, 200, 200, 429]
    assert rs[3].headers["Retry-After"] == "1"


def test_server_error_burst_ends(small):
    small.set_faults({"server_error_burst": {"every": 6, "burst": 3}})
    codes = statuses(bps(small), 8)
    assert codes[:3] == [200] * 3 and all(c >= 500 for c in codes[3:6]) and codes[6:] == [200, 200]


def test_slow_beats_the_client_timeout_then_recovers(small):
    small.set_faults({"slow": {"every": 2, "seconds": 1.0}})
    assert requests.get(bps(small), timeout=0.5).status_code == 200
    with pytest.raises(requests.exceptions.ReadTimeout):
        requests.get(bps(small), timeout=0.3)
    assert requests.get(bps(small), timeout=0.5).status_code == 200


def test_truncated_json(small):
    small.set_faults({"truncated_json": {"every": 2}})
    ok, cut = requests.get(bps(small)), requests.get(bps(small))
    assert ok.json()["status"] == "OK"
    assert cut.status_code == 200 and len(cut.content) == int(cut.headers["Content-Length"])
    with pytest.raises(ValueError):
        json.loads(cut.content)


def test_html_200_and_firewall_403(small):
    small.set_faults(["html_200"])
    r = requests.get(bps(small))
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("text/html") and b"<html" in r.content
    small.set_faults(["firewall_403"])
    r = requests.get(f"{small.base_url}/ckan/jatim/api/3/action/package_search")
    assert r.status_code == 403 and b"Access Denied" in r.content and r.headers["Content-Type"].startswith("text/html")
    small.set_faults()
    assert requests.get(bps(small)).json()["status"] == "OK"


def test_faults_can_target_one_system(small):
    small.set_faults({"rate_limit": {"every": 1, "systems": ["ckan"]}})
    assert statuses(bps(small), 3) == [200] * 3
    assert statuses(f"{small.base_url}/ckan/jatim/api/3/action/package_search", 2) == [429, 429]


def test_schema_drift_renames_a_field_per_system(small):
    small.set_faults(["schema_drift"])
    body = requests.get(bps(small, "list/model/data/lang/ind/domain/0000/var/31")).json()
    assert "ver_var" in body and "vervar" not in body
    pkg = requests.get(f"{small.base_url}/ckan/jatim/api/3/action/package_search?rows=1").json()["result"]["results"][0]
    assert "metadata_updated" in pkg and "metadata_modified" not in pkg
    rows = requests.get(f"{small.base_url}/regency/monev/api/v1/programs",
                        headers={"Authorization": f"Bearer {small.regency_token}"}).json()["data"]
    assert "updatedAt" in rows[0] and "updated_at" not in rows[0]


def test_decimal_comma(small):
    small.set_faults(["decimal_comma"])
    body = requests.get(bps(small, "list/model/data/lang/ind/domain/0000/var/31/th/124")).json()
    values = list(body["datacontent"].values())
    assert all(isinstance(v, str) for v in values) and any("." in v for v in values)
    rows = requests.get(f"{small.base_url}/regency/monev/api/v1/programs",
                        headers={"Authorization": f"Bearer {small.regency_token}"}).json()["data"]
    assert rows[0]["budget_idr"].endswith(",00")


def test_duplicate_page_serves_the_previous_page_once(small):
    small.set_faults({"duplicate_page": {"every": 2}})
    url = bps(small, "list/model/var/lang/ind/domain/3500")
    page1 = requests.get(url).json()["data"][1]
    url2 = bps(small, "list/model/var/lang/ind/domain/3500/page/2")
    first, second = requests.get(url2).json()["data"][1], requests.get(url2).json()["data"][1]
    assert (first == page1) != (second == page1)        # one of the two page-2 answers repeats page 1
    assert {v["var_id"] for v in second if first == page1} .isdisjoint(v["var_id"] for v in page1)


def test_admin_endpoint_sets_faults_at_run_time(small):
    r = requests.post(f"{small.base_url}/_admin/faults", json={"faults": {"rate_limit": {"every": 2}}})
    assert r.json()["faults"]["rate_limit"]["every"] == 2
    assert statuses(bps(small), 2) == [200, 429]
    assert requests.post(f"{small.base_url}/_admin/faults", json={"faults": ["nonsense"]}).status_code == 400
    requests.post(f"{small.base_url}/_admin/faults", json={"faults": []})
    assert statuses(bps(small), 4) == [200] * 4


def test_latency(small):
    small.set_faults(latency_ms=200)
    r = requests.get(bps(small))
    assert r.elapsed.total_seconds() >= 0.2


def test_key_never_logged(small, caplog):
    import logging
    caplog.set_level(logging.DEBUG, logger="simulator")
    requests.get(bps(small))
    assert caplog.records and all(small.bps_key not in rec.getMessage() for rec in caplog.records)
