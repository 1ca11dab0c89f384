"""Streaming benchmark: N WebSocket viewers (default 100) watch one distributed run live.

Starts a real redis-server, one Celery worker (prefork, queue ``simulations``) and daphne on free ports
(TWIN_MODE=distributed, throw-away SQLite database), creates a run of a demo scenario paced for live viewing,
connects the viewers with a logged-in session cookie, then starts the worker. Each viewer applies frames in
``seq`` order as a browser would; on a gap it reconnects with ``?last_seq=`` (replay) and otherwise takes the
snapshot it is sent. 10 % of the viewers (``--blip-pct``) drop their connection once for 1 s mid-run and
reconnect with ``last_seq``, so recovery is exercised, not just assumed. Prints:

- per-frame latency p50/p95/max = arrival at the viewer − the frame's ``sent_at`` (publish time stamped by
  ``web.streaming.publish``; same machine clock). Without ``sent_at`` it falls back to the arrival spread
  across viewers relative to the first arrival, and says so;
- frames received live; frames lost (not received live) and recovered by replay or snapshot; seq gaps seen on
  open connections; snapshots the server sent to re-sync;
- unrecovered gaps: steps of the run missing from a viewer's picture at the end (must be 0).

Targets (issue "Foundation", benchmark): p95 ≤ 250 ms, 0 unrecovered gaps. Exit 1 when the run fails or a
gap stays unrecovered; a missed latency target is reported, not fatal.

    .venv/bin/python benchmarks/stream.py [--viewers 100] [--steps 600] [--speed 30] [--blip-pct 10]
                                          [--scenario PATH]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # shared loopback helpers
from netports import free_port, wait_for_port  # noqa: E402

BIN = Path(sys.executable).parent
FINISHED = {"succeeded", "failed", "cancelled"}
DEFAULT_SCENARIOS = ("hohhot.json", "tianjin_wuqing.json", "_tiny.json")


# ---------------------------------------------------------------------------------------------- processes
class Processes:
    """Children started in their own sessions; ``stop_all`` ends each group it started (and only those)."""

    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.children: list[subprocess.Popen] = []

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.log_dir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop_all
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        process.log = log
        self.children.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.children):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
            process.log.close()


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=300, stdin=subprocess.DEVNULL)
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


CREATE_RUN = """
import json
from django.contrib.auth import get_user_model
from django.test import Client
from web import services
user, _ = get_user_model().objects.get_or_create(username="bench")
client = Client()
client.force_login(user)
data = json.loads(open({path!r}, encoding="utf-8").read())
data["horizon"]["steps"] = min(data["horizon"]["steps"], {steps})
run = services.run_create(user, data, None, "stream benchmark", speed={speed})
print(json.dumps({{"run_id": str(run.pk), "session": client.cookies["sessionid"].value,
                  "total_steps": data["horizon"]["steps"], "scenario": data.get("name", "")}}))
