"""Celery tasks: take an id, call a service (DESIGN.md). Queue ``simulations``; beat runs the reaper."""
from celery import shared_task

from . import services
from .executor import worker_name


@shared_task(name="web.tasks.run_execute_task", acks_late=True)
def run_execute_task(run_id: str) -> str:
    """A dispatch token: execute one wall-time slice of the fairest queued run (``run_id`` is the run whose
    enqueue sent it; another user's run may be fairer). The run re-enqueues a token until it ends."""
    return services.run_execute_next(worker_name("celery"))


@shared_task(name="web.tasks.run_reap_stale_task")
def run_reap_stale_task() -> dict:
    """Re-queue or fail runs whose worker stopped sending heartbeats; re-send long-waiting queued runs;
    prune finished runs older than TWIN_RESULT_RETENTION_DAYS."""
    result = services.run_reap_stale()
    result["reenqueued"] = services.run_reenqueue_waiting()
    result["pruned"] = services.run_prune_results()
    return result
