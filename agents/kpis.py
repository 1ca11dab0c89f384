"""KPIs from the recorded series of a run: region, per agent (ISO/IEC 30134 for data centers), per contract.

Energy = power × dt_h summed over completed steps. ISO/IEC 30134 definitions (period totals):
PUE = E_facility / E_IT (-2); REF = E_renewable / E_facility (-3); ERF = E_reused / E_facility (-6);
ERE = (E_facility − E_reused) / E_IT; CUE = CO2 [kg] / E_IT [kWh] (-8); WUE = water [L] / E_IT [kWh] (-9).
E_reused is the waste heat the heat pump extracts from the data center (source side, ≤ IT energy).
Grid electricity carries the step's grid renewable share and carbon intensity (location-based accounting).
"""

from __future__ import annotations

import numpy as np


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def _region(model, stop: int) -> dict:
    r = {k: v[:stop] for k, v in model.r.items()}
    dt = model.dt_h
    dcs = model.dcs
    it_mwh = float(dcs.it_mw[:stop].sum() * dt)
    fac_mwh = float(dcs.facility_mw[:stop].sum() * dt)
    water_m3 = float((dcs.series["wue_l_per_kwh"][0][:stop] * dcs.it_mw[:stop]).sum() * dt)  # L/kWh·MWh = m³
    heat_supplied = float((r["heat_produced_mw"] + r["heat_from_dc_mw"]).sum() * dt)
    demand = float(r["load_mw"].sum() * dt)
    behind_meter_pv = float(dcs.pv_mw[:stop].sum() * dt)
    return {
        "steps": int(stop),
        "pue": _ratio(fac_mwh, it_mwh),
        "dc_it_energy_mwh": it_mwh,
        "dc_facility_energy_mwh": fac_mwh,
        "dc_water_m3": water_m3,
        "dc_heat_recovered_mwh": float(r["heat_recovered_mw"].sum() * dt),
        "dc_heat_delivered_mwh": float(r["heat_from_dc_mw"].sum() * dt),
        "heat_demand_mwh": float(r["heat_demand_mw"].sum() * dt),
        "heat_supplied_mwh": heat_supplied,
        "heat_unserved_mwh": float(r["heat_unserved_mw"].sum() * dt),
        "heat_from_dc_share": _ratio(float(r["heat_from_dc_mw"].sum() * dt), heat_supplied) or 0.0,
        "electricity_demand_mwh": demand,
        "peak_load_mw": float(r["load_mw"].max()) if stop else 0.0,
        "renewable_share": _ratio(float(r["renewable_mw"].sum() * dt), demand) or 0.0,
        "renewable_mwh": float(r["renewable_mw"].sum() * dt),
        "dc_onsite_pv_mwh": behind_meter_pv,
        "curtailment_mwh": float(r["curtailment_mw"].sum() * dt),
        "import_mwh": float(r["import_mw"].sum() * dt),
        "export_mwh": float(r["export_mw"].sum() * dt),
        "unserved_mwh": float(r["unserved_mw"].sum() * dt),
        "co2_t": float(r["co2_t"].sum()),
        "mean_price_cny_per_mwh": float(r["price_cny_per_mwh"].mean()) if stop else 0.0,
        "load_weighted_price_cny_per_mwh": _ratio(float((r["price_cny_per_mwh"] * r["load_mw"]).sum()),
                                                  float(r["load_mw"].sum())) or 0.0,
        "system_cost_cny": float(r["system_cost_cny"].sum()),
    }


def _grid_shares(model, stop: int):
    r = model.r
    supply = r["generation_mw"][:stop] + r["import_mw"][:stop]
    ren = np.divide(r["renewable_mw"][:stop], supply, out=np.zeros(stop), where=supply > 0)
    return np.clip(ren, 0.0, 1.0), r["carbon_intensity_kgco2_per_kwh"][:stop], r["price_cny_per_mwh"][:stop]


