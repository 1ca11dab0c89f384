"""Data-center workload flexibility: online, deferrable and migratable work, and the strategies that move it.

A data center's IT power ``P_it = P_cap (idle + (1 − idle) u)`` (agents.physics.it_load.it_power_mw) has a
load-dependent part ``P_dyn = P_it − idle·P_cap`` that follows the work; the idle part does not move. The
flexibility spec splits the load-dependent part into *deferrable* work (batch jobs, training checkpoints with a
deadline window; share ``deferrable_pu``), *migratable* work (may run in another region; ``migratable_pu``)
and the online rest (interactive traffic, inflexible). Strategies decide once per window (a day) from the
published day-ahead forecasts only:

- ``none`` — work runs when it arrives (carried-in backlog as soon as possible);
- ``price_following`` — minimise ``Σ (price + carbon_price · carbon) · E`` [CNY];
- ``carbon_aware`` — minimise ``Σ carbon · E`` with the average or the marginal intensity (``carbon_signal``);
- ``renewable_following`` — maximise ``Σ renewable_share · E`` (renewable energy consumed);
- ``dr_committed`` — during a demand-response event cut IT by the committed MW, first from deferrable work
  (deferred to after the event), then from migratable work (offered to move out); otherwise as ``none``.

Deferred work is scheduled by ``agents.strategies.deferral.schedule_deferrable`` (exact polymatroid greedy):
IT energy is conserved and every deadline met. Evidence on gains: shifting interruptible jobs in time saves up
to ~19 % of their emissions in some grids and little in others (Wiesner et al., "Let's wait awhile: how
temporal workload shifting can reduce carbon emissions in the cloud", Middleware 2021); simple policies capture
most of the benefit (Sukprasert et al., "On the limitations of carbon-aware temporal and spatial workload
shifting in the cloud", EuroSys 2024) — DOMAIN.md "Carbon-aware shifting".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.strategies.deferral import DeferralState, schedule_deferrable

STRATEGY_KINDS = ("none", "price_following", "carbon_aware", "renewable_following", "dr_committed")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkloadFlexSpec(_Strict):
    """How a data center's IT load splits into online, deferrable and migratable work, and how far it may move."""

    deferrable_pu: float = Field(0.0, ge=0, le=1,
                                 description="Share of the load-dependent IT power (above idle) that is deferrable "
                                             "batch/training work [-]")
    migratable_pu: float = Field(0.0, ge=0, le=1,
                                 description="Share of the load-dependent IT power that may run in another region "
                                             "[-]")
    deadline_h: float = Field(12.0, ge=0, le=168,
                              description="Deadline window of deferrable work: work arriving in a step is done "
                                          "within this many hours [h]")
    max_deferral_pu: float = Field(1.0, ge=0, le=1,
                                   description="Most deferrable power that may be deferred out of one step, per "
                                               "unit of IT capacity [pu]; the rest runs on arrival")
    capacity_headroom_pu: float = Field(0.2, ge=0, le=1,
                                        description="Most IT power deferred work may add above the unshifted IT load "
                                                    "in one step, per unit of IT capacity [pu]; never above the IT "
                                                    "capacity")

    @model_validator(mode="after")
    def _shares_fit(self) -> WorkloadFlexSpec:
        if self.deferrable_pu + self.migratable_pu > 1.0 + 1e-12:
            raise ValueError("deferrable_pu + migratable_pu must not exceed 1")
        return self

    def deadline_steps(self, dt_h: float) -> int:
        """Deadline window in steps of ``dt_h`` [h] (rounded down: never later than the stated deadline)."""
        return int(np.floor(self.deadline_h / dt_h + 1e-9))


