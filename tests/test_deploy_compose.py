"""docker-compose.yml mirrors `make run-distributed`: web (daphne), worker, beat, redis, postgres."""
import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE_FILE = ROOT / "docker-compose.yml"
APP_SERVICES = ("web", "worker", "beat")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))


def _command(service: dict) -> str:
    command = service.get("command", "")
    return " ".join(command) if isinstance(command, list) else str(command)


def test_compose_file_is_valid_for_docker_compose():
    client = shutil.which("docker-compose")
    assert client, "docker-compose is installed by `make setup` (Debian package docker-compose)"
    env = {**os.environ, "SECRET_KEY": "x" * 50}
    result = subprocess.run(
        [client, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_a_secret_key():
    client = shutil.which("docker-compose")
    assert client, "docker-compose is installed by `make setup` (Debian package docker-compose)"
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    result = subprocess.run(
        [client, "-f", str(COMPOSE_FILE), "config", "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_compose_has_the_five_services(compose):
    assert set(compose["services"]) == {"web", "worker", "beat", "redis", "postgres"}


def test_every_service_has_a_healthcheck(compose):
    for name, service in compose["services"].items():
        check = service.get("healthcheck")
        assert check and check.get("test"), f"{name} has no healthcheck"


def test_app_services_run_in_distributed_mode_with_production_env(compose):
    for name in APP_SERVICES:
        env = compose["services"][name]["environment"]
        assert env["TWIN_MODE"] == "distributed", name
        assert env["DATABASE_URL"].startswith("postgres://"), name
        assert "@postgres:" in env["DATABASE_URL"], name
        assert env["REDIS_URL"].startswith("redis://redis:"), name
        assert str(env["DEBUG"]) == "0", name
        assert "SECRET_KEY" in env and "ALLOWED_HOSTS" in env, name


def test_web_runs_daphne_after_migrations(compose):
    command = _command(compose["services"]["web"])
    assert command.index("migrate") < command.index("daphne")
    assert "twin.asgi:application" in command
    assert compose["services"]["web"]["ports"]


def test_worker_consumes_the_simulations_queue_and_recycles_children(compose):
    command = _command(compose["services"]["worker"])
    assert "celery -A twin worker" in command
    assert "-Q simulations" in command
    assert "--max-tasks-per-child" in command


def test_beat_runs_the_celery_scheduler(compose):
    assert "celery -A twin beat" in _command(compose["services"]["beat"])


def test_app_services_wait_for_healthy_backends(compose):
    for name in APP_SERVICES:
        depends = compose["services"][name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy", name
        assert depends["redis"]["condition"] == "service_healthy", name
    for name in ("worker", "beat"):
        assert compose["services"][name]["depends_on"]["web"]["condition"] == "service_healthy"


def test_state_lives_in_named_volumes(compose):
    assert {"postgres-data", "redis-data", "twin-var"} <= set(compose["volumes"])
    postgres_volumes = compose["services"]["postgres"]["volumes"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres_volumes)
    assert any(v.endswith(":/data") for v in compose["services"]["redis"]["volumes"])


def test_dockerfile_builds_from_python_slim_with_pinned_requirements_and_local_assets():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert "FROM python:3.11-slim" in text
    assert "pip install -r requirements.txt" in text
    assert "npm ci" in text and "npm run vendor" in text
    assert "collectstatic" in text


def test_production_compose_has_no_default_demo_password(compose):
    assert "demo-twin" not in COMPOSE_FILE.read_text(encoding="utf-8")
    assert 'if [ -n "$$DEMO_PASSWORD" ]' in _command(compose["services"]["web"])
