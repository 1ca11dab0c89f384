"""Decision points: a run stops, people decide strategy parameters of named actors, the run continues.

A scenario's ``decision_points`` (:class:`DecisionPointsSpec`) say where a run stops: every N steps and/or at
named events — ``day_start`` (the first step of each simulated day, the days the published day-ahead signals
use) and ``dr_event`` (the step after the grid operator called a demand-response event). A decision point is a
step index ``s`` (0 < s < steps): the model stops *before* stepping ``s``.

A decision is ``{"step": s, "actor_id": ..., "parameter": "<dotted path in the actor's strategy>", "value": ...}``
(:class:`DecisionSpec`). :func:`validate_decisions` checks it like a scenario field: the actor exists, its fleet
takes decisions at run time, the path exists in that actor's strategy (``kind`` included), and the actor with
the changed strategy re-validates with pydantic; every problem is reported with a ``loc`` path
(``decisions.0.value``, ``decisions.0.strategy.soc_max_pu`` …) in a :class:`ScenarioValidationError`.

:class:`DecisionBook` (``RegionModel.decisions``) holds the scheduled decisions; the model applies those of step
``s`` at the start of step ``s`` (they take effect from that step on) and records each applied one with its step
(``applied``). The applied list is part of a checkpoint (agents.checkpoint), so scenario + seed + decisions give
bit-identical results, also after a checkpoint and resume.

Which actors take decisions at run time (``RUNTIME_FLEETS``): storage with a schedule strategy (arbitrage,
peak_shaving, tou_rule, net_load_rule, agents.strategies.storage_schedule) and heat utilities with strategy
``day_ahead_merit_order`` (agents.strategies.heat_dispatch: e.g. ``dc_heat_max_price_cny_per_mwh``, the heat
offer, or the tank band). Their plans are made at each day's first step, so a changed parameter shapes the plans
made from the decision's step on: at a ``day_start`` point that is the same step; a decision inside a day is
used from the next day's plan.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

EVENTS = ("day_start", "dr_event")
RUNTIME_FLEETS = ("storage", "heat_utility")
MAX_DECISIONS = 10_000


class DecisionPointsSpec(BaseModel):
    """Where a run stops and waits for decisions (scenario field ``decision_points``)."""

    model_config = ConfigDict(extra="forbid")

    every_steps: int | None = Field(None, ge=1, le=1_000_000,
                                    description="Stop every this many steps [steps]; null = no periodic stop")
    events: list[Literal["day_start", "dr_event"]] = Field(
        default_factory=list, max_length=2,
        description="Named events to stop at: day_start = first step of each simulated day; dr_event = the step "
                    "after the grid operator called a demand-response event")


class DecisionSpec(BaseModel):
    """One decision: a strategy parameter of a named actor, from a step on."""

    model_config = ConfigDict(extra="forbid")

    step: int = Field(ge=0, le=10_000_000, description="Step the decision takes effect from [step index]")
    actor_id: str = Field(min_length=1, max_length=100, description="Actor whose strategy changes")
    parameter: str = Field(min_length=1, max_length=200, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$",
                           description="Dotted path of the parameter within the actor's strategy, e.g. soc_max_pu")
    value: Any = Field(description="New value (JSON scalar, list or object)")


def _loc(loc) -> str:
    """Dotted path without the union tag pydantic puts after ``strategy`` (strategy.arbitrage.x → strategy.x)."""
    parts = [str(p) for i, p in enumerate(loc) if not (i > 0 and loc[i - 1] == "strategy" and i < len(loc) - 1)]
    return ".".join(parts)


def decision_parameters(actor) -> list[str]:
    """The parameter paths of an actor's strategy a decision may set (top-level fields of the strategy)."""
    strategy = getattr(actor, "strategy", None)
    return [] if strategy is None else list(type(strategy).model_fields)


def _runtime_strategy(actor_type: str):
    """The strategy spec class an actor of ``actor_type`` must have to take decisions at run time."""
    from agents.strategies.heat_dispatch import HeatDispatchStrategySpec
    from agents.strategies.storage_schedule import StorageStrategySpec

    return {"storage": StorageStrategySpec, "heat_utility": HeatDispatchStrategySpec}.get(actor_type, ())


def _takes_decisions(actor) -> bool:
    return actor.type in RUNTIME_FLEETS and isinstance(actor.strategy, _runtime_strategy(actor.type))


def runtime_actors(scenario) -> list:
    """Actors that take decisions at run time (their fleet supports it and their strategy is a schedule)."""
    return [a for a in scenario.actors if _takes_decisions(a)]


