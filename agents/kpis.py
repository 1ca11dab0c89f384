"""KPIs from the recorded series of a run: region, per agent (ISO/IEC 30134 for data centers), per contract.

Energy = power × dt_h summed over completed steps. ISO/IEC 30134 definitions (period totals):
PUE = E_facility / E_IT (-2); REF = E_renewable / E_facility (-3); ERF = E_reused / E_facility (-6);
ERE = (E_facility − E_reused) / E_IT; REF is hourly-matched (each step's grid renewable share), ``ref_annual``
matches over the whole period (the period's grid renewable share); CUE = CO2 [kg] / E_IT [kWh] (-8); WUE = water [L] / E_IT [kWh] (-9).
E_reused is the waste heat the heat pump extracts from the data center (source side, ≤ IT energy).
Grid electricity carries the step's grid renewable share and carbon intensity (location-based accounting,
battery energy attributed by agents.markets.attribution). Compute work [EFLOP] = utilisation-weighted IT
energy at the accelerator's peak efficiency (agents.physics.it_load.ACCELERATOR_TFLOPS_PER_W).
"""

from __future__ import annotations

import numpy as np

from agents.physics import cooling, it_load


def _ratio(num: float, den: float) -> float | None:
    return float(num / den) if den > 0 else None


def _region(model, stop: int, dc_sums: dict) -> dict:
    r = {k: v[:stop] for k, v in model.r.items()}
    dt = model.dt_h
    it_mwh = float(r["dc_it_mw"].sum() * dt)
    fac_mwh = float(r["dc_facility_mw"].sum() * dt)
    water_m3 = float(dc_sums["water"].sum())
    heat_supplied = float((r["heat_produced_mw"] + r["heat_from_dc_mw"]).sum() * dt)
    demand = float(r["load_mw"].sum() * dt)
    behind_meter_pv = float(dc_sums["pv"].sum())
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
        "dc_share_of_electricity_demand": _ratio(float((r["dc_facility_mw"] + r["dc_heat_pump_mw"]).sum() * dt),
                                                 demand) or 0.0,
        "peak_load_mw": float(r["load_mw"].max()) if stop else 0.0,
        "renewable_share": _ratio(float((r["renewable_share_pu"] * r["load_mw"]).sum() * dt), demand) or 0.0,
        "renewable_mwh": float(r["renewable_mw"].sum() * dt),
        "dc_onsite_pv_mwh": behind_meter_pv,
        "curtailment_mwh": float(r["curtailment_mw"].sum() * dt),
        "chp_surplus_mwh": float(r["chp_surplus_mw"].sum() * dt),
        "import_mwh": float(r["import_mw"].sum() * dt),
        "export_mwh": float(r["export_mw"].sum() * dt),
        "unserved_mwh": float(r["unserved_mw"].sum() * dt),
        "co2_t": float(r["co2_t"].sum()),
        "mean_price_cny_per_mwh": float(r["price_cny_per_mwh"].mean()) if stop else 0.0,
        "load_weighted_price_cny_per_mwh": _ratio(float((r["price_cny_per_mwh"] * r["load_mw"]).sum()),
                                                  float(r["load_mw"].sum())) or 0.0,
        "system_cost_cny": float(r["system_cost_cny"].sum()),
        "reserve_shortfall_mwh": float(r["reserve_shortfall_mw"].sum() * dt),
        "worst_rocof_largest_infeed_hz_per_s": float(r["rocof_largest_infeed_hz_per_s"].min()) if stop else 0.0,
        "worst_rocof_dc_trip_hz_per_s": float(r["rocof_dc_trip_hz_per_s"].max()) if stop else 0.0,
    }


def _grid_shares(model, stop: int):
    """Per-step renewable share and carbon intensity of grid supply (storage included) and the price."""
    r = model.r
    return r["renewable_share_pu"][:stop], r["carbon_intensity_kgco2_per_kwh"][:stop], r["price_cny_per_mwh"][:stop]


RENEWABLE_HUB_TARGET = 0.8  # "East Data, West Computing": hub DCs take > 80 % renewable electricity (DOMAIN.md)
KPI_CHUNK_STEPS = 512  # per-DC sums run over time chunks so temporaries stay small for national fleets


