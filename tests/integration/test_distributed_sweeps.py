"""Sweeps on real Celery worker processes (redis-server broker, PostgreSQL): a worker SIGKILLed mid-sweep loses
no point, and every (point, seed) row is completed exactly once, with the same KPIs as an in-process run."""
import json
import re
import time
from pathlib import Path

import pytest

from agents import RegionModel, kpis_with_contracts, validate_scenario

TINY_SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "_tiny.json"
CARBON = "markets.carbon_price_cny_per_t"
pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]


def create_sweep(stack, data: dict, params: list, seeds: list) -> str:
    path = stack.tmp_path / "sweep_scenario.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    code = f"""
import json
from django.contrib.auth import get_user_model
from web import sweep_services
user, _ = get_user_model().objects.get_or_create(username="integration")
data = json.loads(open({str(path)!r}, encoding="utf-8").read())
sweep = sweep_services.sweep_create(user, data, params={params!r}, seeds={seeds!r}, kpis=["region.system_cost_cny",
                                    "region.co2_t"])
print(json.dumps(str(sweep.pk)))
"""
    return stack.python(code)


def reap(stack) -> dict:
    return stack.python("import json\nfrom web import sweep_services\nprint(json.dumps(sweep_services.sweep_reap_stale()))")


def point_rows(stack, sweep_id: str) -> list[dict]:
    return stack.rows("SELECT * FROM web_sweeppoint WHERE sweep_id = %s ORDER BY point, seed", (sweep_id,))


def sweep_status(stack, sweep_id: str) -> str:
    return stack.rows("SELECT status FROM web_sweep WHERE id = %s", (sweep_id,))[0]["status"]


def parent_pid(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as f:
        return int(f.read().rsplit(")", 1)[1].split()[1])


def test_a_worker_killed_mid_sweep_loses_no_point_and_each_point_completes_once(stack):
    data = json.loads(TINY_SCENARIO.read_text(encoding="utf-8"))
    data["horizon"].update(steps=5000, dt_h=0.25)  # ~2 s a point (with its contract's counterfactual run)
    first, second = stack.start_worker(), stack.start_worker()
    sweep_id = create_sweep(stack, data, [{"path": CARBON, "values": [0, 60, 120]}], [1, 2, 3])
    assert len(point_rows(stack, sweep_id)) == 9

    # wait until both workers hold a point, then SIGKILL the first one (master and pool child) mid-point
    deadline = time.monotonic() + 90
    victim = None
    while victim is None:
        assert time.monotonic() < deadline, f"no point running on the first worker\n{stack.logs()}"
        for row in point_rows(stack, sweep_id):
            if row["status"] == "running" and row["worker"]:
                child = int(row["worker"].split(":")[1])
                try:
                    if parent_pid(child) == first.pid:
                        victim = row
                        break
                except FileNotFoundError:
                    pass
        if victim is None:
            time.sleep(0.05)
    stack.kill(first)  # at once: a pause here gave the point time to finish before the kill
    killed = next(r for r in point_rows(stack, sweep_id) if r["id"] == victim["id"])
    assert killed["status"] == "running" and killed["metrics"] is None, "the point finished before the kill"

    # the reaper (beat's job) re-queues the silent row and sends its task again; the other worker runs it
    deadline = time.monotonic() + 60
    requeued = []
    while victim["id"] not in requeued:
        assert time.monotonic() < deadline, f"the reaper never re-queued the killed point\n{stack.logs()}"
        time.sleep(0.5)
        requeued += reap(stack)["requeued"]
    deadline = time.monotonic() + 180
    while sweep_status(stack, sweep_id) not in ("succeeded", "failed", "cancelled"):
        assert time.monotonic() < deadline, f"the sweep did not complete\n{stack.logs()}"
        time.sleep(0.2)

    assert sweep_status(stack, sweep_id) == "succeeded"
    rows = point_rows(stack, sweep_id)
    assert len(rows) == 9 and {(r["point"], r["seed"]) for r in rows} == {(p, s) for p in range(3) for s in (1, 2, 3)}
    assert {r["status"] for r in rows} == {"succeeded"}, [(r["point"], r["seed"], r["error"]) for r in rows]
    assert all(r["worker"] == "" and r["metrics"]["region.system_cost_cny"] is not None for r in rows)
    redone = next(r for r in rows if r["id"] == victim["id"])
    assert redone["attempts"] == 1
    # exactly once: across both workers' logs, one task returned 'succeeded' per row (the killed worker's
    # task for the victim never did), and every other delivery found its row done or held
    logs = "".join(p.read_text(errors="replace") for p in sorted(stack.tmp_path.glob("worker*.log")))
    outcomes = re.findall(r"web\.tasks\.sweep_point_task\[[^\]]+\] succeeded in [0-9.]+s: '([a-z-]+)'", logs)
    assert outcomes.count("succeeded") == 9, outcomes
    assert set(outcomes) <= {"succeeded", "not-claimed"}
    # the re-run point has the KPIs of an uninterrupted in-process run of that point
    doc = validate_scenario(data).model_dump(mode="json")
    doc["markets"]["carbon_price_cny_per_t"] = redone["values"][CARBON]
    model = RegionModel(validate_scenario(doc), seed=redone["seed"])
    model.run()
    expected = json.loads(json.dumps(kpis_with_contracts(model)).replace("NaN", "null"))
    assert redone["kpis"] == expected
    assert redone["metrics"]["region.co2_t"] == expected["region"]["co2_t"]

    # manage.py sweep in distributed mode: the points go to the Celery worker, the command follows the database
    out = stack.manage("sweep", str(TINY_SCENARIO), "--param", f"{CARBON}=0,90", "--seeds", "1,2",
                       "--kpi", "region.system_cost_cny", "--user", "cli", "--timeout", "120")
    assert "Celery workers" not in out and "succeeded" in out.splitlines()[-1]
    cli = stack.rows("SELECT s.status, count(p.id) AS n FROM web_sweep s JOIN web_sweeppoint p ON p.sweep_id = s.id "
                     "JOIN auth_user u ON u.id = s.owner_id WHERE u.username = 'cli' GROUP BY s.status")
    assert cli == [{"status": "succeeded", "n": 4}]
    stack.stop(second)
