"""Content-Security-Policy in a real Chromium: every page carries it and passes it with no console error, an
injected inline script does not run; the run page backs off and says why when its stream keeps failing."""
import re

import pytest

pytestmark = pytest.mark.browser

PAGES = ["/login/", "/scenarios/", "/scenarios/new/", "/runs/", "/api/docs/", "/admin/login/"]


def test_every_page_has_a_csp_and_no_console_error(page_factory, ui):
    page, errors = page_factory()
    ui.login(page)
    page.goto("/scenarios/")
    page.locator("article.scenario", has_text=ui.scenario_name).locator("button[type=submit]").click()
    page.wait_for_selector("#run-status .badge[data-status=succeeded]", timeout=60000)
    page.wait_for_selector("#kpi-table table.kpis")
    page.hover("#chart-power")  # an ECharts tooltip (HTML with style attributes)
    page.wait_for_timeout(300)
    visited = [page.url]
    for path in PAGES:
        response = page.goto(path)
        assert response.status == 200, path
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, (path, policy)
        visited.append(path)
        if path == "/api/docs/":
            page.wait_for_selector(".swagger-ui .info", timeout=30000)  # Swagger UI started without inline script
    assert errors.items == [], (visited, errors.items)

    page.goto("/scenarios/")
    page.evaluate("""() => { const s = document.createElement('script'); s.textContent = 'window.__pwned = 1';
                             document.body.appendChild(s); }""")
    assert page.evaluate("() => window.__pwned") is None
    assert any("Content Security Policy" in item for item in errors.items), errors.items


def test_the_run_page_backs_off_and_says_why_when_the_stream_keeps_failing(page_factory, ui):
    page, errors = page_factory()
    ui.login(page)
    closes = []

    def refuse(ws):  # every connection ends as daphne ended one whose message was too large
        closes.append(page.evaluate("() => performance.now()") if closes is not None else 0)
        ws.close(code=1011, reason="")

    page.route_web_socket(re.compile(r".*/ws/runs/.*"), refuse)
    page.goto("/scenarios/")
    page.locator("article.scenario", has_text=ui.scenario_name).locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/runs/[0-9a-f-]{36}/$"))
    page.wait_for_function("() => twinRunState.reconnects >= 4", timeout=30000)
    text = page.locator("#conn-state").inner_text()
    assert "The server could not send the run." in text and "Retrying in" in text, text
    gaps = [b - a for a, b in zip(closes, closes[1:], strict=False)]
    assert len(gaps) >= 3 and gaps[2] > 1.6 * gaps[0], gaps  # 1 s, 2 s, 4 s … not a tight loop
