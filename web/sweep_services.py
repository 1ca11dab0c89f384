"""Write side of sweeps (docs/sweeps.md): create, launch, execute one point, finish, cancel, reap, stream progress.

A sweep's runs are ``SweepPoint`` rows keyed (sweep, point, seed). Each is one independent, idempotent task on
the ``simulations`` queue (a Celery group, not a chord; embedded mode: the in-process pool): the task claims its
row with one conditional UPDATE, runs the point to its end, and writes the result with an UPDATE fenced by
``worker=<its name>, status=running`` — so a point is written exactly once however many times its message is
delivered. The sweep is complete when no row is queued or running. A worker that dies mid-point stops sending
heartbeats; the reaper (``sweep_reap_stale``, with the runs' reaper) re-queues its row and sends the task again.
"""
from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from . import sweep_grid
from .models import Sweep, SweepPoint
from .quotas import quota_check_sweep_create
from .services import _json_safe, _package_versions, git_sha

logger = logging.getLogger(__name__)
ACTIVE_POINT = (SweepPoint.Status.QUEUED, SweepPoint.Status.RUNNING)


class SweepStateError(Exception):
    """A control action that does not apply to the sweep's status."""


# ---------------------------------------------------------------------------------------------------- create


def sweep_create(owner, scenario_data: dict, *, params=None, seeds=None, contract=None, mode: str = "grid",
                 kpis=None, name: str | None = None, scenario=None) -> Sweep:
    """Validate the whole grid (``GridError`` with ``loc`` paths), check quotas, store one row per (point, seed)
    and send their tasks after the transaction commits."""
    try:
        plan = sweep_grid.plan(scenario_data, params=params, seeds=seeds, contract=contract, mode=mode, kpis=kpis,
                               max_runs=settings.TWIN_SWEEP_MAX_RUNS)
    except sweep_grid.TooManyRuns as exc:
        quota_check_sweep_create(owner, exc.runs)  # raises the 429 of TWIN_SWEEP_MAX_RUNS
        raise
    quota_check_sweep_create(owner, plan.total_runs)  # 429: active sweeps, runs per sweep, stored results
    label = (name or (f"{scenario.name} sweep" if scenario else "") or f"{plan.base.get('name') or 'scenario'} sweep")
    with transaction.atomic():
        sweep = Sweep.objects.create(
            owner=owner, scenario=scenario, name=label[:200], base_snapshot=plan.base, contract=contract,
            mode=plan.mode, seeds=plan.seeds, kpis=plan.kpis, points=len(plan.points), total_runs=plan.total_runs,
            params=[{"path": p.path, "loc": p.loc, "values": list(p.values), "base": p.base} for p in plan.params],
            package_versions=dict(_package_versions()), git_sha=git_sha(), enqueued_at=timezone.now(),
        )
        SweepPoint.objects.bulk_create([
            SweepPoint(sweep=sweep, point=pt.index, seed=seed, values=pt.values, varied=pt.varied or "")
            for pt in plan.points for seed in plan.seeds
        ], batch_size=500)
        transaction.on_commit(lambda: _enqueue_points(sweep.pk))
    return sweep


def _enqueue_points(sweep_id, only=None) -> None:
    from .executor import enqueue_sweep_points

    rows = SweepPoint.objects.filter(sweep_id=sweep_id, status=SweepPoint.Status.QUEUED)
    if only is not None:
        rows = rows.filter(pk__in=only)
    enqueue_sweep_points(list(rows.order_by("point", "seed").values_list("pk", flat=True)))


# ---------------------------------------------------------------------------------------------------- execute