class DataCenterStrategySpec(_Strict):
    """Which signal a data center's workload scheduler follows, and its parameters."""

    kind: Literal["none", "price_following", "carbon_aware", "renewable_following", "dr_committed"] = Field(
        "none", description="Decision rule: none, price_following, carbon_aware, renewable_following or "
                            "dr_committed (docs/strategies.md)")
    carbon_signal: Literal["average", "marginal"] = Field(
        "average", description="carbon_aware: follow the average or the marginal carbon intensity forecast")
    carbon_price_cny_per_t: float = Field(0.0, ge=0, le=5000,
                                          description="price_following: carbon price added to the energy price "
                                                      "[CNY/tCO2]")
    min_signal_spread_pu: float = Field(0.0, ge=0, le=10,
                                        description="Shift only in windows whose forecast (max − min) / |mean| "
                                                    "reaches this [-]; else run work on arrival")
    price_threshold_cny_per_mwh: float | None = Field(
        None, ge=-5000, le=50000,
        description="price_following: run deferrable work only in the hours whose forecast cost (price + carbon "
                    "price × average intensity) is at or below this, as soon as possible, and defer it out of the "
                    "others within its deadline [CNY/MWh]; null = move it to the cheapest hours")
    carbon_threshold_kgco2_per_kwh: float | None = Field(
        None, ge=0, le=5,
        description="carbon_aware: run deferrable work only in the hours whose forecast carbon intensity "
                    "(carbon_signal) is at or below this, as soon as possible, and defer it out of the others within "
                    "its deadline [kgCO2/kWh]; null = move it to the lowest-carbon hours")
    dr_committed_mw: float = Field(0.0, ge=0, le=5000,
                                   description="dr_committed: IT reduction committed for each event step [MW]")
    carry_over: bool = Field(True, description="Deferred work due after the window may be left for the next window "
                                               "(which cannot be seen: if it has no room the work is forced at its "
                                               "deadline); false: each window finishes its own work")
    flex: WorkloadFlexSpec = Field(default_factory=WorkloadFlexSpec,
                                   description="Split of the IT load and limits of shifting")


@dataclass(frozen=True)
class ItLoadSplit:
    """IT power [steps, members] [MW] split so that ``online_mw + deferrable_mw + migratable_mw = it_mw``."""

    online_mw: np.ndarray
    deferrable_mw: np.ndarray
    migratable_mw: np.ndarray


def split_it_load(it_mw, it_capacity_mw, idle_power_pu, deferrable_pu, migratable_pu) -> ItLoadSplit:
    """Split IT power into online, deferrable and migratable parts.

    Returns ``ItLoadSplit`` [MW]. Parameters: ``it_mw`` [steps, members] unshifted IT power; ``it_capacity_mw``,
    ``idle_power_pu``, ``deferrable_pu``, ``migratable_pu`` [members] (or scalars).

    Equation: ``P_dyn = max(P_it − idle · P_cap, 0)``; ``P_def = s_def · P_dyn``; ``P_mig = s_mig · P_dyn``;
    ``P_online = P_it − P_def − P_mig`` (idle power stays with the online part: servers stay on).
    """
    it = np.asarray(it_mw, dtype=float)
    dyn = np.maximum(it - np.asarray(idle_power_pu, float) * np.asarray(it_capacity_mw, float), 0.0)
    deferrable = dyn * np.asarray(deferrable_pu, float)
    migratable = dyn * np.asarray(migratable_pu, float)
    return ItLoadSplit(it - deferrable - migratable, deferrable, migratable)


