"""The Contract Lab in a real headless Chromium, under the strict Content-Security-Policy (issue 13, "Done when").

Draft a waste-heat purchase between the browser-test region's data center and heat utility from its template,
see a bad term rejected on its own field with the server's words, fix it, run the pair (the run with the
contract and its counterfactual), and see both parties' NPV side by side, their cash flows, the ledger
(drill-down), the sensitivity sweep's tornado and price × volume heatmap, the CSV and PNG exports — then the
same page in Chinese. No console error. Screenshots at 1366×768 and 1920×1080 under tests/artifacts/ (lab-*.png).
"""
import csv
import io
import re
from pathlib import Path

import pytest
import test_ui_builder as builder_ui  # its helpers (a module import: its test is not collected twice)

pytestmark = pytest.mark.browser
STRICT_CSP, unnamed_controls = builder_ui.STRICT_CSP, builder_ui.unnamed_controls
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
VIEWPORTS = [(1366, 768), (1920, 1080)]
LAB = re.compile(r"/lab/$")


def strict_csp(page) -> None:
    """Serve the Lab with STRICT_CSP; a violation becomes a console error (and so a failure)."""
    def handle(route):
        if route.request.resource_type != "document" or not LAB.search(route.request.url):
            route.continue_()
            return
        response = route.fetch(max_redirects=0)
        headers = dict(response.headers)
        if "text/html" in headers.get("content-type", ""):
            headers["content-security-policy"] = STRICT_CSP
        route.fulfill(response=response, headers=headers)

    page.route("**/*", handle)


def shots(page, name: str, *, full_page: bool = False) -> list[Path]:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = []
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(400)
        path = ARTIFACTS / f"lab-{name}-{width}x{height}.png"
        page.screenshot(path=str(path), full_page=full_page)
        out.append(path)
    page.set_viewport_size({"width": 1366, "height": 768})
    return out


