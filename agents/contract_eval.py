"""Contract results against the counterfactual: the same scenario and seed without the contract.

``evaluate_contracts(scenario, seed, model=None)`` runs the base scenario (or takes the finished ``model``) and,
for each contract, the scenario without it (:func:`scenario_without`), and returns per contract and party:

- ``horizon_change_cny``: the party's net money over the horizon with the contract minus without it —
  operating result from the run's KPIs (revenue − cost of the party, with the contract payments the KPIs
  already hold — heat sales and purchases — taken out) plus the party's ledger net (agents.ledger), all
  against the counterfactual's operating result;
- ``annual_change_cny``: that change scaled to a year (× 8760 h / horizon hours). Extrapolation: the horizon
  stands for every year of the term, unchanged (no escalation, no degradation); a horizon shorter than a year
  carries its season's bias — a winter horizon overstates a heat deal, so decide on full-year runs;
- ``cash_flows_cny``: year 0 … term: −capex of the assets the party pays for in year 0 (and at each multiple
  of their lifetime inside the term), then ``annual_change_cny`` + the capex and opex annuities the ledger
  charged (added back, so they are not counted twice) − opex every year;
- ``npv_cny`` at the contract's ``discount_rate_pu``, ``irr_pu`` (only when the cash flow changes sign once,
  else None and ``irr_reason``), ``simple_payback_years``, ``discounted_payback_years`` (agents.finance);
- ``co2_location_change_t``: the party's CO2 (its KPI ``co2_t``: grid energy at the average intensity, own
  fuel) with minus without; ``co2_market_change_t``: the same on a market basis — a data center's grid
  energy covered by PPA renewable energy with certificates counts at zero (GHG Protocol Scope 2, market-based;
  the residual mix is approximated by the grid average).

A multi-region run (agents.multi_region): the counterfactual is the same multi-region scenario and seed with
the contract removed from its region (every region runs again: moved work couples them); the party figures
come from the whole run's KPIs (``agents``, ``contracts`` of every region) and the contract's region model
(market-based CO2, a DR contract's peak cost).

Parties are the contract's seller and buyer, plus the grid operator where it is a party of the ledger (a
sleeved PPA). Without contracts the result is empty, and the counterfactual of a contract-free scenario is
the base run itself.

What the counterfactual removes besides the contract: for a heat contract, the seller's ``heat_recovery``
(without a buyer there is no heat recovery: a scenario rule); for a demand-response contract, the provider's
enrolment (the aggregator, or the data center's membership of its aggregators), since without the contract it
is not called. People's decisions of the base run (agents.decisions) are replayed in the counterfactual, those
that still apply to it (``decisions_valid_in``: not a DR bid on an aggregator the contract's removal changed).
PPAs and storage services change no dispatch (they are financial overlays), so their
counterfactual differs only in money, REF and market-based CO2.
"""

from __future__ import annotations

import numpy as np

from agents import finance
from agents.contract_types import HEAT_CONTRACT_TYPES
from agents.decisions import decisions_valid_in
from agents.ledger import HOURS_PER_YEAR, asset_lines

#: numeric keys evaluate_contracts adds per contract and per party (units for describe(), agents.units)
RESULT_KEYS = ("term_years", "discount_rate_pu", "peak_cost_change_cny", "horizon_change_cny", "annual_change_cny",
               "investment_cny", "opex_cny_per_year", "npv_cny", "irr_pu", "simple_payback_years",
               "discounted_payback_years", "co2_location_change_t", "co2_market_change_t")


def scenario_without(scenario, contract_id: str):
    """The scenario without contract ``contract_id`` (and what exists only because of it: module docstring); in
    a multi-region scenario the contract is removed from its region, the other regions stay as they are."""
    from agents.multi_region_scenario import validate_scenario

    doc = scenario.model_dump(mode="json")
    contract = next(c for c in scenario.contracts if c.id == contract_id)
    if hasattr(scenario, "regions"):
        body = next(r for r in doc["regions"] if any(c["id"] == contract_id for c in r["contracts"]))
    else:
        body = doc
    _remove_contract(body, contract)
    return validate_scenario(doc)


def _remove_contract(doc: dict, contract) -> None:
    """Remove ``contract`` from a single-region body ``doc`` (its contracts, actors and demand_response)."""
    doc["contracts"] = [c for c in doc["contracts"] if c["id"] != contract.id]
    if contract.type in HEAT_CONTRACT_TYPES:
        still_sold = {c["seller_id"] for c in doc["contracts"] if c["type"] in HEAT_CONTRACT_TYPES}
        for a in doc["actors"]:
            if a["id"] == contract.seller_id and a["id"] not in still_sold:
                a["heat_recovery"] = None
    elif contract.type == "demand_response":
        aggs = []
        for a in doc["demand_response"]["aggregators"]:
            if a["id"] == contract.seller_id:
                continue
            if contract.seller_id in a["member_ids"]:
                k = a["member_ids"].index(contract.seller_id)
                a = dict(a, member_ids=[m for m in a["member_ids"] if m != contract.seller_id])
                if a.get("commitment_mw") is not None:
                    a["commitment_mw"] = [x for i, x in enumerate(a["commitment_mw"]) if i != k]
                    a["total_commitment_mw"] = None if a.get("total_commitment_mw") is None \
                        else sum(a["commitment_mw"])
                for key in ("offer_price_cny_per_mwh",):
                    if a.get(key) is not None:
                        a[key] = [x for i, x in enumerate(a[key]) if i != k]
                if not a["member_ids"]:
                    continue
            aggs.append(a)
        doc["demand_response"]["aggregators"] = aggs


