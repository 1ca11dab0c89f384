"""The grid operator: serves the non-DC demand, collects offers, clears the market, publishes price and CO2."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.clearing import MeritOrder
from agents.markets.demand import other_load_mw


class GridOperator(Actor):
    kind = "grid_operator"


class GridOperatorFleet(Fleet):
    kind = "grid_operator"
    agent_class = GridOperator

    def build(self, ctx: BuildContext) -> None:
        s = self.specs[0]
        load = other_load_mw(s.other_load_mean_mw, s.other_load_daily_swing_pu, s.other_load_cooling_mw_per_c,
                             s.other_load_heating_mw_per_c, ctx.hour_of_day, ctx.weather.temp_c)
        self.other_load = self.record(ctx.recorder, "other_load_mw", static=np.asarray(load, dtype=float)[:, None])
        self.revenue_cny = self.record(ctx.recorder, "revenue_cny")
        self.cost_cny = self.record(ctx.recorder, "cost_cny")
        self.dt_h = ctx.dt_h

    def open_market(self, markets, offer_price: np.ndarray, dispatchable: np.ndarray) -> None:
        """Fix the market rules and the (static) offer prices of the region's offers."""
        self.markets = markets
        self.market = MeritOrder(offer_price, dispatchable, rule=markets.clearing_rule,
                                 price_cap=markets.price_cap_cny_per_mwh, price_floor=markets.price_floor_cny_per_mwh,
                                 export_price=markets.exports.price_cny_per_mwh)

    def clear(self, load_mw: float, offer_mw: np.ndarray, reserve_base_mw: float, variant: int = 0):
        """Hold back the reserve and clear (agents.markets.clearing). ``variant``: which offer-price vector holds this
        step (import price profiles). Returns (accepted, wholesale price, export, unserved, reserve shortfall)."""
        m = self.markets
        return self.market.clear(load_mw, offer_mw, reserve_mw=m.reserve_requirement_pu * reserve_base_mw,
                                 export_mw_max=m.exports.capacity_mw, variant=variant)

    def settle(self, start: int, stop: int, *, retail, wholesale, dc_price, dc_grid_mw, heat_price,
               heat_electricity_mw, storage_charge_mw, storage_discharge_mw, export_mw, supply_income_cny_per_h, chp_sold_mw,
               import_cost_cny) -> None:
        """The operator is the counterparty of every grid transaction (single buyer and supplier of last resort).

        Revenue: non-DC consumers at the retail price, data centers' grid draw and heat utilities' electricity
        at their price (retail, or wholesale for market participants, ``markets.wholesale_buyers``), stand-alone
        battery charging at the wholesale price, exports at the export bid. Cost: what it pays sellers — plants and renewables (their
        income under the clearing rule), CHP electricity and battery discharge at the wholesale price, imports.
        Revenue − cost is the supplier's margin, a transfer (docs/model.md). Arrays per step [MW, CNY/MWh].
        """
        sl = slice(start, stop)
        dt = self.dt_h
        self.revenue_cny[sl, 0] = (self.other_load[sl, 0] * retail + dc_grid_mw * dc_price
                                   + heat_electricity_mw * heat_price + storage_charge_mw * wholesale
                                   + export_mw * self.markets.exports.price_cny_per_mwh) * dt
        self.cost_cny[sl, 0] = ((supply_income_cny_per_h + (chp_sold_mw + storage_discharge_mw) * wholesale) * dt
                                + import_cost_cny)

    def power_mw(self, step: int) -> np.ndarray:
        return self.other_load[step].copy()
