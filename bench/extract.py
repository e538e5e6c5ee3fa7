"""Extraction throughput (issue 3): the national BPS pull (all province domains x the catalogue's BPS
variables) and the national CKAN catalogue against the simulator with 50 ms latency, done three ways in
the same run, interleaved within each repeat:

- ours:       `extractors.bps.extract_national` / `extractors.ckan.extract_portal` (parallel within the
              per-host limit, landing Parquet + manifests);
- ckanapi:    `ckanapi.RemoteCKAN(site).action.package_search(rows=1000, start=...)` paging (CKAN only);
- sequential: a plain `requests` loop, one request at a time like `stadata`, over the same URLs, parsing
              the JSON and appending it to a JSON-lines file (less work per request than ours).

Plus the peak memory of landing the 1,000,000-row jatim datastore resource (`extract_datastore`) and of
streaming its CSV download (`CkanClient.download_resource`): target under 300 MB.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from bench import harness

LATENCY_MS = 50
TARGET_SPEEDUP = 5.0
TARGET_DATASTORE_MB = 300.0
BIG_RESOURCE_PACKAGE = "log-layanan-publik-harian-jawa-timur-2024"


# --- child-process functions ----------------------------------------------------------------------------


def ours_bps(raw_dir: str, domains: list[str]) -> dict:
    from extractors import bps

    started = time.perf_counter()
    summaries = bps.extract_national(raw_dir, "bench", domains=domains, progress=lambda line: None)
    return {
        "seconds": time.perf_counter() - started,
        "tables": len(summaries),
        "rows": sum(s.get("row_count") or 0 for s in summaries),
    }


def _bps_base() -> tuple[str, str]:
    from urllib.parse import urlsplit

    parts = urlsplit(os.environ["AIRFLOW_CONN_SMARTCITY_BPS"])
    return f"http://{parts.hostname}:{parts.port}{parts.path}".rstrip("/"), parts.password


def seq_bps(out_dir: str, domains: list[str], var_ids: list[str]) -> dict:
    """What a stadata-style client does: one `requests` call after the other."""
    import requests

    base, key = _bps_base()
    session = requests.Session()
    started = time.perf_counter()
    n = 0
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(out_dir) / "bps.jsonl", "w", encoding="utf-8") as out:
        for domain in domains:
            for var in var_ids:
                url = f"{base}/list/model/data/lang/ind/domain/{domain}/var/{var}/key/{key}/"
                response = session.get(url, timeout=60)
                response.raise_for_status()
                payload = response.json()
                if payload.get("status") != "OK":
                    raise RuntimeError(f"BPS domain {domain} var {var}: {payload.get('message')}")
                out.write(json.dumps(payload) + "\n")
                n += 1
    return {"seconds": time.perf_counter() - started, "tables": n}


def ours_ckan(raw_dir: str, portal: str) -> dict:
    from extractors import ckan

    started = time.perf_counter()
    summary = ckan.extract_portal(raw_dir, portal, "bench", since=None)
    return {"seconds": time.perf_counter() - started, "packages": summary["row_count"]}


def _site(portal: str) -> str:
    return os.environ[f"AIRFLOW_CONN_SMARTCITY_CKAN_{portal.upper()}"].rstrip("/")


def ckanapi_ckan(out_dir: str, portal: str, rows: int = 1000) -> dict:
    import ckanapi

    site = ckanapi.RemoteCKAN(_site(portal), user_agent="smartcity-bench/ckanapi")
    started = time.perf_counter()
    n, start = 0, 0
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(out_dir) / f"{portal}-ckanapi.jsonl", "w", encoding="utf-8") as out:
        while True:
            result = site.action.package_search(q="*:*", rows=rows, start=start, sort="id asc")
            batch = result["results"]
            for pkg in batch:
                out.write(json.dumps(pkg) + "\n")
            n += len(batch)
            start += len(batch)
            if not batch or start >= result["count"]:
                break
    return {"seconds": time.perf_counter() - started, "packages": n}


def seq_ckan(out_dir: str, portal: str, rows: int = 1000) -> dict:
    import requests

    url = f"{_site(portal)}/api/3/action/package_search"
    session = requests.Session()
    started = time.perf_counter()
    n, start = 0, 0
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(out_dir) / f"{portal}-seq.jsonl", "w", encoding="utf-8") as out:
        while True:
            response = session.get(
                url, params={"q": "*:*", "rows": rows, "start": start, "sort": "id asc"}, timeout=120
            )
            response.raise_for_status()
            result = response.json()["result"]
            for pkg in result["results"]:
                out.write(json.dumps(pkg) + "\n")
            n += len(result["results"])
            start += len(result["results"])
            if not result["results"] or start >= result["count"]:
                break
    return {"seconds": time.perf_counter() - started, "packages": n}


def ours_datastore(raw_dir: str, resource_id: str) -> dict:
    from extractors import ckan

    started = time.perf_counter()
    summary = ckan.extract_datastore(raw_dir, "jatim", resource_id, "bench")
    return {"seconds": time.perf_counter() - started, "rows": summary.get("row_count")}


def ours_download(dest_dir: str, resource: dict) -> dict:
    from extractors.ckan import CkanClient

    started = time.perf_counter()
    result = CkanClient.from_env("jatim").download_resource(resource, dest_dir)
    size = result["bytes"]
    with open(result["path"], "rb") as fh:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    os.unlink(result["path"])
    return {"seconds": time.perf_counter() - started, "bytes": size, "lines": lines, "kind": result["kind"]}


# --- orchestration (parent) -----------------------------------------------------------------------------


def _big_resource(sim) -> dict:
    import requests

    site = sim.connections["AIRFLOW_CONN_SMARTCITY_CKAN_JATIM"].rstrip("/")
    pkg = requests.get(f"{site}/api/3/action/package_show", params={"id": BIG_RESOURCE_PACKAGE}, timeout=60).json()[
        "result"
    ]
    return next(r for r in pkg["resources"] if r.get("datastore_active"))


def _warm_up(sim) -> None:
    """The simulator builds a portal's catalogue on its first request, and each search page on its first
    request (then keeps it, as a real portal's search engine answers fast): do both before any timer."""
    import requests

    for portal in ("nasional", "jatim"):
        site = sim.connections[f"AIRFLOW_CONN_SMARTCITY_CKAN_{portal.upper()}"].rstrip("/")
        start, count = 0, 1
        while start < count:
            answer = requests.get(f"{site}/api/3/action/package_search",
                                  params={"q": "*:*", "rows": 1000, "start": start, "sort": "id asc"}, timeout=120)
            answer.raise_for_status()
            count = answer.json()["result"]["count"]
            start += 1000


def _measured(sim, target: str, kwargs: dict, env: dict, logs: Path, system: str, label: str, timeout: float) -> dict:
    before = harness.sim_requests(sim)[system]
    res = harness.run_child(target, kwargs, env=env, log_dir=logs, label=label, timeout=timeout)
    requests_made = harness.sim_requests(sim)[system] - before
    seconds = res.result.get("seconds") or res.work_s
    return {
        "seconds": seconds,
        "requests": requests_made,
        "requests_per_s": requests_made / seconds,
        "peak_rss_mb": res.peak_rss_mb,
        "process_wall_s": res.wall_s,
        **{k: v for k, v in res.result.items() if k != "seconds" and isinstance(v, (int, float))},
    }


def bench(opts) -> dict:
    from extractors.bps import load_indicator_vars
    from extractors.regions import province_domains

    scale = 60 if opts.quick else 514
    domains = province_domains()[: 6 if opts.quick else None]
    var_ids = sorted({str(v["var_id"]) for v in load_indicator_vars()}, key=int)
    runs: list[dict] = []
    with harness.workdir("extract") as root, harness.simulator(latency_ms=LATENCY_MS, scale=scale) as sim:
        env = harness.project_env(root, sim.connections)
        logs = root / "logs"
        resource = _big_resource(sim)
        _warm_up(sim)
        for i in range(opts.repeat):
            run: dict = {}
            out = root / f"r{i}"
            # interleaved in the same repeat so the three clients share the machine's noise
            for client, target, kwargs in (
                ("ours", "bench.extract:ours_bps", {"raw_dir": str(out / "raw"), "domains": domains}),
                (
                    "sequential",
                    "bench.extract:seq_bps",
                    {"out_dir": str(out / "seq"), "domains": domains, "var_ids": var_ids},
                ),
            ):
                m = _measured(sim, target, kwargs, env, logs, "bps", f"bps-{client}", timeout=900)
                run.update({f"bps.{client}.{k}": v for k, v in m.items()})
            for client, target, kwargs in (
                ("ours", "bench.extract:ours_ckan", {"raw_dir": str(out / "raw"), "portal": "nasional"}),
                ("ckanapi", "bench.extract:ckanapi_ckan", {"out_dir": str(out / "ckanapi"), "portal": "nasional"}),
                ("sequential", "bench.extract:seq_ckan", {"out_dir": str(out / "seq"), "portal": "nasional"}),
            ):
                m = _measured(sim, target, kwargs, env, logs, "ckan", f"ckan-{client}", timeout=900)
                run.update({f"ckan.{client}.{k}": v for k, v in m.items()})
            m = _measured(
                sim,
                "bench.extract:ours_datastore",
                {"raw_dir": str(out / "raw"), "resource_id": resource["id"]},
                env,
                logs,
                "ckan",
                "datastore",
                timeout=900,
            )
            run.update({f"datastore.{k}": v for k, v in m.items()})
            m = _measured(
                sim,
                "bench.extract:ours_download",
                {"dest_dir": str(out / "dl"), "resource": resource},
                env,
                logs,
                "ckan",
                "download",
                timeout=900,
            )
            run.update({f"download.{k}": v for k, v in m.items()})
            run["bps.speedup_vs_sequential"] = run["bps.sequential.seconds"] / run["bps.ours.seconds"]
            run["ckan.speedup_vs_sequential"] = run["ckan.sequential.seconds"] / run["ckan.ours.seconds"]
            run["ckan.speedup_vs_ckanapi"] = run["ckan.ckanapi.seconds"] / run["ckan.ours.seconds"]
            total_seq = run["bps.sequential.seconds"] + run["ckan.sequential.seconds"]
            run["combined.speedup_vs_sequential"] = total_seq / (run["bps.ours.seconds"] + run["ckan.ours.seconds"])
            runs.append(run)
            harness.shutil.rmtree(out, ignore_errors=True)
    params = {
        "latency_ms": LATENCY_MS,
        "scale": scale,
        "bps_domains": len(domains),
        "bps_vars": len(var_ids),
        "ckan_portal": "nasional",
        "datastore_resource": resource["id"],
        "http_max_per_host": int(os.environ.get("SMARTCITY_HTTP_MAX_PER_HOST", "8")),
    }
    return summarise(runs, params)


def summarise(runs: list[dict], params: dict) -> dict:
    med = harness.medians(runs)
    targets = [
        {
            "name": "BPS national pull, speedup vs sequential requests",
            "target": f">= {TARGET_SPEEDUP:g}x",
            "value": round(med["bps.speedup_vs_sequential"], 2),
            "met": med["bps.speedup_vs_sequential"] >= TARGET_SPEEDUP,
        },
        {
            "name": "CKAN national catalogue, speedup vs sequential requests",
            "target": f">= {TARGET_SPEEDUP:g}x",
            "value": round(med["ckan.speedup_vs_sequential"], 2),
            "met": med["ckan.speedup_vs_sequential"] >= TARGET_SPEEDUP,
        },
        {
            "name": "BPS + CKAN pulls together, speedup vs sequential requests",
            "target": f">= {TARGET_SPEEDUP:g}x",
            "value": round(med["combined.speedup_vs_sequential"], 2),
            "met": med["combined.speedup_vs_sequential"] >= TARGET_SPEEDUP,
        },
        {
            "name": "peak RSS landing the 1M-row datastore resource",
            "target": f"< {TARGET_DATASTORE_MB:g} MB",
            "value": round(med["datastore.peak_rss_mb"], 1),
            "met": med["datastore.peak_rss_mb"] < TARGET_DATASTORE_MB,
        },
        {
            "name": "peak RSS streaming the 1M-row resource download",
            "target": f"< {TARGET_DATASTORE_MB:g} MB",
            "value": round(med["download.peak_rss_mb"], 1),
            "met": med["download.peak_rss_mb"] < TARGET_DATASTORE_MB,
        },
    ]
    tables = [_client_table(med), _datastore_table(med)]
    return {
        "params": params,
        "metrics": med,
        "runs": runs,
        "targets": targets,
        "tables": tables,
        "notes": [
            "Seconds are the pull itself inside each child process (interpreter start and imports excluded); "
            "requests are counted by the simulator; peak RSS is the child's own high-water mark (VmHWM), which "
            "includes the interpreter and its imports (~100 MB with pyarrow).",
            "Speedups are medians of the per-repeat ratios (all clients of a repeat run back to back).",
            "The simulator serves from a thread of the benchmark's parent process on the same 2 cores. It keeps "
            "each CKAN search page once built (warmed before the timers), so the 50 ms latency stands for the "
            "portal's whole answer time. The nasional catalogue is 26 pages of 1000 packages (2.2 MB of JSON "
            "each): decoding and landing them is CPU work on the client, which parallel requests cannot hide, "
            "so the CKAN speedup is bounded by the client's CPU per package, not by latency. BPS answers are "
            "small, so the BPS pull shows the latency hiding (8 requests in flight per host) purely.",
            "The sequential and ckanapi clients only parse JSON and append it to a JSON-lines file; ours also "
            "decodes BPS cells, resolves region codes and writes Parquet + manifests.",
            f"Our CKAN pull peaks near {med.get('ckan.ours.peak_rss_mb', 0):.0f} MB at 25,154 packages: up to 8 "
            "pages in flight plus 8 parsed pages waiting (1000 packages with resources each), a cost that grows "
            "with the page size, not the portal.",
        ],
    }


def _client_table(m: dict) -> dict:
    rows = []
    for source, clients in (
        ("BPS national pull", ("ours", "sequential")),
        ("CKAN nasional catalogue", ("ours", "ckanapi", "sequential")),
    ):
        key = "bps" if source.startswith("BPS") else "ckan"
        for c in clients:
            p = f"{key}.{c}."
            rows.append(
                [
                    source,
                    c,
                    _f(m.get(p + "seconds")),
                    int(m.get(p + "requests", 0)),
                    _f(m.get(p + "requests_per_s"), 1),
                    _f(m.get(p + "peak_rss_mb"), 0),
                    _f(
                        m[f"{key}.speedup_vs_sequential"]
                        if c == "ours"
                        else m[f"{key}.sequential.seconds"] / m[p + "seconds"]
                    )
                    + "x",
                ]
            )
    return {
        "title": "National pulls at 50 ms latency (medians)",
        "columns": ["pull", "client", "seconds", "requests", "requests/s", "peak RSS MB", "speedup vs sequential"],
        "rows": rows,
    }


def _datastore_table(m: dict) -> dict:
    return {
        "title": "1,000,000-row jatim resource at 50 ms latency (medians)",
        "columns": ["operation", "seconds", "requests", "rows or bytes", "peak RSS MB"],
        "rows": [
            [
                "extract_datastore (datastore_search paging -> Parquet)",
                _f(m.get("datastore.seconds")),
                int(m.get("datastore.requests", 0)),
                f"{int(m.get('datastore.rows', 0)):,} rows",
                _f(m.get("datastore.peak_rss_mb"), 0),
            ],
            [
                "download_resource (streamed CSV)",
                _f(m.get("download.seconds")),
                int(m.get("download.requests", 0)),
                f"{int(m.get('download.bytes', 0)):,} bytes",
                _f(m.get("download.peak_rss_mb"), 0),
            ],
        ],
    }


def _f(value, digits: int = 2) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"
