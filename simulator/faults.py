"""Fault knobs: deterministic by request count, off by default, changeable at run time.

Each fault counts the requests of the systems it applies to; request n is hit when n % every == 0
(server_error_burst: the last `burst` requests of every window of `every`). So a burst ends, a 429 is
followed by a normal answer, and the same client sequence meets the same faults every run."""
from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping

SYSTEMS = ("bps", "ckan", "regency")
DEFAULTS: dict[str, dict] = {
    "rate_limit": {"every": 4, "retry_after": 1},          # 429 + Retry-After
    "server_error_burst": {"every": 10, "burst": 3},         # 503, 502, 500, then OK
    "slow": {"every": 5, "seconds": 3.0},                    # longer than a sane client timeout
    "truncated_json": {"every": 5},                          # body cut in half, Content-Length matches
    "html_200": {"every": 1},                                # maintenance page, HTTP 200
    "firewall_403": {"every": 1},                            # WAF block page, HTTP 403
    "schema_drift": {},                                      # renamed field, see README of simulator
    "decimal_comma": {},                                     # numbers as "1.234,56" strings
    "duplicate_page": {"every": 3},                          # a page >= 2 repeats the previous page
}


def normalise(faults: Iterable[str] | Mapping[str, dict] | str | None) -> dict[str, dict]:
    """'rate_limit,slow' | ['slow'] | {'slow': {'seconds': 1}} -> {name: full params}."""
    if not faults:
        return {}
    if isinstance(faults, str):
        faults = [f.strip() for f in faults.split(",") if f.strip()]
    if not isinstance(faults, Mapping):
        faults = {name: {} for name in faults}
    out = {}
    for name, params in faults.items():
        if name not in DEFAULTS:
            raise ValueError(f"unknown fault {name!r}; known: {', '.join(DEFAULTS)}")
        merged = {"systems": list(SYSTEMS), **DEFAULTS[name], **(params or {})}
        if merged.get("every", 1) < 1:
            raise ValueError(f"{name}: every must be >= 1")
        out[name] = merged
    return out


class Faults:
    def __init__(self, faults=None):
        self._lock = threading.Lock()
        self.set(faults)

    def set(self, faults) -> None:
        config = normalise(faults)
        with self._lock:
            self.config = config
            self.counts = {name: 0 for name in config}

    def active(self, name: str, system: str) -> bool:
        params = self.config.get(name)
        return params is not None and system in params["systems"]

    def tick(self, system: str, paged: bool = False) -> set[str]:
        """Count one request of `system`; return the faults that hit it. duplicate_page counts only
        paged answers of page >= 2 (call again with paged=True once the page is known)."""
        hit = set()
        with self._lock:
            for name, params in self.config.items():
                if system not in params["systems"] or (name == "duplicate_page") != paged:
                    continue
                if name in ("schema_drift", "decimal_comma"):
                    continue                                  # permanent while set, see `active`
                self.counts[name] += 1
                n, every = self.counts[name], params["every"]
                if name == "server_error_burst":
                    if (n - 1) % every >= every - params["burst"]:
                        hit.add(name)
                elif n % every == 0:
                    hit.add(name)
        return hit

    def describe(self) -> dict:
        return {name: dict(params) for name, params in self.config.items()}
