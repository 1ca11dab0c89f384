"""Compare and report of two multi-region runs (East Data, West Computing cut to 24 steps) in a real headless
Chromium: each run's map shows its regions, their provinces filled by price and the links; the KPI table has
the whole system and a block per region; the series picker reads as labels, not keys; legends do not cover
the axis units. A single-region compare is covered by test_ui_e2e. Screenshots under tests/artifacts/."""
import json
import re
import subprocess
import sys

import pytest
import test_ui_multi_region as mr  # its screenshot function (a module import: its test is not collected twice)
from chart_layout import legend_clashes

pytestmark = pytest.mark.browser

RUN_URL = re.compile(r"/runs/[0-9a-f-]{36}/$")
NAME = "East Data, West Computing (24 steps, compare)"
STEPS = 24


@pytest.fixture
def compare_scenario(live_twin, ui):
    done = subprocess.run([sys.executable, "-c", mr.SEED, str(mr.ROOT / "fixtures" / "scenarios" / "east_data_west_computing.json"),
                           str(STEPS), ui.username, NAME], cwd=mr.ROOT, env=live_twin.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return NAME


def start(page, seed: str) -> str:
    page.goto("/scenarios/")
    card = page.locator("article.scenario", has_text=NAME).first
    card.locator("input[name=seed]").fill(seed)
    card.locator("select[name=speed_steps_per_s]").select_option("0")
    card.locator("button[type=submit]").click()
    page.wait_for_url(RUN_URL)
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=120000)
    return page.url.rstrip("/").rsplit("/", 1)[-1]


def twin_maps(page) -> list[dict]:
    return page.evaluate("""() => [...document.querySelectorAll('.twin-col [data-map]')].map((n) => {
        const c = echarts.getInstanceByDom(n);
        if (!c) return null;
        const opt = c.getOption();
        const by = Object.fromEntries(opt.series.map((s) => [s.id, s.data || []]));
        const links = (by['flows-links'] || []).concat(by['flows-links-idle'] || []);
        return {regions: (by['regions'] || []).map((d) => d.regionId),
                prices: Object.fromEntries((by['regions'] || []).map((d) => [d.regionId, d.price])),
                fills: Object.fromEntries(((opt.geo[0] || {}).regions || []).filter((r) => r.itemStyle && r.itemStyle.areaColor)
                    .map((r) => [r.name, r.itemStyle.areaColor])),
                links: links.map((d) => d.linkId),
                moved: Object.fromEntries(links.map((d) => [d.linkId, d.moved_mw])),
                step: Number(n.closest('.twin-col').dataset.step)};
    })""")


def test_compare_and_report_of_multi_region_runs(page_factory, ui, compare_scenario):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    first = start(page, "7")
    second = start(page, "8")
    page.goto(f"/runs/compare/?runs={first},{second}")
    page.wait_for_selector("#compare[data-ready=true]")

    # Each run's map: the three regions with their price at the step, their provinces filled by it (not the
    # no-data grey), both links with the work they move at the step (as on the run page).
    for m, run_id in zip(twin_maps(page), (first, second), strict=True):
        snap = page.request.get(f"/api/runs/{run_id}/snapshot/").json()["region"]
        k = m["step"]
        assert k == STEPS - 1
        assert m["regions"] == ["shanghai", "hohhot", "qaidam"], m
        assert sorted(m["fills"]) == ["Nei Mongol", "Qinghai", "Shanghai"], m
        assert all(c.startswith("rgb(") for c in m["fills"].values()), m["fills"]
        assert len(set(m["fills"].values())) > 1, m["fills"]  # the regions' prices differ
        for rid in m["regions"]:
            assert m["prices"][rid] == pytest.approx(snap[f"{rid}.wholesale_price_cny_per_mwh"][k]), rid
        assert sorted(m["links"]) == ["sh-hh", "sh-qd"], m
        for lid in m["links"]:
            assert m["moved"][lid] == pytest.approx(snap[f"{lid}.moved_mw"][k]), lid
    # The KPI table: the whole system, then a block per region named after it.
    for rid in ("shanghai", "hohhot", "qaidam"):
        assert page.locator(f"table.compare tr[data-scope=region][data-id={rid}]").count() > 5, rid
    heads = page.locator("table.compare tr.scope-head").all_inner_texts()
    assert "Region · Hohhot (Inner Mongolia)" in heads, heads
    # The series picker: labels, the wholesale price first.
    assert page.locator("#series-quantity").input_value() == "wholesale_price_cny_per_mwh"
    options = page.locator("#series-quantity option").all_inner_texts()
    assert "Region load (MW)" in options, options
    assert any(o.startswith("Hohhot (Inner Mongolia) · ") for o in options), options
    assert legend_clashes(page, ["compare-chart"]) == []
    page.evaluate("() => window.scrollTo(0, 0)")
    mr.shot(page, "multi-region-compare")
    page.locator("#compare-twins").scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    mr.shot(page, "multi-region-compare-maps")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(500)
    assert legend_clashes(page, ["compare-chart"]) == []
    mr.shot(page, "multi-region-compare-maps")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(200)
    mr.shot(page, "multi-region-compare")

    # The report: charts labelled, legends clear of the units; each region's KPIs marked with its id.
    page.goto(f"/runs/{first}/report/")
    page.wait_for_selector("#report[data-ready=true]")
    ids = ["report-chart-power", "report-chart-price", "report-chart-heat", "report-chart-co2"]
    assert legend_clashes(page, ids) == []
    names = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('report-chart-price'))"
                          ".getOption().series.map((s) => s.name)")
    assert names == ["Wholesale price (paid to generators)", "Retail price (paid by consumers)"], names
    assert page.locator("table.kpi-report th code", has_text="hohhot").count() > 5
    page.locator("#report-chart-power").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    mr.shot(page, "multi-region-report")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(400)
    assert legend_clashes(page, ids) == []
    mr.shot(page, "multi-region-report")
    assert errors.items == [], json.dumps(errors.items, indent=1)
