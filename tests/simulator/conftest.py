import pytest
import requests

from simulator.server import run_in_thread
from simulator.world import build


@pytest.fixture(scope="session")
def sim():
    """Full scale: every region, the default seed."""
    with run_in_thread(seed=0, scale=514) as running:
        yield running


@pytest.fixture(scope="session")
def world():
    return build(0)


@pytest.fixture
def small():
    """A fresh small server per test (fault counters start at zero)."""
    with run_in_thread(seed=3, scale=60) as running:
        yield running


@pytest.fixture(scope="session")
def http():
    with requests.Session() as s:
        yield s


def bps_url(sim, *segments, key=None):
    path = "/".join(str(s) for s in segments)
    return f"{sim.base_url}/bps/v1/api/{path}/key/{key or sim.bps_key}/"


@pytest.fixture(scope="session")
def url():
    """url(sim, 'list/model/var/...', key=None) -> BPS URL with the key segment."""
    return bps_url
