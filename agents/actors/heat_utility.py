"""Heat utilities: district-heating networks supplied by DC heat (contracts), boilers, CHP and heat pumps.

Heat is scheduled for the whole horizon at build time: demand (space heating in the season, domestic hot water
while the network runs) and network losses depend only on weather and parameters, and each utility ranks its
units by marginal cost with day-ahead price forecasts as the value of electricity: CHP power earns the
*wholesale* price forecast (agents.markets.forecast); heat pumps and electric boilers pay the forecast of the
price the utility pays — the retail price of that forecast (the published TOU tariff under ``tou_tariff``, the
wholesale forecast passed through otherwise), or the wholesale forecast when heat utilities buy on the market
(``markets.wholesale_buyers``). The electricity this needs enters the power
market as fixed load; CHP power is a must-take offer per CHP unit at its marginal cost (fuel + carbon cost
allocated to power, agents.physics.chp). Money and the CO2 split are settled from the accepted CHP power.
"""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.heat import heat_merit_order
from agents.markets.offer_book import MUST_TAKE
from agents.physics import chp, district_heat, heat_pump

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
    decision_series = ("heat_produced_mw", "heat_from_dc_mw")

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

    def build(self, ctx: BuildContext, carbon_price_cny_per_t: float, contracts: list, dc_offer_mw: np.ndarray,
              price_forecast_cny_per_mwh: np.ndarray, contract_el_per_heat: np.ndarray | None = None,
              buy_price_forecast_cny_per_mwh: np.ndarray | None = None) -> None:
        """``contracts``: (buyer utility index, price [CNY/MWh_th]: a number or a [steps] array) per heat contract; ``dc_offer_mw`` [steps, contracts];
        ``price_forecast_cny_per_mwh`` [steps] day-ahead wholesale price forecast (agents.markets.forecast), the
        value of CHP power sold; ``buy_price_forecast_cny_per_mwh`` [steps] forecast of the price the utilities
        pay for electricity (default: the wholesale forecast); ``contract_el_per_heat`` [contracts] electricity
        the buyer pays per MWh of DC heat (1/COP when it owns the data center's heat pump, else 0), valued at the
        buy-price forecast in the merit order."""
        T, rec, n = ctx.steps, ctx.recorder, self.n
        self.dt_h = ctx.dt_h
        self.carbon_price = carbon_price_cny_per_t
        temp = np.asarray(ctx.weather.temp_c, dtype=float)
        demand, dhw, loss = self._network_loads(ctx)

        units = [(i, u) for i, s in enumerate(self.specs) for u in s.units]
        owner = np.array([i for i, _ in units], dtype=int)
        self._owner = owner
        kind = np.array([u.kind for _, u in units], dtype=str)
        eff = np.array([u.efficiency_pu for _, u in units], dtype=float)
        eta_el = np.array([u.electrical_efficiency for _, u in units], dtype=float)
        fuel_per_heat = np.where(np.isin(kind, _FUEL_KINDS), 1.0 / np.where(eff > 0, eff, 1.0), 0.0)
        fuel_price = np.array([u.fuel_price_cny_per_mwh for _, u in units], dtype=float)
        fuel_co2 = np.array([u.fuel_co2_t_per_mwh for _, u in units], dtype=float)
        fuel_cost = fuel_price + fuel_co2 * carbon_price_cny_per_t  # per MWh of fuel, carbon included
        is_chp = kind == "chp"
        chp_el_per_heat = np.where(is_chp, eta_el / np.where(eff > 0, eff, 1.0), 0.0)  # σ = η_el / η_th
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

        # merit order for the horizon: contracts first (ties), then own units; electricity bought valued at the
        # forecast of the price the utility pays, CHP power sold at the wholesale forecast
        sell = np.asarray(price_forecast_cny_per_mwh, dtype=float)[:, None]
        price = sell if buy_price_forecast_cny_per_mwh is None \
            else np.asarray(buy_price_forecast_cny_per_mwh, dtype=float)[:, None]
        unit_cost = fuel_per_heat * fuel_cost + price * el_per_heat - sell * chp_el_per_heat
        self.contract_owner = np.array([c[0] for c in contracts], dtype=int)
        # contract price per step [steps, contracts] (a number or a [steps] array per contract: indexed prices)
        self.contract_price = np.zeros((T, len(contracts)))
        for j, c in enumerate(contracts):
            self.contract_price[:, j] = c[1]
        caps = np.hstack([dc_offer_mw, np.broadcast_to(np.array([u.capacity_mw for _, u in units], dtype=float),
                                                        (T, len(units)))])
        buyer_el = np.zeros(len(contracts)) if contract_el_per_heat is None else np.asarray(contract_el_per_heat, float)
        costs = np.hstack([self.contract_price + price * buyer_el[None, :], unit_cost])
        dispatch, unserved = heat_merit_order(demand + loss, caps, costs, np.concatenate([self.contract_owner, owner]))
        k = len(contracts)
        self.dc_heat_mw = dispatch[:, :k]
        unit_heat = dispatch[:, k:]

        def per_utility(x: np.ndarray, who: np.ndarray) -> np.ndarray:
            return _per_owner(x, who, n)

        unit_fuel = unit_heat * fuel_per_heat  # [MW of fuel]
        self.chp_units = np.flatnonzero(is_chp)
        unit_chp_power = np.zeros_like(unit_heat)  # [MW_el], first law checked by chp_power_mw
        unit_chp_power[:, self.chp_units] = chp.chp_power_mw(unit_heat[:, self.chp_units], eta_el[self.chp_units],
                                                             eff[self.chp_units])
        self._unit_co2_t = unit_fuel * fuel_co2 * self.dt_h  # every unit's fuel CO2 [t per step]
        self.chp_offer_mw = np.ascontiguousarray(unit_chp_power[:, self.chp_units])  # [steps, CHP units]
        self.chp_power_share = power_share[self.chp_units]
        self.chp_offer_price = chp.power_cost_per_mwh_el(fuel_cost[self.chp_units], self.chp_power_share,
                                                         eta_el[self.chp_units])
        # fuel CO2 allocated to each MWh of CHP power [tCO2/MWh_el] (the marginal-emissions signal)
        self.chp_co2_t_per_mwh_el = (fuel_co2[self.chp_units] * self.chp_power_share
                                     / np.where(eta_el[self.chp_units] > 0, eta_el[self.chp_units], 1.0))
        self.el_in_mw = per_utility(unit_heat * el_per_heat, owner)
        production_cost = per_utility(unit_fuel * fuel_price, owner) * self.dt_h \
            + per_utility(self._unit_co2_t, owner) * carbon_price_cny_per_t
        from_dc = per_utility(self.dc_heat_mw, self.contract_owner)
        need = demand + loss
        served_share = np.divide(need - unserved, need, out=np.ones_like(need), where=need > 0)
        self.delivered_mw = served_share * demand
        self.contract_payment = per_utility(self.dc_heat_mw * self.contract_price, self.contract_owner) * self.dt_h
        self.heat_price = self._param("heat_price_cny_per_mwh")
        self.loss_mw = loss

        self.record(rec, "heat_demand_mw", static=demand)
        self.record(rec, "dhw_demand_mw", static=dhw)
        self.record(rec, "heat_loss_mw", static=loss)
        self.from_dc = self.record(rec, "heat_from_dc_mw", static=from_dc)
        self.produced = self.record(rec, "heat_produced_mw", static=per_utility(unit_heat, owner))
        self.unserved = self.record(rec, "heat_unserved_mw", static=unserved)
        self.power_in = self.record(rec, "power_mw")  # electricity use − CHP power sold (settled)
        self.chp_out = self.record(rec, "chp_generation_mw")  # CHP power the market took (settled)
        self.chp_surplus = self.record(rec, "chp_surplus_mw")  # CHP power it could not take (settled)
        self.chp_co2_power_t = self.record(rec, "chp_power_co2_t")  # CHP fuel CO2 allocated to power (settled)
        self.fuel = self.record(rec, "fuel_mw", static=per_utility(unit_fuel, owner))
        self.co2_t = self.record(rec, "co2_t")  # CO2 charged to heat: boilers + the heat share of CHP (settled)
        self.production_cost_cny = self.record(rec, "production_cost_cny", static=production_cost)
        self.cost_cny = self.record(rec, "cost_cny")
        self.revenue_cny = self.record(rec, "revenue_cny")
        unit_ids = [f"{self.ids[i]}.unit{j}_{u.kind}" for j, (i, u) in enumerate(units)]
        self.unit_heat = rec.agent_quantity("heat_unit", "heat_mw", unit_ids, static=unit_heat)
        self.unit_fuel = rec.agent_quantity("heat_unit", "fuel_mw", unit_ids, static=unit_fuel)
        self.unit_chp_power = rec.agent_quantity("heat_unit", "chp_power_mw", unit_ids, static=unit_chp_power)
        # region totals used by the power market every step
        self.electric_load_mw = self.el_in_mw.sum(axis=1)
        self.chp_total_mw = self.chp_offer_mw.sum(axis=1)

    # ---- phases -------------------------------------------------------------------------------------------

    def register(self, book) -> None:
        """One must-take block ``chp``: each CHP unit's heat-led power at its marginal cost per MWh_el, taken
        ahead of the merit order (agents.markets.heat)."""
        self.chp_block = book.add("chp", price=self.chp_offer_price, must_take=True,
                                  co2_t_per_mwh=self.chp_co2_t_per_mwh_el, priority=MUST_TAKE)

    def bid(self, t: int, book, signals) -> None:
        book.offer(self.chp_block, self.chp_offer_mw[t])

    def dispatch(self, t: int, book) -> None:
        """Heat is dispatched for the horizon at build (merit order against the day-ahead price forecast); the
        step's decision is that schedule's row."""
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
