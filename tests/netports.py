"""Loopback port helpers shared by the tests and the benchmarks: a free TCP port, and waiting for a listener."""
import socket
import subprocess
import time
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago (bind port 0, read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout_s: float = 10.0, process: subprocess.Popen | None = None) -> None:
    """Return once something listens on 127.0.0.1:``port``.

    Raises TimeoutError after ``timeout_s``, or AssertionError (with its log, when it has one) as soon as
    ``process`` — the server expected to listen — has exited.
    """
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                log = getattr(process, "log", None)
                detail = Path(log.name).read_text() if log is not None else ""
                raise AssertionError(f"exited with {process.returncode}:\n{detail}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port} after {timeout_s} s") from None
            time.sleep(0.05)