def npv_cells(page) -> dict[str, str]:
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll(
        '#lab-summary-table tr[data-figure=npv_cny] td[data-party]')].map((td) => [td.dataset.party, td.textContent]))""")


def test_draft_a_heat_contract_run_the_pair_and_compare_both_parties(page_factory, ui):
    page, errors = page_factory(1366, 768)
    strict_csp(page)
    ui.login(page)
    page.goto("/")
    page.click("nav.mainnav a[href='/lab/']")  # linked from the top navigation
    page.wait_for_selector("#lab[data-ready=true]")
    page.select_option("#lab-scenario", label=ui.scenario_name)
    page.select_option("#lab-template", "waste_heat_purchase")
    page.wait_for_selector("#lab-editor [data-schemapath='root.pricing']")
    # Parties: only the agents of the types the contract allows, the data center and the heat utility.
    assert page.eval_on_selector_all("#lab-party-seller_id option", "os => os.map((o) => o.value)") == ["dc_hohhot"]
    assert page.eval_on_selector_all("#lab-party-buyer_id option", "os => os.map((o) => o.value)") == ["heat_city"]
    page.wait_for_selector("#lab-check .alert-ok")
    # the draft replaces the scenario's own heat contract (its id: heat_deal, or the one a builder test saved)
    assert "Replaces the scenario's contract heat_" in page.inner_text("#lab-check")

    # A bad term: its error sits on the field, worded as the server words it; Run is disabled meanwhile.
    field = page.locator("#lab-editor [data-schemapath='root.take_or_pay_price_pu'] input")
    with page.expect_response(lambda r: r.url.endswith("/api/lab/check/")
                              and "1.5" in (r.request.post_data or "")) as answer:
        field.fill("1.5")
        field.dispatch_event("change")
    server = [e["msg"] for e in answer.value.json()["errors"] if e.get("field") == "take_or_pay_price_pu"]
    page.wait_for_selector("#lab-check .alert-error")
    shown = page.inner_text("#lab-editor [data-schemapath='root.take_or_pay_price_pu']")
    assert server and all(msg in shown for msg in server), (server, shown)
    assert page.is_disabled("#lab-run")
    field.fill("0.9")
    field.dispatch_event("change")
    page.wait_for_selector("#lab-check .alert-ok")
    assert unnamed_controls(page, "#lab") == []

    # Run the pair: live progress, then both parties' figures against the counterfactual.
    page.click("#lab-run")
    page.wait_for_selector("#lab-progress-box:not([hidden])")
    page.wait_for_selector("#lab-summary-card:not([hidden])", timeout=120000)
    npv = npv_cells(page)
    assert set(npv) == {"dc_hohhot", "heat_city"}, npv
    assert all(re.search(r"\d", v) for v in npv.values()), npv
    kpis = page.evaluate("""async () => {
        const id = document.getElementById('lab-run-link').href.split('/').filter(Boolean).pop();
        return (await (await fetch('/api/runs/' + id + '/kpis/', {credentials: 'same-origin'})).json()).contracts;
    }""")
    parties = kpis[next(iter(kpis))]["parties"]
    assert parties["dc_hohhot"]["npv_cny"] != parties["heat_city"]["npv_cny"]
    assert ui.chart_points(page, "lab-cash-chart"), "cash-flow chart is empty"
    # Ledger drill-down: every category row opens with the keyboard.
    ledger_rows = page.locator("#lab-ledger-table tbody tr[data-category]")
    assert ledger_rows.count() >= 1
    buttons = page.locator("#lab-ledger-table button[aria-expanded]")
    if buttons.count():
        buttons.first.focus()
        page.keyboard.press("Enter")
        assert buttons.first.get_attribute("aria-expanded") == "true"

    # The comparison as CSV: a row per figure, a column per party.
    with page.expect_download() as download:
        page.click("#lab-csv")
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = {r[0]: r for r in csv.reader(io.StringIO(text))}
    assert "npv_cny" in rows and len(rows["npv_cny"]) == 4, rows.get("npv_cny")
    shots(page, "results")

    # Sensitivity: the two sweeps on the workers, then the tornado and the heatmap; each chart as PNG.
    page.click("#lab-sweep")
    page.wait_for_function("() => document.getElementById('lab-sweep-status').textContent.length > 0")
    page.wait_for_function("""() => {
        const t = echarts.getInstanceByDom(document.getElementById('lab-tornado'));
        const h = echarts.getInstanceByDom(document.getElementById('lab-heatmap'));
        return t && h && t.getOption().series && h.getOption().series && !document.getElementById('lab-sweep').disabled;
    }""", timeout=240000)
    assert sum(ui.chart_points(page, "lab-tornado")) > 0
    assert sum(ui.chart_points(page, "lab-heatmap")) == 9
    for holder in ("#lab-cash-png", "#lab-tornado-png", "#lab-heatmap-png"):
        with page.expect_download() as download:
            page.click(holder + " button")
        assert Path(download.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page.locator("#lab-sens-card").scroll_into_view_if_needed()
    shots(page, "sensitivity")
    shots(page, "full", full_page=True)

    # The same page in Chinese.
    npv_before_switch = npv_cells(page)
    page.click("button.lang[value=zh-hans]")
    page.wait_for_selector("#lab[data-ready=true]")
    assert "合同实验室" in page.inner_text("h1")
    assert page.input_value("#lab-template") == "waste_heat_purchase"  # the choice survives the switch
    page.wait_for_selector("#lab-editor [data-schemapath='root.pricing']")
    page.wait_for_selector("#lab-check .alert-ok")
    form = page.inner_text("#lab-form")
    assert "余热购买合同" in form and "折现率" in form and "定价方式" in form, form[:400]
    page.wait_for_selector("#lab-summary-card:not([hidden])")  # the run's results again, from the address
    assert set(npv_cells(page)) == set(npv_before_switch) == {"dc_hohhot", "heat_city"}
    assert "净现值" in page.inner_text("#lab-summary-table")
    shots(page, "zh")
    assert errors.items == [], errors.items
