"""Celery tasks: take an id, call a service (DESIGN.md). Queue ``simulations``; beat runs the reaper."""
from celery import shared_task
from django.conf import settings

from . import services, sweep_services
from .executor import worker_name


@shared_task(name="web.tasks.run_execute_task", acks_late=True)
def run_execute_task(run_id: str) -> str:
    """A dispatch token: execute one wall-time slice of the fairest queued run (``run_id`` is the run whose
    enqueue sent it; another user's run may be fairer). The run re-enqueues a token until it ends."""
    return services.run_execute_next(worker_name("celery"))


@shared_task(name="web.tasks.sweep_point_task", acks_late=True, reject_on_worker_lost=True,
             soft_time_limit=settings.TWIN_SWEEP_POINT_TIME_LIMIT_S,
             time_limit=settings.TWIN_SWEEP_POINT_TIME_LIMIT_S + 60)
def sweep_point_task(point_id: int) -> str:
    """One (sweep, point, seed) row, run to its end and its result row written once (idempotent: a re-delivered
    message finds the row done or held and returns ``not-claimed``)."""
    return sweep_services.sweep_point_execute(point_id, worker_name("celery"))


@shared_task(name="web.tasks.run_reap_stale_task")
def run_reap_stale_task() -> dict:
    """Re-queue or fail runs (and sweep points) whose worker stopped sending heartbeats; re-send long-waiting
    queued runs; prune finished runs older than TWIN_RESULT_RETENTION_DAYS."""
    result = services.run_reap_stale()
    result["reenqueued"] = services.run_reenqueue_waiting()
    result["pruned"] = services.run_prune_results()
    result["sweeps"] = sweep_services.sweep_reap_stale()
    result["sweeps_pruned"] = sweep_services.sweep_prune()
    return result
