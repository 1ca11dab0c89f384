"""Celery pool children run simulations at a lower CPU priority than the web server (TWIN_WORKER_NICE)."""
import os

from twin.celery import lower_child_priority


def _niceness_after(settings_nice: int, settings) -> int:
    settings.TWIN_WORKER_NICE = settings_nice
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child stands for a freshly forked pool child
        try:
            before = os.nice(0)
            lower_child_priority()
            os.write(write, str(os.nice(0) - before).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    with os.fdopen(read) as pipe:
        return int(pipe.read() or -1)


def test_pool_child_is_niced_by_the_setting(settings):
    if os.nice(0) + 5 > 19:
        return  # already at the lowest priority: nothing to lower
    assert _niceness_after(5, settings) == 5
    assert _niceness_after(0, settings) == 0
