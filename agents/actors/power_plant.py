"""Dispatchable power plants (coal, gas, hydro, nuclear, …): offers with minimum load, ramps and outages."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.availability import forced_outage_availability
from agents.markets.clearing import offer_price_with_carbon


class PowerPlant(Actor):
    kind = "power_plant"


class PowerPlantFleet(Fleet):
    kind = "power_plant"
    agent_class = PowerPlant

    def build(self, ctx: BuildContext, carbon_price_cny_per_t: float) -> None:
        self.dt_h = ctx.dt_h
        self.cap = self._param("capacity_mw")
        self.min_pu = self._param("min_load_pu")
        self.ramp_mw = self._param("ramp_pu_per_h") * self.cap * ctx.dt_h
        self.mc = self._param("marginal_cost_cny_per_mwh")
        self.co2 = self._param("co2_t_per_mwh")
        self.carbon_price = carbon_price_cny_per_t
        self.offer_price = offer_price_with_carbon(self.mc, self.co2, carbon_price_cny_per_t)
        uniforms = ctx.rng.random((ctx.steps, self.n))
        avail = forced_outage_availability(uniforms, self._param("forced_outage_rate_pu"),
                                           self._param("mean_outage_h"), ctx.dt_h)
        rec = ctx.recorder
        self.available_mw = self.record(rec, "available_mw", static=avail * self.cap[None, :])
        self.power = self.record(rec, "generation_mw")
        self.revenue_cny = self.record(rec, "revenue_cny")
        self.cost_cny = self.record(rec, "cost_cny")
        self.co2_t = self.record(rec, "co2_t")

    def offer(self, t: int):
        """Must-run (minimum-load) and flexible quantities this step, within ramp limits [MW]."""
        avail = self.available_mw[t]
        if t == 0:
            hi, lo_ramp = avail, np.zeros(self.n)
        else:
            prev = self.power[t - 1]
            hi = np.minimum(avail, prev + self.ramp_mw)
            lo_ramp = np.maximum(prev - self.ramp_mw, 0.0)
        lo = np.minimum(np.maximum(self.min_pu * avail, lo_ramp), hi)
        return lo, hi - lo

    def dispatch(self, t: int, power_mw: np.ndarray) -> None:
        """Commit the accepted output (its ramp state for the next step)."""
        self.power[t] = power_mw

    def settle(self, start: int, stop: int, income_cny_per_h: np.ndarray) -> None:
        """Money and CO2 for steps [start, stop); ``income_cny_per_h`` [steps, plants] = Σ accepted × paid."""
        sl = slice(start, stop)
        power = self.power[sl]
        co2 = power * self.co2 * self.dt_h
        self.co2_t[sl] = co2
        self.revenue_cny[sl] = income_cny_per_h * self.dt_h
        self.cost_cny[sl] = power * self.mc * self.dt_h + co2 * self.carbon_price

    def power_mw(self, step: int) -> np.ndarray:
        return -self.power[step]
