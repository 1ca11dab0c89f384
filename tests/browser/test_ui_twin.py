"""The live twin of a run in a real headless Chromium against a live daphne: the map with its outline and
agent symbols, panels updating live, the timeline scrubbed back, the agent drawer, Chinese labels, the big
screen, a reload mid-run, screenshots under tests/artifacts/ — and no console error."""
import re
from pathlib import Path

import pytest
from chart_layout import legend_clashes, wait_for_layout

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
RUN_URL = re.compile(r"/runs/[0-9a-f-]{36}/$")
PANELS = ["chart-power", "chart-price", "chart-heat"]


def shot(page, name: str, full_page: bool = False) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    path = ARTIFACTS / f"{name}-{size['width']}x{size['height']}{'-full' if full_page else ''}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def start_run(page, ui, *, seed: str, speed: str) -> str:
    page.goto("/scenarios/")
    card = page.locator("article.scenario", has_text=ui.scenario_name)
    card.locator("input[name=seed]").fill(seed)
    card.locator("select[name=speed_steps_per_s]").select_option(speed)
    card.locator("button[type=submit]").click()
    page.wait_for_url(RUN_URL)
    return page.url


def map_state(page) -> dict:
    """What the map chart holds: its geo map name, regions of the outline, agent points per series."""
    return page.evaluate("""() => {
        const chart = echarts.getInstanceByDom(document.getElementById('twin-map'));
        if (!chart) return {};
        const opt = chart.getOption();
        const geo = (opt.geo || [])[0] || {};
        const points = {};
        for (const s of opt.series) points[s.id] = (s.data || []).length;
        const agents = opt.series.filter((s) => s.type === 'scatter').flatMap((s) => s.data);
        return {map: geo.map, points, agents: agents.map((d) => ({id: d.agentId, power: d.power, color: d.itemStyle.color})),
                outline: !!echarts.getMap(geo.map)};
    }""")


def first_paint_ms(page) -> float:
    page.wait_for_function("() => typeof window.twinFirstPaintMs === 'number'", timeout=30000)
    return page.evaluate("() => performance.getEntriesByName('twin-first-paint')[0].startTime")


CHART_POINTS = """((id) => echarts.getInstanceByDom(document.getElementById(id)).getOption().series
    .map((s) => (s.data || []).length))"""
MAP_AGENTS = """(() => echarts.getInstanceByDom(document.getElementById('twin-map')).getOption().series
    .filter((s) => s.type === 'scatter').flatMap((s) => s.data).map((d) => ({id: d.agentId, power: d.power})))"""
# The scrubbed view is drawn: the label, the load card and the map all show step ``step`` (0-based).
SHOWS_STEP = f"""(step) => {{
    if (!document.getElementById('timeline-label').textContent.includes(`${{step + 1}} /`)) return false;
    if (document.getElementById('timeline-live').getAttribute('aria-pressed') !== 'false') return false;
    const want = twinRunState.region.load_mw[step];
    const card = document.querySelector('#kpi-cards .kpi-card[data-key=load_mw] .kpi-value').textContent;
    if (!(Math.abs(parseFloat(card.replace(/,/g, '')) - want) <= Math.max(1e-3 * Math.abs(want), 0.01))) return false;
    const seen = twinRunState.agentsAt(step);
    const shown = Object.fromEntries({MAP_AGENTS}().map((a) => [a.id, a.power]));
    return twinRunState.describe.agents.every((a, i) => seen === null ? shown[a.id] === null
                                                                       : shown[a.id] === seen.agents.power_mw[i]);
}}"""


