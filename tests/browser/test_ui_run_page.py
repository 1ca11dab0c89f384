"""In a real headless Chromium against a live daphne: log in, start a run, watch it finish live."""
import re
import time

import pytest

pytestmark = pytest.mark.browser

RUN_URL = re.compile(r"/runs/[0-9a-f-]{36}/$")


def start_run_from_list(page, ui, *, seed: str, speed: str) -> None:
    page.goto("/scenarios/")
    card = page.locator("article.scenario", has_text=ui.scenario_name)
    card.locator("input[name=seed]").fill(seed)
    card.locator("select[name=speed_steps_per_s]").select_option(speed)
    card.locator("button[type=submit]").click()
    page.wait_for_url(RUN_URL)


def status(page) -> str:
    return page.locator("#run-status .badge").get_attribute("data-status")


def progress_text(page) -> str:
    return page.locator("#progress-pct").inner_text().strip()


def test_start_a_run_and_watch_progress_reach_100_with_charts_filling_live(page_factory, ui, tmp_path):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    start_run_from_list(page, ui, seed="7", speed="10")
    page.wait_for_function("() => window.echarts && echarts.getInstanceByDom(document.getElementById('chart-power'))")

    seen_points, seen_progress, seen_rates = [], [], []
    shot_mid = False
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        seen_points.append(max(ui.chart_points(page, "chart-power") or [0]))
        seen_progress.append(progress_text(page))
        seen_rates.append((page.locator("#progress-rate").inner_text(), page.locator("#progress-eta").inner_text()))
        if not shot_mid and 0 < seen_points[-1] < ui.scenario_steps:
            ui.screenshot(page, "run-live", tmp_path)
            shot_mid = True
        if seen_progress[-1] == "100 %" and seen_points[-1] == ui.scenario_steps:
            break
        if status(page) in ("failed", "cancelled"):
            ui.screenshot(page, "run-failed", tmp_path)
            pytest.fail(f"run {status(page)}: {page.locator('#run-error-text').inner_text()}")
        page.wait_for_timeout(150)

    assert seen_progress[-1] == "100 %", seen_progress[-10:]
    assert page.locator("#progress-steps").inner_text() == f"{ui.scenario_steps} / {ui.scenario_steps}"
    # The charts changed while the page was open: several distinct lengths, ending with the whole horizon.
    assert seen_points[0] < ui.scenario_steps
    assert len(set(seen_points)) >= 3, seen_points
    assert seen_points == sorted(seen_points)
    price_points = ui.chart_points(page, "chart-price")
    heat_points = ui.chart_points(page, "chart-heat")
    assert price_points and max(price_points) == ui.scenario_steps
    assert heat_points and max(heat_points) == ui.scenario_steps
    assert len(set(seen_progress)) >= 3, seen_progress
    # While it ran the page showed a rate in steps/s and an ETA.
    assert any(rate.endswith("steps/s") and eta not in ("—", "done") for rate, eta in seen_rates), seen_rates

    page.wait_for_selector("#run-status .badge[data-status=succeeded]")
    assert page.locator("#btn-cancel").is_disabled()
    # Every agent of the scenario with its power and heat at the latest step.
    agent_rows = page.locator("#agent-rows tr")
    assert agent_rows.count() == 5
    powers = [agent_rows.nth(i).locator("td").nth(2).inner_text() for i in range(5)]
    assert all(p != "—" for p in powers), powers
    page.wait_for_selector("#kpi-table table.kpis tbody tr")
    assert page.locator("#kpi-table table.kpis tbody tr").count() >= 5
    assert page.locator("#kpi-table table.dc-kpis tbody tr").count() >= 1  # ISO/IEC 30134 per data center
    for link in ("KPIs (JSON)", "Series (CSV)", "Series (Parquet)"):
        href = page.get_by_role("link", name=link).get_attribute("href")
        response = page.request.get(href)
        assert response.status == 200, (link, response.status)
        assert len(response.body()) > 0
    ui.screenshot(page, "run-succeeded", tmp_path)
    ui.screenshot(page, "run-succeeded", tmp_path, full_page=True)
    assert errors.items == []

    # The runs list shows the run with its status badge and full progress.
    page.goto("/runs/")
    row = page.locator("table.runs tbody tr").first
    assert row.locator(".badge").get_attribute("data-status") == "succeeded"
    assert f"{ui.scenario_steps} / {ui.scenario_steps}" in row.inner_text()
    assert errors.items == []


