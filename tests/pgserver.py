"""A throw-away real PostgreSQL server for the integration tests and the load benchmark (Debian's postgresql)."""
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
from netports import free_port, wait_for_port


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return candidates[-1] if candidates else None


class PostgresServer:
    """A throw-away PostgreSQL cluster: ``initdb`` into a temp dir, ``postgres`` on a free loopback port.

    As root (CI, this machine) the server runs as the ``postgres`` system user, which initdb requires.
    Durability is off (fsync, synchronous_commit): a test database need not survive a power cut.
    """

    def __init__(self):
        self.initdb, self.postgres = _pg_bin("initdb"), _pg_bin("postgres")
        if not (self.initdb and self.postgres):
            raise RuntimeError("PostgreSQL is not installed: run `make setup` (installs Debian's postgresql as root)")
        self.dir = Path(tempfile.mkdtemp(prefix="twin-pg-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.user = "twin"
        self.password = "twin-test"

    def _as_owner(self) -> dict:
        if os.geteuid() != 0:
            return {}
        entry = pwd.getpwnam("postgres")
        os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def start(self) -> "PostgresServer":
        owner = self._as_owner()
        pwfile = self.dir / "pw"
        pwfile.write_text(self.password)
        if owner:
            os.chown(pwfile, owner["user"], owner["group"])
        data = self.dir / "data"
        subprocess.run([self.initdb, "-D", str(data), "-U", self.user, "--pwfile", str(pwfile), "-A", "scram-sha-256",
                        "-E", "UTF8", "--no-locale", "--no-sync"], check=True, capture_output=True, stdin=subprocess.DEVNULL,
                       **owner)
        self.log = open(self.dir / "postgres.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [self.postgres, "-D", str(data), "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
             "-c", f"unix_socket_directories={self.dir}", "-c", "fsync=off", "-c", "synchronous_commit=off",
             "-c", "full_page_writes=off", "-c", "max_connections=200"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True, **owner,
        )
        wait_for_port(self.port, timeout_s=120, process=self.process)
        deadline = time.monotonic() + 120
        while True:  # listening is not ready: wait until it accepts a session ("starting up" until then)
            try:
                psycopg.connect(self.url().replace("postgres://", "postgresql://"), connect_timeout=5).close()
                return self
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def url(self, database: str = "postgres") -> str:
        return f"postgres://{self.user}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        name = f"twin_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(self.url().replace("postgres://", "postgresql://"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # fast shutdown
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)