def validate_decisions(scenario, decisions, *, current: dict | None = None, min_step: int = 0,
                       prefix: str = "decisions") -> list[dict]:
    """Validate a list of decisions against the scenario; returns them as plain dicts with the new actor spec
    under ``"_actor"``. ``current`` {actor_id: actor spec} overrides the scenario's (earlier decisions);
    ``min_step``: decisions for earlier steps are rejected (they cannot take effect any more)."""
    from agents.scenario import ScenarioValidationError

    if not isinstance(decisions, list):
        raise ScenarioValidationError([{"loc": prefix, "msg": "decisions must be a JSON list"}])
    if len(decisions) > MAX_DECISIONS:
        raise ScenarioValidationError([{"loc": prefix, "msg": f"at most {MAX_DECISIONS} decisions"}])
    actors = {a.id: a for a in scenario.actors}
    if current:
        actors.update(current)
    errors: list[dict] = []
    out: list[dict] = []
    last_step = min_step
    for i, raw in enumerate(decisions):
        where = f"{prefix}.{i}"
        try:
            d = DecisionSpec.model_validate(raw)
        except ValidationError as exc:
            errors += [{"loc": _loc((where, *e["loc"])), "msg": e["msg"]} for e in exc.errors()]
            continue
        if d.step < last_step:
            errors.append({"loc": f"{where}.step", "msg": f"step {d.step} is before {last_step} (decisions are "
                                                           "in step order and cannot change the past)"})
            continue
        if d.step >= scenario.horizon.steps:
            errors.append({"loc": f"{where}.step", "msg": f"step must be below the horizon's {scenario.horizon.steps}"})
            continue
        actor = actors.get(d.actor_id)
        if actor is None:
            errors.append({"loc": f"{where}.actor_id", "msg": f"no actor {d.actor_id!r} in the scenario"})
            continue
        if not _takes_decisions(actor):
            errors.append({"loc": f"{where}.actor_id", "msg": f"actor {d.actor_id!r} takes no decisions at run time "
                                                              "(only storage with a schedule strategy and heat "
                                                              "utilities with day_ahead_merit_order do)"})
            continue
        strategy = actor.strategy.model_dump(mode="json")
        keys = d.parameter.split(".")
        node = strategy
        for key in keys[:-1]:
            node = node.get(key) if isinstance(node, dict) else None
        if not isinstance(node, dict) or keys[-1] not in node:
            errors.append({"loc": f"{where}.parameter",
                           "msg": f"{d.parameter!r} is not a parameter of this strategy "
                                  f"({', '.join(decision_parameters(actor))})"})
            continue
        node[keys[-1]] = d.value
        try:
            new_actor = type(actor).model_validate({**actor.model_dump(mode="json"), "strategy": strategy})
        except ValidationError as exc:
            errors += [{"loc": _loc((where, *e["loc"])) if e["loc"] else f"{where}.value", "msg": e["msg"]}
                       for e in exc.errors()]
            continue
        if not _takes_decisions(new_actor):
            errors.append({"loc": f"{where}.value", "msg": "a run-time decision keeps a schedule strategy kind "
                                                           "(storage: tou_rule, net_load_rule, arbitrage, "
                                                           "peak_shaving; heat utility: day_ahead_merit_order)"})
            continue
        actors[d.actor_id] = new_actor
        last_step = d.step
        out.append({**d.model_dump(mode="json"), "_actor": new_actor})
    if errors:
        raise ScenarioValidationError(errors)
    return out


def public(decision: dict) -> dict:
    """A decision as stored / returned (no internal keys)."""
    return {k: decision[k] for k in ("step", "actor_id", "parameter", "value")}


class DecisionBook:
    """The model's decision points and decisions: scheduled (to come) and applied (with their step)."""

    def __init__(self, model):
        self.model = model
        self.points = model.scenario.decision_points
        self.steps_per_day = max(1, round(24.0 / model.dt_h))
        self.pending: list[dict] = []
        self.applied: list[dict] = []
        self.current: dict = {}  # actor_id -> actor spec after the decisions applied so far

    # ---- where to stop ---------------------------------------------------------------------------------------
    def is_scheduled_point(self, s: int) -> bool:
        p = self.points
        if not 0 < s < self.model.total_steps:
            return False
        return bool((p.every_steps and s % p.every_steps == 0)
                    or ("day_start" in p.events and s % self.steps_per_day == 0))

    def is_point(self, s: int) -> bool:
        if self.is_scheduled_point(s):
            return True
        if "dr_event" in self.points.events and 0 < s < self.model.total_steps:
            return any(c["notified_step"] == s - 1 for c in self.model.dr.calls)
        return False

    def next_point(self, after: int) -> int | None:
        """The next scheduled decision point (every_steps / day_start) after step ``after``; dr_event points are
        not known before the event is called (no agent reads the future)."""
        p = self.points
        cands = []
        if p.every_steps:
            cands.append((after // p.every_steps + 1) * p.every_steps)
        if "day_start" in p.events:
            cands.append((after // self.steps_per_day + 1) * self.steps_per_day)
        cands = [c for c in cands if c < self.model.total_steps]
        return min(cands) if cands else None

    # ---- what to apply ---------------------------------------------------------------------------------------
    def schedule(self, decisions, *, prefix: str = "decisions") -> list[dict]:
        """Validate and schedule decisions (steps ≥ the current step); returns them validated."""
        valid = validate_decisions(self.model.scenario, decisions, current=self.current,
                                   min_step=max(self.model.step_index, self.pending[-1]["step"] if self.pending
                                                else 0), prefix=prefix)
        for d in valid:
            self.current[d["actor_id"]] = d["_actor"]
        self.pending += valid
        return valid

    def apply_due(self, t: int) -> None:
        """Apply the decisions of step ``t`` (called at the start of step ``t``)."""
        while self.pending and self.pending[0]["step"] <= t:
            self._apply(self.pending.pop(0), t)

    def _apply(self, d: dict, t: int) -> None:
        fleet = self.model.fleets[d["_actor"].type]
        fleet.apply_actor_spec(fleet.ids.index(d["actor_id"]), d["_actor"])
        self.applied.append({**public(d), "step": t})

    def restore(self, applied: list[dict], day_start: int) -> list[dict]:
        """After a checkpoint restore: re-apply the decisions applied before it; those applied after the current
        day's first step are returned (apply them after the day's plan is replayed)."""
        later = []
        for d in validate_decisions(self.model.scenario, applied, prefix="checkpoint.decisions"):
            self.current[d["actor_id"]] = d["_actor"]
            if d["step"] <= day_start:
                self._apply(d, d["step"])
            else:
                later.append(d)
        return later

    def apply_later(self, later: list[dict]) -> None:
        for d in later:
            self._apply(d, d["step"])