def _data_center_sums(model, stop: int) -> dict[str, np.ndarray]:
    """Per-DC energy, water, CO2 and money over steps [0, stop), accumulated chunk by chunk."""
    dcs, dt = model.dcs, model.dt_h
    ren_share, intensity, price = _grid_shares(model, stop)
    n = dcs.n
    acc = {k: np.zeros(n) for k in ("it", "fac", "grid", "reused", "renewable", "co2", "water", "cost", "pv",
                                    "busy", "cooling_saved")}
    utilisation = dcs.series["utilisation_pu"][0]
    techs = [(tech, np.flatnonzero(dcs.techs == tech)) for tech in sorted(set(dcs.techs.tolist()))]
    it_all, fac_all = dcs.it_mw.T, dcs.facility_mw.T  # agent-major [DCs, steps]
    for a in range(0, stop, KPI_CHUNK_STEPS):
        b = min(stop, a + KPI_CHUNK_STEPS)
        it = it_all[:, a:b]
        fac = fac_all[:, a:b]
        grid = dcs.grid_power_mw(a, b).T
        grid_in = np.maximum(grid, 0.0)
        acc["it"] += it.sum(axis=1)
        acc["fac"] += fac.sum(axis=1)
        acc["grid"] += grid.sum(axis=1)
        acc["cost"] += grid @ price[a:b]
        acc["co2"] += grid_in @ intensity[a:b]
        acc["renewable"] += grid_in @ ren_share[a:b]
        acc["busy"] += (it * utilisation(a, b).T).sum(axis=1)  # IT energy doing work (utilisation-weighted)
        for tech, cols in techs:
            acc["water"][cols] += it[cols] @ cooling.wue_l_per_kwh(dcs.temp_c[a:b], tech)
        if dcs.hr_members.size:
            acc["reused"][dcs.hr_members] += dcs.heat_recovered_mw[a:b].sum(axis=0)
            acc["cooling_saved"][dcs.hr_members] += dcs.cooling_saved_mw[a:b].sum(axis=0)
        if dcs.pv_members.size:
            pv_used = dcs.pv_used_mw(a, b).T
            acc["pv"][dcs.pv_members] += np.minimum(pv_used, fac[dcs.pv_members]).sum(axis=1)
    out = {k: v * dt for k, v in acc.items()}  # MW·steps → MWh (t/MWh·MWh → t; L/kWh·MWh → m³)
    out["renewable"] += out["pv"]
    mwh_per_eflop = np.array([it_load.it_energy_mwh_for_work(1.0, s.accelerator) for s in dcs.specs], dtype=float)
    out["compute_eflop"] = out["busy"] / mwh_per_eflop
    if dcs.backup_members.size:
        backup = dcs.backup_mw[:stop]
        out["cost"][dcs.backup_members] += (backup * dcs.backup_fuel_cny_per_mwh).sum(axis=0) * dt
        out["co2"][dcs.backup_members] += (backup * dcs.backup_co2_t_per_mwh).sum(axis=0) * dt
    return out