def strategy_signal(kind, *, price_cny_per_mwh=None, carbon_avg_kgco2_per_kwh=None,
                    carbon_marginal_kgco2_per_kwh=None, renewable_share_pu=None, carbon_signal="average",
                    carbon_price_cny_per_t=0.0):
    """The cost per unit of energy a strategy minimises, from published forecasts of one window.

    Returns ``signal`` [steps] (or [steps, members]) or None for ``none`` / ``dr_committed``.
    price_following: ``price + carbon_price · carbon_avg`` [CNY/MWh] (kgCO2/kWh = tCO2/MWh); carbon_aware:
    the average or marginal intensity [kgCO2/kWh]; renewable_following: ``−renewable_share`` [-].
    """
    if kind in ("none", "dr_committed"):
        return None
    needed = {"price_following": price_cny_per_mwh, "renewable_following": renewable_share_pu}
    if kind in needed and needed[kind] is None:
        raise ValueError(f"{kind} needs its forecast ({'price' if kind == 'price_following' else 'renewable share'})")
    if kind == "price_following":
        p = np.asarray(price_cny_per_mwh, dtype=float)
        if carbon_price_cny_per_t:
            p = p + carbon_price_cny_per_t * np.asarray(carbon_avg_kgco2_per_kwh, dtype=float)
        return p
    if kind == "carbon_aware":
        src = carbon_avg_kgco2_per_kwh if carbon_signal == "average" else carbon_marginal_kgco2_per_kwh
        if src is None:
            raise ValueError(f"carbon_aware with carbon_signal={carbon_signal!r} needs that forecast")
        return np.asarray(src, dtype=float)
    if kind == "renewable_following":
        return -np.asarray(renewable_share_pu, dtype=float)
    raise ValueError(f"unknown strategy kind {kind!r}; expected one of {STRATEGY_KINDS}")


def signal_threshold(spec: DataCenterStrategySpec) -> float | None:
    """The threshold of a strategy's signal, in the signal's unit (None: optimise on the signal itself):
    ``price_threshold_cny_per_mwh`` for price_following, ``carbon_threshold_kgco2_per_kwh`` for carbon_aware."""
    if spec.kind == "price_following":
        return spec.price_threshold_cny_per_mwh
    if spec.kind == "carbon_aware":
        return spec.carbon_threshold_kgco2_per_kwh
    return None


@dataclass(frozen=True)
class WindowPlan:
    """Schedule of one window [steps, members] [MW].

    ``it_mw`` planned IT power (before migration); ``deferrable_done_mw`` deferrable work run per step;
    ``migratable_mw`` work that may move to another region; ``migrate_out_mw`` migratable work this plan asks to
    move out (DR events); ``headroom_in_mw`` IT power the site could still take in; ``dr_delivered_mw`` IT
    reduction against the unshifted load in DR event steps; ``state`` deferred work carried to the next window.
    """

    it_mw: np.ndarray
    deferrable_done_mw: np.ndarray
    migratable_mw: np.ndarray
    migrate_out_mw: np.ndarray
    headroom_in_mw: np.ndarray
    dr_delivered_mw: np.ndarray
    forced_mw: np.ndarray
    state: DeferralState


