"""Heat utilities: district-heating networks supplied by DC heat (contracts), boilers, CHP, heat pumps and a tank.

Demand (space heating in the season, domestic hot water while the network runs) and network losses depend only
on weather and parameters. Each utility decides each day from the grid operator's published day-ahead forecasts
of that day and its own state (agents.strategies.heat_dispatch): its units and the DC heat contracts in one
merit order by marginal cost — CHP power earns the *wholesale* price forecast; heat pumps and electric boilers
pay the forecast of the price the utility pays (the retail price of that forecast: the published TOU tariff
under ``tou_tariff``, the wholesale forecast passed through otherwise; the wholesale forecast when heat
utilities buy on the market, ``markets.wholesale_buyers``) — and its hot-water tank against the marginal heat
cost. The days are planned at build in order (their inputs are published from build-time information) and
planned again in the loop at a day's first step when their inputs changed (a run-time decision, a DC heat offer
changed by a data center's day plan). The electricity this needs enters the power market as fixed load; CHP
power is a must-take offer per CHP unit at its marginal cost (fuel + carbon cost allocated to power,
agents.physics.chp). Money and the CO2 split are settled from the accepted CHP power.
"""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.offer_book import MUST_TAKE
from agents.physics import chp, district_heat, heat_pump
from agents.strategies.heat_dispatch import (
    DEFAULT,
    HeatDispatchStrategySpec,
    plan_heat_day,
    tank_scheduler,
    unit_heat_cost_cny_per_mwh,
)

_FUEL_KINDS = ("gas_boiler", "coal_boiler", "chp")


class HeatUtility(Actor):
    kind = "heat_utility"


def _per_owner(x: np.ndarray, owner: np.ndarray, n: int) -> np.ndarray:
    """Sum the columns of ``x`` [steps, members] by ``owner`` [members] → [steps, n] (numpy reductions, no BLAS,
    so the bits are the same in every process; agents.reductions)."""
    out = np.zeros((x.shape[0], n))
    for u in range(n):
        out[:, u] = x[:, owner == u].sum(axis=1)
    return out


def _md(text: str) -> tuple[int, int]:
    month, day = (int(x) for x in text.split("-"))
    return month, day


