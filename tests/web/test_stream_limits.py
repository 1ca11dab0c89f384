"""Streams of any size: no WebSocket message above the transport's limit (daphne refuses to send > 1 MiB)."""
import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
import websockets
from _snapshot_app import big_snapshot
from asgiref.sync import sync_to_async
from django.test import Client
from netports import free_port, wait_for_port

from web import services, streaming
from web.models import Run

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


class Reassembler:
    """The client rule for ``chunk`` messages (docs/streaming.md): join the texts of 0…count-1, parse once."""

    def __init__(self):
        self.pending: list[str] = []
        self.chunks = 0

    def feed(self, text: str) -> dict | None:
        message = json.loads(text)
        if message["type"] != "chunk":
            assert not self.pending, "a message arrived in the middle of a chunked one"
            return message
        assert message["index"] == len(self.pending)
        self.pending.append(message["text"])
        self.chunks += 1
        if message["index"] < message["count"] - 1:
            return None
        whole, self.pending = "".join(self.pending), []
        return json.loads(whole)


def apply_all(messages: list[dict]) -> dict:
    """A snapshot, its parts written in by index."""
    head = messages[0]
    assert head["type"] == "snapshot"
    steps = head["run"]["step"]
    region = {q: list(v) + [None] * (steps - len(v)) for q, v in head["region"].items()}
    for part in messages[1:]:
        assert part["type"] == "snapshot_part" and part["seq"] == head["seq"]
        for q, values in part["region"].items():
            region[q][part["step_from"]:part["step_to"]] = values
    return {**{k: v for k, v in head.items() if k != "parts"}, "region": region}


@pytest.mark.parametrize("limit", [1024 * 1024, 64 * 1024, 4096])
def test_every_wire_text_fits_and_reassembles_to_the_snapshot(limit):
    snapshot = big_snapshot(agents=3000 if limit < 100_000 else 19_000)
    texts = streaming.snapshot_messages(snapshot, limit)
    assert all(len(t.encode("utf-8")) <= limit for t in texts)
    joiner = Reassembler()
    messages = [m for m in map(joiner.feed, texts) if m is not None]
    assert joiner.chunks > 1 and apply_all(messages) == snapshot


def test_chunks_survive_quotes_and_backslashes_at_any_cut():
    text = json.dumps({"type": "frame", "s": ['"\\' * 50, "é\u2028", "\\u0000x"] * 40})
    for limit in (230, 257, 400, 1000):
        joiner = Reassembler()
        chunks = streaming.wire_texts(text, limit, "f-1")
        assert all(len(c) <= limit for c in chunks)
        assert [m for m in map(joiner.feed, chunks) if m] == [json.loads(text)]


def test_a_2_mb_snapshot_reaches_the_client_through_daphne(tmp_path):
    """Before: one 2 MB message, daphne's PayloadExceededError, close 1011, and the page reconnected forever."""
    port = free_port()
    log = (tmp_path / "daphne.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "_snapshot_app:application"],
        cwd=HERE, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
        env={"PYTHONPATH": f"{ROOT}:{HERE}", "DJANGO_SETTINGS_MODULE": "twin.settings",
             "PATH": "/usr/bin:/bin", "TWIN_VAR_DIR": str(tmp_path / "var")},
    )
    server.log = log
    try:
        wait_for_port(port, timeout_s=120, process=server)

        async def receive_all() -> tuple[list[dict], int]:
            joiner = Reassembler()
            messages = []
            async with websockets.connect(f"ws://127.0.0.1:{port}/", max_size=None) as socket:
                while True:
                    message = joiner.feed(await asyncio.wait_for(socket.recv(), timeout=30))
                    if message is None:
                        continue
                    if message["type"] == "end":
                        return messages, joiner.chunks
                    messages.append(message)

        messages, chunks = asyncio.run(receive_all())
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert len(json.dumps(big_snapshot())) > 2 * streaming.WS_MESSAGE_LIMIT_BYTES * 0.9
    assert chunks >= 2 and apply_all(messages) == big_snapshot()


pytestmark_db = pytest.mark.django_db(transaction=True)


