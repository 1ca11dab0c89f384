"""A shared distributed server (issue 15) with real Celery workers on PostgreSQL: a worker over its hard memory
limit fails that run with a reason and is not re-queued into the same death; one user's queue does not starve
another user's run."""
import json
import sys
import time
import uuid
from datetime import datetime
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import shapes  # noqa: E402

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]


def write(tmp_path, name: str, doc: dict) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_a_worker_over_its_memory_limit_fails_the_run_with_a_reason_and_does_not_retry_it(stack, tmp_path):
    stack.env["TWIN_RUN_BUDGET_BYTES"] = str(10**12)  # let validation pass: the hard limit is what is tested
    stack.env["TWIN_WORKER_MEMORY_LIMIT_BYTES"] = str(450_000_000)  # an idle pool child holds ~170 MB
    stack.env["TWIN_MAX_ATTEMPTS"] = "3"
    huge = stack.create_run(write(tmp_path, "huge", shapes.fleet(8760, plain_dcs=1000)), seed=1)
    worker = stack.start_worker()
    stack.start_beat()  # the periodic reaper runs as in production

    row = stack.wait_finished(huge, timeout_s=120)

    assert row["status"] == "failed"
    assert "TWIN_WORKER_MEMORY_LIMIT_BYTES" in row["error"] and "not retried" in row["error"], row["error"]
    assert row["attempts"] == 0, "the run was re-queued into the same death"
    time.sleep(4)  # > TWIN_STALE_AFTER_S: the reaper has had its chance to re-queue it
    assert stack.run_row(huge)["status"] == "failed"
    assert stack.reap_stale() == {"requeued": [], "failed": []}
    assert worker.poll() is None, "the Celery worker itself must survive (its pool child is replaced)"
    small = stack.create_run(write(tmp_path, "small", shapes.tiny(24)), seed=2)  # the same worker serves on
    assert stack.wait_finished(small, timeout_s=120)["status"] == "succeeded"


def test_another_users_run_is_not_starved_behind_one_users_queue(stack, tmp_path):
    stack.env["TWIN_QUOTA_WAITING_RUNS"] = "20"
    paced = write(tmp_path, "paced", shapes.tiny(24))
    mine = [stack.create_run(paced, seed=i, speed_steps_per_s=30, username="alice") for i in range(6)]
    theirs = stack.create_run(write(tmp_path, "theirs", shapes.tiny(24)), seed=9, speed_steps_per_s=30,
                              username="bob")  # its message is behind six of alice's on the broker
    stack.start_worker()  # one worker, one slot

    row = stack.wait_finished(theirs, timeout_s=180)

    assert row["status"] == "succeeded", row["error"]
    started = sorted(r["started_at"] for r in stack.rows(
        "SELECT started_at FROM web_run WHERE id = ANY(%s) AND started_at IS NOT NULL",
        ([uuid.UUID(m) for m in mine],)))
    # FIFO would start bob's run after all six of alice's; fair dispatch starts it as soon as the first slot frees
    assert len(started) <= 2 or row["started_at"] < started[1], (row["started_at"], started)
    assert isinstance(row["started_at"], datetime)
