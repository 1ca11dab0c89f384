"""Cost budget of a run: the memory it will take, computed from the scenario's shape before anything is allocated.

A run preallocates its series for the whole horizon: region series ``[steps]`` (``agents.recording``) and, per
actor type, fleet arrays ``[steps, members]`` (precomputed IT load, PUE, heat, offers …, dynamic dispatch
results) plus the market's accepted offers ``[steps, offers]``. At the end the region series are turned into
JSON lists and the per-agent series into Parquet row groups of ``PARQUET_CHUNK_STEPS`` (744) steps, each built
in memory with its columns. So a run's peak memory is close to

    steps × region series + Σ over actors of weight × 8 B × (STEP_SHARE × steps + CHUNK_SHARE × min(steps, 744))

with a weight per actor type (float64 series it records per step). ``run_cost_bytes`` is that sum; the
coefficients are measured against the resident memory of real runs (``tests/model/test_budget.py`` runs fleets
of 2,000 steps and the 3,001-agent national year in a subprocess and asserts the measured peak stays within the
estimate). They carry a margin of roughly 1.4–2.5× over what was measured: an upper bound, not a forecast.

``budget_errors`` turns an estimate above the budget (``TWIN_RUN_BUDGET_BYTES``, default 3 GB) into
field-level validation errors naming the budget, the estimate and the dimension that dominates it.
Regions and sweep points multiply the cost when a scenario has them (later schema versions); today both are 1.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

FLOAT_BYTES = 8
DEFAULT_BUDGET_BYTES = 3_000_000_000  # 3 GB per run: the 3,001-agent national year fits (measured 1.5 GB)
BUDGET_ENV = "TWIN_RUN_BUDGET_BYTES"

# Region series (agents.model.REGION_QUANTITIES, ~33) × (array + Python float in the JSON list + its text),
# plus the clock and weather series: bytes per step, independent of the actors.
REGION_BYTES_PER_STEP = 4_096
# Weight of a member by actor type: float64 series it records (fleet arrays, offers, Parquet columns, KPIs).
SERIES_PER_MEMBER = {
    "data_center": 22,
    "power_plant": 23,  # two offers per plant (must-run and flexible) in accepted_mw
    "renewable_plant": 16,
    "storage": 16,
    "heat_utility": 48,
    "grid_operator": 8,
}
SERIES_PER_OPTION = {  # extra series a data center keeps for each option it has
    "pv": 6,  # PV output and its offer block
    "battery": 6,  # an on-site storage unit (charge, discharge, state of charge)
    "heat_recovery": 20,  # heat pump power, recovered heat, offer and delivery, contract settlement
}
SERIES_PER_HEAT_NETWORK = 12
SERIES_PER_HEAT_UNIT = 8
STEP_SHARE = 0.4  # of the weight kept for every step of the horizon (preallocated arrays)
CHUNK_SHARE = 1.3  # of the weight held per step of one Parquet row group while results are written
CHUNK_STEPS = 744  # agents.recording.PARQUET_CHUNK_STEPS
BYTES_PER_ACTOR = 32_768  # Mesa agent, fleet static data, describe() entry, KPI dict
FIXED_BYTES = 32_000_000  # the model's own objects, caches and result writers, per run


@dataclass(frozen=True)
class RunCost:
    """Estimated peak memory of one run [bytes], split by what drives it."""

    steps: int
    actors: int
    region_bytes: int  # steps × REGION_BYTES_PER_STEP
    actor_bytes: int  # Σ weight × 8 B × (STEP_SHARE × steps + CHUNK_SHARE × chunk) + BYTES_PER_ACTOR per actor
    fixed_bytes: int
    multiplier: int  # regions × sweep points run at once

    @property
    def total_bytes(self) -> int:
        return (self.region_bytes + self.actor_bytes + self.fixed_bytes) * self.multiplier


def _series_of(actor: Any) -> int:
    kind = getattr(actor, "type", "")
    series = SERIES_PER_MEMBER.get(kind, max(SERIES_PER_MEMBER.values()))  # unknown future type: the largest
    if kind == "data_center":
        if (getattr(actor, "pv_capacity_mw", 0.0) or 0.0) > 0:
            series += SERIES_PER_OPTION["pv"]
        if getattr(actor, "battery", None) is not None:
            series += SERIES_PER_OPTION["battery"]
        if getattr(actor, "heat_recovery", None) is not None:
            series += SERIES_PER_OPTION["heat_recovery"]
    elif kind == "heat_utility":
        series += SERIES_PER_HEAT_NETWORK * len(getattr(actor, "networks", []) or [])
        series += SERIES_PER_HEAT_UNIT * len(getattr(actor, "units", []) or [])
    return series


def run_cost(scenario: Any, *, sweep_points: int = 1) -> RunCost:
    """Estimated peak memory of running ``scenario`` (a validated ``agents.Scenario``), pure and O(actors).

    ``sweep_points`` is the number of parameter points run at once (1 for a single run). A scenario with a
    ``regions`` list (a later schema version) costs the sum of its regions' shapes; today a scenario is one region.
    """
    regions = getattr(scenario, "regions", None) or [scenario]
    return _cost_at(regions, int(scenario.horizon.steps), sweep_points)


def _cost_at(regions: list, steps: int, sweep_points: int) -> RunCost:
    region_bytes = actor_bytes = 0
    n_actors = 0
    for region in regions:
        actors = list(getattr(region, "actors", None) or [])
        n_actors += len(actors)
        series = sum(_series_of(a) for a in actors)
        region_bytes += steps * REGION_BYTES_PER_STEP
        per_weight = FLOAT_BYTES * (STEP_SHARE * steps + CHUNK_SHARE * min(steps, CHUNK_STEPS))
        actor_bytes += int(series * per_weight) + BYTES_PER_ACTOR * len(actors)
    return RunCost(steps=steps, actors=n_actors, region_bytes=region_bytes, actor_bytes=actor_bytes,
                   fixed_bytes=FIXED_BYTES, multiplier=max(1, int(sweep_points)))


def run_cost_bytes(scenario: Any, *, sweep_points: int = 1) -> int:
    """``run_cost(...).total_bytes``: the number compared with the budget."""
    return run_cost(scenario, sweep_points=sweep_points).total_bytes


def budget_bytes() -> int:
    """The budget per run [bytes]: ``TWIN_RUN_BUDGET_BYTES`` from the environment, default 3 GB.

    Read at each call (no Django here); the web settings reject a malformed value at start-up.
    """
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return DEFAULT_BUDGET_BYTES
    try:
        value = int(float(raw))
    except ValueError:
        return DEFAULT_BUDGET_BYTES
    return value if value > 0 else DEFAULT_BUDGET_BYTES


def format_bytes(n: float) -> str:
    """Decimal units, as the budget is stated: 1.5 GB, 349 MB."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if abs(n) >= size:
            return f"{n / size:.3g} {unit}"
    return f"{int(n)} B"


