"""Turns the marts into pages: each function prepares what one page shows, the templates lay it out."""
from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from pathlib import Path

import jinja2

from smartcity.report import charts
from smartcity.report.data import ReportData
from smartcity.report.i18n import LABELS, number

HERE = Path(__file__).parent
COMPONENTS = (("Baseline", "baseline_score"), ("Output", "output_score"), ("Outcome", "outcome_score"),
              ("Impact", "impact_score"), ("Quick Win", "quick_win_score"))
LAGGING_PCT = 50.0        # realisation below this share of budget, while not done, is lagging
DONE = {"selesai"}
DELAYED = {"tertunda", "terlambat", "mangkrak"}


def _env(lang: str) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters["num"] = lambda v, d=2: number(v, lang, d)
    env.filters["int"] = lambda v: number(v, lang, 0)
    env.filters["pct"] = lambda v: "—" if v is None else number(float(v) * 100, lang, 1) + " %"
    env.filters["raw"] = lambda v: "" if v is None else str(v)
    return env


class Charts:
    """Collects a page's chart specs; each is embedded as JSON beside the element it is drawn in."""

    def __init__(self):
        self.specs: list[tuple[str, str]] = []

    def add(self, spec: dict) -> str:
        chart_id = f"chart-{len(self.specs) + 1}"
        text = json.dumps(spec, ensure_ascii=False, default=str, separators=(",", ":"))
        self.specs.append((chart_id, text.replace("</", "<\\/")))
        return chart_id


def write_site(data: ReportData, out: Path, *, year: int | None, region: str | None, lang: str,
               built_at: datetime) -> list[str]:
    from smartcity.report.assets import write_assets

    t = LABELS[lang]
    env = _env(lang)
    year = year or data.latest_year
    common = {"t": t, "lang": lang, "version": data.version, "built_at": built_at.strftime("%Y-%m-%d %H:%M UTC"),
              "years": data.years}
    write_assets(out / "assets", data, lang)
    written: list[str] = []

    def render(template: str, name: str, **context) -> None:
        depth = name.count("/")
        html = env.get_template(template).render(**common, **context, root="../" * depth, page=name)
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(html, encoding="utf-8")
        written.append(name)

    if region is None:
        render("overview.html.j2", "index.html", **overview(data, year, t))
        for y in data.years:
            render("overview.html.j2", f"overview-{y}.html", **overview(data, y, t))
        render("impact.html.j2", "impact.html", **impact(data, t))
        render("quality.html.j2", "quality.html", **quality(data, t))
    peer = data.peer_stats()
    peer_dims = data.peer_dimension_medians()
    for code in ([region] if region else [r["region_code"] for r in data.regions]):
        render("region.html.j2", f"regions/{code}.html", **scorecard(data, code, year, t, peer, peer_dims))
    return written


def overview(data: ReportData, year: int, t: dict) -> dict:
    rows = [r for r in data.index if r["year"] == year]
    names = {c: r["region_name"] for c, r in data.region.items()}
    provinces = {c: r["province_name"] for c, r in data.region.items()}
    indicator = sorted((r for r in rows if r.get("indicator_index") is not None),
                       key=lambda r: (r.get("indicator_rank_national") or 10**6, r["region_code"]))
    evaluation = sorted((r for r in rows if r.get("evaluation_index") is not None),
                        key=lambda r: (r.get("evaluation_rank_national") or 10**6, r["region_code"]))
    comparable = [r for r in indicator if r.get("indicator_change_status") == "comparable"
                  and r.get("indicator_rank_national_change") is not None]
    # a positive rank change is a move towards place 1
    up = sorted(comparable, key=lambda r: (-r["indicator_rank_national_change"], r["region_code"]))[:10]
    down = sorted(comparable, key=lambda r: (r["indicator_rank_national_change"], r["region_code"]))[:10]
    c = Charts()
    dist_values = [{"peer_group": r["peer_group"], "province": provinces[r["region_code"]],
                    "index": r["indicator_index"]} for r in indicator]
    by_peer = c.add(charts.distribution(dist_values, "peer_group", t["by_peer_group"], t))
    by_province = c.add(charts.distribution(dist_values, "province", t["by_province"], t))
    dims = [{"dimension": r["dimension_name"], "score": r["dimension_score"]}
            for r in data.dimensions if r["year"] == year and r.get("dimension_score") is not None]
    dims_chart = c.add(charts.dimensions_side_by_side(dims, t)) if dims else None
    return {"year": year, "indicator": indicator, "evaluation": evaluation, "names": names,
            "provinces": provinces, "up": up, "down": down, "charts": c.specs, "by_peer": by_peer,
            "by_province": by_province, "dims_chart": dims_chart, "title_suffix": str(year)}


SERIES_ORDER = {"indicator_index": 0, "dimension_score": 1, "indicator": 2}


