"""With production settings from the environment, ``manage.py check --deploy`` is clean."""
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "TWIN_", "CELERY_"))}
    for key in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL", "SECURE_SSL_REDIRECT"):
        env.pop(key, None)
    env.update(
        DJANGO_SETTINGS_MODULE="twin.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="example.org",
        TWIN_MODE="distributed",
        REDIS_URL="redis://127.0.0.1:6399/0",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        TWIN_VAR_DIR=str(tmp_path / "var"),
    )
    return env


def test_check_deploy_prints_no_warning_with_production_env(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=production_env(tmp_path), capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "?: (" not in output and "WARNINGS:" not in output, output


def test_debug_off_without_secret_key_refuses_to_start(tmp_path):
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_a_debug_development_stack_without_secret_key_keeps_a_generated_one(tmp_path):
    """`DEBUG=1 make run-distributed` (and the distributed integration tests) start without a SECRET_KEY: one is
    generated once under var/ (0600), as in embedded mode; only production (DEBUG off) must set it."""
    env = production_env(tmp_path)
    del env["SECRET_KEY"]
    env["DEBUG"] = "1"
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    key_file = tmp_path / "var" / "secret_key"
    assert key_file.exists() and oct(key_file.stat().st_mode & 0o777) == "0o600"
