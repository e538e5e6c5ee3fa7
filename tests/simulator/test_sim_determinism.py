import requests
from click.testing import CliRunner

from simulator.cli import simulate, startup_lines
from simulator.server import run_in_thread


def _bodies(sim):
    key = sim.bps_key
    urls = [f"/bps/v1/api/list/model/data/lang/ind/domain/0000/var/122/key/{key}/",
            f"/bps/v1/api/view/model/statictable/lang/ind/domain/1600/id/3/key/{key}/",
            "/ckan/nasional/api/3/action/package_search?rows=200&sort=metadata_modified%20desc",
            "/ckan/muaraenim/api/3/action/organization_list?all_fields=true",
            "/_admin/truth"]
    out = [requests.get(sim.base_url + u, timeout=30).content.replace(sim.base_url.encode(), b"BASE") for u in urls]
    h = {"Authorization": f"Bearer {sim.regency_token}"}
    out.append(requests.get(sim.base_url + "/regency/monev/api/v1/programs?per_page=200", headers=h).content)
    return out


def test_same_seed_same_bytes_other_seed_other_bytes():
    with run_in_thread(seed=11, scale=80, bps_key="k1") as a, run_in_thread(seed=11, scale=80, bps_key="k2") as b, \
            run_in_thread(seed=12, scale=80) as c:
        ba, bb, bc = _bodies(a), _bodies(b), _bodies(c)
    assert ba == bb
    assert ba[0] != bc[0] and ba[2] != bc[2]


def test_keys_are_random_per_start_and_in_connections():
    with run_in_thread(scale=60) as a, run_in_thread(scale=60) as b:
        assert a.bps_key != b.bps_key and len(a.bps_key) >= 16
        conn = a.connections
        assert conn["AIRFLOW_CONN_SMARTCITY_BPS"] == f"http://:{a.bps_key}@127.0.0.1:{a.port}/bps/v1/api"
        assert set(conn) == {"AIRFLOW_CONN_SMARTCITY_BPS", "AIRFLOW_CONN_SMARTCITY_CKAN_NASIONAL",
                             "AIRFLOW_CONN_SMARTCITY_CKAN_JATIM", "AIRFLOW_CONN_SMARTCITY_CKAN_MUARAENIM",
                             "AIRFLOW_CONN_SMARTCITY_REGENCY_MONEV", "AIRFLOW_CONN_SMARTCITY_CKAN_JABAR",
                             "AIRFLOW_CONN_SMARTCITY_CKAN_JATIMWEB"}
        lines = startup_lines(a.sim, "127.0.0.1", a.port)
        assert sum(line.startswith("export AIRFLOW_CONN_") for line in lines) == 7
        assert any("/bps/v1/api/" in line for line in lines)


def test_cli_rejects_unknown_faults():
    result = CliRunner().invoke(simulate, ["--faults", "bogus", "--port", "0"])
    assert result.exit_code != 0 and "unknown fault" in result.output
