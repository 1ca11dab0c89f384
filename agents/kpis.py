"""KPIs from the recorded series of a run: region, per agent (ISO/IEC 30134 for data centers), per contract.

Energy = power × dt_h summed over completed steps. Every data-center KPI uses one boundary (docs/model.md,
"KPI boundary"): E_DC = facility energy + the electricity of a heat pump the data center owns
(``heat_recovery.heat_pump_owner``); a heat pump owned by the heat utility or a third party is theirs.
ISO/IEC 30134 definitions (period totals): PUE = E_DC / E_IT (-2); REF = E_ren / E_DC (-3) with E_ren the
renewable energy the DC owns or contracts, attributed hour by hour (agents.markets.renewable_claims; ≤ 1 by
construction, never clipped); ERF = E_reused / E_DC (-6) with E_reused the heat leaving the DC boundary
(delivered heat if the DC owns the heat pump, the heat pump's source heat otherwise); CUE = CO2 [kg] /
E_IT [kWh] (-8); WUE = water [L] / E_IT [kWh] (-9). ERE = (E_DC − E_reused) / E_IT is The Green Grid's
metric (White Paper #29, 2010), not part of ISO/IEC 30134. ``grid_renewable_share`` is the location-based
renewable share of the DC's grid electricity (each step's grid share, battery energy attributed by
agents.markets.attribution), a separate KPI. Compute work [EFLOP] = dense FP16 capacity × utilisation × time
(agents.physics.it_load.delivered_compute_eflop).
"""

from __future__ import annotations

import numpy as np

from agents.contract_types import HEAT_CONTRACT_TYPES
from agents.markets import renewable_claims
from agents.physics import it_load
from agents.reductions import dot, row_dot


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
        "pue": _ratio(float(dc_sums["dc"].sum()), it_mwh),  # DC boundary: facility + DC-owned heat pumps
        "dc_it_energy_mwh": it_mwh,
        "dc_facility_energy_mwh": fac_mwh,
        "dc_energy_mwh": float(dc_sums["dc"].sum()),
        "dc_water_m3": water_m3,
        "dc_heat_recovered_mwh": float(r["heat_recovered_mw"].sum() * dt),
        "dc_heat_delivered_mwh": float(r["heat_from_dc_mw"].sum() * dt),
        "heat_demand_mwh": float(r["heat_demand_mw"].sum() * dt),
        "heat_supplied_mwh": heat_supplied,
        "heat_unserved_mwh": float(r["heat_unserved_mw"].sum() * dt),
        "heat_from_dc_share": _ratio(float(r["heat_from_dc_mw"].sum() * dt), heat_supplied) or 0.0,
        "electricity_demand_mwh": demand,
        "dc_share_of_electricity_demand": _ratio(float(dc_sums["dc"].sum()), demand) or 0.0,
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
        "dc_backup_energy_mwh": float(dc_sums["backup_energy"].sum()),  # of the DCs' backup generators
        "dc_backup_fuel_cost_cny": float(dc_sums["backup_fuel"].sum()),
        "dc_backup_co2_t": float(dc_sums["backup_co2"].sum()),
        "dc_ups_bridge_mwh": float(dc_sums["ups_bridge"].sum()),
        **_prices_and_costs(model, r, stop),
        "reserve_shortfall_mwh": float(r["reserve_shortfall_mw"].sum() * dt),
        "storage_reserve_payments_cny": float(model.storage.reserve_revenue[:stop].sum()),  # agents.markets.reserve
        **_frequency(model, r, stop),
    }