@pytestmark_db
async def test_the_consumer_sends_a_snapshot_of_many_agents_under_the_limit(owner, tiny_data, monkeypatch):
    from channels.testing import WebsocketCommunicator

    from twin.asgi import application

    monkeypatch.setattr(streaming, "WS_MESSAGE_LIMIT_BYTES", 16 * 1024)
    monkeypatch.setattr(services, "_enqueue", lambda run_id: None)  # no worker: the row is made by hand below
    run = await sync_to_async(_finished_run_with_many_agents)(owner, tiny_data)
    client = Client()
    await sync_to_async(client.force_login)(owner)
    cookie = f"sessionid={client.cookies['sessionid'].value}".encode()
    headers = [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie)]
    comm = WebsocketCommunicator(application, f"/ws/runs/{run.pk}/", headers=headers)
    connected, _ = await comm.connect(timeout=30)
    assert connected
    joiner, messages, sizes = Reassembler(), [], []
    while True:
        text = await comm.receive_from(timeout=30)
        sizes.append(len(text))
        message = joiner.feed(text)
        if message is not None:
            messages.append(message)
            if message["type"] == "snapshot" and not message.get("parts") or (
                    message["type"] == "snapshot_part" and len(messages) == messages[0].get("parts", 0) + 1):
                break
    await comm.disconnect(timeout=30)
    assert max(sizes) <= 16 * 1024 and joiner.chunks > 1
    http = await sync_to_async(client.get)(f"/api/runs/{run.pk}/snapshot/")
    assert apply_all(messages) == {**http.json(), "type": "snapshot"}


@pytestmark_db
async def test_a_frame_too_large_for_one_message_arrives_in_chunks(owner, tiny_data, monkeypatch):
    from web.consumers import RunConsumer

    sent = []
    consumer = RunConsumer()

    async def send(text_data=None, **kwargs):
        sent.append(text_data)

    monkeypatch.setattr(consumer, "send", send)
    monkeypatch.setattr(streaming, "WS_MESSAGE_LIMIT_BYTES", 2048)
    consumer.seq, consumer.needs_describe = 4, False
    frame = {"type": "frame", "seq": 5, "run_id": "r", "step_from": 0, "step_to": 1, "region": {},
             "agents": {"power_mw": [1.5] * 2000}, "run": {}}
    await consumer.run_frame({"seq": 5, "text": streaming.dumps(frame)})
    joiner = Reassembler()
    assert len(sent) > 1 and all(len(t) <= 2048 for t in sent)
    assert [m for m in map(joiner.feed, sent) if m] == [frame] and consumer.seq == 5


def _finished_run_with_many_agents(owner, tiny_data) -> Run:
    """A succeeded run whose description and agent state are those of 3,000 agents (~300 kB)."""
    run = services.run_create(owner, tiny_data, seed=1, name="many")
    big = big_snapshot(agents=3000, steps=run.total_steps)
    Run.objects.filter(pk=run.pk).update(
        status=Run.Status.SUCCEEDED, describe=big["describe"], agent_state=big["agents"],
        region_series={"load_mw": [float(i) for i in range(run.total_steps)]}, step=run.total_steps,
    )
    return Run.objects.get(pk=run.pk)


@pytestmark_db
async def test_a_deeply_nested_client_message_is_an_error_reply_not_a_crash(owner, tiny_data, monkeypatch):
    from channels.routing import URLRouter
    from channels.testing import WebsocketCommunicator

    from web.routing import websocket_urlpatterns

    monkeypatch.setattr(services, "_enqueue", lambda run_id: None)
    run = await sync_to_async(services.run_create)(owner, tiny_data, seed=1, name="deep")
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/runs/{run.pk}/")
    comm.scope["user"] = owner
    assert (await comm.connect(timeout=30))[0]
    assert (await comm.receive_json_from(timeout=30))["type"] == "snapshot"
    await comm.send_to(text_data="[" * 1000 + "]" * 1000)  # json.loads would raise RecursionError (close 1011)
    assert (await comm.receive_json_from(timeout=30))["type"] == "error"
    await comm.disconnect(timeout=30)
