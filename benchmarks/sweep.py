"""Sweep benchmark: a 100-run sweep on 2 Celery worker processes against 1 — the speed-up (target ≥ 1.8×).

Starts a real redis-server and a real PostgreSQL server (initdb in a temp dir) on loopback ports, then for
1 and for 2 workers (prefork, one child each, queue ``simulations``, niceness 0 so the figure measures the
workers, not the scheduler): creates one sweep of ``--points`` carbon prices × ``--seeds`` seeds of the tiny
fixture (without its heat contract, so no counterfactual runs) stretched to ``--steps`` 15-minute steps (``web.sweep_services.sweep_create``, sent as a Celery group),
and times it from the sweep's ``created_at`` to its ``finished_at`` (both written by the database side).
Each configuration runs ``--repeat`` sweeps (alternating 1, 2, 1, 2 workers, so a drift in the machine's load
hits both); the best wall time of each gives the speed-up. Prints every wall time, runs/s, the speed-up and the load average of the machine before and after (the target
assumes two idle cores). Exit 1 when a run failed or the sweep did not complete; a missed speed-up target is
reported, not fatal (the machine is shared).

    .venv/bin/python benchmarks/sweep.py [--points 10] [--seeds 10] [--steps 1500] [--repeat 2]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # shared loopback helpers and the PostgreSQL server
sys.path.insert(0, str(ROOT / "benchmarks"))
from netports import free_port, wait_for_port  # noqa: E402
from pgserver import PostgresServer  # noqa: E402
from stream import Processes, manage  # noqa: E402

BIN = Path(sys.executable).parent
TARGET = 1.8

CREATE_SWEEP = """
import json
from django.contrib.auth import get_user_model
from web import sweep_services
user, _ = get_user_model().objects.get_or_create(username="bench{workers}")
data = json.loads(open({path!r}, encoding="utf-8").read())
sweep = sweep_services.sweep_create(user, data, params=[{{"path": "markets.carbon_price_cny_per_t",
    "values": [float(10 * i) for i in range({points})]}}], seeds=list(range(1, {seeds} + 1)),
    kpis=["region.system_cost_cny", "region.co2_t"])