def budget_errors(scenario: Any, limit_bytes: int | None = None, *, sweep_points: int = 1) -> list[dict[str, str]]:
    """[] when the run fits the budget, else one error ``{"loc", "msg"}`` on the dimension that dominates.

    ``loc`` is ``actors`` when the actors' series are most of the cost, else ``horizon.steps``.
    """
    limit = budget_bytes() if limit_bytes is None else int(limit_bytes)
    cost = run_cost(scenario, sweep_points=sweep_points)
    total = cost.total_bytes
    if total <= limit:
        return []
    loc = "actors" if cost.actor_bytes >= cost.region_bytes else "horizon.steps"
    fits = _steps_that_fit(scenario, cost, limit, sweep_points)
    hint = (f"at most {fits} steps of this shape fit" if fits > 0 else "even one step of this shape does not fit")
    msg = (f"run budget exceeded: this scenario needs an estimated {format_bytes(total)} of memory "
           f"({cost.steps} steps × {cost.actors} actors"
           + (f" × {cost.multiplier} points" if cost.multiplier > 1 else "")
           + f"), the run budget {BUDGET_ENV} allows {format_bytes(limit)} ({limit} bytes); "
           f"{hint}: shorten horizon.steps or use fewer actors")
    return [{"loc": loc, "msg": msg}]


def _steps_that_fit(scenario: Any, cost: RunCost, limit: int, sweep_points: int) -> int:
    """The most steps of this shape within ``limit`` (binary search: the cost is monotonic in steps)."""
    regions = getattr(scenario, "regions", None) or [scenario]
    low, high = 0, cost.steps
    while low < high:
        mid = (low + high + 1) // 2
        if _cost_at(regions, mid, sweep_points).total_bytes <= limit:
            low = mid
        else:
            high = mid - 1
    return low
