"""Decision points on a real Celery worker: the run waits at the day's start, the owner's decisions are submitted,
the worker is SIGKILLed after the decision, a new worker resumes it from the checkpoint, and the run ends
bit-identical to an in-process run given the same decisions up front (the CLI's replay)."""
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from agents import RegionModel, kpis_with_contracts, validate_scenario

TINY_SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "_tiny.json"
pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
DECISION = {"actor_id": "bess", "parameter": "degradation_cost_cny_per_mwh", "value": 5000.0}
# one of each run-time kind: the battery's schedule, the data center's workload strategy, the aggregator's DR bid
DECISIONS = [DECISION, {"actor_id": "dc_hohhot", "parameter": "kind", "value": "price_following"},
             {"actor_id": "vpp", "parameter": "commitment_mw.0", "value": 6.0}]


def _scenario_file(tmp_path):
    data = json.loads(TINY_SCENARIO.read_text(encoding="utf-8"))
    data["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                           "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0},
                           "strategy": {"kind": "arbitrage"}})
    data["horizon"]["steps"] = 72
    data["decision_points"] = {"events": ["day_start"]}
    data["actors"][1]["strategy"] = {"kind": "carbon_aware", "flex": {"deferrable_pu": 0.5, "deadline_h": 12.0}}
    data["demand_response"] = {  # an event called every day for the next (price threshold 0)
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 0.0, "max_duration_h": 3.0,
                      "baseline_method": "same_day_3_plus_2", "penalty_cny_per_mwh_short": 500.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [2.0]}]}
    path = tmp_path / "decide.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _submit(stack, run_id: str, decisions: list, speed_steps_per_s: float) -> str:
    """Set the run's playback speed for what follows, then submit the owner's decisions."""
    return stack.python(f"""
import json
from web import services
from web.models import Run
services.run_control(Run.objects.get(pk={run_id!r}), "speed", speed={speed_steps_per_s!r})
run = Run.objects.get(pk={run_id!r})
print(json.dumps(services.run_submit_decisions(run, run.owner, {decisions!r}).status))
""")


def test_decisions_on_a_celery_worker_survive_a_kill_and_replay_bit_identically(stack, tmp_path):
    run_id = stack.create_run(_scenario_file(tmp_path), seed=5, speed_steps_per_s=8)
    first = stack.start_worker()
    row = stack.wait_for(run_id, lambda r: r["status"] == "waiting", timeout_s=60, what="the first decision point")
    assert row["step"] == 24 and row["worker"] == ""
    # 3 steps/s from here: ≈ 6 s between steps 30 and 48 to see it there and kill its worker (at 8 steps/s the
    # ≈ 2 s window could pass unseen on a loaded machine, and the run then waited at step 48 with no worker to kill)
    assert _submit(stack, run_id, DECISIONS, speed_steps_per_s=3.0) == "queued"
    stack.wait_for(run_id, lambda r: r["status"] == "running" and 30 <= r["step"] < 48, timeout_s=60,
                   what="the run to continue past its decision")
    stack.kill(first)
    stack.start_worker()
    deadline = time.monotonic() + 30
    while run_id not in stack.reap_stale()["requeued"]:
        assert time.monotonic() < deadline, "the reaper never re-queued the run"
        time.sleep(0.5)
    row = stack.wait_for(run_id, lambda r: r["status"] == "waiting" and r["step"] == 48, timeout_s=120,
                         what="the second decision point")
    assert _submit(stack, run_id, [], speed_steps_per_s=0.0) == "queued"  # the last day as fast as possible
    row = stack.wait_finished(run_id, timeout_s=120)
    assert row["status"] == "succeeded", row["error"]
    assert json.loads(row["decisions"]) == [{**d, "step": 24} for d in DECISIONS]

    model = RegionModel(validate_scenario(json.loads(row["scenario_snapshot"])), seed=row["seed"])
    model.apply_decisions(json.loads(row["decisions"]))
    model.run()
    # what the worker writes: the KPIs with the contract against its counterfactual (agents.contract_eval)
    assert json.loads(row["kpis"]) == json.loads(json.dumps(kpis_with_contracts(model)).replace("NaN", "null"))
    assert pq.read_table(row["series_path"]).equals(model.series_table())
