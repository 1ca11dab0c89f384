"""WebSocket consumer of one run's live view: snapshot on connect, then frames in seq order (docs/streaming.md)."""
from __future__ import annotations

import asyncio
import logging
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.http import Http404

from .jsonlimits import loads_bounded
from .quotas import CLOSE_QUOTA, WS_REFRESH_S, viewer_open, viewers
from .selectors import run_get_for_user, run_snapshot
from .streaming import dumps, frame_store, group_name, snapshot_messages, wire_texts

logger = logging.getLogger(__name__)

REJOIN_EVERY_S = 10
INBOX_FRAMES = 200  # frames a slow viewer may have pending; beyond that it re-syncs (gap → buffer/snapshot)
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _owned_run(user, run_id):
    try:
        return run_get_for_user(user, run_id)
    except Http404:
        return None


class RunHub:
    """One membership of the group ``run.<uuid>`` per process (per event loop), shared by its local viewers.

    The channel layer delivers each frame once to the hub, which hands it to every local viewer; with
    channels_redis that is one Redis pop per frame instead of one per viewer. The hub re-joins the group every
    ``REJOIN_EVERY_S`` (a restarted Redis forgets groups; channels_redis expires memberships after a day).
    """

    _hubs: dict[str, RunHub] = {}

    def __init__(self, layer, group: str, key):
        self.layer, self.group, self.key = layer, group, key
        self.loop = asyncio.get_running_loop()
        self.viewers: set[RunConsumer] = set()
        self.joined = asyncio.Event()
        self.error: BaseException | None = None
        self.channel: str | None = None
        self.tasks: list[asyncio.Task] = []

    @classmethod
    async def join(cls, layer, group: str, viewer: RunConsumer) -> RunHub:
        """The hub of ``group`` in this process, created and joined on first use; returns once it is in the group."""
        loop = asyncio.get_running_loop()
        key = group
        hub = cls._hubs.get(key)
        if hub is None or hub.loop is not loop or hub.layer is not layer:  # (tests: a new loop/layer per test)
            hub = cls._hubs[key] = cls(layer, group, key)
            try:
                hub.channel = await layer.new_channel()
                await layer.group_add(group, hub.channel)
                hub.tasks = [asyncio.create_task(hub._pump()), asyncio.create_task(hub._rejoin())]
            except BaseException as exc:
                hub.error = exc
                cls._hubs.pop(key, None)
                raise
            finally:
                hub.joined.set()
        hub.viewers.add(viewer)
        await hub.joined.wait()
        if hub.error is not None:
            hub.viewers.discard(viewer)
            raise RuntimeError(f"could not join {group}") from hub.error
        return hub

    async def leave(self, viewer: RunConsumer) -> None:
        self.viewers.discard(viewer)
        if self.viewers:
            return
        if self._hubs.get(self.key) is self:
            del self._hubs[self.key]
        for task in self.tasks:
            task.cancel()
        try:
            await self.layer.group_discard(self.group, self.channel)
        except Exception:  # layer unavailable: the membership expires on its own
            logger.warning("could not leave %s", self.group, exc_info=True)

    async def _pump(self) -> None:
        while True:
            try:
                event = await self.layer.receive(self.channel)
            except asyncio.CancelledError:
                raise
            except Exception:  # e.g. Redis restarting: wait and listen again (gaps are repaired by viewers)
                logger.warning("receive on %s failed", self.group, exc_info=True)
                await asyncio.sleep(1.0)
                continue
            for viewer in list(self.viewers):
                viewer.deliver(event)

    async def _rejoin(self) -> None:
        while True:
            await asyncio.sleep(REJOIN_EVERY_S)
            try:
                await self.layer.group_add(self.group, self.channel)
            except Exception:  # layer unavailable right now; try again next period
                logger.warning("could not re-join %s", self.group, exc_info=True)


