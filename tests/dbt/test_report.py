"""The evaluation report (issue 14), built from a warehouse that dbt built and `publish` served.

Content: the Musi Rawas (16.05) scorecard shows the marts' own values (ranks, index, evaluation
components, budget realisation, joining year); all 514 scorecards exist and link back; no page names a
network address; a rollback serves the previous version's report. Browser: Debian's headless Chromium
(through Playwright) opens the index, the impact page and the 16.05 scorecard with no console error,
no request outside the report folder, and drawn charts; screenshots are kept in the test's folder."""
from __future__ import annotations

import os
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path

import duckdb
import pytest

from smartcity.publish import publish, rollback
from smartcity.report import build_report, publish_report
from smartcity_base.settings import PROJECT_ROOT, Settings

MUSI_RAWAS = "16.05"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


class Figures(HTMLParser):
    """Every element carrying data-k/data-v, with its enclosing row's data-year / data-item."""

    def __init__(self):
        super().__init__()
        self.row: dict = {}
        self.figures: list[dict] = []
        self.links: list[str] = []
        self.attrs_seen: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "tr":
            self.row = a
        if "data-k" in a:
            self.figures.append({"k": a["data-k"], "v": a.get("data-v"), "year": self.row.get("data-year"),
                                 "item": self.row.get("data-item")})
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if a.get("id"):
            self.attrs_seen[a["id"]] = a


def _parse(path: Path) -> Figures:
    parser = Figures()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def _settings(root: Path) -> Settings:
    return Settings(data_dir=root / "data", warehouse_dir=root / "warehouse", log_dir=root / "logs")


@pytest.fixture(scope="module")
def served(duckdb_build, tmp_path_factory):
    """A published warehouse (its report written by publish), as BI tools and the report see it."""
    root = tmp_path_factory.mktemp("report")
    settings = _settings(root)
    candidate = settings.build_dir / "candidate-report.duckdb"
    candidate.parent.mkdir(parents=True)
    shutil.copy(duckdb_build.path, candidate)
    result = publish(candidate, settings, exports=False, postgres_dsn="")
    report = publish_report(settings)
    return settings, result, report


def _marts(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.published_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_every_region_has_a_scorecard_that_links_back(served):
    settings, _, report = served
    pages = sorted((report.path / "regions").glob("*.html"))
    codes = {c for (c,) in _marts(settings, "select region_code from marts.dim_region")}
    assert len(codes) == 514 and {p.stem for p in pages} == codes
    for page in pages[::37]:
        assert "../index.html" in _parse(page).links
    assert report.bytes < 50_000_000


def _check_scorecard(settings: Settings, report_path: Path, code: str) -> Figures:
    """The scorecard of `code` shows the marts' values: index and ranks of the latest year, every
    evaluation component and index, every program's budget realisation, the joining year."""
    page = _parse(report_path / "regions" / f"{code}.html")
    figures = {f["k"]: f["v"] for f in page.figures if f["year"] is None and f["item"] is None}
    year = max(y for (y,) in _marts(settings, "select year from marts.fct_smart_city_index "
                                              "where indicator_index is not null"))
    (index, rank, rank_province, rank_peer), = _marts(settings, f"""
        select indicator_index, indicator_rank_national, indicator_rank_in_province, indicator_rank_in_peer_group
        from marts.fct_smart_city_index where region_code = '{code}' and year = {year}""")
    assert float(figures["indicator_index"]) == pytest.approx(index)
    assert int(figures["indicator_rank_national"]) == rank
    assert int(figures["indicator_rank_in_province"]) == rank_province
    assert int(figures["indicator_rank_in_peer_group"]) == rank_peer

    (cohort,), = _marts(settings, f"select cohort_year from marts.dim_region where region_code = '{code}'")
    assert page.attrs_seen["participation"]["data-cohort"] == ("" if cohort is None else str(cohort))

    scores = _marts(settings, f"""select year, baseline_score, output_score, outcome_score, impact_score,
        quick_win_score, evaluation_index from marts.fct_evaluation_score where region_code = '{code}'""")
    shown = {(int(f["year"]), f["k"]): f["v"] for f in page.figures if f["year"]}
    for year_, *values in scores:
        for name, value in zip(("Baseline", "Output", "Outcome", "Impact", "Quick Win", "evaluation_index"), values,
                               strict=True):
            assert (float(shown[year_, name]) if shown[year_, name] else None) == pytest.approx(value)

    programs = dict(_marts(settings, f"""select item_id, realisation_pct from marts.fct_program_progress
                                       where region_code = '{code}'"""))
    shown_programs = {f["item"]: f["v"] for f in page.figures if f["k"] == "realisation_pct"}
    assert set(shown_programs) == set(programs)
    for item, pct in programs.items():
        assert (float(shown_programs[item]) if shown_programs[item] else None) == pytest.approx(pct)
    return page


def test_musi_rawas_scorecard_shows_the_marts_values(served):
    settings, _, report = served
    _check_scorecard(settings, report.path, MUSI_RAWAS)
    (cohort,), = _marts(settings, f"select cohort_year from marts.dim_region where region_code = '{MUSI_RAWAS}'")
    assert cohort == 2022    # the brief: Musi Rawas joined in 2022


def test_an_evaluated_participants_scorecard_shows_components_and_programs(served):
    settings, _, report = served
    rows = _marts(settings, """select e.region_code from marts.fct_evaluation_score e
                               join marts.fct_program_progress p using (region_code)
                               group by 1 order by count(distinct e.year) desc, 1 limit 1""")
    assert rows, "the landing has evaluated participants with programs"
    page = _check_scorecard(settings, report.path, rows[0][0])
    assert any(f["k"] == "Baseline" for f in page.figures)
    assert any(f["k"] == "realisation_pct" for f in page.figures)


def test_no_page_names_a_network_address(served):
    _, _, report = served
    for page in report.path.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), page
        assert "@import" not in html
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", (report.path / "assets" / "report.css").read_text())