"""


# ---------------------------------------------------------------------------------------------- viewers
class Viewer:
    """One browser-like viewer: applies frames in seq order, repairs gaps by reconnecting with last_seq.

    ``blip_after``: drop the connection once after that many live frames, stay away ``blip_s`` seconds, then
    reconnect with ``?last_seq=`` (a network blip): the frames published meanwhile must come back by replay
    (or be covered by a snapshot).
    """

    def __init__(self, url: str, headers: dict, origin: str, total_steps: int, blip_after: int | None = None,
                 blip_s: float = 1.0):
        self.url, self.headers, self.origin = url, headers, origin
        self.blip_after, self.blip_s = blip_after, blip_s
        self.blips = 0
        self.covered = bytearray(total_steps)
        self.seq: int | None = None
        self.status = "queued"
        self.arrivals: list[tuple[int, float, float | None]] = []  # live frames: (seq, arrival, sent_at)
        self.snapshots = 0
        self.gaps = 0  # seq jumps seen on an open connection
        self.frames_lost = 0  # frames not received live (connection down, or dropped on the way)
        self.recovered_replay = 0
        self.recovered_snapshot = 0
        self.reconnects = 0
        self.connected_at = 0.0
        self._missing = 0  # frames known missing (from a seq jump) not yet recovered
        self._rejoining = False
        self.connected = asyncio.Event()

    def _mark(self, start: int, stop: int) -> None:
        self.covered[start:stop] = b"\x01" * (stop - start)

    def _apply(self, message: dict, arrival: float) -> bool:
        """Apply one message; returns False when a gap means we should reconnect with last_seq."""
        kind = message.get("type")
        if kind == "snapshot":
            self.snapshots += 1
            region = message.get("region") or {}
            self._mark(0, len(next(iter(region.values()))) if region else 0)
            jump = message["seq"] - (self.seq or 0)
            if (self._rejoining or self._missing) and jump > 0:  # a snapshot stands in for missed frames
                self.frames_lost += max(0, jump - self._missing)
                self.recovered_snapshot += jump
                self._missing = 0
            self.seq = message["seq"]
        elif kind == "frame":
            seq = message["seq"]
            if self.seq is not None and seq <= self.seq:
                return True
            if self.seq is not None and seq != self.seq + 1:
                self.gaps += 1
                self._missing += seq - self.seq - 1
                self.frames_lost += seq - self.seq - 1
                return False
            self._mark(message["step_from"], message["step_to"])
            self.seq = seq
            sent_at = message.get("sent_at")
            if sent_at is not None and sent_at < self.connected_at:  # published while away: a replay
                self.recovered_replay += 1
                if self._missing:
                    self._missing -= 1
                else:
                    self.frames_lost += 1
            else:
                self.arrivals.append((seq, arrival, sent_at))
        else:
            return True
        self._rejoining = False
        self.status = (message.get("run") or {}).get("status", self.status)
        return True

    async def watch(self) -> None:
        while self.status not in FINISHED:
            if self.reconnects > 100:
                raise RuntimeError(f"viewer gave up after {self.reconnects} reconnects at seq {self.seq}")
            url = self.url if self.seq is None else f"{self.url}?last_seq={self.seq}"
            blip = False
            async with connect(url, additional_headers=self.headers, origin=self.origin, proxy=None,
                               max_size=None, compression=None, open_timeout=60) as ws:
                self.connected_at = time.time()
                self.connected.set()
                async for raw in ws:
                    arrival = time.time()  # before parsing: the client's own work is not frame latency
                    if not self._apply(json.loads(raw), arrival) or self.status in FINISHED:
                        break
                    if self.blip_after is not None and len(self.arrivals) >= self.blip_after:
                        self.blip_after, blip = None, True
                        self.blips += 1
                        break
            if self.status not in FINISHED:
                self.reconnects += 1
                self._rejoining = True
                if blip:
                    await asyncio.sleep(self.blip_s)

    @property
    def missing_steps(self) -> int:
        return self.covered.count(0)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def latencies_ms(viewers: list[Viewer]) -> tuple[list[float], str]:
    stamped = [(arrival - sent) * 1000 for v in viewers for _, arrival, sent in v.arrivals if sent is not None]
    if stamped:
        return stamped, "arrival − sent_at (publish time on the worker)"
    first: dict[int, float] = {}
    for v in viewers:
        for seq, arrival, _ in v.arrivals:
            first[seq] = min(first.get(seq, arrival), arrival)
    spread = [(arrival - first[seq]) * 1000 for v in viewers for seq, arrival, _ in v.arrivals]
    return spread, "arrival spread across viewers relative to the first arrival (frames carry no sent_at)"


# ---------------------------------------------------------------------------------------------- main
async def watch_all(viewers: list[Viewer], start_worker, timeout_s: float) -> None:
    tasks = [asyncio.create_task(v.watch()) for v in viewers]
    await asyncio.wait_for(asyncio.gather(*(v.connected.wait() for v in viewers)), timeout=120)
    start_worker()
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=timeout_s)


def pick_scenario(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).resolve()
    for name in DEFAULT_SCENARIOS:
        path = ROOT / "fixtures" / "scenarios" / name
        if path.exists():
            return path
    raise SystemExit("no scenario fixture found in fixtures/scenarios/")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--steps", type=int, default=600, help="horizon steps (capped at the scenario's)")
    parser.add_argument("--speed", type=float, default=30.0, help="playback speed [steps/s]")
    parser.add_argument("--scenario", help="scenario JSON (default: a demo fixture)")
    parser.add_argument("--blip-pct", type=float, default=10.0,
                        help="share of viewers [%%] that drop their connection for 1 s once mid-run")
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not installed: run `make setup`")
    scenario = pick_scenario(args.scenario)

    with tempfile.TemporaryDirectory(prefix="twin-stream-") as tmp:
        tmp_path = Path(tmp)
        redis_port, web_port = free_port(), free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "twin.settings", "TWIN_MODE": "distributed", "DEBUG": "1",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "TWIN_VAR_DIR": str(tmp_path / "var"), "ALLOWED_HOSTS": "127.0.0.1,localhost", "LOG_LEVEL": "WARNING",
            # all viewers log in as one user: lift the per-user live-view quota (benchmarks/load.py tests quotas)
            "TWIN_QUOTA_WEBSOCKETS": str(max(args.viewers, 1) + 10),
        })
        procs = Processes(tmp_path)
        try:
            procs.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp_path)], env)
            wait_for_port(redis_port, timeout_s=30.0)
            manage(env, "migrate", "--noinput", "-v", "0")
            code = CREATE_RUN.format(path=str(scenario), steps=args.steps, speed=args.speed)
            created = json.loads(manage(env, "shell", "--no-imports", "-c", code).strip().splitlines()[-1])
            procs.start("daphne", [str(BIN / "daphne"), "-b", "127.0.0.1", "-p", str(web_port),
                                   "twin.asgi:application"], env)
            wait_for_port(web_port, timeout_s=30.0)

            def start_worker():
                procs.start("worker", [str(BIN / "celery"), "-A", "twin", "worker", "-Q", "simulations", "-c", "1",
                                       "--pool", "prefork", "--without-mingle", "--without-gossip",
                                       "--loglevel", "WARNING"], env)

            url = f"ws://127.0.0.1:{web_port}/ws/runs/{created['run_id']}/"
            headers = {"Cookie": f"sessionid={created['session']}"}
            every = round(100 / args.blip_pct) if args.blip_pct > 0 else 0
            viewers = [Viewer(url, headers, f"http://127.0.0.1:{web_port}", created["total_steps"],
                              blip_after=(10 + i % 20) if every and i % every == every // 2 else None)
                       for i in range(args.viewers)]
            print(f"scenario {scenario.name} ({created['scenario']}): {created['total_steps']} steps at "
                  f"{args.speed:g} steps/s, {args.viewers} viewers", flush=True)
            started = time.perf_counter()
            timeout_s = 120 + 3 * created["total_steps"] / max(args.speed, 1.0)
            asyncio.run(watch_all(viewers, start_worker, timeout_s))
            wall_s = time.perf_counter() - started
        except BaseException:
            for log in sorted(tmp_path.glob("*.log")):
                print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            raise
        finally:
            procs.stop_all()

    values, method = latencies_ms(viewers)
    frames = sum(len(v.arrivals) for v in viewers)
    statuses = {v.status for v in viewers}
    unrecovered = sum(v.missing_steps for v in viewers)
    p50, p95 = percentile(values, 50), percentile(values, 95)
    print(f"run status seen by viewers: {', '.join(sorted(statuses))}; wall {wall_s:.1f} s; "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (other processes skew latency)")
    print(f"frames received live: {frames} ({frames / max(len(viewers), 1):.1f} per viewer)")
    print(f"latency [{method}]:")
    print(f"  p50 {p50:.1f} ms   p95 {p95:.1f} ms   max {max(values, default=float('nan')):.1f} ms"
          f"   target p95 <= 250 ms: {'met' if p95 <= 250 else 'MISSED'}")
    lost = sum(v.frames_lost for v in viewers)
    by_replay, by_snapshot = sum(v.recovered_replay for v in viewers), sum(v.recovered_snapshot for v in viewers)
    print(f"viewers that dropped their connection once for {viewers[0].blip_s:g} s: "
          f"{sum(v.blips for v in viewers)}; reconnects in all: {sum(v.reconnects for v in viewers)}")
    print(f"frames lost (not received live): {lost}; recovered: {by_replay} by last_seq replay, {by_snapshot} by "
          f"snapshot; seq gaps seen on open connections: {sum(v.gaps for v in viewers)}; snapshots after the "
          f"first (server re-syncs): {sum(v.snapshots - 1 for v in viewers)}")
    print(f"unrecovered gaps (steps missing from a viewer's picture): {unrecovered}   target 0: "
          f"{'met' if unrecovered == 0 else 'MISSED'}")
    return 0 if statuses == {"succeeded"} and unrecovered == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
