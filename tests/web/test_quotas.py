"""Budgets and quotas of a shared server (issue 15): over-budget scenarios, waiting runs, stored results,
live viewers, fair dispatch across users and the retention of old results."""
import json
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from web import services
from web.executor import embedded_pending
from web.models import Run
from web.quotas import CLOSE_QUOTA
from web.routing import websocket_urlpatterns

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import shapes  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def api(owner) -> APIClient:
    client = APIClient()
    client.force_login(owner)
    return client


def create_unqueued(owner, data, **kw) -> Run:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return services.run_create(owner, data, **kw)


# --- the run budget at validation, in the API and on the pages ----------------------------------------------


def test_the_19000_actor_scenario_is_refused_by_the_api_with_the_budget_named(api):
    doc = shapes.finding_19000_actors()
    for url, body in (("/api/scenarios/", {"name": "huge", "data": doc}), ("/api/scenarios/validate/", doc),
                      ("/api/runs/", {"name": "huge", "scenario": doc})):
        response = api.post(url, json.dumps(body), content_type="application/json")
        assert response.status_code == 400, (url, response.status_code)  # was 201 on main
        (error,) = response.json()["errors"]
        assert error["loc"].endswith("actors") and "TWIN_RUN_BUDGET_BYTES" in error["msg"], error
    assert not Run.objects.exists()


