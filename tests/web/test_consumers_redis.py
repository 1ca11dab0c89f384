"""The distributed streaming path in one process: Redis frame store + channels_redis layer on a real redis-server,
a worker thread running ``services.run_execute`` exactly as the Celery task does."""
import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from agents import RegionModel, validate_scenario
from web import services, streaming
from web.models import Run
from web.routing import websocket_urlpatterns

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def distributed(settings, redis_server):
    settings.TWIN_MODE = "distributed"
    settings.REDIS_URL = redis_server.url
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [redis_server.url]}}
    }
    streaming._store_for.cache_clear()
    channel_layers.backends.clear()
    yield redis_server
    channel_layers.backends.clear()


async def receive(comm) -> dict:
    return await comm.receive_json_from(timeout=30)


async def test_redis_path_snapshot_plus_frames_equals_a_fresh_snapshot(owner, tiny_data, distributed):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(services, "_enqueue", lambda run_id: None)
        total = RegionModel(validate_scenario(tiny_data)).total_steps
        run = await sync_to_async(services.run_create)(owner, tiny_data, seed=6, speed=total / 1.0)
    assert isinstance(streaming.frame_store(), streaming.RedisFrameStore)
    comm = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/runs/{run.pk}/")
    comm.scope["user"] = owner
    assert (await comm.connect(timeout=30))[0]
    first = await receive(comm)
    assert first["type"] == "snapshot" and first["describe"] is None
    worker = asyncio.create_task(asyncio.to_thread(services.run_execute, run.pk, "celery-like-worker"))

    seq, region, agents, status, step = None, {}, {}, None, 0
    while status != "succeeded":
        message = await receive(comm)
        if message["type"] == "snapshot":
            seq, region, agents = message["seq"], message["region"], message["agents"]
            status, step = message["run"]["status"], message["run"]["step"]
            continue
        assert message["seq"] == seq + 1
        for name, values in message["region"].items():
            region.setdefault(name, []).extend([None] * (message["step_to"] - len(region.get(name, []))))
            region[name][message["step_from"]:message["step_to"]] = values
        agents = message["agents"] or agents
        seq, status, step = message["seq"], message["run"]["status"], message["run"]["step"]
    assert await worker == "succeeded"

    await comm.send_json_to({"type": "snapshot"})
    fresh = await receive(comm)
    assert (seq, region, agents, step) == (fresh["seq"], fresh["region"], fresh["agents"], fresh["run"]["step"])
    stored = await sync_to_async(Run.objects.get)(pk=run.pk)
    assert region == stored.region_series and step == stored.total_steps
    await comm.disconnect(timeout=30)
