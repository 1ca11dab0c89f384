"""Read side: runs and scenarios a user may see, and the snapshot of a run (live or finished)."""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404

from .models import Run, Scenario, ScenarioVersion
from .streaming import frame_store, merge_chunks

# Columns a list of runs shows (pages, ``RunSerializer``); the big JSON/binary columns (snapshot, checkpoint,
# KPIs, series, describe, agent state: up to megabytes per run) are never read for a list row.
RUN_LIST_FIELDS = (
    "id", "owner", "scenario", "scenario_name", "scenario_name_zh", "seed", "status", "control", "speed_steps_per_s", "step",
    "total_steps", "attempts", "error", "created_at", "started_at", "finished_at", "steps_per_s",
    "package_versions", "git_sha",
)
# Results columns the run page does not draw from the row (the viewer fetches the snapshot over the WebSocket).
RUN_RESULT_FIELDS = ("checkpoint", "kpis", "region_series", "describe", "agent_state")


def run_get_for_user(user, run_id, *, defer: tuple[str, ...] = ()) -> Run:
    """The user's run; ``Http404`` for unknown or malformed ids and for other users' runs (no existence leak).

    ``defer``: columns not to load (e.g. ``RUN_RESULT_FIELDS`` for a page that does not show the results).
    """
    if user is None or not user.is_authenticated:
        raise Http404("run not found")
    try:
        return Run.objects.defer(*defer).get(pk=run_id, owner=user)
    except (Run.DoesNotExist, ValidationError, ValueError, TypeError):
        raise Http404("run not found") from None


def runs_for_user(user) -> QuerySet[Run]:
    """The user's runs, newest first, with only the columns a list shows (``RUN_LIST_FIELDS``)."""
    return Run.objects.filter(owner=user).only(*RUN_LIST_FIELDS)


def scenario_list_for_user(user) -> QuerySet[Scenario]:
    """Scenarios the user may run: their own and the demo scenarios."""
    return Scenario.objects.filter(Q(owner=user) | Q(is_demo=True)).order_by("name", "id")


_FACTS_CACHE: dict[tuple[int, object], dict] = {}  # (scenario id, updated_at) -> facts of that saved document
_FACTS_CACHE_MAX = 4096


def scenario_list_with_facts(user, facts_of) -> list[tuple[Scenario, dict]]:
    """The user's scenarios (``scenario_list_for_user``) each with ``facts_of(document)``, without reading the
    documents on every list: facts are kept per process by (id, ``updated_at``), which every save changes, and only
    the documents of scenarios not seen in that version are read (one more query)."""
    scenarios = list(scenario_list_for_user(user).defer("data"))
    missing = [s.pk for s in scenarios if (s.pk, s.updated_at) not in _FACTS_CACHE]
    if missing:
        if len(_FACTS_CACHE) + len(missing) > _FACTS_CACHE_MAX:
            _FACTS_CACHE.clear()
        for pk, updated_at, data in Scenario.objects.filter(pk__in=missing).values_list("pk", "updated_at", "data"):
            _FACTS_CACHE[(pk, updated_at)] = facts_of(data if isinstance(data, dict) else {})
    out = []
    for s in scenarios:
        facts = _FACTS_CACHE.get((s.pk, s.updated_at))
        if facts is None:  # saved again between the two queries: read this one now
            facts = facts_of(s.data if isinstance(s.data, dict) else {})
        out.append((s, facts))
    return out


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


# Columns a snapshot is built from (``run_public`` and the series); re-read for every viewer that connects.
SNAPSHOT_FIELDS = ("status", "step", "total_steps", "steps_per_s", "speed_steps_per_s", "seed", "scenario_name",
                   "error", "describe", "region_series", "agent_state")


def run_snapshot(run: Run) -> dict:
    """Everything a viewer needs to draw the run so far (docs/streaming.md, message ``snapshot``).

    Finished runs are built from the database (``region_series``); active runs from the frame store, read
    atomically, so the snapshot includes the data of every frame up to ``seq``.
    """
    # Store first, database second: the worker writes the database before it publishes (and releases the
    # store at the end), so the database is never older than the store state read here.
    state = frame_store().state(run.id)
    run.refresh_from_db(fields=SNAPSHOT_FIELDS)  # not the scenario snapshot, checkpoint or KPIs it does not send
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


# Scenario versions and comparisons -------------------------------------------------------------

DIFF_LIMIT = 500  # changes listed at most; the rest are counted