def test_the_scenario_page_shows_the_budget_error_on_the_field(owner):
    client = Client()
    client.force_login(owner)
    doc = shapes.finding_19000_actors()
    response = client.post("/scenarios/new/", {"name": "huge", "description": "", "document": json.dumps(doc),
                                               "action": "save"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "run budget exceeded" in page and "TWIN_RUN_BUDGET_BYTES" in page
    assert not owner.scenarios.exists()


# --- quotas: waiting runs, stored results ---------------------------------------------------------------------


def test_one_user_cannot_queue_hundreds_of_runs(api, settings, tiny_data):
    settings.TWIN_QUOTA_WAITING_RUNS = 5
    statuses = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        for _ in range(30):  # the finding: 300 runs in 9.6 s, all accepted and queued
            statuses.append(api.post("/api/runs/", {"name": "t", "scenario": tiny_data}, format="json"))
    assert [r.status_code for r in statuses].count(201) == 5
    refused = statuses[5]
    assert refused.status_code == 429
    assert refused.json()["quota"] == "TWIN_QUOTA_WAITING_RUNS" and refused.json()["limit"] == 5
    assert "TWIN_QUOTA_WAITING_RUNS" in refused.json()["detail"]
    assert Run.objects.count() == 5


def test_the_start_page_answers_429_with_the_quota_named(owner, settings, tiny_data):
    settings.TWIN_QUOTA_WAITING_RUNS = 1
    scenario = owner.scenarios.create(name="Tiny", data=tiny_data)
    create_unqueued(owner, tiny_data)
    client = Client()
    client.force_login(owner)
    response = client.post("/runs/start/", {"scenario_id": scenario.id, "seed": 1, "speed_steps_per_s": 0})
    assert response.status_code == 429
    assert "TWIN_QUOTA_WAITING_RUNS" in response.content.decode()


def test_stored_result_bytes_are_recorded_and_capped(owner, other_user, settings, tiny_data):
    run = create_unqueued(owner, tiny_data)
    assert services.run_execute(run.pk, "w") == "succeeded"
    run.refresh_from_db()
    on_disk = sum(p.stat().st_size for p in (Path(settings.RESULTS_DIR) / str(run.pk)).rglob("*") if p.is_file())
    assert run.result_bytes > on_disk > 0
    settings.TWIN_QUOTA_RESULT_BYTES = run.result_bytes
    with pytest.raises(services.QuotaExceeded) as caught:
        create_unqueued(owner, tiny_data)
    assert caught.value.quota == "TWIN_QUOTA_RESULT_BYTES"
    create_unqueued(other_user, tiny_data)  # another user's quota is their own


# --- live viewers -----------------------------------------------------------------------------------------------


async def _open(user, run_id):
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/runs/{run_id}/")
    comm.scope["user"] = user
    connected, _ = await comm.connect(timeout=30)
    assert connected
    return comm


async def test_one_user_cannot_open_a_thousand_live_views(owner, other_user, settings, tiny_data):
    from asgiref.sync import sync_to_async

    settings.TWIN_QUOTA_WEBSOCKETS = 3
    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    other_run = await sync_to_async(create_unqueued)(other_user, tiny_data)
    views = []
    for _ in range(3):
        comm = await _open(owner, run.pk)
        assert (await comm.receive_json_from(timeout=30))["type"] == "snapshot"
        views.append(comm)
    refused = await _open(owner, run.pk)
    message = await refused.receive_json_from(timeout=30)
    assert message["type"] == "error" and message["quota"] == "TWIN_QUOTA_WEBSOCKETS"
    assert (await refused.receive_output(timeout=30)) == {"type": "websocket.close", "code": CLOSE_QUOTA}
    other = await _open(other_user, other_run.pk)  # the other user is not affected
    assert (await other.receive_json_from(timeout=30))["type"] == "snapshot"
    await views.pop().disconnect(timeout=30)  # closing one view frees its place
    again = await _open(owner, run.pk)
    assert (await again.receive_json_from(timeout=30))["type"] == "snapshot"
    for comm in [*views, other, again]:
        await comm.disconnect(timeout=30)


# --- fair dispatch ---------------------------------------------------------------------------------------------


def test_the_next_slot_goes_to_the_user_with_the_fewest_running_runs(owner, other_user, settings, tiny_data):
    settings.TWIN_QUOTA_RUNNING_RUNS = 2
    mine = [create_unqueued(owner, tiny_data) for _ in range(6)]
    theirs = create_unqueued(other_user, tiny_data)  # created last, behind six of the owner's
    assert services.run_claim_next("w1") == str(mine[0].pk)  # both have 0 running: the owner's is older
    assert services.run_claim_next("w2") == str(theirs.pk)  # owner has 1 running, other 0
    assert services.run_claim_next("w3") == str(mine[1].pk)
    assert services.run_claim_next("w4") is None  # the owner is at TWIN_QUOTA_RUNNING_RUNS, the other has none queued
    assert Run.objects.filter(status=Run.Status.QUEUED).count() == 4


def test_ties_go_round_robin_to_the_user_served_least_recently(owner, other_user, tiny_data):
    a = [create_unqueued(owner, tiny_data) for _ in range(3)]
    b = [create_unqueued(other_user, tiny_data) for _ in range(3)]
    served = []
    for i in range(4):
        run_id = services.run_claim_next(f"w{i}")
        served.append(run_id)
        Run.objects.filter(pk=run_id).update(status=Run.Status.SUCCEEDED)  # frees the slot, keeps claimed_at
    assert served == [str(a[0].pk), str(b[0].pk), str(a[1].pk), str(b[1].pk)]


def test_another_users_run_is_not_starved_by_one_users_queue(owner, other_user, settings, tiny_data, drain_runs,
                                                             wait_until):
    """Embedded pool of two threads: one user queues six paced runs, then another user queues one. The other
    user's run starts as soon as the first slot frees, not after all six (FIFO on main)."""
    settings.TWIN_QUOTA_RUNNING_RUNS = 2
    data = shapes.tiny(16)
    mine = [services.run_create(owner, data, speed=40.0) for _ in range(6)]
    theirs = services.run_create(other_user, data, speed=40.0)
    wait_until(lambda: Run.objects.get(pk=theirs.pk).status == Run.Status.SUCCEEDED, timeout_s=60)
    theirs.refresh_from_db()
    mine_started = sorted(Run.objects.filter(pk__in=[r.pk for r in mine], started_at__isnull=False)
                          .values_list("started_at", flat=True))
    third = mine_started[2] if len(mine_started) > 2 else None
    assert third is None or theirs.started_at < third, (theirs.started_at, mine_started)
    wait_until(lambda: not Run.objects.filter(status__in=Run.ACTIVE).exists(), timeout_s=60)
    wait_until(lambda: embedded_pending() == 0)  # no token left to claim the next test's runs


# --- retention -------------------------------------------------------------------------------------------------


def test_old_finished_results_are_pruned_and_runs_in_use_never(owner, settings, tiny_data):
    settings.TWIN_RESULT_RETENTION_DAYS = 7
    old = create_unqueued(owner, tiny_data)
    assert services.run_execute(old.pk, "w") == "succeeded"
    results = Path(settings.RESULTS_DIR) / str(old.pk)
    assert results.is_dir()
    recent = create_unqueued(owner, tiny_data)
    assert services.run_execute(recent.pk, "w") == "succeeded"
    paused = create_unqueued(owner, tiny_data)
    Run.objects.filter(pk=paused.pk).update(status=Run.Status.PAUSED)
    running = create_unqueued(owner, tiny_data)
    assert services.run_claim(running.pk, "w")
    long_ago = timezone.now() - timedelta(days=30)
    Run.objects.filter(pk__in=[old.pk, paused.pk, running.pk]).update(finished_at=long_ago, created_at=long_ago)

    assert services.run_prune_results() == [str(old.pk)]
    assert not results.exists()
    assert set(Run.objects.values_list("pk", flat=True)) == {recent.pk, paused.pk, running.pk}
    settings.TWIN_RESULT_RETENTION_DAYS = 0
    Run.objects.filter(pk=recent.pk).update(finished_at=long_ago)
    assert services.run_prune_results() == []


def test_the_prune_command_prunes_by_the_retention_setting(owner, settings, tiny_data):
    from django.core.management import call_command

    run = create_unqueued(owner, tiny_data)
    Run.objects.filter(pk=run.pk).update(status=Run.Status.FAILED, finished_at=timezone.now() - timedelta(days=3))
    call_command("prune_results", "--days", "5")
    assert Run.objects.filter(pk=run.pk).exists()
    call_command("prune_results", "--days", "2")
    assert not Run.objects.filter(pk=run.pk).exists()
