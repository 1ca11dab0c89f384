"""Decision points: a run stops, people decide strategy parameters of named actors, the run continues.

A scenario's ``decision_points`` (:class:`DecisionPointsSpec`) say where a run stops: every N steps and/or at
named events — ``day_start`` (the first step of each simulated day, the days the published day-ahead signals
use) and ``dr_event`` (the step after the grid operator called a demand-response event). A decision point is a
step index ``s`` (0 < s < steps): the model stops *before* stepping ``s``.

A decision is ``{"step": s, "actor_id": ..., "parameter": "<dotted path>", "value": ...}`` (:class:`DecisionSpec`);
``actor_id`` names an actor or an aggregator of the scenario's ``demand_response`` section. :func:`validate_decisions`
checks it like a scenario field: the target exists and takes decisions at run time, the path exists in its
parameters (``kind`` included; list items by index, ``commitment_mw.0``), and the changed target re-validates with
pydantic; every problem is reported with a ``loc`` path (``decisions.0.value``, ``decisions.0.strategy.soc_max_pu``,
``decisions.0.commitment_mw.0`` …) in a :class:`ScenarioValidationError`.

:class:`DecisionBook` (``RegionModel.decisions``) holds the scheduled decisions; the model applies those of step
``s`` at the start of step ``s`` (they take effect from that step on) and records each applied one with its step
(``applied``). The applied list is part of a checkpoint (agents.checkpoint), and ``DecisionBook.replay`` re-applies
it in the run's order on a resume, so scenario + seed + decisions give bit-identical results, also after a
checkpoint and resume.

What takes decisions at run time (``TARGETS``, one class per kind, each with ``find`` / ``parameters`` /
``rebuild`` / ``apply``): storage with a schedule strategy (arbitrage, peak_shaving, tou_rule, net_load_rule,
agents.strategies.storage_schedule); data centers given a workload strategy other than none (every
``DataCenterStrategySpec`` field, agents.strategies.workload_flex), a cold store (its rule,
``cold_storage.charge_quantile`` / ``discharge_quantile`` / ``min_spread_pu``) or backup generators (their strategy,
``backup.strategy.kind`` / ``dr_margin_cny_per_mwh`` / ``dr_notice_s``); heat utilities with strategy
``day_ahead_merit_order`` (agents.strategies.heat_dispatch: e.g. ``dc_heat_max_price_cny_per_mwh``, the heat
offer, or the tank band); DR aggregators (a DR bid: committed reduction,
offered prices, allocation; agents.dr_desk). Storage schedules, DC workload plans and heat plans are made at each day's
first step, so a changed parameter shapes the plans made from the decision's step on: at a ``day_start`` point that is
the same step; a decision inside a day is used from the next day's plan (cold-store rules too). A DR bid holds for
the events the grid operator calls from the decision's step on; a backup-generator decision for the DR calls of the
steps from the decision's on.

A multi-region scenario's decisions (``validate_decisions`` and ``decision_targets`` dispatch on it) are routed to
their region's rules here, plus the coordinator's ``migration``: agents.multi_region_decisions.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from agents.strategies.backup import BackupStrategySpec
from agents.strategies.dc_cooling import ColdStorageSpec

EVENTS = ("day_start", "dr_event")
DR_TARGET = "dr_aggregator"  # decisions for an aggregator of the scenario's demand_response section (a DR bid)
DR_BID_PARAMETERS = ("total_commitment_mw", "commitment_mw", "offer_price_cny_per_mwh", "allocation")
MAX_DECISIONS = 10_000
# a data center's cold-store rule and backup strategy fields a decision may set (the equipment is not decided)
COLD_STORAGE_PARAMETERS = ("charge_quantile", "discharge_quantile", "min_spread_pu")
BACKUP_PARAMETERS = tuple(BackupStrategySpec.model_fields)  # kind, dr_margin_cny_per_mwh, dr_notice_s


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


_ColdStorageRule = create_model(  # the decidable part of a ColdStorageSpec, with its bounds and descriptions
    "ColdStorageRule", __config__=ConfigDict(extra="forbid"),
    **{k: (f.annotation, f) for k, f in ColdStorageSpec.model_fields.items() if k in COLD_STORAGE_PARAMETERS})


class _BackupDecision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    strategy: BackupStrategySpec


class _DataCenterParts(BaseModel):
    """What a decision may set of a data center's cold store and backup generators (loc paths as in the scenario)."""

    model_config = ConfigDict(extra="forbid")

    cold_storage: _ColdStorageRule | None = None  # type: ignore[valid-type]
    backup: _BackupDecision | None = None


