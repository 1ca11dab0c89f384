"""Run WebSocket consumer: snapshot + frames = fresh snapshot, late join, reconnect, and who may connect."""
import asyncio
import json

import pytest
from asgiref.sync import sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.test import Client

from agents import RegionModel, validate_scenario
from web import services, streaming
from web.executor import enqueue_run
from web.models import Run
from web.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_S = 30  # for an expected message or a disconnect (channels waits 1 s by default): a loaded 2-core CI machine


class View:
    """A viewer applying the client rules of docs/streaming.md."""

    def __init__(self):
        self.seq = None
        self.snapshots = 0
        self.frames = 0
        self.parts = 0

    def apply(self, message: dict) -> None:
        if message["type"] == "snapshot":
            self.snapshots += 1
            self.seq = message["seq"]
            self.describe = message["describe"]
            steps = message["run"]["step"]
            self.region = {name: list(values) + [None] * (steps - len(values))
                           for name, values in message["region"].items()}
            self.agents = message["agents"]
            self.run = message["run"]
            return
        if message["type"] == "snapshot_part":
            assert message["seq"] == self.seq
            self.parts += 1
            for name, values in message["region"].items():
                self.region[name][message["step_from"]:message["step_to"]] = values
            return
        assert message["type"] == "frame", message
        assert message["seq"] == self.seq + 1, "the consumer never forwards a gap"
        self.frames += 1
        start, stop = message["step_from"], message["step_to"]
        for name, values in message["region"].items():
            series = self.region.setdefault(name, [])
            series.extend([None] * (stop - len(series)))
            series[start:stop] = values
        if message["agents"]:
            self.agents = message["agents"]
        self.run = message["run"]
        self.seq = message["seq"]

    @property
    def finished(self) -> bool:
        return self.run["status"] in Run.FINISHED


def create_unqueued(owner, data, **kw) -> Run:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        return services.run_create(owner, data, **kw)


def total_steps(data) -> int:
    return RegionModel(validate_scenario(data)).total_steps


async def open_socket(user, run_id, query: str = "", application=None, headers=None) -> WebsocketCommunicator:
    path = f"/ws/runs/{run_id}/" + (f"?{query}" if query else "")
    comm = WebsocketCommunicator(application or URLRouter(websocket_urlpatterns), path, headers=headers)
    if user is not None and application is None:
        comm.scope["user"] = user
    connected, _ = await comm.connect(timeout=WAIT_S)
    assert connected
    return comm


async def follow(comm, view: View, until=lambda view: view.finished, timeout_s: float = 60) -> View:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not until(view):
        view.apply(await comm.receive_json_from(timeout=max(deadline - loop.time(), 0.01)))
    return view


