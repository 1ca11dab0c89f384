"""The live twin of a multi-region run in a real headless Chromium against a live daphne: East Data, West
Computing cut to 48 steps. The map shows China's provinces, a marker per region and the two links (their
width from the work moved at the step, a tooltip); the region switcher moves the panels and cards to another
region; the migration panel has a series per link; the timeline scrubs, a reload mid-run continues; the
finished run has a KPI table with a column per region and the migration table; Chinese labels; the big
screen — screenshots under tests/artifacts/, no console error."""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from chart_layout import legend_clashes

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
PANELS = ["chart-power", "chart-price", "chart-heat", "chart-migration"]
RUN_URL = re.compile(r"/runs/[0-9a-f-]{36}/$")
NAME = "East Data, West Computing (48 steps)"
STEPS = 48

SEED = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from web import scenario_services

path, steps, username, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
doc = json.load(open(path, encoding="utf-8"))
doc["horizon"]["steps"] = steps
user = get_user_model().objects.get(username=username)
scenario_services.scenario_create(user, name=name, data=doc, description="Two days of three regions.")
"""


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"
    page.screenshot(path=str(path))
    return path


@pytest.fixture
def multi_region_scenario(live_twin, ui):
    done = subprocess.run([sys.executable, "-c", SEED, str(ROOT / "fixtures" / "scenarios" / "east_data_west_computing.json"),
                           str(STEPS), ui.username, NAME], cwd=ROOT, env=live_twin.env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return NAME


def show_map(page) -> None:
    page.evaluate("() => document.querySelector('.map-card').scrollIntoView({block: 'start'})")
    page.wait_for_timeout(300)


def map_option(page) -> dict:
    return page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('twin-map'));
        if (!chart) return {};
        const opt = chart.getOption();
        const by = Object.fromEntries(opt.series.map((s) => [s.id, s.data || []]));
        const links = (by['flows-links'] || []).concat(by['flows-links-idle'] || []);
        return {map: (opt.geo[0] || {}).map, provinces: ((opt.geo[0] || {}).regions || []).filter((r) => r.itemStyle && r.itemStyle.areaColor).map((r) => r.name),
                regions: (by['regions'] || []).map((d) => ({id: d.regionId, name: d.name, value: d.value})),
                links: links.map((d) => ({id: d.linkId, moved: d.moved_mw, width: d.lineStyle.width, coords: d.coords})),
                agents: Object.entries(by).filter(([k]) => k.startsWith('agents-')).reduce((n, [, d]) => n + d.length, 0)};
    }""")


