"""The scenario builder, compare and exports in a real Chromium, under a strict Content-Security-Policy.

Build a scenario in the form and on the map (a data center, a heat utility, a heat contract), save it (a version
appears), change and save again (a diff), run it, compare it with another run, export CSV, XLSX and the
report, switch to Chinese — with no console error. Screenshots at 1366×768 and 1920×1080 under tests/artifacts/.
"""
import csv
import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORTS = [(1366, 768), (1920, 1080)]
# What safe-a's CSP allows at most: no inline script or style anywhere (style attributes included).
STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
              "connect-src 'self' ws: wss:; object-src 'none'; base-uri 'self'")
BUILT_NAME = "Built in the browser"


# The pages of this feature (the run page and its WebSocket are tested elsewhere: a page served through
# route.fulfill counts as public to Chromium's local-network checks, which then block its ws://127.0.0.1).
OUR_PAGES = re.compile(r"/scenarios/(new|\d+/edit)/|/runs/compare/|/runs/[0-9a-f-]+/report/")


def strict_csp(page) -> None:
    """Serve this feature's pages with STRICT_CSP; violations become console errors (and so test failures)."""
    def handle(route):
        if route.request.resource_type != "document" or not OUR_PAGES.search(route.request.url):
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        if "text/html" in headers.get("content-type", ""):
            headers["content-security-policy"] = STRICT_CSP
        route.fulfill(response=response, headers=headers)

    page.route("**/*", handle)


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path))
    return path


def unnamed_controls(page, scope: str) -> list[str]:
    """Form controls in ``scope`` without an accessible name (label, aria-label or aria-labelledby)."""
    return page.evaluate(
        """(scope) => [...document.querySelectorAll(scope + " input, " + scope + " select, " + scope + " textarea")]
            .filter((c) => c.type !== "hidden" && !c.closest("[hidden]"))
            .filter((c) => !(c.getAttribute("aria-label") || c.getAttribute("aria-labelledby")
                             || (c.labels && [...c.labels].some((l) => l.textContent.trim()))))
            .map((c) => c.outerHTML.slice(0, 120))""",
        scope,
    )


def map_click(page, fx: float, fy: float) -> None:
    """Click the builder's map at a fraction of its plotting area."""
    box = page.locator("#builder-map").bounding_box()
    page.mouse.click(box["x"] + 58 + (box["width"] - 80) * fx, box["y"] + 14 + (box["height"] - 72) * fy)


def wait_valid(page) -> None:
    page.wait_for_selector("#live-validation .alert-ok", timeout=30000)


