"""A Hohhot run in headless Chromium shows the scenario's and the actors' Chinese names (name_zh) on Chinese pages —
page head, map symbols, agent list, drawer, report — and the English ones on English pages; screenshots under
tests/artifacts/ at 1366×768 and 1920×1080."""
import json
import re
import time
from pathlib import Path

import pytest

from tests.scenarios.helpers import fixture_doc

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CJK = re.compile(r"[\u4e00-\u9fff]")
HOHHOT_ZH = "呼和浩特 — 液冷 AI 园区为城市供热"
HOHHOT_EN = "Hohhot — liquid-cooled AI campus heating the city"


def _csrf(page) -> str:
    return next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")


def _run(page, steps: int = 24) -> str:
    """A short Hohhot run under the document's own name (so its Chinese name applies), finished."""
    doc = fixture_doc("hohhot")
    doc["horizon"]["steps"] = steps
    response = page.request.post("/api/runs/", data=json.dumps({"scenario": doc, "name": doc["name"], "seed": 1,
                                                                "speed_steps_per_s": 0}),
                                 headers={"Content-Type": "application/json", "X-CSRFToken": _csrf(page)})
    assert response.status == 201, response.text()
    run_id = response.json()["id"]
    deadline = time.monotonic() + 120
    while page.request.get(f"/api/runs/{run_id}/").json()["status"] != "succeeded":
        assert time.monotonic() < deadline, "the Hohhot run did not finish"
        time.sleep(0.5)
    return run_id


def _map_agent_names(page) -> list[str]:
    return page.evaluate("""() => {
      const c = echarts.getInstanceByDom(document.querySelector('#twin-map'));
      return c.getOption().series.filter((s) => !String(s.id || '').startsWith('flows'))
        .flatMap((s) => (s.data || []).map((d) => d && d.agentId ? d.name : null)).filter(Boolean);
    }""")


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=str(ARTIFACTS / f"{name}-{size['width']}x{size['height']}.png"))


@pytest.mark.parametrize("size", [(1366, 768), (1920, 1080)])
def test_a_run_in_chinese_shows_the_chinese_scenario_and_actor_names(page_factory, ui, size):
    page, errors = page_factory(*size)
    ui.login(page)
    page.goto("/runs/")
    page.click("form.langswitch button[value=zh-hans]")
    page.wait_for_selector("html[lang=zh-hans]")
    run_id = _run(page)

    page.goto(f"/runs/{run_id}/")
    assert page.locator("h1").first.inner_text().startswith(HOHHOT_ZH)
    page.wait_for_selector("button[data-agent=hh-cmcc-aidc]")
    assert page.locator("button[data-agent=hh-cmcc-aidc]").inner_text() == "中国移动呼和浩特智算中心"
    page.wait_for_function("() => { const el = document.querySelector('#twin-map');"
                           " const c = el && echarts.getInstanceByDom(el); return c && c.getOption().series.length > 3; }")
    names = _map_agent_names(page)
    assert names and [n for n in names if not CJK.search(n)] == [], names
    _shot(page, "names-run-zh")
    page.click("button[data-agent=hh-grid]")
    page.locator("#agent-drawer").wait_for(state="visible")
    assert page.locator("#agent-drawer [data-title]").inner_text() == "内蒙古电力（蒙西电网）— 呼和浩特地区"
    _shot(page, "names-drawer-zh")
    page.keyboard.press("Escape")

    page.goto(f"/runs/{run_id}/report/")
    assert page.locator("h1").first.inner_text().startswith(HOHHOT_ZH)
    assert "托克托电厂 1 号机组" in page.locator("#report-summary").inner_text()
    page.goto("/runs/")
    assert HOHHOT_ZH in page.locator("table").first.inner_text()

    page.click("form.langswitch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    page.goto(f"/runs/{run_id}/")
    assert page.locator("h1").first.inner_text().startswith(HOHHOT_EN)
    page.wait_for_selector("button[data-agent=hh-cmcc-aidc]")
    assert page.locator("button[data-agent=hh-cmcc-aidc]").inner_text() == "China Mobile Hohhot intelligent-computing center"
    assert errors.items == []
