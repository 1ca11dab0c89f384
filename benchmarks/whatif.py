"""What-if latency: a Shanghai year started "as fast as possible" through the API on a warm embedded server.

Starts daphne in the embedded default (SQLite, in-process workers) on a free port with a throw-away database,
loads the demo user, takes an API token, runs one warm-up year, then times N runs from the ``POST /api/runs/``
call until the run reads ``succeeded`` with its KPIs (``GET /api/runs/<id>/kpis/``), polling every 20 ms. The
model's own build + run time of the same scenario is measured in a fresh process on the same machine. Prints
both, their ratio, and the server-side duration of each run from its record.

Target (issue "The planner's twin"): API → succeeded ≤ 2 × the model's build + run.

    .venv/bin/python benchmarks/whatif.py [--runs 3] [--scenario fixtures/scenarios/shanghai.json]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from _server import ROOT, embedded_server

PASSWORD = "bench-whatif-pw"
MODEL_TIMING = """
import json, sys, time
from agents import RegionModel, validate_scenario
doc = json.load(open(sys.argv[1], encoding="utf-8"))
scenario = validate_scenario(doc)
t0 = time.perf_counter()
model = RegionModel(scenario)
model.run()
model.kpis()
print(json.dumps({"build_run_kpis_s": time.perf_counter() - t0}))
"""


def call(base: str, method: str, path: str, token: str | None = None, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", f"Token {token}")
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read() or b"{}")


def model_seconds(scenario: Path, env: dict, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        out = subprocess.run([sys.executable, "-c", MODEL_TIMING, str(scenario)], cwd=ROOT, env=env, text=True,
                             capture_output=True, check=True, stdin=subprocess.DEVNULL)
        best = min(best, json.loads(out.stdout.strip().splitlines()[-1])["build_run_kpis_s"])
    return best


def timed_run(base: str, token: str, doc: dict) -> tuple[float, dict]:
    t0 = time.perf_counter()
    run = call(base, "POST", "/api/runs/", token, {"scenario": doc, "name": "what-if", "speed_steps_per_s": 0})
    while True:
        row = call(base, "GET", f"/api/runs/{run['id']}/", token)
        if row["status"] in ("succeeded", "failed", "cancelled"):
            break
        time.sleep(0.02)
    if row["status"] != "succeeded":
        raise SystemExit(f"run {run['id']} ended {row['status']}: {row.get('error')}")
    kpis = call(base, "GET", f"/api/runs/{run['id']}/kpis/", token)
    return time.perf_counter() - t0, {"row": row, "kpis": kpis}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scenario", default=str(ROOT / "fixtures" / "scenarios" / "shanghai.json"))
    args = parser.parse_args()
    scenario = Path(args.scenario)
    doc = json.loads(scenario.read_text(encoding="utf-8"))

    with embedded_server(PASSWORD, prefix="twin-whatif-") as (base, env):
        token = call(base, "POST", "/api/token/", body={"username": "demo", "password": PASSWORD})["token"]
        timed_run(base, token, doc)  # warm-up: imports, caches, the first SQLite pages
        api_s, rows = [], []
        for _ in range(args.runs):
            seconds, result = timed_run(base, token, doc)
            api_s.append(seconds)
            rows.append(result["row"])
    model_s = model_seconds(scenario, env, repeat=args.runs)

    best = min(api_s)
    print(f"scenario: {scenario.name}, {doc['horizon']['steps']} steps, {len(doc['actors'])} actors")
    print(f"model build + run + kpis (fresh process, best of {args.runs}): {model_s:.2f} s")
    print("API call → succeeded with KPIs (warm server): " + ", ".join(f"{s:.2f}" for s in api_s)
          + f" s (best {best:.2f} s)")
    print(f"ratio best / model: {best / model_s:.2f}×  (target ≤ 2×)")
    print("server-side duration (started → finished) of the timed runs: "
          + ", ".join(f"{row.get('duration_s') or 0:.2f}" for row in rows) + " s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
