"""Live frames of a run: sequence numbers, a bounded replay buffer, the region series so far, and the publish.

One publish per frame to the channel group ``run.<uuid>``, however many viewers. Each run's frame store keeps
the last committed ``seq`` (so it survives worker restarts), the last ``TWIN_FRAME_BUFFER`` frames for replay,
and the region values of every emitted step (for snapshots; a resumed worker re-emitting steps after its
checkpoint overwrites the same step indices with identical values). Embedded mode keeps this in process memory,
distributed mode in Redis (a stream trimmed with ``XADD MAXLEN ~``, a hash of region chunks, a seq key).
Formats: docs/streaming.md.
"""
from __future__ import annotations

import asyncio
import copy
import json
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
from asgiref.sync import async_to_sync
from channels.exceptions import ChannelFull
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings

logger = logging.getLogger(__name__)

FRAME_EVENT_TYPE = "run.frame"
KEEP_AFTER_RELEASE = 20  # frames kept for late reconnects once a run has finished
_REDIS_TTL_S = 7 * 24 * 3600


def group_name(run_id) -> str:
    """Channel-layer group of one run's viewers."""
    return f"run.{run_id}"


@dataclass(frozen=True)
class StoreState:
    """What a snapshot needs from the store, read atomically: last seq, region chunks, the last frame."""

    seq: int
    chunks: list[tuple[int, int, dict[str, list]]]
    last_frame: dict | None

    @property
    def region(self) -> dict[str, list]:
        return merge_chunks(self.chunks)


def merge_chunks(chunks: list[tuple[int, int, dict[str, list]]]) -> dict[str, list]:
    """Region series for steps 0..max(step_to)-1 from (step_from, step_to, region) chunks; later chunks win."""
    if not chunks:
        return {}
    length = max(stop for _, stop, _ in chunks)
    out: dict[str, list] = {}
    for start, stop, region in sorted(chunks, key=lambda c: c[0]):
        for name, values in region.items():
            series = out.setdefault(name, [None] * length)
            series[start:stop] = values[: stop - start]
    return out


@dataclass
class _MemoryRun:
    last_seq: int = 0
    frames: deque = field(default_factory=deque)
    chunks: dict[int, tuple[int, dict]] = field(default_factory=dict)


class MemoryFrameStore:
    """Per-process frame store (embedded mode)."""

    def __init__(self, buffer_size: int):
        self.buffer_size = buffer_size
        self._runs: dict[str, _MemoryRun] = {}
        self._lock = threading.Lock()

    def _run(self, run_id) -> _MemoryRun:
        key = str(run_id)
        if key not in self._runs:
            self._runs[key] = _MemoryRun(frames=deque(maxlen=self.buffer_size))
        return self._runs[key]

    def append(self, run_id, frame: dict, floor: int = 0) -> dict:
        """Give the frame the next seq (above ``floor``, the publisher's last seq), buffer it and its region chunk;
        returns the stored frame."""
        with self._lock:
            state = self._run(run_id)
            frame = {**frame, "seq": max(state.last_seq, floor) + 1}
            if frame["step_to"] > frame["step_from"]:
                state.chunks[frame["step_from"]] = (frame["step_to"], frame["region"])
            state.frames.append(frame)
            state.last_seq = frame["seq"]
            return frame

    def last_seq(self, run_id) -> int:
        with self._lock:
            return self._run(run_id).last_seq

    def frames_after(self, run_id, last_seq: int) -> list[dict] | None:
        """Frames with seq > last_seq, or None when the buffer cannot tell (no longer holds them all, or the
        client is ahead of the store)."""
        with self._lock:
            state = self._run(run_id)
            if last_seq == state.last_seq:
                return []
            if last_seq > state.last_seq:  # the client saw frames this store never had (e.g. a restarted process)
                return None
            frames = [f for f in state.frames if f["seq"] > last_seq]
            if not frames or frames[0]["seq"] != last_seq + 1:
                return None
            return frames

    def put_region(self, run_id, step_from: int, step_to: int, region: dict) -> None:
        """Store a region chunk for snapshots without publishing a frame (a worker restoring what a store lost)."""
        with self._lock:
            self._run(run_id).chunks[step_from] = (step_to, region)

    def state(self, run_id) -> StoreState:
        with self._lock:
            run = self._run(run_id)
            chunks = [(start, stop, region) for start, (stop, region) in run.chunks.items()]
            return StoreState(run.last_seq, chunks, run.frames[-1] if run.frames else None)

    def release(self, run_id) -> None:
        """A finished run: drop its region chunks (the series now lives in the database) and all but the last
        ``KEEP_AFTER_RELEASE`` frames; keep its seq."""
        with self._lock:
            state = self._run(run_id)
            state.chunks.clear()
            while len(state.frames) > KEEP_AFTER_RELEASE:
                state.frames.popleft()


