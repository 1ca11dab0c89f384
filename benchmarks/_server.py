"""A throw-away embedded twin server for benchmarks: daphne in `make run`'s default mode (SQLite, in-process
workers) on a free port, with its own database and var dir in a temp directory and the demo loaded."""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # shared loopback helpers
from netports import free_port, wait_for_port  # noqa: E402

BIN = Path(sys.executable).parent


@contextlib.contextmanager
def embedded_server(password: str, prefix: str = "twin-bench-") -> Iterator[tuple[str, dict]]:
    """Yields (base URL, environment of the server); the demo user ``demo`` has ``password``."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        port = free_port()
        env = {**os.environ, "TWIN_MODE": "embedded", "PYTHONPATH": str(ROOT),  # `make run`'s defaults otherwise
               "DATABASE_URL": f"sqlite:///{tmp}/twin.sqlite3", "TWIN_VAR_DIR": f"{tmp}/var", "LOG_LEVEL": "WARNING"}
        for args_ in (("migrate", "--noinput", "-v", "0"), ("load_demo", "--password", password)):
            subprocess.run([sys.executable, "manage.py", *args_], cwd=ROOT, env=env, check=True,
                           capture_output=True, stdin=subprocess.DEVNULL)
        log = open(Path(tmp) / "daphne.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen([str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(port), "twin.asgi:application"],
                                  cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            wait_for_port(port, timeout_s=120)
            yield f"http://127.0.0.1:{port}", env
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
            log.close()
