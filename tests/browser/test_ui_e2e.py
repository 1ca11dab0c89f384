"""The planner's whole path in one real headless Chromium, against a live daphne (issue 14, "Done when").

Build a scenario in the UI (a data center and a heat utility placed on the map — by click and by drag — and a
heat contract), save, run it, watch the map and panels update live, reload mid-run and continue, scrub the
timeline, compare two runs (KPIs, series, maps and sankeys side by side), export CSV, XLSX and the report,
switch to Chinese and see Chinese labels on the twin, builder and compare pages — with no console error.
Screenshots of the twin, builder and compare pages at 1366×768 and 1920×1080 under tests/artifacts/
(e2e-*.png). Every form control of those pages has an accessible name.
"""
import csv
import io
import re
from pathlib import Path

import pytest
import test_ui_builder as builder_ui  # helpers of the builder test (a module import: its test is not collected twice)
from openpyxl import load_workbook

pytestmark = pytest.mark.browser
map_click, strict_csp = builder_ui.map_click, builder_ui.strict_csp
unnamed_controls, wait_valid = builder_ui.unnamed_controls, builder_ui.wait_valid

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORTS = [(1366, 768), (1920, 1080)]
RUN_URL = re.compile(r"/runs/[0-9a-f-]{36}/$")
NAME = "End-to-end region"
STEPS = 72  # at 5 steps/s: ~15 s of live run, time to reload and scrub while it goes


