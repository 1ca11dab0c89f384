"""Fixtures for the run pipeline tests: the tiny scenario, two users, fast frame settings, a fresh frame store."""
import json
import os
import time
from pathlib import Path

import pytest
from channels.layers import channel_layers

from web import quotas, streaming
from web.executor import stop_embedded

TINY = Path(os.environ.get("TWIN_TINY_SCENARIO", Path(__file__).resolve().parents[2] / "fixtures/scenarios/_tiny.json"))


@pytest.fixture
def tiny_data() -> dict:
    """The tiny real scenario (fixtures/scenarios/_tiny.json) as a dict."""
    return json.loads(TINY.read_text(encoding="utf-8"))


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="owner", password="pw-owner-123")


@pytest.fixture
def other_user(django_user_model):
    return django_user_model.objects.create_user(username="other", password="pw-other-123")


@pytest.fixture(autouse=True)
def fast_runs(settings, tmp_path):
    """Short frame interval and heartbeat, results in a temp dir, embedded mode, no reaper thread, fresh stores."""
    settings.TWIN_MODE = "embedded"
    settings.TWIN_FRAME_INTERVAL_MS = 20
    settings.TWIN_HEARTBEAT_S = 1
    settings.TWIN_EMBEDDED_REAPER = False
    settings.RESULTS_DIR = tmp_path / "results"
    stop_embedded()  # a reaper thread started by an earlier import of twin.asgi must not touch these runs
    streaming._store_for.cache_clear()
    channel_layers.backends.clear()
    quotas._viewers.clear()  # live-viewer counts per user id: a test that failed before disconnecting leaks its own
    yield settings
    streaming._store_for.cache_clear()
    channel_layers.backends.clear()
    quotas._viewers.clear()


def _wait_until(predicate, timeout_s: float = 60.0, interval_s: float = 0.02):
    """Poll ``predicate`` until it returns a truthy value; fail the test after ``timeout_s`` (generous: a loaded
    2-core CI machine starves the embedded worker threads; how fast is measured in benchmarks/, not here)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"condition not met within {timeout_s} s")


@pytest.fixture
def wait_until():
    """``wait_until(predicate, timeout_s=60)``: poll until truthy, else fail."""
    return _wait_until


@pytest.fixture
def drain_runs():
    """After the test: cancel runs still active and wait for the embedded workers to let go of them."""
    yield
    from web.models import Run
    from web.services import RunStateError, run_control

    for run in Run.objects.filter(status__in=[Run.Status.QUEUED, Run.Status.RUNNING, Run.Status.PAUSED]):
        try:
            run_control(run, "cancel")
        except RunStateError:
            pass
    _wait_until(lambda: not Run.objects.filter(status=Run.Status.RUNNING).exists(), timeout_s=60)


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts and ends in the default language: a test-client request in Chinese leaves zh-hans active in
    the thread, which made a later test that compares against the core's English messages fail by test order."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
