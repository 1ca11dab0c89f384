"""Load benchmark of a shared server: 20 users at once create runs and open live viewers for 60 s.

Starts the distributed stack on loopback ports: a real redis-server, a real PostgreSQL server (initdb in a temp
dir), two Celery workers (prefork, one child each, queue ``simulations``), Celery beat and daphne. Each user
(API token + session cookie) at t = 0 creates a run through the API and opens a viewer (WebSocket) on it, then
until the end keeps creating runs (a 429 when a quota is reached is the expected answer), opening viewers on
its runs, and reading pages (``/runs/``, ``/scenarios/``, a run page) and the API (``/api/runs/``).

Prints accepted, throttled (429) and failed requests (5xx, connection errors, other 4xx), p95 latency of the
pages and of the API, the peak resident memory of a worker child, and every user's first run's wait
(started_at − created_at). Targets (issue 15): 0 failures, 0 5xx, page p95 ≤ 300 ms, no user's first run
waiting more than one slice behind another's (every first run starts before any user's second run started
more than ``TWIN_TASK_SLICE_S`` earlier). Exit 1 on a failure or a 5xx; missed latency/fairness targets are
reported, not fatal (the machine is shared).

    .venv/bin/python benchmarks/load.py [--users 20] [--seconds 60] [--steps 96] [--speed 0]
"""
from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import os
import random
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # shared loopback helpers and the PostgreSQL server
sys.path.insert(0, str(ROOT / "benchmarks"))
from netports import free_port, wait_for_port  # noqa: E402
from pgserver import PostgresServer  # noqa: E402
from stream import Processes, manage, percentile  # noqa: E402

BIN = Path(sys.executable).parent
SLICE_S = 10

# Sessions are written directly (as ``Client.force_login`` does, without its ``user_logged_in`` signal: django-axes
# would store the fake request's address "unknown", which PostgreSQL's inet column rejects).
CREATE_USERS = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from rest_framework.authtoken.models import Token
engine = import_module(settings.SESSION_ENGINE)
out = []
for i in range({users}):
    user, _ = get_user_model().objects.get_or_create(username=f"load{{i:02d}}")
    session = engine.SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    out.append({{"user": user.username, "token": Token.objects.get_or_create(user=user)[0].key,
                "session": session.session_key}})
print(json.dumps(out))
"""


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.accepted = self.throttled = self.failed = self.server_errors = 0
        self.failures: list[str] = []
        self.page_ms: list[float] = []
        self.api_ms: list[float] = []
        self.ws_opened = self.ws_refused = self.ws_failed = self.ws_unfinished = self.ws_finished = 0
        self.by_route: dict[str, list[float]] = {}

    def record(self, kind: str, status: int | None, ms: float, what: str) -> None:
        with self.lock:
            (self.page_ms if kind == "page" else self.api_ms).append(ms)
            method, path = what.split(" ")[:2]
            route = "/runs/<id>/" if path.startswith("/runs/") and len(path) > 10 else path.split("?")[0]
            self.by_route.setdefault(f"{method} {route}", []).append(ms)
            if status is not None and status < 400:
                self.accepted += 1
            elif status == 429:
                self.throttled += 1
            else:
                self.failed += 1
                if status is not None and status >= 500:
                    self.server_errors += 1
                if len(self.failures) < 10:
                    self.failures.append(f"{what} -> {status}")


class User:
    """One user's HTTP session (keep-alive connection) driven from its own thread."""

    def __init__(self, port: int, creds: dict, scenario: dict, stats: Stats, viewers):
        self.port, self.creds, self.scenario, self.stats, self.viewers = port, creds, scenario, stats, viewers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.runs: list[str] = []
        self.first_run: str | None = None

    def request(self, kind: str, method: str, path: str, body: dict | None = None):
        headers = {"Host": "127.0.0.1"}
        if kind == "api":
            headers["Authorization"] = f"Token {self.creds['token']}"
        else:
            headers["Cookie"] = f"sessionid={self.creds['session']}"
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t0 = time.perf_counter()
        try:
            self.conn.request(method, path, body=data, headers=headers)
            response = self.conn.getresponse()
            payload = response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            self.stats.record(kind, None, (time.perf_counter() - t0) * 1000, f"{method} {path} {exc!r}")
            return None, None
        self.stats.record(kind, status, (time.perf_counter() - t0) * 1000, f"{method} {path}")
        try:
            return status, json.loads(payload) if kind == "api" and payload else None
        except ValueError:
            return status, None

    def create_run(self) -> str | None:
        status, body = self.request("api", "POST", "/api/runs/", {"name": "load", "scenario": self.scenario,
                                                                   "seed": random.randrange(1000)})
        if status == 201:
            self.runs.append(body["id"])
            self.viewers.open(self.creds["session"], body["id"])
            return body["id"]
        return None

    def drive(self, until: float, rng: random.Random) -> None:
        self.first_run = self.create_run()
        while time.monotonic() < until:
            action = rng.random()
            if action < 0.25:
                self.create_run()
            elif action < 0.5:
                self.request("page", "GET", rng.choice(["/runs/", "/scenarios/"]))
            elif action < 0.65 and self.runs:
                self.request("page", "GET", f"/runs/{rng.choice(self.runs)}/")
            else:
                self.request("api", "GET", "/api/runs/?limit=20")
            time.sleep(rng.uniform(0.2, 0.8))