def _data_centers(model, stop: int) -> dict:
    dcs, dt = model.dcs, model.dt_h
    ren_share, intensity, price = _grid_shares(model, stop)
    it = dcs.it_mw[:stop]
    fac = dcs.facility_mw[:stop]
    grid = dcs.grid_mw[:stop]
    grid_in = np.maximum(grid, 0.0)
    wue = dcs.series["wue_l_per_kwh"][0][:stop]
    reused = np.zeros_like(it)
    reused[:, dcs.hr_members] = dcs.heat_recovered_mw[:stop]
    pv_used = np.zeros_like(it)
    pv_used[:, dcs.pv_members] = dcs.pv_mw[:stop]
    backup = np.zeros_like(it)
    backup[:, dcs.backup_members] = dcs.backup_mw[:stop]
    backup_cost = np.zeros(dcs.n)
    backup_cost[dcs.backup_members] = (dcs.backup_mw[:stop] * dcs.backup_fuel_cny_per_mwh).sum(axis=0) * dt
    backup_co2 = np.zeros(dcs.n)
    backup_co2[dcs.backup_members] = (dcs.backup_mw[:stop] * dcs.backup_co2_t_per_mwh).sum(axis=0) * dt
    it_mwh = it.sum(axis=0) * dt
    fac_mwh = fac.sum(axis=0) * dt
    reused_mwh = reused.sum(axis=0) * dt
    renewable_mwh = np.minimum(pv_used, fac).sum(axis=0) * dt + (grid_in * ren_share[:, None]).sum(axis=0) * dt
    co2_t = (grid_in * intensity[:, None]).sum(axis=0) * dt + backup_co2
    water_m3 = (wue * it).sum(axis=0) * dt
    cost = (grid * price[:, None]).sum(axis=0) * dt + backup_cost
    revenue = np.zeros(dcs.n)
    pos = {d: i for i, d in enumerate(dcs.ids)}
    for c in model.contracts.summary(stop).values():
        revenue[pos[c["seller_id"]]] += c["payment_cny"]
    out = {}
    for i, agent_id in enumerate(dcs.ids):
        out[agent_id] = {
            "type": "data_center",
            "pue": _ratio(fac_mwh[i], it_mwh[i]),
            "ref": _ratio(renewable_mwh[i], fac_mwh[i]),
            "erf": _ratio(reused_mwh[i], fac_mwh[i]),
            "ere": _ratio(fac_mwh[i] - reused_mwh[i], it_mwh[i]),
            "cue": _ratio(co2_t[i], it_mwh[i]),  # t/MWh = kg/kWh
            "wue": _ratio(water_m3[i], it_mwh[i]),  # m³/MWh = L/kWh
            "it_energy_mwh": float(it_mwh[i]),
            "facility_energy_mwh": float(fac_mwh[i]),
            "grid_energy_mwh": float(grid[:, i].sum() * dt),
            "heat_recovered_mwh": float(reused_mwh[i]),
            "water_m3": float(water_m3[i]),
            "co2_t": float(co2_t[i]),
            "cost_cny": float(cost[i]),
            "revenue_cny": float(revenue[i]),
        }
    return out


def _simple(fleet, stop: int, dt: float, energy: str | None, sign: float = 1.0) -> dict:
    out = {}
    for i, agent_id in enumerate(fleet.ids):
        row: dict = {"type": fleet.kind}
        if energy is not None:
            row[energy.replace("_mw", "_mwh")] = float(sign * fleet.series[energy][0][:stop, i].sum() * dt)
        for name in ("cost_cny", "revenue_cny", "co2_t"):
            if name in fleet.series:
                row[name] = float(fleet.series[name][0][:stop, i].sum())
        row.setdefault("cost_cny", 0.0)
        row.setdefault("revenue_cny", 0.0)
        out[agent_id] = row
    return out


def compute_kpis(model) -> dict:
    """KPIs over the completed steps of ``model`` (JSON-serialisable)."""
    stop, dt = model.step_index, model.dt_h
    agents: dict[str, dict] = {}
    agents.update(_data_centers(model, stop))
    agents.update(_simple(model.plants, stop, dt, "generation_mw"))
    agents.update(_simple(model.renewables, stop, dt, "generation_mw"))
    agents.update(_simple(model.heat, stop, dt, "heat_produced_mw"))
    agents.update(_simple(model.grid, stop, dt, "other_load_mw"))
    storage = _simple(model.storage, stop, dt, None)
    for i, agent_id in enumerate(model.storage.ids):
        p = model.storage.power[:stop, i]
        storage[agent_id]["charged_mwh"] = float(np.maximum(p, 0).sum() * dt)
        storage[agent_id]["discharged_mwh"] = float(np.maximum(-p, 0).sum() * dt)
    agents.update(storage)
    ordered = {a.id: agents[a.id] for a in model.scenario.actors}
    return {"region": _region(model, stop), "agents": ordered, "contracts": model.contracts.summary(stop)}
