"""A live twin for browser tests: a real daphne subprocess (embedded mode, temp SQLite) and headless Chromium.

The server is migrated and seeded with one user and one short demo scenario before it starts; it listens on
a free port chosen by the OS (``tcp:0``) and is read back from daphne's log.
"""
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
USERNAME = "planner"
PASSWORD = "browser-test-pw-4711"
SCENARIO_NAME = "Browser test region"
SCENARIO_STEPS = 48

SEED_SCRIPT = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from web import scenario_services

path, steps, username, password, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
doc = json.load(open(path, encoding="utf-8"))
doc["horizon"]["steps"] = steps
user = get_user_model().objects.create_user(username, password=password)
scenario_services.scenario_create(user, name=name, data=doc, is_demo=True,
                                  description="A two-day slice of a demo region, used by the browser tests.")
"""


def scenario_fixture_path() -> Path:
    """The smallest shipped scenario (test fixtures starting with ``_`` first)."""
    directory = ROOT / "fixtures" / "scenarios"
    candidates = sorted(directory.glob("_*.json")) or sorted(directory.glob("*.json"), key=lambda p: p.stat().st_size)
    if not candidates:
        pytest.fail(f"no scenario fixture in {directory}")
    return candidates[0]


class LiveTwin:
    """``manage.py migrate`` + seed + ``daphne -e tcp:0`` in a temp dir; ``url`` once it listens."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "twin.settings",
            "TWIN_MODE": "embedded",
            "DEBUG": "1",
            "TWIN_VAR_DIR": str(directory / "var"),
            "DATABASE_URL": f"sqlite:///{directory / 'twin.sqlite3'}",
            "PYTHONUNBUFFERED": "1",
            "LOG_LEVEL": "INFO",
        }
        self.log_path = directory / "daphne.log"
        self.process: subprocess.Popen | None = None
        self.url = ""

    def _run(self, *args: str) -> None:
        done = subprocess.run([sys.executable, *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=180)
        if done.returncode != 0:
            raise RuntimeError(f"{args[:2]} failed:\n{done.stdout}\n{done.stderr}")

    def start(self) -> "LiveTwin":
        self._run("manage.py", "migrate", "--noinput")
        self._run("manage.py", "load_demo")  # the shipped demo scenarios, as `make run` shows them
        self._run("-c", SEED_SCRIPT, str(scenario_fixture_path()), str(SCENARIO_STEPS), USERNAME, PASSWORD,
                  SCENARIO_NAME)
        log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-e", "tcp:0:interface=127.0.0.1", "twin.asgi:application"],
            cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120  # a loaded 2-core CI machine: daphne imports Django, the twin, numpy…
        while time.monotonic() < deadline:
            match = re.search(r"Listening on TCP address 127\.0\.0\.1:(\d+)", self.log_path.read_text())
            if match:
                self.url = f"http://127.0.0.1:{match.group(1)}"
                return self
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"daphne did not start:\n{self.log_path.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failing browser test, attach the tail of the live server's log to the report."""
    outcome = yield
    report = outcome.get_result()
    twin = getattr(item.session, "_live_twin", None)
    if report.when == "call" and report.failed and twin is not None:
        lines = [ln for ln in twin.log().splitlines() if not re.search(r'" (200|204|302|304) ', ln)]
        report.sections.append(("live twin log (tail, without successful requests)", "\n".join(lines[-80:])))


@pytest.fixture(scope="session")
def live_twin(tmp_path_factory, request):
    twin = LiveTwin(tmp_path_factory.mktemp("live_twin")).start()
    request.session._live_twin = twin
    yield twin
    twin.stop()


# Module scope: a live sync_playwright keeps an asyncio loop running in the main thread, which breaks every
# later async test (pytest-asyncio: "Runner.run() cannot be called from a running event loop").
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make setup)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageErrors:
    """Console errors and uncaught page errors of one page."""

    def __init__(self, page):
        self.items: list[str] = []
        page.on("console", lambda msg: self.items.append(f"console: {msg.text}") if msg.type == "error" else None)
        page.on("pageerror", lambda exc: self.items.append(f"pageerror: {exc}"))


@pytest.fixture
def page_factory(browser, live_twin):
    """``make(width, height, locale=None)`` → (page, errors); contexts closed at teardown."""
    contexts = []

    def make(width: int = 1366, height: int = 768):
        context = browser.new_context(viewport={"width": width, "height": height}, base_url=live_twin.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30000)  # a loaded 2-core CI machine runs the twin, its runs and Chromium at once
        return page, PageErrors(page)

    yield make
    for context in contexts:
        context.close()


def login(page, username: str = USERNAME, password: str = PASSWORD) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit].btn-primary")
    page.wait_for_url(re.compile(r"/(runs|scenarios)/"))


SCREENS_DIR = Path(os.environ["TWIN_SCREENS_DIR"]) if os.environ.get("TWIN_SCREENS_DIR") else None


def screenshot(page, name: str, tmp_path: Path, full_page: bool = False) -> Path:
    """PNG of the viewport (or the whole page) into $TWIN_SCREENS_DIR (when set) or the test's temp dir."""
    directory = SCREENS_DIR or tmp_path
    directory.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    suffix = "-full" if full_page else ""
    path = directory / f"{name}-{size['width']}x{size['height']}{suffix}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def chart_points(page, element_id: str) -> list[int]:
    """Number of data points of every series of the ECharts chart in ``#element_id``."""
    return page.evaluate(
        """(id) => {
            const chart = echarts.getInstanceByDom(document.getElementById(id));
            if (!chart) return [];
            return chart.getOption().series.map((s) => (s.data || []).length);
        }""",
        element_id,
    )


def json_dumps(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)


class UI:
    """The helpers above, handed to tests as one fixture."""

    login = staticmethod(login)
    screenshot = staticmethod(screenshot)
    chart_points = staticmethod(chart_points)
    json_dumps = staticmethod(json_dumps)
    username = USERNAME
    password = PASSWORD
    scenario_name = SCENARIO_NAME
    scenario_steps = SCENARIO_STEPS


@pytest.fixture
def ui():
    return UI