def _loc(loc) -> str:
    """Dotted path without the union tag pydantic puts after ``strategy`` (strategy.arbitrage.x → strategy.x)."""
    from agents.strategies import REGISTRY

    tags = set(REGISTRY["storage"]) | set(REGISTRY["heat_utility"])  # kinds of the strategy unions (pydantic's tags)
    parts = [str(p) for i, p in enumerate(loc)
             if not (i > 0 and loc[i - 1] == "strategy" and i < len(loc) - 1 and p in tags)]
    return ".".join(parts)


# ---- decision targets: what a decision may change, and how it is applied ------------------------------------
# One class per kind of target. ``find`` says whether an id of the scenario takes run-time decisions of this
# kind; ``parameters`` are the (JSON) values a decision may set by dotted path; ``rebuild`` re-validates the
# target with a changed parameter tree (pydantic, errors with loc paths); ``apply`` hands it to the model.


class _StrategyTarget:
    """An actor whose ``strategy`` takes decisions (the parameter is a dotted path inside the strategy)."""

    kind = "actor"
    actor_type = ""

    def find(self, scenario, actor_id: str):
        actor = next((a for a in scenario.actors if a.id == actor_id), None)
        return actor if actor is not None and actor.type == self.actor_type and self.takes(actor) else None

    def takes(self, actor) -> bool:
        raise NotImplementedError

    def parameters(self, actor, base=None) -> dict:
        return actor.strategy.model_dump(mode="json")

    def paths(self, actor, base=None) -> list[str]:
        return list(type(actor.strategy).model_fields)

    def missing(self, base, keys: list[str]) -> str | None:
        return None

    def rebuild(self, actor, params: dict, keys: list[str]):
        return type(actor).model_validate({**actor.model_dump(mode="json"), "strategy": params})

    def check(self, new) -> str | None:
        return None

    def label(self, actor) -> str:
        return actor.name

    def apply(self, model, actor_id: str, new) -> None:
        fleet = model.fleets[self.actor_type]
        fleet.apply_actor_spec(fleet.ids.index(actor_id), new)


class _StorageTarget(_StrategyTarget):
    """Storage with a schedule strategy (agents.strategies.storage_schedule); the kind stays a schedule kind."""

    kind = actor_type = "storage"

    def takes(self, actor) -> bool:
        from agents.strategies.storage_schedule import StorageStrategySpec

        return isinstance(actor.strategy, StorageStrategySpec)

    def check(self, new) -> str | None:
        return None if self.takes(new) else ("a run-time decision keeps a schedule strategy kind (tou_rule, "
                                             "net_load_rule, arbitrage, peak_shaving)")


