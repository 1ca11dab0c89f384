"""KPIs of a multi-region run: each region's KPIs, totals over the regions, and the moved work.

``regions``: {region id: that region's ``region`` KPIs (agents.kpis)}. ``region``: totals — additive KPIs
(energies ``_mwh``, ``co2_t``, costs and payments ``_cny``, water ``_m3``; not prices ``_per_``) summed; ``pue`` = Σ DC energy / Σ IT
energy; ``renewable_share`` demand-weighted; ``peak_load_mw`` the coincident peak of the summed load.
``agents`` / ``contracts``: every region's, each agent with its ``region`` id.

``migration`` (docs/model.md "Several regions"): per link (directed, from → to) the IT energy that left the
source ``moved_it_mwh`` (per work class too) and arrived at the destination ``arrived_it_mwh`` (× (1 + loss);
``loss_mwh`` the difference); the facility energy of that work at the source and at the destination (IT × the
region's recorded DC PUE of the step), valued at each region's recorded price the data centers pay and its
recorded average carbon intensity: ``source_cost_cny`` / ``destination_cost_cny``, ``source_co2_t`` /
``destination_co2_t`` (location-based, average intensity), and at the published real-time marginal emissions
of each step ``source_marginal_co2_t`` / ``destination_marginal_co2_t`` (what the move changes at the margin);
``cost_change_cny``, ``co2_change_t`` and ``marginal_co2_change_t`` = destination − source (negative: the move
saved). These value the moved energy alone, against what the source would have used and emitted for it; the
system change (every region's CO2 and cost against a run with migration ``none``, same seed) needs that
second run (tests/model/test_multi_region.py compares them).
"""

from __future__ import annotations

import numpy as np

from agents.strategies.migration import WORK_CLASSES

_ADDITIVE_SUFFIXES = ("_mwh", "_cny", "_m3")
_ADDITIVE_KEYS = ("co2_t",)


def _totals(model, per_region: dict[str, dict]) -> dict:
    blocks = list(per_region.values())
    out: dict[str, float | int | None] = {"steps": int(model.step_index)}
    first = blocks[0]
    extra = {k: v for b in blocks[1:] for k, v in b.items() if k not in first}  # e.g. a region's outage totals
    for key, value in {**first, **extra}.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool) and (
                (key.endswith(_ADDITIVE_SUFFIXES) and "_per_" not in key) or key in _ADDITIVE_KEYS):
            out[key] = float(sum(b.get(key) or 0.0 for b in blocks))
    it, dc = out.get("dc_it_energy_mwh", 0.0), out.get("dc_energy_mwh", 0.0)
    demand = out.get("electricity_demand_mwh", 0.0)
    out["pue"] = dc / it if it else None
    out["renewable_share"] = (sum(b["renewable_share"] * b["electricity_demand_mwh"] for b in blocks) / demand
                              if demand else 0.0)
    out["dc_share_of_electricity_demand"] = dc / demand if demand else 0.0
    stop = model.step_index
    load = sum(m.r["load_mw"][:stop] for m in model.models.values())
    out["peak_load_mw"] = float(np.max(load)) if stop else 0.0
    return out


def _valuation(m, stop: int) -> tuple[np.ndarray, ...]:
    """Per step of one region: DC PUE (facility / IT), price the DCs pay [CNY/MWh], average and marginal
    (the published real-time marginal emissions, agents.signals) intensity [tCO2/MWh]."""
    r = m.r
    it, fac = r["dc_it_mw"][:stop], r["dc_facility_mw"][:stop]
    pue = np.divide(fac, it, out=np.ones(stop), where=it > 0)
    marginal = m.book.marginal_co2_kgco2_per_kwh(0, stop, m.imports.variant[:stop]) if stop else np.zeros(0)
    return pue, r[m.dc_price_quantity][:stop], r["carbon_intensity_kgco2_per_kwh"][:stop], marginal


def migration_kpis(model) -> dict:
    """The ``migration`` block (module docstring)."""
    stop, dt = model.step_index, model.dt_h
    value = [_valuation(model.models[rid], stop) for rid in model.region_ids]
    links = {}
    totals = dict.fromkeys(("moved_it_mwh", "arrived_it_mwh", "loss_mwh", "source_cost_cny", "destination_cost_cny",
                            "source_co2_t", "destination_co2_t", "source_marginal_co2_t",
                            "destination_marginal_co2_t"), 0.0)
    for j, lid in enumerate(model.link_ids):
        moved = model.moved_mw[:stop, j]  # [steps, classes]
        out_mw = moved.sum(axis=1)
        in_mw = out_mw * (1.0 + model.link_loss_pu[j])
        (pue_s, price_s, co2_s, mco2_s), (pue_d, price_d, co2_d, mco2_d) = (value[model.link_from[j]],
                                                                            value[model.link_to[j]])
        row = {
            "from_region": model.region_ids[model.link_from[j]], "to_region": model.region_ids[model.link_to[j]],
            "moved_it_mwh": float(out_mw.sum() * dt),
            "moved_it_mwh_by_class": {c: float(moved[:, k].sum() * dt) for k, c in enumerate(WORK_CLASSES)},
            "arrived_it_mwh": float(in_mw.sum() * dt),
            "loss_mwh": float((in_mw - out_mw).sum() * dt),
            "source_cost_cny": float((out_mw * pue_s * price_s).sum() * dt),
            "destination_cost_cny": float((in_mw * pue_d * price_d).sum() * dt),
            "source_co2_t": float((out_mw * pue_s * co2_s).sum() * dt),
            "destination_co2_t": float((in_mw * pue_d * co2_d).sum() * dt),
            "source_marginal_co2_t": float((out_mw * pue_s * mco2_s).sum() * dt),
            "destination_marginal_co2_t": float((in_mw * pue_d * mco2_d).sum() * dt),
            "hours_used_h": float((out_mw > 0).sum() * dt),
            "utilisation_pu": float(out_mw.mean() / model.link_capacity_mw[j]) if stop else 0.0,
        }
        row["cost_change_cny"] = row["destination_cost_cny"] - row["source_cost_cny"]
        row["co2_change_t"] = row["destination_co2_t"] - row["source_co2_t"]
        row["marginal_co2_change_t"] = row["destination_marginal_co2_t"] - row["source_marginal_co2_t"]
        for key in totals:
            totals[key] += row[key]
        links[lid] = row
    totals["cost_change_cny"] = totals["destination_cost_cny"] - totals["source_cost_cny"]
    totals["co2_change_t"] = totals["destination_co2_t"] - totals["source_co2_t"]
    totals["marginal_co2_change_t"] = totals["destination_marginal_co2_t"] - totals["source_marginal_co2_t"]
    return {"strategy": model.scenario.migration.kind, "links": links, **totals}


def multi_region_kpis(model) -> dict:
    """KPIs of a MultiRegionModel over its completed steps (module docstring)."""
    per = {rid: m.kpis() for rid, m in model.models.items()}
    agents, contracts = {}, {}
    for rid, k in per.items():
        agents.update({aid: {**row, "region": rid} for aid, row in k["agents"].items()})
        contracts.update({cid: {**row, "region": rid} for cid, row in k["contracts"].items()})
    regions = {rid: k["region"] for rid, k in per.items()}
    out = {"region": _totals(model, regions), "agents": agents, "contracts": contracts, "regions": regions,
           "migration": migration_kpis(model)}
    outages = {rid: k["outages"] for rid, k in per.items() if "outages" in k}  # site grid outages (agents.outages)
    if outages:
        out["outages"] = {"regions": outages}
    return out
