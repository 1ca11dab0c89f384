"""The scenario editor and the Contract Lab in Chinese in a real headless Chromium: every visible text of the
generated forms is Chinese (labels, help, part titles, enumerated values, json-editor's own buttons and hidden
labels, the server's messages on the fields). Screenshots at 1366×768 and 1920×1080 under tests/artifacts/
(forms-zh-*.png).

The rule, per text node (and ``title`` / ``aria-label`` / ``placeholder`` attribute) of the form: a text is
English-only when it has no CJK character and still has a run of 4 or more Latin letters after removing
- user data: the string values of the document's identifying fields (ids, names, descriptions, references to
  actors, turbine types, time zones, weather sites, timestamps; ``USER_FIELDS``) and the names of the scenarios
  the user sees — but never an enumerated value of the schema, which must show under its title;
- unit symbols of the units table (``agents.units``: MWh, CNY/MWh …) and JSON;
- codes: all-capital tokens (PUE, CPU, NVIDIA, ISO …), ISO 8601 timestamps, and the text of ``<code>`` elements
  (the field path of an error, ``horizon.steps``).
"""
import copy
import json
import re
from pathlib import Path

import pytest

from agents import units

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
VIEWPORTS = [(1366, 768), (1920, 1080)]
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
LATIN_WORD = re.compile(r"[A-Za-z]{4,}")
CODE = re.compile(r"\b[A-Z][A-Z0-9₂]+\b|\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?")
USER_FIELDS = {"id", "name", "name_zh", "description", "turbine_type", "tz", "weather_site", "start", "end", "at"}
SCENARIO_NAME = "Forms in Chinese"

SCAN = """(selector) => {
    const root = document.querySelector(selector);
    if (!root) return [];
    const shown = (el) => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== "hidden";
    const where = (el) => { const h = el.closest("[data-schemapath]"); return h ? h.dataset.schemapath : el.tagName; };
    const out = [];
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const text = n.textContent.trim();
        const el = n.parentElement;
        if (!text || el.closest("script, style, textarea, code")) continue;
        if (el.tagName === "OPTION" ? !shown(el.closest("select")) : !shown(el)) continue;
        out.push([text, where(el)]);
    }
    for (const el of root.querySelectorAll("[title], [aria-label], [placeholder]")) {
        if (!shown(el)) continue;
        for (const a of ["title", "aria-label", "placeholder"]) {
            const v = (el.getAttribute(a) || "").trim();
            if (v) out.push([v, "@" + a + " " + where(el)]);
        }
    }
    return out;
}"""


def rich_document() -> dict:
    """The tiny test region with one of each part the forms can show: workload, battery and storage strategies,
    cold storage, backup generators, ride-through, a heat tank, demand response, voltage dips, a grid outage, a
    green PPA."""
    doc = json.loads((ROOT / "fixtures" / "scenarios" / "_tiny.json").read_text(encoding="utf-8"))
    doc["name"] = SCENARIO_NAME
    actors = {a["id"]: a for a in doc["actors"]}
    dc = actors["dc_hohhot"]
    dc["strategy"] = {"kind": "price_following", "flex": {"deferrable_pu": 0.3, "deadline_h": 12.0}}
    dc["battery"] = {"energy_capacity_mwh": 8.0, "power_capacity_mw": 4.0, "strategy": {"kind": "arbitrage"}}
    dc["cold_storage"] = {"capacity_mwh_th": 20.0, "charge_mw_th": 4.0, "discharge_mw_th": 4.0}
    dc.pop("backup_generator_mw", None)
    dc["backup"] = {"technology": "diesel", "capacity_mw": 20.0, "strategy": {"kind": "contingency_and_dr"}}
    dc["ride_through"] = {"transfer_after_dips": 3}
    heat = actors["heat_city"]
    heat["strategy"] = {"kind": "day_ahead_merit_order"}
    heat["heat_storage"] = {"capacity_mwh_th": 50.0, "charge_capacity_mw_th": 10.0, "discharge_capacity_mw_th": 10.0}
    doc["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.9, "lon": 111.8,
                          "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 20.0},
                          "strategy": {"kind": "peak_shaving"}})
    doc["events"] = [{"type": "voltage_dips", "at": "2025-01-15T10:00", "count": 3, "span_s": 40.0},
                     {"type": "grid_outage", "at": "2025-01-15T12:00", "duration_h": 2.0}]
    doc["decision_points"] = {"every_steps": 24}
    doc["demand_response"] = {
        "programs": [{"id": "peak", "trigger": "price", "price_threshold_cny_per_mwh": 600.0}],
        "aggregators": [{"id": "vpp", "program_id": "peak", "member_ids": ["dc_hohhot"], "total_commitment_mw": 2.0}],
        "events": [{"program_id": "peak", "start": "2025-01-15T18:00", "end": "2025-01-15T20:00"}]}
    doc["contracts"].append({"type": "green_ppa", "id": "ppa", "seller_id": "wind_1", "buyer_id": "dc_hohhot",
                             "strike_price_cny_per_mwh": 300.0})
    return doc