def _frequency(model, r: dict, stop: int) -> dict:
    """Worst step of each contingency of the frequency study and the worst voltage-dip event (agents.frequency_study)."""
    f0 = float(model.frequency.f0)

    def worst(name: str, fn, default: float) -> float:
        return float(fn(r[name])) if stop else default

    events = [v for k, v in sorted(model.event_results.items())]
    return {
        "worst_nadir_largest_infeed_hz": worst("nadir_largest_infeed_hz", np.min, f0),
        "worst_rocof_largest_infeed_hz_per_s": worst("rocof_largest_infeed_hz_per_s", np.min, 0.0),
        "worst_settling_largest_infeed_hz": worst("settling_largest_infeed_hz", np.min, f0),
        "worst_nadir_hvdc_loss_hz": worst("nadir_hvdc_loss_hz", np.min, f0),
        "worst_rocof_hvdc_loss_hz_per_s": worst("rocof_hvdc_loss_hz_per_s", np.min, 0.0),
        "worst_zenith_dc_trip_hz": worst("zenith_dc_trip_hz", np.max, f0),
        "worst_rocof_dc_trip_hz_per_s": worst("rocof_dc_trip_hz_per_s", np.max, 0.0),
        "worst_settling_dc_trip_hz": worst("settling_dc_trip_hz", np.max, f0),
        "voltage_dip_events": len(events),
        "voltage_dip_dc_load_transferred_mw": max((e["dc_load_transferred_mw"] for e in events), default=0.0),
        "voltage_dip_zenith_hz": max((e["zenith_hz"] for e in events), default=f0),
        "voltage_dip_rocof_hz_per_s": max((e["rocof_hz_per_s"] for e in events), default=0.0),
    }


def _prices_and_costs(model, r: dict, stop: int) -> dict:
    """Region prices (which price each key uses is in its name), resource cost and transfers between parties.

    Wholesale: cleared price paid to sellers. Retail: paid by consumers (the TOU tariff under ``tou_tariff``).
    ``system_cost_cny`` counts resource costs only (fuel, O&M, imports bought outside the region net of
    exports, backup fuel, value of lost load); ``carbon_cost_cny`` = carbon price × all CO2; transfers between
    parties inside the region are reported apart (docs/model.md, Markets).
    """
    dt = model.dt_h
    load = float(r["load_mw"].sum())
    imports = r["import_mw"].sum()
    cp = model.scenario.markets.carbon_price_cny_per_t
    heat = model.heat
    per_line = model.accepted_mw[:stop, model._blocks["import"]]
    book = model.imports
    return {
        "mean_wholesale_price_cny_per_mwh": float(r["wholesale_price_cny_per_mwh"].mean()) if stop else 0.0,
        "load_weighted_wholesale_price_cny_per_mwh": _ratio(
            dot(r["wholesale_price_cny_per_mwh"], r["load_mw"]), load) or 0.0,
        "mean_retail_price_cny_per_mwh": float(r["retail_price_cny_per_mwh"].mean()) if stop else 0.0,
        "load_weighted_retail_price_cny_per_mwh": _ratio(dot(r["retail_price_cny_per_mwh"], r["load_mw"]),
                                                         load) or 0.0,
        "system_cost_cny": float(r["system_cost_cny"].sum()),
        "carbon_cost_cny": float(r["carbon_cost_cny"].sum()),
        # transfers between parties (not resource costs)
        "retailer_margin_cny": float(r["retailer_margin_cny"].sum()),
        # what consumers (non-DC load, data centers, heat utilities) pay the grid operator for electricity
        "consumer_electricity_payments_cny": float(
            model.grid.revenue_cny[:stop].sum() - model.storage.cost_cny[:stop].sum()
            - r["export_mw"].sum() * model.scenario.markets.exports.price_cny_per_mwh * dt),
        "carbon_payments_cny": float(cp * (model.plants.co2_t[:stop].sum() + heat.co2_t[:stop].sum())),
        "heat_contract_payments_cny": float(model.contracts.payment_cny[:stop].sum()),
        "import_renewable_mwh": float(r["import_renewable_mw"].sum() * dt),
        "import_renewable_share": _ratio(float(r["import_renewable_mw"].sum()), float(imports)) or 0.0,
        "imports": {line_id: {"energy_mwh": float(per_line[:, k].sum() * dt),
                              "renewable_share_pu": float(book.renewable_share_pu[k]),
                              "co2_t": float(per_line[:, k].sum() * dt * book.co2_t_per_mwh[k]),
                              "utilisation_pu": _ratio(float(per_line[:, k].sum()),
                                                       float(book.available_mw[:stop, k].sum())) or 0.0}
                    for k, line_id in enumerate(book.ids)},
    }


