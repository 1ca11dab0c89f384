"""Dispatchable power plants (coal, gas, hydro, nuclear, …): day-ahead commitment, offers with minimum load,
ramps and outages."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets import commitment
from agents.markets.availability import forced_outage_availability
from agents.markets.clearing import offer_price_with_carbon
from agents.markets.offer_book import DISPATCHABLE, MUST_RUN
from agents.physics.district_heat import in_heating_season


class PowerPlant(Actor):
    kind = "power_plant"


class PowerPlantFleet(Fleet):
    kind = "power_plant"
    agent_class = PowerPlant
    decision_series = ("generation_mw",)

    def build(self, ctx: BuildContext, carbon_price_cny_per_t: float) -> None:
        self.dt_h = ctx.dt_h
        self.steps = ctx.steps
        self.cap = self._param("capacity_mw")
        self.min_pu = self._param("min_load_pu")
        self.ramp_mw = self._param("ramp_pu_per_h") * self.cap * ctx.dt_h
        self.mc = self._param("marginal_cost_cny_per_mwh")
        self.co2 = self._param("co2_t_per_mwh")
        self.carbon_price = carbon_price_cny_per_t
        self.offer_price = offer_price_with_carbon(self.mc, self.co2, carbon_price_cny_per_t)
        self.start_cost_cny = self._param("start_up_cost_cny_per_mw") * self.cap
        self.units = commitment.CommitmentUnits.of(
            self.cap, self.min_pu, self.offer_price, self.start_cost_cny,
            np.ceil(self._param("min_up_h") / ctx.dt_h - 1e-9).astype(int),
            np.ceil(self._param("min_down_h") / ctx.dt_h - 1e-9).astype(int),
            np.array([s.commitment == "must_run" for s in self.specs], dtype=bool))
        self.must_run_steps = np.zeros((ctx.steps, self.n), dtype=bool)  # seasonal must-run calendar
        for i, s in enumerate(self.specs):
            if s.must_run_season_md:
                start, end = (tuple(int(x) for x in md.split("-")) for md in s.must_run_season_md)
                self.must_run_steps[:, i] = in_heating_season(ctx.local_times, start, end)
        uniforms = ctx.rng.random((ctx.steps, self.n))
        avail = forced_outage_availability(uniforms, self._param("forced_outage_rate_pu"),
                                           self._param("mean_outage_h"), ctx.dt_h)
        rec = ctx.recorder
        self.available_mw = self.record(rec, "available_mw", static=avail * self.cap[None, :])
        self.power = self.record(rec, "generation_mw")
        self.revenue_cny = self.record(rec, "revenue_cny")
        self.cost_cny = self.record(rec, "cost_cny")
        self.co2_t = self.record(rec, "co2_t")
        # commitment results (bool arrays set by commit(); the build recomputes them on restore), recorded as
        # series computed on demand
        self.commit(np.ones((ctx.steps, self.n), dtype=bool))  # until the operator commits (RegionModel)
        self.derive(rec, "online_pu", lambda a, z: self.online[a:z].astype(float))
        self.derive(rec, "start_up_cost_cny", self.start_up_cost_cny)

    def commit(self, committed: np.ndarray) -> None:
        """Fix the day-ahead commitment [steps, plants] (bool). A unit is online when committed and available;
        online units offer, off units offer nothing; each start costs ``start_up_cost_cny_per_mw × capacity``
        (a unit that returns from a forced outage starts again)."""
        self.online = np.asarray(committed, dtype=bool) & (self.available_mw > 0.0)
        self.starts = commitment.start_ups(self.online)

    def start_up_cost_cny(self, start: int, stop: int) -> np.ndarray:
        """Start-up costs [CNY] of steps [start, stop) per plant."""
        return np.where(self.starts[start:stop], self.start_cost_cny[None, :], 0.0)

    def plan(self, net_load_forecast_mw: np.ndarray, reserve_forecast_mw: np.ndarray, margin_mw: np.ndarray,
             steps_per_day: int, other_mw: np.ndarray, other_price_cny_per_mwh: np.ndarray) -> None:
        """Day-ahead commitment of every plant (agents.markets.commitment) from the forecast windows
        [days, window] published before each day; a unit on forced outage at gate closure (the last step of the
        previous day) is left out for the day; ``must_run_season_md`` plants are must-run in their season.
        ``margin_mw`` [days]: forecast-error allowance; ``other_mw`` [days, window, k]: supply needing no
        commitment (imports) at ``other_price_cny_per_mwh`` [k]."""
        days = net_load_forecast_mw.shape[0]
        gate = np.clip(np.arange(days) * steps_per_day - 1, 0, self.steps - 1)
        seasonal = self.must_run_steps if self.must_run_steps.any() else None
        committed = commitment.commit_horizon(
            net_load_forecast_mw, reserve_forecast_mw, self.available_mw[gate], self.units, steps_per_day,
            self.steps, self.dt_h, margin_mw=margin_mw, other_mw=other_mw,
            other_price_cny_per_mwh=other_price_cny_per_mwh, must_run_steps=seasonal)
        self.commit(committed)

    def register(self, book) -> None:
        """Two blocks per plant: its minimum load (``must``, at the price floor, never withheld) and its flexible
        headroom (``flex``, at marginal cost + carbon, reserve is held back from it)."""
        self.must_block = book.add("must", price=np.full(self.n, book.price_floor_cny_per_mwh), co2_t_per_mwh=self.co2,
                                   priority=MUST_RUN)
        self.flex_block = book.add("flex", price=self.offer_price, dispatchable=True, co2_t_per_mwh=self.co2,
                                   priority=DISPATCHABLE)

    def bid(self, t: int, book, signals) -> None:
        must, flex = self.offer(t)
        book.offer(self.must_block, must)
        book.offer(self.flex_block, flex)

    def offer(self, t: int):
        """Must-run (minimum-load) and flexible quantities this step, within ramp limits [MW]; nothing when off."""
        avail = self.available_mw[t] * self.online[t]
        if t == 0:
            hi, lo_ramp = avail, np.zeros(self.n)
        else:
            prev = self.power[t - 1]
            hi = np.minimum(avail, prev + self.ramp_mw)
            lo_ramp = np.maximum(prev - self.ramp_mw, 0.0)
        lo = np.minimum(np.maximum(self.min_pu * avail, lo_ramp), hi)
        return lo, hi - lo

    def dispatch(self, t: int, book) -> None:
        """Commit the accepted output (its ramp state for the next step)."""
        self.power[t] = book.accepted(self.must_block) + book.accepted(self.flex_block)
        self.decided_step = t

    def settle(self, start: int, stop: int, prices) -> None:
        """Money and CO2 for steps [start, stop); income [steps, plants] = Σ accepted × paid over both blocks.
        Cost = fuel/variable cost + carbon + start-up costs of the starts in these steps."""
        income_cny_per_h = prices.income(self.must_block) + prices.income(self.flex_block)
        sl = slice(start, stop)
        power = self.power[sl]
        co2 = power * self.co2 * self.dt_h
        self.co2_t[sl] = co2
        self.revenue_cny[sl] = income_cny_per_h * self.dt_h
        self.cost_cny[sl] = (power * self.mc * self.dt_h + co2 * self.carbon_price
                             + self.start_up_cost_cny(start, stop))

    def power_mw(self, step: int) -> np.ndarray:
        return -self.power[step]