def plan_window(spec: DataCenterStrategySpec, it_mw, it_capacity_mw, idle_power_pu, dt_h, state=None, *,
                price_cny_per_mwh=None, carbon_avg_kgco2_per_kwh=None, carbon_marginal_kgco2_per_kwh=None,
                renewable_share_pu=None, dr_event=None, dr_called_mw=None, final=False) -> WindowPlan:
    """Plan one decision window for all members sharing ``spec``, from published forecasts only.

    Parameters: ``it_mw`` [steps, members] unshifted IT power (the workload profile, before shifting);
    ``it_capacity_mw``, ``idle_power_pu`` [members]; ``dt_h`` [h]; ``state`` carried ``DeferralState`` (None at
    the start); the window's forecasts (price [CNY/MWh], average / marginal carbon intensity [kgCO2/kWh],
    renewable share [-], each [steps] or [steps, members]); ``dr_event`` [steps] or [steps, members] bool, the
    DR event steps (dr_committed); ``dr_called_mw`` [steps, members] the reduction the aggregator asks for in
    each step (dr_committed; replaces ``dr_committed_mw`` as ``R`` and, where ``dr_event`` is None, marks the
    event steps by ``R > 0``); ``final`` the horizon's last window.

    Rules: deferrable work beyond ``max_deferral_pu · P_cap`` per step runs on arrival; the capacity for the rest
    is ``u = P_flex + min(headroom · P_cap, P_cap − P_it)`` (never above IT capacity), and ``u = max(P_flex − R,
    0)`` in DR event steps with ``R`` the committed MW, which then go first (before the other steps, in time
    order), so the event's cut is exactly ``min(R, P_flex)`` unless deadlines force work in. Work left for the
    next window is valued at the window's mean signal (the scheduler does not know later prices; with
    ``carry_over`` false the window finishes all its work). Signal
    strategies shift only if the window's relative spread reaches ``min_signal_spread_pu``. With a threshold
    (``signal_threshold``: price / carbon) the signal becomes ``1`` above it and ``0`` at or below it: work runs
    as soon as possible in the hours at or below the threshold and is deferred out of the others (work due
    after the window is carried if the window's share of hours above the threshold makes that cheaper).
    """
    flex = spec.flex
    it = np.asarray(it_mw, dtype=float)
    w, m = it.shape
    cap = np.broadcast_to(np.asarray(it_capacity_mw, dtype=float), (m,))
    split = split_it_load(it, cap, idle_power_pu, flex.deferrable_pu, flex.migratable_pu)
    d_steps = flex.deadline_steps(dt_h) if spec.kind != "none" else 0
    if state is not None and state.backlog_mwh.shape[0] > max(d_steps, 1):
        # the deadline window was shortened (a decision): carried work is due by the new window's end at the
        # latest — stricter than its own deadline, and it keeps releases and deadlines agreeable
        rows = max(d_steps, 1)
        backlog = np.array(state.backlog_mwh[:rows])
        backlog[-1] += state.backlog_mwh[rows:].sum(axis=0)
        state = DeferralState(backlog)
    flexible = np.minimum(split.deferrable_mw, flex.max_deferral_pu * cap)
    rigid = split.deferrable_mw - flexible
    capacity = flexible + np.minimum(flex.capacity_headroom_pu * cap, np.maximum(cap - it, 0.0))
    signal = strategy_signal(spec.kind, price_cny_per_mwh=price_cny_per_mwh,
                             carbon_avg_kgco2_per_kwh=carbon_avg_kgco2_per_kwh,
                             carbon_marginal_kgco2_per_kwh=carbon_marginal_kgco2_per_kwh,
                             renewable_share_pu=renewable_share_pu, carbon_signal=spec.carbon_signal,
                             carbon_price_cny_per_t=spec.carbon_price_cny_per_t)
    carry_cost = None
    event = np.zeros((w, m), dtype=bool)
    committed = spec.dr_committed_mw
    if dr_called_mw is not None:
        committed = np.broadcast_to(np.asarray(dr_called_mw, dtype=float).reshape(w, -1), (w, m))
        if dr_event is None:
            dr_event = committed > 0.0
    if spec.kind == "dr_committed" and dr_event is not None and np.any(dr_event):
        event = np.broadcast_to(np.asarray(dr_event, dtype=bool).reshape(w, -1), (w, m))
        capacity = np.where(event, np.maximum(flexible - committed, 0.0), capacity)
        signal = np.where(event, -1.0, 0.0)  # event steps first, then the others as soon as possible
    elif signal is not None:
        mean = signal.mean(axis=0)
        spread = (signal.max(axis=0) - signal.min(axis=0)) / np.maximum(np.abs(mean), 1e-12)
        if np.all(spread < spec.min_signal_spread_pu):
            signal = None
        else:
            carry_cost = mean
            threshold = signal_threshold(spec)
            if threshold is not None:  # a threshold rule: hours above it cost 1, the others 0 (then time order)
                signal = np.where(signal > threshold, 1.0, 0.0)
                carry_cost = signal.mean(axis=0)
    planned = split.online_mw + split.migratable_mw + rigid
    no_backlog = state is None or not np.any(state.backlog_mwh > 0.0)
    if signal is None and not event.any() and no_backlog:  # nothing to decide: work runs on arrival
        return WindowPlan(it_mw=it.copy(), deferrable_done_mw=flexible, migratable_mw=split.migratable_mw,
                          migrate_out_mw=np.zeros((w, m)), headroom_in_mw=np.maximum(cap - it, 0.0),
                          dr_delivered_mw=np.zeros((w, m)), forced_mw=np.zeros((w, m)),
                          state=DeferralState.empty(d_steps, m))
    if signal is None:
        signal = np.zeros(w)
    sched = schedule_deferrable(flexible, signal, d_steps, capacity, dt_h, state, carry_cost=carry_cost,
                                final=final or not spec.carry_over)
    planned = planned + sched.done_mw
    migrate_out = np.zeros((w, m))
    if spec.kind == "dr_committed":
        cut = it - planned  # reduction from deferring (negative where deferred work is caught up)
        need = np.where(event, np.maximum(committed - np.maximum(cut, 0.0), 0.0), 0.0)
        migrate_out = np.minimum(need, split.migratable_mw)
    delivered = np.where(event, it - planned + migrate_out, 0.0)
    return WindowPlan(it_mw=planned, deferrable_done_mw=sched.done_mw, migratable_mw=split.migratable_mw,
                      migrate_out_mw=migrate_out, headroom_in_mw=np.maximum(cap - planned, 0.0),
                      dr_delivered_mw=delivered, forced_mw=sched.forced_mw, state=sched.state)