def _grid_shares(model, stop: int):
    """Per-step renewable share and carbon intensity of grid supply (storage included) and the price the data
    centers pay (retail, or wholesale when they buy on the market)."""
    r = model.r
    return (r["renewable_share_pu"][:stop], r["carbon_intensity_kgco2_per_kwh"][:stop],
            r[model.dc_price_quantity][:stop])


RENEWABLE_HUB_TARGET = 0.8  # "East Data, West Computing": hub DCs take > 80 % renewable electricity (DOMAIN.md)
KPI_CHUNK_STEPS = 512  # per-DC sums run over time chunks so temporaries stay small for national fleets


class _OwnedRenewable:
    """Owned renewable plants and batteries of each DC, attributed chunk by chunk (agents.markets.renewable_claims)
    with the battery pools' renewable fraction carried from one chunk to the next."""

    def __init__(self, model):
        dcs = model.dcs
        self.model = model
        pos = {d: i for i, d in enumerate(dcs.ids)}
        self.plant_owner = model.renewables.owner_index(pos)
        self.unit_owner = model.storage.owner_index(pos)
        self.owners = np.unique(np.concatenate([self.plant_owner[self.plant_owner >= 0],
                                                self.unit_owner[self.unit_owner >= 0], dcs.pv_members])).astype(int)
        self.col = np.full(dcs.n, -1)
        self.col[self.owners] = np.arange(self.owners.size)
        self.pool_pu = None

    def chunk(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray]:
        """Owned generation and owned renewable power used, [steps, owners] [MW], for steps [a, b)."""
        model, dcs, dt = self.model, self.model.dcs, self.model.dt_h
        k, col = self.owners.size, self.col
        gen = np.zeros((b - a, k))
        for j in np.flatnonzero(self.plant_owner >= 0):
            gen[:, col[self.plant_owner[j]]] += model.renewables.power[a:b, j]
        if dcs.pv_members.size:
            gen[:, col[dcs.pv_members]] += dcs.pv_used_mw(a, b)
        st = model.storage
        charge, discharge = np.zeros((b - a, k)), np.zeros((b - a, k))
        charged, discharged, pool = np.zeros((b - a, k)), np.zeros((b - a, k)), np.zeros((b - a, k))
        for u in np.flatnonzero(self.unit_owner >= 0):
            c = col[self.unit_owner[u]]
            p = st.power[a:b, u]
            before = st.soc[a - 1:b - 1, u] if a > 0 else np.concatenate([[st.soc_initial_mwh[u]], st.soc[:b - 1, u]])
            charge[:, c] += np.maximum(p, 0.0)
            discharge[:, c] += np.maximum(-p, 0.0)
            charged[:, c] += np.maximum(p, 0.0) * st.eta_c[u] * dt
            discharged[:, c] += np.maximum(-p, 0.0) / st.eta_d[u] * dt
            pool[:, c] += before
        load = dcs.behind_meter_mw(a, b, self.owners)
        claim = renewable_claims.owned_renewable_used_mw(load, gen, charge, discharge, charged, discharged, pool,
                                                         self.pool_pu)
        self.pool_pu = claim.pool_renewable_pu
        return gen, claim.used_mw


