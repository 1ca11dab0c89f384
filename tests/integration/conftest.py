"""Harness for the distributed path: a real redis-server, a real PostgreSQL server, real Celery worker processes.

The test process never runs a simulation itself: runs are created and reaped by ``manage.py shell``
subprocesses with the distributed environment (so ``run_create`` enqueues on the real broker), executed by
Celery worker subprocesses, and observed by reading the shared PostgreSQL database directly (as
docker-compose.yml deploys it; SQLite stays the embedded default).

PostgreSQL: Debian's ``postgresql`` package (installed by ``make setup``); one server per test session,
``initdb`` into a temporary directory, listening on a free loopback port, one fresh database per test.
"""
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from pgserver import PostgresServer
from psycopg.rows import dict_row

ROOT = Path(__file__).resolve().parents[2]
CELERY = str(Path(sys.executable).with_name("celery"))
TINY_SCENARIO = ROOT / "fixtures" / "scenarios" / "_tiny.json"
FINISHED = ("succeeded", "failed", "cancelled")
_INHERITED = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")


@pytest.fixture(scope="session")
def postgres_server():
    """One real PostgreSQL server for the integration session (each test gets its own database)."""
    server = PostgresServer().start()
    yield server
    server.stop()


class Stack:
    """A distributed twin on one redis-server and one PostgreSQL database: environment, workers and helpers."""

    def __init__(self, tmp_path: Path, redis_server, postgres_server: PostgresServer):
        self.tmp_path = tmp_path
        self.redis = redis_server
        self.database = postgres_server.create_database()
        self.database_url = postgres_server.url(self.database)
        self.var_dir = tmp_path / "var"
        self.var_dir.mkdir()
        self.workers: list[subprocess.Popen] = []
        self.beat: subprocess.Popen | None = None
        self.env = {k: os.environ[k] for k in _INHERITED if k in os.environ}
        self.env.update(
            {
                "DJANGO_SETTINGS_MODULE": "twin.settings",
                "PYTHONPATH": str(ROOT),
                "PYTHONUNBUFFERED": "1",
                "TWIN_MODE": "distributed",
                "DEBUG": "1",
                "REDIS_URL": redis_server.url,
                "DATABASE_URL": self.database_url,
                "TWIN_VAR_DIR": str(self.var_dir),
                "TWIN_CHECKPOINT_EVERY_STEPS": "5",
                "TWIN_HEARTBEAT_S": "1",
                "TWIN_STALE_AFTER_S": "3",
                "LOG_LEVEL": "INFO",
            }
        )

    # --- Django side, in subprocesses with the distributed environment ---------------------------
    def manage(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
            timeout=timeout, stdin=subprocess.DEVNULL,
        )
        if result.returncode != 0:
            raise AssertionError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def python(self, code: str, timeout: float = 120):
        """Run Django code in a fresh distributed-mode process; its last stdout line is parsed as JSON."""
        out = self.manage("shell", "--no-imports", "-c", code, timeout=timeout)
        return json.loads(out.strip().splitlines()[-1])

    def migrate(self) -> None:
        self.manage("migrate", "--noinput", "--skip-checks", "-v", "0")

    def create_run(self, scenario_path: Path, seed: int, speed_steps_per_s: float = 0.0,
                   username: str = "integration") -> str:
        """Create a run owned by ``username`` through ``services.run_create`` (enqueued on commit)."""
        code = f"""
import json
from django.contrib.auth import get_user_model
from web import services
user, _ = get_user_model().objects.get_or_create(username={username!r})
data = json.loads(open({str(scenario_path)!r}, encoding="utf-8").read())
run = services.run_create(user, data, {seed}, "integration {scenario_path.stem}", speed={float(speed_steps_per_s)!r})
print(json.dumps(str(run.pk)))
"""
        return self.python(code)

    def reap_stale(self) -> dict:
        """``services.run_reap_stale()`` in a distributed-mode process: ``{"requeued": [...], "failed": [...]}``."""
        return self.python("import json\nfrom web import services\nprint(json.dumps(services.run_reap_stale()))")

    # --- Observing the shared database --------------------------------------------------------
    def connect(self):
        return psycopg.connect(self.database_url.replace("postgres://", "postgresql://"), autocommit=True,
                               row_factory=dict_row)

    def run_row(self, run_id: str) -> dict:
        """The run's row; JSON columns as JSON text and the checkpoint as bytes (as the tests compare them)."""
        with self.connect() as conn:
            row = conn.execute("SELECT * FROM web_run WHERE id = %s", (uuid.UUID(run_id),)).fetchone()
        assert row is not None, f"run {run_id} not found"
        return {k: json.dumps(v) if isinstance(v, dict | list) else bytes(v) if isinstance(v, memoryview) else v
                for k, v in row.items()}

    def rows(self, sql: str, params=()) -> list[dict]:
        with self.connect() as conn:
            return conn.execute(sql, params).fetchall()

    def wait_for(self, run_id: str, predicate, timeout_s: float, what: str) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            row = self.run_row(run_id)
            if predicate(row):
                return row
            finished = row["status"] in FINISHED
            if finished or time.monotonic() > deadline:
                raise AssertionError(
                    f"{'run finished' if finished else f'timed out after {timeout_s} s'} while waiting for {what}; "
                    f"run is {row['status']} at step "
                    f"{row['step']}/{row['total_steps']} (checkpoint {row['checkpoint_step']}, error "
                    f"{row['error']!r})\n{self.logs()}"
                )
            time.sleep(0.1)

    def wait_finished(self, run_id: str, timeout_s: float = 120) -> dict:
        return self.wait_for(run_id, lambda r: r["status"] in FINISHED, timeout_s, "the run to finish")

    # --- Processes -------------------------------------------------------------------------------
    def start_worker(self) -> subprocess.Popen:
        """A real Celery worker (prefork, one child) on the ``simulations`` queue, in its own session."""
        index = len(self.workers) + 1
        log = open(self.tmp_path / f"worker{index}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [CELERY, "-A", "twin", "worker", "-Q", "simulations", "-c", "1", "--pool", "prefork",
             "-n", f"itest{index}-{uuid.uuid4().hex[:6]}@%h", "--loglevel", "INFO",
             "--without-mingle", "--without-gossip"],
            cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        process.log_file = log
        self.workers.append(process)
        self._wait_log(self.tmp_path / f"worker{index}.log", b" ready.", process)
        return process

    def start_beat(self) -> subprocess.Popen:
        log = open(self.tmp_path / "beat.log", "wb")  # noqa: SIM115
        self.beat = subprocess.Popen(
            [CELERY, "-A", "twin", "beat", "--loglevel", "INFO", "--schedule", str(self.tmp_path / "beat-schedule")],
            cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.beat.log_file = log
        return self.beat

    def _wait_log(self, path: Path, marker: bytes, process: subprocess.Popen, timeout_s: float = 120) -> None:
        deadline = time.monotonic() + timeout_s
        while marker not in path.read_bytes():
            if process.poll() is not None:
                raise AssertionError(f"process exited with {process.returncode}:\n{path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise AssertionError(f"no {marker!r} in {path} after {timeout_s} s:\n{path.read_text(errors='replace')}")
            time.sleep(0.1)

    @staticmethod
    def kill(process: subprocess.Popen) -> None:
        """SIGKILL the process and every child of its session (a prefork worker dies with its pool)."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        process.wait(timeout=30)

    @staticmethod
    def stop(process: subprocess.Popen) -> None:
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
            except ProcessLookupError:
                pass
        process.log_file.close()

    def logs(self) -> str:
        parts = []
        for path in sorted(self.tmp_path.glob("*.log")):
            lines = path.read_text(errors="replace").splitlines()
            text = "\n".join(line for line in lines if "run_reap_stale_task" not in line)  # beat's periodic noise
            parts.append(f"--- {path.name} (last 3000 chars) ---\n{text[-3000:]}")
        return "\n".join(parts)

    def close(self) -> None:
        for process in [*self.workers, *([self.beat] if self.beat else [])]:
            self.stop(process)


@pytest.fixture
def stack(tmp_path, redis_server, postgres_server):
    """A migrated PostgreSQL database and a redis-server; start workers with ``stack.start_worker()``."""
    if not TINY_SCENARIO.exists():
        pytest.fail(f"missing test scenario {TINY_SCENARIO}")
    twin = Stack(tmp_path, redis_server, postgres_server)
    twin.migrate()
    yield twin
    twin.close()