def _in_kpis_cny(summary_row: dict, party: str) -> float:
    """Part of a party's contract payments already inside its KPIs (heat sales / purchases)."""
    if summary_row["type"] not in HEAT_CONTRACT_TYPES:
        return 0.0
    return summary_row["parties"].get(party, {}).get("energy_cny", 0.0)  # take-or-pay is not in the KPIs


def _operating_cny(kpis: dict, party: str, ledger: dict) -> float:
    """Revenue − cost of a party from the KPIs, without the contract payments the KPIs already contain."""
    row = kpis["agents"].get(party)
    if row is None:  # an aggregator: its money is the contract ledger alone
        return 0.0
    net = float(row.get("revenue_cny", 0.0)) - float(row.get("cost_cny", 0.0))
    return net - sum(_in_kpis_cny(c, party) for c in ledger.values())


def _ledger_net_cny(ledger: dict, party: str) -> float:
    return float(sum(c["parties"].get(party, {}).get("net_cny", 0.0) for c in ledger.values()))


def _co2_t(kpis: dict, party: str) -> float:
    row = kpis["agents"].get(party) or {}
    return float(row.get("co2_t", 0.0) or 0.0) + float(row.get("dc_heat_pump_co2_t", 0.0) or 0.0)


def _market_co2_t(model, kpis: dict, party: str) -> float:
    """Market-based CO2 of a party: a data center's grid energy covered hour by hour by PPA renewable energy
    with certificates is at zero emissions (module docstring); other parties as location-based."""
    co2 = _co2_t(kpis, party)
    if party not in model.dcs.ids:
        return co2
    i = model.dcs.ids.index(party)
    stop = model.step_index
    ppa = model.ledger.renewable_to_dcs_mw(model.dcs.ids, 0, stop)[:, i]
    if not ppa.any():
        return co2
    grid = np.maximum(model.dcs.grid_power_mw(0, stop)[:, i], 0.0)
    intensity = model.r["carbon_intensity_kgco2_per_kwh"][:stop]
    return co2 - float((np.minimum(ppa, grid) * intensity).sum() * model.dt_h)


def _party_result(contract, party: str, role: str | None, base, base_kpis, cf, cf_kpis) -> dict:
    horizon_h = base.step_index * base.dt_h
    scale = HOURS_PER_YEAR / horizon_h if horizon_h > 0 else 0.0
    ledger_base = base_kpis["contracts"]
    ledger_cf = cf_kpis["contracts"]
    with_cny = _operating_cny(base_kpis, party, ledger_base) + _ledger_net_cny(ledger_base, party)
    without_cny = _operating_cny(cf_kpis, party, ledger_cf) + _ledger_net_cny(ledger_cf, party)
    change = with_cny - without_cny
    assets = [(cat, per_year) for cat, payer, per_year in asset_lines(contract) if payer == role]
    annuities = sum(per_year for _, per_year in assets)  # charged by the ledger; replaced by capex + opex below
    capex_total = 0.0
    opex = 0.0
    cf_years = np.zeros(contract.term_years + 1)
    for asset in (getattr(contract, "heat_pump", None), getattr(contract, "pipe", None)):
        if asset is None or asset.payer != role:
            continue
        cf_years += finance.yearly_cash_flows_cny(annual_operating_cny=0.0, term_years=contract.term_years,
                                                  capex_cny=asset.capex_cny, lifetime_years=asset.lifetime_years,
                                                  opex_cny_per_year=asset.opex_cny_per_year)
        capex_total += asset.capex_cny
        opex += asset.opex_cny_per_year
    annual = change * scale
    cf_years[1:] += annual + annuities
    fin = finance.evaluate(cf_years, contract.discount_rate_pu)
    return {
        "role": role or "sleeving",
        "horizon_change_cny": change,
        "annual_change_cny": annual,
        "investment_cny": capex_total,
        "opex_cny_per_year": opex,
        "cash_flows_cny": [float(x) for x in cf_years],
        "npv_cny": fin.npv_cny,
        "irr_pu": fin.irr_pu,
        "irr_reason": fin.irr_reason,
        "simple_payback_years": fin.simple_payback_years,
        "discounted_payback_years": fin.discounted_payback_years,
        "co2_location_change_t": _co2_t(base_kpis, party) - _co2_t(cf_kpis, party),
        "co2_market_change_t": _market_co2_t(base, base_kpis, party) - _market_co2_t(cf, cf_kpis, party),
    }