def start_run(page, scenario_name: str) -> str:
    page.goto("/scenarios/")
    page.locator("article.scenario", has_text=scenario_name).locator("button[type=submit]").click()
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=90000)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def test_build_save_run_compare_export_in_two_languages(page_factory, ui):
    page, errors = page_factory(1366, 768)
    strict_csp(page)
    ui.login(page)

    # Start from an empty region: the grid operator only.
    page.goto("/scenarios/new/")
    page.wait_for_selector("#form-editor.je-ready, #form-editor [data-schemapath=root]")
    assert page.get_attribute("#tab-form", "aria-selected") == "true"
    page.select_option("#start-from", "empty")
    page.wait_for_function("() => document.querySelectorAll('#place-actor option').length === 1")

    # Place a data center and a heat utility on the map.
    page.select_option("#add-actors", "data_center")
    page.click("#add-actors-btn")
    page.wait_for_function("() => document.querySelectorAll('#place-actor option').length === 2")
    before = float(page.input_value("#place-lat"))
    map_click(page, 0.25, 0.3)
    page.wait_for_function(f"() => parseFloat(document.getElementById('place-lat').value) !== {before}")
    dc_lat, dc_lon = float(page.input_value("#place-lat")), float(page.input_value("#place-lon"))
    page.select_option("#add-actors", "heat_utility")
    page.click("#add-actors-btn")
    page.wait_for_function("() => document.querySelectorAll('#place-actor option').length === 3")
    map_click(page, 0.7, 0.6)
    # ... or type coordinates: move the heat utility a little.
    hu_lat = round(dc_lat - 0.05, 4)
    page.fill("#place-lat", str(hu_lat))
    page.click("#place-apply")
    # ... or drag an actor: the data center (not the chosen actor) moves to where it is dropped.
    dc_px = page.evaluate("""() => { const c = echarts.getInstanceByDom(document.getElementById('builder-map'));
        const d = JSON.parse(document.getElementById('id_document').value).actors[1];
        return c.convertToPixel({gridIndex: 0}, [d.lon, d.lat]); }""")
    box = page.locator("#builder-map").bounding_box()
    page.mouse.move(box["x"] + dc_px[0], box["y"] + dc_px[1])
    page.mouse.down()
    for k in range(1, 6):
        page.mouse.move(box["x"] + dc_px[0] + 8 * k, box["y"] + dc_px[1] + 6 * k)
    page.mouse.up()
    page.wait_for_function(f"() => JSON.parse(document.getElementById('id_document').value).actors[1].lat !== {dc_lat}")
    assert page.input_value("#place-actor") == "1"
    dragged = page.evaluate("() => JSON.parse(document.getElementById('id_document').value).actors[1]")
    assert dragged["lat"] < dc_lat and dragged["lon"] > dc_lon, (dragged, dc_lat, dc_lon)
    assert (float(page.input_value("#place-lat")), float(page.input_value("#place-lon"))) == (dragged["lat"], dragged["lon"])
    hu_doc = page.evaluate("() => JSON.parse(document.getElementById('id_document').value).actors[2]")
    assert hu_doc["lat"] == hu_lat  # the chosen actor did not move
    dc_lat, dc_lon = dragged["lat"], dragged["lon"]

    # The data center's heat recovery needs a heat contract: the server says so, on the field.
    page.wait_for_selector("#live-validation .field-error[data-loc]")
    page.wait_for_selector("#form-editor .je-form-input-label, #form-editor [data-schemapath]")
    page.select_option("#add-contracts", "heat_purchase")
    page.click("#add-contracts-btn")
    wait_valid(page)
    doc = page.evaluate("() => JSON.parse(document.getElementById('id_document').value)")
    kinds = [a["type"] for a in doc["actors"]]
    assert kinds == ["grid_operator", "data_center", "heat_utility"], kinds
    dc, hu = doc["actors"][1], doc["actors"][2]
    assert (dc["lat"], dc["lon"]) == (dc_lat, dc_lon)
    assert hu["lat"] == hu_lat
    assert [(c["type"], c["seller_id"], c["buyer_id"]) for c in doc["contracts"]] == [
        ("heat_purchase", dc["id"], hu["id"])]

    # A bad value typed in the form gets the server's message on that field.
    field = page.locator('[data-schemapath="root.horizon.steps"] input')
    page.click("#form-editor .je-tab--top:has-text('Horizon'), #form-editor a:has-text('Horizon')")
    field.fill("0")
    field.dispatch_event("change")
    page.wait_for_selector('#live-validation .field-error[data-loc="horizon.steps"]')
    message = page.locator('#live-validation .field-error[data-loc="horizon.steps"] .err-msg').inner_text()
    assert message in page.locator('[data-schemapath="root.horizon.steps"]').inner_text()
    field.fill("48")
    field.dispatch_event("change")
    wait_valid(page)

    # Labels on every control, keyboard between the views.
    assert unnamed_controls(page, "#scenario-form") == []
    page.focus("#tab-form")
    page.keyboard.press("ArrowRight")
    assert page.get_attribute("#tab-json", "aria-selected") == "true"
    assert page.evaluate("() => document.activeElement.id") == "tab-json"
    page.keyboard.press("ArrowLeft")
    assert page.get_attribute("#tab-form", "aria-selected") == "true"
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(200)
        shot(page, "builder")

    # Save: the scenario's page shows version 1; change the IT capacity in the form and save again.
    page.set_viewport_size({"width": 1366, "height": 768})
    page.fill("#id_name", BUILT_NAME)
    page.click("#btn-save")
    page.wait_for_url(re.compile(r"/scenarios/\d+/edit/$"))
    page.wait_for_selector("#version-list li.version")
    assert page.locator("#version-list li.version").count() == 1
    page.click("#form-editor .je-tab--top:has-text('Actors'), #form-editor a:has-text('Actors')")
    page.locator("#form-editor .je-tab--top, #form-editor .je-tab", has_text=dc["name"]).first.click()
    it = page.locator('[data-schemapath="root.actors.1.it_capacity_mw"] input')
    it.fill(str(dc["it_capacity_mw"] + 2))
    it.dispatch_event("change")
    wait_valid(page)
    page.click("#btn-save")
    page.wait_for_selector("#version-list li.version >> nth=1")
    assert page.locator("#version-list li.version").count() == 2
    page.locator("#version-list li.version").nth(1).get_by_role("button", name=re.compile("Changes")).click()
    page.wait_for_selector("#diff-view li.change")
    assert "actors.1.it_capacity_mw" in page.locator("#diff-view").inner_text()
    shot(page, "builder-versions")

    # Run it, and run the shared test region; compare the two.
    built_run = start_run(page, BUILT_NAME)
    # The run page's KPI units come from the units table (describe().units), not from parsing names.
    page.wait_for_selector("#kpi-table table.kpis th[title=co2_t]")
    assert page.locator("#kpi-table tr:has(th[title=co2_t]) td.unit").first.inner_text() == "tCO₂"
    assert page.locator("#kpi-table tr:has(th[title=renewable_share]) td.unit").first.inner_text() == "%"
    other_run = start_run(page, ui.scenario_name)
    page.goto("/runs/")
    page.click("#link-compare")
    page.check(f"input[name=runs][value='{built_run}']")
    page.check(f"input[name=runs][value='{other_run}']")
    page.click("#btn-compare")
    page.wait_for_selector("#compare[data-ready=true]")
    rows = page.locator("table.compare tbody tr[data-kpi]")
    assert rows.count() > 20
    co2 = page.locator("table.compare tr[data-scope=region][data-kpi=co2_t]")
    assert co2.locator("td.unit").inner_text() == "tCO₂" and co2.locator("td.delta").inner_text() != "—"
    assert ui.chart_points(page, "compare-chart") == [48, 48]
    # Maps and sankeys side by side at the final step, from each run's outline and recorded agent states.
    assert page.get_attribute("#compare-twins", "data-step") == "47"
    assert page.locator(".twin-col[data-step='47']").count() == 2
    sankey_links = page.evaluate("""() => [...document.querySelectorAll('.twin-col [data-sankey]')].map((n) =>
        window.echarts.getInstanceByDom(n).getOption().series[0].links.length)""")
    assert len(sankey_links) == 2 and all(k >= 3 for k in sankey_links), sankey_links
    agents_drawn = page.evaluate("""() => [...document.querySelectorAll('.twin-col [data-map]')].map((n) =>
        window.echarts.getInstanceByDom(n).getOption().series.filter((s) => s.type === 'scatter')
          .reduce((k, s) => k + s.data.length, 0))""")
    assert all(k >= 1 for k in agents_drawn), agents_drawn
    page.fill("#twins-step", "10")
    page.dispatch_event("#twins-step", "input")
    page.wait_for_selector("#compare-twins[data-step='10']")
    with page.expect_download() as got:
        page.locator(".twin-col [data-tools] button").nth(1).click()
    assert Path(got.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.click("#twins-final")
    page.wait_for_selector("#compare-twins[data-step='47']")
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        shot(page, "compare")
    page.set_viewport_size({"width": 1366, "height": 768})

    # Exports: KPIs as CSV and XLSX, the chart as PNG.
    with page.expect_download() as got:
        page.click("#export-csv")
    table = list(csv.reader(io.StringIO(Path(got.value.path()).read_text(encoding="utf-8"))))
    assert table[0][:6] == ["scope", "id", "type", "kpi", "label", "unit"] and len(table[0]) == 8
    with page.expect_download() as got:
        page.click("#export-xlsx")
    assert got.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(got.value.path()).read_bytes()))
    assert [c.value for c in book["KPIs"][1]][:6] == ["scope", "id", "type", "kpi", "label", "unit"]
    assert book["KPIs"].max_row == len(table)
    with page.expect_download() as got:
        page.click("#series-png button")
    assert Path(got.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    # The printable report of the built run.
    page.goto(f"/runs/{built_run}/")
    page.click("#link-report")
    page.wait_for_selector("#report[data-ready=true]")
    assert dc["name"] in page.locator("#report-summary").inner_text()
    assert page.locator("#report-kpis tr[data-kpi=pue]").count() >= 1
    assert ui.chart_points(page, "report-chart-power")[0] == 48
    page.emulate_media(media="print")
    assert page.locator(".topbar").is_hidden() and page.locator("#btn-print").is_hidden()
    pdf = page.pdf(format="A4")
    assert pdf[:4] == b"%PDF" and len(pdf) > 20000
    page.emulate_media(media="screen")
    shot(page, "report")

    # Chinese: the builder's form labels, buttons and the compare table come from the server's catalogues.
    page.goto(page.url)
    page.click("button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    page.goto("/scenarios/new/")
    page.wait_for_selector("#form-editor [data-schemapath=root]")
    assert page.locator("#tab-form").inner_text() == "表单"
    page.click("#form-editor .je-tab--top:has-text('区域'), #form-editor a:has-text('区域')")
    assert "纬度 (°N)" in page.locator('[data-schemapath="root.region"]').inner_text()
    assert "数据中心" in page.locator("#add-actors").inner_text()
    shot(page, "builder-zh")
    page.goto(f"/runs/compare/?runs={built_run},{other_run}")
    page.wait_for_selector("#compare[data-ready=true]")
    assert "关键绩效指标" in page.locator("#compare").inner_text()
    shot(page, "compare-zh")
    page.click("button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert errors.items == [], "\n".join(errors.items)