def test_pause_resume_and_rerun_with_another_seed(page_factory, ui):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    start_run_from_list(page, ui, seed="11", speed="5")
    page.wait_for_function("() => document.querySelector('#run-status .badge').dataset.status === 'running'",
                           timeout=30000)
    page.click("#btn-pause")
    page.wait_for_selector("#run-status .badge[data-status=paused]", timeout=30000)
    paused_at = progress_text(page)
    page.wait_for_timeout(1200)
    assert progress_text(page) == paused_at  # nothing moves while paused
    assert page.locator("#btn-resume").is_enabled()

    page.select_option("#speed-select", "0")  # as fast as possible from here on
    page.click("#btn-speed")
    page.click("#btn-resume")
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=60000)
    assert progress_text(page) == "100 %"
    first_run = page.url

    page.fill("#rerun-seed", "12")
    page.click("#btn-rerun")
    page.wait_for_url(lambda url: RUN_URL.search(url) is not None and url != first_run)
    assert page.locator("h1 .seed-label").inner_text().endswith("12")
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=60000)
    assert errors.items == []


def test_cancel_stops_the_run(page_factory, ui):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    start_run_from_list(page, ui, seed="21", speed="1")
    run_url = page.url
    page.wait_for_function("() => document.querySelector('#run-status .badge').dataset.status === 'running'",
                           timeout=30000)
    # The runs list updates the running row in place (no reload).
    page.goto("/runs/")
    row = page.locator(f"tr[data-run-id='{run_url.rstrip('/').rsplit('/', 1)[-1]}']")
    first = row.locator(".steps").inner_text()
    page.wait_for_function("([sel, first]) => document.querySelector(sel).textContent !== first",
                           arg=[f"tr[data-run-id='{run_url.rstrip('/').rsplit('/', 1)[-1]}'] .steps", first],
                           timeout=30000)
    assert row.locator(".badge").get_attribute("data-status") == "running"
    page.goto(run_url)
    page.wait_for_selector("#run-status .badge[data-status=running]")
    page.click("#btn-cancel")
    page.wait_for_selector("#run-status .badge[data-status=cancelled]", timeout=30000)
    assert progress_text(page) != "100 %"
    assert page.locator("#btn-pause").is_disabled()
    assert errors.items == []


def test_dropped_socket_and_missed_frames_are_recovered_to_the_exact_series(page_factory, ui):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    start_run_from_list(page, ui, seed="31", speed="10")
    page.wait_for_function("() => window.twinRunState && twinRunState.run.step >= 6", timeout=30000)
    page.evaluate("() => twinRunState.socket.close()")  # the browser reconnects with ?last_seq=
    page.wait_for_function("() => twinRunState.reconnects >= 1 && twinRunState.socket"
                           " && twinRunState.socket.readyState === 1")
    page.wait_for_function("() => twinRunState.run.step >= 20", timeout=30000)
    snapshots_before = page.evaluate("() => twinRunState.snapshots")
    page.evaluate("() => { twinRunState.lastSeq -= 3; }")  # as if three frames were lost: a gap
    page.wait_for_function(f"() => twinRunState.snapshots > {snapshots_before}", timeout=30000)
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=60000)
    page.wait_for_function(f"() => twinRunState.filled === {ui.scenario_steps}")

    shown = page.evaluate("() => twinRunState.region")
    run_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    fresh = page.request.get(f"/api/runs/{run_id}/snapshot/").json()
    for quantity in ("load_mw", "wholesale_price_cny_per_mwh", "heat_recovered_mw"):
        assert shown[quantity][: ui.scenario_steps] == fresh["region"][quantity], quantity
        assert None not in shown[quantity]
    assert errors.items == []


def test_after_logout_the_stream_stops_reconnecting_and_says_why(page_factory, ui):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    start_run_from_list(page, ui, seed="41", speed="0")
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=60000)
    other = page.context.new_page()  # same browser session: logging out here ends it for the run page too
    other.goto("/runs/")
    other.click("form[action='/logout/'] button")
    other.wait_for_url("**/login/")
    page.evaluate("() => { twinRunState.run.status = 'running'; twinRunState.socket.close(); }")
    page.wait_for_function("() => document.getElementById('conn-state').textContent.includes('Not signed in')")
    reconnects = page.evaluate("() => twinRunState.reconnects")
    page.wait_for_timeout(2500)
    assert page.evaluate("() => twinRunState.reconnects") == reconnects  # no reconnect loop
    assert errors.items == []