async def rejoined(layer, group: str, timeout_s: float = 30) -> None:
    """Return once the process's hub is a member of ``group`` again (a fixed sleep raced its rejoin period)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while not layer.groups.get(group):
        assert loop.time() < deadline, f"the hub did not re-join {group} within {timeout_s} s"
        await asyncio.sleep(0.01)


async def fresh_snapshot(comm) -> dict:
    await comm.send_json_to({"type": "snapshot"})
    message = await comm.receive_json_from(timeout=WAIT_S)
    assert message["type"] == "snapshot"
    return message


def assert_same_as(view: View, snapshot: dict) -> None:
    assert view.seq == snapshot["seq"]
    assert view.region == snapshot["region"]
    assert view.agents == snapshot["agents"]
    assert view.describe == snapshot["describe"]
    assert (view.run["status"], view.run["step"]) == (snapshot["run"]["status"], snapshot["run"]["step"])


async def test_snapshot_plus_frames_equals_a_fresh_snapshot(owner, tiny_data):
    run = await sync_to_async(create_unqueued)(owner, tiny_data, seed=3, speed=total_steps(tiny_data) / 1.0)
    comm = await open_socket(owner, run.pk)
    view = View()
    view.apply(await comm.receive_json_from(timeout=WAIT_S))
    assert view.seq == 0 and view.run["status"] == "queued" and view.describe is None
    await sync_to_async(enqueue_run)(run.pk)
    await follow(comm, view)
    assert view.frames >= 3
    fresh = await fresh_snapshot(comm)
    assert_same_as(view, fresh)
    stored = await sync_to_async(Run.objects.get)(pk=run.pk)
    assert view.run["status"] == "succeeded" and view.run["step"] == stored.total_steps
    assert view.region == stored.region_series
    await comm.disconnect(timeout=WAIT_S)


async def test_late_joiner_sees_the_whole_run_so_far(owner, tiny_data, wait_until):
    total = total_steps(tiny_data)
    # 4 steps/s: the joiner connects after ~1 s with ~11 s of run left (at total/1.5 steps/s a loaded machine
    # stalling ~1 s let the run end before the snapshot); then as fast as possible to the end.
    run = await sync_to_async(create_unqueued)(owner, tiny_data, speed=4.0)
    await sync_to_async(enqueue_run)(run.pk)
    await sync_to_async(wait_until)(lambda: (streaming.frame_store().state(run.pk).last_frame or {"run": {"step": 0}})
                                    ["run"]["step"] >= 4)
    comm = await open_socket(owner, run.pk)
    view = View()
    view.apply(await comm.receive_json_from(timeout=WAIT_S))
    assert view.snapshots == 1 and view.describe is not None
    assert 0 < view.run["step"] < total and view.run["status"] == "running"
    assert all(len(values) == view.run["step"] for values in view.region.values())
    assert None not in view.region["load_mw"]
    await sync_to_async(services.run_control)(run, "speed", speed=0)
    await follow(comm, view)
    assert_same_as(view, await fresh_snapshot(comm))
    await comm.disconnect(timeout=WAIT_S)


async def test_reconnect_with_last_seq_loses_nothing(owner, tiny_data):
    total = total_steps(tiny_data)
    run = await sync_to_async(create_unqueued)(owner, tiny_data, speed=total / 1.5)
    comm = await open_socket(owner, run.pk)
    view = View()
    await sync_to_async(enqueue_run)(run.pk)
    await follow(comm, view, until=lambda v: v.frames >= 2)
    await comm.disconnect(timeout=WAIT_S)
    missed_from, snapshots_before = view.seq, view.snapshots
    await asyncio.sleep(0.4)  # the run goes on without us
    comm = await open_socket(owner, run.pk, query=f"last_seq={view.seq}")
    first = await comm.receive_json_from(timeout=WAIT_S)
    assert first["type"] == "frame" and first["seq"] == missed_from + 1
    view.apply(first)
    await follow(comm, view)
    assert view.snapshots == snapshots_before  # replayed from the buffer, no snapshot needed
    assert_same_as(view, await fresh_snapshot(comm))
    await comm.disconnect(timeout=WAIT_S)


async def test_reconnect_beyond_the_replay_buffer_gets_a_snapshot(owner, tiny_data, settings, wait_until):
    settings.TWIN_FRAME_BUFFER = 10
    streaming._store_for.cache_clear()
    run = await sync_to_async(create_unqueued)(owner, tiny_data, speed=total_steps(tiny_data) / 1.0)
    await sync_to_async(enqueue_run)(run.pk)
    await sync_to_async(wait_until)(lambda: Run.objects.get(pk=run.pk).status == Run.Status.SUCCEEDED)
    assert streaming.frame_store().last_seq(run.pk) > 12
    comm = await open_socket(owner, run.pk, query="last_seq=1")
    message = await comm.receive_json_from(timeout=WAIT_S)
    assert message["type"] == "snapshot" and message["run"]["status"] == "succeeded"
    await comm.disconnect(timeout=WAIT_S)


async def test_snapshot_of_a_finished_run_comes_from_the_database(owner, tiny_data):
    run = await sync_to_async(create_unqueued)(owner, tiny_data, seed=8)
    assert await sync_to_async(services.run_execute)(run.pk, "w1") == "succeeded"
    streaming._store_for.cache_clear()  # as after a restart of the web process
    comm = await open_socket(owner, run.pk)
    snapshot = await comm.receive_json_from(timeout=WAIT_S)
    stored = await sync_to_async(Run.objects.get)(pk=run.pk)
    assert snapshot["region"] == stored.region_series
    assert snapshot["describe"] == stored.describe and snapshot["agents"] == stored.agent_state
    assert snapshot["run"]["step"] == stored.total_steps
    await comm.send_json_to({"type": "nonsense"})
    assert (await comm.receive_json_from(timeout=WAIT_S))["type"] == "error"
    await comm.disconnect(timeout=WAIT_S)


async def test_another_users_run_is_refused_with_4403(owner, other_user, tiny_data):
    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    for run_id in (run.pk, "00000000-0000-0000-0000-000000000000"):
        comm = await open_socket(other_user, run_id)
        assert await comm.receive_output(timeout=WAIT_S) == {"type": "websocket.close", "code": 4403}


def _session_cookie(user) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


async def test_owner_connects_through_the_full_asgi_stack(owner, tiny_data):
    from twin.asgi import application

    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    cookie = await sync_to_async(_session_cookie)(owner)
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie)]
    comm = await open_socket(None, run.pk, application=application, headers=headers)
    message = await comm.receive_json_from(timeout=WAIT_S)
    assert message["type"] == "snapshot" and message["run"]["id"] == str(run.pk)
    await comm.disconnect(timeout=WAIT_S)


async def test_unauthenticated_connection_is_refused_with_4401(owner, tiny_data):
    from twin.asgi import application

    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver")]
    comm = await open_socket(None, run.pk, application=application, headers=headers)
    assert await comm.receive_output(timeout=WAIT_S) == {"type": "websocket.close", "code": 4401}


async def test_bad_origin_is_refused(owner, tiny_data):
    from twin.asgi import application

    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    cookie = await sync_to_async(_session_cookie)(owner)
    headers = [(b"origin", b"http://evil.example"), (b"host", b"testserver"), (b"cookie", cookie)]
    comm = WebsocketCommunicator(application, f"/ws/runs/{run.pk}/", headers=headers)
    connected, _ = await comm.connect(timeout=WAIT_S)
    assert not connected


async def test_a_dropped_group_message_is_repaired_from_the_buffer(owner, tiny_data):
    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    assert await sync_to_async(services.run_execute)(run.pk, "w1") == "succeeded"
    comm = await open_socket(owner, run.pk)
    view = View()
    view.apply(await comm.receive_json_from(timeout=WAIT_S))
    stored = await sync_to_async(Run.objects.get)(pk=run.pk)
    status_frame = streaming.make_frame(run.pk, stored.step, stored.step, {}, {}, view.run)
    await sync_to_async(streaming.frame_store().append)(run.pk, status_frame)  # stored, but its send was lost
    await sync_to_async(streaming.publish)(run.pk, status_frame)
    for _ in range(2):
        view.apply(await comm.receive_json_from(timeout=WAIT_S))
    assert view.frames == 2 and view.snapshots == 1
    assert_same_as(view, await fresh_snapshot(comm))
    await comm.disconnect(timeout=WAIT_S)


async def test_a_consumer_dropped_from_its_group_rejoins_and_repairs_the_gap(owner, tiny_data, monkeypatch):
    from channels.layers import get_channel_layer

    from web import consumers

    monkeypatch.setattr(consumers, "REJOIN_EVERY_S", 0.1)
    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    assert await sync_to_async(services.run_execute)(run.pk, "w1") == "succeeded"
    comm = await open_socket(owner, run.pk)
    view = View()
    view.apply(await comm.receive_json_from(timeout=WAIT_S))
    layer = get_channel_layer()
    group = streaming.group_name(run.pk)
    for channel in list(layer.groups.get(group, {})):
        await layer.group_discard(group, channel)  # as a restarted Redis forgets group memberships
    status_frame = streaming.make_frame(run.pk, view.run["step"], view.run["step"], {}, {}, view.run)
    await sync_to_async(streaming.publish)(run.pk, status_frame)  # nobody hears this one
    await rejoined(layer, group)
    await sync_to_async(streaming.publish)(run.pk, status_frame)
    for _ in range(2):
        view.apply(await comm.receive_json_from(timeout=WAIT_S))
    assert view.frames == 2 and view.snapshots == 1
    await comm.disconnect(timeout=WAIT_S)


async def test_viewers_in_one_process_share_one_group_membership(owner, tiny_data):
    from channels.layers import get_channel_layer

    run = await sync_to_async(create_unqueued)(owner, tiny_data, speed=total_steps(tiny_data) / 1.0)
    comms = [await open_socket(owner, run.pk) for _ in range(3)]
    views = [View() for _ in comms]
    for comm, view in zip(comms, views, strict=True):
        view.apply(await comm.receive_json_from(timeout=WAIT_S))
    group = streaming.group_name(run.pk)
    assert len(get_channel_layer().groups[group]) == 1  # one hub, not one membership per viewer
    await sync_to_async(enqueue_run)(run.pk)
    for comm, view in zip(comms, views, strict=True):
        await follow(comm, view)
    assert views[0].region == views[1].region == views[2].region
    assert views[0].seq == views[1].seq == views[2].seq
    for comm in comms:
        await comm.disconnect(timeout=WAIT_S)
    assert not get_channel_layer().groups.get(group)


async def test_a_snapshot_too_large_for_one_message_arrives_in_parts(owner, tiny_data, monkeypatch):
    monkeypatch.setattr(streaming, "WS_MESSAGE_LIMIT_BYTES", 16000)
    run = await sync_to_async(create_unqueued)(owner, tiny_data)
    assert await sync_to_async(services.run_execute)(run.pk, "w1") == "succeeded"
    comm = await open_socket(owner, run.pk)
    view = View()
    head = await comm.receive_json_from(timeout=WAIT_S)
    assert head["type"] == "snapshot" and head["parts"] >= 1
    view.apply(head)
    texts = []
    for _ in range(head["parts"]):
        texts.append(await comm.receive_from(timeout=WAIT_S))
        view.apply(json.loads(texts[-1]))
    assert view.parts == head["parts"] and all(len(t) <= 16000 for t in texts)
    stored = await sync_to_async(Run.objects.get)(pk=run.pk)
    assert view.region == stored.region_series
    await comm.disconnect(timeout=WAIT_S)
