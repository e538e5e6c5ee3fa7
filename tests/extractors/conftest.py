"""Fixtures of the extractor tests (helpers live in extract_testkit.py)."""
from __future__ import annotations

import pytest
from extract_testkit import Replay

from extractors.http import HttpClient, make_retry


@pytest.fixture
def replay():
    server = Replay()
    yield server
    server.stop()


@pytest.fixture
def http():
    """Retries with tiny backoff so fault tests stay fast (Retry-After is still honoured)."""
    return HttpClient(max_per_host=4, timeout=(2, 5), retry=make_retry(total=4, backoff_factor=0.01),
                      body_attempts=2)


@pytest.fixture(scope="module")
def simulator():
    """The project's simulator on loopback, small scale (skipped when its package is not there yet)."""
    server_mod = pytest.importorskip("simulator.server")
    with server_mod.run_in_thread(seed=3, scale=30) as sim:
        yield sim
