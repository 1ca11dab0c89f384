"""WebSocket consumer of one run's live view: snapshot on connect, then frames in seq order (docs/streaming.md)."""
from __future__ import annotations

import asyncio
import json
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from .selectors import run_get_for_user, run_snapshot
from .streaming import dumps, frame_store, group_name

logger = logging.getLogger(__name__)

REJOIN_EVERY_S = 10
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _owned_run(user, run_id):
    try:
        return run_get_for_user(user, run_id)
    except Http404:
        return None


class RunConsumer(AsyncJsonWebsocketConsumer):
    """``ws/runs/<uuid>/[?last_seq=N]``: the owner's live view of a run.

    Joins the group first, then sends a snapshot (or replays frames after ``last_seq`` when the buffer still
    holds all of them), then forwards frames with seq above what the client already has. A gap in the group
    messages (the Redis layer may drop under load) is repaired from the buffer, else with a fresh snapshot.
    """

    seq = 0
    group = None
    keep_joined = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        run_id = self.scope["url_route"]["kwargs"]["run_id"]
        self.run = await database_sync_to_async(_owned_run)(user, run_id)
        if self.run is None:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = group_name(self.run.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        self.keep_joined = asyncio.create_task(self._rejoin_periodically())
        await self.accept()
        last_seq = _last_seq(self.scope.get("query_string", b""))
        if last_seq is not None and await self._replay_after(last_seq):
            return
        await self.send_snapshot()

    async def disconnect(self, code):
        if self.keep_joined is not None:
            self.keep_joined.cancel()
        if self.group is not None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def _rejoin_periodically(self):
        """Re-add this channel to the group now and then: a restarted Redis forgets groups, and channels_redis
        expires memberships after a day. A frame missed meanwhile shows up as a gap and is repaired."""
        while True:
            await asyncio.sleep(REJOIN_EVERY_S)
            try:
                await self.channel_layer.group_add(self.group, self.channel_name)
            except Exception:  # layer unavailable right now; try again next period
                logger.warning("could not re-join %s", self.group, exc_info=True)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "snapshot":
            await self.send_snapshot()
        else:
            await self.send_json({"type": "error", "message": "unknown message; send {\"type\": \"snapshot\"}"})

    async def run_frame(self, event):
        """Group message from the worker: forward it if it is the next one, repair a gap otherwise."""
        seq = event["seq"]
        if seq <= self.seq:
            return
        if self.needs_describe:
            await self.send_snapshot()
            return
        if seq > self.seq + 1 and not await self._replay_after(self.seq):
            await self.send_snapshot()
            return
        if seq == self.seq + 1:
            await self.send(text_data=event["text"])  # encoded once by the publisher
            self.seq = seq

    async def send_snapshot(self):
        snapshot = await database_sync_to_async(run_snapshot)(self.run)
        self.needs_describe = snapshot["describe"] is None
        self.seq = snapshot["seq"]
        await self.send_json(snapshot)

    async def _replay_after(self, last_seq: int) -> bool:
        """Send buffered frames after ``last_seq``; False when the buffer lost some of them."""
        frames = await database_sync_to_async(frame_store().frames_after)(self.run.pk, last_seq)
        if frames is None:
            return False
        self.needs_describe = False
        self.seq = last_seq
        for frame in frames:
            await self.send_json(frame)
            self.seq = frame["seq"]
        return True

    @classmethod
    async def encode_json(cls, content):
        return dumps(content)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return json.loads(text_data)
        except ValueError:
            return None


def _last_seq(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("last_seq")
    if not values:
        return None
    try:
        value = int(values[0])
    except ValueError:
        return None
    return value if value >= 0 else None
