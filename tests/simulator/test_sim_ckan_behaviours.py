"""Real CKAN 2.10/2.11 behaviours the simulator must share, so a client that works here works on a portal
(issue 17). Each case is what CKAN's own code does (ckan/lib/search/query.py, ckan/views/api.py,
ckanext/datastore): Solr's Lucene syntax with q.op=AND in `fq`, dismax with minimum-should-match in a
`q` without a colon, token (not substring) matching on text fields, 409 "Search Error" for a query Solr
cannot parse, facets, the list actions, datastore filters/q/sort/fields/include_total and SQL."""
from __future__ import annotations

import uuid

import ckanapi
import pytest
import requests

from simulator.server import run_in_thread


@pytest.fixture(scope="module")
def sim():
    with run_in_thread(seed=3, scale=60) as running:
        yield running


@pytest.fixture(scope="module")
def jatim(sim):
    return ckanapi.RemoteCKAN(sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_JATIM"])


@pytest.fixture(scope="module")
def muaraenim(sim):
    return ckanapi.RemoteCKAN(sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_MUARAENIM"])


@pytest.fixture(scope="module")
def catalogue(jatim):
    return jatim.action.package_search(rows=1000)["results"]


@pytest.fixture(scope="module")
def table(jatim, catalogue):
    """A small datastore table: (resource id, its records)."""
    rid = next(r["id"] for p in catalogue for r in p["resources"]
               if r["datastore_active"] and "sampah" in p["name"])
    return rid, jatim.action.datastore_search(resource_id=rid, limit=1000)["records"]


def test_ids_are_uuids(catalogue):
    for pkg in catalogue:
        assert uuid.UUID(pkg["id"]).version == 4
        assert all(uuid.UUID(r["id"]).version == 4 for r in pkg["resources"])
        assert uuid.UUID(pkg["owner_org"]).version == 4


def test_fq_or_and_tags(jatim, catalogue):
    by_tag: dict[str, set] = {}
    for pkg in catalogue:
        for tag in pkg["tags"]:
            by_tag.setdefault(tag["name"], set()).add(pkg["name"])
    a, b = sorted(by_tag)[:2]
    one = jatim.action.package_search(fq=f'tags:"{a}"', rows=1000)
    assert {p["name"] for p in one["results"]} == by_tag[a] and one["count"] == len(by_tag[a])
    either = jatim.action.package_search(fq=f'tags:"{a}" OR tags:"{b}"', rows=1000)
    assert {p["name"] for p in either["results"]} == by_tag[a] | by_tag[b]
    both = jatim.action.package_search(fq=f'tags:"{a}" AND tags:"{b}"', rows=1000)
    assert {p["name"] for p in both["results"]} == by_tag[a] & by_tag[b]
    negated = jatim.action.package_search(fq=f'-tags:"{a}"', rows=1000)
    assert negated["count"] == len(catalogue) - len(by_tag[a])
    grouped = jatim.action.package_search(fq=f'tags:("{a}" OR "{b}")', rows=1000)
    assert grouped["count"] == either["count"]


def test_field_query_matches_tokens_not_substrings(jatim, catalogue):
    pkg = next(p for p in catalogue if "sampah" in p["title"].lower())
    hits = jatim.action.package_search(q="title:sampah", rows=1000)
    assert pkg["name"] in {p["name"] for p in hits["results"]}
    # "amp" is inside "sampah" but is no word of any title: Solr's text field does not match it
    assert jatim.action.package_search(q="title:amp", rows=1000)["count"] == 0
    assert jatim.action.package_search(q="title:samp*", rows=1000)["count"] == hits["count"]


def test_dismax_minimum_should_match(muaraenim):
    assert muaraenim.action.package_search(q="akip")["count"] == 1
    # two terms: both must match (mm 2<-1), so an unknown second word finds nothing
    assert muaraenim.action.package_search(q="akip zzzunknown")["count"] == 0


@pytest.mark.parametrize("fq", ["organization:(unclosed", 'title:"unterminated', "metadata_modified:[2020 TO",
                                "organization:", "tags:x AND"])
def test_malformed_fq_is_a_409_search_error(sim, fq):
    url = sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_JATIM"] + "/api/3/action/package_search"
    res = requests.get(url, params={"fq": fq}, timeout=10)
    assert res.status_code == 409
    body = res.json()
    assert body["success"] is False and body["error"]["__type"] == "Search Error"


def test_facets(jatim, catalogue):
    res = jatim.action.package_search(rows=0, **{"facet.field": '["tags", "organization", "res_format"]',
                                                 "facet.limit": "-1"})
    assert res["results"] == []
    tags: dict[str, int] = {}
    for pkg in catalogue:
        for t in pkg["tags"]:
            tags[t["name"]] = tags.get(t["name"], 0) + 1
    assert res["facets"]["tags"] == tags
    orgs = {p["organization"]["name"] for p in catalogue}
    assert set(res["facets"]["organization"]) == orgs
    assert res["facets"]["res_format"]["CSV"] == sum(any(r["format"] == "CSV" for r in p["resources"])
                                                     for p in catalogue)
    items = res["search_facets"]["organization"]["items"]
    assert {i["name"] for i in items} == orgs and all(i["display_name"] != i["name"] for i in items)
    assert [i["display_name"] for i in items] == sorted((i["display_name"] for i in items), reverse=True)
    assert jatim.action.package_search(rows=0)["facets"] == {}


def test_list_actions_and_api_root(sim, jatim, catalogue):
    assert jatim.action.package_list() == sorted(p["name"] for p in catalogue)
    assert jatim.action.package_list(limit=2, offset=1) == sorted(p["name"] for p in catalogue)[1:3]
    assert set(jatim.action.tag_list()) == {t["name"] for p in catalogue for t in p["tags"]}
    assert jatim.action.group_list() == []
    assert jatim.action.site_read() is True
    assert "solr" in jatim.action.help_show(name="package_search")
    with pytest.raises(ckanapi.NotFound):
        jatim.action.help_show(name="no_such_action")
    root = sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_JATIM"]
    assert requests.get(root + "/api/3", timeout=10).json() == {"version": 3}


def test_datastore_filters_q_sort_fields_total(jatim, table):
    rid, records = table
    name = records[0]["Kabupaten/Kota"]
    one = jatim.action.datastore_search(resource_id=rid, filters={"Kabupaten/Kota": name})
    assert [r["Kabupaten/Kota"] for r in one["records"]] == [name] and one["total"] == 1
    pair = [name, records[1]["Kabupaten/Kota"]]
    two = jatim.action.datastore_search(resource_id=rid, filters={"Kabupaten/Kota": pair})
    assert two["total"] == 2
    word = name.split()[-1]
    found = jatim.action.datastore_search(resource_id=rid, q=word)
    assert name in {r["Kabupaten/Kota"] for r in found["records"]}
    assert found["total"] == sum(word.lower() in r["Kabupaten/Kota"].lower().split() for r in records)
    ordered = jatim.action.datastore_search(resource_id=rid, sort="Kabupaten/Kota desc", limit=1000)
    assert [r["Kabupaten/Kota"] for r in ordered["records"]] == sorted((r["Kabupaten/Kota"] for r in records),
                                                                      reverse=True)
    slim = jatim.action.datastore_search(resource_id=rid, fields="_id,Kabupaten/Kota", include_total=False)
    assert [f["id"] for f in slim["fields"]] == ["_id", "Kabupaten/Kota"]
    assert set(slim["records"][0]) == {"_id", "Kabupaten/Kota"} and "total" not in slim
    with pytest.raises(ckanapi.ValidationError) as err:
        jatim.action.datastore_search(resource_id=rid, filters={"no_such_column": "x"})
    assert "filters" in err.value.error_dict


def test_datastore_search_sql(jatim, table):
    rid, records = table
    res = jatim.action.datastore_search_sql(sql=f'SELECT count(*) AS n FROM "{rid}"')
    assert res["records"] == [{"n": len(records)}]
    with pytest.raises(ckanapi.ValidationError):
        jatim.action.datastore_search_sql(sql=f'DELETE FROM "{rid}"')
    with pytest.raises(ckanapi.ValidationError):
        jatim.action.datastore_search_sql(sql='SELECT 1; SELECT 2')
