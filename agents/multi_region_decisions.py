"""Decision points and people's decisions in a multi-region run (agents.multi_region.MultiRegionModel).

Where the run stops: the scenario-level ``decision_points`` (agents.decisions.DecisionPointsSpec) for the whole
system — every N steps, ``day_start`` (a day's first step; the regions share one clock), ``dr_event`` (the step
after the grid operator of *any* region called a demand-response event).

What a decision addresses (``actor_id``): an actor of any region (actor ids are unique across regions, a
validation rule) or a DR aggregator of a region's ``demand_response`` section — routed to that region and checked
there by the single-region rules (agents.decisions.validate_decisions: same targets, same parameter paths, errors
under ``decisions.<i>.``); or ``migration`` (unless an actor has that id): a field of the scenario's
``migration`` (agents.strategies.migration.MigrationSpec: ``kind``, ``carbon_signal``, ``carbon_price_cny_per_t``,
``min_saving_pu``), re-validated with pydantic (errors ``decisions.<i>.<field>``). The coordinator plans a day's
moves at its first step with the migration parameters of that step, so a migration decision shapes the moves
from the next day's plan on (the same day at a ``day_start`` point). A run whose scenario has migration ``none``
cannot switch it on at run time (its data centers record no migrated work).

:class:`MultiRegionDecisionBook` (``MultiRegionModel.decisions``) routes region decisions into each region's own
DecisionBook (applied at the region's step start, recorded in its checkpoint and replayed on a resume) and keeps
the migration decisions itself (applied at the step start before the day's moves; their applied list is in the
multi-region checkpoint). ``applied`` lists every applied decision in step order.
"""

from __future__ import annotations

from pydantic import ValidationError

from agents.decisions import DecisionBook, _loc, _set_path, check_decision_list, parse_decision, public

MIGRATION_TARGET = "migration"
_TMP = "@"


def _route(scenario, key: str):
    """(region index, None) for an actor / DR aggregator of one region; (None, MIGRATION_TARGET) for the
    migration; (None, None) when nothing has that id; (None, [region indices]) for an aggregator id of several."""
    for k, r in enumerate(scenario.regions):
        if any(a.id == key for a in r.actors):
            return k, None
    aggs = [k for k, r in enumerate(scenario.regions) if any(a.id == key for a in r.demand_response.aggregators)]
    if len(aggs) == 1:
        return aggs[0], None
    if aggs:
        return None, aggs
    if key == MIGRATION_TARGET:
        return None, MIGRATION_TARGET
    return None, None


def validate_multi_region_decisions(scenario, decisions, *, current: dict | None = None, min_step: int = 0,
                                    prefix: str = "decisions") -> list[dict]:
    """agents.decisions.validate_decisions for a MultiRegionScenario (module docstring): returns the decisions as
    plain dicts with the new target spec under ``"_actor"``, its kind under ``"_target"`` and, for a region's,
    the region id under ``"_region"``. ``current`` {id: spec} overrides the scenario's (earlier decisions)."""
    from agents.decisions import validate_decisions
    from agents.scenario import ScenarioValidationError
    from agents.strategies.migration import MigrationSpec

    check_decision_list(decisions, prefix)
    current = dict(current or {})
    regions = {k: scenario.scenario_of(r.id) for k, r in enumerate(scenario.regions)}
    errors: list[dict] = []
    out: list[dict] = []
    last_step = min_step
    for i, raw in enumerate(decisions):
        where = f"{prefix}.{i}"
        d = parse_decision(raw, where, last_step, errors)
        if d is None:
            continue
        k, other = _route(scenario, d.actor_id)
        if k is not None:
            rid = scenario.regions[k].id
            try:
                valid = validate_decisions(regions[k], [raw], current=current, prefix=_TMP)
            except ScenarioValidationError as exc:
                errors += [{**e, "loc": where + e["loc"][len(_TMP) + 2:] if e["loc"].startswith(f"{_TMP}.0")
                            else where} for e in exc.errors]
                continue
            item = {**valid[0], "_region": rid}
        elif other == MIGRATION_TARGET:
            if d.step >= scenario.horizon.steps:
                errors.append({"loc": f"{where}.step",
                               "msg": f"step must be below the horizon's {scenario.horizon.steps}"})
                continue
            spec = current.get(MIGRATION_TARGET, scenario.migration)
            params = spec.model_dump(mode="json")
            if not _set_path(params, d.parameter.split("."), d.value):
                errors.append({"loc": f"{where}.parameter", "msg": f"{d.parameter!r} is not a parameter of the "
                                                                   f"migration ({', '.join(params)})"})
                continue
            try:
                new = MigrationSpec.model_validate(params)
            except ValidationError as exc:
                errors += [{"loc": _loc((where, *e["loc"])) if e["loc"] else f"{where}.value", "msg": e["msg"]}
                           for e in exc.errors()]
                continue
            if scenario.migration.kind == "none" and new.kind != "none":
                errors.append({"loc": f"{where}.value", "msg": "the scenario's migration is none: a run-time "
                                                               "decision cannot switch migration on"})
                continue
            item = {**d.model_dump(mode="json"), "_actor": new, "_target": MIGRATION_TARGET}
        elif isinstance(other, list):
            errors.append({"loc": f"{where}.actor_id", "msg": f"DR aggregator id {d.actor_id!r} is in several "
                                                              f"regions ({', '.join(scenario.regions[j].id for j in other)})"})
            continue
        else:
            errors.append({"loc": f"{where}.actor_id", "msg": f"no actor, DR aggregator or {MIGRATION_TARGET!r} "
                                                              f"{d.actor_id!r} in the scenario's regions"})
            continue
        current[d.actor_id] = item["_actor"]
        last_step = d.step
        out.append(item)
    if errors:
        raise ScenarioValidationError(errors)
    return out