class RunConsumer(AsyncJsonWebsocketConsumer):
    """``ws/runs/<uuid>/[?last_seq=N]``: the owner's live view of a run.

    Joins the run's group (through the process's ``RunHub``) first, then sends a snapshot (or replays frames
    after ``last_seq`` when the buffer still holds all of them), then forwards frames with seq above what the
    client already has. A gap in the group messages (the Redis layer may drop under load) is repaired from the
    buffer, else with a fresh snapshot. Frames, snapshots and replays go out one at a time (``self.lock``).
    """

    seq = 0
    hub = None
    drain = None
    needs_describe = False
    counted_user = None  # user id whose open-viewer count includes this connection (TWIN_QUOTA_WEBSOCKETS)
    refresher = None

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
        try:
            refused = await database_sync_to_async(viewer_open)(user.pk, self.channel_name)
        except Exception:  # the shared count is unavailable (Redis restarting): serve the viewer uncounted
            logger.warning("viewer quota not checked for %s", self.channel_name, exc_info=True)
            refused = False
        if refused:  # per-user quota of open live views: say which, then close (4429)
            await self.accept()
            await self.send_json({"type": "error", "quota": refused.quota, "message": refused.message})
            await self.close(code=CLOSE_QUOTA)
            return
        if refused is None:
            self.counted_user = user.pk
            self.refresher = asyncio.create_task(self._refresh_viewer())
        self.lock = asyncio.Lock()
        self.inbox: asyncio.Queue = asyncio.Queue(maxsize=INBOX_FRAMES)
        async with self.lock:  # frames arriving meanwhile wait in the inbox
            self.hub = await RunHub.join(self.channel_layer, group_name(self.run.pk), self)
            self.drain = asyncio.create_task(self._drain())
            await self.accept()
            last_seq = _last_seq(self.scope.get("query_string", b""))
            if last_seq is None or not await self._replay_after(last_seq):
                await self.send_snapshot()

    async def disconnect(self, code):
        if self.refresher is not None:
            self.refresher.cancel()
        if self.counted_user is not None:
            try:
                await database_sync_to_async(viewers().remove)(self.counted_user, self.channel_name)
            except Exception:  # Redis away: the entry expires on its own
                logger.warning("could not uncount viewer %s", self.channel_name, exc_info=True)
            self.counted_user = None
        if self.drain is not None:
            self.drain.cancel()
        if self.hub is not None:
            await self.hub.leave(self)

    async def _refresh_viewer(self):
        """Keep this viewer's entry in the shared count alive (entries of a dead process expire)."""
        while True:
            await asyncio.sleep(WS_REFRESH_S)
            try:
                await database_sync_to_async(viewers().refresh)(self.counted_user, self.channel_name)
            except Exception:  # Redis away: try again next period
                logger.warning("could not refresh viewer %s", self.channel_name, exc_info=True)

    def deliver(self, event: dict) -> None:
        """Called by the hub for every group message; a full inbox drops it (seen later as a gap)."""
        try:
            self.inbox.put_nowait(event)
        except asyncio.QueueFull:
            pass

    async def _drain(self):
        while True:
            event = await self.inbox.get()
            async with self.lock:
                await self.run_frame(event)

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "snapshot":
            async with self.lock:
                await self.send_snapshot()
        else:
            await self.send_json({"type": "error", "message": "unknown message; send {\"type\": \"snapshot\"}"})

    async def run_frame(self, event):
        """A frame from the worker: forward it if it is the next one, repair a gap otherwise."""
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
            await self.send_text(event["text"], f"frame-{seq}")  # encoded once by the publisher
            self.seq = seq

    async def send_snapshot(self):
        seq, has_describe, texts = await _shared_snapshot(self.run)
        self.needs_describe = not has_describe
        self.seq = seq
        for text in texts:  # one message, or a snapshot and its parts when too large for one
            await self.send(text_data=text)

    async def _replay_after(self, last_seq: int) -> bool:
        """Send buffered frames after ``last_seq``; False when the buffer lost some of them."""
        frames = await database_sync_to_async(frame_store().frames_after)(self.run.pk, last_seq)
        if frames is None:
            return False
        self.seq = last_seq
        for frame in frames:
            await self.send_text(dumps(frame), f"frame-{frame['seq']}")
            self.seq = frame["seq"]
        return True

    async def send_text(self, text: str, message_id: str) -> None:
        """One message, as ``chunk`` messages when it exceeds the transport's limit (daphne: 1 MiB)."""
        for part in wire_texts(text, message_id=message_id):
            await self.send(text_data=part)

    @classmethod
    async def encode_json(cls, content):
        return dumps(content)

    @classmethod
    async def decode_json(cls, text_data):
        try:
            return loads_bounded(text_data)  # 1,000 nested [ would raise RecursionError in json.loads
        except ValueError:
            return None


_inflight: dict[str, asyncio.Future] = {}


async def _shared_snapshot(run) -> tuple[int, bool, list[str]]:
    """``(seq, has describe, JSON texts)`` of a fresh snapshot; concurrent requests for the same run in this process
    share one computation (100 viewers joining or re-syncing at once cost one snapshot, not 100).

    A viewer whose request joined a computation that had already read the store may miss a frame; it sees that
    frame's successor as a gap and repairs it from the buffer.
    """
    loop = asyncio.get_running_loop()
    key = str(run.pk)
    pending = _inflight.get(key)
    if pending is not None and pending.get_loop() is loop:
        shared = await asyncio.shield(pending)
        if shared is not None:
            return shared
        return await _own_snapshot(run)  # the shared computation failed or was cancelled: try on our own
    pending = _inflight[key] = loop.create_future()
    result = None
    try:
        result = await _own_snapshot(run)
        return result
    finally:
        if _inflight.get(key) is pending:
            del _inflight[key]
        pending.set_result(result)


async def _own_snapshot(run) -> tuple[int, bool, list[str]]:
    snapshot = await database_sync_to_async(run_snapshot)(run)
    return snapshot["seq"], snapshot["describe"] is not None, snapshot_messages(snapshot)


def _last_seq(query_string: bytes) -> int | None:
    values = parse_qs(query_string.decode("latin-1")).get("last_seq")
    if not values:
        return None
    try:
        value = int(values[0])
    except ValueError:
        return None
    return value if value >= 0 else None
