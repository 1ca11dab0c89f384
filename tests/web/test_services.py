"""Run pipeline write side: create, exclusive claim, stale reclaim, reaper, controls, failures, bit-identical resume."""
import json
import re
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from agents import RegionModel, checkpoint_dumps, validate_scenario
from web import services
from web.executor import enqueue_run
from web.models import Run
from web.streaming import frame_store

pytestmark = pytest.mark.django_db(transaction=True)


def direct_kpis(data: dict, seed: int) -> dict:
    """KPIs of the same scenario stepped in one go, outside the pipeline, as stored in JSON (with the contracts'
    results against their counterfactual, as the worker writes them)."""
    from agents import kpis_with_contracts

    model = RegionModel(validate_scenario(data), seed=seed)
    model.run()
    return json.loads(json.dumps(services._json_safe(kpis_with_contracts(model))))


def create_unqueued(owner, data, **kw) -> Run:
    """A queued run whose enqueue-after-commit is skipped, so the test drives execution itself."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return services.run_create(owner, data, **kw)


def live_step(run: Run) -> int:
    """Last step streamed to viewers (the database step is written only once per heartbeat)."""
    last = frame_store().state(run.pk).last_frame
    return last["run"]["step"] if last else 0


def age_heartbeat(run: Run, seconds: float = 3600) -> None:
    Run.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(seconds=seconds))


@pytest.fixture
def every_frame_kept(monkeypatch):
    """A finished run keeps all its frames (not only the last ``KEEP_AFTER_RELEASE``) for the test to read: how many
    frames a run makes depends on how long it takes (one per frame interval), so on a loaded machine a 48-step run
    made more than 20, and the frames from seq 1 were gone."""
    from web import streaming

    monkeypatch.setattr(streaming, "KEEP_AFTER_RELEASE", 10**6)


def test_run_create_snapshots_the_validated_scenario_and_records_versions(owner, tiny_data):
    run = create_unqueued(owner, tiny_data, seed=7, name="tiny run")
    run.refresh_from_db()
    assert run.status == Run.Status.QUEUED
    assert run.seed == 7
    assert run.scenario_name == "tiny run"
    assert validate_scenario(run.scenario_snapshot) == validate_scenario(tiny_data)
    assert run.total_steps == RegionModel(validate_scenario(tiny_data)).total_steps
    assert "mesa" in run.package_versions
    assert re.fullmatch(r"[0-9a-f]{40}", run.git_sha)


def test_run_create_without_seed_uses_the_scenario_seed(owner, tiny_data):
    run = create_unqueued(owner, tiny_data)
    assert run.seed == validate_scenario(tiny_data).seed


def test_invalid_scenario_raises_validation_error_with_field_paths(owner, tiny_data):
    bad = json.loads(json.dumps(tiny_data))
    bad["horizon"]["steps"] = -5
    with pytest.raises(ValidationError) as info:
        services.run_create(owner, bad)
    assert any("horizon" in key and "steps" in key for key in info.value.message_dict)
    assert not Run.objects.exists()


def test_run_is_enqueued_only_after_commit(owner, tiny_data, monkeypatch):
    enqueued = []
    monkeypatch.setattr(services, "_enqueue", enqueued.append)
    with transaction.atomic():
        run = services.run_create(owner, tiny_data)
        assert enqueued == []
    assert enqueued == [run.id]


def test_claim_is_exclusive(owner, tiny_data):
    run = create_unqueued(owner, tiny_data)
    results = {}
    barrier = threading.Barrier(4)

    def claim(name):
        barrier.wait()
        results[name] = services.run_claim(run.pk, name)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    winners = [name for name, won in results.items() if won]
    assert len(winners) == 1
    run.refresh_from_db()
    assert run.status == Run.Status.RUNNING and run.worker == winners[0]
    assert services.run_claim(run.pk, "late") is False


def test_stale_running_run_is_reclaimed_and_completes(owner, tiny_data):
    run = create_unqueued(owner, tiny_data, seed=3)
    assert services.run_claim(run.pk, "dead-worker")
    assert services.run_claim(run.pk, "second") is False  # fresh heartbeat: still owned
    age_heartbeat(run)
    assert services.run_execute(run.pk, "second") == "succeeded"
    run.refresh_from_db()
    assert run.attempts == 1
    assert run.kpis == direct_kpis(tiny_data, 3)


def test_run_execute_streams_every_step_and_writes_results(owner, tiny_data, every_frame_kept):
    run = create_unqueued(owner, tiny_data, seed=5, speed=0)
    assert services.run_execute(run.pk, "w1") == "succeeded"
    run.refresh_from_db()
    assert run.status == Run.Status.SUCCEEDED and run.step == run.total_steps
    assert run.kpis == direct_kpis(tiny_data, 5)
    assert Path(run.series_path).is_file()
    assert (Path(run.series_path).parent / "kpis.json").is_file()
    assert all(len(values) == run.total_steps for values in run.region_series.values())
    assert run.describe["total_steps"] == run.total_steps
    assert run.checkpoint is None and run.worker == ""
    frames = frame_store().frames_after(run.pk, 0)
    assert [f["seq"] for f in frames] == list(range(1, len(frames) + 1))
    covered = [(f["step_from"], f["step_to"]) for f in frames if f["step_to"] > f["step_from"]]
    assert covered[0][0] == 0 and covered[-1][1] == run.total_steps
    assert all(a[1] == b[0] for a, b in zip(covered, covered[1:], strict=False))
    assert frames[0]["run"]["status"] == "running" and frames[-1]["run"]["status"] == "succeeded"


def test_frames_are_batched_to_the_frame_interval(owner, tiny_data, settings, every_frame_kept):
    settings.TWIN_FRAME_INTERVAL_MS = 200
    run = create_unqueued(owner, tiny_data)
    services.run_execute(run.pk, "w1")
    run.refresh_from_db()
    frames = frame_store().frames_after(run.pk, 0)
    elapsed_s = (run.finished_at - run.started_at).total_seconds()
    assert len(frames) <= 2 + elapsed_s / 0.2 + 1


def test_reaper_requeues_a_stale_run_and_the_embedded_worker_finishes_it(owner, tiny_data, settings, drain_runs, wait_until):
    settings.TWIN_MAX_ATTEMPTS = 3
    run = create_unqueued(owner, tiny_data, seed=11)
    assert services.run_claim(run.pk, "dead-worker")
    age_heartbeat(run)
    result = services.run_reap_stale()
    assert result == {"requeued": [str(run.pk)], "failed": []}
    wait_until(lambda: Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED)
    run.refresh_from_db()
    assert run.attempts == 1
    assert run.kpis == direct_kpis(tiny_data, 11)


def test_reaper_fails_a_run_after_bounded_attempts_with_a_reason(owner, tiny_data, settings):
    settings.TWIN_MAX_ATTEMPTS = 2
    run = create_unqueued(owner, tiny_data)
    assert services.run_claim(run.pk, "dead-worker")
    Run.objects.filter(pk=run.pk).update(attempts=1)
    age_heartbeat(run, 120)
    assert services.run_reap_stale() == {"requeued": [], "failed": [str(run.pk)]}
    run.refresh_from_db()
    assert run.status == Run.Status.FAILED
    assert "stopped responding" in run.error and "2 attempts" in run.error
    assert frame_store().state(run.pk).last_frame["run"]["status"] == "failed"
    assert services.run_reap_stale() == {"requeued": [], "failed": []}


def test_fresh_running_runs_are_left_alone_by_the_reaper(owner, tiny_data):
    run = create_unqueued(owner, tiny_data)
    assert services.run_claim(run.pk, "alive")
    assert services.run_reap_stale() == {"requeued": [], "failed": []}


def test_pause_resume_and_cancel_a_live_run(owner, tiny_data, drain_runs, wait_until):
    total = RegionModel(validate_scenario(tiny_data)).total_steps
    run = create_unqueued(owner, tiny_data, speed=total / 2.0)  # ~2 s for the whole run
    enqueue_run(run.pk)
    wait_until(lambda: live_step(run) > 0)
    services.run_control(run, "pause")
    wait_until(lambda: Run.objects.get(pk=run.pk).status == Run.Status.PAUSED)
    run.refresh_from_db()
    paused_at = run.step
    assert 0 < paused_at < total and run.checkpoint_step == paused_at and run.checkpoint
    assert len(run.region_series["load_mw"]) == paused_at
    assert frame_store().state(run.pk).last_frame["run"]["status"] == "paused"
    with pytest.raises(services.RunStateError):
        services.run_control(run, "pause")
    services.run_control(run, "resume")
    wait_until(lambda: live_step(run) > paused_at)
    services.run_control(run, "cancel")
    wait_until(lambda: Run.objects.get(pk=run.pk).status == Run.Status.CANCELLED)
    run.refresh_from_db()
    assert run.step < total and run.finished_at is not None and run.checkpoint is None
    assert len(run.region_series["load_mw"]) == run.step  # the series so far stays viewable
    with pytest.raises(services.RunStateError):
        services.run_control(run, "resume")


def test_speed_change_is_read_by_the_worker(owner, tiny_data, drain_runs, wait_until):
    total = RegionModel(validate_scenario(tiny_data)).total_steps
    run = create_unqueued(owner, tiny_data, speed=total / 600.0)  # would take ~10 min
    enqueue_run(run.pk)
    wait_until(lambda: live_step(run) > 0)
    services.run_control(run, "speed", speed=0)
    # (a ~20-s run and a 10-s bound left a loaded machine only 10 s to tell "read" from "ignored")
    wait_until(lambda: Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED, timeout_s=60)


def test_cancel_and_pause_of_a_queued_run_need_no_worker(owner, tiny_data):
    first = create_unqueued(owner, tiny_data)
    services.run_control(first, "cancel")
    assert Run.objects.get(pk=first.pk).status == Run.Status.CANCELLED
    second = create_unqueued(owner, tiny_data)
    services.run_control(second, "pause")
    assert Run.objects.get(pk=second.pk).status == Run.Status.PAUSED
    with pytest.raises(ValidationError):
        services.run_control(second, "explode")


def test_model_exception_fails_the_run_and_the_worker_keeps_serving(owner, tiny_data, drain_runs, wait_until):
    broken = create_unqueued(owner, tiny_data)
    Run.objects.filter(pk=broken.pk).update(checkpoint=b"not an npz checkpoint")
    healthy = create_unqueued(owner, tiny_data, seed=2)
    enqueue_run(broken.pk)
    enqueue_run(healthy.pk)
    wait_until(lambda: Run.objects.get(pk=broken.pk).status == Run.Status.FAILED)
    wait_until(lambda: Run.objects.get(pk=healthy.pk).status == Run.Status.SUCCEEDED)
    broken.refresh_from_db()
    assert broken.error
    assert frame_store().state(broken.pk).last_frame["run"]["error"] == broken.error
    # The same thread/worker name serves the next run after a failure.
    again = create_unqueued(owner, tiny_data, seed=2)
    assert services.run_execute(again.pk, "w-after-failure") == "succeeded"
    assert Run.objects.get(pk=again.pk).kpis == Run.objects.get(pk=healthy.pk).kpis


def _results(run: Run) -> tuple:
    run.refresh_from_db()
    return run.kpis, run.region_series, Path(run.series_path).read_bytes()


def test_run_resumed_from_a_dead_workers_checkpoint_equals_an_uninterrupted_run(owner, tiny_data):
    straight = create_unqueued(owner, tiny_data, seed=9)
    assert services.run_execute(straight.pk, "w1") == "succeeded"

    resumed = create_unqueued(owner, tiny_data, seed=9)
    assert services.run_claim(resumed.pk, "dies-mid-run")
    model = RegionModel(validate_scenario(resumed.scenario_snapshot), seed=9)
    model.run(steps=max(model.total_steps // 3, 1))
    step_at_death = model.step_index
    Run.objects.filter(pk=resumed.pk).update(checkpoint=checkpoint_dumps(model), checkpoint_step=step_at_death)
    model.run(steps=1)  # the dead worker got further than its last checkpoint
    age_heartbeat(resumed)
    assert services.run_execute(resumed.pk, "w2") == "succeeded"
    assert _results(resumed) == _results(straight)


def test_run_executed_in_wall_time_slices_equals_an_uninterrupted_run(owner, tiny_data, settings, drain_runs, wait_until,
                                                                     every_frame_kept):
    straight = create_unqueued(owner, tiny_data, seed=4)
    assert services.run_execute(straight.pk, "w1") == "succeeded"
    total = straight.total_steps
    settings.TWIN_TASK_SLICE_S = 0.05
    settings.TWIN_FRAME_INTERVAL_MS = 200  # few frames: all of them stay in the buffer after the run ends
    sliced = create_unqueued(owner, tiny_data, seed=4, speed=total / 1.0)  # ~1 s: several slices
    enqueue_run(sliced.pk)
    wait_until(lambda: Run.objects.get(pk=sliced.pk).status == Run.Status.SUCCEEDED)
    assert _results(sliced) == _results(straight)
    frames = frame_store().frames_after(sliced.pk, 0)
    starts = [f for f in frames if f["step_from"] == f["step_to"] and f["run"]["status"] == "running"]
    assert len(starts) >= 2  # it really was executed in more than one slice


def test_embedded_shutdown_hands_running_runs_back_to_the_queue(owner, tiny_data, drain_runs, wait_until):
    from web import executor

    straight = create_unqueued(owner, tiny_data, seed=12)
    assert services.run_execute(straight.pk, "w1") == "succeeded"
    total = straight.total_steps
    run = create_unqueued(owner, tiny_data, seed=12, speed=total / 20.0)  # ~20 s: still running at the shutdown
    future = enqueue_run(run.pk)
    wait_until(lambda: live_step(run) > 0)
    try:
        executor.request_shutdown()  # what Ctrl-C triggers before the pool joins its threads
        assert future.result(timeout=60) == "queued"
    finally:
        executor._shutdown.clear()
        executor._reaper_stop.clear()
    run.refresh_from_db()
    assert run.status == Run.Status.QUEUED and 0 < run.checkpoint_step < total and run.worker == ""
    services.run_control(run, "speed", speed=0)  # the rest as fast as possible
    assert services.run_requeue_orphans() == [str(run.pk)]  # what the next process start does
    wait_until(lambda: Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED)
    assert _results(run) == _results(straight)


def test_snapshot_of_a_paused_run_survives_losing_the_frame_store(owner, tiny_data, drain_runs, wait_until):
    from web import streaming
    from web.selectors import run_snapshot

    # ~20 s at this speed: still running when the pause arrives, however loaded the machine (it was ~2 s)
    run = create_unqueued(owner, tiny_data, speed=RegionModel(validate_scenario(tiny_data)).total_steps / 20.0)
    enqueue_run(run.pk)
    wait_until(lambda: live_step(run) > 0)
    services.run_control(run, "pause")
    wait_until(lambda: Run.objects.get(pk=run.pk).status == Run.Status.PAUSED)
    before = run_snapshot(run)
    streaming._store_for.cache_clear()  # an embedded server restart loses the in-memory store
    after = run_snapshot(run)
    assert after["region"] == before["region"] and after["run"]["step"] == before["run"]["step"] > 0
    assert after["agents"] == before["agents"] and after["describe"] == before["describe"]
    assert after["run"]["status"] == "paused"


def test_a_queued_run_whose_message_was_lost_is_enqueued_again(owner, tiny_data, drain_runs, wait_until):
    lost = create_unqueued(owner, tiny_data)  # its message never reached a worker
    fresh = create_unqueued(owner, tiny_data)
    Run.objects.filter(pk=lost.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert services.run_reenqueue_waiting() == [str(lost.pk)]  # fresh waited less than TWIN_STALE_AFTER_S
    wait_until(lambda: Run.objects.get(pk=lost.pk).status == Run.Status.SUCCEEDED)
    # the token re-sent for it went to the oldest queued run; when that ended, its freed slot went to `fresh`
    wait_until(lambda: Run.objects.get(pk=fresh.pk).status == Run.Status.SUCCEEDED)
    assert services.run_reenqueue_waiting() == []