def _peak_cost_change_cny(contract, base, cf) -> float | None:
    """DR contracts: the grid operator's purchase cost in the base run's event steps, with minus without."""
    if contract.type != "demand_response":
        return None
    steps = np.zeros(base.total_steps, dtype=bool)
    for e in base.ledger.events.get(contract.id, []):
        steps[e["start_step"]:e["end_step"]] = True
    stop = min(base.step_index, cf.step_index)
    steps = steps[:stop]
    return float(base.grid.cost_cny[:stop, 0][steps].sum() - cf.grid.cost_cny[:stop, 0][steps].sum())


def evaluate_contracts(scenario, seed: int | None = None, model=None) -> dict:
    """Per contract and party: cash flows by year, NPV, IRR, paybacks, CO2 change (location- and market-based),
    each against the counterfactual without the contract (module docstring).

    ``model``: the finished base run of ``scenario`` and ``seed`` (run here when None). Returns
    ``{contract_id: {"type", "seller_id", "buyer_id", "term_years", "discount_rate_pu", "parties": {party_id:
    {...}}, "peak_cost_change_cny" (DR only)}}`` — {} without contracts."""
    if model is None:
        model = _run_steps(scenario, scenario.seed if seed is None else seed, None)
    if not scenario.contracts:
        return {}
    seed = model.seed
    base_kpis = model.kpis()
    book = getattr(model, "decisions", None)
    applied = (getattr(book, "all_applied", None) or book.applied) if book is not None else []
    out = {}
    for c in scenario.contracts:
        cf_scenario = scenario_without(scenario, c.id)
        # the same completed steps, with the base run's people's decisions that still apply (agents.decisions)
        cf_run = _run_steps(cf_scenario, seed, model.step_index, decisions_valid_in(cf_scenario, applied, base=scenario))
        cf_kpis = cf_run.kpis()
        base, cf = _region_model(model, scenario, c.id), _region_model(cf_run, scenario, c.id)  # its region
        roles = {c.seller_id: "seller", c.buyer_id: "buyer"}
        parties = dict(roles)
        for pid in base_kpis["contracts"][c.id]["parties"]:
            parties.setdefault(pid, None)
        out[c.id] = {
            "type": c.type, "seller_id": c.seller_id, "buyer_id": c.buyer_id, "term_years": c.term_years,
            "discount_rate_pu": c.discount_rate_pu,
            "parties": {pid: _party_result(c, pid, role, base, base_kpis, cf, cf_kpis)
                        for pid, role in parties.items()},
        }
        peak = _peak_cost_change_cny(c, base, cf)
        if peak is not None:
            out[c.id]["peak_cost_change_cny"] = peak
    return out


def _region_model(model, scenario, contract_id: str):
    """The RegionModel of the region that holds the contract in ``scenario``: ``model`` itself, or that region of
    a MultiRegionModel."""
    if getattr(model, "is_multi_region", False):
        return model.models[scenario.region_of_contract(contract_id)]
    return model


def _run_steps(scenario, seed: int, steps: int | None, decisions: list[dict] | None = None):
    from agents.multi_region import build_model

    model = build_model(scenario, seed=seed)
    if decisions:
        model.apply_decisions(decisions)
    model.run(steps=steps)
    return model


def kpis_with_contracts(model, kpis: dict | None = None, *, max_steps: int | None = None) -> dict:
    """``model.kpis()`` (or ``kpis``) with the results against the counterfactual merged into ``contracts``:
    per contract ``term_years``, ``discount_rate_pu`` (and ``peak_cost_change_cny`` for DR), per party the
    figures of :func:`evaluate_contracts` beside its ledger totals. What the CLI and the web worker write to
    kpis.json. ``max_steps``: when the counterfactual runs (one per contract, each as long as the base run) would
    step more than this many steps in total, they are skipped and each contract says so in ``evaluation`` — a
    bound on the size of the work, never on the clock, so the same scenario and seed always give the same
    kpis.json (Standards: deterministic)."""
    kpis = model.kpis() if kpis is None else kpis
    if not model.scenario.contracts:
        return kpis
    need = len(model.scenario.contracts) * model.step_index
    if max_steps is not None and need > max_steps:
        for row in kpis["contracts"].values():
            row["evaluation"] = (f"skipped: {len(model.scenario.contracts)} counterfactual runs would step {need:,} "
                                 f"steps, more than the {max_steps:,} allowed here; run agents.evaluate_contracts "
                                 "(python -m agents) for the results")
        return kpis
    results = evaluate_contracts(model.scenario, model.seed, model=model)
    for cid, res in results.items():
        kpis["contracts"].setdefault(cid, {"parties": {}})["evaluation"] = "against the counterfactual"
        row = kpis["contracts"].setdefault(cid, {"parties": {}})
        row.update({k: v for k, v in res.items() if k != "parties"})
        for pid, figures in res["parties"].items():
            row["parties"].setdefault(pid, {}).update(figures)
    return kpis
