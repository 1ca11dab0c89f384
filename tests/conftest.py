"""Shared test helpers: a free TCP port and a real ``redis-server`` subprocess on it."""
import shutil
import subprocess
from pathlib import Path

import pytest
from netports import free_port, wait_for_port

REDIS_SERVER = shutil.which("redis-server")


class RedisServer:
    """A throw-away ``redis-server`` (no persistence) on a free port, in its own temp dir.

    ``stop()`` kills it (SIGKILL, as a crash would) and ``start()`` brings it back on the same port.
    """

    def __init__(self, directory: Path, port: int | None = None):
        self.directory = directory
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        self.directory.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.directory), "--loglevel", "warning", "--protected-mode", "yes"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        )
        wait_for_port(self.port, timeout_s=30, process=self.process)  # fails at once if it could not bind
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None


@pytest.fixture
def redis_server(tmp_path):
    """A running real redis-server on a free port; killed at teardown."""
    if REDIS_SERVER is None:
        pytest.fail("redis-server is not installed: run `make setup` (installs it from Debian as root)")
    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.stop()
