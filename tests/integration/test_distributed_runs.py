"""The distributed path for real: redis-server + Celery worker processes + the shared database.

(1) a run completes; (2) its worker is SIGKILLed mid-run and a new worker resumes it from the checkpoint,
ending bit-identical to an uninterrupted in-process run; (3) redis-server dies and comes back mid-run and
the run still completes; (4) a run longer than a task's wall-time slice is checkpointed and re-enqueued
between slices and still ends bit-identical; (5) with Celery beat running, the periodic reaper (not the test)
re-queues a dead worker's run.
"""
import json
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from agents import RegionModel, kpis_with_contracts, validate_scenario

TINY_SCENARIO = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "_tiny.json"
pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def scenario_file(tmp_path, steps: int):
    """The tiny test scenario stretched to ``steps`` steps (so the test can act while it runs)."""
    data = json.loads(TINY_SCENARIO.read_text(encoding="utf-8"))
    data["horizon"]["steps"] = steps
    path = tmp_path / f"tiny_{steps}.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def uninterrupted_kpis_and_series(row: dict):
    """KPIs (with the contracts' results against their counterfactual, as the worker stores them) and series of
    the same scenario snapshot and seed, stepped in this process in one go."""
    scenario = validate_scenario(json.loads(row["scenario_snapshot"]))
    model = RegionModel(scenario, seed=row["seed"])
    model.run()
    return kpis_with_contracts(model), model.series_table()


def assert_same_results_as_uninterrupted_run(row: dict) -> None:
    kpis, series = uninterrupted_kpis_and_series(row)
    # The run stores JSON (non-finite floats as null): compare through the same JSON round trip. Values, not
    # text: PostgreSQL's jsonb stores numbers as numeric, which has no negative zero (-0.0 comes back 0.0).
    assert json.loads(row["kpis"]) == json.loads(json.dumps(kpis).replace("NaN", "null"))
    stored = pq.read_table(row["series_path"])
    assert stored.column_names == series.column_names
    assert stored.equals(series), "series.parquet differs from an uninterrupted run"


def last_seq(stack, run_id: str) -> int:
    """Last frame sequence number in the Redis frame store (read by a distributed-mode process)."""
    return stack.python(
        f"import json\nfrom web.streaming import frame_store\nprint(json.dumps(frame_store().last_seq({run_id!r})))"
    )


def test_a_run_completes_on_a_celery_worker(stack, tmp_path):
    run_id = stack.create_run(scenario_file(tmp_path, 48), seed=7)
    assert stack.run_row(run_id)["status"] == "queued"
    stack.start_worker()

    row = stack.wait_finished(run_id, timeout_s=120)

    assert row["status"] == "succeeded", row["error"]
    assert row["step"] == row["total_steps"] == 48
    assert row["worker"] == "" and row["checkpoint"] is None
    assert row["attempts"] == 0
    assert json.loads(row["kpis"])["region"]
    assert last_seq(stack, run_id) >= 1, "the worker published no frame to the Redis frame store"
    assert_same_results_as_uninterrupted_run(row)


def test_a_killed_worker_is_replaced_and_the_resumed_run_is_bit_identical(stack, tmp_path):
    run_id = stack.create_run(scenario_file(tmp_path, 120), seed=11, speed_steps_per_s=20)
    first = stack.start_worker()
    stack.wait_for(
        run_id, lambda r: r["status"] == "running" and 5 <= r["checkpoint_step"] < r["step"] < r["total_steps"] - 20,
        timeout_s=60, what="the run to pass its first checkpoint",
    )

    stack.kill(first)  # SIGKILL the worker and its pool child: no ack, no cleanup, heartbeat stops
    killed = stack.run_row(run_id)
    assert killed["status"] == "running" and killed["step"] < killed["total_steps"]
    assert killed["checkpoint"] is not None
    stack.start_worker()

    deadline = time.monotonic() + 30
    reaped = {"requeued": []}
    while run_id not in reaped["requeued"]:
        assert time.monotonic() < deadline, "the reaper never re-queued the run with a stale heartbeat"
        time.sleep(0.5)
        reaped = stack.reap_stale()
    steps_seen = []  # a resumed run restarts at its checkpoint, never at step 0
    row = stack.wait_for(run_id, lambda r: steps_seen.append(r["step"]) or r["status"] in ("succeeded", "failed"),
                         timeout_s=120, what="the resumed run to finish")

    assert min(steps_seen) >= killed["checkpoint_step"], f"restarted from scratch: steps {steps_seen[:20]}"
    assert row["status"] == "succeeded", row["error"]
    assert row["attempts"] == 1
    assert row["step"] == row["total_steps"] == 120
    assert_same_results_as_uninterrupted_run(row)