def user_strings(node, key: str = "", out: set | None = None) -> set:
    out = set() if out is None else out
    if isinstance(node, dict):
        for k, v in node.items():
            user_strings(v, k, out)
    elif isinstance(node, list):
        for item in node:
            user_strings(item, key, out)
    elif isinstance(node, str) and (key in USER_FIELDS or key.endswith("_id") or key.endswith("_ids")):
        out.add(node)
    return out


def unit_symbols() -> set[str]:
    return {q.unit for q in [*units.SUFFIXES.values(), *units.NAMES.values()] if q.unit} | {"JSON"}


def english_only(texts: list[list[str]], allowed: set[str]) -> list[str]:
    """The texts that break the rule of the module docstring, with where they are."""
    strip = sorted(allowed | unit_symbols(), key=len, reverse=True)
    bad = []
    for text, where in texts:
        if CJK.search(text):
            continue
        rest = text
        for s in strip:
            rest = rest.replace(s, " ")
        if LATIN_WORD.search(CODE.sub(" ", rest)):
            bad.append(f"{where}: {text!r}")
    return sorted(set(bad))


def shots(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / f"forms-zh-{name}-{width}x{height}.png"))
    page.set_viewport_size({"width": 1366, "height": 768})


def visit_every_tab(page, container: str, scan) -> int:
    """Click every tab of the generated form once (an outer tab, then the ones it reveals), scanning after each
    click; returns the number of tabs visited."""
    visited = 0
    for _ in range(200):
        tab = page.evaluate("""(container) => {
            const shown = (el) => el.getClientRects().length > 0;
            const tabs = [...document.querySelectorAll(container + " .je-tab, " + container + " .je-tab--top")];
            const depth = (el) => { let d = 0; for (let e = el; e; e = e.parentElement) d++; return d; };
            // the deepest first: the tabs a click has just revealed, before the next tab of an outer row
            const open = tabs.filter((t) => shown(t) && !t.dataset.scanned);
            if (!open.length) return null;
            const next = open.reduce((a, b) => (depth(b) > depth(a) ? b : a));
            next.dataset.scanned = "1";
            return tabs.indexOf(next);
        }""", container)
        if tab is None:
            return visited
        page.locator(f"{container} .je-tab, {container} .je-tab--top").nth(tab).click()
        page.wait_for_timeout(50)
        scan()
        visited += 1
    return visited


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def _scenario(page) -> tuple[int, dict]:
    doc = rich_document()
    mine = page.request.get("/api/scenarios/").json()
    rows = mine.get("results", mine) if isinstance(mine, dict) else mine
    found = next((s for s in rows if s["name"] == SCENARIO_NAME), None)
    if found:
        return found["id"], doc
    answer = page.request.post("/api/scenarios/", data=json.dumps({"name": SCENARIO_NAME, "data": doc}),
                               headers={"Content-Type": "application/json", "X-CSRFToken": _csrf(page)})
    assert answer.status == 201, answer.text()
    return answer.json()["id"], doc


def scenario_names(page) -> set[str]:
    """Names of the scenarios the user sees (user data: the demo scenarios' names are the fixtures' own)."""
    listed = page.request.get("/api/scenarios/").json()
    return {s["name"] for s in (listed.get("results", []) if isinstance(listed, dict) else listed)}


def _in_chinese(page, ui) -> None:
    ui.login(page)
    page.goto("/scenarios/")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")