class _DataCenterTarget(_StrategyTarget):
    """A data center's operator. Three groups of parameters, each only when the scenario gives the DC that part:

    - its workload strategy (a kind other than none in the scenario): every ``DataCenterStrategySpec`` field by
      its path in the strategy (``kind``, ``flex.deadline_h`` …; kind none included), from the next day's plan on
      (its fleet keeps the members' unshifted load and deferred work, DataCenterFleet.apply_actor_spec);
    - its cold store (scenario ``cold_storage``): the rule ``cold_storage.charge_quantile``,
      ``cold_storage.discharge_quantile``, ``cold_storage.min_spread_pu`` (the tank itself is not decided), from
      the next day's plan on (agents.actors.dc_cold_storage);
    - its backup generators (scenario ``backup``, not the legacy ``backup_*`` fields): their strategy
      ``backup.strategy.kind`` (contingency / contingency_and_dr), ``backup.strategy.dr_margin_cny_per_mwh``,
      ``backup.strategy.dr_notice_s``, used in the DR calls of the steps from the decision's on (the generators
      decide each step from the published call, agents.actors.dc_backup).

    Errors are located at the field's place in the scenario's data-center entry (``decisions.<i>.strategy.…``,
    ``decisions.<i>.cold_storage.…``, ``decisions.<i>.backup.strategy.…``)."""

    kind = actor_type = "data_center"

    def takes(self, actor) -> bool:
        return actor.strategy.kind != "none" or actor.cold_storage is not None or actor.backup is not None

    def parameters(self, actor, base=None) -> dict:
        base = actor if base is None else base
        out = actor.strategy.model_dump(mode="json") if base.strategy.kind != "none" else {}
        if actor.cold_storage is not None:
            cold = actor.cold_storage.model_dump(mode="json")
            out["cold_storage"] = {k: cold[k] for k in COLD_STORAGE_PARAMETERS}
        if actor.backup is not None:
            out["backup"] = {"strategy": actor.backup.strategy.model_dump(mode="json")}
        return out

    def paths(self, actor, base=None) -> list[str]:
        base = actor if base is None else base
        out = list(type(actor.strategy).model_fields) if base.strategy.kind != "none" else []
        if actor.cold_storage is not None:
            out += [f"cold_storage.{k}" for k in COLD_STORAGE_PARAMETERS]
        if actor.backup is not None:
            out += [f"backup.strategy.{k}" for k in BACKUP_PARAMETERS]
        return out

    def missing(self, base, keys: list[str]) -> str | None:
        if keys[0] == "cold_storage" and base.cold_storage is None:
            return f"data center {base.id!r} has no cold storage (scenario field cold_storage)"
        if keys[0] == "backup" and base.backup is None:
            return (f"data center {base.id!r} has no backup generators given as backup (the legacy backup_* "
                    "fields take no decisions)")
        if base.strategy.kind == "none" and keys[0] in type(base.strategy).model_fields:
            return (f"data center {base.id!r} has no workload strategy in the scenario (kind none): its workload "
                    "takes no decisions")
        return None

    def rebuild(self, actor, params: dict, keys: list[str]):
        from agents.scenario import DataCenter

        parts = {k: params[k] for k in ("cold_storage", "backup") if k in params}
        _DataCenterParts.model_validate(parts)  # the decidable part of each (errors located, extras rejected)
        doc = actor.model_dump(mode="json")
        if "cold_storage" in parts:
            doc["cold_storage"] = {**doc["cold_storage"], **parts["cold_storage"]}
        if "backup" in parts:
            doc["backup"] = {**doc["backup"], "strategy": {**doc["backup"]["strategy"], **parts["backup"]["strategy"]}}
        workload = {k: v for k, v in params.items() if k not in parts}
        if workload:
            doc["strategy"] = workload
        return DataCenter.model_validate(doc)

    def apply(self, model, actor_id: str, new) -> None:
        fleet = model.fleets[self.actor_type]
        fleet.apply_actor_spec(fleet.ids.index(actor_id), new, step=model.step_index)


class _HeatUtilityTarget(_StrategyTarget):
    """A heat utility with strategy ``day_ahead_merit_order`` (agents.strategies.heat_dispatch): e.g. its heat
    offer ``dc_heat_max_price_cny_per_mwh``, its internal carbon price or its tank band, from the next day's plan
    on (``HeatUtilityFleet.apply_actor_spec``)."""

    kind = actor_type = "heat_utility"

    def takes(self, actor) -> bool:
        from agents.strategies.heat_dispatch import HeatDispatchStrategySpec

        return isinstance(actor.strategy, HeatDispatchStrategySpec)

    def check(self, new) -> str | None:
        return None if self.takes(new) else "a run-time decision keeps the heat utility's day_ahead_merit_order"


