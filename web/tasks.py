"""Celery tasks: take an id, call a service (DESIGN.md). Queue ``simulations``; beat runs the reaper."""
from celery import shared_task

from . import services
from .executor import worker_name


@shared_task(name="web.tasks.run_execute_task", acks_late=True)
def run_execute_task(run_id: str) -> str:
    """Execute one wall-time slice of a run (re-enqueues itself until the run ends)."""
    return services.run_execute(run_id, worker_name("celery"))


@shared_task(name="web.tasks.run_reap_stale_task")
def run_reap_stale_task() -> dict:
    """Re-queue or fail runs whose worker stopped sending heartbeats; re-send long-waiting queued runs."""
    result = services.run_reap_stale()
    result["reenqueued"] = services.run_reenqueue_waiting()
    return result
