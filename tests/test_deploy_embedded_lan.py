"""`HOST=0.0.0.0 make run` (scripts/run_embedded.sh): a teacher's laptop serving a classroom on its network."""
import os
import signal
import stat
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from netports import free_port, wait_for_port

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.timeout(240)]


def embedded_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWIN_", "DJANGO_", "CELERY_"))}
    for name in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS", "MAKEFLAGS", "MFLAGS"):
        env.pop(name, None)
    env.update({"TWIN_VAR_DIR": str(tmp_path / "var"), "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                "DJANGO_SETTINGS_MODULE": "twin.settings"})
    env.update(extra)
    return env


SHOW_SETTINGS = "from django.conf import settings as s; print(s.DEBUG, s.SECRET_KEY, ','.join(s.ALLOWED_HOSTS))"


def settings_of(env: dict) -> tuple[str, str, list[str]]:
    done = subprocess.run([sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW_SETTINGS], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120, check=True)
    debug, key, hosts = done.stdout.split()[-3:]
    return debug, key, hosts.split(",")


def test_embedded_mode_is_debug_off_with_a_persistent_private_key_and_this_machines_hosts(tmp_path):
    from twin.netinfo import host_names, lan_addresses

    env = embedded_env(tmp_path)
    debug, key, hosts = settings_of(env)
    key_file = tmp_path / "var" / "secret_key"
    assert debug == "False"
    assert key_file.read_text().strip() == key and len(key) >= 50
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert settings_of(env)[1] == key  # generated once, kept: sessions survive a restart
    assert {"127.0.0.1", "localhost", *host_names()} <= set(hosts)
    assert all((f"[{a}]" if ":" in a else a) in hosts for a in lan_addresses())


def test_a_key_file_readable_by_others_is_refused(tmp_path):
    (tmp_path / "var").mkdir()
    key_file = tmp_path / "var" / "secret_key"
    key_file.write_text("k" * 60)
    key_file.chmod(0o644)
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=embedded_env(tmp_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "chmod 600" in done.stderr


def fetch(url: str, host: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - local test server
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", errors="replace")


def test_host_0000_serves_the_lan_with_debug_off_and_prints_the_students_url(tmp_path):
    from twin.netinfo import lan_addresses

    env = embedded_env(tmp_path, HOST="0.0.0.0", DEBUG="1")  # DEBUG=1 is overridden beyond loopback
    subprocess.run([sys.executable, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=120)
    port = free_port()
    env["PORT"] = str(port)
    log_path = tmp_path / "run.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(["scripts/run_embedded.sh"], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            wait_for_port(port, timeout_s=120)
            output = log_path.read_text()
            address = (lan_addresses() or ["127.0.0.1"])[0]
            url = f"http://{f'[{address}]' if ':' in address else address}:{port}/"
            assert url in output and "give students" in output and "DEBUG=1 ignored" in output, output
            status, body = fetch(f"{url}login/")  # reached through the LAN address, as a student would
            assert status == 200 and "password" in body.lower()
            status, body = fetch(f"{url}no-such-page/")
            assert status == 404 and "Traceback" not in body and "DEBUG = True" not in body
            status, _ = fetch(f"http://127.0.0.1:{port}/login/", host="evil.example")
            assert status == 400  # not an allowed host
            status, body = fetch(f"{url}static/web/stream.js")  # static files without collectstatic
            assert status == 200 and "WebSocket" in body
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=20)
