"""Batteries: stand-alone storage actors and the batteries behind data centers' meters, stepped together."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets import flexibility
from agents.physics.storage import battery_step
from agents.strategies.storage_schedule import StorageScheduler, StorageStrategySpec, schedule_storage_window


class Storage(Actor):
    kind = "storage"


def unit_strategy(spec, battery=None):
    """The rule a unit follows: a storage actor's schedule strategy or rule kind, else its ``battery.strategy``
    (a rule name ``"tou"`` / ``"net_load"`` or a schedule strategy spec); a DC battery (``spec`` None) its
    ``battery.strategy``."""
    if spec is not None:
        if isinstance(spec.strategy, StorageStrategySpec):
            return spec.strategy
        if spec.strategy.kind != "none":
            return spec.strategy.kind
        battery = spec.battery
    return battery.strategy


class StorageFleet(Fleet):
    """Every battery of the region. Units are the stand-alone storage actors followed by DC batteries.

    A unit is *behind a data center's meter* when it is a DC's on-site battery or a storage actor with
    ``behind_meter`` (its ``owner_id``'s meter): its power is part of that DC's grid draw (and so of the DC's
    cost and KPIs), it never exports through the DC (discharge ≤ the DC's site load) and a schedule strategy
    plans it against the price the DC pays and the DC's own net load. Other units trade at the wholesale price.

    Requests come from each unit's rule (agents.markets.flexibility), precomputed for the horizon, or from its
    schedule strategy (agents.strategies.storage_schedule), planned each day; the state of charge is the
    dynamic state advanced every step. Units with a schedule strategy offering reserve offer it each step.
    """

    kind = "storage"
    agent_class = Storage
    decision_series = ("battery_mw", "soc_mwh", "reserve_mw")

    def __init__(self, model, specs, dc_specs):
        super().__init__(model, specs)
        dc_units = [i for i, d in enumerate(dc_specs) if d.battery is not None]
        self.dc_index = np.array(dc_units, dtype=int)
        self.batteries = [s.battery for s in specs] + [dc_specs[i].battery for i in dc_units]
        self.unit_ids = self.ids + [dc_specs[i].id for i in dc_units]
        self.m = len(self.batteries)
        dc_pos = {d.id: i for i, d in enumerate(dc_specs)}
        # the DC whose meter each unit is behind (−1: a grid-side unit)
        self.meter_dc = np.array([dc_pos[s.owner_id] if getattr(s, "behind_meter", False) else -1 for s in specs]
                                 + dc_units, dtype=int)
        self.metered = self.meter_dc >= 0
        self.meter_members = np.unique(self.meter_dc[self.metered])  # DCs with a battery behind their meter
        self._meter_units = np.flatnonzero(self.metered)
        self._meter_col = np.searchsorted(self.meter_members, self.meter_dc[self._meter_units])
        self._one_per_dc = self._meter_units.size == self.meter_members.size

    def owner_index(self, dc_position: dict[str, int]) -> np.ndarray:
        """Index of the data center owning each unit [units]: a storage actor's ``owner_id`` (−1 if none), and
        for on-site DC batteries their data center."""
        own = [dc_position[s.owner_id] if s.owner_id is not None else -1 for s in self.specs]
        return np.array(own + [int(i) for i in self.dc_index], dtype=int)

    def _bat(self, name: str) -> np.ndarray:
        return np.array([getattr(b, name) for b in self.batteries], dtype=float)

    def build(self, ctx: BuildContext, price_multiplier: np.ndarray, net_load_mw, behind_meter_mw,
              owner_price=None) -> None:
        """``net_load_mw(units, start, stop)`` → [stop − start, units]: net load the strategy of those units sees
        (region net load, or the site's for units behind a DC's meter); ``behind_meter_mw(start, stop, DCs)`` →
        [steps, DCs]: a DC's site load, the most a battery behind its meter may discharge (no export);
        ``owner_price(price, start, stop)``: the price a DC pays for a wholesale price forecast ``price`` of
        steps [start, stop) (itself for wholesale buyers, else the retail price of it, agents.markets.clearing)."""
        self.dt_h = ctx.dt_h
        self.e_max = self._bat("energy_capacity_mwh")
        self.p_max = self._bat("power_capacity_mw")
        self.eta_c = self._bat("eta_charge")
        self.eta_d = self._bat("eta_discharge")
        self.soc_mwh = self._bat("soc_initial_pu") * self.e_max
        self.soc_initial_mwh = self.soc_mwh.copy()
        self._behind_meter = behind_meter_mw
        self._owner_price = owner_price if owner_price is not None else (lambda price, a, z: price)
        self._dt_h, self._net_load_of = ctx.dt_h, net_load_mw
        self.steps_per_day = max(1, round(24 / self._dt_h))
        self._group_schedules()
        rule = np.array([r if isinstance(r, str) else r.kind for r in self._unit_rules()], dtype=str)
        self.rule_groups = {k: np.flatnonzero(rule == k) for k in sorted(set(rule.tolist()))}
        self.planned_revenue_cny = np.zeros((-(-ctx.steps // self.steps_per_day), self.m))  # per day, forecast
        request = flexibility.tou_request_mw(price_multiplier, self.p_max)
        net_units = np.flatnonzero(rule == "net_load")
        if net_units.size:
            request[:, net_units] = flexibility.net_load_request_mw(net_load_mw(net_units, 0, ctx.steps),
                                                                    self.p_max[net_units], round(24 / ctx.dt_h))
        for _, units, _ in self.scheduled:
            request[:, units] = 0.0  # written day by day in observe
        if self._meter_units.size:
            units = self._meter_units
            request[:, units] = np.maximum(request[:, units], -behind_meter_mw(0, ctx.steps, self.meter_dc[units]))
        self.request_mw = request
        rec = ctx.recorder
        self.power = rec.agent_quantity(self.kind, "battery_mw", self.unit_ids)
        self.soc = rec.agent_quantity(self.kind, "soc_mwh", self.unit_ids)
        self.reserve = rec.agent_quantity(self.kind, "reserve_mw", self.unit_ids)
        self.reserve_revenue = rec.agent_quantity(self.kind, "reserve_revenue_cny", self.unit_ids)
        for name, arr in (("battery_mw", self.power), ("soc_mwh", self.soc), ("reserve_mw", self.reserve),
                          ("reserve_revenue_cny", self.reserve_revenue)):
            self.series[name] = (arr, np.arange(self.m))
        self.revenue_cny = self.record(rec, "revenue_cny")
        self.cost_cny = self.record(rec, "cost_cny")
        self.step_reserve_mw = 0.0
        self.islanded = None  # [steps, units] bool: behind the meter of a DC off the grid (attach_outages)

    def attach_outages(self, islanded: np.ndarray | None) -> None:
        """Site grid outages (agents.outages): a unit behind the meter of a DC off the grid idles (its inverter
        follows the grid, anti-islanding) and offers no reserve in those steps."""
        self.islanded = islanded

    def _unit_rules(self) -> list:
        return ([unit_strategy(s) for s in self.specs]
                + [unit_strategy(None, b) for b in self.batteries[self.n:]])

    def _group_schedules(self) -> None:
        """One scheduler per group of units sharing a schedule strategy spec (sorted: deterministic order), and
        each unit's reserve offer (reserve_mw, its duration and price; zero without a schedule strategy). A
        shared peak (peak_scope shared) is shaved per net load: the grid-side units of the spec together (the
        region's), and the units behind one DC's meter together (that DC's)."""
        groups: dict[str, tuple] = {}
        for i, rule in enumerate(self._unit_rules()):
            if isinstance(rule, StorageStrategySpec):
                shared = rule.kind == "peak_shaving" and rule.peak_scope == "shared"
                key = rule.model_dump_json() + (f"|dc{self.meter_dc[i]}" if shared and self.metered[i] else "")
                groups.setdefault(key, (rule, []))[1].append(i)
        self.scheduled = []
        self.reserve_offer_mw = np.zeros(self.m)
        self.reserve_duration_h = np.ones(self.m)
        self.reserve_price_cny_per_mw_h = np.zeros(self.m)
        self.soc_floor_mwh = np.zeros(self.m)  # lowest SOC a step may reach: the schedule's band incl. reserve
        for key in sorted(groups):
            spec, units = groups[key]
            units = np.array(units, dtype=int)
            scheduler = StorageScheduler.for_batteries(spec, self._dt_h, self.e_max[units], self.p_max[units],
                                                       self.eta_c[units], self.eta_d[units])
            self.scheduled.append((spec, units, scheduler))
            self.reserve_offer_mw[units] = spec.reserve_mw
            self.reserve_duration_h[units] = spec.reserve_duration_h
            self.reserve_price_cny_per_mw_h[units] = spec.reserve_price_cny_per_mw_h
            self.soc_floor_mwh[units] = scheduler.s_lo
        self.offers_reserve = bool(np.any(self.reserve_offer_mw > 0.0))
        self._reserve_meter = np.flatnonzero((self.reserve_offer_mw > 0.0) & self.metered)

    def apply_actor_spec(self, index: int, spec) -> None:
        """A run-time decision (agents.decisions): storage actor ``index`` follows ``spec`` (a schedule strategy,
        validated) from the next plan on; its unit is regrouped with the units sharing the new spec."""
        self.specs[index] = spec
        self.agents[index].spec = spec
        self.strategies[index] = spec.strategy
        self._group_schedules()

    # ---- phases -------------------------------------------------------------------------------------------

    def register(self, book) -> None:
        """One reserve block ``storage_reserve``: each unit's reserve offer, written every step."""
        self.reserve_block = book.add_reserve("storage_reserve", size=self.m)

    def observe(self, t: int, signals) -> None:
        """At a day's first step, units with a schedule strategy plan the day from its day-ahead price forecast
        (published the day before; the first day's at step 0) and their SOC now."""
        self.observed_step = t
        self._signals = signals
        if self.scheduled and signals.new_day:
            self._plan_day(signals, self.soc_mwh)

    def _plan_day(self, signals, soc_mwh: np.ndarray) -> None:
        """Plan the day: grid-side units against the day's wholesale price forecast and the region's net load,
        units behind a DC's meter against the price the DC pays for that forecast (``owner_price``) and the
        DC's site net load, discharging at most the DC's site load of the day (both as the DC planned them at
        this step's observe, which runs before the batteries')."""
        a, z = signals.day_window(0)
        price = signals.day_ahead_window("price_cny_per_mwh", 0)
        owner_price = None
        for spec, units, scheduler in self.scheduled:
            met = self.metered[units]
            p, limit = price, None
            if met.any():
                owner_price = self._owner_price(price, a, z) if owner_price is None else owner_price
                p = np.repeat(price[:, None], units.size, axis=1)
                p[:, met] = owner_price[:, None]
                limit = np.full((z - a, units.size), np.inf)
                limit[:, met] = self._behind_meter(a, z, self.meter_dc[units[met]])
            net = self._net_load_of(units, a, z) if spec.kind in ("peak_shaving", "net_load_rule") else None
            plan = schedule_storage_window(spec, scheduler, p, soc_mwh[units], net, discharge_limit_mw=limit)
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
        pro rata and the request re-applied from the current SOC. A unit with a schedule strategy never
        discharges below its band's floor (soc_min_pu E + the reserve's energy r h_r / eta_d). Then the reserve
        offers: what each unit could still discharge for its reserve duration on top of its power this step."""
        floor = np.minimum(self.soc_floor_mwh, self.soc_mwh)  # a SOC below the floor may charge, not jump
        request, island = self.request_mw[t], None
        if self.islanded is not None and self.islanded[t].any():  # behind a DC's meter off the grid: idle
            island = self.islanded[t]
            request = np.where(island, 0.0, request)
        battery, soc_next = battery_step(self.soc_mwh, request, self.dt_h, self.e_max, self.p_max,
                                         self.eta_c, self.eta_d, floor)
        charge = float(np.maximum(battery, 0.0).sum())
        discharge = float(np.maximum(-battery, 0.0).sum())
        net_load = book.demand_mw
        if discharge > net_load + charge:
            battery, soc_next = battery_step(
                self.soc_mwh, np.where(battery < 0.0, battery * (net_load + charge) / discharge, battery), self.dt_h,
                self.e_max, self.p_max, self.eta_c, self.eta_d, floor)
            charge = float(np.maximum(battery, 0.0).sum())
            discharge = float(np.maximum(-battery, 0.0).sum())
        self.step_mw, self._soc_next = battery, soc_next
        self.step_charge_mw, self.step_discharge_mw = charge, discharge
        book.demand_mw = net_load + charge - discharge
        if self.offers_reserve:
            reserve = self._reserve_available_mw(t, battery, soc_next)
            book.offer_reserve(self.reserve_block, reserve if island is None else np.where(island, 0.0, reserve),
                               self.reserve_price_cny_per_mw_h)
        elif book.reserve_offered:
            book.offer_reserve(self.reserve_block, 0.0, 0.0)

    def _reserve_available_mw(self, t: int, battery: np.ndarray, soc_next: np.ndarray) -> np.ndarray:
        """Upward reserve each unit can deliver from this step on [MW]: at most its offer r, the power left
        above its discharge (P − discharge), and what the energy above soc_min_pu E sustains for the reserve
        duration ((s − s_min E) eta_d / h_r, so the reserve's energy stays in the SOC); behind a DC's meter
        also at most the site load left after its discharge (no export)."""
        discharge = np.maximum(-battery, 0.0)
        s_min = self.soc_floor_mwh - self.reserve_offer_mw * self.reserve_duration_h / self.eta_d
        energy = np.maximum(soc_next - s_min, 0.0) * self.eta_d / self.reserve_duration_h
        out = np.clip(np.minimum(np.minimum(self.reserve_offer_mw, self.p_max - discharge), energy), 0.0, None)
        if self._reserve_meter.size:
            u = self._reserve_meter
            site = self._behind_meter(t, t + 1, self.meter_dc[u])[0]
            out[u] = np.clip(np.minimum(out[u], site - discharge[u]), 0.0, None)
        return out

    def dispatch(self, t: int, book) -> None:
        """Commit the step's power and state of charge (batteries are price takers: their bid is their dispatch)
        and the reserve the operator accepted, paid at the step's reserve price [CNY]."""
        self.soc_mwh = self._soc_next
        self.power[t] = self.step_mw
        self.soc[t] = self._soc_next
        if self.offers_reserve:
            accepted = book.reserve_accepted(self.reserve_block)
            self.reserve[t] = accepted
            self.reserve_revenue[t] = accepted * (book.reserve_price_cny_per_mwh * self.dt_h)
            self.step_reserve_mw = float(accepted.sum())
        else:
            self.step_reserve_mw = 0.0
        self.decided_step = t

    def settle(self, start: int, stop: int, prices) -> None:
        """Grid-side storage actors buy and sell at the wholesale price [CNY] (units behind a DC's meter: in
        the DC's grid draw and cost instead); every actor adds its reserve payments to its revenue."""
        price = prices.wholesale
        p = np.where(self.metered[None, : self.n], 0.0, self.power[start:stop, : self.n])
        self.cost_cny[start:stop] = np.maximum(p, 0.0) * price[:, None] * self.dt_h
        self.revenue_cny[start:stop] = (np.maximum(-p, 0.0) * price[:, None] * self.dt_h
                                        + self.reserve_revenue[start:stop, : self.n])

    def grid_side_power_mw(self, start: int, stop: int) -> np.ndarray:
        """Power of the storage actors trading on the grid side [steps, actors] (0 behind a DC's meter) [MW]."""
        return np.where(self.metered[None, : self.n], 0.0, self.power[start:stop, : self.n])

    def dc_battery_mw(self, start: int, stop: int) -> np.ndarray:
        """Battery power behind each DC's meter [steps, ``meter_members``] (+ charge / − discharge) [MW]."""
        p = self.power[start:stop, self._meter_units]
        if self._one_per_dc:
            out = np.empty_like(p)
            out[:, self._meter_col] = p
            return out
        out = np.zeros((stop - start, self.meter_members.size))
        np.add.at(out.T, self._meter_col, p.T)
        return out

    def agent_values(self, index: int, step: int) -> dict[str, float]:
        return {name: float(arr[step, index]) for name, (arr, _) in self.series.items()}

    def power_mw(self, step: int) -> np.ndarray:
        """Grid power per storage actor [MW]; 0 behind a DC's meter (its power is in the DC's grid draw; its own
        series ``battery_mw`` has it)."""
        return self.grid_side_power_mw(step, step + 1)[0]
