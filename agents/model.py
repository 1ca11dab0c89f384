"""RegionModel: the Mesa model of a region's compute–power–heat system.

Building precomputes everything that depends only on weather and parameters for the whole horizon (IT load,
PUE, WUE, PV and wind output, heat demand, outages, storage requests). ``step()`` then runs the phases for
all agents of a type at once, so per-step Python work grows with the number of actor types, not agents.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cache

import mesa
import numpy as np
import pandas as pd

from agents import kpis as kpi_module
from agents.actors.base import BuildContext
from agents.actors.data_center import DataCenterFleet
from agents.actors.grid_operator import GridOperatorFleet
from agents.actors.heat_utility import HeatUtilityFleet
from agents.actors.power_plant import PowerPlantFleet
from agents.actors.renewable_plant import RenewablePlantFleet
from agents.actors.storage import StorageFleet
from agents.markets import contracts as contract_settlement
from agents.markets.clearing import offer_price_with_carbon, tou_price_multiplier
from agents.recording import Recorder
from agents.scenario import Scenario
from agents.weather import local_time_fields, weather_series

NS_PER_HOUR = 3_600_000_000_000
# Mesa logs one INFO line per step ("calling model.step …"); under a host that logs INFO (Django, Celery)
# that floods the log and costs time on long runs, so the core keeps that one logger at WARNING.
logging.getLogger("MESA.mesa.model").setLevel(logging.WARNING)
PV_GRID_DEG = 0.5  # PV of sites closer than this share one pvlib run (same weather, negligible geometry change)

REGION_QUANTITIES = (
    "load_mw", "other_load_mw", "dc_it_mw", "dc_facility_mw", "dc_heat_pump_mw", "heat_electric_mw",
    "generation_mw", "renewable_mw", "renewable_available_mw", "curtailment_mw", "import_mw", "export_mw",
    "storage_charge_mw", "storage_discharge_mw", "unserved_mw", "backup_mw", "reserve_shortfall_mw",
    "price_cny_per_mwh", "tariff_price_cny_per_mwh", "carbon_intensity_kgco2_per_kwh", "co2_t",
    "system_cost_cny", "heat_demand_mw", "heat_loss_mw", "heat_produced_mw", "heat_recovered_mw",
    "heat_from_dc_mw", "heat_unserved_mw", "temp_c",
)


class RegionModel(mesa.Model):
    """A region: data centers, heat utilities, a grid operator, renewable and power plants, storage."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.scenario = scenario
        self.seed = seed
        h, region, m = scenario.horizon, scenario.region, scenario.markets
        self.dt_h = float(h.dt_h)
        self.total_steps = int(h.steps)
        self.step_index = 0
        self.running = True

        start = pd.Timestamp(h.start)
        start = start.tz_localize(region.tz) if start.tzinfo is None else start.tz_convert(region.tz)
        self.start_utc = start.tz_convert("UTC")
        step_ns = round(self.dt_h * NS_PER_HOUR)
        times_utc = (self.start_utc.as_unit("ns").value + np.arange(self.total_steps, dtype=np.int64) * step_ns)
        times_utc = times_utc.astype("datetime64[ns]")
        self.weather = weather_series(region.weather_site, self.start_utc, self.total_steps, self.dt_h, seed)
        local = local_time_fields(times_utc, region.tz)
        self.times_utc = times_utc
        self.recorder = Recorder(self.total_steps)
        ctx = BuildContext(dt_h=self.dt_h, steps=self.total_steps, times_utc=times_utc,
                           local_times=local["local_times"], hour_of_day=local["hour_of_day"],
                           day_of_week=local["day_of_week"], weather=self.weather, rng=self.rng,
                           recorder=self.recorder, pv_pu=self._pv_cache(times_utc))

        tariff = region.tariff
        multiplier = tou_price_multiplier(local["hour_of_day"], [(w.start_h, w.end_h) for w in tariff.peak_hours],
                                          [(w.start_h, w.end_h) for w in tariff.valley_hours], tariff.peak_ratio,
                                          tariff.valley_ratio)
        self.tariff_price = tariff.flat_price_cny_per_mwh * multiplier

        # ---- actors (Mesa agents, one fleet per type) ----
        of = scenario.actors_of
        self.grid = GridOperatorFleet(self, of("grid_operator"))
        self.dcs = DataCenterFleet(self, of("data_center"))
        self.plants = PowerPlantFleet(self, of("power_plant"))
        self.renewables = RenewablePlantFleet(self, of("renewable_plant"))
        self.heat = HeatUtilityFleet(self, of("heat_utility"))
        self.storage = StorageFleet(self, of("storage"), of("data_center"))
        self.fleets = {f.kind: f for f in (self.grid, self.dcs, self.plants, self.renewables, self.heat,
                                           self.storage)}
        self.grid.build(ctx)
        self.dcs.build(ctx)
        self.plants.build(ctx, m.carbon_price_cny_per_t)
        self.renewables.build(ctx, self._wind_cache(ctx))
        dc_pos = {d.id: i for i, d in enumerate(self.dcs.specs)}
        hu_pos = {u.id: i for i, u in enumerate(self.heat.specs)}
        heat_contracts = [c for c in scenario.contracts if c.type == "heat_purchase"]
        self.heat.build(ctx, m.carbon_price_cny_per_t,
                        [(int(self.dcs.hr_position[dc_pos[c.seller_id]]), hu_pos[c.buyer_id], c.price_cny_per_mwh)
                         for c in heat_contracts])
        self.storage.build(ctx, multiplier, self._storage_net_load())
        self.contracts = contract_settlement.ContractBook(heat_contracts, self.recorder, self.dt_h)

        self._index = []  # describe() order: scenario actor order → (fleet, local index)
        counters = dict.fromkeys(self.fleets, 0)
        for a in scenario.actors:
            self._index.append((self.fleets[a.type], counters[a.type]))
            counters[a.type] += 1

        # ---- market layout: static offer prices, quantities filled each step ----
        n_p, n_r, n_pv = self.plants.n, self.renewables.n, self.dcs.pv_members.size
        floor = m.price_floor_cny_per_mwh
        imp = m.imports
        self.import_co2 = region.grid_co2_t_per_mwh if imp.co2_t_per_mwh is None else imp.co2_t_per_mwh
        self.offer_price = np.concatenate([
            [floor], np.full(n_p, floor), self.renewables.mc, np.zeros(n_pv), self.plants.offer_price,
            [offer_price_with_carbon(imp.price_cny_per_mwh, self.import_co2, m.carbon_price_cny_per_t)]])
        bounds = np.cumsum([0, 1, n_p, n_r, n_pv, n_p, 1])
        self._blocks = {name: slice(int(bounds[i]), int(bounds[i + 1]))
                        for i, name in enumerate(("chp", "must", "res", "dcpv", "flex", "import"))}
        self.dispatchable = np.zeros(self.offer_price.size, dtype=bool)
        self.dispatchable[self._blocks["flex"]] = True
        self._offer_mw = np.zeros(self.offer_price.size)
        self._expected_price = float(self.tariff_price[0])

        rec = self.recorder
        self.r = {name: rec.region_quantity(name) for name in REGION_QUANTITIES}
        self.r["temp_c"][:] = self.weather.temp_c
        self.r["tariff_price_cny_per_mwh"][:] = self.tariff_price
        self.r["other_load_mw"][:] = self.grid.other_load[:, 0]
        self.r["dc_it_mw"][:] = self.dcs.it_mw.sum(axis=1)
        self.r["dc_facility_mw"][:] = self.dcs.facility_mw.sum(axis=1)
        self.r["heat_demand_mw"][:] = self.heat.series["heat_demand_mw"][0].sum(axis=1)
        self.r["heat_loss_mw"][:] = self.heat.loss_mw.sum(axis=1)
        self.r["renewable_available_mw"][:] = (self.renewables.available_mw.sum(axis=1)
                                               + self.dcs.pv_available_mw.sum(axis=1))

    # ------------------------------------------------------------------------------------------- build helpers

    def _pv_cache(self, times_utc) -> Callable:
        from agents.physics import pv

        w = self.weather

        @cache
        def run(lat_q: float, lon_q: float, tilt: float, azimuth: float) -> np.ndarray:
            return pv.pv_power_pu(times_utc, lat_q, lon_q, w.ghi_w_m2, w.dni_w_m2, w.dhi_w_m2, w.temp_c,
                                  w.wind_speed_m_s, tilt, azimuth)

        def pv_pu(lat: float, lon: float, tilt: float | None, azimuth: float) -> np.ndarray:
            lat_q = round(lat / PV_GRID_DEG) * PV_GRID_DEG
            lon_q = round(lon / PV_GRID_DEG) * PV_GRID_DEG
            tilt = float(pv.optimal_tilt_deg(lat_q)) if tilt is None else float(tilt)
            return run(lat_q, lon_q, round(tilt, 1), round(float(azimuth), 1))

        return pv_pu

    def _wind_cache(self, ctx: BuildContext) -> Callable:
        from agents.physics import wind

        @cache
        def wind_pu(turbine: str, hub_m: float, roughness_m: float) -> np.ndarray:
            v_hub = wind.hub_height_wind_speed(self.weather.wind_speed_m_s, 10.0, hub_m, roughness_m)
            return wind.wind_power_pu(v_hub, turbine)

        return wind_pu

    def _storage_net_load(self) -> np.ndarray:
        """Net load each battery sees: region net load for stand-alone units, facility − PV for DC batteries."""
        region = (self.grid.other_load[:, 0] + self.dcs.facility_mw.sum(axis=1)
                  - self.renewables.available_mw.sum(axis=1) - self.dcs.pv_available_mw.sum(axis=1))
        cols = [region] * self.storage.n
        pv_by_dc = np.zeros_like(self.dcs.facility_mw)
        pv_by_dc[:, self.dcs.pv_members] = self.dcs.pv_available_mw
        for i in self.storage.dc_index[self.storage.n:]:
            cols.append(self.dcs.facility_mw[:, i] - pv_by_dc[:, i])
        return np.column_stack(cols) if cols else np.zeros((self.total_steps, 0))

    # ------------------------------------------------------------------------------------------- stepping

    def step(self) -> None:
        """One step: exogenous inputs → bids/offers → clearing → dispatch → heat dispatch → settlement → record."""
        if self.step_index >= self.total_steps:
            self.running = False
            return
        t = self.step_index
        m = self.scenario.markets
        dt = self.dt_h
        r = self.r
        b = self._blocks

        # 1. exogenous inputs: precomputed for the horizon; read row t
        other_load = float(self.grid.other_load[t, 0])
        dc_facility = self.dcs.facility_mw[t]
        tariff_price = float(self.tariff_price[t])

        # 2. bids and offers
        dc_heat_offer = self.dcs.heat_offer_mw[t][self.heat.contract_hr]
        dc_heat, heat_el, chp_el = self.heat.plan(t, self._expected_price, dc_heat_offer)
        delivered = np.zeros(self.dcs.hr_members.size)
        np.add.at(delivered, self.heat.contract_hr, dc_heat)
        source, hp_el = self.dcs.heat_pump_for(delivered)
        dc_behind_meter = dc_facility.copy()
        dc_behind_meter[self.dcs.hr_members] += hp_el
        limit = np.concatenate([np.full(self.storage.n, np.inf), dc_behind_meter[self.storage.dc_index[self.storage.n:]]])
        battery = self.storage.bid(t, limit)
        gross_load = other_load + float(dc_facility.sum()) + float(hp_el.sum()) + heat_el
        charge = float(np.maximum(battery, 0.0).sum())
        discharge = float(np.maximum(-battery, 0.0).sum())
        if discharge > gross_load + charge:  # batteries cannot push the load below zero
            battery = np.where(battery < 0.0, battery * (gross_load + charge) / discharge, battery)
            discharge = gross_load + charge
        must, flex = self.plants.offer(t)
        offers = self._offer_mw
        offers[b["chp"]] = chp_el
        offers[b["must"]] = must
        offers[b["res"]] = self.renewables.available_mw[t]
        offers[b["dcpv"]] = self.dcs.pv_available_mw[t]
        offers[b["flex"]] = flex
        offers[b["import"]] = m.imports.capacity_mw
        clear_load = gross_load + charge - discharge

        # 3. the grid operator clears the market
        result, reserve_short = self.grid.clear(
            m.clearing_rule, clear_load, offers, self.offer_price, self.dispatchable,
            reserve_mw=m.reserve_requirement_pu * gross_load, price_cap=m.price_cap_cny_per_mwh,
            price_floor=m.price_floor_cny_per_mwh, export_mw_max=m.exports.capacity_mw,
            export_price=m.exports.price_cny_per_mwh, tariff_price=tariff_price)
        acc, paid, price = result.accepted_mw, result.paid_cny_per_mwh, result.price_cny_per_mwh

        # 4. actors dispatch power and storage (backup generators cover what the grid could not serve)
        self.plants.dispatch(t, acc[b["must"]], acc[b["flex"]], paid[b["must"]], paid[b["flex"]])
        self.renewables.dispatch(t, acc[b["res"]], paid[b["res"]])
        self.storage.dispatch(t, battery)
        dc_battery = self.storage.dc_battery_mw(t, self.dcs.n)
        backup = np.zeros(self.dcs.backup_members.size)
        unserved = result.unserved_mw
        if unserved > 0.0 and backup.size:
            room = np.minimum(self.dcs.backup_cap_mw,
                              np.maximum(dc_behind_meter + dc_battery, 0.0)[self.dcs.backup_members])
            total_room = float(room.sum())
            if total_room > 0.0:
                backup = room * (min(unserved, total_room) / total_room)
                unserved -= float(backup.sum())
        self.dcs.dispatch(t, acc[b["dcpv"]], delivered, source, hp_el, dc_battery, backup)

        # 5. the heat utility commits its merit-order dispatch
        self.heat.dispatch(t, price)

        # 6. settlement of markets and contracts
        self.storage.settle(t, price)
        self.contracts.settle(t, dc_heat)
        imported = float(acc[b["import"]].sum())
        backup_mw = float(backup.sum())
        plant_co2 = float(self.plants.co2_t[t].sum())
        el_co2 = plant_co2 + (imported * self.import_co2 + float(backup @ self.dcs.backup_co2_t_per_mwh)) * dt
        dispatched = float(acc.sum()) - imported + backup_mw
        chp_sold = float(acc[b["chp"]].sum())
        el_energy = (dispatched - chp_sold + imported) * dt
        heat_co2 = float(self.heat.co2_t[t].sum())
        system_cost = (float(self.plants.cost_cny[t].sum()) + float(self.heat.production_cost_cny[t].sum())
                       + imported * float(paid[b["import"]][0]) * dt
                       - result.export_mw * m.exports.price_cny_per_mwh * dt
                       + float(backup @ self.dcs.backup_fuel_cny_per_mwh) * dt
                       + unserved * m.value_of_lost_load_cny_per_mwh * dt)
        self.grid.revenue_cny[t] = (other_load * price + result.export_mw * m.exports.price_cny_per_mwh) * dt
        self.grid.cost_cny[t] = imported * float(paid[b["import"]][0]) * dt

        # 7. record
        r["load_mw"][t] = gross_load
        r["dc_heat_pump_mw"][t] = float(hp_el.sum())
        r["heat_electric_mw"][t] = heat_el
        r["generation_mw"][t] = dispatched
        r["renewable_mw"][t] = float(acc[b["res"]].sum() + acc[b["dcpv"]].sum())
        r["curtailment_mw"][t] = float((offers[b["chp"]] - acc[b["chp"]]).sum()
                                       + (offers[b["res"]] - acc[b["res"]]).sum()
                                       + (offers[b["dcpv"]] - acc[b["dcpv"]]).sum())
        r["import_mw"][t] = imported
        r["export_mw"][t] = result.export_mw
        r["storage_charge_mw"][t] = charge
        r["storage_discharge_mw"][t] = discharge
        r["unserved_mw"][t] = unserved
        r["backup_mw"][t] = backup_mw
        r["reserve_shortfall_mw"][t] = reserve_short
        r["price_cny_per_mwh"][t] = price
        r["carbon_intensity_kgco2_per_kwh"][t] = el_co2 / el_energy if el_energy > 0 else 0.0
        r["co2_t"][t] = el_co2 + heat_co2
        r["system_cost_cny"][t] = system_cost
        r["heat_produced_mw"][t] = float(self.heat.produced[t].sum())
        r["heat_from_dc_mw"][t] = float(dc_heat.sum())
        r["heat_recovered_mw"][t] = float(source.sum())
        r["heat_unserved_mw"][t] = float(self.heat.unserved[t].sum())

        self._expected_price = price
        self.step_index += 1
        self.running = self.step_index < self.total_steps

    def run(self, steps: int | None = None, progress: Callable[[int, int], None] | None = None) -> None:
        """Step until the horizon ends or ``steps`` more steps ran; ``progress(step_index, total)`` after each."""
        stop = self.total_steps if steps is None else min(self.total_steps, self.step_index + int(steps))
        while self.step_index < stop:
            self.step()
            if progress is not None:
                progress(self.step_index, self.total_steps)

    # ------------------------------------------------------------------------------------------- read side

    def describe(self) -> dict:
        """JSON description of the region, clock, agents and recorded quantity names."""
        reg = self.scenario.region
        agent_q = sorted({name for fleet in self.fleets.values() for name in fleet.series})
        return {
            "region": {"name": reg.name, "lat": reg.lat, "lon": reg.lon, "tz": reg.tz},
            "start": self.start_utc.isoformat(),
            "dt_h": self.dt_h,
            "total_steps": self.total_steps,
            "agents": [{"id": a.id, "type": a.type, "name": a.name, "lat": a.lat, "lon": a.lon}
                       for a in self.scenario.actors],
            "region_quantities": list(REGION_QUANTITIES),
            "agent_quantities": ["power_mw", "heat_mw", *agent_q],
        }

    def region_frame(self, start: int, stop: int) -> dict[str, list[float]]:
        """Region series for steps [start, stop) (clipped to the completed steps)."""
        start = max(0, int(start))
        stop = min(int(stop), self.step_index)
        return {name: arr[start:stop].tolist() for name, arr in self.r.items()}

    def agent_state(self, step: int) -> dict[str, list[float]]:
        """Per-agent ``power_mw`` (consumption + / generation −) and ``heat_mw`` at a completed step."""
        if not 0 <= step < self.step_index:
            raise IndexError(f"step {step} is not completed (0 … {self.step_index - 1})")
        per_fleet = {kind: (f.power_mw(step), f.heat_mw(step)) for kind, f in self.fleets.items()}
        power = [float(per_fleet[f.kind][0][i]) for f, i in self._index]
        heat = [float(per_fleet[f.kind][1][i]) for f, i in self._index]
        return {"power_mw": power, "heat_mw": heat}

    def kpis(self) -> dict:
        """KPIs over the completed steps: {"region": …, "agents": {id: …}, "contracts": {id: …}}."""
        return kpi_module.compute_kpis(self)

    def series_table(self):
        """pyarrow Table of every completed step: step, time_utc, region.* and <agent id>.<quantity> columns."""
        import pyarrow as pa

        stop = self.step_index
        cols = {"step": pa.array(np.arange(stop, dtype=np.int64)),
                "time_utc": pa.array(self.times_utc[:stop], type=pa.timestamp("ns", tz="UTC"))}
        for name, arr in self.recorder.table_columns(stop).items():
            cols[name] = pa.array(np.ascontiguousarray(arr, dtype=np.float64))
        return pa.table(cols)
