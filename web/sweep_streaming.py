"""Live progress of a sweep: one message per change to the group ``sweep.<uuid>``, the same hub pattern as runs.

Each message carries the sweep's whole state (``sweep_selectors.sweep_public``: status and row counts), so a
viewer that misses one is right again at the next; on connect it gets the current state (docs/sweeps.md).
"""
from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.http import Http404

from .consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, RunHub
from .quotas import CLOSE_QUOTA, viewer_open, viewers
from .streaming import dumps

logger = logging.getLogger(__name__)
EVENT_TYPE = "sweep.progress"


def group_name(sweep_id) -> str:
    return f"sweep.{sweep_id}"


def progress_message(sweep) -> dict:
    from .sweep_selectors import sweep_public

    return {"type": EVENT_TYPE, "sweep": sweep_public(sweep)}


def publish_progress(sweep_id) -> None:
    """Send the sweep's current state to its group (encoded once)."""
    from .models import Sweep

    sweep = Sweep.objects.only(*_FIELDS).get(pk=sweep_id)
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(sweep_id), {"type": EVENT_TYPE, "text": dumps(
            progress_message(sweep))})
    except RuntimeError as exc:  # the process is shutting down
        logger.info("group_send skipped for sweep %s: %s", sweep_id, exc)


_FIELDS = ("id", "owner", "scenario", "name", "mode", "params", "seeds", "kpis", "points", "total_runs", "status",
           "error", "created_at", "started_at", "finished_at")


def _owned_sweep(user, sweep_id):
    from .sweep_selectors import sweep_get_for_user

    try:
        return sweep_get_for_user(user, sweep_id, defer=("base_snapshot",))
    except Http404:
        return None


def _state_text(sweep_id) -> str:
    from .models import Sweep

    return dumps(progress_message(Sweep.objects.only(*_FIELDS).get(pk=sweep_id)))


class SweepConsumer(AsyncJsonWebsocketConsumer):
    """``ws/sweeps/<uuid>/``: the owner's live progress of a sweep (others: close 4403)."""

    hub = None
    counted_user = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.accept()
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.sweep = await database_sync_to_async(_owned_sweep)(user, self.scope["url_route"]["kwargs"]["sweep_id"])
        if self.sweep is None:
            await self.accept()
            await self.close(code=CLOSE_FORBIDDEN)
            return
        try:
            refused = await database_sync_to_async(viewer_open)(user.pk, self.channel_name)
        except Exception:  # the shared count is unavailable: serve uncounted
            logger.warning("viewer quota not checked for %s", self.channel_name, exc_info=True)
            refused = False
        if refused:
            await self.accept()
            await self.send_json({"type": "error", "quota": refused.quota, "message": refused.message})
            await self.close(code=CLOSE_QUOTA)
            return
        if refused is None:
            self.counted_user = user.pk
        self.hub = await RunHub.join(self.channel_layer, group_name(self.sweep.pk), self)
        await self.accept()
        await self.send(text_data=await database_sync_to_async(_state_text)(self.sweep.pk))

    async def disconnect(self, code):
        if self.counted_user is not None:
            try:
                await database_sync_to_async(viewers().remove)(self.counted_user, self.channel_name)
            except Exception:
                logger.warning("could not uncount viewer %s", self.channel_name, exc_info=True)
            self.counted_user = None
        if self.hub is not None:
            await self.hub.leave(self)

    def deliver(self, event: dict) -> None:
        """Called by the hub for every group message (a whole state: forwarding the latest is enough)."""
        import asyncio

        asyncio.ensure_future(self.send(text_data=event["text"]))

    async def receive_json(self, content, **kwargs):
        if isinstance(content, dict) and content.get("type") == "snapshot":
            await self.send(text_data=await database_sync_to_async(_state_text)(self.sweep.pk))
