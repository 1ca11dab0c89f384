"""Renewable plants: PV (pvlib) and wind (windpowerlib power curves), precomputed for the horizon."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets.offer_book import RENEWABLE


class RenewablePlant(Actor):
    kind = "renewable_plant"


class RenewablePlantFleet(Fleet):
    kind = "renewable_plant"
    agent_class = RenewablePlant
    decision_series = ("accepted_mw",)

    def build(self, ctx: BuildContext, wind_pu) -> None:
        """``wind_pu(spec)`` → [steps] wind output per unit of nameplate of that farm (its own correlated series,
        density-corrected; RegionModel._wind_cache). PV and wind use the plant's ``weather_site`` (default: the
        region's)."""
        self.dt_h = ctx.dt_h
        self.mc = self._param("marginal_cost_cny_per_mwh")
        avail = np.empty((ctx.steps, self.n))
        for i, s in enumerate(self.specs):
            pu = (ctx.pv_pu(s.lat, s.lon, s.tilt_deg, s.azimuth_deg, site=s.weather_site) if s.technology == "pv"
                  else wind_pu(s))
            avail[:, i] = pu * s.capacity_mw
        rec = ctx.recorder
        self.available_mw = self.record(rec, "available_mw", static=avail)
        self.power = self.record(rec, "generation_mw")
        self.curtailed = self.record(rec, "curtailed_mw")
        self.revenue_cny = self.record(rec, "revenue_cny")

    def owner_index(self, dc_position: dict[str, int]) -> np.ndarray:
        """Index of the data center owning each plant (``owner_id``), −1 where none does [plants]."""
        return np.array([dc_position[s.owner_id] if s.owner_id is not None else -1 for s in self.specs], dtype=int)

    def register(self, book) -> None:
        """One block ``res``: each plant's available output at its marginal cost (curtailable, never withheld)."""
        self.block = book.add("res", price=self.mc, priority=RENEWABLE)
        self.decisions["accepted_mw"] = (lambda a, z: book.accepted_between(self.block, a, z), np.arange(self.n))

    def bid(self, t: int, book, signals) -> None:
        book.offer(self.block, self.available_mw[t])

    def settle(self, start: int, stop: int, prices) -> None:
        """Output, curtailment and revenue for steps [start, stop) from the accepted offers [steps, plants]."""
        accepted_mw, paid = prices.accepted(self.block), prices.paid(self.block)
        sl = slice(start, stop)
        self.power[sl] = accepted_mw
        self.curtailed[sl] = self.available_mw[sl] - accepted_mw
        self.revenue_cny[sl] = accepted_mw * paid * self.dt_h

    def power_mw(self, step: int) -> np.ndarray:
        return -self.power[step]
