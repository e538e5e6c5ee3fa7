"""GX Data Docs work offline: every script, stylesheet, font and image a page loads comes from the docs
folder (vendored from npm at install time), and the index's validation list is drawn by its JavaScript."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from expectations import docs_assets, runner

CHROMIUM = next((c for c in ("/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser"))
                 if c and Path(c).exists()), None)
INDEX_TABLE = "table.ge-index-page-validation-results-table"


def _required(what: str, hint: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{what} is required under CI: {hint}")
    pytest.skip(f"missing: {what} ({hint})")


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        _required("chromium", "apt-get install chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def docs(tmp_path_factory) -> Path:
    import duckdb

    from expectations.samples import build_sample_warehouse

    if not docs_assets.installed():
        _required("the vendored Data Docs assets (.tools/gx-assets)", "run `make install`")
    tmp_path = tmp_path_factory.mktemp("gx-docs")
    warehouse = build_sample_warehouse(tmp_path / "candidate.duckdb")
    docs_dir = tmp_path / "docs"
    runner.audit(warehouse, run_id="run-1", docs_dir=docs_dir, state_dir=tmp_path / "state")
    # a failing run too, so a validation page shows failures (the page analysts open when a gate fails)
    con = duckdb.connect(str(warehouse))
    con.execute("update marts.fct_indicator_value set value = 150 where region_code = '11.01' and year = 2020")
    con.close()
    runner.audit(warehouse, run_id="run-2", docs_dir=docs_dir, state_dir=tmp_path / "state")
    return docs_dir


def _open(browser, page_path: Path, docs_dir: Path):
    """Open a page with the network cut off; return the page and every URL it asked for."""
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.route("http*://**/*", lambda route: route.abort())      # offline: nothing outside answers
    page.goto(page_path.as_uri(), wait_until="load")
    page.wait_for_timeout(300)
    return page, requests


def _outside(requests: list[str], docs_dir: Path) -> list[str]:
    root = docs_dir.resolve().as_uri() + "/"
    return [u for u in requests if not u.startswith(root) and not u.startswith("data:")]


def test_index_renders_the_validation_list_offline(docs, browser):
    page, requests = _open(browser, docs / "index.html", docs)
    try:
        assert _outside(requests, docs) == []
        assert any("/static/vendor/bootstrap-table/" in u for u in requests)
        # bootstrap-table (JavaScript) turned the empty <table> into rows: one per suite and run
        page.wait_for_selector(f"{INDEX_TABLE} tbody tr", timeout=5000)
        rows = page.locator(f"{INDEX_TABLE} tbody tr").all_inner_texts()
        assert len(rows) == 4, rows            # 2 mart suites x 2 runs
        assert sum("marts.fct_indicator_value" in r for r in rows) == 2
        # Bootstrap's stylesheet applied (the navbar is a flex box only with bootstrap.min.css)
        assert page.evaluate("getComputedStyle(document.querySelector('nav.navbar')).display") == "flex"
        assert page.evaluate("typeof jQuery !== 'undefined' && typeof vegaEmbed === 'function'")
    finally:
        page.close()


def test_validation_pages_load_nothing_from_outside(docs, browser):
    pages = sorted((docs / "validations").rglob("*.html"))
    assert len(pages) == 4
    for path in pages:
        page, requests = _open(browser, path, docs)
        try:
            assert _outside(requests, docs) == [], path
            assert any("/static/vendor/fontawesome/css/all.min.css" in u for u in requests)
            # Font Awesome's icon font is loaded from the docs folder
            loaded = page.evaluate("document.fonts.load('900 16px \"Font Awesome 6 Free\"')"
                                   ".then(faces => faces.length)")
            assert loaded >= 1, path
            assert _outside(requests, docs) == [], path
            assert page.locator("table").count() > 0
        finally:
            page.close()


def test_pages_name_no_cdn(docs):
    for page in docs.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        for url in (*docs_assets.URLS, docs_assets.GX_IMAGES_URL):
            assert url not in text, (page, url)
        assert "integrity=" not in text, page
