"""Who decides what, on which signal: the registry of strategies per actor type.

The package's modules are the decision modules of the agents (issue 12): pure, vectorised functions a fleet
calls once per decision window with published signals (day-ahead forecasts) and its members' own state (see
docs/strategies.md). This module says which of them a fleet runs, for which strategy kind.

Every actor carries a ``strategy`` (scenario field; ``{"kind": "none"}`` by default, which keeps the model's
built-in behaviour). ``REGISTRY[actor type][kind]`` says what a strategy of that kind observes, what it decides,
the function that decides and its parameter spec; docs/strategies.md has the same table (a test compares
them). A fleet groups its members by strategy kind once at build (``group_by_strategy``) and decides for each
group at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoStrategySpec(_Spec):
    """The actor follows the model's built-in behaviour (docs/model.md) and decides nothing on signals."""

    kind: Literal["none"] = Field("none", description="Strategy kind: none = the built-in behaviour")


class TouBatteryStrategySpec(_Spec):
    """Battery rule: charge at full power in valley hours, discharge in peak hours (the region's TOU tariff)."""

    kind: Literal["tou"] = Field("tou", description="Strategy kind: tou = charge in valley, discharge in peak hours")


class NetLoadBatteryStrategySpec(_Spec):
    """Battery rule: shave the peaks and fill the valleys of the net load the unit sees, day by day."""

    kind: Literal["net_load"] = Field("net_load", description="Strategy kind: net_load = shave peaks of net load")


def _dc_spec():
    from agents.strategies.workload_flex import DataCenterStrategySpec

    return DataCenterStrategySpec


def _heat_spec():
    from agents.strategies.heat_dispatch import HeatDispatchStrategySpec

    return HeatDispatchStrategySpec


def _storage_spec():
    from agents.strategies.storage_schedule import StorageStrategySpec

    return StorageStrategySpec


@dataclass(frozen=True)
class StrategyKind:
    """One row of the registry."""

    actor_type: str
    kind: str
    spec: type[BaseModel]
    observes: str
    decides: str
    decided_by: str  # dotted path of the function that decides


def _none(actor_type: str, decides: str) -> StrategyKind:
    return StrategyKind(actor_type, "none", NoStrategySpec, "nothing (no published signal)", decides,
                        "built in (docs/model.md)")


REGISTRY: dict[str, dict[str, StrategyKind]] = {
    "grid_operator": {
        "none": StrategyKind("grid_operator", "none", NoStrategySpec,
                             "all offers and bids of the step (it is the market operator)",
                             "clearing: accepted offers, wholesale price, export, reserve held; publishes the "
                             "day-ahead forecasts and the real-time price and marginal emissions; calls "
                             "demand-response events from its next-day forecast (agents.dr_desk)",
                             "agents.actors.grid_operator.GridOperatorFleet.clear"),
    },
    "data_center": {
        "none": StrategyKind("data_center", "none", NoStrategySpec,
                             "the reduction its aggregator asks for (dr_called_mw), if enrolled — not acted on by "
                             "the workload",
                             "nothing: IT load from its workload profile; backup generators (own field "
                             "backup.strategy) start on voltage-dip events and for load the grid cannot serve, and "
                             "carry a DR call that pays their offer (contingency_and_dr)",
                             "built in (docs/model.md)"),
        **{kind: StrategyKind("data_center", kind, _dc_spec(),
                              "at each day's first step: " + seen + ", its deferred work carried in (own state)",
                              "the day's IT power per step: deferrable work placed within its deadline " + what
                              + "; facility power, heat offer and grid draw follow",
                              "agents.strategies.workload_flex.plan_window")
           for kind, seen, what in (
               ("price_following", "the day-ahead price forecast of the day (+ carbon price × average intensity)",
                "in the cheapest forecast hours"),
               ("carbon_aware", "the day-ahead average or marginal carbon-intensity forecast of the day "
                                "(carbon_signal)", "in the lowest-carbon forecast hours"),
               ("renewable_following", "the day-ahead renewable-share forecast of the day",
                "in the hours of highest forecast renewable share"),
               ("dr_committed", "the reductions its aggregator called for the day's steps (dr_called_mw)",
                "outside DR event steps: the event's IT cut = the called MW (deferrable work first, deferred to "
                "after the event)"))},
    },
    "power_plant": {
        "none": _none("power_plant", "day-ahead commitment from the operator's persistence forecast of net "
                                     "load; offers min load + ramp-limited headroom at marginal cost + carbon"),
    },
    "renewable_plant": {
        "none": _none("renewable_plant", "offers its weather-driven output at its marginal cost"),
    },
    "heat_utility": {
        "none": StrategyKind("heat_utility", "none", NoStrategySpec,
                             "at each day's first step: the day's published price forecast (the price it pays: "
                             "retail of it, or itself on the market), the DC heat offered and its contract price, "
                             "its tank's stored heat (own state)",
                             "the day's heat merit order (units, DC heat bought only when cheaper than its "
                             "alternative, tank charge/discharge against the marginal heat cost); CHP power "
                             "offered must-take", "agents.strategies.heat_dispatch.plan_heat_day"),
        "day_ahead_merit_order": StrategyKind(
            "heat_utility", "day_ahead_merit_order", _heat_spec(),
            "as none, plus the day's average or marginal carbon-intensity forecast (carbon_signal) priced at its "
            "internal carbon price; its heat offer (dc_heat_max_price_cny_per_mwh) and tank band, which run-time "
            "decisions may change",
            "as none; DC heat dearer than its heat offer is not bought",
            "agents.strategies.heat_dispatch.plan_heat_day"),
    },
    "storage": {
        "none": StrategyKind("storage", "none", NoStrategySpec,
                             "as its battery.strategy (tou or net_load rule, or a schedule strategy object)",
                             "as its battery.strategy", "agents.markets.flexibility"),
        "tou": StrategyKind("storage", "tou", TouBatteryStrategySpec, "the region's TOU tariff windows (published)",
                            "charge / discharge request per step (SOC and power limits applied each step)",
                            "agents.markets.flexibility.tou_request_mw"),
        "net_load": StrategyKind("storage", "net_load", NetLoadBatteryStrategySpec,
                                 "the net load the unit sees (region or own site), per day",
                                 "charge / discharge request per step (SOC and power limits applied each step)",
                                 "agents.markets.flexibility.net_load_request_mw"),
        **{kind: StrategyKind("storage", kind, _storage_spec(),
                              "the day-ahead price forecast of the day (published the day before; behind a DC's "
                              "meter the price the DC pays for it), its SOC at the day's first step"
                              + (", the forecast net load it sees (region, or its DC's site)" if "net" in kind
                                 or "peak" in kind else ""),
                              "the day's charge / discharge schedule [MW per step] (" + what + "), applied each "
                              "step within SOC and power limits; with reserve_mw > 0 a reserve offer each step "
                              "(agents.markets.reserve)",
                              "agents.strategies.storage_schedule.schedule_storage_window")
           for kind, what in (("arbitrage", "LP: maximise revenue at the forecast price, HiGHS"),
                              ("peak_shaving", "LP: arbitrage + weight × the day's peak of net load, HiGHS"),
                              ("tou_rule", "rule: charge below / discharge above the day's mean forecast price"),
                              ("net_load_rule", "rule: flatten the forecast net load"))},
    },
}