print(json.dumps(str(sweep.pk)))
"""


def wait_ready(log: Path, process, timeout_s: float = 90) -> None:
    deadline = time.monotonic() + timeout_s
    while b" ready." not in log.read_bytes():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker not ready:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.1)


def run_sweep(env: dict, procs: Processes, tmp_path: Path, scenario: Path, workers: int, args) -> dict:
    started = [procs.start(f"w{workers}-{i}", [str(BIN / "celery"), "-A", "twin", "worker", "-Q", "simulations",
                                                "-c", "1", "--pool", "prefork", "-n", f"bench{workers}-{i}@%h",
                                                "--without-mingle", "--without-gossip", "--loglevel", "INFO"], env)
               for i in range(workers)]
    for i, process in enumerate(started):
        wait_ready(tmp_path / f"w{workers}-{i}.log", process)
    load_before = os.getloadavg()
    code = CREATE_SWEEP.format(workers=workers, path=str(scenario), points=args.points, seeds=args.seeds)
    sweep_id = json.loads(manage(env, "shell", "--no-imports", "-c", code).strip().splitlines()[-1])
    url = env["DATABASE_URL"].replace("postgres://", "postgresql://")
    deadline = time.monotonic() + args.timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while True:
            status, created, finished = conn.execute(
                "SELECT status, created_at, finished_at FROM web_sweep WHERE id = %s", (sweep_id,)).fetchone()
            if status in ("succeeded", "failed", "cancelled"):
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"the {workers}-worker sweep did not finish in {args.timeout} s")
            time.sleep(0.1)
        counts = dict(conn.execute("SELECT status, count(*) FROM web_sweeppoint WHERE sweep_id = %s GROUP BY status",
                                   (sweep_id,)).fetchall())
        compute = conn.execute("SELECT sum(compute_s) FROM web_sweeppoint WHERE sweep_id = %s",
                               (sweep_id,)).fetchone()[0] or 0.0
    for process in started:  # stop this configuration's workers before the next one starts
        procs.children.remove(process)
        os.killpg(process.pid, 15)
        process.wait(timeout=30)
        process.log.close()
    wall = (finished - created).total_seconds()
    return {"workers": workers, "status": status, "counts": counts, "wall_s": wall, "compute_s": float(compute),
            "load_before": load_before, "load_after": os.getloadavg()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=10, help="carbon prices (grid points)")
    parser.add_argument("--seeds", type=int, default=10, help="seeds per point")
    parser.add_argument("--steps", type=int, default=1500, help="15-minute steps of each run")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--repeat", type=int, default=2,
                        help="sweeps per worker count, alternating 1, 2, 1, 2 …; the best wall time of each counts")
    args = parser.parse_args(argv)
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not installed: run `make setup`")
    data = json.loads((ROOT / "fixtures" / "scenarios" / "_tiny.json").read_text())
    data["horizon"].update(steps=args.steps, dt_h=0.25)
    # no contract: a contract adds its counterfactual run to every point, and the figure is about 100 model runs
    data["contracts"] = []
    for actor in data["actors"]:
        actor.pop("heat_recovery", None)

    postgres = PostgresServer().start()
    with tempfile.TemporaryDirectory(prefix="twin-sweep-bench-") as tmp:
        tmp_path = Path(tmp)
        scenario = tmp_path / "scenario.json"
        scenario.write_text(json.dumps(data), encoding="utf-8")
        redis_port = free_port()
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
        env.update({
            "DJANGO_SETTINGS_MODULE": "twin.settings", "TWIN_MODE": "distributed", "DEBUG": "0",
            "SECRET_KEY": "sweep-benchmark-" + "x" * 40, "SECURE_SSL_REDIRECT": "0",
            "REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
            "DATABASE_URL": postgres.url(postgres.create_database()),
            "TWIN_VAR_DIR": str(tmp_path / "var"), "LOG_LEVEL": "WARNING", "TWIN_WORKER_NICE": "0",
        })
        procs = Processes(tmp_path)
        results = []
        try:
            procs.start("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", str(tmp_path)], env)
            wait_for_port(redis_port, timeout_s=30.0)
            manage(env, "migrate", "--noinput", "-v", "0")
            runs = args.points * args.seeds
            print(f"sweep of {runs} runs ({args.points} points × {args.seeds} seeds), tiny fixture with "
                  f"{args.steps} steps of 15 min; Celery workers (prefork, 1 child each); PostgreSQL + redis; "
                  f"{os.cpu_count()} CPUs", flush=True)
            for workers in (1, 2) * args.repeat:
                r = run_sweep(env, procs, tmp_path, scenario, workers, args)
                results.append(r)
                print(f"  {workers} worker{'s' if workers > 1 else ' '}: {r['wall_s']:7.2f} s wall, "
                      f"{runs / r['wall_s']:6.2f} runs/s, {r['compute_s']:7.2f} s stepping, {r['status']} "
                      f"{r['counts']}, load average {r['load_before'][0]:.2f} → {r['load_after'][0]:.2f}",
                      flush=True)
        except BaseException:
            for log in sorted(tmp_path.glob("*.log")):
                print(f"--- {log.name} ---\n{log.read_text(errors='replace')[-3000:]}", file=sys.stderr)
            raise
        finally:
            procs.stop_all()
            postgres.stop()
    one, two = (min(r["wall_s"] for r in results if r["workers"] == n) for n in (1, 2))
    speedup = one / two
    print(f"speed-up 2 workers / 1 worker, best of {args.repeat} each ({one:.2f} s / {two:.2f} s): {speedup:.2f}× "
          f"(target ≥ {TARGET}×: "
          f"{'met' if speedup >= TARGET else 'MISSED — see the load average: the machine is shared'})")
    ok = all(r["status"] == "succeeded" and r["counts"].get("succeeded") == runs for r in results)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