def point_claim(point_id, worker: str) -> bool:
    """Take the row with ONE conditional UPDATE: queued → running, or running with a stale heartbeat (counted as
    an attempt), only while its sweep is active. False: done already, held by a live worker, or cancelled."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.TWIN_STALE_AFTER_S)
    claimable = Q(status=SweepPoint.Status.QUEUED) | Q(status=SweepPoint.Status.RUNNING, heartbeat_at__lt=stale_before)
    rows = SweepPoint.objects.filter(claimable, pk=point_id, sweep__status__in=Sweep.ACTIVE)
    stale = rows.filter(status=SweepPoint.Status.RUNNING)
    if stale.update(attempts=F("attempts") + 1, worker=worker, heartbeat_at=now, started_at=now):
        return True
    return bool(rows.filter(status=SweepPoint.Status.QUEUED).update(
        status=SweepPoint.Status.RUNNING, worker=worker, heartbeat_at=now, started_at=now))


def sweep_point_execute(point_id, worker: str) -> str:
    """Claim and run one point of a sweep to its end; write its result row. Returns ``not-claimed``,
    ``succeeded``, ``failed``, ``lost`` (another worker reclaimed it, or the sweep was cancelled) or ``queued``
    (embedded process shutting down: the point goes back to the queue and restarts from step 0)."""
    if not point_claim(point_id, worker):
        return "not-claimed"
    point = SweepPoint.objects.select_related("sweep").get(pk=point_id)
    sweep = point.sweep
    if Sweep.objects.filter(pk=sweep.pk, status=Sweep.Status.QUEUED).update(status=Sweep.Status.RUNNING,
                                                                           started_at=timezone.now()):
        sweep_publish(sweep.pk)
    owned = SweepPoint.objects.filter(pk=point_id, worker=worker, status=SweepPoint.Status.RUNNING)
    stop = threading.Event()
    model = None
    try:
        with _heartbeat(owned, stop):
            from agents import build_model, kpis_with_contracts, validate_scenario

            scenario = validate_scenario(sweep_grid.point_document(sweep.base_snapshot, sweep.params, point.values))
            model = build_model(scenario, seed=int(point.seed))  # one region or several
            t0 = time.perf_counter()
            while model.step_index < model.total_steps:
                model.step()
                if stop.is_set():
                    return "lost"
                if _shutdown_requested():
                    owned.update(status=SweepPoint.Status.QUEUED, worker="")
                    return "queued"
            compute_s = time.perf_counter() - t0
            # with each contract's results against its counterfactual (agents.contract_eval), as runs write them
            kpis = _json_safe(kpis_with_contracts(model, max_steps=settings.TWIN_COUNTERFACTUAL_MAX_STEPS))
        metrics = sweep_grid.select_metrics(kpis, sweep.kpis)
        if not owned.update(status=SweepPoint.Status.SUCCEEDED, kpis=kpis, metrics=metrics, compute_s=compute_s,
                            finished_at=timezone.now(), heartbeat_at=timezone.now(), worker="", error=""):
            return "lost"
        outcome = "succeeded"
    except SoftTimeLimitExceeded:
        outcome = _fail(owned, f"The point ran longer than TWIN_SWEEP_POINT_TIME_LIMIT_S = "
                               f"{settings.TWIN_SWEEP_POINT_TIME_LIMIT_S} s and was stopped; shorten the horizon.")
    except MemoryError:
        model = None
        outcome = _fail(owned, "The point ran out of memory and was stopped; it is not retried.")
    except Exception as exc:  # a bad point fails alone (deterministic: not retried); the sweep goes on
        logger.exception("sweep point %s failed on %s", point_id, worker)
        outcome = _fail(owned, f"{type(exc).__name__}: {exc}")
    finally:
        if model is not None:
            model.remove_all_agents()
    sweep_check_complete(sweep.pk)
    sweep_publish(sweep.pk)
    return outcome


def _fail(owned, message: str) -> str:
    if owned.update(status=SweepPoint.Status.FAILED, error=message[:4000], finished_at=timezone.now(), worker=""):
        return "failed"
    return "lost"


def _shutdown_requested() -> bool:
    from .executor import shutdown_requested

    return shutdown_requested()


class _heartbeat:  # noqa: N801 - used as a context manager like services._heartbeat_while
    """Refresh the row's heartbeat from a helper thread; a fenced UPDATE of 0 rows (the row was reclaimed or its
    sweep cancelled) sets ``stop`` so the stepping loop ends."""

    def __init__(self, owned, stop: threading.Event):
        self.owned, self.stop, self.done = owned, stop, threading.Event()
        self.thread = threading.Thread(target=self.beat, name="sweep-heartbeat", daemon=True)

    def beat(self) -> None:
        try:
            while not self.done.wait(settings.TWIN_HEARTBEAT_S):
                if not self.owned.update(heartbeat_at=timezone.now()):
                    self.stop.set()
                    return
        except Exception:  # a missed heartbeat only risks a reclaim
            logger.warning("sweep heartbeat failed", exc_info=True)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.done.set()
        self.thread.join()
        return False


# ---------------------------------------------------------------------------------------------------- finish / cancel


def sweep_check_complete(sweep_id) -> bool:
    """Finish the sweep once no row is queued or running (one conditional UPDATE: exactly one caller wins)."""
    rows = SweepPoint.objects.filter(sweep_id=sweep_id)
    if rows.filter(status__in=ACTIVE_POINT).exists():
        return False
    final = Sweep.Status.FAILED if rows.filter(status=SweepPoint.Status.FAILED).exists() else Sweep.Status.SUCCEEDED
    return bool(Sweep.objects.filter(pk=sweep_id, status__in=Sweep.ACTIVE).update(status=final,
                                                                                   finished_at=timezone.now()))


def sweep_cancel(sweep: Sweep) -> Sweep:
    """Cancel an active sweep: its queued and running rows become cancelled (running tasks notice at their next
    heartbeat and stop). ``SweepStateError`` when it has finished already."""
    with transaction.atomic():
        if not Sweep.objects.filter(pk=sweep.pk, status__in=Sweep.ACTIVE).update(status=Sweep.Status.CANCELLED,
                                                                               finished_at=timezone.now()):
            sweep.refresh_from_db()
            raise SweepStateError(f"cannot cancel a {sweep.status} sweep")
        SweepPoint.objects.filter(sweep=sweep, status__in=ACTIVE_POINT).update(
            status=SweepPoint.Status.CANCELLED, worker="", finished_at=timezone.now())
    sweep.refresh_from_db()
    sweep_publish(sweep.pk)
    return sweep


# ---------------------------------------------------------------------------------------------------- reaper


def sweep_reap_stale() -> dict[str, list[int]]:
    """Rows running with a stale heartbeat (their worker died): re-queued and sent again (attempts <
    TWIN_MAX_ATTEMPTS), else failed with the reason. Sweeps with queued rows that made no progress for
    TWIN_STALE_AFTER_S are sent again when the broker holds fewer messages than queued rows (messages lost, e.g. a
    Redis restart); a duplicate message is harmless (claims are exclusive)."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.TWIN_STALE_AFTER_S)
    stale = SweepPoint.objects.filter(status=SweepPoint.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True))
    requeued, failed, touched = [], [], set()
    for pk, sweep_id, attempts, heartbeat_at in stale.values_list("pk", "sweep_id", "attempts", "heartbeat_at"):
        same = SweepPoint.objects.filter(pk=pk, status=SweepPoint.Status.RUNNING, heartbeat_at=heartbeat_at)
        if attempts + 1 < settings.TWIN_MAX_ATTEMPTS:
            if same.update(status=SweepPoint.Status.QUEUED, worker="", attempts=F("attempts") + 1, heartbeat_at=now):
                requeued.append(pk)
                touched.add(sweep_id)
        elif same.update(status=SweepPoint.Status.FAILED, worker="", finished_at=now, error=(
                f"The worker stopped responding (killed, out of memory or crashed) and the point was given up after "
                f"{attempts + 1} attempts (TWIN_MAX_ATTEMPTS = {settings.TWIN_MAX_ATTEMPTS}).")):
            failed.append(pk)
            touched.add(sweep_id)
    for sweep_id in touched:
        Sweep.objects.filter(pk=sweep_id).update(enqueued_at=now)
        transaction.on_commit(lambda s=sweep_id: _enqueue_points(s, only=requeued))
        sweep_check_complete(sweep_id)
        sweep_publish(sweep_id)
    resent = []
    idle = Sweep.objects.filter(status__in=Sweep.ACTIVE, enqueued_at__lt=stale_before).exclude(pk__in=touched)
    if idle.exists():
        from .executor import queued_messages

        waiting = SweepPoint.objects.filter(sweep__status__in=Sweep.ACTIVE, status=SweepPoint.Status.QUEUED).count()
        pending = queued_messages()
        if pending is not None and pending >= waiting:  # their messages are still there, just behind others
            idle = idle.none()
    for sweep_id, enqueued_at in idle.values_list("pk", "enqueued_at"):
        points = SweepPoint.objects.filter(sweep_id=sweep_id)
        recent = points.filter(Q(status=SweepPoint.Status.RUNNING) | Q(finished_at__gte=stale_before)).exists()
        if recent or not points.filter(status=SweepPoint.Status.QUEUED).exists():
            continue
        if Sweep.objects.filter(pk=sweep_id, enqueued_at=enqueued_at).update(enqueued_at=now):
            _enqueue_points(sweep_id)
            resent.append(str(sweep_id))
    return {"requeued": requeued, "failed": failed, "resent": resent}