def test_live_twin_map_panels_timeline_drawer_language_big_screen_and_reload(page_factory, ui):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    run_url = start_run(page, ui, seed="51", speed="5")

    # First paint of the running twin (map and panels), from the Performance API.
    paint = first_paint_ms(page)
    print(f"\nfirst paint of the running twin: {paint:.0f} ms after navigation start (1366×768)")
    # (the ≤ 1 s target is measured by benchmarks/first_paint.py, not asserted in a test on a shared machine)

    # The map: the region's outline is registered and every agent of the scenario has a symbol.
    page.wait_for_function("() => { const c = echarts.getInstanceByDom(document.getElementById('twin-map'));"
                           " return c && c.getOption().series.some((s) => s.type === 'scatter' && s.data.length); }")
    state = map_state(page)
    assert state["outline"], state
    assert sum(n for sid, n in state["points"].items() if sid.startswith("agents-")) == 5, state["points"]
    assert "示意图" in page.locator(".map-foot").inner_text()
    assert page.locator("#map-layers input[type=checkbox]").count() >= 5

    # Panels update live: the supply chart gains points, KPI cards show numbers.
    page.wait_for_function("() => twinRunState.filled >= 6", timeout=30000)
    early = max(ui.chart_points(page, "chart-power"))
    page.wait_for_function(f"() => twinRunState.filled >= {early + 3}", timeout=30000)
    page.wait_for_function(f"() => Math.max(...{CHART_POINTS}('chart-power')) > {early}", timeout=30000)
    assert max(ui.chart_points(page, "chart-power")) > early
    assert page.locator("#kpi-cards .kpi-card").count() == 8
    assert page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-value").inner_text() != "—"
    sankey_links = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-sankey'))"
                                 ".getOption().series[0].links.length")
    assert sankey_links >= 3
    shot(page, "twin-live")

    # Units of cards, headers and axes come from describe().units (plus the cards' totals from the server).
    units = page.evaluate("() => twinRunState.describe.units")
    assert page.locator(".kpi-card[data-key=load_mw] .kpi-unit").inner_text() == units["load_mw"]["unit"] == "MW"
    assert page.locator(".kpi-card[data-key=co2_to_date_t] .kpi-unit").inner_text() == units["co2_t"]["unit"]
    assert page.locator(".kpi-card[data-key=energy_to_date_mwh] .kpi-unit").inner_text() == "MWh"
    assert page.locator(".kpi-card[data-key=renewable_share_pu] .kpi-unit").inner_text() == "%"
    assert page.locator("[data-unit-of=wholesale_price_cny_per_mwh]").inner_text() == "CNY/MWh"
    assert page.locator("#agents th [data-unit-of=power_mw]").inner_text() == units["power_mw"]["unit"]
    y_name = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-price')).getOption().yAxis[0].name")
    assert y_name == units["wholesale_price_cny_per_mwh"]["unit"]

    # Any panel or the map as PNG: a labelled button, reached and pressed by keyboard.
    for target in ("chart-power", "chart-price", "chart-heat", "chart-sankey", "twin-map"):
        button = page.locator(f"button[data-png-of={target}]")
        assert button.get_attribute("aria-label")
        button.focus()
        with page.expect_download() as got:
            page.keyboard.press("Enter")
        assert got.value.suggested_filename.endswith(".png")
        assert Path(got.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", target

    # A layer toggle hides the data centers on the map (keyboard: focus + space).
    toggle = page.locator("#layer-agents-data_center")
    toggle.focus()
    page.keyboard.press("Space")
    assert not toggle.is_checked()
    hidden = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('twin-map'))"
                           ".getOption().legend[0].selected")
    assert any(v is False for v in hidden.values()), hidden
    page.keyboard.press("Space")
    assert toggle.is_checked()

    # Reload mid-run: the page continues from a fresh snapshot and keeps updating.
    filled_before = page.evaluate("() => twinRunState.filled")
    page.reload()
    page.wait_for_function(f"() => window.twinRunState && twinRunState.filled > {filled_before}", timeout=30000)
    assert page.evaluate("() => twinRunState.snapshots") >= 1

    # Scrub the timeline back to step 3 (keyboard on the range): map, panels and cards show that step.
    page.wait_for_function("() => twinRunState.filled >= 12", timeout=30000)
    page.locator("#timeline-range").focus()
    page.keyboard.press("Home")
    for _ in range(2):
        page.keyboard.press("ArrowRight")
    page.wait_for_function(SHOWS_STEP, arg=2, timeout=30000)  # (was a fixed 300 ms: too short on a loaded machine)
    assert page.locator("#timeline-live").get_attribute("aria-pressed") == "false"
    label = page.locator("#timeline-label").inner_text()
    assert "3 /" in label, label
    load_at_2 = page.evaluate("() => twinRunState.region.load_mw[2]")
    card = page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-value").inner_text()
    assert float(card.replace(",", "")) == pytest.approx(load_at_2, rel=1e-3, abs=0.01)
    cursor_x = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-power'))"
                             ".getOption().series[0].markLine.data.map((d) => d.xAxis)")
    start_ms = page.evaluate("() => twinRunState.startMs + 2 * twinRunState.stepMs")
    assert cursor_x == [start_ms]
    # The map shows the agents' state at or before that step (frames carry one per frame), never a later one.
    shown = {a["id"]: a["power"] for a in map_state(page)["agents"]}
    seen = page.evaluate("() => twinRunState.agentsAt(2)")
    ids = page.evaluate("() => twinRunState.describe.agents.map((a) => a.id)")
    if seen is None:
        assert "no state" in page.locator("#map-step").inner_text()
        assert all(shown[i] is None for i in ids), shown
    else:
        assert seen["step"] <= 2
        assert [shown[i] for i in ids] == seen["agents"]["power_mw"]
    shot(page, "twin-scrubbed")

    # Play from there, then back to live.
    page.click("#timeline-play")
    page.wait_for_function("() => !document.getElementById('timeline-label').textContent.includes(' 3 /')")
    page.click("#timeline-live")
    assert page.locator("#timeline-live").get_attribute("aria-pressed") == "true"

    # After the run: scrubbing back shows every agent's recorded state at exactly that step.
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=60000)
    page.locator("#timeline-range").focus()
    page.keyboard.press("Home")
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    run_id = run_url.rstrip("/").rsplit("/", 1)[-1]
    exact = page.request.get(f"/api/runs/{run_id}/agents/state/?step=4").json()["power_mw"]
    page.wait_for_function("() => { const s = twinRunState.agentsAt(4); return s && s.step === 4; }")
    page.wait_for_function("() => document.getElementById('map-step').textContent === ''")
    page.wait_for_function(f"""(exact) => {{
        const shown = Object.fromEntries({MAP_AGENTS}().map((a) => [a.id, a.power]));
        return twinRunState.describe.agents.every((a, i) => shown[a.id] !== null
            && Math.abs(shown[a.id] - exact[i]) <= 1e-6 * Math.max(1, Math.abs(exact[i])));
    }}""", arg=exact, timeout=30000)
    shown = {a["id"]: a["power"] for a in map_state(page)["agents"]}
    assert [shown[i] for i in ids] == pytest.approx(exact)
    page.click("#timeline-live")

    # The agent drawer: from the agents table by keyboard, with parameters and contracts; Escape closes it.
    button = page.locator("#agent-rows button[data-agent]").first
    agent_id = button.get_attribute("data-agent")
    button.focus()
    page.keyboard.press("Enter")
    drawer = page.locator("#agent-drawer")
    drawer.wait_for(state="visible")
    assert agent_id in drawer.locator("[data-subtitle]").inner_text()
    assert drawer.locator(".drawer-params tr").count() >= 1
    page.wait_for_function("() => { const n = document.querySelector('[data-testid=drawer-chart]');"
                           " const c = n && echarts.getInstanceByDom(n);"
                           " return c && c.getOption().series.length >= 2 && c.getOption().series[0].data.length > 10; }")
    shot(page, "twin-drawer")
    page.keyboard.press("Escape")
    assert drawer.is_hidden()
    # Clicking a data center's symbol on the map opens its drawer too.
    dc = page.evaluate("() => twinRunState.describe.agents.find((a) => a.type === 'data_center').id")
    page.locator("#twin-map").scroll_into_view_if_needed()
    wait_for_layout(page, ["twin-map"])  # the map drawn at its box's size before its pixels are computed
    page.evaluate("""(id) => {
        const chart = echarts.getInstanceByDom(document.getElementById('twin-map'));
        const opt = chart.getOption();
        const k = opt.series.findIndex((s) => s.id === 'agents-data_center');
        const i = opt.series[k].data.findIndex((d) => d.agentId === id);
        const [x, y] = chart.convertToPixel({seriesIndex: k}, opt.series[k].data[i].value.slice(0, 2));
        let rect = document.getElementById('twin-map').getBoundingClientRect();
        if (rect.top + y < 0 || rect.top + y > window.innerHeight) {  // the symbol itself in view, not just the map
            window.scrollBy(0, rect.top + y - window.innerHeight / 2);
            rect = document.getElementById('twin-map').getBoundingClientRect();
        }
        window.__dcPixel = [rect.left + x, rect.top + y];
    }""", dc)
    x, y = page.evaluate("() => window.__dcPixel")
    page.mouse.click(x, y)
    drawer.wait_for(state="visible")
    assert dc in drawer.locator("[data-subtitle]").inner_text()
    assert "heat_purchase" in drawer.inner_text() or "heat purchase" in drawer.inner_text()
    page.keyboard.press("Escape")
    shot(page, "twin-succeeded")

    # Wider screen.
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_timeout(400)
    shot(page, "twin-succeeded")

    # Chinese: labels of the twin in Simplified Chinese.
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_url(run_url)
    page.wait_for_function("() => twinRunState.haveSnapshot")
    page.wait_for_timeout(500)
    assert page.locator("#timeline-live").inner_text() == "实时"
    assert page.locator("#map-layers legend").inner_text() == "图层"
    assert "示意图" in page.locator(".map-foot").inner_text()
    cards = page.locator("#kpi-cards .kpi-card[data-key=load_mw] .kpi-label").inner_text()
    assert cards == "负荷", cards
    legend = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-power'))"
                           ".getOption().series.map((s) => s.name)")
    assert "可再生能源" in legend, legend
    assert page.locator("button[data-png-of=chart-price]").get_attribute("aria-label") == "下载电价图 PNG"
    shot(page, "twin-zh")

    # Big screen (dark, 1920×1080), in Chinese too, then English.
    page.goto(run_url + "screen/")
    paint = first_paint_ms(page)
    print(f"first paint of the big screen: {paint:.0f} ms")
    page.wait_for_function("() => { const c = echarts.getInstanceByDom(document.getElementById('twin-map'));"
                           " return c && c.getOption().series.some((s) => s.type === 'scatter' && s.data.length); }")
    assert page.locator("body.bigscreen").count() == 1
    assert legend_clashes(page, PANELS) == []  # Chinese legends wrap above the units, nothing pages
    shot(page, "twin-bigscreen-zh")
    box = page.locator("#twin-map").bounding_box()
    assert box["width"] > 900 and box["height"] > 350, box
    assert page.evaluate("() => document.documentElement.scrollHeight") <= 1080 + 2  # one screen, no scrolling
    page.click("form.langswitch button[value=en]")
    page.wait_for_function("() => window.twinRunState && twinRunState.haveSnapshot")
    page.wait_for_timeout(500)
    assert legend_clashes(page, PANELS) == []
    shot(page, "twin-bigscreen")
    assert errors.items == []


