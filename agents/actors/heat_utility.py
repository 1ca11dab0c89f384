"""Heat utilities: district-heating networks supplied by DC heat (contracts), boilers, CHP and heat pumps."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.heat import heat_merit_order
from agents.physics import district_heat, heat_pump

_FUEL_KINDS = ("gas_boiler", "coal_boiler", "chp")


class HeatUtility(Actor):
    kind = "heat_utility"


class HeatUtilityFleet(Fleet):
    """All heat utilities. Units of all utilities and the DC heat contracts are dispatched in one merit order."""

    kind = "heat_utility"
    agent_class = HeatUtility

    def build(self, ctx: BuildContext, carbon_price_cny_per_t: float, contracts: list) -> None:
        """``contracts``: (dc hr position, buyer utility index, price) per heat_purchase contract."""
        T, rec = ctx.steps, ctx.recorder
        self.dt_h = ctx.dt_h
        self.carbon_price = carbon_price_cny_per_t
        temp = np.asarray(ctx.weather.temp_c, dtype=float)
        demand = np.zeros((T, self.n))
        loss = np.zeros((T, self.n))
        for i, s in enumerate(self.specs):
            for net in s.networks:
                start = tuple(int(x) for x in net.season_start_md.split("-"))
                end = tuple(int(x) for x in net.season_end_md.split("-"))
                season = district_heat.in_heating_season(ctx.local_times, start, end)
                q = district_heat.space_heat_demand_mw(temp, net.floor_area_m2, net.design_load_w_per_m2,
                                                       net.design_temp_c, net.base_temp_c, season)
                demand[:, i] += q
                loss[:, i] += district_heat.network_loss_mw(q, net.loss_pu)
        self.need_mw = demand + loss
        self.loss_mw = loss
        units = [(i, u) for i, s in enumerate(self.specs) for u in s.units]
        self.unit_owner = np.array([i for i, _ in units], dtype=int)
        kind = np.array([u.kind for _, u in units])
        eff = np.array([u.efficiency_pu for _, u in units])
        self.unit_cap = np.array([u.capacity_mw for _, u in units])
        fuel = np.isin(kind, _FUEL_KINDS)
        self.fuel_per_heat = np.where(fuel, 1.0 / eff, 0.0) if units else np.zeros(0)
        fuel_price = np.array([u.fuel_price_cny_per_mwh for _, u in units])
        fuel_co2 = np.array([u.fuel_co2_t_per_mwh for _, u in units])
        self.fuel_cost_per_heat = self.fuel_per_heat * fuel_price
        self.co2_per_heat = self.fuel_per_heat * fuel_co2
        self.chp_el_per_heat = np.where(kind == "chp", [u.power_to_heat_ratio for _, u in units], 0.0) if units \
            else np.zeros(0)
        supply_c = np.array([max(n.supply_temp_c for n in self.specs[i].networks) for i, _ in units])
        ashp = kind == "air_source_heat_pump"
        el = np.zeros((T, len(units)))
        if ashp.any():
            cop = heat_pump.carnot_cop(temp[:, None], supply_c[ashp][None, :],
                                       np.array([u.carnot_efficiency for _, u in units])[ashp][None, :])
            el[:, ashp] = 1.0 / np.maximum(cop, 1.0)
        el[:, kind == "electric_boiler"] = 1.0 / eff[kind == "electric_boiler"]
        self.el_per_heat = el
        self.static_cost = self.fuel_cost_per_heat + self.co2_per_heat * carbon_price_cny_per_t
        self.heat_price = self._param("heat_price_cny_per_mwh")
        self.contract_hr = np.array([c[0] for c in contracts], dtype=int)
        self.contract_owner = np.array([c[1] for c in contracts], dtype=int)
        self.contract_price = np.array([c[2] for c in contracts], dtype=float)
        self.owner_all = np.concatenate([self.contract_owner, self.unit_owner])
        self.record(rec, "heat_demand_mw", static=demand)
        self.record(rec, "heat_loss_mw", static=loss)
        self.from_dc = self.record(rec, "heat_from_dc_mw")
        self.produced = self.record(rec, "heat_produced_mw")
        self.unserved = self.record(rec, "heat_unserved_mw")
        self.power_in = self.record(rec, "power_mw")
        self.chp_out = self.record(rec, "chp_generation_mw")
        self.fuel = self.record(rec, "fuel_mw")
        self.co2_t = self.record(rec, "co2_t")
        self.cost_cny = self.record(rec, "cost_cny")
        self.production_cost_cny = self.record(rec, "production_cost_cny")
        self.revenue_cny = self.record(rec, "revenue_cny")
        unit_ids = [f"{self.ids[i]}.unit{k}_{u.kind}" for k, (i, u) in enumerate(units)]
        self.unit_heat = rec.agent_quantity("heat_unit", "heat_mw", unit_ids)
        self._plan = None

    # ---- phases -------------------------------------------------------------------------------------------

    def plan(self, t: int, expected_price: float, dc_offer_mw: np.ndarray):
        """Merit-order heat dispatch for step t with the expected electricity price [CNY/MWh].

        ``dc_offer_mw`` [contracts] heat each contracted DC can deliver. Returns (contract heat [MW],
        electricity drawn [MW] total, CHP electricity [MW] total). The plan is committed in ``dispatch``.
        """
        el = self.el_per_heat[t]
        unit_cost = self.static_cost + expected_price * (el - self.chp_el_per_heat)
        cap = np.concatenate([dc_offer_mw, self.unit_cap])
        cost = np.concatenate([self.contract_price, unit_cost])
        dispatch, unserved = heat_merit_order(self.need_mw[t], cap, cost, self.owner_all)
        k = self.contract_hr.size
        dc_heat, unit_heat = dispatch[:k], dispatch[k:]
        self._plan = (dc_heat, unit_heat, unserved)
        return dc_heat, float(unit_heat @ el), float(unit_heat @ self.chp_el_per_heat)

    def dispatch(self, t: int, price: float) -> None:
        """Commit the planned dispatch and settle it at the cleared electricity price [CNY/MWh]."""
        dc_heat, unit_heat, unserved = self._plan
        n, dt = self.n, self.dt_h
        own = self.unit_owner
        el_in = np.bincount(own, unit_heat * self.el_per_heat[t], n)
        chp = np.bincount(own, unit_heat * self.chp_el_per_heat, n)
        fuel = np.bincount(own, unit_heat * self.fuel_per_heat, n)
        fuel_cost = np.bincount(own, unit_heat * self.fuel_cost_per_heat, n)
        co2 = np.bincount(own, unit_heat * self.co2_per_heat, n) * dt
        from_dc = np.bincount(self.contract_owner, dc_heat, n)
        paid_dc = np.bincount(self.contract_owner, dc_heat * self.contract_price, n)
        need = self.need_mw[t]
        served_share = np.divide(need - unserved, need, out=np.ones(n), where=need > 0)
        delivered = served_share * (need - self.loss_mw[t])
        self.unit_heat[t] = unit_heat
        self.from_dc[t] = from_dc
        self.produced[t] = np.bincount(own, unit_heat, n)
        self.unserved[t] = unserved
        self.power_in[t] = el_in - chp
        self.chp_out[t] = chp
        self.fuel[t] = fuel
        self.co2_t[t] = co2
        self.production_cost_cny[t] = fuel_cost * dt + co2 * self.carbon_price
        self.cost_cny[t] = self.production_cost_cny[t] + (el_in * price + paid_dc) * dt
        self.revenue_cny[t] = (delivered * self.heat_price + chp * price) * dt

    def power_mw(self, step: int) -> np.ndarray:
        return self.power_in[step].copy()

    def heat_mw(self, step: int) -> np.ndarray:
        return self.produced[step] + self.from_dc[step]