def _data_centers(model, stop: int) -> dict:
    dcs = model.dcs
    s = _data_center_sums(model, stop)
    revenue = np.zeros(dcs.n)
    pos = {d: i for i, d in enumerate(dcs.ids)}
    for c in model.contracts.summary(stop).values():
        revenue[pos[c["seller_id"]]] += c["payment_cny"]
    hp_cost = np.zeros(dcs.n)
    capex = np.zeros(dcs.n)
    if dcs.hr_members.size:
        price = model.r["price_cny_per_mwh"][:stop]
        hp_cost[dcs.hr_members] = price @ dcs.hp_power_mw[:stop] * model.dt_h
        capex[dcs.hr_members] = [dcs.specs[i].heat_recovery.capex_cny_per_mw
                                 * dcs.specs[i].heat_recovery.heat_pump_capacity_mw for i in dcs.hr_members]
    years = stop * model.dt_h / 8760.0
    r = model.r
    supply = r["generation_mw"][:stop] + r["import_mw"][:stop] + r["storage_discharge_mw"][:stop]
    annual_share = _ratio(float(r["renewable_share_pu"][:stop] @ supply), float(supply.sum())) or 0.0
    out = {}
    for i, agent_id in enumerate(dcs.ids):
        it, fac, reused = s["it"][i], s["fac"][i], s["reused"][i]
        ref_annual = _ratio(s["pv"][i] + max(s["grid"][i], 0.0) * annual_share, fac)
        net_heat = revenue[i] - hp_cost[i]  # heat sales minus heat-pump electricity
        payback = capex[i] / (net_heat / years) if capex[i] > 0 and net_heat > 0 and years > 0 else None
        out[agent_id] = {
            "type": "data_center",
            "pue": _ratio(fac, it),
            "ref": _ratio(s["renewable"][i], fac),
            "ref_annual": min(ref_annual, 1.0) if ref_annual is not None else None,
            "meets_80pct_renewable_hourly": bool(s["renewable"][i] >= RENEWABLE_HUB_TARGET * fac) if fac > 0 else False,
            "erf": _ratio(reused, fac),
            "ere": _ratio(fac - reused, it),
            "cue": _ratio(s["co2"][i], it),  # t/MWh = kg/kWh
            "wue": _ratio(s["water"][i], it),  # m³/MWh = L/kWh
            "it_energy_mwh": float(it),
            "facility_energy_mwh": float(fac),
            "grid_energy_mwh": float(s["grid"][i]),
            "onsite_pv_mwh": float(s["pv"][i]),
            "heat_recovered_mwh": float(reused),
            "cooling_saved_mwh": float(s["cooling_saved"][i]),
            "compute_eflop": float(s["compute_eflop"][i]),
            "facility_mwh_per_eflop": _ratio(fac, s["compute_eflop"][i]),
            "water_m3": float(s["water"][i]),
            "co2_t": float(s["co2"][i]),
            "cost_cny": float(s["cost"][i]),
            "revenue_cny": float(revenue[i]),
            "heat_sales_cny": float(revenue[i]),
            "heat_pump_electricity_cost_cny": float(hp_cost[i]),
            "heat_recovery_payback_years": payback,
        }
    return out, s


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
    dc_kpis, dc_sums = _data_centers(model, stop)
    agents.update(dc_kpis)
    agents.update(_simple(model.plants, stop, dt, "generation_mw"))
    agents.update(_simple(model.renewables, stop, dt, "generation_mw"))
    heat = _simple(model.heat, stop, dt, "heat_produced_mw")
    for i, agent_id in enumerate(model.heat.ids):
        h = model.heat
        from_dc = float(h.from_dc[:stop, i].sum() * dt)
        delivered = float(h.delivered_mw[:stop, i].sum() * dt)
        heat[agent_id].update({
            "heat_from_dc_mwh": from_dc,
            "heat_demand_mwh": float(h.series["heat_demand_mw"][0][:stop, i].sum() * dt),
            "heat_delivered_mwh": delivered,
            "heat_unserved_mwh": float(h.unserved[:stop, i].sum() * dt),
            "dhw_demand_mwh": float(h.series["dhw_demand_mw"][0][:stop, i].sum() * dt),
            "heat_loss_mwh": float(h.loss_mw[:stop, i].sum() * dt),
            "fuel_mwh": float(h.fuel[:stop, i].sum() * dt),
            "chp_power_mwh": float(h.chp_out[:stop, i].sum() * dt),
            "chp_surplus_mwh": float(h.chp_surplus[:stop, i].sum() * dt),
            "chp_power_co2_t": float(h.chp_co2_power_t[:stop, i].sum()),
            "heat_cost_cny_per_mwh": _ratio(heat[agent_id]["cost_cny"], delivered),
        })
    agents.update(heat)
    agents.update(_simple(model.grid, stop, dt, "other_load_mw"))
    storage = _simple(model.storage, stop, dt, None)
    for i, agent_id in enumerate(model.storage.ids):
        p = model.storage.power[:stop, i]
        storage[agent_id]["charged_mwh"] = float(np.maximum(p, 0).sum() * dt)
        storage[agent_id]["discharged_mwh"] = float(np.maximum(-p, 0).sum() * dt)
    agents.update(storage)
    ordered = {a.id: agents[a.id] for a in model.scenario.actors}
    return {"region": _region(model, stop, dc_sums), "agents": ordered, "contracts": model.contracts.summary(stop)}
