"""The grid operator: serves the non-DC demand, collects offers, clears the market, publishes price and CO2."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets import clearing
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

    def clear(self, rule: str, load_mw: float, offer_mw, offer_price, dispatchable, *, reserve_mw: float,
              price_cap: float, price_floor: float, export_mw_max: float, export_price: float,
              tariff_price: float):
        """Hold back reserve, then clear under ``rule`` (agents.markets.clearing). Returns (Clearing, shortfall)."""
        offers, shortfall = clearing.hold_reserve(offer_mw, offer_price, dispatchable, reserve_mw)
        result = clearing.clear(rule, load_mw, offers, offer_price, price_cap=price_cap, price_floor=price_floor,
                                export_mw_max=export_mw_max, export_price=export_price, tariff_price=tariff_price)
        return result, shortfall

    def power_mw(self, step: int) -> np.ndarray:
        return self.other_load[step].copy()