def multi_region_decision_targets(scenario, current: dict | None = None) -> list[dict]:
    """agents.decisions.decision_targets over every region (each item with its ``region`` id), then the migration."""
    from agents.decisions import decision_targets

    current = current or {}
    out = [{**t, "region": r.id} for r in scenario.regions
           for t in decision_targets(scenario.scenario_of(r.id), current)]
    if scenario.migration.kind != "none" and not any(a.id == MIGRATION_TARGET for a in scenario.actors):
        spec = current.get(MIGRATION_TARGET, scenario.migration)
        out.append({"id": MIGRATION_TARGET, "name": "Migration between regions", "type": MIGRATION_TARGET,
                    "strategy": spec.model_dump(mode="json"), "parameters": list(type(spec).model_fields)})
    return out


class MultiRegionDecisionBook(DecisionBook):
    """Decision points of the whole system and the routing of decisions (module docstring)."""

    def __init__(self, model):
        super().__init__(model)
        self.current = {}  # "migration" -> MigrationSpec after the migration decisions applied so far

    def is_point(self, s: int) -> bool:
        if self.is_scheduled_point(s):
            return True
        if "dr_event" in self.points.events and 0 < s < self.model.total_steps:
            return any(c["notified_step"] == s - 1 for m in self.model.models.values() for c in m.dr.calls)
        return False

    def _all_current(self) -> dict:
        out = {}
        for m in self.model.models.values():
            out.update(m.decisions.current)
        return {**out, **self.current}

    def _last_pending_step(self) -> int:
        steps = [b.pending[-1]["step"] for b in (self, *(m.decisions for m in self.model.models.values()))
                 if b.pending]
        return max(steps, default=0)

    def schedule(self, decisions, *, prefix: str = "decisions") -> list[dict]:
        model = self.model
        valid = validate_multi_region_decisions(model.scenario, decisions, current=self._all_current(),
                                                min_step=max(model.step_index, self._last_pending_step()),
                                                prefix=prefix)
        for d in valid:
            book = self if d["_target"] == MIGRATION_TARGET else model.models[d["_region"]].decisions
            book.current[d["actor_id"]] = d["_actor"]
            book.pending.append(d)
        return valid

    def _apply(self, d: dict, t: int) -> None:  # a migration decision (region decisions go to their books)
        self.model.migration = d["_actor"]
        self.applied.append({**public(d), "step": t})

    def restore(self, applied: list[dict]) -> None:
        """A resume: the migration decisions applied before the checkpoint (the regions replay their own)."""
        for d in validate_multi_region_decisions(self.model.scenario, applied, prefix="checkpoint.decisions"):
            self.current[d["actor_id"]] = d["_actor"]
            self._apply(d, d["step"])

    @property
    def all_applied(self) -> list[dict]:
        """Every applied decision (regions' and migration's), in step order."""
        items = [*self.applied, *(d for m in self.model.models.values() for d in m.decisions.applied)]
        return sorted(items, key=lambda d: d["step"])
