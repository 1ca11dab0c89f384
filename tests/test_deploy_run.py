"""`make run` and `make run-distributed` (scripts/run_distributed.sh) serve the app and Ctrl-C stops everything."""
import os
import signal
import sqlite3
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from netports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]


def isolated_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWIN_", "DJANGO_", "CELERY_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "MAKEFLAGS", "MFLAGS"):
        env.pop(name, None)
    env.update({"TWIN_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    env.update(extra)
    return env


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_group_gone(process: subprocess.Popen, timeout_s: float) -> bool:
    """True once the leader is reaped and no process of its group is left."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        process.poll()  # reap the leader, else its zombie keeps the group "alive"
        if not group_alive(process.pid):
            return True
        time.sleep(0.1)
    return False


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=90) as response:  # noqa: S310 - local test server
        return response.status, response.read().decode("utf-8", errors="replace")


def start(argv: list[str], env: dict, log_path: Path) -> subprocess.Popen:
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finish()
    process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    process.log = log
    return process


def finish(process: subprocess.Popen) -> None:
    if group_alive(process.pid):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)
    process.log.close()


CREATE_SLOW_RUN = """
import json
from django.contrib.auth import get_user_model
from web.models import Run
user = get_user_model().objects.create_user("ctrl-c", password="ctrl-c-pass-123")
data = json.load(open("fixtures/scenarios/_tiny.json", encoding="utf-8"))
run = Run.objects.create(owner=user, scenario_name="slow", scenario_snapshot=data, seed=1,
                         total_steps=data["horizon"]["steps"], speed_steps_per_s=2.0)
print(run.pk.hex)
"""


def test_make_run_serves_the_demo_and_ctrl_c_stops_it_mid_run(tmp_path):
    env = isolated_env(tmp_path)
    manage = [str(ROOT / ".venv/bin/python"), "manage.py"]
    subprocess.run([*manage, "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    created = subprocess.run([*manage, "shell", "--no-imports", "-c", CREATE_SLOW_RUN], cwd=ROOT, env=env,
                             check=True, capture_output=True, text=True, timeout=120)
    run_id = created.stdout.split()[-1]  # left queued: the embedded server picks it up when it starts
    port = free_port()
    process = start(["make", "--no-print-directory", "run", f"PORT={port}"], env, tmp_path / "run.log")
    try:
        wait_for_port(port, timeout_s=120, process=process)
        status, body = fetch(f"http://127.0.0.1:{port}/login/")
        assert status == 200 and "password" in body.lower()
        output = (tmp_path / "run.log").read_text()
        assert f"http://127.0.0.1:{port}/" in output and "demo / demo-twin" in output
        deadline = time.monotonic() + 60
        while run_row(tmp_path, run_id)[0] != "running":
            assert time.monotonic() < deadline, f"the queued run never started: {run_row(tmp_path, run_id)}"
            time.sleep(0.2)

        os.killpg(process.pid, signal.SIGINT)  # Ctrl-C in a terminal signals the foreground process group
        assert wait_group_gone(process, 60), "make run left processes behind after Ctrl-C"
        status, step = run_row(tmp_path, run_id)
        assert status in ("queued", "paused"), f"an interrupted run must be resumable, not {status}"
        assert step < 48
    finally:
        finish(process)


def run_row(tmp_path: Path, run_id: str) -> tuple[str, int]:
    with sqlite3.connect(tmp_path / "db.sqlite3", timeout=30) as conn:
        return conn.execute("SELECT status, step FROM web_run WHERE id = ?", (run_id,)).fetchone()


def test_run_distributed_starts_redis_workers_beat_daphne_and_ctrl_c_stops_all(tmp_path):
    port, redis_port = free_port(), free_port()
    env = isolated_env(tmp_path, PORT=str(port), REDIS_PORT=str(redis_port), WORKERS="1")
    process = start(["scripts/run_distributed.sh"], env, tmp_path / "distributed.log")
    try:
        wait_for_port(port, timeout_s=120, process=process)
        wait_for_port(redis_port, timeout_s=5)
        status, _ = fetch(f"http://127.0.0.1:{port}/login/")
        assert status == 200
        worker_log = tmp_path / "var" / "log" / "worker1.log"
        deadline = time.monotonic() + 60
        while "ready." not in (worker_log.read_text() if worker_log.exists() else ""):
            assert time.monotonic() < deadline, (tmp_path / "distributed.log").read_text()
            time.sleep(0.2)
        inspect = subprocess.run(
            [str(ROOT / ".venv/bin/celery"), "-A", "twin", "inspect", "active_queues", "--timeout", "10"],
            cwd=ROOT, env={**env, "TWIN_MODE": "distributed", "DEBUG": "1", "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0"},
            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
        )
        assert "sim1@" in inspect.stdout and "'name': 'simulations'" in inspect.stdout, inspect.stdout + inspect.stderr

        process.send_signal(signal.SIGINT)  # only the script: its trap must stop every child
        process.wait(timeout=60)
        assert wait_group_gone(process, 60), "run_distributed.sh left processes behind after Ctrl-C"
    finally:
        finish(process)