class Viewers:
    """Every user's WebSocket viewers on one asyncio loop in a thread: each reads until its run finishes."""

    def __init__(self, port: int, stats: Stats):
        self.port, self.stats = port, stats
        self.loop = asyncio.new_event_loop()
        self.tasks: list[asyncio.Future] = []
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def open(self, session: str, run_id: str) -> None:
        self.tasks.append(asyncio.run_coroutine_threadsafe(self.watch(session, run_id), self.loop))

    async def watch(self, session: str, run_id: str) -> None:
        url = f"ws://127.0.0.1:{self.port}/ws/runs/{run_id}/"
        try:
            async with connect(url, additional_headers={"Cookie": f"sessionid={session}"},
                               origin=f"http://127.0.0.1:{self.port}", max_size=None, open_timeout=30) as ws:
                with self.stats.lock:
                    self.stats.ws_opened += 1
                deadline = time.monotonic() + 120  # a queued run sends nothing until a worker takes it
                while True:
                    remaining = deadline - time.monotonic()
                    try:
                        message = json.loads(await asyncio.wait_for(ws.recv(), timeout=max(remaining, 0.1)))
                    except TimeoutError:
                        with self.stats.lock:
                            self.stats.ws_unfinished += 1
                        return
                    if message.get("type") == "error" and message.get("quota"):
                        with self.stats.lock:
                            self.stats.ws_refused += 1
                        return
                    status = (message.get("run") or {}).get("status")
                    if status in ("succeeded", "failed", "cancelled"):
                        with self.stats.lock:
                            self.stats.ws_finished += 1
                        return
        except Exception as exc:  # noqa: BLE001 - counted, reported
            with self.stats.lock:
                self.stats.ws_failed += 1
                if len(self.stats.failures) < 10:
                    self.stats.failures.append(f"ws {run_id}: {exc!r}")

    def wait(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        for task in self.tasks:
            try:
                task.result(timeout=max(0.1, deadline - time.monotonic()))
            except Exception:  # noqa: BLE001 - timeouts are reported as still open
                pass
        self.loop.call_soon_threadsafe(self.loop.stop)


def child_rss_bytes(pids: list[int]) -> int:
    """Largest resident memory of the pool children of the given Celery worker processes."""
    peak = 0
    for pid in pids:
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        for child in children:
            try:
                pages = int(Path(f"/proc/{child}/statm").read_text().split()[1])
            except (OSError, ValueError, IndexError):
                continue
            peak = max(peak, pages * os.sysconf("SC_PAGE_SIZE"))
    return peak


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--steps", type=int, default=96, help="steps of each run (the tiny fixture stretched)")
    parser.add_argument("--speed", type=float, default=0.0, help="playback speed of each run [steps/s], 0 = flat out")
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not installed: run `make setup`")
    scenario = json.loads((ROOT / "fixtures" / "scenarios" / "_tiny.json").read_text())
    scenario["horizon"]["steps"] = args.steps

    postgres = PostgresServer().start()
    with tempfile.TemporaryDirectory(prefix="twin-load-") as tmp:
        tmp_path = Path(tmp)
        redis_port, web_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "twin.settings", "TWIN_MODE": "distributed", "DEBUG": "0",
            "SECRET_KEY": "load-benchmark-" + "x" * 40, "SECURE_SSL_REDIRECT": "0",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "DATABASE_URL": postgres.url(postgres.create_database()),
            "TWIN_VAR_DIR": str(tmp_path / "var"), "STATIC_ROOT": str(tmp_path / "static"),
            "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING", "TWIN_TASK_SLICE_S": str(SLICE_S),
        })
        procs = Processes(tmp_path)
        stats = Stats()
        peak_rss = 0
        try:
            procs.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp_path)], env)
            wait_for_port(redis_port, timeout_s=30.0)
            manage(env, "migrate", "--noinput", "-v", "0")
            manage(env, "collectstatic", "--noinput", "-v", "0")
            creds = json.loads(manage(env, "shell", "--no-imports", "-c", CREATE_USERS.format(users=args.users))
                               .strip().splitlines()[-1])
            workers = [procs.start(f"worker{i}", [str(BIN / "celery"), "-A", "twin", "worker", "-Q", "simulations",
                                                  "-c", "1", "--pool", "prefork", "-n", f"load{i}@%h",
                                                  "--without-mingle", "--without-gossip", "--loglevel", "WARNING"],
                                   env) for i in (1, 2)]
            procs.start("beat", [str(BIN / "celery"), "-A", "twin", "beat", "--loglevel", "WARNING",
                                 "--schedule", str(tmp_path / "beat-schedule")], env)
            procs.start("daphne", [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(web_port),
                                   "twin.asgi:application"], env)
            wait_for_port(web_port, timeout_s=60.0)
            time.sleep(3)  # workers ready

            viewers = Viewers(web_port, stats)
            users = [User(web_port, c, scenario, stats, viewers) for c in creds]
            until = time.monotonic() + args.seconds
            threads = [threading.Thread(target=u.drive, args=(until, random.Random(i)), daemon=True)
                       for i, u in enumerate(users)]
            print(f"{args.users} users for {args.seconds:g} s; runs of {args.steps} steps at "
                  f"{args.speed or 'full'} speed; 2 Celery workers; slice {SLICE_S} s; PostgreSQL + redis", flush=True)
            for t in threads:
                t.start()
            while any(t.is_alive() for t in threads):
                peak_rss = max(peak_rss, child_rss_bytes([w.pid for w in workers]))
                time.sleep(0.5)
            viewers.wait(timeout_s=130)
            peak_rss = max(peak_rss, child_rss_bytes([w.pid for w in workers]))
            rows = json.loads(manage(env, "shell", "--no-imports", "-c", (
                "import json\nfrom web.models import Run\n"
                "print(json.dumps([[r.owner.username, str(r.pk), r.created_at.timestamp(), "
                "r.started_at.timestamp() if r.started_at else None, r.status] "
                "for r in Run.objects.select_related('owner').order_by('created_at')]))"
            )).strip().splitlines()[-1])
        except BaseException:
            for log in sorted(tmp_path.glob("*.log")):
                print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            raise
        finally:
            procs.stop_all()
            postgres.stop()

    by_user: dict[str, list] = {}
    for user, run_id, created, started, status in rows:
        by_user.setdefault(user, []).append((created, started, status, run_id))
    firsts = {u: runs[0] for u, runs in by_user.items()}
    seconds_started = [runs[1][1] for runs in by_user.values() if len(runs) > 1 and runs[1][1] is not None]
    behind = sum(1 for created, started, _, _ in firsts.values() for s2 in seconds_started
                 if (started or float("inf")) > s2 + SLICE_S)
    page_p95, api_p95 = percentile(stats.page_ms, 95), percentile(stats.api_ms, 95)
    total = stats.accepted + stats.throttled + stats.failed
    print(f"requests: {total}  accepted {stats.accepted}  throttled (429) {stats.throttled}  failed {stats.failed} "
          f"(5xx {stats.server_errors})   target 0 failures, 0 5xx: "
          f"{'met' if stats.failed == 0 else 'MISSED'}")
    for failure in stats.failures:
        print(f"  failure: {failure}")
    print(f"viewers: {stats.ws_opened} opened, {stats.ws_finished} saw their run finish, {stats.ws_unfinished} "
          f"still waiting after 120 s, {stats.ws_refused} refused by TWIN_QUOTA_WEBSOCKETS, {stats.ws_failed} failed "
          "(handshake or connection errors)")
    print(f"latency p95: pages {page_p95:.0f} ms ({len(stats.page_ms)} requests, target <= 300 ms: "
          f"{'met' if page_p95 <= 300 else 'MISSED'}), API {api_p95:.0f} ms ({len(stats.api_ms)} requests)")
    print("  p95 by route: " + ", ".join(f"{route} {percentile(ms, 95):.0f} ms"
                                         for route, ms in sorted(stats.by_route.items())))
    print(f"runs created: {len(rows)}; finished: {sum(r[4] in ('succeeded', 'failed', 'cancelled') for r in rows)}; "
          f"worker child memory peak: {peak_rss / 1e6:.0f} MB")
    waits = []
    for user in sorted(firsts):
        created, started, status, _ = firsts[user]
        wait = (started - created) if started else None
        waits.append(wait)
        print(f"  {user} first run wait: " + (f"{wait:6.1f} s" if wait is not None else "not started") + f" ({status})")
    started_waits = [w for w in waits if w is not None]
    print(f"first-run waits: min {min(started_waits, default=0):.1f} s, max {max(started_waits, default=0):.1f} s; "
          f"first runs started more than one slice ({SLICE_S} s) after another user's second run: {behind}   "
          f"target 0: {'met' if behind == 0 and len(started_waits) == len(waits) else 'MISSED'}; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0 if stats.failed == 0 and stats.server_errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
