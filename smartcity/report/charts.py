"""Vega-Lite specifications for the report's charts. They are drawn in the page by the Vega bundle that
vl-convert ships (written once into the report's assets), so no page loads anything from a network."""
from __future__ import annotations

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"   # an identifier Vega-Lite checks, never fetched
WIDTH = 560


def _base(values: list[dict], title: str, **extra) -> dict:
    return {"$schema": SCHEMA, "data": {"values": values}, "title": title, "width": WIDTH,
            "config": {"font": "sans-serif", "view": {"stroke": None}}, **extra}


def index_over_time(rows: list[dict], peer: dict, t: dict) -> dict:
    """The region's indicator index by year against its peer group's median and inter-quartile band."""
    values = []
    for r in rows:
        stats = peer.get((r["peer_group"], r["year"]))
        values.append({"year": r["year"], "index": r.get("indicator_index"),
                       "median": stats and round(stats["median"], 2), "q1": stats and round(stats["q1"], 2),
                       "q3": stats and round(stats["q3"], 2)})
    x = {"field": "year", "type": "ordinal", "title": t["year"]}
    return _base(values, t["index_over_time"], height=220, layer=[
        {"mark": {"type": "area", "opacity": 0.25, "color": "#7a9cc6"},
         "encoding": {"x": x, "y": {"field": "q1", "type": "quantitative", "title": t["indicator_index"],
                                                 "scale": {"zero": False}},
                      "y2": {"field": "q3"}}},
        {"mark": {"type": "line", "strokeDash": [4, 3], "color": "#44546a"},
         "encoding": {"x": x, "y": {"field": "median", "type": "quantitative"}}},
        {"mark": {"type": "line", "point": True, "color": "#c0392b"},
         "encoding": {"x": x, "y": {"field": "index", "type": "quantitative"},
                      "tooltip": [{"field": "year"}, {"field": "index"}, {"field": "median"}]}},
    ])


def dimension_profile(rows: list[dict], t: dict) -> dict:
    """Dimension scores of one region and year (bars) with the peer group median (ticks)."""
    return _base(rows, t["dimension_profile"], height=26 * max(len(rows), 1), layer=[
        {"mark": {"type": "bar", "color": "#2e86ab"},
         "encoding": {"y": {"field": "dimension", "type": "nominal", "title": None, "sort": None},
                      "x": {"field": "score", "type": "quantitative", "title": t["dimension_score"]},
                      "tooltip": [{"field": "dimension"}, {"field": "score"}, {"field": "peer_median"}]}},
        {"mark": {"type": "tick", "color": "#222", "thickness": 3, "size": 20},
         "encoding": {"y": {"field": "dimension", "type": "nominal", "sort": None},
                      "x": {"field": "peer_median", "type": "quantitative"}}},
    ])


def distribution(values: list[dict], group: str, title: str, t: dict) -> dict:
    return _base(values, title, height=max(160, 16 * len({v[group] for v in values})),
                 mark={"type": "boxplot", "extent": "min-max"},
                 encoding={"y": {"field": group, "type": "nominal", "title": None},
                           "x": {"field": "index", "type": "quantitative", "title": t["indicator_index"]}})


def dimensions_side_by_side(values: list[dict], t: dict) -> dict:
    return _base(values, t["dimensions_side_by_side"], height=200,
                 mark={"type": "boxplot", "extent": "min-max"},
                 encoding={"x": {"field": "dimension", "type": "nominal", "title": None,
                                 "axis": {"labelAngle": -20}},
                           "y": {"field": "score", "type": "quantitative", "title": t["dimension_score"]},
                           "color": {"field": "dimension", "type": "nominal", "legend": None}})


def event_study(values: list[dict], title: str, t: dict) -> dict:
    """Effect by year relative to joining with its confidence interval; the dashed rule is joining."""
    x = {"field": "relative_year", "type": "quantitative", "title": t["relative_year"], "axis": {"tickMinStep": 1}}
    return _base(values, title, height=200, layer=[
        {"mark": {"type": "rule", "color": "#999"}, "encoding": {"y": {"datum": 0}}},
        {"mark": {"type": "rule", "strokeDash": [4, 3], "color": "#999"}, "encoding": {"x": {"datum": -0.5}}},
        {"mark": {"type": "errorbar", "ticks": True}, "encoding": {
            "x": x, "y": {"field": "ci_low", "type": "quantitative", "title": t["effect"]},
            "y2": {"field": "ci_high"}}},
        {"mark": {"type": "point", "filled": True, "size": 50}, "encoding": {
            "x": x, "y": {"field": "estimate", "type": "quantitative"},
            "color": {"field": "period", "type": "nominal", "title": None,
                      "scale": {"domain": [t["before_joining"], t["after_joining"]],
                                "range": ["#7f8c8d", "#c0392b"]}},
            "tooltip": [{"field": "relative_year"}, {"field": "estimate"}, {"field": "ci_low"},
                        {"field": "ci_high"}]}},
    ])


def estimates_by_cohort(values: list[dict], title: str, t: dict) -> dict:
    """Dot-and-whisker of one estimate per cohort (when the mart has no event-study rows)."""
    y = {"field": "cohort", "type": "nominal", "title": t["cohort"]}
    return _base(values, title, height=24 * max(len(values), 1), layer=[
        {"mark": {"type": "rule", "color": "#999"}, "encoding": {"x": {"datum": 0}}},
        {"mark": {"type": "errorbar", "ticks": True}, "encoding": {
            "y": y, "x": {"field": "ci_low", "type": "quantitative", "title": t["effect"]},
            "x2": {"field": "ci_high"}}},
        {"mark": {"type": "point", "filled": True, "size": 50, "color": "#c0392b"},
         "encoding": {"y": y, "x": {"field": "estimate", "type": "quantitative"}}},
    ])


def bars(values: list[dict], category: str, measure: str, title: str, x_title: str) -> dict:
    return _base(values, title, height=max(120, 18 * len(values)), mark={"type": "bar", "color": "#2e86ab"},
                 encoding={"y": {"field": category, "type": "nominal", "title": None, "sort": "-x"},
                           "x": {"field": measure, "type": "quantitative", "title": x_title},
                           "tooltip": [{"field": category}, {"field": measure}]})
