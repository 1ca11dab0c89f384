"""Cold storage of the data centers in the run: each day's plan shifts chiller power (agents.strategies.dc_cooling).

A data center with ``cold_storage`` (``ColdStorageSpec``) plans its tank at each day's first step, after its
workload plan of the day: from the day's published day-ahead price forecast at the price it pays (wholesale for
market participants, else the retail price of it; ``RegionModel._dc_price_of``), its planned IT power (cooling
load ``Q = P_it`` [MW_th]) and its cooling electricity ``P_cool = P_fac · cooling_share(PUE)``
(``dc_cooling.cooling_power_mw``), ``schedule_cold_storage`` decides charge / discharge per step; the change of
chiller power ``ΔP_cool`` [MW] (``chiller_shift_mw``) is added to the DC's facility power, so its grid draw and
the region's load follow. Nothing of a later day is read; the tank's state of charge is carried from day to day.
With no DC holding cold storage nothing here runs or is recorded.
"""

from __future__ import annotations

import numpy as np

from agents.strategies.dc_cooling import cooling_power_mw, schedule_cold_storage


class DataCenterColdStorage:
    """The cold stores of the DCs that have one (``members``): tank state, the day plans and their series."""

    def __init__(self, fleet, rec, steps: int, dt_h: float) -> None:
        self.fleet, self.dt_h = fleet, dt_h
        self.members = np.array([i for i, s in enumerate(fleet.specs) if getattr(s, "cold_storage", None) is not None],
                                dtype=int)
        self.active = bool(self.members.size)
        self.pos = np.full(fleet.n, -1)
        self.pos[self.members] = np.arange(self.members.size)
        if not self.active:
            return
        specs = [fleet.specs[i].cold_storage for i in self.members]
        self.specs = specs
        self.capacity_mwh_th = np.array([c.capacity_mwh_th for c in specs], dtype=float)
        f = lambda name: np.array([getattr(c, name) for c in specs], dtype=float)  # noqa: E731
        self.charge_max_mw_th, self.discharge_max_mw_th = f("charge_mw_th"), f("discharge_mw_th")
        self.loss_pu_per_h = f("loss_pu_per_h")
        self._group()
        self.soc_mwh_th = np.array([c.soc_initial_pu for c in specs], dtype=float) * self.capacity_mwh_th
        self.soc_initial_mwh_th = self.soc_mwh_th.copy()
        m = self.members.size
        self.shift_mw = fleet.record(rec, "chiller_shift_mw", static=np.zeros((steps, m)), members=self.members)
        self.soc_series = fleet.record(rec, "cold_storage_soc_mwh_th", static=np.zeros((steps, m)),
                                       members=self.members)  # stored cold at the end of each step
        self.charge_mw_th = fleet.record(rec, "cold_storage_charge_mw_th", static=np.zeros((steps, m)),
                                         members=self.members)
        self.discharge_mw_th = fleet.record(rec, "cold_storage_discharge_mw_th", static=np.zeros((steps, m)),
                                            members=self.members)
        self.loss_mw_th = np.zeros((steps, m))
        fleet.decision_series = (*fleet.decision_series, "chiller_shift_mw", "cold_storage_soc_mwh_th")  # Mesa agents

    def _group(self) -> None:
        """Members sharing the rule's scalars plan together (vectorised), in a deterministic order."""
        rules: dict[tuple, list[int]] = {}
        for j, c in enumerate(self.specs):
            rules.setdefault((c.charge_quantile, c.discharge_quantile, c.min_spread_pu), []).append(j)
        self.groups = [(k, np.array(v, dtype=int)) for k, v in sorted(rules.items())]

    def apply_spec(self, index: int, spec) -> None:
        """A run-time decision (agents.decisions): DC ``index``'s cold store plans with ``spec``'s rule
        (``charge_quantile``, ``discharge_quantile``, ``min_spread_pu``) from the next day's plan on; the tank
        (capacity, flows, loss) and its stored cold stay as they are."""
        j = int(self.pos[index])
        if j < 0 or spec is None:
            raise ValueError(f"data center {index} has no cold store")
        self.specs[j] = spec
        self._group()

    def plan_day(self, a: int, z: int, price_cny_per_mwh: np.ndarray) -> None:
        """Plan steps [a, z) of every cold store from ``price_cny_per_mwh`` [z − a] (the price the DCs pay, from
        the published forecast) and the DCs' planned IT and facility power; facility power gets ``ΔP_cool``."""
        fleet, mem = self.fleet, self.members
        it = fleet.it_mw[a:z, mem]
        base = fleet.facility_mw[a:z, mem] - self.shift_mw[a:z]  # facility without this tank
        chillers = base.copy()  # facility before the cooling a heat pump saves: the chillers' own COP
        pos = fleet.hr_position[mem]
        has = pos >= 0
        if has.any() and hasattr(fleet, "cooling_saved_mw"):
            chillers[:, has] += fleet.cooling_saved_mw[a:z, pos[has]]
        delta, ch, dis, loss = (np.zeros_like(it) for _ in range(4))
        soc = np.empty((z - a + 1, mem.size))
        price = np.asarray(price_cny_per_mwh, dtype=float)
        for (q_ch, q_dis, spread), cols in self.groups:
            plan = schedule_cold_storage(
                it[:, cols], cooling_power_mw(chillers[:, cols], it[:, cols]), price, self.dt_h, self.soc_mwh_th[cols],
                capacity_mwh_th=self.capacity_mwh_th[cols], charge_mw_th=self.charge_max_mw_th[cols],
                discharge_mw_th=self.discharge_max_mw_th[cols], loss_pu_per_h=self.loss_pu_per_h[cols],
                charge_quantile=q_ch, discharge_quantile=q_dis, min_spread_pu=spread)
            delta[:, cols], ch[:, cols], dis[:, cols] = plan.delta_power_mw, plan.charge_mw_th, plan.discharge_mw_th
            loss[:, cols], soc[:, cols] = plan.loss_mw_th, plan.soc_mwh_th
        fleet.facility_mw[a:z, mem] = base + delta
        self.shift_mw[a:z] = delta
        self.charge_mw_th[a:z] = ch
        self.discharge_mw_th[a:z] = dis
        self.loss_mw_th[a:z] = loss
        self.soc_series[a:z] = soc[1:]
        self.soc_mwh_th = soc[-1].copy()

    def reapply(self, a: int, z: int, members: np.ndarray) -> None:
        """After ``DataCenterFleet._refresh`` re-computed the facility power of ``members`` for steps [a, z): add
        the planned chiller shift of those that have a cold store back."""
        pos = self.pos[members]
        has = pos >= 0
        if has.any():
            self.fleet.facility_mw[a:z, members[has]] += self.shift_mw[a:z, pos[has]]

    def shift_of(self, a: int, z: int, members: np.ndarray) -> np.ndarray:
        """Planned chiller shift [z − a, members] [MW] (zero for members without a cold store)."""
        out = np.zeros((z - a, members.size))
        pos = self.pos[members]
        has = pos >= 0
        out[:, has] = self.shift_mw[a:z, pos[has]]
        return out

    def totals(self, stop: int, price_cny_per_mwh: np.ndarray) -> dict[str, np.ndarray]:
        """Per member over steps [0, stop): cold delivered from the tank [MWh_th] and the energy cost saved
        ``−Σ ΔP_cool · price · dt`` [CNY] at ``price_cny_per_mwh`` [steps] (the price the DCs paid)."""
        dt = self.dt_h
        return {"shifted_mwh_th": self.discharge_mw_th[:stop].sum(axis=0) * dt,
                "saving_cny": -(self.shift_mw[:stop] * np.asarray(price_cny_per_mwh, dtype=float)[:stop, None]).sum(
                    axis=0) * dt}
