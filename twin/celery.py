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
    """Hard memory limit of each pool child (``TWIN_WORKER_MEMORY_LIMIT_BYTES``, address space, 0 = none).

    An allocation beyond it raises MemoryError in the run, which ``services.run_execute`` turns into a failed run
    with the reason (not re-queued); the child itself survives and takes the next task.
    """
    import resource

    from django.conf import settings

    limit = int(getattr(settings, "TWIN_WORKER_MEMORY_LIMIT_BYTES", 0) or 0)
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