def impact(data: ReportData, t: dict) -> dict:
    """One section per outcome (the index, each dimension, each indicator): the event study, the cohort
    and overall estimates with BH q-values, the pre-trend test, non-estimable cohorts and, where the
    ministry's list is missing, how many hidden participants the controls may hold."""
    names = {i["indicator_code"]: i for i in data.indicators}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in data.impact:
        groups[row.get("series_type") or "indicator", str(row.get("indicator_code"))].append(row)
    c = Charts()
    sections = []
    for series, code in sorted(groups, key=lambda k: (SERIES_ORDER.get(k[0], 9), k[1])):
        rows = groups[series, code]
        first = rows[0]
        name = first.get("indicator_name") or names.get(code, {}).get("indicator_name_id") or code
        title = name if series == "indicator_index" else f"{code} — {name}"
        points = [{"relative_year": int(r["relative_year"]), "estimate": _estimate(r), "ci_low": _ci(r, "low"),
                   "ci_high": _ci(r, "high"),
                   "period": t["after_joining"] if r["relative_year"] >= 0 else t["before_joining"]}
                  for r in rows if r.get("row_type") == "event_study" and r.get("relative_year") is not None
                  and _estimate(r) is not None and _ci(r, "low") is not None and _ci(r, "high") is not None]
        points.sort(key=lambda p: p["relative_year"])
        chart = c.add(charts.event_study(points, title, t)) if points else None
        table = [{"cohort": r.get("cohort"), "type": r.get("row_type"), "estimate": _estimate(r),
                  "ci_low": _ci(r, "low"), "ci_high": _ci(r, "high"), "q_value": r.get("q_value"),
                  "significant": r.get("is_significant"), "pre_trend_p": r.get("pre_trend_p_value"),
                  "pre_trend_flag": r.get("pre_trend_flag")}
                 for r in sorted(rows, key=lambda r: (r.get("row_type") != "overall", str(r.get("cohort"))))
                 if r.get("row_type") in ("overall", "cohort")]
        flagged = any(bool(r.get("pre_trend_flag")) for r in rows)
        hidden = {str(r.get("cohort")): int(r["control_pool_hidden_max"]) for r in rows
                  if r.get("row_type") == "cohort" and r.get("control_pool_hidden_max")}
        caveats = ([t["hidden_caveat"].format(n=max(hidden.values())) + " (" + t["cohort"] + " "
                    + ", ".join(f"{k}: {v}" for k, v in sorted(hidden.items())) + ")"] if hidden else [])
        sections.append({"code": code, "series": series, "title": title, "unit": first.get("unit"),
                         "direction": first.get("direction"), "chart": chart, "table": table,
                         "flagged": flagged, "caveats": caveats,
                         "not_estimable": [{"cohort": r.get("cohort"), "reason": r.get("not_estimable_reason")}
                                           for r in rows if r.get("row_type") == "not_estimable"]})
    return {"sections": sections, "charts": c.specs, "title_suffix": t["impact"]}


def _estimate(row: dict):
    for key in ("estimate", "did_estimate"):
        if row.get(key) is not None:
            return float(row[key])
    return None


def _ci(row: dict, side: str):
    for key in (f"ci_{side}", {"low": "ci_lower", "high": "ci_upper"}[side]):
        if row.get(key) is not None:
            return float(row[key])
    return None


def quality(data: ReportData, t: dict) -> dict:
    latest = max((r["year"] for r in data.completeness), default=None)
    by_source: dict[str, list[float]] = defaultdict(list)
    stale: dict[str, int] = defaultdict(int)
    extracted: dict[str, object] = {}
    for r in data.completeness:
        if r["year"] == latest and r.get("coverage_ratio") is not None:
            by_source[r["source"]].append(float(r["coverage_ratio"]))
        if r["year"] == latest and r.get("is_stale"):
            stale[r["source"]] += 1
        seen = r.get("last_extracted_at")
        if seen and (r["source"] not in extracted or seen > extracted[r["source"]]):
            extracted[r["source"]] = seen
    sources = [{"source": s, "coverage": sum(v) / len(v), "stale": stale.get(s, 0), "extracted": extracted.get(s)}
               for s, v in sorted(by_source.items())]
    n_regions = len(data.regions) or 1
    present: dict[str, int] = defaultdict(int)
    newest: dict[str, int] = {}
    for r in data.latest_values:
        present[r["indicator_code"]] += 1
        newest[r["indicator_code"]] = max(newest.get(r["indicator_code"], 0), r["latest_year"])
    indicators = [{"code": i["indicator_code"], "name": i.get("indicator_name_id"), "source": i.get("source_system"),
                   "coverage": present.get(i["indicator_code"], 0) / n_regions,
                   "latest_year": newest.get(i["indicator_code"])} for i in data.indicators]
    runs: dict[str, dict] = {}
    for v in data.validations:
        run = runs.setdefault(v["run_id"], {"run_id": v["run_id"], "validated_at": v["validated_at"], "checks": 0,
                                            "failed": 0, "warned": 0})
        run["checks"] += 1
        if not v["success"]:
            run["failed" if v.get("severity") == "critical" else "warned"] += 1
    failures = [v for v in data.validations if not v["success"]][:200]
    c = Charts()
    source_chart = c.add(charts.bars([{"source": s["source"], "coverage": round(s["coverage"] * 100, 1)}
                                      for s in sources], "source", "coverage", t["completeness_by_source"],
                                     t["coverage"] + " (%)")) if sources else None
    indicator_chart = c.add(charts.bars([{"indicator": i["code"], "coverage": round(i["coverage"] * 100, 1)}
                                         for i in indicators], "indicator", "coverage",
                                        t["completeness_by_indicator"], t["coverage"] + " (%)"))
    return {"latest": latest, "sources": sources, "indicators": indicators,
            "runs": sorted(runs.values(), key=lambda r: str(r["validated_at"]), reverse=True)[:10],
            "failures": failures, "charts": c.specs, "source_chart": source_chart,
            "indicator_chart": indicator_chart, "title_suffix": t["quality"]}