def scenario_get_for_user(user, scenario_id) -> Scenario:
    """A scenario the user may read (their own or a demo); ``Http404`` otherwise."""
    if user is None or not user.is_authenticated:
        raise Http404("scenario not found")
    scenario = scenario_list_for_user(user).filter(pk=scenario_id).first()
    if scenario is None:
        raise Http404("scenario not found")
    return scenario


def scenario_versions(scenario: Scenario) -> QuerySet[ScenarioVersion]:
    """The versions of a scenario, newest first, without their documents."""
    return scenario.versions.order_by("-number").defer("data")


def scenario_version_get(scenario: Scenario, number) -> ScenarioVersion:
    try:
        return scenario.versions.get(number=int(number))
    except (ScenarioVersion.DoesNotExist, ValueError, TypeError):
        raise Http404("no such version") from None


def document_diff(old, new, path: str = "") -> list[dict]:
    """Changes from ``old`` to ``new`` as ``{"path", "op", "old", "new"}`` (op: added, removed, changed).

    Paths are dotted like validation ``loc``s (``actors.2.it_capacity_mw``); list items by index, except lists of
    objects with ``id``s, which are matched by id so inserting an actor does not mark every later one changed.
    """
    if isinstance(old, dict) and isinstance(new, dict):
        out = []
        for key in list(old) + [k for k in new if k not in old]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                out.append({"path": sub, "op": "removed", "old": old[key], "new": None})
            elif key not in old:
                out.append({"path": sub, "op": "added", "old": None, "new": new[key]})
            else:
                out.extend(document_diff(old[key], new[key], sub))
        return out
    if isinstance(old, list) and isinstance(new, list):
        if _all_have_ids(old) and _all_have_ids(new):
            old_by, new_by = {x["id"]: x for x in old}, {x["id"]: x for x in new}
            new_index = {x["id"]: i for i, x in enumerate(new)}
            out = []
            for i, item in enumerate(old):
                if item["id"] not in new_by:
                    out.append({"path": f"{path}.{i}", "op": "removed", "old": item, "new": None})
                else:
                    out.extend(document_diff(item, new_by[item["id"]], f"{path}.{new_index[item['id']]}"))
            out.extend({"path": f"{path}.{new_index[k]}", "op": "added", "old": None, "new": x}
                       for k, x in new_by.items() if k not in old_by)
            return out
        out = []
        for i in range(max(len(old), len(new))):
            sub = f"{path}.{i}"
            if i >= len(new):
                out.append({"path": sub, "op": "removed", "old": old[i], "new": None})
            elif i >= len(old):
                out.append({"path": sub, "op": "added", "old": None, "new": new[i]})
            else:
                out.extend(document_diff(old[i], new[i], sub))
        return out
    if old == new and type(old) is type(new):
        return []
    return [{"path": path, "op": "changed", "old": old, "new": new}]


def _all_have_ids(items: list) -> bool:
    ids = [x.get("id") for x in items if isinstance(x, dict)]
    return len(ids) == len(items) and all(isinstance(i, str) for i in ids) and len(set(ids)) == len(ids)


def scenario_version_diff(scenario: Scenario, old_number, new_number) -> dict:
    """The changes between two versions of a scenario (the first DIFF_LIMIT of them)."""
    old = scenario_version_get(scenario, old_number)
    new = scenario_version_get(scenario, new_number)
    changes = document_diff(old.data, new.data)
    if old.name != new.name:
        changes.insert(0, {"path": "(name)", "op": "changed", "old": old.name, "new": new.name})
    if old.description != new.description:
        changes.insert(0, {"path": "(description)", "op": "changed", "old": old.description,
                           "new": new.description})
    return {"from": old.number, "to": new.number, "count": len(changes), "changes": changes[:DIFF_LIMIT]}


def runs_for_compare(user, run_ids) -> list[Run]:
    """The user's runs with these ids, in the order given (unknown or others' ids → ``Http404``)."""
    return [run_get_for_user(user, run_id) for run_id in run_ids]


def run_decisions(run: Run) -> dict:
    """The run's decisions so far and, when it waits at a decision point, what may be decided there: the actors
    that take decisions at run time, their current strategy (after the decisions so far) and its parameters."""
    from agents import decision_targets, validate_decisions, validate_scenario

    out = {"waiting": run.status == Run.Status.WAITING, "step": run.step, "decisions": list(run.decisions or []),
           "actors": []}
    if out["waiting"]:
        scenario = validate_scenario(run.scenario_snapshot)
        current = {d["actor_id"]: d["_actor"] for d in validate_decisions(scenario, out["decisions"])}
        # storage schedules, data-center workload strategies, DR aggregators' bids (agents.decisions)
        out["actors"] = decision_targets(scenario, current)
    return out