def sweep_fail_over_memory(worker_prefix: str, *, rss_bytes: int, limit_bytes: int) -> list[int]:
    """The memory watchdog's reason for the rows one worker process holds (it exits next): failed, not retried."""
    reason = (f"The point was stopped: its worker went over the hard memory limit TWIN_WORKER_MEMORY_LIMIT_BYTES "
              f"({rss_bytes / 1e6:.0f} MB resident > {limit_bytes / 1e6:.0f} MB). It is not retried.")
    rows = SweepPoint.objects.filter(status=SweepPoint.Status.RUNNING, worker__startswith=worker_prefix)
    failed = []
    for pk, sweep_id, worker in rows.values_list("pk", "sweep_id", "worker"):
        if _fail(SweepPoint.objects.filter(pk=pk, worker=worker, status=SweepPoint.Status.RUNNING), reason) == "failed":
            failed.append(pk)
            sweep_check_complete(sweep_id)
    return failed


def sweep_prune(*, now=None, retention_days: int | None = None) -> list[str]:
    """Delete finished sweeps (and their rows) finished more than ``TWIN_RESULT_RETENTION_DAYS`` ago (0 = keep)."""
    days = settings.TWIN_RESULT_RETENTION_DAYS if retention_days is None else retention_days
    if not days:
        return []
    cutoff = (now or timezone.now()) - timedelta(days=days)
    pruned = []
    for sweep_id in Sweep.objects.filter(status__in=Sweep.FINISHED, finished_at__lt=cutoff).values_list(
            "pk", flat=True)[:100]:
        if Sweep.objects.filter(pk=sweep_id, status__in=Sweep.FINISHED, finished_at__lt=cutoff).delete()[0]:
            pruned.append(str(sweep_id))
    return pruned