class _AggregatorTarget:
    """A demand-response aggregator of ``demand_response.aggregators`` (a DR bid): its committed reduction
    (``total_commitment_mw``, ``commitment_mw`` per member, ``commitment_mw.<i>`` for one member), the members'
    offered prices and the allocation rule, used for the events called from the decision's step on.

    Setting ``commitment_mw`` (or one member's) while a total is also given drops the total (null = their sum);
    setting ``total_commitment_mw`` while per-member commitments are given scales them to the new total."""

    kind = DR_TARGET

    def find(self, scenario, key: str):
        return next((a for a in scenario.demand_response.aggregators if a.id == key), None)

    def parameters(self, spec, base=None) -> dict:
        return {k: v for k, v in spec.model_dump(mode="json").items() if k in DR_BID_PARAMETERS}

    def paths(self, spec, base=None) -> list[str]:
        return list(DR_BID_PARAMETERS)

    def missing(self, base, keys: list[str]) -> str | None:
        return None

    def rebuild(self, spec, params: dict, keys: list[str]):
        from agents.markets.aggregator import AggregatorSpec

        doc = {**spec.model_dump(mode="json"), **params}
        old = spec.commitment_mw
        if keys[0] == "commitment_mw" and spec.total_commitment_mw is not None:
            doc["total_commitment_mw"] = None
        total = doc.get("total_commitment_mw")
        if (keys == ["total_commitment_mw"] and old is not None and isinstance(total, (int, float))
                and not isinstance(total, bool) and total >= 0):
            s = float(sum(old))
            doc["commitment_mw"] = [c * float(total) / s for c in old] if s > 0 else None
        return AggregatorSpec.model_validate(doc)

    def check(self, new) -> str | None:
        return None

    def label(self, spec) -> str:
        return spec.id

    def apply(self, model, key: str, new) -> None:
        model.dr.apply_aggregator(key, new)


TARGETS = {t.kind: t for t in (_StorageTarget(), _DataCenterTarget(), _HeatUtilityTarget(), _AggregatorTarget())}


def _target_of(scenario, key: str):
    """(target, spec in the scenario) of a decision's ``actor_id`` (actors first, then DR aggregators)."""
    actor = next((a for a in scenario.actors if a.id == key), None)
    if actor is not None:
        target = TARGETS.get(actor.type)
        return (target, actor) if target is not None and target.find(scenario, key) is not None else (None, actor)
    spec = TARGETS[DR_TARGET].find(scenario, key)
    return (TARGETS[DR_TARGET], spec) if spec is not None else (None, None)


def _set_path(tree, keys: list[str], value) -> bool:
    """Set ``value`` at a dotted path of dicts (and list indices); False when the path does not exist."""
    node = tree
    for key in keys[:-1]:
        if isinstance(node, dict):
            node = node.get(key)
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return False
    last = keys[-1]
    if isinstance(node, dict) and last in node:
        node[last] = value
        return True
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node[int(last)] = value
        return True
    return False


def decision_parameters(actor, base=None) -> list[str]:
    """The parameter paths of a decision target (an actor's strategy, or a DR aggregator's bid) a decision may
    set: the strategy's top-level fields (deeper paths such as ``flex.deadline_h`` or ``commitment_mw.0`` also
    work) and a data center's ``cold_storage.<field>`` / ``backup.strategy.<field>``. ``base``: the actor as the
    scenario gives it (``actor`` may be it after decisions)."""
    if hasattr(actor, "member_ids"):
        return list(DR_BID_PARAMETERS)
    target = TARGETS.get(getattr(actor, "type", None))
    if target is not None:
        return target.paths(actor, base)
    strategy = getattr(actor, "strategy", None)
    return [] if strategy is None else list(type(strategy).model_fields)


def runtime_actors(scenario) -> list:
    """Actors that take decisions at run time: storage with a schedule strategy, data centers with a workload
    strategy other than none, cold storage or backup generators (``backup``), heat utilities planning each day."""
    return [a for a in scenario.actors if (t := TARGETS.get(a.type)) is not None and t.find(scenario, a.id)]


