"""Where a run executes: Celery workers (distributed) or an in-process thread pool (embedded).

Both call the same ``services.run_execute``; only the transport differs. Embedded mode also runs the reaper
in a daemon thread (``start_embedded``), the job Celery beat does in distributed mode.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections, connections

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_reaper: threading.Thread | None = None
_reaper_stop = threading.Event()
_shutdown = threading.Event()
_pending = 0


def worker_name(kind: str = "embedded") -> str:
    """Identity written into ``Run.worker``: host, process and thread."""
    return f"{kind}@{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"


def enqueue_run(run_id) -> Future | None:
    """Send a dispatch token for a run: Celery queue ``simulations`` (distributed) or the in-process pool (embedded).

    The token is not bound to ``run_id``: the worker that takes it claims the fairest queued run at that moment
    (``services.run_claim_next``: the user with the fewest running runs first), so queues are fair across users.
    """
    if settings.TWIN_MODE == "distributed":
        from .tasks import run_execute_task

        run_execute_task.apply_async(args=[str(run_id)], queue="simulations")
        return None
    global _pending
    with _lock:
        _pending += 1
    return embedded_pool().submit(_execute_embedded, str(run_id))


def enqueue_sweep_points(point_ids: list) -> None:
    """Send one task per sweep row: a Celery group on ``simulations`` (independent tasks, no chord: nothing waits
    for the group) in distributed mode, the in-process pool in embedded mode (web/sweep_services.py)."""
    if not point_ids:
        return
    if settings.TWIN_MODE == "distributed":
        from celery import group

        from .tasks import sweep_point_task

        group(sweep_point_task.si(int(pk)) for pk in point_ids).apply_async(queue="simulations")
        return
    global _pending
    pool = embedded_pool()
    for pk in point_ids:
        with _lock:
            _pending += 1
        pool.submit(_execute_sweep_point_embedded, int(pk))


def queued_messages() -> int | None:
    """Task messages waiting for a worker: the broker's ``simulations`` list (distributed) or the embedded pool's
    pending tokens; None when unknown (the broker unreachable)."""
    if settings.TWIN_MODE != "distributed":
        return _pending
    try:
        import redis

        return int(redis.Redis.from_url(settings.CELERY_BROKER_URL, socket_timeout=5).llen("simulations"))
    except Exception:  # unknown: the caller re-sends (duplicates are harmless)
        return None


def _execute_sweep_point_embedded(point_id: int) -> str:
    global _pending
    from . import sweep_services

    close_old_connections()
    try:
        return sweep_services.sweep_point_execute(point_id, worker_name())
    except Exception:  # the pool thread keeps serving
        logger.exception("embedded execution of sweep point %s crashed", point_id)
        return "crashed"
    finally:
        connections.close_all()
        with _lock:
            _pending -= 1


def embedded_pending() -> int:
    """Dispatch tokens submitted to the embedded pool and not yet finished (tests wait for 0 between cases)."""
    return _pending


def embedded_pool() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=settings.TWIN_EMBEDDED_WORKERS, thread_name_prefix="twin-run")
            # Runs before the pool's own exit hook joins its threads (hooks run in reverse order), so Ctrl-C
            # does not wait for long runs: they checkpoint, go back to queued, and resume on the next start.
            register = getattr(threading, "_register_atexit", None)
            if register is not None:
                register(request_shutdown)
        return _pool


def request_shutdown() -> None:
    """Ask embedded executions to checkpoint and hand their runs back to the queue at the next frame flush."""
    _shutdown.set()
    _reaper_stop.set()


def shutdown_requested() -> bool:
    return _shutdown.is_set()


def _execute_embedded(run_id: str) -> str:
    global _pending
    from . import services

    close_old_connections()
    try:
        return services.run_execute_next(worker_name())
    except Exception:  # the pool thread keeps serving other runs
        logger.exception("embedded execution of run %s crashed", run_id)
        return "crashed"
    finally:
        connections.close_all()
        with _lock:
            _pending -= 1


def start_embedded() -> bool:
    """Start the embedded reaper thread once per process (no-op in distributed mode or when disabled).

    Its first pass also enqueues runs left queued by a previous server process.
    """
    global _reaper
    if settings.TWIN_MODE != "embedded" or not getattr(settings, "TWIN_EMBEDDED_REAPER", True):
        return False
    with _lock:
        if _reaper is not None and _reaper.is_alive():
            return False
        _reaper_stop.clear()
        _reaper = threading.Thread(target=_reap_forever, name="twin-reaper", daemon=True)
        _reaper.start()
    return True


def stop_embedded(timeout_s: float = 5.0) -> None:
    """Stop the reaper thread (tests, shutdown)."""
    _reaper_stop.set()
    if _reaper is not None:
        _reaper.join(timeout_s)


def _reap_forever() -> None:
    from . import services, sweep_services

    first = True
    period_s = settings.TWIN_HEARTBEAT_S * 5
    while not _reaper_stop.is_set():
        close_old_connections()
        try:
            if first:
                services.run_requeue_orphans()
                sweep_services.sweep_requeue_orphans()
                first = False
            services.run_reap_stale()
            sweep_services.sweep_reap_stale()
            sweep_services.sweep_prune()
            services.run_reenqueue_waiting()
            services.run_prune_results()
        except Exception:  # e.g. database not migrated yet; try again next period
            logger.warning("embedded reaper pass failed", exc_info=True)
        finally:
            connections.close_all()
        _reaper_stop.wait(period_s)


# ---------------------------------------------------------------------------------------------------- memory limit

_watchdog: threading.Thread | None = None


def rss_bytes() -> int:
    """Resident memory of this process [bytes] (Linux /proc; 0 where unavailable)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def start_memory_watchdog(limit_bytes: int, kind: str = "celery", period_s: float = 0.1) -> bool:
    """Hard memory limit of a worker process: a thread samples its resident memory every ``period_s``.

    Over ``limit_bytes`` (``TWIN_WORKER_MEMORY_LIMIT_BYTES``) it fails the runs this process holds with the
    reason (``services.run_fail_over_memory``: not re-queued, attempts not reset) and ends the process at once
    (exit 75), before the kernel's OOM killer takes the machine's other processes. Celery's master starts a fresh
    pool child; the task message it re-delivers finds the run failed and claims the next fair one instead.
    """
    global _watchdog
    if limit_bytes <= 0 or (_watchdog is not None and _watchdog.is_alive()):
        return False
    prefix = f"{kind}@{socket.gethostname()}:{os.getpid()}:"

    def watch() -> None:
        from . import services

        while True:
            rss = rss_bytes()
            if rss > limit_bytes:
                try:
                    services.run_fail_over_memory(prefix, rss_bytes=rss, limit_bytes=limit_bytes)
                    from . import sweep_services

                    sweep_services.sweep_fail_over_memory(prefix, rss_bytes=rss, limit_bytes=limit_bytes)
                finally:
                    logger.error("worker %s* over its memory limit (%d > %d bytes): exiting", prefix, rss, limit_bytes)
                    os._exit(75)
            time.sleep(period_s)

    _watchdog = threading.Thread(target=watch, name="twin-memory-watchdog", daemon=True)
    _watchdog.start()
    return True