def _data_center_sums(model, stop: int) -> dict[str, np.ndarray]:
    """Per-DC energy, water, CO2, money and compute over steps [0, stop), accumulated chunk by chunk."""
    dcs, dt = model.dcs, model.dt_h
    ren_share, intensity, price = _grid_shares(model, stop)
    n = dcs.n
    acc = {k: np.zeros(n) for k in ("it", "fac", "dc", "grid", "grid_in", "hp", "reused", "grid_renewable", "co2",
                                    "water", "cost", "hp_cost", "pv", "work", "cooling_saved", "ppa_matched",
                                    "ppa", "recovered")}
    cap = np.array([_compute_capacity_pflops(s) for s in dcs.specs], dtype=float)
    utilisation = dcs.series["utilisation_pu"][0]
    it_all, fac_all = dcs.it_mw.T, dcs.facility_mw.T  # agent-major [DCs, steps]
    owned = _OwnedRenewable(model)
    acc["owned_used"], acc["owned_generated"] = np.zeros(n), np.zeros(n)
    for a in range(0, stop, KPI_CHUNK_STEPS):
        b = min(stop, a + KPI_CHUNK_STEPS)
        it = it_all[:, a:b]
        fac = fac_all[:, a:b]
        hp = dcs.owned_heat_pump_mw(a, b).T
        grid = dcs.grid_power_mw(a, b).T
        grid_in = np.maximum(grid, 0.0)
        load = fac + hp
        acc["it"] += it.sum(axis=1)
        acc["fac"] += fac.sum(axis=1)
        acc["hp"] += hp.sum(axis=1)
        acc["dc"] += load.sum(axis=1)
        acc["grid"] += grid.sum(axis=1)
        acc["grid_in"] += grid_in.sum(axis=1)
        acc["cost"] += row_dot(grid, price[a:b])
        acc["hp_cost"] += row_dot(hp, price[a:b])
        acc["co2"] += row_dot(grid_in, intensity[a:b])
        acc["grid_renewable"] += row_dot(grid_in, ren_share[a:b])
        acc["work"] += it_load.delivered_compute_eflop(cap, utilisation(a, b).T, dt)  # capacity × utilisation
        # contracted renewable (hook, agents.markets.renewable_claims): PPA deliveries matched to the load
        # left after owned renewables in the same step
        ppa = renewable_claims.contracted_renewable_mw(model.ledger, dcs.ids, a, b).T
        owned_used = np.zeros_like(load)
        if owned.owners.size:
            gen_owned, used_owned = owned.chunk(a, b)
            owned_used[owned.owners] = used_owned.T
            acc["owned_generated"][owned.owners] += gen_owned.sum(axis=0)
        acc["owned_used"] += owned_used.sum(axis=1)
        acc["ppa"] += ppa.sum(axis=1)
        acc["ppa_matched"] += np.minimum(ppa, np.maximum(load - owned_used, 0.0)).sum(axis=1)
        acc["water"] += np.multiply(it, dcs.wue_l_per_kwh(a, b).T).sum(axis=1)  # per DC, its site's air
        if dcs.hr_members.size:
            acc["reused"][dcs.hr_members] += dcs.heat_reused_mw[a:b].sum(axis=0)
            acc["recovered"][dcs.hr_members] += dcs.heat_recovered_mw[a:b].sum(axis=0)
            acc["cooling_saved"][dcs.hr_members] += dcs.cooling_saved_mw[a:b].sum(axis=0)
        if dcs.pv_members.size:
            acc["pv"][dcs.pv_members] += dcs.pv_used_mw(a, b).sum(axis=0)
    out = {k: v * dt for k, v in acc.items()}  # MW·steps → MWh (t/MWh·MWh → t; L/kWh·MWh → m³)
    out["compute_eflop"] = acc["work"]  # already EFLOP
    out["certificates"] = renewable_claims.certificate_renewable_mwh(model.scenario.contracts, dcs.ids, 0, stop)
    out["compute_capacity_pflops"] = cap
    for k in ("backup_energy", "backup_fuel", "backup_co2", "backup_starts", "ups_bridge"):
        out[k] = np.zeros(n)
    if dcs.backup_members.size:
        backup = dcs.backup_mw[:stop]
        out["cost"][dcs.backup_members] += (backup * dcs.backup_fuel_cny_per_mwh).sum(axis=0) * dt
        out["co2"][dcs.backup_members] += (backup * dcs.backup_co2_t_per_mwh).sum(axis=0) * dt
        tot = dcs.backup.totals(stop)  # agents.actors.dc_backup: energy, fuel cost, CO2, UPS bridge
        m = dcs.backup_members
        out["backup_energy"][m], out["backup_fuel"][m] = tot["energy_mwh"], tot["fuel_cost_cny"]
        out["backup_co2"][m], out["ups_bridge"][m] = tot["co2_t"], tot["ups_bridge_mwh"]
        out["backup_starts"][m] = dcs.backup.starts_before(stop)
    return out


