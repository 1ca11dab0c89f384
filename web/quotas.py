"""Per-user quotas (docs/operations.md): waiting runs, stored result bytes, open live viewers.

Running runs per user (``TWIN_QUOTA_RUNNING_RUNS``) are not refused: extra runs wait ``queued`` and the fair
dispatcher (``services.run_claim_next``) starts them when a slot of that user frees. Everything else over a
quota is refused with ``QuotaExceeded``: HTTP 429 in the API (``{"detail", "quota", "limit", "used"}``), a
message on the pages, close code 4429 with an error message on a WebSocket.
"""
from __future__ import annotations

import threading
import time

from django.conf import settings
from django.db.models import Sum
from rest_framework import status
from rest_framework.exceptions import APIException

from .models import Run, Sweep

CLOSE_QUOTA = 4429
WS_ENTRY_TTL_S = 90  # a viewer's entry in the shared count expires unless its consumer refreshes it
WS_REFRESH_S = 30


class QuotaExceeded(APIException):
    """A per-user quota is used up. ``quota`` is the setting's name, e.g. ``TWIN_QUOTA_WAITING_RUNS``."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "quota_exceeded"

    def __init__(self, quota: str, message: str, *, limit: int, used: int):
        self.quota, self.message, self.limit, self.used = quota, message, limit, used
        super().__init__(detail=message)
        self.detail = {"detail": message, "quota": quota, "limit": limit, "used": used}  # numbers stay numbers

    def __str__(self) -> str:
        return self.message


def user_result_bytes(user) -> int:
    return int(Run.objects.filter(owner=user).aggregate(n=Sum("result_bytes"))["n"] or 0)


def quota_check_run_create(user) -> None:
    """Raise ``QuotaExceeded`` when ``user`` may not add another run (waiting runs or stored results used up)."""
    waiting = Run.objects.filter(owner=user, status__in=[Run.Status.QUEUED, Run.Status.PAUSED, Run.Status.WAITING]).count()
    limit = settings.TWIN_QUOTA_WAITING_RUNS
    if waiting >= limit:
        raise QuotaExceeded(
            "TWIN_QUOTA_WAITING_RUNS",
            f"Quota reached: you have {waiting} runs waiting (queued or paused), the limit TWIN_QUOTA_WAITING_RUNS "
            f"is {limit}. Wait for them to start, or cancel some.", limit=limit, used=waiting)
    stored, cap = user_result_bytes(user), settings.TWIN_QUOTA_RESULT_BYTES
    if cap and stored >= cap:
        raise QuotaExceeded(
            "TWIN_QUOTA_RESULT_BYTES",
            f"Quota reached: your runs store {stored / 1e6:.0f} MB of results, the limit TWIN_QUOTA_RESULT_BYTES "
            f"is {cap / 1e6:.0f} MB. Delete old runs to start new ones.", limit=cap, used=stored)


def quota_check_sweep_create(user, runs: int) -> None:
    """Raise ``QuotaExceeded`` when ``user`` may not start a sweep of ``runs`` runs: active sweeps
    (``TWIN_QUOTA_ACTIVE_SWEEPS``), runs per sweep (``TWIN_SWEEP_MAX_RUNS``) or stored results used up."""
    active = Sweep.objects.filter(owner=user, status__in=Sweep.ACTIVE).count()
    limit = settings.TWIN_QUOTA_ACTIVE_SWEEPS
    if active >= limit:
        raise QuotaExceeded(
            "TWIN_QUOTA_ACTIVE_SWEEPS",
            f"Quota reached: you have {active} sweeps queued or running, the limit TWIN_QUOTA_ACTIVE_SWEEPS is "
            f"{limit}. Wait for one to finish, or cancel one.", limit=limit, used=active)
    cap = settings.TWIN_SWEEP_MAX_RUNS
    if runs > cap:
        raise QuotaExceeded(
            "TWIN_SWEEP_MAX_RUNS",
            f"Quota reached: this sweep has {runs} runs (points × seeds), the limit TWIN_SWEEP_MAX_RUNS is {cap}. "
            "Use fewer values or seeds.", limit=cap, used=runs)
    stored, cap = user_result_bytes(user), settings.TWIN_QUOTA_RESULT_BYTES
    if cap and stored >= cap:
        raise QuotaExceeded(
            "TWIN_QUOTA_RESULT_BYTES",
            f"Quota reached: your runs store {stored / 1e6:.0f} MB of results, the limit TWIN_QUOTA_RESULT_BYTES "
            f"is {cap / 1e6:.0f} MB. Delete old runs to start new ones.", limit=cap, used=stored)


# ---------------------------------------------------------------------------------------------------- WebSockets


class _MemoryViewers:
    """Open viewers per user in this process (embedded mode: one process serves every WebSocket)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_user: dict[int, set[str]] = {}

    def add(self, user_id: int, channel: str, limit: int) -> int:
        with self.lock:
            viewers = self.by_user.setdefault(user_id, set())
            if len(viewers) >= limit:
                return -len(viewers)
            viewers.add(channel)
            return len(viewers)

    def refresh(self, user_id: int, channel: str) -> None:
        return None

    def remove(self, user_id: int, channel: str) -> None:
        with self.lock:
            self.by_user.get(user_id, set()).discard(channel)


class _RedisViewers:
    """Open viewers per user across daphne processes: a sorted set per user, member = channel, score = expiry.

    Entries of a process that died expire after ``WS_ENTRY_TTL_S``; live consumers refresh theirs.
    """

    ADD = """
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
    local n = redis.call('ZCARD', KEYS[1])
    if n >= tonumber(ARGV[3]) then return -n end
    redis.call('ZADD', KEYS[1], ARGV[2], ARGV[4])
    redis.call('EXPIRE', KEYS[1], ARGV[5])
    return n + 1
    """

    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5)
        self.add_script = self.client.register_script(self.ADD)

    @staticmethod
    def key(user_id: int) -> str:
        return f"twin:viewers:{user_id}"

    def add(self, user_id: int, channel: str, limit: int) -> int:
        now = time.time()
        return int(self.add_script(keys=[self.key(user_id)],
                                   args=[now, now + WS_ENTRY_TTL_S, limit, channel, WS_ENTRY_TTL_S * 2]))

    def refresh(self, user_id: int, channel: str) -> None:
        self.client.zadd(self.key(user_id), {channel: time.time() + WS_ENTRY_TTL_S}, xx=True)

    def remove(self, user_id: int, channel: str) -> None:
        self.client.zrem(self.key(user_id), channel)


_viewers_lock = threading.Lock()
_viewers: dict[tuple, object] = {}


def viewers():
    """The viewer counter of the configured mode (one per process)."""
    key = (settings.TWIN_MODE, settings.REDIS_URL)
    with _viewers_lock:
        if key not in _viewers:
            _viewers[key] = _RedisViewers(settings.REDIS_URL) if settings.TWIN_MODE == "distributed" else _MemoryViewers()
        return _viewers[key]


def viewer_open(user_id: int, channel: str) -> QuotaExceeded | None:
    """Count a new live viewer of ``user_id``; a ``QuotaExceeded`` (not raised) when the user has too many open."""
    limit = settings.TWIN_QUOTA_WEBSOCKETS
    count = viewers().add(user_id, channel, limit)
    if count >= 0:
        return None
    return QuotaExceeded(
        "TWIN_QUOTA_WEBSOCKETS",
        f"Quota reached: you have {-count} live views open, the limit TWIN_QUOTA_WEBSOCKETS is {limit}. "
        "Close other run pages or tabs.", limit=limit, used=-count)