def sweep_requeue_orphans() -> list[str]:
    """Embedded start-up: send the queued rows of active sweeps left by a previous process."""
    ids = [str(s) for s in Sweep.objects.filter(status__in=Sweep.ACTIVE).values_list("pk", flat=True)]
    for sweep_id in ids:  # rows a dead process left running come back through sweep_reap_stale
        _enqueue_points(sweep_id)
    return ids


# ---------------------------------------------------------------------------------------------------- progress


def sweep_progress(sweep_id) -> dict:
    """Counts of the sweep's rows by status, and the fraction finished."""
    return sweeps_progress([sweep_id])[str(sweep_id)]


def sweeps_progress(sweep_ids) -> dict[str, dict]:
    """``sweep_progress`` of several sweeps with one query (list pages)."""
    by: dict[str, dict] = {str(i): {"counts": {}, "compute": 0.0} for i in sweep_ids}
    rows = (SweepPoint.objects.filter(sweep_id__in=list(sweep_ids)).values("sweep_id", "status")
            .annotate(n=Count("pk"), c=Sum("compute_s")))
    for row in rows:
        entry = by[str(row["sweep_id"])]
        entry["counts"][row["status"]] = int(row["n"])
        entry["compute"] += float(row["c"] or 0.0)
    out = {}
    for key, entry in by.items():
        counts = {s: entry["counts"].get(s, 0) for s in SweepPoint.Status.values}
        total = sum(counts.values())
        finished = counts["succeeded"] + counts["failed"] + counts["cancelled"]
        out[key] = {**counts, "total": total, "finished": finished,
                    "fraction": finished / total if total else 0.0, "compute_s": round(entry["compute"], 3)}
    return out


def sweep_publish(sweep_id) -> None:
    """Send the sweep's current state to its viewers (group ``sweep.<uuid>``); never fatal."""
    from .sweep_streaming import publish_progress

    try:
        publish_progress(sweep_id)
    except Exception:  # viewers get the state from the next message or a reconnect snapshot
        logger.warning("progress of sweep %s not streamed", sweep_id, exc_info=True)
