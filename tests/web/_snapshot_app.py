"""ASGI app for tests/web/test_stream_limits.py: sends ``snapshot_messages`` of a large snapshot over daphne."""
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twin.settings")
sys.path.insert(0, os.path.dirname(__file__))

from web.streaming import snapshot_messages  # noqa: E402


def big_snapshot(agents: int = 19_000, steps: int = 48) -> dict:
    """A snapshot of ~2 MB whose size is its agents (not its steps): what 19,000 actors produce."""
    describe = {"agents": [{"id": f"dc_{i}", "type": "data_center", "name": f"Data center “{i}”", "lat": 40.8,
                            "lon": 111.7} for i in range(agents)],
                "region_quantities": ["load_mw"], "total_steps": steps, "dt_h": 1.0}
    return {"type": "snapshot", "seq": 7, "run": {"id": "r1", "status": "running", "step": steps},
            "describe": describe, "region": {"load_mw": [float(i) for i in range(steps)]},
            "agents": {"power_mw": [round(i * 0.001, 3) for i in range(agents)]}}


async def application(scope, receive, send):
    assert scope["type"] == "websocket"
    await receive()
    await send({"type": "websocket.accept"})
    for text in snapshot_messages(big_snapshot()):
        await send({"type": "websocket.send", "text": text})
    await send({"type": "websocket.send", "text": json.dumps({"type": "end"})})
    while (await receive())["type"] != "websocket.disconnect":
        pass