def test_twin_outline_api_is_owner_checked_and_user_outlines_validate(page_factory, ui, live_twin):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    run_url = start_run(page, ui, seed="61", speed="0")
    run_id = run_url.rstrip("/").rsplit("/", 1)[-1]
    outline = page.request.get(f"/api/runs/{run_id}/outline.geojson")
    assert outline.status == 200
    assert outline.json()["type"] == "FeatureCollection"
    listing = page.request.get("/api/outlines/").json()
    assert {o["name"] for o in listing["shipped"]} >= {"shanghai", "tianjin", "inner_mongolia", "qinghai", "uusimaa",
                                                     "china_provinces"}
    # Upload an own outline from the run page: a bad file is a message, a good one becomes the run's map.
    page.goto(run_url)
    page.wait_for_function("() => window.twinRunState && twinRunState.haveSnapshot")
    page.click(".outline-upload summary")
    page.set_input_files("#outline-file", files=[{"name": "bad.geojson", "mimeType": "application/geo+json",
                                                  "buffer": b'{"type": "Point", "coordinates": [1, 2]}'}])
    page.click("#outline-upload")
    page.wait_for_selector("#outline-error:not([hidden])")
    assert "type" in page.locator("#outline-error").inner_text()
    # Chromium logs the refused upload's HTTP 400 as a console error: expected here, and the only one.
    assert [e for e in errors.items if "400 (Bad Request)" not in e] == []
    errors.items.clear()
    square = {"type": "Feature", "properties": {"name": "Hohhot box"}, "geometry": {"type": "Polygon", "coordinates": [
        [[111.2, 40.3], [112.4, 40.3], [112.4, 41.7], [111.2, 41.7], [111.2, 40.3]]]}}
    page.set_input_files("#outline-file", files=[{"name": "hohhot-box.geojson", "mimeType": "application/geo+json",
                                                  "buffer": ui.json_dumps(square).encode()}])
    with page.expect_navigation():
        page.click("#outline-upload")
    page.wait_for_function("() => { const c = echarts.getInstanceByDom(document.getElementById('twin-map'));"
                           " return c && c.getOption().geo[0].map === 'twin-user-hohhot-box'; }")
    assert "Hohhot box" in page.locator(".map-foot").inner_text() or page.locator(".map-foot").count() == 1
    assert page.request.delete("/api/outlines/hohhot-box/", headers={"X-CSRFToken": page.evaluate(
        "() => document.querySelector('input[name=csrfmiddlewaretoken]').value")}).status == 204
    assert errors.items == []


