"""Warm a server process before it takes requests: the URLconf (which imports the views and the model core), the
scenario validator's first build, run provenance. Without it the first requests after a start each waited for
these imports (~3-5 s on a loaded 2-core machine: the first runs created in benchmarks/load.py took seconds)."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from django.conf import settings

logger = logging.getLogger(__name__)


def warm_up() -> None:
    """Import and build once what every request needs; a failure here is logged, never fatal."""
    try:
        from django.urls import get_resolver

        get_resolver().url_patterns  # noqa: B018 - imports every view module (and agents, via web.views)
        from agents import validate_scenario

        from . import services

        services._package_versions()
        services.git_sha()
        starter = Path(settings.BASE_DIR) / "fixtures" / "scenarios" / "_tiny.json"
        if starter.exists():
            validate_scenario(json.loads(starter.read_text(encoding="utf-8")))  # pydantic builds validators lazily
    except Exception:  # noqa: BLE001 - a cold first request is better than a server that does not start
        logger.warning("warm-up failed; the first requests will be slower", exc_info=True)
