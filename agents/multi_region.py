"""MultiRegionModel: several regions stepped in lock-step, with data-center work moving between them on links.

Each region is an ordinary RegionModel (its own weather, grid, market, prices and published signals; its seed
derived from the scenario's, ``region_seed``). Every step runs, for all regions, the first phase (decisions,
the operator's publication, every fleet's observe — the data centers' own day plans at a day's first step),
then at a day's first step the coordinator plans the day's migration from the regions' published day-ahead
forecasts of that day only (agents.strategies.migration.plan_migration) and moves the work (the DCs' IT
power, facility power and each region's load follow, DataCenterFleet.apply_migration), then the other
phases of every region (bid, clear, dispatch, record). People's decisions (actors of any region, DR
aggregators, the ``migration`` parameters) and the system's decision points: agents.multi_region_decisions.
docs/model.md "Several regions".

The read side offers what the CLI and the web use of a RegionModel: ``step_index``, ``total_steps``,
``run``, ``step``, ``kpis``, ``describe``, ``region_frame``, ``agent_state``, ``series_table``.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable

import mesa
import numpy as np

from agents import units
from agents.frequency_study import SERIES as FREQUENCY_SERIES
from agents.model import REGION_QUANTITIES, RegionModel
from agents.multi_region_decisions import MultiRegionDecisionBook
from agents.multi_region_scenario import MultiRegionScenario
from agents.strategies.migration import (
    WORK_CLASS_OF_WORKLOAD,
    WORK_CLASSES,
    migration_signal,
    plan_migration,
    share_out,
)

LINK_QUANTITIES = ("moved_mw", "arrived_mw")
# region series summed over the regions (powers, CO2, money) and load-weighted (prices, intensities, shares):
# the whole system under the single-region names, so views made for one region show the total
SUMMED_QUANTITIES = tuple(q for q in REGION_QUANTITIES if q.endswith(("_mw", "_t", "_cny"))
                          and q not in FREQUENCY_SERIES)  # a contingency's size is its region's, not a sum
WEIGHTED_QUANTITIES = tuple(q for q in REGION_QUANTITIES if q.endswith(("_cny_per_mwh", "_kgco2_per_kwh", "_pu")))


def region_seed(seed: int, region_id: str) -> int:
    """A region's seed: deterministic in the scenario seed and the region id (independent of region order)."""
    return int(np.random.SeedSequence([int(seed), zlib.crc32(region_id.encode())]).generate_state(1)[0])


class _Recorders:
    """The ``column_count`` agents.recording.write_results sizes Parquet row groups by (all regions + links)."""

    def __init__(self, model: MultiRegionModel):
        self.model = model

    def column_count(self) -> int:
        m = self.model
        return sum(r.recorder.column_count() for r in m.models.values()) + len(LINK_QUANTITIES) * len(m.link_ids)


