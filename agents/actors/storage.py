"""Batteries: stand-alone storage actors and the on-site batteries of data centers, stepped together."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets import flexibility
from agents.physics.storage import battery_step


class Storage(Actor):
    kind = "storage"


class StorageFleet(Fleet):
    """Every battery of the region. Units are the stand-alone storage actors followed by DC batteries."""

    kind = "storage"
    agent_class = Storage

    def __init__(self, model, specs, dc_specs):
        super().__init__(model, specs)
        self.dc_index = np.array([-1] * self.n + [i for i, d in enumerate(dc_specs) if d.battery is not None], dtype=int)
        self.batteries = [s.battery for s in specs] + [d.battery for d in dc_specs if d.battery is not None]
        self.unit_ids = self.ids + [d.id for d in dc_specs if d.battery is not None]
        self.m = len(self.batteries)

    def _bat(self, name: str) -> np.ndarray:
        return np.array([getattr(b, name) for b in self.batteries], dtype=float)

    def build(self, ctx: BuildContext, price_multiplier: np.ndarray, net_load_mw: np.ndarray) -> None:
        """Precompute each unit's request for the horizon. ``net_load_mw`` [steps, units] seen by each unit."""
        self.dt_h = ctx.dt_h
        self.e_max = self._bat("energy_capacity_mwh")
        self.p_max = self._bat("power_capacity_mw")
        self.eta_c = self._bat("eta_charge")
        self.eta_d = self._bat("eta_discharge")
        self.soc_mwh = self._bat("soc_initial_pu") * self.e_max
        strategy = np.array([b.strategy for b in self.batteries])
        tou = flexibility.tou_request_mw(price_multiplier, self.p_max)
        net = flexibility.net_load_request_mw(net_load_mw, self.p_max, round(24 / ctx.dt_h))
        self.request_mw = np.where((strategy == "tou")[None, :], tou, net) if self.m else np.zeros((ctx.steps, 0))
        rec = ctx.recorder
        self.power = rec.agent_quantity(self.kind, "battery_mw", self.unit_ids)
        self.soc = rec.agent_quantity(self.kind, "soc_mwh", self.unit_ids)
        self.series["battery_mw"] = (self.power, np.arange(self.m))
        self.series["soc_mwh"] = (self.soc, np.arange(self.m))
        self.revenue_cny = self.record(rec, "revenue_cny")
        self.cost_cny = self.record(rec, "cost_cny")

    # ---- phases -------------------------------------------------------------------------------------------

    def bid(self, t: int, discharge_limit_mw: np.ndarray | None = None) -> np.ndarray:
        """Feasible grid-side power per unit this step (+ charge / − discharge) without committing SOC."""
        request = self.request_mw[t]
        if discharge_limit_mw is not None:
            request = np.maximum(request, -discharge_limit_mw)
        power, _ = battery_step(self.soc_mwh, request, self.dt_h, self.e_max, self.p_max, self.eta_c, self.eta_d)
        return power

    def dispatch(self, t: int, power_mw: np.ndarray) -> None:
        """Commit ``power_mw`` (a feasible bid, possibly scaled down) and advance the state of charge."""
        power, soc_next = battery_step(self.soc_mwh, power_mw, self.dt_h, self.e_max, self.p_max,
                                       self.eta_c, self.eta_d)
        self.soc_mwh = soc_next
        self.power[t] = power
        self.soc[t] = soc_next

    def settle(self, t: int, price_cny_per_mwh: float) -> None:
        p = self.power[t, : self.n]
        self.cost_cny[t] = np.maximum(p, 0.0) * price_cny_per_mwh * self.dt_h
        self.revenue_cny[t] = np.maximum(-p, 0.0) * price_cny_per_mwh * self.dt_h

    def agent_values(self, index: int, step: int) -> dict[str, float]:
        return {name: float(arr[step, index]) for name, (arr, _) in self.series.items()}

    def dc_battery_mw(self, t: int, n_dc: int) -> np.ndarray:
        out = np.zeros(n_dc)
        out[self.dc_index[self.n:]] = self.power[t, self.n:]
        return out

    def power_mw(self, step: int) -> np.ndarray:
        return self.power[step, : self.n].copy()