class RedisFrameStore:
    """Frame store in Redis (distributed mode), shared by workers and web processes."""

    def __init__(self, url: str, buffer_size: int):
        import redis

        self.client = redis.Redis.from_url(url)
        self.buffer_size = buffer_size

    @staticmethod
    def _keys(run_id) -> tuple[str, str, str]:
        base = f"twin:run:{run_id}"
        return f"{base}:seq", f"{base}:frames", f"{base}:region"

    def append(self, run_id, frame: dict, floor: int = 0) -> dict:
        """As ``MemoryFrameStore.append``; ``floor`` keeps seq monotonic if Redis lost its data (restart)."""
        import redis

        seq_key, frames_key, region_key = self._keys(run_id)
        while True:
            with self.client.pipeline(transaction=True) as pipe:
                try:
                    pipe.watch(seq_key)
                    seq = max(int(pipe.get(seq_key) or 0), floor) + 1
                    stored = {**frame, "seq": seq}
                    pipe.multi()
                    pipe.xadd(
                        frames_key, {"frame": json.dumps(stored)}, id=f"{seq}-0", maxlen=self.buffer_size,
                        approximate=True,
                    )
                    if stored["step_to"] > stored["step_from"]:
                        chunk = json.dumps({"step_to": stored["step_to"], "region": stored["region"]})
                        pipe.hset(region_key, str(stored["step_from"]), chunk)
                    pipe.set(seq_key, seq)
                    for key in (frames_key, region_key):  # the seq key never expires: seq stays monotonic
                        pipe.expire(key, _REDIS_TTL_S)
                    pipe.execute()
                    return stored
                except redis.WatchError:
                    continue

    def last_seq(self, run_id) -> int:
        return int(self.client.get(self._keys(run_id)[0]) or 0)

    def put_region(self, run_id, step_from: int, step_to: int, region: dict) -> None:
        """As ``MemoryFrameStore.put_region``."""
        _, _, region_key = self._keys(run_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hset(region_key, str(step_from), json.dumps({"step_to": step_to, "region": region}))
            pipe.expire(region_key, _REDIS_TTL_S)
            pipe.execute()

    def frames_after(self, run_id, last_seq: int) -> list[dict] | None:
        seq_key, frames_key, _ = self._keys(run_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.get(seq_key)
            pipe.xrange(frames_key, min=f"{last_seq + 1}-0", max="+")
            current, entries = pipe.execute()
        current = int(current or 0)
        if last_seq == current:
            return []
        if last_seq > current:  # the client saw frames this store no longer knows (e.g. Redis lost its data)
            return None
        frames = [json.loads(fields[b"frame"]) for _, fields in entries]
        if not frames or frames[0]["seq"] != last_seq + 1:
            return None
        return frames

    def state(self, run_id) -> StoreState:
        seq_key, frames_key, region_key = self._keys(run_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.get(seq_key)
            pipe.hgetall(region_key)
            pipe.xrevrange(frames_key, max="+", min="-", count=1)
            seq, raw_chunks, last = pipe.execute()
        chunks = []
        for start, raw in raw_chunks.items():
            chunk = json.loads(raw)
            chunks.append((int(start), chunk["step_to"], chunk["region"]))
        last_frame = json.loads(last[0][1][b"frame"]) if last else None
        return StoreState(int(seq or 0), chunks, last_frame)

    def release(self, run_id) -> None:
        _, frames_key, region_key = self._keys(run_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(region_key)
            pipe.xtrim(frames_key, maxlen=KEEP_AFTER_RELEASE, approximate=False)
            pipe.execute()


@lru_cache(maxsize=4)
def _store_for(mode: str, url: str, buffer_size: int):
    if mode == "distributed":
        return RedisFrameStore(url, buffer_size)
    return MemoryFrameStore(buffer_size)


def frame_store() -> MemoryFrameStore | RedisFrameStore:
    """The process's frame store for the configured mode."""
    return _store_for(settings.TWIN_MODE, settings.REDIS_URL, settings.TWIN_FRAME_BUFFER)


def publish(run_id, frame: dict, floor: int = 0) -> dict:
    """Store the frame (assigning its seq) and send it once to the run's group. Returns the stored frame.

    A failed group send is not fatal: the frame is in the replay buffer and viewers re-sync from it.
    """
    # sent_at: publish time [s since the epoch], lets viewers (and benchmarks/stream.py) measure frame latency.
    stored = frame_store().append(run_id, {**frame, "sent_at": round(time.time(), 4)}, floor=floor)
    layer = get_channel_layer()
    if layer is not None:
        # Encoded once here; each consumer forwards the text as is (100 viewers → 1 encode, not 100).
        event = {"type": FRAME_EVENT_TYPE, "seq": stored["seq"], "text": dumps(stored)}
        try:
            async_to_sync(layer.group_send)(group_name(run_id), event)
        except RuntimeError as exc:  # the process is shutting down (Ctrl-C): the run is re-queued at its checkpoint
            logger.info("group_send skipped for run %s: %s", run_id, exc)
        except Exception:  # viewers recover through the replay buffer / snapshot
            logger.warning("group_send failed for run %s", run_id, exc_info=True)
    return stored


def make_frame(run_id, step_from: int, step_to: int, region: dict, agents: dict, run: dict) -> dict:
    """A frame before the store gives it its seq (see docs/streaming.md)."""
    return {
        "type": "frame",
        "run_id": str(run_id),
        "step_from": step_from,
        "step_to": step_to,
        "region": region,
        "agents": agents,
        "run": run,
    }


class ThreadSafeInMemoryChannelLayer(InMemoryChannelLayer):
    """In-memory channel layer that may be sent to from worker threads (embedded mode).

    ``InMemoryChannelLayer`` keeps one ``asyncio.Queue`` per channel, bound to the consumer's event loop; a
    ``put_nowait`` from a worker thread's own loop would not wake that loop. Sends from a foreign loop are
    handed to the owning loop with ``call_soon_threadsafe``.
    """

    async def send(self, channel, message):
        queue = self.channels.get(channel)
        owner = getattr(queue, "_loop", None) if queue is not None else None
        try:
            current = asyncio.get_running_loop()
        except RuntimeError:  # pragma: no cover - always called from a coroutine
            current = None
        if owner is not None and owner is not current and owner.is_running():
            done = asyncio.get_running_loop().create_future()

            def _deliver():
                try:
                    self._put(channel, message)
                except Exception as exc:  # relayed to the sender
                    current.call_soon_threadsafe(_settle, exc)
                else:
                    current.call_soon_threadsafe(_settle, None)

            def _settle(exc):
                if not done.done():
                    done.set_exception(exc) if exc else done.set_result(None)

            owner.call_soon_threadsafe(_deliver)
            await done
            return
        await super().send(channel, message)

    def _put(self, channel, message):
        queue = self.channels.setdefault(channel, asyncio.Queue(maxsize=self.get_capacity(channel)))
        try:
            queue.put_nowait((time.time() + self.expiry, copy.deepcopy(message)))
        except asyncio.QueueFull:
            raise ChannelFull(channel) from None


SIGNIFICANT_DIGITS = 6
# daphne (autobahn) refuses to SEND WebSocket messages above 1 MiB by default (PayloadExceededError → close 1011):
# every text a consumer sends goes through ``wire_texts``, so no message on the wire is larger.
WS_MESSAGE_LIMIT_BYTES = 1024 * 1024
MAX_STEPS_PER_FRAME = 2000  # a very fast model flushes early so a frame's region stays well under that limit
_CHUNK_OVERHEAD_BYTES = 200  # {"type":"chunk","id":...,"index":...,"count":...,"text":""} around a piece


def chunk_messages(text: str, limit_bytes: int, message_id: str) -> list[str]:
    """``text`` (a JSON message) as ``chunk`` messages of at most ``limit_bytes`` each (docs/streaming.md).

    The client concatenates the ``text`` of chunks ``0 … count-1`` and parses the result as one message. Texts
    from ``dumps`` are ASCII, so characters are bytes; a piece grows by one byte per ``"`` or ``\\`` it holds
    when embedded as a JSON string, which is subtracted before the piece is cut.
    """
    room = limit_bytes - _CHUNK_OVERHEAD_BYTES - len(message_id)
    if room < 16:
        raise ValueError(f"limit_bytes={limit_bytes} leaves no room for a chunk")
    if not text.isascii():  # (texts from ``dumps`` always are) so that a character is one byte on the wire
        text = dumps(json.loads(text))
    pieces, start = [], 0
    while start < len(text):
        stop = min(start + room, len(text))
        while True:  # an ASCII character takes 1 or 2 bytes in a JSON string: half of room always fits
            piece = text[start:stop]
            excess = len(piece) + piece.count('"') + piece.count("\\") - room
            if excess <= 0:
                break
            stop = max(stop - (excess + 1) // 2, start + 1)
        pieces.append(piece)
        start = stop
    out = [dumps({"type": "chunk", "id": message_id, "index": i, "count": len(pieces), "text": piece})
           for i, piece in enumerate(pieces)]
    assert all(len(t) <= limit_bytes for t in out)
    return out


def wire_texts(text: str, limit_bytes: int | None = None, message_id: str = "") -> list[str]:
    """One message as the texts to send: itself when it fits, else its ``chunk`` messages."""
    limit_bytes = WS_MESSAGE_LIMIT_BYTES if limit_bytes is None else limit_bytes
    if len(text) <= limit_bytes:
        return [text]
    return chunk_messages(text, limit_bytes, message_id or "m")


def snapshot_messages(snapshot: dict, limit_bytes: int | None = None) -> list[str]:
    """The snapshot as WebSocket texts of at most ``limit_bytes`` each (docs/streaming.md).

    Small snapshots are one message. A large one whose size is in its region series (a year of many
    quantities) is a ``snapshot`` carrying the first steps and ``"parts": n``, followed by ``n``
    ``snapshot_part`` messages with the next step ranges. Whatever is still too large — a description or agent
    state of many thousand agents, which step ranges cannot split — goes out as ``chunk`` messages.
    """
    limit_bytes = WS_MESSAGE_LIMIT_BYTES if limit_bytes is None else limit_bytes
    text = dumps(snapshot)
    if len(text) <= limit_bytes:
        return [text]
    region = snapshot.get("region") or {}
    steps = max((len(v) for v in region.values()), default=0)
    texts = [text]
    rest = len(dumps({**snapshot, "region": {q: [] for q in region}, "parts": 0}))
    if steps > 1 and rest < limit_bytes:  # step ranges may bring every part under the limit
        parts = 1
        while parts < steps:
            parts = min(max(parts * 2, math.ceil(len(text) / (0.8 * limit_bytes))), steps)
            size = math.ceil(steps / parts)
            ranges = [(a, min(a + size, steps)) for a in range(0, steps, size)]
            split = [dumps({**snapshot, "region": {q: v[: ranges[0][1]] for q, v in region.items()},
                            "parts": len(ranges) - 1})]
            split += [dumps({"type": "snapshot_part", "seq": snapshot["seq"], "run_id": snapshot["run"]["id"],
                             "step_from": a, "step_to": b, "region": {q: v[a:b] for q, v in region.items()}})
                      for a, b in ranges[1:]]
            if max(len(t) for t in split) <= limit_bytes:
                texts = split
                break
    out = []
    for index, part in enumerate(texts):
        out += wire_texts(part, limit_bytes, f"snapshot-{snapshot.get('seq', 0)}-{index}")
    return out


def compact_values(values) -> list:
    """JSON-ready list for display: 6 significant digits, NaN/inf → None (exact values are in the results files)."""
    arr = np.asarray(values, dtype=np.float64).ravel()
    finite = np.isfinite(arr)
    clean = np.where(finite, arr, 0.0)
    magnitude = np.floor(np.log10(np.where(clean != 0, np.abs(clean), 1.0)))
    digits = np.clip(SIGNIFICANT_DIGITS - 1 - magnitude, -15, 15)
    scale = 10.0 ** np.abs(digits)
    # integer ÷ or × an exact power of ten is correctly rounded, so the result prints with few digits
    rounded = np.where(digits >= 0, np.round(clean * scale) / scale, np.round(clean / scale) * scale)
    out = rounded.tolist()
    if not finite.all():
        out = [v if ok else None for v, ok in zip(out, finite.tolist(), strict=True)]
    return out


def compact_table(table: dict) -> dict[str, list]:
    """``compact_values`` for every quantity of a ``{name: values}`` table."""
    return {name: compact_values(values) for name, values in table.items()}


def dumps(message: dict[str, Any]) -> str:
    """Compact JSON for the wire (no NaN: values are sanitised before they reach a frame)."""
    return json.dumps(message, separators=(",", ":"), allow_nan=False)
