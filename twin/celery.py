"""Celery application. Configuration lives in settings (CELERY_* names)."""
import os

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twin.settings")

app = Celery("twin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["web"])


@worker_process_init.connect
def limit_child_memory(**_kwargs) -> None:
    """Hard memory limit of each pool child: ``TWIN_WORKER_MEMORY_LIMIT_BYTES`` of resident memory (0 = none),
    enforced by ``web.executor.start_memory_watchdog`` (fails the child's run with the reason, then exits)."""
    from django.conf import settings

    from web.executor import start_memory_watchdog

    start_memory_watchdog(int(settings.TWIN_WORKER_MEMORY_LIMIT_BYTES or 0))


@worker_process_init.connect
def lower_child_priority(**_kwargs) -> None:
    """Pool children run simulations at ``TWIN_WORKER_NICE`` (default 10): batch work yields the CPU to the web
    server's requests (pages, API, viewers) and still takes every idle cycle."""
    from django.conf import settings

    nice = int(settings.TWIN_WORKER_NICE or 0)
    if nice > 0:
        try:
            os.nice(nice)
        except OSError:  # not permitted here: run at the normal priority
            pass