def decision_targets(scenario, current: dict | None = None) -> list[dict]:
    """Everything that takes decisions at run time, as the decision form shows it: {"id", "name", "type" (actor
    type or ``dr_aggregator``), "strategy" (current parameters, after ``current`` decisions), "parameters"}."""
    if hasattr(scenario, "regions"):  # every region's targets and the migration (agents.multi_region_decisions)
        from agents.multi_region_decisions import multi_region_decision_targets

        return multi_region_decision_targets(scenario, current)
    current = current or {}
    items = [(TARGETS[a.type], a) for a in runtime_actors(scenario)]
    items += [(TARGETS[DR_TARGET], a) for a in scenario.demand_response.aggregators]
    out = []
    for target, base in items:
        spec = current.get(base.id, base)
        out.append({"id": spec.id, "name": target.label(spec), "name_zh": getattr(spec, "name_zh", ""),
                    "type": target.kind,
                    "strategy": target.parameters(spec, base), "parameters": target.paths(spec, base)})
    return out


def check_decision_list(decisions, prefix: str) -> None:
    """A decisions document is a JSON list of at most MAX_DECISIONS items (else ScenarioValidationError at
    ``prefix``)."""
    from agents.scenario import ScenarioValidationError

    if not isinstance(decisions, list):
        raise ScenarioValidationError([{"loc": prefix, "msg": "decisions must be a JSON list"}])
    if len(decisions) > MAX_DECISIONS:
        raise ScenarioValidationError([{"loc": prefix, "msg": f"at most {MAX_DECISIONS} decisions"}])


def parse_decision(raw, where: str, last_step: int, errors: list[dict]) -> DecisionSpec | None:
    """One decision as a DecisionSpec, not before ``last_step`` (decisions are in step order); None with its
    problems appended to ``errors`` (loc paths under ``where``)."""
    try:
        d = DecisionSpec.model_validate(raw)
    except ValidationError as exc:
        errors += [{"loc": _loc((where, *e["loc"])), "msg": e["msg"]} for e in exc.errors()]
        return None
    if d.step < last_step:
        errors.append({"loc": f"{where}.step", "msg": f"step {d.step} is before {last_step} (decisions are "
                                                       "in step order and cannot change the past)"})
        return None
    return d


def validate_decisions(scenario, decisions, *, current: dict | None = None, min_step: int = 0,
                       prefix: str = "decisions") -> list[dict]:
    """Validate a list of decisions against the scenario; returns them as plain dicts with the new target spec
    under ``"_actor"`` (and its kind under ``"_target"``). ``current`` {id: spec} overrides the scenario's
    (earlier decisions); ``min_step``: decisions for earlier steps are rejected (they cannot take effect any
    more)."""
    from agents.scenario import ScenarioValidationError

    if hasattr(scenario, "regions"):  # a multi-region scenario: routed to the regions (agents.multi_region_decisions)
        from agents.multi_region_decisions import validate_multi_region_decisions

        return validate_multi_region_decisions(scenario, decisions, current=current, min_step=min_step, prefix=prefix)
    check_decision_list(decisions, prefix)
    current = dict(current or {})
    errors: list[dict] = []
    out: list[dict] = []
    last_step = min_step
    for i, raw in enumerate(decisions):
        where = f"{prefix}.{i}"
        d = parse_decision(raw, where, last_step, errors)
        if d is None:
            continue
        if d.step >= scenario.horizon.steps:
            errors.append({"loc": f"{where}.step", "msg": f"step must be below the horizon's {scenario.horizon.steps}"})
            continue
        target, base = _target_of(scenario, d.actor_id)
        if base is None:
            errors.append({"loc": f"{where}.actor_id", "msg": f"no actor or DR aggregator {d.actor_id!r} in the "
                                                              "scenario"})
            continue
        if target is None:
            errors.append({"loc": f"{where}.actor_id", "msg": f"actor {d.actor_id!r} takes no decisions at run time "
                                                              "(storage with a schedule strategy, data centers with "
                                                              "a workload strategy other than none, cold storage or "
                                                              "backup generators, and DR aggregators do)"})
            continue
        spec = current.get(d.actor_id, base)
        params = target.parameters(spec, base)
        keys = d.parameter.split(".")
        if not _set_path(params, keys, d.value):
            errors.append({"loc": f"{where}.parameter",
                           "msg": target.missing(base, keys) or
                           f"{d.parameter!r} is not a parameter of this "
                           f"{'DR bid' if target.kind == DR_TARGET else 'strategy'} "
                           f"({', '.join(target.paths(spec, base))})"})
            continue
        try:
            new = target.rebuild(spec, params, keys)
        except ValidationError as exc:
            errors += [{"loc": _loc((where, *e["loc"])) if e["loc"] else f"{where}.value", "msg": e["msg"]}
                       for e in exc.errors()]
            continue
        problem = target.check(new)
        if problem:
            errors.append({"loc": f"{where}.value", "msg": problem})
            continue
        current[d.actor_id] = new
        last_step = d.step
        out.append({**d.model_dump(mode="json"), "_actor": new, "_target": target.kind})
    if errors:
        raise ScenarioValidationError(errors)
    return out


