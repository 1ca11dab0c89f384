"""Every page in a real Chromium at 1366×768 and 1920×1080: English and Chinese, editor errors, screenshots."""
import json

import pytest

pytestmark = pytest.mark.browser

VIEWPORTS = [(1366, 768), (1920, 1080)]


def assert_fits_width(page) -> None:
    """No horizontal scrolling: the layout fits the viewport."""
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"page is {overflow}px wider than the viewport"


@pytest.mark.parametrize("width,height", VIEWPORTS)
def test_every_page_renders_without_errors_and_fits(page_factory, ui, tmp_path, width, height):
    page, errors = page_factory(width, height)
    page.goto("/runs/")
    assert "/login/" in page.url  # login required
    ui.screenshot(page, "login", tmp_path)
    assert_fits_width(page)
    ui.login(page)
    # A finished run, so the runs list and the run page have content.
    page.goto("/scenarios/")
    page.locator("article.scenario", has_text=ui.scenario_name).locator("button[type=submit]").click()
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=60000)
    page.wait_for_selector("#kpi-table table.kpis")
    assert_fits_width(page)
    ui.screenshot(page, "run", tmp_path)
    run_url = page.url
    for name, path in [("scenarios", "/scenarios/"), ("runs", "/runs/"), ("scenario-new", "/scenarios/new/")]:
        page.goto(path)
        assert_fits_width(page)
        ui.screenshot(page, name, tmp_path)
    page.goto("/scenarios/")
    page.locator("article.scenario", has_text=ui.scenario_name).get_by_role("link").first.click()
    page.wait_for_selector("#scenario-form[data-ready=true]")
    page.click("#tab-json")  # the builder opens on its form; the JSON view is one tab away
    page.wait_for_selector("#id_document")
    assert_fits_width(page)
    ui.screenshot(page, "scenario-edit", tmp_path)

    page.click("button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    for name, path in [("scenarios-zh", "/scenarios/"), ("runs-zh", "/runs/")]:
        page.goto(path)
        assert_fits_width(page)
        ui.screenshot(page, name, tmp_path)
    page.goto(run_url)
    page.wait_for_selector("#kpi-table table.kpis")
    assert page.locator("#run-status .badge").inner_text() == "已完成"
    assert_fits_width(page)
    ui.screenshot(page, "run-zh", tmp_path)
    page.click("button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert errors.items == []
    with page.expect_navigation() as docs:  # the nav's API docs link serves the offline Swagger UI
        page.get_by_role("link", name="API docs").click()
    assert docs.value.status == 200


def test_language_switch_to_chinese_shows_chinese_labels(page_factory, ui):
    page, errors = page_factory()
    ui.login(page)
    page.goto("/scenarios/")
    assert page.locator(".mainnav").inner_text().split() == ["Scenarios", "Runs", "Sweeps", "Contract", "Lab", "API", "docs"]
    page.click("button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    assert "/scenarios/" in page.url  # stays on the same page
    nav = page.locator(".mainnav").inner_text()
    assert "情景" in nav and "运行" in nav and "参数扫描" in nav and "合同实验室" in nav and "API 文档" in nav
    assert page.locator("h1").inner_text() == "选择情景"
    assert "启动运行" in page.locator("article.scenario button[type=submit]").first.inner_text()
    assert page.locator("button[value=zh-hans]").get_attribute("aria-current") == "true"
    page.click("button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Pick a scenario"
    assert errors.items == []


def test_scenario_editor_shows_field_errors_with_the_api_text(page_factory, ui, tmp_path):
    page, errors = page_factory(1366, 768)
    ui.login(page)
    page.goto("/scenarios/")
    page.locator("article.scenario", has_text=ui.scenario_name).get_by_role("link").first.click()
    page.wait_for_selector("#scenario-form[data-ready=true]")
    page.click("#tab-json")  # the builder opens on its form; the JSON view is one tab away
    page.wait_for_selector("#id_document")
    document = json.loads(page.input_value("#id_document"))
    document["horizon"]["steps"] = 0
    document["region"]["lat"] = 123.0
    page.fill("#id_document", ui.json_dumps(document))
    page.click("button[value=validate]")
    page.wait_for_selector(".validation .field-error[data-loc]")
    shown = {
        li.get_attribute("data-loc"): li.locator(".err-msg").inner_text()
        for li in page.locator(".validation .field-error[data-loc]").all()
    }
    assert "horizon.steps" in shown and "region.lat" in shown, shown
    ui.screenshot(page, "scenario-edit-errors", tmp_path)

    # The same paths and messages as the API's 400.
    token = page.locator("input[name=csrfmiddlewaretoken]").first.input_value()
    response = page.request.post("/api/scenarios/validate/", data=json.dumps(document),
                                 headers={"Content-Type": "application/json", "X-CSRFToken": token})
    assert response.status == 400
    api = {e["loc"]: e["msg"] for e in response.json()["errors"]}
    assert api == shown

    # Bad JSON is reported as such.
    page.fill("#id_document", "{ not json")
    page.click("button[value=validate]")
    assert "Not valid JSON" in page.locator(".validation").inner_text()
    assert errors.items == []