def _migration_spec():
    from agents.strategies.migration import MigrationSpec

    return MigrationSpec


# Deciders that are not actors of a region: the multi-region coordinator's ``migration`` section
# (agents.multi_region, one per multi-region scenario). Their rows follow the actors' in the registry.
COORDINATORS = ("migration",)
REGISTRY["migration"] = {
    "none": StrategyKind("migration", "none", _migration_spec(), "nothing (no published signal)",
                         "nothing: every region's work runs at home", "built in (docs/model.md)"),
    **{kind: StrategyKind("migration", kind, _migration_spec(),
                          "at each day's first step: every region's day-ahead " + seen + " forecast of the day and "
                          "reserve margin, its data centers' planned IT and facility power (migratable work, "
                          "headroom, PUE)",
                          "the day's IT power moved on each link per step and work class (LP: maximise the saving "
                          "per MW moved, within link capacity, latency class, migratable work and destination "
                          "headroom, threshold min_saving_pu, HiGHS); moved work leaves the source DCs and arrives "
                          "at the destination DCs × (1 + loss_pu)", "agents.strategies.migration.plan_migration")
       for kind, seen in (("price", "price"),
                          ("carbon", "average or marginal carbon-intensity (carbon_signal)"),
                          ("cost_and_carbon", "price + carbon price × average or marginal carbon-intensity"))},
}

NONE = NoStrategySpec()


def strategy_kinds(actor_type: str) -> tuple[str, ...]:
    """Strategy kinds registered for an actor type."""
    return tuple(REGISTRY[actor_type])


def strategy_of(spec: Any) -> BaseModel:
    """The strategy spec of an actor spec (``none`` where it has none)."""
    return getattr(spec, "strategy", None) or NONE


def group_by_strategy(strategies: list[BaseModel]) -> dict[str, np.ndarray]:
    """Member indices per strategy kind {kind: int array}, kinds sorted (deterministic order)."""
    kinds = np.array([s.kind for s in strategies], dtype=str)
    return {k: np.flatnonzero(kinds == k) for k in sorted(set(kinds.tolist()))}


def registry_table() -> list[dict[str, str]]:
    """Rows of the registry for docs/strategies.md: actor type, kind, observes, decides, decided by."""
    return [{"actor": r.actor_type, "kind": r.kind, "observes": r.observes, "decides": r.decides,
             "decided_by": r.decided_by} for kinds in REGISTRY.values() for r in kinds.values()]


def registry_markdown() -> str:
    """The registry as the markdown table docs/strategies.md holds (between its REGISTRY markers)."""
    lines = ["| actor | strategy kind | observes | decides | decided by |", "|---|---|---|---|---|"]
    lines += [f"| {r['actor']} | `{r['kind']}` | {r['observes']} | {r['decides']} | `{r['decided_by']}` |"
              for r in registry_table()]
    return "\n".join(lines)
