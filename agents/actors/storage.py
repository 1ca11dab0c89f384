"""Batteries: stand-alone storage actors and the on-site batteries of data centers, stepped together."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets import flexibility
from agents.physics.storage import battery_step
from agents.strategies.storage_schedule import StorageScheduler, StorageStrategySpec, schedule_storage_window


class Storage(Actor):
    kind = "storage"


class StorageFleet(Fleet):
    """Every battery of the region. Units are the stand-alone storage actors followed by DC batteries.

    Requests come from each unit's strategy (agents.markets.flexibility), precomputed for the horizon;
    the state of charge is the dynamic state advanced every step.
    """

    kind = "storage"
    agent_class = Storage
    decision_series = ("battery_mw", "soc_mwh")

    def __init__(self, model, specs, dc_specs):
        super().__init__(model, specs)
        dc_units = [i for i, d in enumerate(dc_specs) if d.battery is not None]
        self.dc_index = np.array(dc_units, dtype=int)
        self.batteries = [s.battery for s in specs] + [dc_specs[i].battery for i in dc_units]
        self.unit_ids = self.ids + [dc_specs[i].id for i in dc_units]
        self.m = len(self.batteries)

    def owner_index(self, dc_position: dict[str, int]) -> np.ndarray:
        """Index of the data center owning each unit [units]: a storage actor's ``owner_id`` (−1 if none), and
        for on-site DC batteries their data center."""
        own = [dc_position[s.owner_id] if s.owner_id is not None else -1 for s in self.specs]
        return np.array(own + [int(i) for i in self.dc_index], dtype=int)

    def _bat(self, name: str) -> np.ndarray:
        return np.array([getattr(b, name) for b in self.batteries], dtype=float)

    def build(self, ctx: BuildContext, price_multiplier: np.ndarray, net_load_mw: np.ndarray,
              dc_behind_meter_mw: np.ndarray) -> None:
        """``net_load_mw(units)`` → [steps, units]: net load the strategy of those units sees; ``dc_behind_meter_mw`` [steps, DC
        units]: on-site load a DC battery may discharge into at most (no export from DC batteries)."""
        self.dt_h = ctx.dt_h
        self.e_max = self._bat("energy_capacity_mwh")
        self.p_max = self._bat("power_capacity_mw")
        self.eta_c = self._bat("eta_charge")
        self.eta_d = self._bat("eta_discharge")
        self.soc_mwh = self._bat("soc_initial_pu") * self.e_max
        self.soc_initial_mwh = self.soc_mwh.copy()
        # each unit's rule: a storage actor's strategy kind (agents.strategies), else its battery.strategy;
        # DC batteries follow their battery.strategy
        strategy = np.array([s.strategy.kind if s.strategy.kind != "none" else s.battery.strategy
                             for s in self.specs] + [b.strategy for b in self.batteries[self.n:]], dtype=str)
        self.rule_groups = {k: np.flatnonzero(strategy == k) for k in sorted(set(strategy.tolist()))}
        # units that bid their own schedule (agents.strategies.storage_schedule): one LP per group of units
        # sharing a spec, solved at each day's first step over the day's published price forecast
        self._dt_h, self._net_load_of = ctx.dt_h, net_load_mw
        self._group_schedules()
        self.planned_revenue_cny = np.zeros((-(-ctx.steps // self.steps_per_day), self.n))  # per day, forecast
        request = flexibility.tou_request_mw(price_multiplier, self.p_max)
        net_units = np.flatnonzero(strategy == "net_load")
        if net_units.size:
            request[:, net_units] = flexibility.net_load_request_mw(net_load_mw(net_units), self.p_max[net_units],
                                                                    round(24 / ctx.dt_h))
        for _, units, _, _ in self.scheduled:
            request[:, units] = 0.0  # written day by day in observe
        np.maximum(request[:, self.n:], -dc_behind_meter_mw, out=request[:, self.n:])
        self.request_mw = request
        rec = ctx.recorder
        self.power = rec.agent_quantity(self.kind, "battery_mw", self.unit_ids)
        self.soc = rec.agent_quantity(self.kind, "soc_mwh", self.unit_ids)
        self.series["battery_mw"] = (self.power, np.arange(self.m))
        self.series["soc_mwh"] = (self.soc, np.arange(self.m))
        self.revenue_cny = self.record(rec, "revenue_cny")
        self.cost_cny = self.record(rec, "cost_cny")

    def _group_schedules(self) -> None:
        """One scheduler per group of units sharing a schedule strategy spec (sorted: deterministic order)."""
        groups: dict[str, tuple] = {}
        for i, sp in enumerate(self.specs):
            if isinstance(sp.strategy, StorageStrategySpec):
                groups.setdefault(sp.strategy.model_dump_json(), (sp.strategy, []))[1].append(i)
        self.scheduled = []
        self.steps_per_day = max(1, round(24 / self._dt_h))
        for key in sorted(groups):
            spec, units = groups[key]
            units = np.array(units, dtype=int)
            scheduler = StorageScheduler.for_batteries(spec, self._dt_h, self.e_max[units], self.p_max[units],
                                                       self.eta_c[units], self.eta_d[units])
            net = self._net_load_of(units) if spec.kind in ("peak_shaving", "net_load_rule") else None
            self.scheduled.append((spec, units, scheduler, net))

    def apply_actor_spec(self, index: int, spec) -> None:
        """A run-time decision (agents.decisions): storage actor ``index`` follows ``spec`` (a schedule strategy,
        validated) from the next plan on; its unit is regrouped with the units sharing the new spec."""
        self.specs[index] = spec
        self.agents[index].spec = spec
        self.strategies[index] = spec.strategy
        self._group_schedules()

    # ---- phases -------------------------------------------------------------------------------------------

    def observe(self, t: int, signals) -> None:
        """At a day's first step, units with a schedule strategy plan the day from its day-ahead price forecast
        (published the day before; the first day's at step 0) and their SOC now."""
        self.observed_step = t
        self._signals = signals
        if self.scheduled and signals.new_day:
            self._plan_day(signals, self.soc_mwh)

    def _plan_day(self, signals, soc_mwh: np.ndarray) -> None:
        a, z = signals.day_window(0)
        price = signals.day_ahead_window("price_cny_per_mwh", 0)
        for spec, units, scheduler, net in self.scheduled:
            plan = schedule_storage_window(spec, scheduler, price, soc_mwh[units],
                                           None if net is None else net[a:z])
            self.request_mw[a:z, units] = plan.power_mw
            self.planned_revenue_cny[a // self.steps_per_day, units] = plan.revenue_cny

    def replay(self, signals, step_index: int) -> None:
        """After a checkpoint restore inside a day: re-plan that day from the SOC at its start (the plan depends
        only on the published forecast and that SOC; the solves are cold, so it is the same plan)."""
        if not self.scheduled or step_index % self.steps_per_day == 0:
            return
        day_start = step_index - step_index % self.steps_per_day
        signals.advance(day_start)
        self._plan_day(signals, self.soc_initial_mwh if day_start == 0 else self.soc[day_start - 1])

    def bid(self, t: int, book, signals) -> None:
        """Feasible grid-side power per unit this step (+ charge / − discharge) from the request and the SOC,
        added to the book's demand. Batteries cannot push the load below zero: when their discharge exceeds
        the demand left (after data centers' event backup) plus their charge, every discharge is scaled down
        pro rata and the request re-applied from the current SOC."""
        battery, soc_next = battery_step(self.soc_mwh, self.request_mw[t], self.dt_h, self.e_max, self.p_max,
                                         self.eta_c, self.eta_d)
        charge = float(np.maximum(battery, 0.0).sum())
        discharge = float(np.maximum(-battery, 0.0).sum())
        net_load = book.demand_mw
        if discharge > net_load + charge:
            battery, soc_next = battery_step(
                self.soc_mwh, np.where(battery < 0.0, battery * (net_load + charge) / discharge, battery), self.dt_h,
                self.e_max, self.p_max, self.eta_c, self.eta_d)
            charge = float(np.maximum(battery, 0.0).sum())
            discharge = float(np.maximum(-battery, 0.0).sum())
        self.step_mw, self._soc_next = battery, soc_next
        self.step_charge_mw, self.step_discharge_mw = charge, discharge
        book.demand_mw = net_load + charge - discharge

    def dispatch(self, t: int, book) -> None:
        """Commit the step's power and state of charge (batteries are price takers: their bid is their dispatch)."""
        self.soc_mwh = self._soc_next
        self.power[t] = self.step_mw
        self.soc[t] = self._soc_next
        self.decided_step = t

    def settle(self, start: int, stop: int, prices) -> None:
        """Stand-alone units buy and sell at the wholesale price [CNY]."""
        price = prices.wholesale
        p = self.power[start:stop, : self.n]
        self.cost_cny[start:stop] = np.maximum(p, 0.0) * price[:, None] * self.dt_h
        self.revenue_cny[start:stop] = np.maximum(-p, 0.0) * price[:, None] * self.dt_h

    def agent_values(self, index: int, step: int) -> dict[str, float]:
        return {name: float(arr[step, index]) for name, (arr, _) in self.series.items()}

    def power_mw(self, step: int) -> np.ndarray:
        return self.power[step, : self.n].copy()