def _compute_capacity_pflops(spec) -> float:
    if spec.compute_capacity_pflops is not None:
        return float(spec.compute_capacity_pflops)
    return float(it_load.compute_capacity_pflops(spec.it_capacity_mw, spec.accelerator, spec.accelerator_count))


def _payback_basis(hr) -> str | None:
    if hr is None or hr.capex_cny_per_mw <= 0:
        return None
    return (f"{'assumed' if hr.capex_basis == 'assumption' else 'reported'} capex; seller's cash flow "
            f"(heat sales{' − heat-pump electricity' if hr.heat_pump_owner == 'data_center' else ''})")


def _data_centers(model, stop: int) -> dict:
    dcs = model.dcs
    s = _data_center_sums(model, stop)
    revenue = np.zeros(dcs.n)
    pos = {d: i for i, d in enumerate(dcs.ids)}
    for c in model.contracts.summary(stop).values():
        revenue[pos[c["seller_id"]]] += c["payment_cny"]
    capex = np.zeros(dcs.n)
    if dcs.hr_members.size:
        capex[dcs.hr_members] = [dcs.specs[i].heat_recovery.capex_cny_per_mw
                                 * dcs.specs[i].heat_recovery.heat_pump_capacity_mw for i in dcs.hr_members]
    years = stop * model.dt_h / 8760.0
    hours = stop * model.dt_h
    out = {}
    for i, agent_id in enumerate(dcs.ids):
        it, e_dc, reused = s["it"][i], s["dc"][i], s["reused"][i]
        hr = dcs.specs[i].heat_recovery
        hourly_mwh = s["owned_used"][i] + s["ppa_matched"][i]  # renewable matched to the load in each step
        # ISO/IEC 30134-3: owned renewable used on site + contracted renewable (PPA volumes beyond the hourly
        # match and unbundled certificates count over the period), never more than the DC consumed
        ren_mwh = hourly_mwh + min(s["ppa"][i] - s["ppa_matched"][i] + s["certificates"][i], e_dc - hourly_mwh)
        annual_mwh = min(s["owned_generated"][i] + s["ppa"][i] + s["certificates"][i], e_dc)
        net_heat = revenue[i] - s["hp_cost"][i]  # heat sales minus own heat-pump electricity
        payback = capex[i] / (net_heat / years) if capex[i] > 0 and net_heat > 0 and years > 0 else None
        work = s["compute_eflop"][i]
        out[agent_id] = {
            "type": "data_center",
            "pue": _ratio(e_dc, it),
            "ref": _ratio(ren_mwh, e_dc),
            "renewable_share_hourly_matched": _ratio(hourly_mwh, e_dc),
            "renewable_share_annual_matched": _ratio(annual_mwh, e_dc),
            "meets_80pct_renewable_hourly": bool(hourly_mwh >= RENEWABLE_HUB_TARGET * e_dc) if e_dc > 0 else False,
            "meets_80pct_renewable_annual": bool(annual_mwh >= RENEWABLE_HUB_TARGET * e_dc) if e_dc > 0 else False,
            "grid_renewable_share": _ratio(s["grid_renewable"][i], s["grid_in"][i]),
            "erf": _ratio(reused, e_dc),
            "ere": _ratio(e_dc - reused, it),
            "cue": _ratio(s["co2"][i], it),  # t/MWh = kg/kWh
            "wue": _ratio(s["water"][i], it),  # m³/MWh = L/kWh
            "it_energy_mwh": float(it),
            "facility_energy_mwh": float(s["fac"][i]),
            "dc_energy_mwh": float(e_dc),
            "grid_energy_mwh": float(s["grid"][i]),
            "onsite_pv_mwh": float(s["pv"][i]),
            "owned_renewable_used_mwh": float(s["owned_used"][i]),
            "owned_renewable_generated_mwh": float(s["owned_generated"][i]),
            "contracted_renewable_mwh": float(s["ppa"][i] + s["certificates"][i]),
            "heat_pump_owner": hr.heat_pump_owner if hr is not None else None,
            "heat_pump_electricity_mwh": float(s["hp"][i]),
            "heat_recovered_mwh": float(s["recovered"][i]),  # waste heat the heat pump extracts (source side)
            "heat_reused_mwh": float(reused),  # heat handed over at the DC boundary (ERF numerator)
            "cooling_saved_mwh": float(s["cooling_saved"][i]),
            "compute_capacity_pflops": float(s["compute_capacity_pflops"][i]),
            "compute_eflop": float(work),
            "mean_delivered_pflops": work * 1000.0 / (hours * 3600.0) if hours > 0 else 0.0,
            "compute_gflops_per_w": _ratio(work * 1e9, e_dc * 3.6e9),  # EFLOP·1e18 / (MWh·3.6e9 J) / 1e9
            "compute_precision": it_load.COMPUTE_PRECISION,
            "facility_mwh_per_eflop": _ratio(e_dc, work),
            "water_m3": float(s["water"][i]),
            "co2_t": float(s["co2"][i]),
            "cost_cny": float(s["cost"][i]),  # grid energy at the price below + backup fuel
            "backup_energy_mwh": float(s["backup_energy"][i]),  # own backup generators (agents.actors.dc_backup)
            "backup_fuel_cost_cny": float(s["backup_fuel"][i]),
            "backup_co2_t": float(s["backup_co2"][i]),  # included in co2_t
            "backup_start_count": int(s["backup_starts"][i]),
            "ups_bridge_mwh": float(s["ups_bridge"][i]),  # carried by the UPS while the generators start
            "electricity_price_basis": model.dc_price_quantity,  # retail, or wholesale for market participants
            "revenue_cny": float(revenue[i]),
            "heat_sales_cny": float(revenue[i]),
            "heat_pump_electricity_cost_cny": float(s["hp_cost"][i]),
            "heat_recovery_payback_years": payback,
            "heat_recovery_payback_basis": _payback_basis(hr),
        }
    if dcs.cold.active:  # cold stores (agents.actors.dc_cold_storage): only DCs that have one get the keys
        cold = dcs.cold.totals(stop, model.r[model.dc_price_quantity])
        for j, i in enumerate(dcs.cold.members.tolist()):
            out[dcs.ids[i]]["cold_storage_shifted_mwh_th"] = float(cold["shifted_mwh_th"][j])
            out[dcs.ids[i]]["cold_storage_saving_cny"] = float(cold["saving_cny"][j])
    return out, s