def scorecard(data: ReportData, code: str, year: int, t: dict, peer: dict, peer_dims: dict) -> dict:
    region = data.region[code]
    mine = data.by_region.get(code, {})
    index_rows = sorted(mine.get("index", []), key=lambda r: r["year"])
    this_year = next((r for r in index_rows if r["year"] == year), None)
    c = Charts()
    index_chart = c.add(charts.index_over_time(index_rows, peer, t)) if index_rows else None
    dims = sorted((r for r in mine.get("dimensions", []) if r["year"] == year), key=lambda r: r["dimension_code"])
    dim_values = [{"dimension": r["dimension_name"], "score": r.get("dimension_score"),
                   "peer_median": peer_dims.get((r["peer_group"], year, r["dimension_code"]))} for r in dims]
    dims_chart = c.add(charts.dimension_profile(dim_values, t)) if dim_values else None
    weights = defaultdict(dict)
    for w in data.weights:
        weights[w["weight_version"]][w["component"]] = w["weight"]
    evaluation = []
    for e in sorted(mine.get("evaluation", []), key=lambda r: r["year"]):
        evaluation.append({"year": e["year"], "index": e.get("evaluation_index"), "version": e.get("weight_version"),
                           "document": e.get("source_file_name"), "as_of": e.get("source_as_of_date"),
                           "components": [{"name": name, "score": e.get(col),
                                           "weight": weights.get(e.get("weight_version"), {}).get(name)}
                                          for name, col in COMPONENTS]})
    programs = mine.get("programs", [])
    lagging = [p for p in programs if _is_lagging(p)]
    completeness = sorted((r for r in mine.get("completeness", []) if r["year"] == year), key=lambda r: r["source"])
    latest_values = {r["indicator_code"]: r for r in mine.get("latest_values", [])}
    missing = [i for i in data.indicators if i.get("is_catalogue", True) and i["indicator_code"] not in latest_values]
    sources: dict[str, dict] = {}
    for r in latest_values.values():
        s = sources.setdefault(r["source"], {"source": r["source"], "as_of": r["as_of_date"], "n": 0})
        s["n"] += 1
        if r["as_of_date"] and (s["as_of"] is None or r["as_of_date"] > s["as_of"]):
            s["as_of"] = r["as_of_date"]
    for r in mine.get("completeness", []):
        if r["source"] in sources and r.get("last_extracted_at"):
            prev = sources[r["source"]].get("extracted")
            if prev is None or r["last_extracted_at"] > prev:
                sources[r["source"]]["extracted"] = r["last_extracted_at"]
    failed_checks = [v for v in data.validations if not v["success"] and code in (v.get("unexpected_sample") or "")]
    return {"region": region, "code": code, "year": year, "this": this_year, "index_rows": index_rows,
            "charts": c.specs, "index_chart": index_chart, "dims": dim_values, "dims_chart": dims_chart,
            "evaluation": evaluation, "programs": programs, "lagging": lagging, "completeness": completeness,
            "missing": missing, "latest_values": sorted(latest_values.values(), key=lambda r: r["indicator_code"]),
            "sources": sorted(sources.values(), key=lambda s: s["source"]), "failed_checks": failed_checks,
            "title_suffix": region["region_name"]}


def _is_lagging(program: dict) -> bool:
    status = (program.get("status") or "").lower()
    if status in DONE:
        return False
    pct = program.get("realisation_pct")
    return status in DELAYED or (pct is not None and float(pct) < LAGGING_PCT and status != "perencanaan")