def test_the_scenario_editor_in_chinese_shows_chinese_in_every_form(page_factory, ui):
    page, errors = page_factory(1366, 768)
    _in_chinese(page, ui)
    scenario_id, doc = _scenario(page)
    allowed = user_strings(doc) | scenario_names(page)
    page.goto(f"/scenarios/{scenario_id}/edit/")
    page.wait_for_selector("#scenario-form[data-ready=true]")
    page.wait_for_selector("#live-validation .alert-ok")
    texts: list[list[str]] = []

    def scan():
        for selector in ("#add-bar", "#form-editor", "#live-validation"):
            texts.extend(page.evaluate(SCAN, selector))

    scan()
    shots(page, "editor")
    tabs = visit_every_tab(page, "#form-editor", scan)
    assert tabs >= 15, tabs  # the document's parts, each actor, contract and event
    seen = " ".join(t for t, _ in texts)
    for expected in ("基本信息", "模拟时段", "数据中心", "冷却方式", "冷板式液冷", "跟随电价", "蓄冷装置", "备用发电机",
                     "柴油发电机组", "需求响应项目", "电压暂降", "电网停电", "绿电购电协议", "删除"):
        assert expected in seen, expected
    bad = english_only(texts, allowed)
    assert not bad, "\n".join(bad)

    page.locator("#form-editor .je-tab--top", has_text="主体").first.click()
    page.locator("#form-editor .je-tab--top", has_text="Liquid-cooled AI campus").click()
    page.locator('[data-schemapath="root.actors.1.cooling"]').scroll_into_view_if_needed()
    shots(page, "editor-data-center")

    # The server's message on a field, in Chinese.
    page.locator("#form-editor .je-tab--top", has_text="模拟时段").click()
    steps = page.locator('[data-schemapath="root.horizon.steps"] input')
    steps.fill("0")
    steps.dispatch_event("change")
    page.wait_for_selector('#live-validation .field-error[data-loc="horizon.steps"]')
    inline = page.inner_text('[data-schemapath="root.horizon.steps"]')
    assert "取值应不小于 1。" in inline, inline
    listed = page.inner_text('#live-validation .field-error[data-loc="horizon.steps"] .err-msg')
    assert listed == "取值应不小于 1", listed
    texts.clear()
    scan()
    bad = english_only(texts, allowed)
    assert not bad, "\n".join(bad)
    shots(page, "editor-error")
    assert errors.items == [], errors.items


def test_the_contract_lab_in_chinese_shows_chinese_in_every_contract_form(page_factory, ui):
    page, errors = page_factory(1366, 768)
    _in_chinese(page, ui)
    scenario_id, doc = _scenario(page)
    allowed = user_strings(doc) | scenario_names(page)
    page.goto("/lab/")
    page.wait_for_selector("#lab[data-ready=true]")
    page.select_option("#lab-scenario", str(scenario_id))
    templates = page.eval_on_selector_all("#lab-template option", "os => os.map((o) => o.value).filter(Boolean)")
    assert {"waste_heat_purchase", "green_ppa", "demand_response", "storage_service"} <= set(templates), templates
    texts: list[list[str]] = []
    for template in templates:
        page.select_option("#lab-template", template)
        page.wait_for_selector("#lab-editor [data-schemapath=root]")
        page.wait_for_selector("#lab-check .alert-ok, #lab-check .alert-error")
        texts.extend(page.evaluate(SCAN, "#lab-form"))
        # every option of a union (the waste-heat deal's pricing: fixed, indexed, shared savings)
        switchers = page.locator("#lab-editor select.je-switcher")
        for i in range(switchers.count()):
            select = switchers.nth(i)
            if not select.is_visible():
                continue
            for value in select.locator("option").evaluate_all("os => os.map((o) => o.value)"):
                select.select_option(value)
                page.wait_for_timeout(100)
                texts.extend(page.evaluate(SCAN, "#lab-form"))
        if template == "waste_heat_purchase":
            page.locator("#lab-editor [data-schemapath='root.pricing']").first.scroll_into_view_if_needed()
            shots(page, "lab")
    seen = " ".join(t for t, _ in texts)
    for expected in ("余热购买合同", "定价方式", "按替代供热成本指数定价", "节约分成", "绿电购电协议", "结算方式", "差价合约",
                     "储能服务合同", "需求响应合同", "基线方法", "10 取 10（CAISO）", "出资方"):
        assert expected in seen, expected
    bad = english_only(texts, allowed)
    assert not bad, "\n".join(bad)

    # The server's message on a term, in Chinese.
    page.select_option("#lab-template", "waste_heat_purchase")
    page.wait_for_selector("#lab-editor [data-schemapath='root.take_or_pay_price_pu']")
    field = page.locator("#lab-editor [data-schemapath='root.take_or_pay_price_pu'] input")
    field.fill("1.5")
    field.dispatch_event("change")
    page.wait_for_selector("#lab-check .alert-error")
    shown = page.inner_text("#lab-editor [data-schemapath='root.take_or_pay_price_pu']")
    assert "取值应不大于 1。" in shown, shown
    texts = page.evaluate(SCAN, "#lab-form")
    bad = english_only(texts, allowed)
    assert not bad, "\n".join(bad)
    shots(page, "lab-error")
    assert errors.items == [], errors.items


def test_the_rule_flags_english_and_spares_user_data_units_and_codes():
    allowed = {"Liquid-cooled AI campus", "dc_hohhot"}
    texts = [["Liquid-cooled AI campus (dc_hohhot)", "a"], ["IT 容量 (MW)", "b"], ["CNY/MWh", "c"], ["PUE", "d"],
             ["Value required.", "e"], ["price_following", "f"], ["Delete Last item", "g"], ["NVIDIA H100", "h"]]
    assert english_only(copy.deepcopy(texts), allowed) == ["e: 'Value required.'", "f: 'price_following'",
                                                           "g: 'Delete Last item'"]