def test_a_shanghai_year_stays_readable_on_the_map_and_panels(page_factory, ui):
    page, errors = page_factory(1920, 1080)
    ui.login(page)
    page.goto("/scenarios/")
    card = page.locator("article.scenario", has_text="Shanghai — 160 IDCs in the city grid").first
    card.locator("select[name=speed_steps_per_s]").select_option("0")
    card.locator("button[type=submit]").click()
    page.wait_for_url(RUN_URL)
    paint = first_paint_ms(page)
    print(f"\nfirst paint of a running Shanghai year: {paint:.0f} ms (1920×1080)")
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=120000)
    page.wait_for_function("() => twinRunState.filled === 8760", timeout=60000)
    page.wait_for_timeout(500)
    state = map_state(page)
    assert state["outline"] and state["map"].endswith("shanghai"), state["map"]
    districts = page.evaluate("() => echarts.getMap(echarts.getInstanceByDom(document.getElementById('twin-map'))"
                              ".getOption().geo[0].map).geoJSON.features.map((f) => f.properties.name_zh)")
    assert len(districts) == 16 and "浦东新区" in districts
    assert "OpenStreetMap contributors" in page.locator(".map-foot").inner_text()
    placed = page.evaluate("() => twinRunState.describe.agents.filter((a) => Number.isFinite(a.lat)).length")
    assert placed > 200
    assert sum(n for sid, n in state["points"].items() if sid.startswith("agents-")) == placed
    # A whole hourly year: one point per day, not a solid block of 8,760.
    assert max(ui.chart_points(page, "chart-price")) == 365
    assert legend_clashes(page, PANELS) == []
    shot(page, "twin-shanghai-year")
    shot(page, "twin-shanghai-year", full_page=True)
    # Zoomed in to a week: every hour.
    page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-power'))"
                  ".dispatchAction({type: 'dataZoom', start: 50, end: 52})")
    page.wait_for_function("() => Math.max(...echarts.getInstanceByDom(document.getElementById('chart-price'))"
                           ".getOption().series.map((s) => s.data.length)) === 8760")
    shot(page, "twin-shanghai-week", full_page=True)
    # The same run at 1366×768, in Chinese on the big screen, and its report: legends clear of the units.
    run_url = page.url
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(500)
    assert legend_clashes(page, PANELS) == []
    shot(page, "twin-shanghai-week")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    page.goto(run_url + "screen/")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.wait_for_function("() => window.twinRunState && twinRunState.filled === 8760", timeout=60000)
    page.wait_for_timeout(800)
    assert legend_clashes(page, PANELS) == []
    # Shanghai has no heat network: the heat panel says its series are zero instead of an empty plot.
    title = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-heat')).getOption().title[0]")
    assert title["show"] and title["text"] == "至今每一步均为零", title
    power = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('chart-power')).getOption().title[0]")
    assert not power["show"]
    shot(page, "twin-shanghai-bigscreen-zh")
    page.goto(run_url + "report/")
    page.wait_for_selector("#report[data-ready=true]")
    report = ["report-chart-power", "report-chart-price", "report-chart-heat", "report-chart-co2"]
    assert legend_clashes(page, report) == []
    points = page.evaluate("() => echarts.getInstanceByDom(document.getElementById('report-chart-price')).getOption()"
                           ".series.map((s) => s.data.length)")
    assert points == [365, 365], points  # daily means of the hourly year, not a solid block of 6-hour means
    page.locator("#report-charts").scroll_into_view_if_needed()
    shot(page, "report-shanghai-zh")
    page.set_viewport_size({"width": 1366, "height": 768})
    page.wait_for_timeout(500)
    assert legend_clashes(page, report) == []
    shot(page, "report-shanghai-zh")
    page.click("form.langswitch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert errors.items == []