def test_english_report_and_one_region(served, tmp_path):
    settings, _, _ = served
    result = build_report(settings, out_dir=tmp_path / "en", region=MUSI_RAWAS, lang="en")
    assert result.files == [f"regions/{MUSI_RAWAS}.html"]
    html = (tmp_path / "en" / "regions" / f"{MUSI_RAWAS}.html").read_text(encoding="utf-8")
    assert "Evaluation Report" in html and 'lang="en"' in html


def test_a_rollback_serves_the_previous_versions_report(served, tmp_path):
    settings, first, _ = served
    root = tmp_path / "rolled"
    shutil.copytree(settings.warehouse_dir, root / "warehouse", symlinks=True)
    local = _settings(root)
    candidate = local.build_dir / "candidate-changed.duckdb"
    shutil.copy(local.published_path, candidate)
    with duckdb.connect(str(candidate)) as con:
        con.execute(f"update marts.fct_smart_city_index set indicator_index = 12.34 where region_code = '{MUSI_RAWAS}'")
    second = publish(candidate, local, exports=False, postgres_dsn="")
    page = local.warehouse_dir / "report" / "regions" / f"{MUSI_RAWAS}.html"
    assert not page.exists()   # a new version's report is written by the report task, never borrowed
    publish_report(local)
    assert second.version_id in page.read_text(encoding="utf-8")
    assert {f["v"] for f in _parse(page).figures if f["k"] == "indicator_index"} == {"12.34"}

    rollback(local, exports=False)
    html = page.read_text(encoding="utf-8")
    assert first.version_id in html and second.version_id not in html
    assert "12.34" not in {f["v"] for f in _parse(page).figures if f["k"] == "indicator_index"}


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("no chromium on PATH: .ci/run installs Debian's chromium for the browser tests")
        pytest.skip("no chromium on PATH (apt-get install chromium) for the browser tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.mark.parametrize("page_name", ["index.html", "impact.html", f"regions/{MUSI_RAWAS}.html"])
def test_pages_open_offline_with_drawn_charts(served, browser, page_name, tmp_path_factory):
    _, _, report = served
    page = browser.new_page(viewport={"width": 1300, "height": 1800})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    url = (report.path / page_name).as_uri()
    page.goto(url)
    n_charts = page.locator(".chart[data-spec]").count()
    assert n_charts > 0
    page.wait_for_function(f"document.querySelectorAll('.chart[data-drawn=true]').length === {n_charts}",
                           timeout=30_000)
    marks = page.locator(".chart svg .role-mark > *").count()
    assert marks > 0
    # kept for a person to look at after the run (CI keeps the folder with the test output)
    shots = Path(os.environ.get("SMARTCITY_TEST_ARTIFACTS", PROJECT_ROOT / ".test-artifacts")) / "report"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / (page_name.replace("/", "_") + ".png")), full_page=True)
    page.close()
    assert problems == []
    folder = report.path.as_uri()
    assert requests and all(r.startswith(folder + "/") for r in requests), requests