def apply_migration(plan: WindowPlan, moved_out_mw, moved_in_mw, it_capacity_mw) -> np.ndarray:
    """IT power after work moved out of / into each site [steps, members] [MW].

    ``moved_out_mw`` ≤ the plan's ``migratable_mw`` and ``moved_in_mw`` ≤ its ``headroom_in_mw`` (checked);
    the multi-region coordinator decides both. Equation: ``P = P_plan − out + in`` (≤ ``it_capacity_mw``).
    """
    out = np.asarray(moved_out_mw, dtype=float)
    into = np.asarray(moved_in_mw, dtype=float)
    if np.any(out < 0) or np.any(into < 0):
        raise ValueError("moved amounts must be ≥ 0")
    if np.any(out > plan.migratable_mw + 1e-9):
        raise ValueError("moved_out_mw exceeds the migratable work")
    if np.any(into > plan.headroom_in_mw + 1e-9):
        raise ValueError("moved_in_mw exceeds the site's headroom")
    return np.minimum(plan.it_mw - out + into, np.asarray(it_capacity_mw, dtype=float))


@dataclass(frozen=True)
class HorizonPlan:
    """``plan_window`` results of consecutive windows joined [steps, members] [MW]; ``state`` after the last."""

    it_mw: np.ndarray
    deferrable_done_mw: np.ndarray
    migrate_out_mw: np.ndarray
    dr_delivered_mw: np.ndarray
    forced_mw: np.ndarray
    state: DeferralState


def plan_horizon(spec: DataCenterStrategySpec, it_mw, it_capacity_mw, idle_power_pu, dt_h, window_steps,
                 forecasts: dict | None = None, dr_event=None) -> HorizonPlan:
    """Run ``plan_window`` window by window over a horizon (what a fleet does at each day boundary).

    Each window sees only its own slice of ``forecasts`` (keys as ``plan_window``'s forecast arguments) and of
    ``dr_event``, plus the state carried from the previous window; the last window is ``final`` (all deferred
    work is done inside the horizon).
    """
    it = np.asarray(it_mw, dtype=float)
    steps = it.shape[0]
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("it_mw", "deferrable_done_mw", "migrate_out_mw",
                                                          "dr_delivered_mw", "forced_mw")}
    state = None
    forecasts = forecasts or {}
    for a in range(0, steps, window_steps):
        b = min(a + window_steps, steps)
        window = {k: None if v is None else np.asarray(v)[a:b] for k, v in forecasts.items()}
        plan = plan_window(spec, it[a:b], it_capacity_mw, idle_power_pu, dt_h, state, **window,
                           dr_event=None if dr_event is None else np.asarray(dr_event)[a:b], final=b == steps)
        for k, v in parts.items():
            v.append(getattr(plan, k))
        state = plan.state
    return HorizonPlan(**{k: np.concatenate(v) for k, v in parts.items()}, state=state)
