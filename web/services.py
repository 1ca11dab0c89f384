"""Write side of runs: create, claim, execute (step + stream + checkpoint), finish, fail, control, reap.

The same ``run_execute`` serves the Celery task (distributed) and the in-process executor (embedded). Every
write a worker makes is fenced by ``worker=<its name>, status=running``: a worker whose run was reclaimed after
a stale heartbeat notices on its next database sync and stops.
"""
from __future__ import annotations

import json
import logging
import math
import secrets
import shutil
import subprocess
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from functools import lru_cache
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from redis.exceptions import RedisError

from .display_names import snapshot_name_zh
from .models import Run
from .quotas import QuotaExceeded, quota_check_run_create  # noqa: F401 - QuotaExceeded re-exported
from .selectors import run_public
from .streaming import MAX_STEPS_PER_FRAME, compact_table, frame_store, make_frame, publish

logger = logging.getLogger(__name__)
# Frame-store failures a run survives (Redis restarted or unreachable); the run's state lives in the database.
STORE_ERRORS = (RedisError, OSError)


class RunStateError(Exception):
    """A control action that does not apply to the run's current status."""


# ---------------------------------------------------------------------------------------------------- create


@lru_cache(maxsize=1)
def git_sha() -> str:
    """``git rev-parse HEAD`` of the checkout, or "" when git or the repository is unavailable."""
    try:
        out = subprocess.run(  # noqa: S603, S607 - fixed argv, no shell
            ["git", "rev-parse", "HEAD"], cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


@lru_cache(maxsize=1)
def _package_versions() -> tuple[tuple[str, str], ...]:
    """``agents.package_versions()`` once per process (reading package metadata costs ~5 ms per run created)."""
    from agents import package_versions

    return tuple(package_versions().items())


def scenario_validate(scenario_data: dict):
    """Validate a scenario document with the core; raise Django ``ValidationError`` keyed by field path."""
    from agents import ScenarioValidationError, validate_scenario

    if not isinstance(scenario_data, dict):
        raise ValidationError({"scenario": ["a scenario must be a JSON object"]})
    try:
        return validate_scenario(scenario_data)
    except ScenarioValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            errors.setdefault(err.get("loc") or "scenario", []).append(err["msg"])
        raise ValidationError(errors) from None


def run_create(owner, scenario_data: dict, seed: int | None = None, name: str | None = None, scenario=None,
               speed: float = 0.0) -> Run:
    """Validate the scenario, snapshot it, record versions, and enqueue the run after the transaction commits.

    ``seed`` None → the scenario's seed. ``speed`` in steps/s (0 = as fast as possible).
    """
    parsed = scenario_validate(scenario_data)  # includes the run budget (agents/budget.py)
    quota_check_run_create(owner)  # 429 when the user's waiting runs or stored results are used up
    if seed is not None and not (isinstance(seed, int) and 0 <= seed <= 2**32 - 1):
        raise ValidationError({"seed": ["seed must be an integer in 0 … 4294967295"]})
    speed = _valid_speed(speed)
    run_seed = int(seed) if seed is not None else int(getattr(parsed, "seed", secrets.randbelow(2**31)))
    horizon = getattr(parsed, "horizon", None)
    run_name = (name or getattr(parsed, "name", "") or getattr(scenario, "name", "") or "scenario")[:200]
    snapshot = parsed.model_dump(mode="json")
    with transaction.atomic():
        run = Run.objects.create(
            owner=owner,
            scenario=scenario,
            scenario_name=run_name,
            scenario_name_zh=snapshot_name_zh(run_name, snapshot),
            scenario_snapshot=snapshot,
            seed=run_seed,
            speed_steps_per_s=speed,
            total_steps=int(getattr(horizon, "steps", 0) or 0),
            package_versions=dict(_package_versions()),
            git_sha=git_sha(),
        )
        transaction.on_commit(lambda: _enqueue(run.id))
    return run


def _shutdown_requested() -> bool:
    from .executor import shutdown_requested

    return shutdown_requested()


def _enqueue(run_id) -> None:
    from .executor import enqueue_run

    enqueue_run(run_id)


def _valid_speed(speed) -> float:
    try:
        value = float(speed or 0.0)
    except (TypeError, ValueError):
        raise ValidationError({"speed_steps_per_s": ["speed must be a number of steps per second"]}) from None
    if not math.isfinite(value) or value < 0 or value > 1e6:
        raise ValidationError({"speed_steps_per_s": ["speed must be between 0 (as fast as possible) and 1e6"]})
    return value


# ---------------------------------------------------------------------------------------------------- claim


def run_claim(run_id, worker: str) -> bool:
    """Take the run with ONE conditional UPDATE: queued → running, or running with a stale heartbeat.

    Returns False when another worker holds it (0 rows). Reclaiming a stale run counts as an attempt.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.TWIN_STALE_AFTER_S)
    claimable = Q(status=Run.Status.QUEUED) | Q(status=Run.Status.RUNNING, heartbeat_at__lt=stale_before)
    rows = Run.objects.filter(claimable, pk=run_id).update(
        attempts=Case(When(status=Run.Status.RUNNING, then=F("attempts") + 1), default=F("attempts")),
        status=Run.Status.RUNNING,
        worker=worker,
        heartbeat_at=now,
        claimed_at=now,
        started_at=Coalesce(F("started_at"), Value(now)),
    )
    return rows == 1


def run_claim_next(worker: str) -> str | None:
    """Fair dispatch: claim the next queued run of the user with the fewest running runs (then the one whose
    last claim is oldest: round-robin), oldest run of that user first. Users at TWIN_QUOTA_RUNNING_RUNS wait.

    A task message is a token for "one slot": whichever run is fairest when a worker is free gets it, so one
    user's 300 queued messages do not keep another user's run behind them. Returns the claimed id or None.
    """
    queued = Run.objects.filter(status=Run.Status.QUEUED)
    owners = list(queued.values_list("owner_id", flat=True).distinct())
    if not owners:
        return None
    running = dict(Run.objects.filter(status=Run.Status.RUNNING, owner_id__in=owners).values("owner_id")
                   .annotate(n=Count("id")).values_list("owner_id", "n"))
    last = dict(Run.objects.filter(owner_id__in=owners, claimed_at__isnull=False).values("owner_id")
                .annotate(t=Max("claimed_at")).values_list("owner_id", "t"))
    epoch = timezone.now() - timedelta(days=36500)
    limit = settings.TWIN_QUOTA_RUNNING_RUNS
    order = sorted((o for o in owners if running.get(o, 0) < limit),
                   key=lambda o: (running.get(o, 0), last.get(o) or epoch, o))
    for owner_id in order:
        for run_id in queued.filter(owner_id=owner_id).order_by("created_at", "id").values_list("id", flat=True)[:3]:
            if run_claim(run_id, worker):
                return str(run_id)
    return None


# ---------------------------------------------------------------------------------------------------- execute


class _Execution:
    """One slice of a run on one worker: steps the model, syncs with the database, publishes frames."""

    def __init__(self, run: Run, model, worker: str, slice_s: float | None):
        self.run = run
        self.model = model
        self.worker = worker
        self.slice_s = slice_s
        self.interval_s = settings.TWIN_FRAME_INTERVAL_MS / 1000.0
        self.frame_from = self.slice_from = model.step_index
        self.started = time.monotonic()
        self.last_sync = self.started
        self.last_heartbeat = self.started
        self.compute_s = 0.0
        self.rate_steps, self.rate_t0 = model.step_index, self.started
        self.steps_per_s = 0.0
        self.checkpoint_ended, self.checkpoint_cost_s = self.started, 0.0
        self.last_seq = 0  # last seq this worker published (floor if the frame store lost its data)
        # The first flush of a worker session stores the region series from step 0 again: a frame store that was
        # emptied (process restart in embedded mode, Redis restart) then still gives late joiners the whole run.
        self.resend_region = model.step_index > 0
        self._reset_pace()

    def _reset_pace(self) -> None:
        self.pace_t0, self.pace_step0 = time.monotonic(), self.model.step_index

    def owned(self):
        return Run.objects.filter(pk=self.run.pk, worker=self.worker, status=Run.Status.RUNNING)

    # -- the loop -----------------------------------------------------------------------------------
    def loop(self) -> str:
        model, every = self.model, settings.TWIN_CHECKPOINT_EVERY_STEPS
        outcome = self.sync(force=True)  # first frame: status running (viewers re-fetch the description)
        while outcome is None and model.step_index < model.total_steps:
            t0 = time.perf_counter()
            model.step()
            self.compute_s += time.perf_counter() - t0
            if model.at_decision_point:  # stop and wait for the owner's decisions (agents.decisions)
                return "decide"
            if model.step_index % every == 0 and model.step_index < model.total_steps and self.checkpoint_due():
                self.checkpoint()
            outcome = self.pace_and_sync()
        if outcome is None:
            self.flush()
        return outcome or "done"

    def pace_and_sync(self) -> str | None:
        """Sleep to honour ``speed_steps_per_s`` while still syncing every frame interval."""
        while True:
            now = time.monotonic()
            if (now - self.last_sync >= self.interval_s
                    or self.model.step_index - self.frame_from >= MAX_STEPS_PER_FRAME):
                outcome = self.sync()
                if outcome is not None:
                    return outcome
            speed = self.run.speed_steps_per_s
            if speed <= 0:
                return None
            due = self.pace_t0 + (self.model.step_index - self.pace_step0) / speed
            wait = due - time.monotonic()
            if wait <= 0:
                return None
            time.sleep(min(wait, max(self.interval_s - (time.monotonic() - self.last_sync), 0.01)))

    def sync(self, force: bool = False) -> str | None:
        """Flush pending steps as one frame, heartbeat, and obey the control field. Returns an outcome to stop."""
        now = time.monotonic()
        self.last_sync = now
        if now - self.rate_t0 >= 1.0 or force:
            done = self.model.step_index - self.rate_steps
            if now > self.rate_t0 and done > 0:
                self.steps_per_s = done / (now - self.rate_t0)
            self.rate_steps, self.rate_t0 = self.model.step_index, now
        paced = self.run.speed_steps_per_s > 0
        if force or paced or now - self.last_heartbeat >= settings.TWIN_HEARTBEAT_S:
            # Heartbeat + progress: one fenced UPDATE per TWIN_HEARTBEAT_S when running flat out (a commit may
            # cost an fsync), every frame interval when paced for live viewing (the worker sleeps anyway).
            self.last_heartbeat = now
            fields = {"step": self.model.step_index, "steps_per_s": self.steps_per_s, "heartbeat_at": timezone.now()}
            if not self.owned().update(**fields):
                return "lost"
        # Every frame interval: read the control field (and notice a reclaim by another worker).
        row = Run.objects.filter(pk=self.run.pk).values("control", "speed_steps_per_s", "worker", "status").first()
        if row is None or row["worker"] != self.worker or row["status"] != Run.Status.RUNNING:
            return "lost"
        if row["speed_steps_per_s"] != self.run.speed_steps_per_s:
            self.run.speed_steps_per_s = row["speed_steps_per_s"]
            self._reset_pace()
        self.flush(force_status=force)
        if row["control"] == Run.Control.PAUSE:
            return "pause"
        if row["control"] == Run.Control.CANCEL:
            return "cancel"
        if (self.slice_s and now - self.started >= self.slice_s
                and self.slice_from < self.model.step_index < self.model.total_steps):
            return "slice"
        if _shutdown_requested():
            return "shutdown"
        return None

    def flush(self, force_status: bool = False) -> None:
        """Publish the steps since the last frame (nothing when no step is pending unless ``force_status``)."""
        start, stop = self.frame_from, self.model.step_index
        if stop == start and not force_status:
            return
        self.run.step = stop
        try:
            if self.last_seq and frame_store().last_seq(self.run.pk) < self.last_seq:
                self.resend_region = True  # the store lost its data (Redis restarted without persistence)
            if self.resend_region and start > 0:
                # Snapshots only (not published: a year of region series can exceed a WebSocket message).
                frame_store().put_region(self.run.pk, 0, start, compact_table(self.model.region_frame(0, start)))
        except STORE_ERRORS:  # Redis away: try again at the next flush
            logger.warning("frame store unavailable; run %s re-sends its region series later", self.run.pk)
            return
        region = compact_table(self.model.region_frame(start, stop)) if stop > start else {}
        agents = compact_table(self.model.agent_state(stop - 1)) if stop > 0 else {}
        try:
            stored = publish(self.run.pk, make_frame(self.run.pk, start, stop, region, agents, self.public()),
                             floor=self.last_seq)
        except STORE_ERRORS:  # Redis away (restart, network): keep stepping, re-send these steps next flush
            logger.warning("frame store unavailable; run %s keeps steps %d-%d for the next frame",
                           self.run.pk, start, stop, exc_info=True)
            return
        self.frame_from, self.last_seq, self.resend_region = stop, stored["seq"], False

    def public(self) -> dict:
        return run_public(self.run, step=self.model.step_index, steps_per_s=self.steps_per_s)

    def checkpoint_due(self) -> bool:
        """A periodic checkpoint is skipped when the previous one ended less than 10× its own cost ago.

        Keeps checkpointing below ~10 % of wall time for models whose state is large; small models
        checkpoint every TWIN_CHECKPOINT_EVERY_STEPS steps exactly.
        """
        return time.monotonic() - self.checkpoint_ended >= 10 * self.checkpoint_cost_s

    def checkpoint(self, **extra) -> bool:
        from agents import checkpoint_dumps

        t0 = time.monotonic()
        blob = checkpoint_dumps(self.model)
        saved = bool(self.owned().update(
            checkpoint=blob, checkpoint_step=self.model.step_index, step=self.model.step_index,
            heartbeat_at=timezone.now(), compute_s=F("compute_s") + self._take_compute(), **extra,
        ))
        self.checkpoint_ended = time.monotonic()
        self.checkpoint_cost_s = self.checkpoint_ended - t0
        return saved

    def _take_compute(self) -> float:
        spent, self.compute_s = self.compute_s, 0.0
        return spent


@contextmanager
def _heartbeat_while(run_id, worker: str):
    """Keep the run's heartbeat fresh from a helper thread while the worker is busy outside the step loop."""
    done = threading.Event()

    def beat():
        try:
            while not done.wait(settings.TWIN_HEARTBEAT_S):
                Run.objects.filter(pk=run_id, worker=worker, status=Run.Status.RUNNING).update(
                    heartbeat_at=timezone.now()
                )
        except Exception:  # a missed heartbeat only risks a reclaim; never break the run for it
            logger.warning("heartbeat thread of run %s failed", run_id, exc_info=True)
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{run_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _build(run: Run):
    from agents import build_model, checkpoint_loads

    scenario = scenario_validate(run.scenario_snapshot)  # single- or multi-region (agents.build_model)
    model = checkpoint_loads(scenario, bytes(run.checkpoint)) if run.checkpoint else build_model(scenario, seed=run.seed)
    # the run's stored decisions still to come (those applied before the checkpoint are part of it)
    model.apply_decisions([d for d in run.decisions or [] if d["step"] >= model.step_index])
    return model


def run_submit_decisions(run: Run, user, decisions) -> Run:
    """The owner's decisions at the decision point the run waits at: validate them (``ValidationError`` keyed by
    field path, e.g. ``decisions.0.value``), store them with the run (step = the point's step) and continue it.

    Raises ``PermissionDenied`` for anyone but the owner and ``RunStateError`` unless the run is waiting."""
    from django.core.exceptions import PermissionDenied

    from agents import ScenarioValidationError, validate_decisions
    from agents import decision_public as public

    if run.owner_id != getattr(user, "pk", None):
        raise PermissionDenied("only the run's owner decides")
    run.refresh_from_db()
    if run.status != Run.Status.WAITING:
        raise RunStateError(f"the run is {run.status}, not waiting for decisions")
    if not isinstance(decisions, list):
        raise ValidationError({"decisions": ["decisions must be a JSON list"]})
    scenario = scenario_validate(run.scenario_snapshot)
    items = [{**d, "step": run.step} if isinstance(d, dict) else d for d in decisions]
    try:
        earlier = validate_decisions(scenario, list(run.decisions or []))
        valid = validate_decisions(scenario, items, current={d["actor_id"]: d["_actor"] for d in earlier},
                                   min_step=run.step)
    except ScenarioValidationError as exc:
        errors: dict[str, list[str]] = {}
        for err in exc.errors:
            errors.setdefault(err.get("loc") or "decisions", []).append(err["msg"])
        raise ValidationError(errors) from None
    stored = list(run.decisions or []) + [public(d) for d in valid]
    with transaction.atomic():
        if not Run.objects.filter(pk=run.pk, status=Run.Status.WAITING, step=run.step).update(
                status=Run.Status.QUEUED, decisions=stored, control=Run.Control.NONE, heartbeat_at=timezone.now()):
            raise RunStateError("the run is no longer waiting for decisions")
        transaction.on_commit(lambda: _enqueue(run.pk))
    run.refresh_from_db()
    _publish_status(run, run.step)
    return run


def run_execute(run_id, worker: str, *, slice_s: float | None = None) -> str:
    """Claim the run and step it until done, paused, cancelled, lost, or the wall-time slice ends.

    Returns the outcome: ``not-claimed``, ``succeeded``, ``failed``, ``paused``, ``cancelled``, ``requeued``
    (slice ended: checkpointed and re-enqueued), ``queued`` (embedded process shutting down: checkpointed,
    enqueued again at the next start) or ``lost`` (another worker reclaimed it).
    """
    if not run_claim(run_id, worker):
        return "not-claimed"
    return _execute_claimed(run_id, worker, slice_s)


def run_execute_next(worker: str, *, slice_s: float | None = None) -> str:
    """Claim the fairest queued run (``run_claim_next``) and execute it; ``not-claimed`` when none may start."""
    run_id = run_claim_next(worker)
    if run_id is None:
        return "not-claimed"
    return _execute_claimed(run_id, worker, slice_s)


def _execute_claimed(run_id, worker: str, slice_s: float | None) -> str:
    slice_s = settings.TWIN_TASK_SLICE_S if slice_s is None else slice_s
    run = Run.objects.get(pk=run_id)
    model = None
    try:
        with _heartbeat_while(run.pk, worker):  # building a large model can take longer than TWIN_STALE_AFTER_S
            model = _build(run)
        describe = model.describe()
        Run.objects.filter(pk=run.pk, worker=worker).update(total_steps=model.total_steps, describe=describe)
        run.total_steps, run.describe = model.total_steps, describe
        execution = _Execution(run, model, worker, slice_s)
        outcome = execution.loop()
        if outcome == "done":
            with _heartbeat_while(run.pk, worker):  # writing the results files of a long run takes a while
                run_finish(run.pk, model, worker=worker, compute_s=execution.compute_s,
                           steps_per_s=execution.steps_per_s)
            return "succeeded"
        if outcome == "pause":
            return _stop(execution, Run.Status.PAUSED)
        if outcome == "decide":
            return _stop(execution, Run.Status.WAITING)
        if outcome == "cancel":
            return _stop(execution, Run.Status.CANCELLED)
        if outcome in ("slice", "shutdown"):
            if not execution.checkpoint(status=Run.Status.QUEUED, worker=""):
                return "lost"
            if outcome == "shutdown":  # the next process start enqueues it again
                return "queued"
            _enqueue(run.pk)
            return "requeued"
        return "lost"
    except SoftTimeLimitExceeded:
        return _give_back(run_id, worker)
    except MemoryError:
        model = None  # free what it can before writing the reason
        logger.error("run %s ran out of memory on %s", run_id, worker)
        run_fail(run_id, "The run ran out of memory and was stopped; it is not retried. Shorten the horizon or "
                 "use fewer actors.", worker=worker)
        return "failed"
    except Exception as exc:
        logger.exception("run %s failed on %s", run_id, worker)
        run_fail(run_id, f"{type(exc).__name__}: {exc}", worker=worker, model=model)
        return "failed"
    finally:
        if model is not None:
            model.remove_all_agents()


def _give_back(run_id, worker: str) -> str:
    """Celery's soft time limit hit mid-slice: the model may be mid-step, so resume from the last checkpoint
    (re-queue, counted as an attempt) rather than save its state; fail once attempts are used up."""
    rows = Run.objects.filter(pk=run_id, worker=worker, status=Run.Status.RUNNING)
    attempts = rows.values_list("attempts", flat=True).first()
    if attempts is None:
        return "lost"
    if attempts + 1 < settings.TWIN_MAX_ATTEMPTS:
        if rows.update(status=Run.Status.QUEUED, worker="", attempts=F("attempts") + 1):
            _enqueue(run_id)
            return "requeued"
        return "lost"
    run_fail(run_id, f"A task slice exceeded its time limit {attempts + 1} times; the run was given up.",
             worker=worker)
    return "failed"


def _stop(execution: _Execution, status: str) -> str:
    """Pause (checkpoint, keep the series so far) or cancel, then tell the viewers."""
    run, model = execution.run, execution.model
    extra = {"region_series": compact_table(model.region_frame(0, model.step_index)) if model.step_index else None,
             "agent_state": compact_table(model.agent_state(model.step_index - 1)) if model.step_index else None,
             "control": Run.Control.NONE, "worker": "", "status": status}
    if status == Run.Status.CANCELLED:  # nothing to resume: no checkpoint kept
        saved = execution.owned().update(step=model.step_index, finished_at=timezone.now(), checkpoint=None,
                                         compute_s=F("compute_s") + execution._take_compute(), **extra)
    else:
        saved = execution.checkpoint(**extra)
    if not saved:
        return "lost"
    run.status = status
    execution.flush(force_status=True)
    if status == Run.Status.CANCELLED:
        _release(run.pk)
    _dispatch_waiting()
    return str(status)


# ---------------------------------------------------------------------------------------------------- finish / fail


def run_finish(run_id, model, *, worker: str | None = None, compute_s: float = 0.0, steps_per_s: float | None = None
               ) -> Run:
    """Write KPIs, the region series and the results files (``RESULTS_DIR/<run_id>/``); mark succeeded."""
    from agents import kpis_with_contracts, write_results

    out_dir = Path(settings.RESULTS_DIR) / str(run_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    # once, with contracts vs their counterfactual (agents.contract_eval), within a step budget (not a clock:
    # the same scenario and seed give the same kpis.json on any worker, at any load)
    kpis = kpis_with_contracts(model, max_steps=settings.TWIN_COUNTERFACTUAL_MAX_STEPS)
    paths = write_results(model, out_dir, kpis=kpis)
    region_series = compact_table(model.region_frame(0, model.step_index))
    agent_state = compact_table(model.agent_state(model.step_index - 1)) if model.step_index else None
    result_bytes = _dir_bytes(out_dir) + len(json.dumps(region_series)) + len(json.dumps(agent_state))
    rows = Run.objects.filter(pk=run_id)
    if worker is not None:
        rows = rows.filter(worker=worker, status=Run.Status.RUNNING)
    updated = rows.update(
        status=Run.Status.SUCCEEDED,
        step=model.step_index,
        total_steps=model.total_steps,
        kpis=_json_safe(kpis),
        region_series=region_series,
        agent_state=agent_state,
        result_bytes=result_bytes,
        series_path=str(paths["series"]),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
        control=Run.Control.NONE,
        checkpoint=None,
        compute_s=F("compute_s") + compute_s,
        steps_per_s=F("steps_per_s") if steps_per_s is None else steps_per_s,
        worker="",
    )
    run = Run.objects.get(pk=run_id)
    if updated:
        _publish_status(run, model.step_index)
        _release(run_id)
        _dispatch_waiting()
    return run


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def _dispatch_waiting() -> None:
    """A slot freed (a run finished, failed, paused or was cancelled): send one dispatch token if runs wait.

    Tokens of users held back by TWIN_QUOTA_RUNNING_RUNS were dropped as ``not-claimed``; this hands the slot on.
    """
    if Run.objects.filter(status=Run.Status.QUEUED).exists():
        first = Run.objects.filter(status=Run.Status.QUEUED).order_by("created_at").values_list("id", flat=True)[0]
        _enqueue(first)


def run_fail(run_id, message: str, *, worker: str | None = None, model=None) -> Run | None:
    """Mark the run failed with a message shown to the user; keeps whatever series the model recorded."""
    fields = {"status": Run.Status.FAILED, "error": message[:4000], "finished_at": timezone.now(),
              "control": Run.Control.NONE, "worker": ""}
    if model is not None:
        try:
            step = model.step_index
            if step:
                fields["region_series"] = compact_table(model.region_frame(0, step))
                fields["step"] = step
        except Exception:  # the model is broken; the message is what matters
            logger.warning("could not save the series of failed run %s", run_id, exc_info=True)
    rows = Run.objects.filter(pk=run_id).exclude(status__in=Run.FINISHED)
    if worker is not None:
        rows = rows.filter(worker=worker)
    if not rows.update(**fields):
        return None
    run = Run.objects.get(pk=run_id)
    _publish_status(run, run.step)
    _release(run_id)
    _dispatch_waiting()
    return run


def run_fail_over_memory(worker_prefix: str, *, rss_bytes: int, limit_bytes: int) -> list[str]:
    """Fail the running runs of one worker process (``Run.worker`` starting with ``worker_prefix``) that went over
    its hard memory limit: status failed with the reason, so the reaper never re-queues them into the same death."""
    reason = (f"The run was stopped: its worker went over the hard memory limit TWIN_WORKER_MEMORY_LIMIT_BYTES "
              f"({rss_bytes / 1e6:.0f} MB resident > {limit_bytes / 1e6:.0f} MB). It is not retried; shorten the "
              "horizon or use fewer actors.")
    failed = []
    for run_id in Run.objects.filter(status=Run.Status.RUNNING, worker__startswith=worker_prefix).values_list(
            "id", flat=True):
        if run_fail(run_id, reason) is not None:
            failed.append(str(run_id))
    return failed


def _publish_status(run: Run, step: int) -> None:
    try:
        publish(run.pk, make_frame(run.pk, step, step, {}, {}, run_public(run, step=step)))
    except STORE_ERRORS:  # the database holds the status; viewers get it from the next snapshot
        logger.warning("frame store unavailable; status of run %s not streamed", run.pk, exc_info=True)


def _release(run_id) -> None:
    try:
        frame_store().release(run_id)
    except STORE_ERRORS:  # only memory/TTL housekeeping is lost
        logger.warning("frame store unavailable; run %s not released", run_id, exc_info=True)


def _json_safe(value):
    """Replace non-finite floats (not valid JSON) with None, recursively."""
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "item"):  # numpy scalar
        return _json_safe(value.item())
    return value


# ---------------------------------------------------------------------------------------------------- control


def run_control(run: Run, action: str, speed: float | None = None) -> Run:
    """Pause, resume, cancel, or change the playback speed of a run. Raises ``RunStateError`` if not applicable.

    Queued/paused runs change status directly (conditional UPDATEs, so a concurrent claim wins cleanly);
    running runs get a ``control`` request the worker obeys at its next frame flush.
    """
    rows = Run.objects.filter(pk=run.pk)
    if action == "speed":
        if not rows.filter(status__in=Run.ACTIVE).update(speed_steps_per_s=_valid_speed(speed)):
            raise RunStateError(f"cannot change the speed of a {_status(run)} run")
    elif action == "pause":
        if rows.filter(status=Run.Status.QUEUED).update(status=Run.Status.PAUSED):
            run.refresh_from_db()
            _publish_status(run, run.step)  # no worker holds it: tell the viewers here
        elif not rows.filter(status=Run.Status.RUNNING).exclude(control=Run.Control.CANCEL).update(
            control=Run.Control.PAUSE
        ):  # a cancel already requested wins over a later pause
            raise RunStateError(f"cannot pause a {_status(run)} run" + _cancelling(rows))
    elif action == "resume":
        if rows.filter(status=Run.Status.PAUSED).update(status=Run.Status.QUEUED, control=Run.Control.NONE,
                                                        heartbeat_at=timezone.now()):
            transaction.on_commit(lambda: _enqueue(run.pk))
        elif not rows.filter(status=Run.Status.RUNNING, control=Run.Control.PAUSE).update(control=Run.Control.NONE):
            raise RunStateError(f"cannot resume a {_status(run)} run" + _cancelling(rows))
    elif action == "cancel":
        now = timezone.now()
        if rows.filter(status__in=[Run.Status.QUEUED, Run.Status.PAUSED, Run.Status.WAITING]).update(
            status=Run.Status.CANCELLED, finished_at=now, control=Run.Control.NONE, checkpoint=None
        ):
            run.refresh_from_db()
            _publish_status(run, run.step)
        elif not rows.filter(status=Run.Status.RUNNING).update(control=Run.Control.CANCEL):
            raise RunStateError(f"cannot cancel a {_status(run)} run")
    else:
        raise ValidationError({"action": [f"unknown action {action!r} (pause, resume, cancel, speed)"]})
    run.refresh_from_db()
    return run


def _cancelling(rows) -> str:
    return " (a cancel is pending)" if rows.filter(status=Run.Status.RUNNING, control=Run.Control.CANCEL).exists() \
        else ""


def _status(run: Run) -> str:
    return Run.objects.filter(pk=run.pk).values_list("status", flat=True).first() or "missing"


# ---------------------------------------------------------------------------------------------------- reaper


def run_reap_stale() -> dict[str, list[str]]:
    """Re-queue running runs whose heartbeat stopped (attempts < TWIN_MAX_ATTEMPTS), else fail them with a reason.

    Returns ``{"requeued": [ids], "failed": [ids]}``. Each decision is a conditional UPDATE, so two reapers
    (or a worker coming back) cannot both act on the same run.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.TWIN_STALE_AFTER_S)
    stale = Run.objects.filter(status=Run.Status.RUNNING).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True)
    )
    requeued, failed = [], []
    for run_id, attempts, heartbeat_at in stale.values_list("id", "attempts", "heartbeat_at"):
        same = Run.objects.filter(pk=run_id, status=Run.Status.RUNNING, heartbeat_at=heartbeat_at)
        if attempts + 1 < settings.TWIN_MAX_ATTEMPTS:
            if same.update(status=Run.Status.QUEUED, worker="", attempts=F("attempts") + 1, heartbeat_at=now):
                requeued.append(str(run_id))
                _enqueue(run_id)
        else:
            silent_s = settings.TWIN_STALE_AFTER_S if heartbeat_at is None else int((now - heartbeat_at).total_seconds())
            reason = (f"The worker stopped responding (no heartbeat for {silent_s} s: killed, out of memory or "
                      f"crashed) and the run was given up after {attempts + 1} attempts (TWIN_MAX_ATTEMPTS = "
                      f"{settings.TWIN_MAX_ATTEMPTS}) rather than re-queued into the same death.")
            if same.update(status=Run.Status.FAILED, error=reason, finished_at=now, worker="", checkpoint=None):
                failed.append(str(run_id))
                run = Run.objects.get(pk=run_id)
                _publish_status(run, run.step)
    if failed:
        _dispatch_waiting()
    return {"requeued": requeued, "failed": failed}


def run_reenqueue_waiting() -> list[str]:
    """Enqueue again runs queued for longer than TWIN_STALE_AFTER_S since they were last enqueued.

    Their message may be gone (a Redis restart without persistence empties the broker, an embedded process
    exits with runs in its pool queue). A duplicate of a message that still exists is harmless: claims are
    exclusive, the extra task returns ``not-claimed``. ``heartbeat_at`` of a queued run records when it was
    last (re-)enqueued, so each run is re-sent at most once per TWIN_STALE_AFTER_S.
    """
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.TWIN_STALE_AFTER_S)
    waiting = Run.objects.filter(status=Run.Status.QUEUED).filter(
        Q(heartbeat_at__lt=stale_before) | Q(heartbeat_at__isnull=True, created_at__lt=stale_before)
    )
    sent = []
    for run_id, heartbeat_at in waiting.values_list("id", "heartbeat_at"):
        if Run.objects.filter(pk=run_id, status=Run.Status.QUEUED, heartbeat_at=heartbeat_at).update(
            heartbeat_at=now
        ):
            _enqueue(run_id)
            sent.append(str(run_id))
    return sent


def run_requeue_orphans() -> list[str]:
    """Embedded start-up: enqueue runs left queued by a previous process (claims stay exclusive)."""
    ids = [str(i) for i in Run.objects.filter(status=Run.Status.QUEUED).values_list("id", flat=True)]
    for run_id in ids:
        _enqueue(run_id)
    return ids


# ---------------------------------------------------------------------------------------------------- retention


def run_prune_results(*, now=None, retention_days: int | None = None) -> list[str]:
    """Delete finished runs (their row and ``RESULTS_DIR/<id>/``) that finished more than the retention ago.

    ``TWIN_RESULT_RETENTION_DAYS`` (0 = keep forever). Only succeeded, failed and cancelled runs are pruned: a
    queued, running or paused run is never touched. Each deletion is conditional on the run still being finished.
    """
    days = settings.TWIN_RESULT_RETENTION_DAYS if retention_days is None else retention_days
    if not days:
        return []
    cutoff = (now or timezone.now()) - timedelta(days=days)
    old = Run.objects.filter(status__in=Run.FINISHED, finished_at__lt=cutoff)
    pruned = []
    for run_id in old.values_list("id", flat=True)[:500]:
        deleted, _ = Run.objects.filter(pk=run_id, status__in=Run.FINISHED, finished_at__lt=cutoff).delete()
        if deleted:
            shutil.rmtree(Path(settings.RESULTS_DIR) / str(run_id), ignore_errors=True)
            pruned.append(str(run_id))
    return pruned