def test_multi_region_twin_regions_links_switcher_migration_kpis(page_factory, ui, multi_region_scenario):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    page.goto("/scenarios/")
    card = page.locator("article.scenario", has_text=multi_region_scenario)
    card.locator("input[name=seed]").fill("7")
    card.locator("select[name=speed_steps_per_s]").select_option("1")  # slow enough to pause and reload mid-run
    card.locator("button[type=submit]").click()
    page.wait_for_url(RUN_URL)
    run_url = page.url

    # The map: China's provinces, the three regions and their agents, the two links.
    page.wait_for_function("() => { const c = echarts.getInstanceByDom(document.getElementById('twin-map'));"
                           " return c && c.getOption().series.some((s) => s.id === 'regions' && s.data.length); }",
                           timeout=60000)
    state = map_option(page)
    assert "china_provinces" in state["map"], state["map"]
    assert [r["id"] for r in state["regions"]] == ["shanghai", "hohhot", "qaidam"]
    assert sorted(lk["id"] for lk in state["links"]) == ["sh-hh", "sh-qd"]
    assert sorted(state["provinces"]) == ["Nei Mongol", "Qinghai", "Shanghai"]  # filled by each region's price
    described = page.evaluate("() => twinRunState.describe.agents.length")
    assert state["agents"] == described > 500
    assert page.locator("#layer-regions").is_checked() and page.locator("#layer-flows-links").is_checked()
    assert "China" in page.locator(".map-foot").inner_text()

    # The links' width follows the work moved at the step: wait for a step that moves work west.
    page.wait_for_function("() => (twinRunState.region['sh-qd.moved_mw'] || []).some((v) => v > 1)", timeout=60000)
    page.wait_for_timeout(300)
    page.locator("#timeline-range").focus()
    moving = page.evaluate("() => twinRunState.region['sh-qd.moved_mw'].findIndex((v) => v > 1)")
    page.keyboard.press("Home")
    for _ in range(moving):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    links = {lk["id"]: lk for lk in map_option(page)["links"]}
    moved = page.evaluate(f"() => twinRunState.region['sh-qd.moved_mw'][{moving}]")
    assert links["sh-qd"]["moved"] == pytest.approx(moved)
    assert links["sh-qd"]["width"] > links["sh-hh"]["width"] if links["sh-hh"]["moved"] == 0 else True
    assert links["sh-qd"]["width"] > 1.5
    # Its tooltip: the moved MW, the capacity and the latency class.
    tip = page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('twin-map'));
        const opt = chart.getOption();
        const k = opt.series.findIndex((s) => s.id === 'flows-links');
        const d = opt.series[k].data.find((x) => x.linkId === 'sh-qd');
        return opt.tooltip[0].formatter({data: d, name: d.name});
    }""")
    assert "20.0" in tip and "batch" in tip and "40 ms" in tip, tip
    show_map(page)
    shot(page, "multi-region-twin-moving")

    # Region switcher: the panels and cards show Hohhot.
    # "All regions" first: the whole system (summed / load-weighted series under the single-region names)
    assert page.locator("#region-select option").all_inner_texts()[0] == "All regions"
    assert page.locator("#region-select").input_value() == ""
    total = page.evaluate("() => twinRunState.region.load_mw[5]")
    parts = page.evaluate("() => ['shanghai', 'hohhot', 'qaidam'].map((r) => twinRunState.region[r + '.load_mw'][5])")
    assert total == pytest.approx(sum(parts), rel=1e-4)  # frames carry rounded values
    assert page.locator("#region-select option").count() == 4
    page.select_option("#region-select", "hohhot")
    page.wait_for_timeout(300)
    step = page.evaluate("() => Number(document.getElementById('timeline-range').value)")
    load = page.evaluate(f"() => twinRunState.region['hohhot.load_mw'][{step}]")
    text = page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-value").inner_text()
    assert float(text.replace(",", "")) == pytest.approx(load, rel=1e-3, abs=0.01)
    power = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-power')).getOption()"
                          ".series.find((s) => s.name === 'Region load').data.filter((p) => p[1] !== null).length")
    assert power > 0
    # The migration panel: one series per link, named after it.
    names = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-migration')).getOption()"
                          ".series.map((s) => s.name)")
    assert len(names) == 2 and all("backbone" in n for n in names), names
    page.click("#timeline-live")

    # Reload mid-run (paused, so it is surely mid-run): a fresh snapshot brings back the three regions, the
    # links and every region's series; scrubbing works on it; the run then continues to its end.
    assert page.locator("#run-status .badge[data-status=succeeded]").count() == 0
    page.click("#btn-pause")
    page.wait_for_selector("#run-status .badge[data-status=paused]", timeout=30000)
    filled = page.evaluate("() => twinRunState.filled")
    assert 0 < filled < STEPS
    page.reload()
    page.wait_for_function("() => { const c = echarts.getInstanceByDom(document.getElementById('twin-map'));"
                           " return c && c.getOption().series.some((s) => s.id === 'regions' && s.data.length === 3); }")
    assert page.evaluate("() => twinRunState.filled") >= filled
    assert sorted(lk["id"] for lk in map_option(page)["links"]) == ["sh-hh", "sh-qd"]
    page.locator("#timeline-range").focus()
    page.keyboard.press("Home")
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.wait_for_timeout(300)
    assert "4 /" in page.locator("#timeline-label").inner_text()
    region = page.locator("#region-select").input_value()
    key = f"{region}.load_mw" if region else "load_mw"
    load = page.evaluate(f"() => twinRunState.region['{key}'][3]")
    text = page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-value").inner_text()
    assert float(text.replace(",", "")) == pytest.approx(load, rel=1e-3, abs=0.01)
    page.click("#timeline-live")
    page.select_option("#speed-select", "0")
    page.click("#btn-speed")
    page.wait_for_timeout(300)
    page.click("#btn-resume")

    # The finished run: KPI table with a column per region and the totals; the migration table.
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=120000)
    page.wait_for_selector("table.kpis-regions")
    head = page.locator("table.kpis-regions thead th").all_inner_texts()
    assert head[1:5] == ["Shanghai", "Hohhot (Inner Mongolia)", "Qaidam basin (Golmud, Qinghai)", "All regions"], head
    run_id = run_url.rstrip("/").rsplit("/", 1)[-1]
    kpis = page.request.get(f"/api/runs/{run_id}/kpis/").json()
    moved_total = kpis["migration"]["moved_it_mwh"]
    assert moved_total > 0
    rows = page.locator("table.migration-kpis tbody tr")
    assert rows.count() == 3  # two links and the total
    total_cells = rows.nth(2).locator("td").all_inner_texts()
    assert float(total_cells[0].replace(",", "")) == pytest.approx(moved_total, abs=0.51)  # fmtNum: 0 decimals from 100
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(300)
    assert legend_clashes(page, PANELS) == []  # legends wrap above the units of the axes, nothing pages
    shot(page, "multi-region-twin")
    show_map(page)
    shot(page, "multi-region-map")
    page.locator("#results").scroll_into_view_if_needed()
    shot(page, "multi-region-kpis")

    page.set_viewport_size({"width": 1920, "height": 1080})
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    assert legend_clashes(page, PANELS) == []
    shot(page, "multi-region-twin")
    show_map(page)
    shot(page, "multi-region-map")
    page.locator("#chart-migration").scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    shot(page, "multi-region-panels")

    # Chinese labels of the new parts.
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_url(run_url)
    page.wait_for_function("() => twinRunState.haveSnapshot")
    page.wait_for_selector("table.kpis-regions")
    assert page.locator("label[for=region-select]").inner_text() == "面板和卡片显示的地区"
    assert "区域间" in page.locator("#layer-flows-links").locator("xpath=..").inner_text()
    assert "全部地区" in page.locator("table.kpis-regions thead").inner_text()
    # The regions' Chinese names (region.name_zh of the scenario): table, switcher, map labels, page head.
    # (the table has its region columns even when the KPIs arrive before the snapshot after a reload)
    page.wait_for_function("() => document.querySelector('table.kpis-regions thead').innerText.includes('呼和浩特（内蒙古）')",
                           timeout=30000)
    assert "柴达木盆地（青海格尔木）" in page.locator("#region-select").inner_text()
    assert "上海" in [r["name"] for r in map_option(page)["regions"]]
    assert "呼和浩特（内蒙古）" in page.locator("main").inner_text()
    page.evaluate("() => window.scrollTo(0, 0)")
    page.wait_for_timeout(400)
    assert legend_clashes(page, PANELS) == []
    shot(page, "multi-region-twin-zh")

    # Big screen: one screen, the migration panel in the sankey's place.
    page.goto(run_url + "screen/")
    page.wait_for_function("() => { const c = echarts.getInstanceByDom(document.getElementById('twin-map'));"
                           " return c && c.getOption().series.some((s) => s.id === 'regions' && s.data.length === 3); }")
    page.wait_for_timeout(500)
    assert page.locator("#chart-migration").is_visible()
    assert page.evaluate("() => document.documentElement.scrollHeight") <= 1080 + 2
    assert legend_clashes(page, PANELS) == []
    shot(page, "multi-region-bigscreen-zh")
    page.click("form.langswitch button[value=en]")
    page.wait_for_function("() => window.twinRunState && twinRunState.haveSnapshot")
    assert errors.items == [], json.dumps(errors.items, indent=1)