class MultiRegionModel(mesa.Model):
    """Several RegionModels and the coordinator that moves migratable data-center work between them."""

    is_multi_region = True

    def __init__(self, scenario: MultiRegionScenario, seed: int | None = None):
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.scenario = scenario
        self.seed = seed
        self.region_ids = [r.id for r in scenario.regions]
        self.models: dict[str, RegionModel] = {
            rid: RegionModel(scenario.scenario_of(rid), seed=region_seed(seed, rid)) for rid in self.region_ids}
        first = self.models[self.region_ids[0]]
        self.dt_h = first.dt_h
        self.total_steps = first.total_steps
        self.times_utc = first.times_utc
        self.start_utc = first.start_utc
        self.steps_per_day = max(1, round(24.0 / self.dt_h))
        self.step_index = 0
        self.running = True
        self.recorder = _Recorders(self)
        self.migration = scenario.migration  # the coordinator's parameters (people's decisions change them)
        self._build_migration()
        self.decisions = MultiRegionDecisionBook(self)  # decision points and decisions (agents.multi_region_decisions)

    def _build_migration(self) -> None:
        s = self.scenario
        pos = {rid: k for k, rid in enumerate(self.region_ids)}
        self.link_ids = [link.id for link in s.links]
        self.link_from = np.array([pos[link.from_region] for link in s.links], dtype=int)
        self.link_to = np.array([pos[link.to_region] for link in s.links], dtype=int)
        self.link_capacity_mw = np.array([link.work_capacity_mw for link in s.links], dtype=float)
        self.link_loss_pu = np.array([link.loss_pu for link in s.links], dtype=float)
        self.link_class = [link.latency_class for link in s.links]
        self._sites = []  # per region: (it capacity [MW], idle [pu], migratable share [-], work class index)
        for rid in self.region_ids:
            dcs = self.models[rid].dcs
            self._sites.append((dcs._cap, dcs._idle,
                                np.array([d.strategy.flex.migratable_pu for d in dcs.specs], dtype=float),
                                np.array([WORK_CLASSES.index(WORK_CLASS_OF_WORKLOAD[d.workload]) for d in dcs.specs],
                                         dtype=int)))
        self.migration_active = (s.migration.kind != "none" and bool(s.links)
                                 and any(share.any() for _, _, share, _ in self._sites))
        self.moved_mw = np.zeros((self.total_steps, len(self.link_ids), len(WORK_CLASSES)))
        if self.migration_active:
            for m in self.models.values():
                m.dcs.enable_migration()

    # ------------------------------------------------------------------------------------------- stepping

    def step(self) -> None:
        """One lock-step of every region (module docstring); the migration at a day's first step."""
        if self.step_index >= self.total_steps:
            self.running = False
            return
        t = self.step_index
        self.decisions.apply_due(t)  # migration decisions of this step (the regions apply their own in begin_step)
        for m in self.models.values():
            m.begin_step(t)
        if self.migration_active and self.migration.kind != "none" and t % self.steps_per_day == 0:
            self._migrate_day(t)
        for m in self.models.values():
            m.finish_step(t)
        self.step_index += 1
        self.running = self.step_index < self.total_steps

    def _day_inputs(self, a: int, z: int):
        """What the coordinator sees for steps [a, z): each region's published day-ahead forecasts of the day (its
        signals: the cost signal and the reserve margin) and its sites' own planned IT and facility power
        (migratable work, headroom, PUE)."""
        spec = self.migration
        w, n_r = z - a, len(self.region_ids)
        signal, pue = np.empty((w, n_r)), np.ones((w, n_r))
        mig, head = np.zeros((w, n_r, len(WORK_CLASSES))), np.zeros((w, n_r))
        site_mig, site_head = [], []
        for k, rid in enumerate(self.region_ids):
            m = self.models[rid]
            sig = m.signals
            signal[:, k] = migration_signal(
                spec, price_cny_per_mwh=sig.day_ahead_window("price_cny_per_mwh", 0),
                carbon_avg_kgco2_per_kwh=sig.day_ahead_window("carbon_intensity_kgco2_per_kwh", 0),
                carbon_marginal_kgco2_per_kwh=sig.day_ahead_window("marginal_co2_kgco2_per_kwh", 0))
            cap, idle, share, cls = self._sites[k]
            it = m.dcs.it_mw[a:z]
            it_sum = it.sum(axis=1)
            pue[:, k] = np.divide(m.dcs.facility_mw[a:z].sum(axis=1), it_sum, out=np.ones(w), where=it_sum > 0)
            movable = np.maximum(it - idle * cap, 0.0) * share
            room = np.maximum(cap - it, 0.0)
            for c in range(len(WORK_CLASSES)):
                mig[:, k, c] = movable[:, cls == c].sum(axis=1)
            # the grid must carry the arriving work: its published reserve margin above the reserve requirement,
            # applied to the day's planned fixed load, bounds the destination's extra facility power
            margin = sig.day_ahead_window("reserve_margin_pu", 0)
            demand = m.grid.other_load[a:z, 0] + m.dcs.facility_mw[a:z].sum(axis=1)
            spare = np.where(np.isfinite(margin), np.maximum(margin - m.scenario.markets.reserve_requirement_pu,
                                                             0.0) * demand, np.inf)
            head[:, k] = np.minimum(room.sum(axis=1), spare / pue[:, k])
            site_mig.append(movable)
            site_head.append(room)
        return signal, pue, mig, head, site_mig, site_head

    def _migrate_day(self, t: int) -> None:
        """Plan and apply the day's migration (agents.strategies.migration): moved work leaves the source sites
        pro rata to their migratable work and arrives at the destination sites pro rata to their headroom."""
        a, z = t, min(t + self.steps_per_day, self.total_steps)
        signal, pue, mig, head, site_mig, site_head = self._day_inputs(a, z)
        plan = plan_migration(signal, pue, mig, head, self.link_from, self.link_to, self.link_capacity_mw,
                              self.link_loss_pu, self.link_class, self.migration.min_saving_pu)
        self.moved_mw[a:z] = plan.moved_mw
        for k, rid in enumerate(self.region_ids):
            delta = share_out(plan.in_mw[:, k], site_head[k])
            cls = self._sites[k][3]
            for c in range(len(WORK_CLASSES)):
                cols = np.flatnonzero(cls == c)
                if cols.size:
                    delta[:, cols] -= share_out(plan.out_mw[:, k, c], site_mig[k][:, cols])
            members = np.flatnonzero(np.any(delta != 0.0, axis=0))
            if members.size:
                self.models[rid].dcs.apply_migration(a, z, members, delta[:, members])

    def remove_all_agents(self) -> None:
        """Remove every region's Mesa agents (a worker frees the model this way)."""
        for m in self.models.values():
            m.remove_all_agents()
        super().remove_all_agents()

    def settle(self, frequency: bool = True) -> None:
        for m in self.models.values():
            m.settle(frequency=frequency)

    def run(self, steps: int | None = None, progress: Callable[[int, int], None] | None = None,
            stop_at_decisions: bool = False) -> None:
        """Step until the horizon ends or ``steps`` more steps ran; ``progress(step_index, total)`` after each.
        ``stop_at_decisions``: also return when a step reaches a decision point (``at_decision_point``)."""
        stop = self.total_steps if steps is None else min(self.total_steps, self.step_index + int(steps))
        while self.step_index < stop:
            self.step()
            if progress is not None:
                progress(self.step_index, self.total_steps)
            if stop_at_decisions and self.at_decision_point:
                return
        if not self.running:
            self.settle()

    @property
    def at_decision_point(self) -> bool:
        """The run stands before a decision point of the scenario's ``decision_points`` (for the whole system)."""
        return self.decisions.is_point(self.step_index)

    def next_decision_point(self) -> int | None:
        """The next scheduled decision point after the current step (dr_event points are known once called)."""
        return self.decisions.next_point(self.step_index)

    def apply_decisions(self, decisions: list[dict]) -> list[dict]:
        """Validate people's decisions for actors of any region, DR aggregators and the ``migration``
        (``ScenarioValidationError`` with ``loc`` paths; agents.multi_region_decisions) and schedule them; a
        decision without ``step`` takes effect from the current step. Returns them as recorded."""
        from agents.decisions import public

        items = [{"step": self.step_index, **d} if isinstance(d, dict) else d for d in decisions] \
            if isinstance(decisions, list) else decisions
        return [public(d) for d in self.decisions.schedule(items)]

    # ------------------------------------------------------------------------------------------- read side

    def describe(self) -> dict:
        """JSON description: the regions, the links, the clock, every agent (with its ``region`` id)."""
        regions = [{"id": rid, "name": m.scenario.region.name, "name_zh": m.scenario.region.name_zh,
                    "lat": m.scenario.region.lat,
                    "lon": m.scenario.region.lon, "tz": m.scenario.region.tz} for rid, m in self.models.items()]
        agent_q = sorted({name for m in self.models.values() for f in m.fleets.values() for name in f.series})
        region_q = [*SUMMED_QUANTITIES, *WEIGHTED_QUANTITIES,
                    *(f"{rid}.{q}" for rid in self.region_ids for q in REGION_QUANTITIES)]
        link_q = [f"{lid}.{q}" for lid in self.link_ids for q in LINK_QUANTITIES]
        return {
            "region": {"name": self.scenario.name, "name_zh": self.scenario.name_zh, "lat": float(np.mean([r["lat"] for r in regions])),
                       "lon": float(np.mean([r["lon"] for r in regions])), "tz": regions[0]["tz"]},
            "regions": regions,
            "links": [link.model_dump(mode="json") for link in self.scenario.links],
            "start": self.start_utc.isoformat(),
            "dt_h": self.dt_h,
            "total_steps": self.total_steps,
            "agents": [{"id": a.id, "type": a.type, "name": a.name, "name_zh": a.name_zh, "lat": a.lat, "lon": a.lon,
                        "region": rid}
                       for rid, m in self.models.items() for a in m.scenario.actors],
            "contracts": [{"id": c.id, "type": c.type, "seller_id": c.seller_id, "buyer_id": c.buyer_id,
                           "region": rid} for rid, m in self.models.items() for c in m.scenario.contracts],
            "region_quantities": region_q + link_q,
            "agent_quantities": ["power_mw", "heat_mw", *agent_q],
            "units": {**units.units_for([*REGION_QUANTITIES, "power_mw", "heat_mw", *agent_q,
                                         *sorted(units.kpi_names(self.kpis()))]),
                      **{name: units.units_for([name.split(".", 1)[1]]).get(name.split(".", 1)[1], {})
                         for name in region_q + link_q if "." in name}},
        }

    def region_frame(self, start: int, stop: int) -> dict[str, list[float]]:
        """Series for steps [start, stop) (clipped to the completed steps): the system totals under the region
        names (``SUMMED_QUANTITIES`` summed, ``WEIGHTED_QUANTITIES`` weighted by each region's load), every region's
        (``<region id>.<quantity>``) and every link's (``<link id>.moved_mw`` / ``arrived_mw``)."""
        self.settle()
        start, stop = max(0, int(start)), min(int(stop), self.step_index)
        out: dict[str, list[float]] = {}
        rs = [m.r for m in self.models.values()]
        load = sum(r["load_mw"][start:stop] for r in rs)
        for q in SUMMED_QUANTITIES:
            out[q] = sum(r[q][start:stop] for r in rs).tolist()
        for q in WEIGHTED_QUANTITIES:
            weighted = sum(r[q][start:stop] * r["load_mw"][start:stop] for r in rs)
            out[q] = np.divide(weighted, load, out=np.zeros(stop - start), where=load > 0).tolist()
        for rid, m in self.models.items():
            out.update({f"{rid}.{k}": v for k, v in m.region_frame(start, stop).items()})
        for name, arr in self._link_series(start, stop).items():
            out[name] = arr.tolist()
        return out

    def _link_series(self, start: int, stop: int) -> dict[str, np.ndarray]:
        moved = self.moved_mw[start:stop].sum(axis=2)
        arrived = moved * (1.0 + self.link_loss_pu)[None, :]
        out = {}
        for j, lid in enumerate(self.link_ids):
            out[f"{lid}.moved_mw"] = moved[:, j]
            out[f"{lid}.arrived_mw"] = arrived[:, j]
        return out

    def agent_state(self, step: int) -> dict[str, list[float]]:
        """Per-agent ``power_mw`` and ``heat_mw`` at a completed step, in ``describe()`` agent order."""
        power, heat = [], []
        for m in self.models.values():
            s = m.agent_state(step)
            power += s["power_mw"]
            heat += s["heat_mw"]
        return {"power_mw": power, "heat_mw": heat}

    def kpis(self) -> dict:
        """KPIs: ``region`` (totals over regions), ``agents`` and ``contracts`` of every region (agents with their
        ``region`` id), ``regions`` {region id: that region's KPIs} and ``migration`` (agents.multi_region_kpis)."""
        from agents.multi_region_kpis import multi_region_kpis

        self.settle()
        return multi_region_kpis(self)

    def series_table(self, start: int = 0, stop: int | None = None):
        """pyarrow Table of completed steps [start, stop): step, time_utc, ``region.<region id>.<quantity>``,
        ``<agent id>.<quantity>`` and ``link.<link id>.moved_mw`` / ``arrived_mw`` columns."""
        import pyarrow as pa

        self.settle()
        stop = self.step_index if stop is None else min(int(stop), self.step_index)
        start = min(max(int(start), 0), stop)
        cols = {"step": pa.array(np.arange(start, stop, dtype=np.int64)),
                "time_utc": pa.array(self.times_utc[start:stop], type=pa.timestamp("ns", tz="UTC"))}
        for rid, m in self.models.items():
            for name, arr in m.recorder.table_columns(stop, start).items():
                key = f"region.{rid}.{name[7:]}" if name.startswith("region.") else name
                cols[key] = pa.array(np.ascontiguousarray(arr, dtype=np.float64))
        for name, arr in self._link_series(start, stop).items():
            cols[f"link.{name}"] = pa.array(np.ascontiguousarray(arr, dtype=np.float64))
        return pa.table(cols)


def build_model(scenario, seed: int | None = None):
    """The model of a validated scenario: a RegionModel, or a MultiRegionModel for a multi-region scenario."""
    if isinstance(scenario, MultiRegionScenario):
        return MultiRegionModel(scenario, seed=seed)
    return RegionModel(scenario, seed=seed)
