"""A Hohhot run in Chinese in headless Chromium: the run page's KPI tables, the agent drawer, the report and the
compare page show every KPI and quantity under its Chinese label (web/labels.py), none under its raw key;
screenshots under tests/artifacts/."""
import json
import re
import time
from pathlib import Path

import pytest

from tests.scenarios.helpers import fixture_doc

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
STEPS = 72
CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_KEY = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # a snake_case machine name shown as text
ACRONYM = re.compile(r"^[A-Z]{2,5}\b")  # ISO/IEC 30134 metrics (PUE, CUE …) are written so in Chinese too


def shot(page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}{'-full' if full_page else ''}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def _hohhot_run(page, seed: int, fixture: str = "hohhot", steps: int = STEPS) -> str:
    doc = fixture_doc(fixture)
    doc["horizon"]["steps"] = steps
    response = page.request.post("/api/runs/", data=json.dumps({"scenario": doc, "name": f"{fixture} ({steps} h)",
                                                                "seed": seed, "speed_steps_per_s": 0}),
                                 headers={"Content-Type": "application/json", "X-CSRFToken": _csrf(page)})
    assert response.status == 201, response.text()
    run_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        status = page.request.get(f"/api/runs/{run_id}/").json()["status"]
        if status == "succeeded":
            return run_id
        assert status in ("queued", "running"), status
        time.sleep(0.5)
    pytest.fail("the Hohhot run did not finish")


def _raw_headers(page, selector: str) -> list[str]:
    """Texts of ``selector`` cells that are a machine name or carry no Chinese (bar metric acronyms)."""
    texts = page.locator(selector).all_inner_texts()
    return [t for t in texts if RAW_KEY.match(t.strip()) or not (CJK.search(t) or ACRONYM.match(t))]


def test_a_hohhot_run_in_chinese_shows_chinese_labels_on_the_run_page_drawer_report_and_compare(page_factory, ui):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    page.goto("/runs/")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    first, second = _hohhot_run(page, 1), _hohhot_run(page, 2)

    # Run page: region KPIs and the data-center table.
    page.goto(f"/runs/{first}/")
    page.wait_for_selector("#kpi-table table.kpis tbody tr")
    assert _raw_headers(page, "#kpi-table table.kpis tbody th") == []
    assert _raw_headers(page, "#kpi-table table.dc-kpis thead th") == []
    # with their units, also when the KPIs load before the stream's describe (a finished run opened afresh)
    assert page.locator("#kpi-table tr:has(th[title=co2_t]) td.unit").inner_text() == "tCO₂"
    assert page.locator("#kpi-table tr:has(th[title=renewable_share]) td.unit").inner_text() == "%"
    shot(page, "labels-run-zh", full_page=True)
    page.locator("#kpi-table").scroll_into_view_if_needed()
    shot(page, "labels-run-kpis-zh")

    # The drawer of the AI data center: its quantities with units, in Chinese.
    page.click("button[data-agent=hh-cmcc-aidc]")
    drawer = page.locator("#agent-drawer")
    drawer.wait_for(state="visible")
    page.wait_for_function("() => { const c = document.querySelector('[data-testid=drawer-chart]');"
                           " const e = c && echarts.getInstanceByDom(c); return e && e.getOption().series.length > 2; }")
    assert _raw_headers(page, "#agent-drawer .facts dt") == []
    assert _raw_headers(page, "#agent-drawer .drawer-params th") == []  # its parameters (the builder's labels)
    legend = page.evaluate("() => echarts.getInstanceByDom(document.querySelector('[data-testid=drawer-chart]'))"
                           ".getOption().series.map((s) => s.name)")
    assert legend and [n for n in legend if not CJK.search(n)] == [], legend
    shot(page, "labels-drawer-zh")
    page.keyboard.press("Escape")

    # Report: every KPI row (region, agents, contracts and their parties) under a Chinese label.
    page.goto(f"/runs/{first}/report/")
    page.wait_for_selector("#report[data-ready=true]")
    rows = page.locator("#report-kpis th[title]")
    assert rows.count() > 100
    assert _raw_headers(page, "#report-kpis th[title]") == []
    assert "合同方" in page.locator("#report-kpis").inner_text()  # contract parties' results
    words = [t for t in page.locator("#report-kpis td.num, #report-summary td").all_inner_texts() if RAW_KEY.match(t)]
    assert words == [], "values shown as machine words (roles, owners, agent types)"
    legend = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('report-chart-power'))"
                           ".getOption().series.map((s) => s.name)")
    assert legend and [n for n in legend if not CJK.search(n)] == [], legend
    shot(page, "labels-report-zh", full_page=True)
    page.locator("#report-kpis tr[data-kpi^='parties.']").first.scroll_into_view_if_needed()
    shot(page, "labels-report-contracts-zh")

    # Compare: the KPI table and the series picker.
    page.goto(f"/runs/compare/?runs={first},{second}")
    page.wait_for_selector("#compare-table tbody tr[data-kpi]")
    assert _raw_headers(page, "#compare-table tbody tr[data-kpi] th") == []
    scopes = page.locator("#compare-table tr.scope-head th").all_inner_texts()
    assert scopes and [t for t in scopes if re.search(r"\b[a-z]+_[a-z_]+\b", t) or not CJK.search(t)] == [], scopes
    options = page.locator("#series-quantity option").all_inner_texts()
    assert options and [o for o in options if not CJK.search(o)] == [], options
    shot(page, "labels-compare-zh")
    assert errors.items == []


def test_a_multi_region_run_in_chinese_labels_its_regions_and_migration(page_factory, ui):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    page.goto("/runs/")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    run = _hohhot_run(page, 1, "east_data_west_computing", 48)
    page.goto(f"/runs/{run}/")
    page.wait_for_selector("#kpi-table table.kpis-regions tbody tr")
    assert _raw_headers(page, "#kpi-table table.kpis-regions tbody th") == []
    assert _raw_headers(page, "#kpi-table table.migration-kpis thead th") == []
    page.locator("#kpi-table").scroll_into_view_if_needed()
    shot(page, "labels-multi-region-kpis-zh")
    page.goto(f"/runs/{run}/report/")
    page.wait_for_selector("#report[data-ready=true]")
    assert _raw_headers(page, "#report-kpis th[title]") == []
    text = page.locator("#report-kpis").inner_text()
    assert "算力迁移" in text and "通道" in text  # the migration block and its links
    assert errors.items == []
