"""Read side: runs and scenarios a user may see, and the snapshot of a run (live or finished)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Run, Scenario
from .streaming import frame_store, merge_chunks


def run_get_for_user(user, run_id) -> Run:
    """The user's run; ``Http404`` for unknown or malformed ids and for other users' runs (no existence leak)."""
    if user is None or not user.is_authenticated:
        raise Http404("run not found")
    try:
        return Run.objects.get(pk=run_id, owner=user)
    except (Run.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("run not found") from None


def runs_for_user(user) -> QuerySet[Run]:
    """The user's runs, newest first, without the heavy columns."""
    return Run.objects.filter(owner=user).defer("checkpoint", "scenario_snapshot", "region_series", "describe")


def scenario_list_for_user(user) -> QuerySet[Scenario]:
    """Scenarios the user may run: their own and the demo scenarios."""
    return Scenario.objects.filter(Q(owner=user) | Q(is_demo=True)).order_by("name", "id")


def run_eta_s(status: str, step: int, total_steps: int, steps_per_s: float) -> float | None:
    """Seconds left at the current rate [s]; None when unknown or not running."""
    if status != Run.Status.RUNNING or steps_per_s <= 0 or total_steps <= 0:
        return None
    return round(max(total_steps - step, 0) / steps_per_s, 1)


def run_public(run: Run, *, step: int | None = None, steps_per_s: float | None = None) -> dict:
    """The ``run`` dict carried by snapshots and frames (docs/streaming.md)."""
    step = run.step if step is None else step
    rate = run.steps_per_s if steps_per_s is None else steps_per_s
    return {
        "id": str(run.id),
        "status": run.status,
        "step": step,
        "total_steps": run.total_steps,
        "steps_per_s": round(rate, 2),
        "speed_steps_per_s": run.speed_steps_per_s,
        "seed": run.seed,
        "scenario_name": run.scenario_name,
        "error": run.error,
        "eta_s": run_eta_s(run.status, step, run.total_steps, rate),
    }


def run_snapshot(run: Run) -> dict:
    """Everything a viewer needs to draw the run so far (docs/streaming.md, message ``snapshot``).

    Finished runs are built from the database (``region_series``); active runs from the frame store, read
    atomically, so the snapshot includes the data of every frame up to ``seq``.
    """
    # Store first, database second: the worker writes the database before it publishes (and releases the
    # store at the end), so the database is never older than the store state read here.
    state = frame_store().state(run.id)
    run.refresh_from_db()
    describe = run.describe
    region = run.region_series or {}
    if run.status not in Run.FINISHED and state.chunks:
        # Steps saved at a pause (database) overlaid with every step emitted since (frame store).
        base = [(0, len(next(iter(region.values()))), region)] if region else []
        region = merge_chunks(base + state.chunks)
    step = len(next(iter(region.values()))) if region else 0
    last = state.last_frame if run.status not in Run.FINISHED else None
    agents = (last or {}).get("agents") or run.agent_state or {}
    rate = (last or {}).get("run", {}).get("steps_per_s")
    if describe and not region:
        region = {name: [] for name in describe.get("region_quantities", [])}
    return {
        "type": "snapshot",
        "seq": state.seq,
        "run": run_public(run, step=step, steps_per_s=rate),
        "describe": describe,
        "region": region,
        "agents": agents,
    }
