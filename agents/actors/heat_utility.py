"""Heat utilities: district-heating networks supplied by DC heat (contracts), boilers, CHP and heat pumps.

Heat is scheduled for the whole horizon at build time: demand depends only on weather, and the utilities rank
their units by marginal cost with the time-of-use tariff as electricity-price forecast (heat pumps and
electric boilers pay it, CHP earns it). The electricity this needs (or CHP produces) enters the power market
as a fixed bid (offer) at each step; money is settled at the cleared price.
"""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.heat import heat_merit_order
from agents.physics import district_heat, heat_pump

_FUEL_KINDS = ("gas_boiler", "coal_boiler", "chp")


class HeatUtility(Actor):
    kind = "heat_utility"


class HeatUtilityFleet(Fleet):
    """All heat utilities. Their units and the DC heat contracts are dispatched in one merit order per utility."""

    kind = "heat_utility"
    agent_class = HeatUtility

    def build(self, ctx: BuildContext, carbon_price_cny_per_t: float, contracts: list, dc_offer_mw: np.ndarray,
              price_forecast_cny_per_mwh: np.ndarray) -> None:
        """``contracts``: (buyer utility index, price) per heat_purchase; ``dc_offer_mw`` [steps, contracts]."""
        T, rec, n = ctx.steps, ctx.recorder, self.n
        self.dt_h = ctx.dt_h
        self.carbon_price = carbon_price_cny_per_t
        temp = np.asarray(ctx.weather.temp_c, dtype=float)
        demand = np.zeros((T, n))
        loss = np.zeros((T, n))
        for i, s in enumerate(self.specs):
            for net in s.networks:
                start = tuple(int(x) for x in net.season_start_md.split("-"))
                end = tuple(int(x) for x in net.season_end_md.split("-"))
                season = district_heat.in_heating_season(ctx.local_times, start, end)
                q = district_heat.space_heat_demand_mw(temp, net.floor_area_m2, net.design_load_w_per_m2,
                                                       net.design_temp_c, net.base_temp_c, season)
                demand[:, i] += q
                loss[:, i] += district_heat.network_loss_mw(q, net.loss_pu)
        units = [(i, u) for i, s in enumerate(self.specs) for u in s.units]
        owner = np.array([i for i, _ in units], dtype=int)
        kind = np.array([u.kind for _, u in units], dtype=str)
        eff = np.array([u.efficiency_pu for _, u in units], dtype=float)
        fuel_per_heat = np.where(np.isin(kind, _FUEL_KINDS), 1.0 / np.where(eff > 0, eff, 1.0), 0.0)
        fuel_cost_per_heat = fuel_per_heat * np.array([u.fuel_price_cny_per_mwh for _, u in units], dtype=float)
        co2_per_heat = fuel_per_heat * np.array([u.fuel_co2_t_per_mwh for _, u in units], dtype=float)
        chp_el_per_heat = np.where(kind == "chp", np.array([u.power_to_heat_ratio for _, u in units], dtype=float),
                                   0.0)
        el_per_heat = np.zeros((T, len(units)))
        ashp = kind == "air_source_heat_pump"
        if ashp.any():
            supply_c = np.array([max(net.supply_temp_c for net in self.specs[i].networks) for i, _ in units])[ashp]
            eta = np.array([u.carnot_efficiency for _, u in units])[ashp]
            cop = heat_pump.carnot_cop(temp[:, None], supply_c[None, :], eta[None, :])
            el_per_heat[:, ashp] = 1.0 / np.maximum(cop, 1.0)
        eboiler = kind == "electric_boiler"
        el_per_heat[:, eboiler] = 1.0 / eff[eboiler]

        # merit order for the horizon: contracts first (ties), then own units
        price = np.asarray(price_forecast_cny_per_mwh, dtype=float)[:, None]
        unit_cost = fuel_cost_per_heat + co2_per_heat * carbon_price_cny_per_t + price * (el_per_heat - chp_el_per_heat)
        self.contract_owner = np.array([c[0] for c in contracts], dtype=int)
        self.contract_price = np.array([c[1] for c in contracts], dtype=float)
        caps = np.hstack([dc_offer_mw, np.broadcast_to(np.array([u.capacity_mw for _, u in units], dtype=float),
                                                        (T, len(units)))])
        costs = np.hstack([np.broadcast_to(self.contract_price, (T, len(contracts))), unit_cost])
        dispatch, unserved = heat_merit_order(demand + loss, caps, costs, np.concatenate([self.contract_owner, owner]))
        k = len(contracts)
        self.dc_heat_mw = dispatch[:, :k]
        unit_heat = dispatch[:, k:]

        def per_utility(x: np.ndarray, who: np.ndarray) -> np.ndarray:
            out = np.zeros((T, n))
            for u in range(n):
                out[:, u] = x[:, who == u].sum(axis=1)
            return out

        self.el_in_mw = per_utility(unit_heat * el_per_heat, owner)
        self.chp_mw = per_utility(unit_heat * chp_el_per_heat, owner)
        fuel = per_utility(unit_heat * fuel_per_heat, owner)
        co2 = per_utility(unit_heat * co2_per_heat, owner) * self.dt_h
        production_cost = per_utility(unit_heat * fuel_cost_per_heat, owner) * self.dt_h + co2 * carbon_price_cny_per_t
        from_dc = per_utility(self.dc_heat_mw, self.contract_owner)
        need = demand + loss
        served_share = np.divide(need - unserved, need, out=np.ones_like(need), where=need > 0)
        self.delivered_mw = served_share * demand
        self.contract_payment = per_utility(self.dc_heat_mw * self.contract_price, self.contract_owner) * self.dt_h
        self.heat_price = self._param("heat_price_cny_per_mwh")
        self.loss_mw = loss

        self.record(rec, "heat_demand_mw", static=demand)
        self.record(rec, "heat_loss_mw", static=loss)
        self.from_dc = self.record(rec, "heat_from_dc_mw", static=from_dc)
        self.produced = self.record(rec, "heat_produced_mw", static=per_utility(unit_heat, owner))
        self.unserved = self.record(rec, "heat_unserved_mw", static=unserved)
        self.power_in = self.record(rec, "power_mw", static=self.el_in_mw - self.chp_mw)
        self.chp_out = self.record(rec, "chp_generation_mw", static=self.chp_mw)
        self.fuel = self.record(rec, "fuel_mw", static=fuel)
        self.co2_t = self.record(rec, "co2_t", static=co2)
        self.production_cost_cny = self.record(rec, "production_cost_cny", static=production_cost)
        self.cost_cny = self.record(rec, "cost_cny")
        self.revenue_cny = self.record(rec, "revenue_cny")
        unit_ids = [f"{self.ids[i]}.unit{j}_{u.kind}" for j, (i, u) in enumerate(units)]
        self.unit_heat = rec.agent_quantity("heat_unit", "heat_mw", unit_ids, static=unit_heat)
        self.unit_fuel_co2_per_heat = co2_per_heat
        # region totals used by the power market every step
        self.electric_load_mw = self.el_in_mw.sum(axis=1)
        self.chp_total_mw = self.chp_mw.sum(axis=1)

    # ---- phases -------------------------------------------------------------------------------------------

    def settle(self, start: int, stop: int, price: np.ndarray, chp_sold_mw: np.ndarray,
               sale_price: np.ndarray | None = None) -> None:
        """Money for steps [start, stop): electricity bought at ``price`` [CNY/MWh] (retail or wholesale, see
        markets.wholesale_buyers), CHP electricity sold at ``sale_price`` (the wholesale price; default ``price``);
        ``chp_sold_mw`` [steps] is the CHP electricity the market accepted (shared pro rata between utilities)."""
        sl = slice(start, stop)
        p = price[:, None]
        sale = p if sale_price is None else sale_price[:, None]
        total = self.chp_total_mw[sl][:, None]
        sold = np.divide(self.chp_mw[sl], total, out=np.zeros_like(self.chp_mw[sl]), where=total > 0) * chp_sold_mw[:, None]
        self.cost_cny[sl] = self.production_cost_cny[sl] + self.el_in_mw[sl] * p * self.dt_h + self.contract_payment[sl]
        self.revenue_cny[sl] = (self.delivered_mw[sl] * self.heat_price[None, :] + sold * sale) * self.dt_h

    def power_mw(self, step: int) -> np.ndarray:
        return self.power_in[step].copy()

    def heat_mw(self, step: int) -> np.ndarray:
        return self.produced[step] + self.from_dc[step]