def decisions_valid_in(scenario, decisions: list[dict], base=None) -> list[dict]:
    """The decisions (public form, each with its step) that still apply to ``scenario`` — a counterfactual of
    ``base`` (agents.contract_eval: the same run without a contract): in order, every decision that validates
    after the ones kept before it; a DR bid on an aggregator the counterfactual changed (a member removed with
    its contract) is dropped, since its parameter paths may no longer name the same members."""
    from agents.scenario import ScenarioValidationError

    def aggregators(s) -> list:  # every region's of a multi-region scenario
        return [a for r in getattr(s, "regions", [s]) for a in r.demand_response.aggregators]

    changed = set()
    if base is not None:
        old = {a.id: a for a in aggregators(base)}
        changed = {a.id for a in aggregators(scenario) if old.get(a.id) != a}
        changed |= set(old) - {a.id for a in aggregators(scenario)}
    kept: list[dict] = []
    for d in decisions:
        if d.get("actor_id") in changed and not any(a.id == d["actor_id"] for a in scenario.actors):
            continue
        try:
            validate_decisions(scenario, [*kept, d])
        except ScenarioValidationError:
            continue
        kept.append(d)
    return kept


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
        TARGETS[d["_target"]].apply(self.model, d["actor_id"], d["_actor"])
        self.applied.append({**public(d), "step": t})

    def replay(self, applied: list[dict], until: int, after_day=None) -> None:
        """After a checkpoint restore at step ``until``: re-make what steps [0, until) decided from published
        signals, in the run's order, with people's decisions re-applied at their steps — the grid operator's DR
        calls (its explicit notices and each day's triggered calls), the data centers' day plans (each day's
        first step) and the current day's storage schedules (re-planned from the SOC at the day's start, after
        the decisions up to that step), and the heat utilities' day plans. Each depends only on published
        forecasts, the scenario, the decisions
        and the carried state, so they come out as in the uninterrupted run. ``after_day(a, z)``: called after
        the data centers' plan of each day [a, z) (a multi-region coordinator re-applies its moves of the day)."""
        model = self.model
        dr, dcs, signals, spd = model.dr, model.dcs, model.signals, self.steps_per_day
        todo = validate_decisions(model.scenario, applied, prefix="checkpoint.decisions")
        day_start = until - until % spd
        notices = {n for n, *_ in dr._explicit if n < until} if dr.active else set()
        for t in sorted(notices | set(range(0, until, spd))):
            while todo and todo[0]["step"] <= t:
                self._restore(todo.pop(0))
            signals.advance(t)
            if dr.active:
                dr.observe(t, signals)
            if t % spd == 0:
                if dcs.strategy_groups or dcs.cold.active:  # workload plans, then cold storage
                    dcs._plan_day(signals)
                if after_day is not None:
                    after_day(t, min(t + spd, until))
                model.heat._decide_day(signals)  # after the DCs' plans: they set the heat the DCs offer
                for fleet in model.phase_order:  # the Mesa agents' activation of that day (Actor.decide)
                    fleet.activate(t)
            if t == day_start:
                model.storage.replay(signals, until)  # the current day's schedules
        for d in todo:
            self._restore(d)

    def _restore(self, d: dict) -> None:
        self.current[d["actor_id"]] = d["_actor"]
        self._apply(d, d["step"])