def shots(page, name: str) -> None:
    """Screenshots at both viewports, then back to 1366×768."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        page.screenshot(path=str(ARTIFACTS / f"e2e-{name}-{width}x{height}.png"))
    page.set_viewport_size({"width": 1366, "height": 768})


def doc(page) -> dict:
    return page.evaluate("() => JSON.parse(document.getElementById('id_document').value)")


def run_scenario(page, name: str, *, seed: str, speed: str) -> str:
    page.goto("/scenarios/")
    card = page.locator("article.scenario", has_text=name).first
    card.locator("input[name=seed]").fill(seed)
    card.locator("select[name=speed_steps_per_s]").select_option(speed)
    card.locator("button[type=submit]").click()
    page.wait_for_url(RUN_URL)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def agents_on_map(page, selector: str) -> list[int]:
    return page.evaluate("""(sel) => [...document.querySelectorAll(sel)].map((n) => {
        const c = echarts.getInstanceByDom(n);
        return c ? c.getOption().series.filter((s) => s.type === 'scatter').reduce((k, s) => k + s.data.length, 0) : -1;
    })""", selector)


def test_build_run_watch_scrub_compare_export_chinese_reload(page_factory, ui):
    page, errors = page_factory(1366, 768)
    strict_csp(page)
    ui.login(page)

    # --- Build: an empty region, a data center placed by a click, a heat utility placed and then dragged.
    page.goto("/scenarios/new/")
    page.wait_for_selector("#form-editor.je-ready, #form-editor [data-schemapath=root]")
    page.select_option("#start-from", "empty")
    page.wait_for_function("() => document.querySelectorAll('#place-actor option').length === 1")
    page.select_option("#add-actors", "data_center")
    page.click("#add-actors-btn")
    page.wait_for_function("() => document.querySelectorAll('#place-actor option').length === 2")
    before = doc(page)["actors"][1]["lat"]
    map_click(page, 0.3, 0.35)
    page.wait_for_function(f"() => JSON.parse(document.getElementById('id_document').value).actors[1].lat !== {before}")
    page.select_option("#add-actors", "heat_utility")
    page.click("#add-actors-btn")
    page.wait_for_function("() => document.querySelectorAll('#place-actor option').length === 3")
    map_click(page, 0.65, 0.55)
    hu = doc(page)["actors"][2]
    px = page.evaluate("""([lon, lat]) => echarts.getInstanceByDom(document.getElementById('builder-map'))
        .convertToPixel({gridIndex: 0}, [lon, lat])""", [hu["lon"], hu["lat"]])
    box = page.locator("#builder-map").bounding_box()
    page.mouse.move(box["x"] + px[0] + 30, box["y"] + px[1] + 30)  # onto the symbol, as a hand would
    page.mouse.move(box["x"] + px[0], box["y"] + px[1], steps=3)
    page.mouse.down()
    for k in range(1, 5):
        page.mouse.move(box["x"] + px[0] - 6 * k, box["y"] + px[1] - 5 * k)
    page.mouse.up()
    page.wait_for_function(f"() => JSON.parse(document.getElementById('id_document').value).actors[2].lat !== {hu['lat']}")
    moved = doc(page)["actors"][2]
    assert moved["lat"] > hu["lat"] and moved["lon"] < hu["lon"], (hu, moved)
    # The keyboard way: typed coordinates, applied with Enter on the Move button.
    page.fill("#place-lat", str(round(moved["lat"] + 0.01, 4)))
    page.focus("#place-apply")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => JSON.parse(document.getElementById('id_document').value).actors[2].lat === {round(moved['lat'] + 0.01, 4)}")

    # A heat contract: the data center sells its heat to the heat utility.
    page.select_option("#add-contracts", "heat_purchase")
    page.click("#add-contracts-btn")
    wait_valid(page)
    built = doc(page)
    assert [a["type"] for a in built["actors"]] == ["grid_operator", "data_center", "heat_utility"]
    assert [(c["type"], c["seller_id"], c["buyer_id"]) for c in built["contracts"]] == [
        ("heat_purchase", built["actors"][1]["id"], built["actors"][2]["id"])]
    field = page.locator('[data-schemapath="root.horizon.steps"] input')
    page.click("#form-editor .je-tab--top:has-text('Horizon'), #form-editor a:has-text('Horizon')")
    field.fill(str(STEPS))
    field.dispatch_event("change")
    wait_valid(page)
    assert unnamed_controls(page, "#scenario-form") == []
    page.fill("#id_name", NAME)
    shots(page, "builder")
    page.click("#btn-save")
    page.wait_for_url(re.compile(r"/scenarios/\d+/edit/$"))
    page.wait_for_selector("#version-list li.version")

    # --- Run it, live: the map shows its three agents, the panels and cards update as frames arrive.
    built_run = run_scenario(page, NAME, seed="7", speed="5")
    page.wait_for_function("() => { const c = echarts.getInstanceByDom(document.getElementById('twin-map'));"
                           " return c && c.getOption().series.some((s) => s.type === 'scatter' && s.data.length); }",
                           timeout=30000)
    assert agents_on_map(page, "#twin-map") == [3]
    page.wait_for_function("() => twinRunState.filled >= 4", timeout=30000)
    early = max(ui.chart_points(page, "chart-power"))
    page.wait_for_function(f"() => twinRunState.filled >= {early + 4}", timeout=30000)
    page.wait_for_function("(early) => Math.max(...echarts.getInstanceByDom(document.getElementById('chart-power'))"
                           ".getOption().series.map((s) => (s.data || []).length)) > early", arg=early, timeout=30000)
    assert max(ui.chart_points(page, "chart-power")) > early
    assert page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-value").inner_text() != "—"
    heat_lines = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('twin-map')).getOption()"
                               ".series.find((s) => s.id === 'flows-heat').data.length")
    assert heat_lines == 1  # data center → heat utility, along the contract
    assert page.locator("#run-status .badge").get_attribute("data-status") == "running"
    shots(page, "twin-live")

    # Reload mid-run and continue from a fresh snapshot.
    filled = page.evaluate("() => twinRunState.filled")
    page.reload()
    page.wait_for_function(f"() => window.twinRunState && twinRunState.filled > {filled}", timeout=30000)

    # Scrub the timeline (keyboard on the range) while the run goes: panels and cards show that step.
    page.locator("#timeline-range").focus()
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    # the label and the load card show step 4 (a fixed 300 ms wait was too short on a loaded machine)
    page.wait_for_function("""() => {
        if (!document.getElementById('timeline-label').textContent.includes('5 /')) return false;
        const want = twinRunState.region.load_mw[4];
        const card = document.querySelector('#kpi-cards .kpi-card[data-key=load_mw] .kpi-value').textContent;
        return Math.abs(parseFloat(card.replace(/,/g, '')) - want) <= Math.max(1e-3 * Math.abs(want), 0.01);
    }""", timeout=30000)
    assert "5 /" in page.locator("#timeline-label").inner_text()
    load_at_4 = page.evaluate("() => twinRunState.region.load_mw[4]")
    card = page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-value").inner_text()
    assert float(card.replace(",", "")) == pytest.approx(load_at_4, rel=1e-3, abs=0.01)
    assert unnamed_controls(page, "main") == []
    page.click("#timeline-live")
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=90000)
    assert page.evaluate("() => twinRunState.filled") == STEPS
    page.wait_for_selector("#kpi-table table.kpis")
    shots(page, "twin-succeeded")

    # Exports of the run: KPIs as CSV and XLSX, the report.
    with page.expect_download() as got:
        page.click("#run-kpis-csv")
    rows = list(csv.reader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"))))
    assert rows[0][:6] == ["scope", "id", "type", "kpi", "label", "unit"] and len(rows) > 10
    with page.expect_download() as got:
        page.click("#run-kpis-xlsx")
    book = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert book["KPIs"].max_row == len(rows)
    page.click("#link-report")
    page.wait_for_selector("#report[data-ready=true]")
    assert built["actors"][1]["name"] in page.locator("#report-summary").inner_text()

    # --- Compare with the shared test region: KPIs with deltas, overlaid series, maps and sankeys side by side.
    other_run = run_scenario(page, ui.scenario_name, seed="8", speed="0")
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=90000)
    page.goto(f"/runs/compare/?runs={built_run},{other_run}")
    page.wait_for_selector("#compare[data-ready=true]")
    assert page.locator("table.compare tbody tr[data-kpi]").count() > 20
    assert page.locator(".twin-col[data-step]").count() == 2
    assert all(k >= 3 for k in agents_on_map(page, ".twin-col [data-map]"))
    assert unnamed_controls(page, "main") == []
    with page.expect_download() as got:
        page.click("#export-csv")
    assert got.value.suggested_filename.endswith(".csv")
    with page.expect_download() as got:
        page.click("#export-xlsx")
    assert got.value.suggested_filename.endswith(".xlsx")
    shots(page, "compare")

    # --- Chinese: the twin, the builder and the compare page in Simplified Chinese.
    page.goto(f"/runs/{built_run}/")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    page.wait_for_function("() => window.twinRunState && twinRunState.haveSnapshot")
    page.wait_for_timeout(500)
    assert page.locator("#timeline-live").inner_text() == "实时"
    assert page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-label").inner_text() == "负荷"
    legend = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-power'))"
                           ".getOption().series.map((s) => s.name)")
    assert "负荷" in " ".join(legend) or "可再生能源" in legend, legend
    shots(page, "twin-zh")
    page.goto("/scenarios/new/")
    page.wait_for_selector("#form-editor [data-schemapath=root]")
    assert page.locator("#tab-form").inner_text() == "表单"
    assert "数据中心" in page.locator("#add-actors").inner_text()
    assert unnamed_controls(page, "#scenario-form") == []
    shots(page, "builder-zh")
    page.goto(f"/runs/compare/?runs={built_run},{other_run}")
    page.wait_for_selector("#compare[data-ready=true]")
    assert "关键绩效指标" in page.locator("#compare").inner_text()
    assert page.locator("#twins-title").inner_text() == "地图与能流并排对比"
    shots(page, "compare-zh")
    page.click("button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert errors.items == [], "\n".join(errors.items)