class HeatUtilityFleet(Fleet):
    """All heat utilities. Their units and the DC heat contracts are dispatched in one merit order per utility."""

    kind = "heat_utility"
    agent_class = HeatUtility
    decision_series = ("heat_produced_mw", "heat_from_dc_mw", "heat_storage_charge_mw", "heat_storage_discharge_mw")

    def _network_loads(self, ctx: BuildContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Demand at the buildings (space heat + hot water), hot water alone and network losses [steps, utilities]."""
        T, n = ctx.steps, self.n
        temp = np.asarray(ctx.weather.temp_c, dtype=float)
        demand, dhw, loss = np.zeros((T, n)), np.zeros((T, n)), np.zeros((T, n))
        for i, s in enumerate(self.specs):
            for net in s.networks:
                season = district_heat.in_heating_season(ctx.local_times, _md(net.season_start_md),
                                                         _md(net.season_end_md))
                summer_mode = net.summer_supply_temp_c is not None
                operating = season | summer_mode
                space = district_heat.space_heat_demand_mw(temp, net.floor_area_m2, net.design_load_w_per_m2,
                                                           net.design_temp_c, net.base_temp_c, season)
                water = district_heat.dhw_demand_mw(ctx.hour_of_day, net.floor_area_m2, net.dhw_kwh_per_m2_yr,
                                                    operating)
                supply = np.where(season, net.supply_temp_c,
                                  net.summer_supply_temp_c if summer_mode else net.supply_temp_c)
                mean_c = district_heat.network_mean_temp_c(supply, net.return_temp_c)
                demand[:, i] += space + water
                dhw[:, i] += water
                loss[:, i] += district_heat.network_loss_mw(space + water, net.loss_pu, net.loss_ua_mw_per_k, mean_c,
                                                            net.ground_temp_c, operating)
        return demand, dhw, loss

    def build(self, ctx: BuildContext, carbon_price_cny_per_t: float, contracts: list, dc_offer_mw,
              forecasts: dict[str, np.ndarray], buy_price_of, contract_el_per_heat: np.ndarray | None = None) -> None:
        """``contracts``: (buyer utility index, price) per heat_purchase, the price a float or an array [steps]
        (indexed contract prices) [CNY/MWh_th]; ``dc_offer_mw(a, z)`` → the DC heat offered under each contract
        in steps [a, z) [MW_th] (it follows the data centers' day plans); ``forecasts``: the grid operator's
        published day-ahead forecasts (agents.signals.DAY_AHEAD names) [steps]; ``buy_price_of(wholesale, a,
        z)`` → the price the utilities pay for electricity in steps [a, z) given a wholesale price forecast of
        them (retail of it, or itself for market participants); ``contract_el_per_heat`` [contracts]
        electricity the buyer pays per MWh of DC heat (1/COP when it owns the data center's heat pump, else 0).

        Every day is planned here in order, each from that day's window of the forecasts and the tank's SOC at
        its start only (agents.strategies.heat_dispatch.plan_heat_day) — what the utilities would decide at the
        day's first step, since none of these inputs depends on the step loop. ``observe`` re-plans a day in
        the loop when its inputs changed: a run-time decision (``apply_actor_spec``) or a DC heat offer changed
        by a data center's day plan."""
        T, rec, n = ctx.steps, ctx.recorder, self.n
        self.dt_h = ctx.dt_h
        self.steps_per_day = max(1, round(24.0 / ctx.dt_h))
        self.carbon_price = carbon_price_cny_per_t
        temp = np.asarray(ctx.weather.temp_c, dtype=float)
        demand, dhw, loss = self._network_loads(ctx)

        units = [(i, u) for i, s in enumerate(self.specs) for u in s.units]
        owner = np.array([i for i, _ in units], dtype=int)
        self._owner = owner
        kind = np.array([u.kind for _, u in units], dtype=str)
        eff = np.array([u.efficiency_pu for _, u in units], dtype=float)
        eta_el = np.array([u.electrical_efficiency for _, u in units], dtype=float)
        self._fuel_per_heat = np.where(np.isin(kind, _FUEL_KINDS), 1.0 / np.where(eff > 0, eff, 1.0), 0.0)
        self._fuel_price = np.array([u.fuel_price_cny_per_mwh for _, u in units], dtype=float)
        self._fuel_co2 = np.array([u.fuel_co2_t_per_mwh for _, u in units], dtype=float)
        self._fuel_cost = self._fuel_price + self._fuel_co2 * carbon_price_cny_per_t  # per MWh fuel, carbon incl.
        is_chp = kind == "chp"
        self._chp_el_per_heat = np.where(is_chp, eta_el / np.where(eff > 0, eff, 1.0), 0.0)  # σ = η_el / η_th
        self._eta_el, self._eff = eta_el, eff
        power_share = np.zeros(len(units))
        for j in np.flatnonzero(is_chp):
            s = self.specs[owner[j]]
            hot = max(s.networks, key=lambda net: net.supply_temp_c)
            power_share[j] = chp.power_share_of_fuel(
                s.chp_co2_allocation, eta_el[j], eff[j],
                carnot_factor_pu=chp.carnot_factor(hot.supply_temp_c, hot.return_temp_c, s.exergy_reference_temp_c),
                reference_power_efficiency_pu=s.reference_power_efficiency_pu,
                reference_heat_efficiency_pu=s.reference_heat_efficiency_pu)
        el_per_heat = np.zeros((T, len(units)))
        ashp = kind == "air_source_heat_pump"
        if ashp.any():
            supply_c = np.array([max(net.supply_temp_c for net in self.specs[i].networks) for i, _ in units])[ashp]
            eta = np.array([u.carnot_efficiency for _, u in units])[ashp]
            cop = heat_pump.carnot_cop(temp[:, None], supply_c[None, :], eta[None, :])
            el_per_heat[:, ashp] = 1.0 / np.maximum(cop, 1.0)
        eboiler = kind == "electric_boiler"
        el_per_heat[:, eboiler] = 1.0 / eff[eboiler]
        self._el_per_heat = el_per_heat
        self._unit_cap = np.array([u.capacity_mw for _, u in units], dtype=float)

        k = len(contracts)
        self.contract_owner = np.array([c[0] for c in contracts], dtype=int)
        self.contract_price = np.zeros((T, k))  # [steps, contracts]: a fixed or an indexed price per step
        for j, c in enumerate(contracts):
            self.contract_price[:, j] = np.broadcast_to(np.asarray(c[1], dtype=float), (T,))
        self._buyer_el = np.zeros(k) if contract_el_per_heat is None else np.asarray(contract_el_per_heat, float)
        self._source_owner = np.concatenate([self.contract_owner, owner])
        self._dc_offer_of, self._buy_price_of, self._forecasts = dc_offer_mw, buy_price_of, forecasts
        self.need_mw = demand + loss
        self._offer_used = np.zeros((T, k))  # the DC heat offer each day's plan saw [MW_th]
        self._changed = None  # the model's callback after a day was re-planned in the loop
        self._replan = False  # inputs changed since build: plan every day from now on in the loop
        self._tanks = [s.heat_storage for s in self.specs]
        self._schedulers = [tank_scheduler(tk, st, self.dt_h) for tk, st in zip(self._tanks, self.strategies,
                                                                                  strict=True)]
        self.soc_initial_mwh = np.array([0.0 if tk is None else tk.soc_initial_pu * tk.capacity_mwh_th
                                         for tk in self._tanks])

        # decisions of each day (written by _plan_day), then their consequences for [0, T) (_derive)
        self.dc_heat_mw = np.zeros((T, k))
        unit_heat = np.zeros((T, len(units)))
        unserved = np.zeros((T, n))
        self.chp_units = np.flatnonzero(is_chp)
        self.chp_power_share = power_share[self.chp_units]
        self.chp_offer_price = chp.power_cost_per_mwh_el(self._fuel_cost[self.chp_units], self.chp_power_share,
                                                         eta_el[self.chp_units])
        # fuel CO2 allocated to each MWh of CHP power [tCO2/MWh_el] (the marginal-emissions signal)
        self.chp_co2_t_per_mwh_el = (self._fuel_co2[self.chp_units] * self.chp_power_share
                                     / np.where(eta_el[self.chp_units] > 0, eta_el[self.chp_units], 1.0))
        self.heat_price = self._param("heat_price_cny_per_mwh")
        self.loss_mw = loss

        self.record(rec, "heat_demand_mw", static=demand)
        self.record(rec, "dhw_demand_mw", static=dhw)
        self.record(rec, "heat_loss_mw", static=loss)
        self.from_dc = self.record(rec, "heat_from_dc_mw", static=np.zeros((T, n)))
        self.produced = self.record(rec, "heat_produced_mw", static=np.zeros((T, n)))
        self.unserved = self.record(rec, "heat_unserved_mw", static=unserved)
        self.storage_charge = self.record(rec, "heat_storage_charge_mw", static=np.zeros((T, n)))
        self.storage_discharge = self.record(rec, "heat_storage_discharge_mw", static=np.zeros((T, n)))
        self.storage_soc = self.record(rec, "heat_storage_soc_mwh", static=np.zeros((T, n)))
        self.storage_loss = self.record(rec, "heat_storage_loss_mw", static=np.zeros((T, n)))
        self.marginal_cost = self.record(rec, "heat_marginal_cost_cny_per_mwh", static=np.zeros((T, n)))
        self.power_in = self.record(rec, "power_mw")  # electricity use − CHP power sold (settled)
        self.chp_out = self.record(rec, "chp_generation_mw")  # CHP power the market took (settled)
        self.chp_surplus = self.record(rec, "chp_surplus_mw")  # CHP power it could not take (settled)
        self.chp_co2_power_t = self.record(rec, "chp_power_co2_t")  # CHP fuel CO2 allocated to power (settled)
        self.fuel = self.record(rec, "fuel_mw", static=np.zeros((T, n)))
        self.co2_t = self.record(rec, "co2_t")  # CO2 charged to heat: boilers + the heat share of CHP (settled)
        self.production_cost_cny = self.record(rec, "production_cost_cny", static=np.zeros((T, n)))
        self.cost_cny = self.record(rec, "cost_cny")
        self.revenue_cny = self.record(rec, "revenue_cny")
        unit_ids = [f"{self.ids[i]}.unit{j}_{u.kind}" for j, (i, u) in enumerate(units)]
        self.unit_heat = rec.agent_quantity("heat_unit", "heat_mw", unit_ids, static=unit_heat)
        self.unit_fuel = rec.agent_quantity("heat_unit", "fuel_mw", unit_ids, static=np.zeros((T, len(units))))
        self.unit_chp_power = rec.agent_quantity("heat_unit", "chp_power_mw", unit_ids,
                                                 static=np.zeros((T, len(units))))
        self._unit_co2_t = np.zeros((T, len(units)))  # every unit's fuel CO2 [t per step]
        self.chp_offer_mw = np.zeros((T, self.chp_units.size))  # [steps, CHP units]
        self.el_in_mw = np.zeros((T, n))
        self.delivered_mw = np.zeros((T, n))
        self.contract_payment = np.zeros((T, n))
        # region totals used by the power market every step
        self.electric_load_mw = np.zeros(T)
        self.chp_total_mw = np.zeros(T)

        self._unit_cost = np.zeros((T, len(units)))  # each unit's heat cost in the day plan [CNY/MWh_th]
        soc = self.soc_initial_mwh
        for a in range(0, T if n else 0, self.steps_per_day):
            z = min(a + self.steps_per_day, T)
            soc = self._plan_day(a, z, {name: v[a:z] for name, v in forecasts.items()}, soc)
        self._derive(0, T)

    # ---- the day's decision -------------------------------------------------------------------------------

    def _plan_day(self, a: int, z: int, forecast: dict[str, np.ndarray], soc_start_mwh: np.ndarray) -> np.ndarray:
        """Plan steps [a, z) from the day's published forecasts ``forecast`` (views of that day only) and the
        tanks' stored heat at ``a``; write the day's decisions; returns the SOC at the day's end."""
        wholesale = np.asarray(forecast["price_cny_per_mwh"], dtype=float)
        buy = self._buy_price_of(wholesale, a, z)
        dc_cost = np.empty((z - a, self.contract_owner.size))
        unit_cost = np.empty((z - a, self._owner.size))
        offer = np.array(self._dc_offer_of(a, z), dtype=float)
        self._offer_used[a:z] = offer
        for i, st in enumerate(self.strategies):
            spec = st if isinstance(st, HeatDispatchStrategySpec) else DEFAULT
            ci = forecast["marginal_co2_kgco2_per_kwh" if spec.carbon_signal == "marginal"
                          else "carbon_intensity_kgco2_per_kwh"]
            co2_cost = spec.electricity_co2_price_cny_per_t * np.asarray(ci, dtype=float)  # kg/kWh = t/MWh
            mine = self._owner == i
            unit_cost[:, mine] = unit_heat_cost_cny_per_mwh(
                fuel_per_heat=self._fuel_per_heat[mine], fuel_cost_cny_per_mwh=self._fuel_cost[mine],
                el_per_heat=self._el_per_heat[a:z, mine], chp_el_per_heat=self._chp_el_per_heat[mine],
                buy_price_cny_per_mwh=buy, sell_price_cny_per_mwh=wholesale,
                electricity_co2_cost_cny_per_mwh=co2_cost)
            bought = self.contract_owner == i
            price = self.contract_price[a:z, bought]
            dc_cost[:, bought] = price + (buy + co2_cost)[:, None] * self._buyer_el[bought][None, :]
            if spec.dc_heat_max_price_cny_per_mwh is not None:  # its heat offer: dearer DC heat is not bought
                offer[:, bought] = np.where(price > spec.dc_heat_max_price_cny_per_mwh, 0.0, offer[:, bought])
        self._unit_cost[a:z] = unit_cost
        caps = np.hstack([offer, np.broadcast_to(self._unit_cap, (z - a, self._unit_cap.size))])
        plan = plan_heat_day(self.need_mw[a:z], caps, np.hstack([dc_cost, unit_cost]), self._source_owner,
                             self._schedulers, soc_start_mwh)
        k = self.contract_owner.size
        self.dc_heat_mw[a:z] = plan.dispatch_mw[:, :k]
        self.unit_heat[a:z] = plan.dispatch_mw[:, k:]
        self.unserved[a:z] = plan.unserved_mw
        self.storage_charge[a:z] = plan.charge_mw
        self.storage_discharge[a:z] = plan.discharge_mw
        self.storage_soc[a:z] = plan.soc_mwh
        self.storage_loss[a:z] = plan.loss_mwh / self.dt_h
        self.marginal_cost[a:z] = plan.marginal_cost_cny_per_mwh
        return plan.soc_mwh[-1]

    def _derive(self, a: int, z: int) -> None:
        """Fuel, CO2, CHP power, electricity, costs and deliveries of steps [a, z) from the planned dispatch."""
        n, sl = self.n, slice(a, z)
        unit_heat = self.unit_heat[sl]
        unit_fuel = unit_heat * self._fuel_per_heat  # [MW of fuel]
        self.unit_fuel[sl] = unit_fuel
        cu = self.chp_units
        self.unit_chp_power[sl] = 0.0
        self.unit_chp_power[sl, cu] = chp.chp_power_mw(unit_heat[:, cu], self._eta_el[cu], self._eff[cu])
        self._unit_co2_t[sl] = unit_fuel * self._fuel_co2 * self.dt_h
        self.chp_offer_mw[sl] = self.unit_chp_power[sl, cu]
        self.el_in_mw[sl] = _per_owner(unit_heat * self._el_per_heat[sl], self._owner, n)
        self.production_cost_cny[sl] = _per_owner(unit_fuel * self._fuel_price, self._owner, n) * self.dt_h \
            + _per_owner(self._unit_co2_t[sl], self._owner, n) * self.carbon_price
        self.from_dc[sl] = _per_owner(self.dc_heat_mw[sl], self.contract_owner, n)
        self.produced[sl] = _per_owner(unit_heat, self._owner, n)
        self.fuel[sl] = _per_owner(unit_fuel, self._owner, n)
        need = self.need_mw[sl]
        # demand at the buildings served: the share of the need not unserved (tank charge/discharge is supply)
        demand = self.series["heat_demand_mw"][0][sl]
        served_share = np.divide(need - self.unserved[sl], need, out=np.ones_like(need), where=need > 0)
        self.delivered_mw[sl] = served_share * demand
        self.contract_payment[sl] = _per_owner(self.dc_heat_mw[sl] * self.contract_price[sl], self.contract_owner,
                                               n) * self.dt_h
        self.electric_load_mw[sl] = self.el_in_mw[sl].sum(axis=1)
        self.chp_total_mw[sl] = self.chp_offer_mw[sl].sum(axis=1)

    def cover_lost_dc_heat(self, t: int, served_pu: np.ndarray) -> None:
        """A grid outage darkened part of a selling data center in step ``t`` (agents.outages): each contract
        delivers only ``served_pu`` [contracts] of its planned heat; the buyer covers what is lost from its own
        units in merit order of their costs in the day's plan, up to their free capacity, and the rest is unserved
        heat (the tank keeps its plan). Then the step's fuel, CO2, CHP power and electricity follow (``_derive``)."""
        planned = self.dc_heat_mw[t]
        lost = planned - planned * served_pu
        if not (lost > 0.0).any():
            return
        self.dc_heat_mw[t] = planned * served_pu
        need = np.zeros(self.n)
        np.add.at(need, self.contract_owner, lost)
        for u in np.flatnonzero(need > 0.0).tolist():
            mine = np.flatnonzero(self._owner == u)
            order = mine[np.argsort(self._unit_cost[t, mine], kind="stable")]
            room = np.maximum(self._unit_cap[order] - self.unit_heat[t, order], 0.0)
            take = np.clip(need[u] - (np.cumsum(room) - room), 0.0, room)
            self.unit_heat[t, order] = self.unit_heat[t, order] + take
            self.unserved[t, u] = self.unserved[t, u] + (need[u] - take.sum())
        self._derive(t, t + 1)

    def attach_region(self, changed) -> None:
        """``changed(a, z)``: the model's update after a day was re-planned in the loop (DC heat delivery, the
        region's fixed load and heat series of those steps)."""
        self._changed = changed

    def apply_actor_spec(self, index: int, spec) -> None:
        """A run-time decision (agents.decisions): utility ``index`` follows ``spec`` (validated) from the next
        day's plan on (at a day_start decision point: that day's)."""
        self.specs[index] = spec
        self.agents[index].spec = spec
        self.strategies[index] = spec.strategy
        self._schedulers[index] = tank_scheduler(self._tanks[index], spec.strategy, self.dt_h)
        self._replan = True

    def _soc_before(self, a: int) -> np.ndarray:
        return self.soc_initial_mwh.copy() if a == 0 else self.storage_soc[a - 1].copy()

    def _decide_day(self, signals) -> None:
        """At a day's first step: plan the day again if its inputs changed since build (module docstring)."""
        a, z = signals.day_window(0)
        if z <= a or not self.n:
            return
        if not self._replan and not np.array_equal(self._dc_offer_of(a, z), self._offer_used[a:z]):
            self._replan = True  # a data center's day plan changed the heat it offers
        if not self._replan:
            return
        self._plan_day(a, z, {name: signals.day_ahead_window(name, 0) for name in self._forecasts},
                       self._soc_before(a))
        self._derive(a, z)
        if self._changed is not None:
            self._changed(a, z)

    # ---- phases -------------------------------------------------------------------------------------------

    def register(self, book) -> None:
        """One must-take block ``chp``: each CHP unit's heat-led power at its marginal cost per MWh_el, taken
        ahead of the merit order (agents.markets.heat)."""
        self.chp_block = book.add("chp", price=self.chp_offer_price, must_take=True,
                                  co2_t_per_mwh=self.chp_co2_t_per_mwh_el, priority=MUST_TAKE)

    def bid(self, t: int, book, signals) -> None:
        book.offer(self.chp_block, self.chp_offer_mw[t])

    def observe(self, t: int, signals) -> None:
        """At a day's first step the utilities decide the day (``_decide_day``) from its published forecasts."""
        super().observe(t, signals)
        if signals.new_day:
            self._decide_day(signals)

    def dispatch(self, t: int, book) -> None:
        """The step's heat decision is the row of the day's plan."""
        self.decided_step = t

    def settle(self, start: int, stop: int, prices) -> None:
        """Money and CO2 for steps [start, stop): electricity bought at the price heat utilities pay
        (``prices.price_for("heat_utility")``: retail, or wholesale for market participants,
        markets.wholesale_buyers); the CHP power the market accepted and what it was paid (the wholesale
        price, or its own offer under pay-as-bid).

        CO2: each CHP unit's fuel CO2 × its power share × (sold / produced) goes to the power it sold (the
        grid's carbon intensity); the rest, and all boiler CO2, stays with heat."""
        price = prices.price_for(self.kind)
        chp_sold_mw, chp_income_cny_per_h = prices.accepted(self.chp_block), prices.income(self.chp_block)
        sl = slice(start, stop)
        p = price[:, None]
        offered = self.chp_offer_mw[sl]
        sold_frac = np.divide(chp_sold_mw, offered, out=np.zeros_like(offered), where=offered > 0)
        power_co2 = self._unit_co2_t[sl][:, self.chp_units] * self.chp_power_share * sold_frac
        chp_owner, n = self._owner[self.chp_units], self.n
        self.chp_co2_power_t[sl] = _per_owner(power_co2, chp_owner, n)
        self.co2_t[sl] = _per_owner(self._unit_co2_t[sl], self._owner, n) - self.chp_co2_power_t[sl]
        sold = _per_owner(chp_sold_mw, chp_owner, n)
        self.chp_out[sl] = sold
        self.chp_surplus[sl] = _per_owner(offered - chp_sold_mw, chp_owner, n)
        self.power_in[sl] = self.el_in_mw[sl] - sold
        self.cost_cny[sl] = self.production_cost_cny[sl] + self.el_in_mw[sl] * p * self.dt_h + self.contract_payment[sl]
        self.revenue_cny[sl] = (self.delivered_mw[sl] * self.heat_price[None, :]
                                + _per_owner(chp_income_cny_per_h, chp_owner, n)) * self.dt_h

    def power_mw(self, step: int) -> np.ndarray:
        return self.power_in[step].copy()

    def heat_mw(self, step: int) -> np.ndarray:
        return self.produced[step] + self.from_dc[step]
