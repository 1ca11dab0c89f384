"""Batteries: stand-alone storage actors and the on-site batteries of data centers, stepped together."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.markets import flexibility
from agents.physics.storage import battery_step


class Storage(Actor):
    kind = "storage"


class StorageFleet(Fleet):
    """Every battery of the region. Units are the stand-alone storage actors followed by DC batteries.

    Requests come from each unit's strategy (agents.markets.flexibility), precomputed for the horizon;
    the state of charge is the dynamic state advanced every step.
    """

    kind = "storage"
    agent_class = Storage

    def __init__(self, model, specs, dc_specs):
        super().__init__(model, specs)
        dc_units = [i for i, d in enumerate(dc_specs) if d.battery is not None]
        self.dc_index = np.array(dc_units, dtype=int)
        self.batteries = [s.battery for s in specs] + [dc_specs[i].battery for i in dc_units]
        self.unit_ids = self.ids + [dc_specs[i].id for i in dc_units]
        self.m = len(self.batteries)

    def owner_index(self, dc_position: dict[str, int]) -> np.ndarray:
        """Index of the data center owning each unit [units]: a storage actor's ``owner_id`` (−1 if none), and
        for on-site DC batteries their data center."""
        own = [dc_position[s.owner_id] if s.owner_id is not None else -1 for s in self.specs]
        return np.array(own + [int(i) for i in self.dc_index], dtype=int)

    def _bat(self, name: str) -> np.ndarray:
        return np.array([getattr(b, name) for b in self.batteries], dtype=float)

    def build(self, ctx: BuildContext, price_multiplier: np.ndarray, net_load_mw: np.ndarray,
              dc_behind_meter_mw: np.ndarray) -> None:
        """``net_load_mw(units)`` → [steps, units]: net load the strategy of those units sees; ``dc_behind_meter_mw`` [steps, DC
        units]: on-site load a DC battery may discharge into at most (no export from DC batteries)."""
        self.dt_h = ctx.dt_h
        self.e_max = self._bat("energy_capacity_mwh")
        self.p_max = self._bat("power_capacity_mw")
        self.eta_c = self._bat("eta_charge")
        self.eta_d = self._bat("eta_discharge")
        self.soc_mwh = self._bat("soc_initial_pu") * self.e_max
        self.soc_initial_mwh = self.soc_mwh.copy()
        strategy = np.array([b.strategy for b in self.batteries], dtype=str)
        request = flexibility.tou_request_mw(price_multiplier, self.p_max)
        net_units = np.flatnonzero(strategy == "net_load")
        if net_units.size:
            request[:, net_units] = flexibility.net_load_request_mw(net_load_mw(net_units), self.p_max[net_units],
                                                                    round(24 / ctx.dt_h))
        np.maximum(request[:, self.n:], -dc_behind_meter_mw, out=request[:, self.n:])
        self.request_mw = request
        rec = ctx.recorder
        self.power = rec.agent_quantity(self.kind, "battery_mw", self.unit_ids)
        self.soc = rec.agent_quantity(self.kind, "soc_mwh", self.unit_ids)
        self.series["battery_mw"] = (self.power, np.arange(self.m))
        self.series["soc_mwh"] = (self.soc, np.arange(self.m))
        self.revenue_cny = self.record(rec, "revenue_cny")
        self.cost_cny = self.record(rec, "cost_cny")

    # ---- phases -------------------------------------------------------------------------------------------

    def bid(self, t: int):
        """Feasible grid-side power per unit this step (+ charge / − discharge) and the SOC it would lead to."""
        return battery_step(self.soc_mwh, self.request_mw[t], self.dt_h, self.e_max, self.p_max, self.eta_c,
                            self.eta_d)

    def rebid(self, power_mw: np.ndarray):
        """Re-apply a reduced request (e.g. discharge scaled down) from the current SOC."""
        return battery_step(self.soc_mwh, power_mw, self.dt_h, self.e_max, self.p_max, self.eta_c, self.eta_d)

    def dispatch(self, t: int, power_mw: np.ndarray, soc_next_mwh: np.ndarray) -> None:
        """Commit the step's power and state of charge."""
        self.soc_mwh = soc_next_mwh
        self.power[t] = power_mw
        self.soc[t] = soc_next_mwh

    def settle(self, start: int, stop: int, price: np.ndarray) -> None:
        p = self.power[start:stop, : self.n]
        self.cost_cny[start:stop] = np.maximum(p, 0.0) * price[:, None] * self.dt_h
        self.revenue_cny[start:stop] = np.maximum(-p, 0.0) * price[:, None] * self.dt_h

    def agent_values(self, index: int, step: int) -> dict[str, float]:
        return {name: float(arr[step, index]) for name, (arr, _) in self.series.items()}

    def power_mw(self, step: int) -> np.ndarray:
        return self.power[step, : self.n].copy()