def _heat_pumps_of_others(model, stop: int) -> dict[str, dict[str, float]]:
    """Electricity, cost and CO2 of DC heat pumps owned by a heat utility (the heat_purchase buyer) or by a
    third party, per owner: {utility id or "third_party": {...}} (docs/model.md "KPI boundary")."""
    dcs, dt = model.dcs, model.dt_h
    buyer = {c.seller_id: c.buyer_id for c in model.scenario.contracts if c.type in HEAT_CONTRACT_TYPES}
    price = {"heat_utility": model.r[model.price_quantity["heat_utility"]][:stop],  # the owner's price
             "third_party": model.r["retail_price_cny_per_mwh"][:stop]}
    intensity = model.r["carbon_intensity_kgco2_per_kwh"][:stop]
    out: dict[str, dict[str, float]] = {}
    for j, i in enumerate(dcs.hr_members):
        if dcs.hp_dc_owned[j]:
            continue
        who = buyer[dcs.ids[i]] if dcs.hp_owner[j] == "heat_utility" else "third_party"
        hp = dcs.hp_power_mw[:stop, j]
        row = out.setdefault(who, {"dc_heat_pump_electricity_mwh": 0.0, "dc_heat_pump_cost_cny": 0.0,
                                   "dc_heat_pump_co2_t": 0.0})
        row["dc_heat_pump_electricity_mwh"] += float(hp.sum() * dt)
        row["dc_heat_pump_cost_cny"] += dot(hp, price[dcs.hp_owner[j]]) * dt
        row["dc_heat_pump_co2_t"] += dot(hp, intensity) * dt
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
            "heat_storage_charged_mwh": float(h.storage_charge[:stop, i].sum() * dt),  # its heat tank
            "heat_storage_discharged_mwh": float(h.storage_discharge[:stop, i].sum() * dt),
        })
    others = _heat_pumps_of_others(model, stop)
    for agent_id, row in heat.items():  # a utility that owns DC heat pumps pays their electricity (cost_cny);
        # their CO2 (grid intensity, location-based) is reported beside its fuel CO2, not added to it
        extra = others.get(agent_id, {"dc_heat_pump_electricity_mwh": 0.0, "dc_heat_pump_cost_cny": 0.0,
                                      "dc_heat_pump_co2_t": 0.0})
        row.update(extra)
        row["cost_cny"] += extra["dc_heat_pump_cost_cny"]
        row["heat_cost_cny_per_mwh"] = _ratio(row["cost_cny"], row["heat_delivered_mwh"])
    agents.update(heat)
    agents.update(_simple(model.grid, stop, dt, "other_load_mw"))
    storage = _simple(model.storage, stop, dt, None)
    for i, agent_id in enumerate(model.storage.ids):
        p = model.storage.power[:stop, i]
        storage[agent_id]["charged_mwh"] = float(np.maximum(p, 0).sum() * dt)
        storage[agent_id]["discharged_mwh"] = float(np.maximum(-p, 0).sum() * dt)
        storage[agent_id]["reserve_revenue_cny"] = float(model.storage.reserve_revenue[:stop, i].sum())
        storage[agent_id]["mean_reserve_mw"] = float(model.storage.reserve[:stop, i].mean()) if stop else 0.0
    agents.update(storage)
    ordered = {a.id: agents[a.id] for a in model.scenario.actors}
    region = _region(model, stop, dc_sums)
    third = others.get("third_party")
    region["third_party_heat_pump_electricity_mwh"] = third["dc_heat_pump_electricity_mwh"] if third else 0.0
    contracts = model.ledger.summary(stop)  # per contract and party (agents.ledger) + the heat book's volumes
    for cid, row in model.contracts.summary(stop).items():
        contracts[cid].update(row)
    for item in model.ledger.items(stop):  # its line items (payer → payee, CNY): the Contract Lab's drill-down
        contracts[item.pop("contract_id")].setdefault("items", []).append(item)
    out = {"region": region, "agents": ordered, "contracts": contracts}
    if model.outages.active:  # site grid outages, per event and site (agents.outages)
        out["outages"] = model.outages.kpis(stop)
        unserved_it = model.outages.unserved_it_mwh_per_dc(stop)
        for i, dc_id in enumerate(model.dcs.ids):
            ordered[dc_id]["unserved_it_mwh"] = float(unserved_it[i])  # IT work not done while off the grid
        region["dc_unserved_it_mwh"] = float(unserved_it.sum())
    if model.dr.active:  # demand-response events, per program / event / aggregator / participant (agents.dr_desk)
        out["demand_response"] = model.dr.kpis()
    return out