def live_snapshot_holes(stack, run_id: str) -> dict:
    """Status, step and the number of missing region values in the snapshot a late joiner gets right now."""
    return stack.python(
        "import json\nfrom web.models import Run\nfrom web.selectors import run_snapshot\n"
        f"s = run_snapshot(Run.objects.get(pk={run_id!r}))\n"
        "values = s['region'].get('load_mw', [])\n"
        "print(json.dumps({'status': s['run']['status'], 'steps': len(values),"
        " 'holes': sum(v is None for v in values)}))"
    )


def test_a_run_survives_a_redis_restart(stack, tmp_path):
    run_id = stack.create_run(scenario_file(tmp_path, 240), seed=3, speed_steps_per_s=20)
    stack.start_worker()
    stack.start_beat()  # the periodic reaper, as in production
    # (up to step 150 of 240: at 20 steps/s a window ending at step 60 lasted ~2.5 s and could pass unseen)
    stack.wait_for(run_id, lambda r: 10 <= r["step"] < 150, timeout_s=60, what="mid-run")

    stack.redis.stop()  # SIGKILL: queues, frame buffers and unacked messages are gone
    time.sleep(2.0)
    stack.redis.start()  # same port, empty

    # A viewer joining after the restart still gets the whole run so far: the worker re-sends the region
    # series from step 0 when it notices the store lost its data.
    restarted_at = stack.run_row(run_id)["step"]
    stack.wait_for(run_id, lambda r: r["step"] >= restarted_at + 20, timeout_s=60, what="steps after the restart")
    joined = live_snapshot_holes(stack, run_id)
    if joined["status"] == "running":
        assert joined["steps"] > restarted_at and joined["holes"] == 0, joined

    row = stack.wait_finished(run_id, timeout_s=180)
    assert row["status"] == "succeeded", row["error"]
    assert row["step"] == row["total_steps"] == 240
    assert_same_results_as_uninterrupted_run(row)
    assert last_seq(stack, run_id) >= 1, "nothing was streamed to the restarted Redis"

    after = stack.create_run(scenario_file(tmp_path, 24), seed=4)  # the broker works again for new runs
    assert stack.wait_finished(after, timeout_s=120)["status"] == "succeeded"


def test_a_long_run_is_executed_in_slices_and_stays_bit_identical(stack, tmp_path):
    stack.env["TWIN_TASK_SLICE_S"] = "4"  # each task steps ~4 s, checkpoints and re-enqueues the run
    run_id = stack.create_run(scenario_file(tmp_path, 60), seed=5, speed_steps_per_s=6)
    stack.start_worker()

    row = stack.wait_finished(run_id, timeout_s=120)

    assert row["status"] == "succeeded", row["error"]
    assert row["step"] == row["total_steps"] == 60
    worker_log = (tmp_path / "worker1.log").read_text()
    assert worker_log.count("'requeued'") >= 2, "expected at least two slices ending in a re-enqueue"
    assert_same_results_as_uninterrupted_run(row)


def test_celery_beat_reaps_a_dead_workers_run_and_another_worker_finishes_it(stack, tmp_path):
    # 120 steps: ~4.7 s between the first checkpoint and 20 steps before the end to see it and kill the worker
    # (80 steps left ~2.7 s, which a loaded machine could miss)
    run_id = stack.create_run(scenario_file(tmp_path, 120), seed=13, speed_steps_per_s=20)
    first = stack.start_worker()
    stack.start_beat()  # schedules web.tasks.run_reap_stale_task, routed to the `simulations` queue
    stack.wait_for(
        run_id, lambda r: r["status"] == "running" and 5 <= r["checkpoint_step"] < r["step"] < r["total_steps"] - 20,
        timeout_s=60, what="the run to pass its first checkpoint",
    )
    stack.kill(first)
    second = stack.start_worker()  # consumes both the reaper task and the re-queued run

    row = stack.wait_finished(run_id, timeout_s=120)

    assert row["status"] == "succeeded", row["error"]
    assert row["attempts"] == 1
    second_log = (tmp_path / "worker2.log").read_text()
    assert "run_reap_stale_task" in second_log and run_id in second_log, "beat's reaper never ran on a worker"
    assert second.poll() is None
    assert_same_results_as_uninterrupted_run(row)
