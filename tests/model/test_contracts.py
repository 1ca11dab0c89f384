"""Contracts in the model (issue 13): types and their rules, the per-party ledger, results against the
counterfactual, and the directional cases with figures."""

import copy
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents import RegionModel, ScenarioValidationError, checkpoint_dumps, checkpoint_loads, units, validate_scenario
from agents.cli import main as cli_main
from agents.contract_eval import evaluate_contracts, kpis_with_contracts, scenario_without
from agents.contract_types import CONTRACT_CLASSES, contract_template
from agents.ledger import EXTERNAL, HOURS_PER_MONTH, HOURS_PER_YEAR

from .helpers import tiny_doc, variant

HOHHOT = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "hohhot.json"
STORAGE = {"type": "storage", "id": "bess", "name": "Shared battery", "lat": 40.8, "lon": 111.7,
           "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0}}


def _errors(doc) -> dict[str, str]:
    with pytest.raises(ScenarioValidationError) as exc:
        validate_scenario(doc)
    return {e["loc"]: e["msg"] for e in exc.value.errors}


def _run(doc, steps=None):
    m = RegionModel(validate_scenario(doc))
    m.run(steps=steps)
    return m


def _ppa(**kw) -> dict:
    return {"type": "green_ppa", "id": "ppa", "seller_id": "wind_1", "buyer_id": "dc_hohhot",
            "strike_price_cny_per_mwh": 250.0, **kw}


def _dr_doc(capacity_mw: float) -> dict:
    """Tiny region, 3 days: the grid operator calls the VPP (the Hohhot DC, deferring 40 % of its work) for
    18–20 h of day 2, day-ahead; a DR contract between the VPP and the grid operator of ``capacity_mw``."""
    d = variant(**{"horizon.steps": 72})
    d["actors"][1]["strategy"] = {"kind": "dr_committed", "flex": {"deferrable_pu": 0.4, "deadline_h": 12.0}}
    d["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 20000.0,
                      "baseline_method": "same_day_3_plus_2", "energy_payment_cny_per_mwh": 0.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"],
                         "commitment_mw": [capacity_mw]}],
        "events": [{"program_id": "p", "start": "2025-01-16T18:00", "end": "2025-01-16T20:00",
                    "called_mw": capacity_mw, "notice_h": 24.0}]}
    d["contracts"].append({"type": "demand_response", "id": "dr", "seller_id": "vpp", "buyer_id": "grid",
                           "capacity_mw": capacity_mw, "capacity_payment_cny_per_mw_year": 50000.0,
                           "event_payment_cny_per_mwh": 3000.0, "penalty_cny_per_mwh": 1500.0,
                           "baseline_method": "same_day_3_plus_2"})
    return d


# ---------------------------------------------------------------------------------------------------- types


def test_every_template_is_a_valid_draft_and_fills_its_parties():
    for kind, cls in CONTRACT_CLASSES.items():
        draft = contract_template(kind)
        assert draft["seller_id"] == "SELLER_ID" and draft["buyer_id"] == "BUYER_ID"
        cls.model_validate(draft)
    doc = tiny_doc()
    doc["contracts"] = [contract_template("waste_heat_purchase", seller_id="dc_hohhot", buyer_id="heat_city")]
    validate_scenario(doc)


def test_legacy_heat_purchase_settles_exactly_as_a_fixed_waste_heat_purchase():
    old = _run(tiny_doc())
    doc = tiny_doc()
    doc["contracts"] = [{"type": "waste_heat_purchase", "id": "heat_deal", "seller_id": "dc_hohhot",
                         "buyer_id": "heat_city", "pricing": {"kind": "fixed", "price_cny_per_mwh": 90.0}}]
    new = _run(doc)
    a, b = old.kpis(), new.kpis()
    assert a["agents"] == b["agents"] and a["region"] == b["region"]
    assert {k: v for k, v in a["contracts"]["heat_deal"].items() if k != "type"} == \
        {k: v for k, v in b["contracts"]["heat_deal"].items() if k != "type"}
    assert a["contracts"]["heat_deal"]["payment_cny"] > 0


def test_indexed_and_shared_savings_prices_follow_the_buyers_cheapest_boiler():
    # the tiny utility's cheapest unit: coal boiler (120 CNY/MWh fuel + 0.34 t/MWh × the carbon price) / 0.85
    carbon = tiny_doc()["markets"]["carbon_price_cny_per_t"]
    alternative = (120.0 + 0.34 * carbon) / 0.85
    assert alternative < (300.0 + 0.2 * carbon) / 0.92  # below the gas boiler
    for pricing, price in (({"kind": "indexed", "factor_pu": 0.5, "adder_cny_per_mwh": 10.0}, 0.5 * alternative + 10),
                           ({"kind": "shared_savings", "seller_share_pu": 0.3}, 0.3 * alternative)):
        doc = tiny_doc()
        doc["contracts"] = [{"type": "waste_heat_purchase", "id": "heat_deal", "seller_id": "dc_hohhot",
                             "buyer_id": "heat_city", "pricing": pricing}]
        m = _run(doc)
        assert np.allclose(m.heat_contract_price[:, 0], price)
        k = m.kpis()
        heat_mwh = k["contracts"]["heat_deal"]["heat_mwh"]
        assert heat_mwh > 0
        assert k["contracts"]["heat_deal"]["parties"]["dc_hohhot"]["energy_cny"] == pytest.approx(heat_mwh * price)
        # the utility dispatched on that price and paid it (its cost holds the same payment as the ledger)
        assert float(m.heat.contract_payment.sum()) == pytest.approx(heat_mwh * price)


def test_take_or_pay_shortfall_and_asset_annuities_are_line_items():
    doc = tiny_doc()
    doc["contracts"] = [{"type": "waste_heat_purchase", "id": "heat_deal", "seller_id": "dc_hohhot",
                         "buyer_id": "heat_city", "pricing": {"kind": "fixed", "price_cny_per_mwh": 90.0},
                         "take_or_pay_min_mwh_per_year": 1e7, "take_or_pay_price_pu": 0.5, "discount_rate_pu": 0.06,
                         "heat_pump": {"payer": "seller", "capex_cny": 1e6, "lifetime_years": 10,
                                       "opex_cny_per_year": 2e4}}]
    m = _run(doc)
    row = m.kpis()["contracts"]["heat_deal"]
    hours = m.total_steps * m.dt_h
    shortfall = 1e7 * hours / HOURS_PER_YEAR - row["heat_mwh"]
    seller = row["parties"]["dc_hohhot"]
    assert seller["penalty_cny"] == pytest.approx(shortfall * 0.5 * 90.0)
    assert row["parties"]["heat_city"]["penalty_cny"] == pytest.approx(-shortfall * 0.5 * 90.0)
    annuity = 1e6 * 0.06 / (1 - 1.06 ** -10)
    assert seller["capex_cny"] == pytest.approx(-annuity * hours / HOURS_PER_YEAR)
    assert seller["opex_cny"] == pytest.approx(-2e4 * hours / HOURS_PER_YEAR)
    assert row["parties"]["heat_city"]["capex_cny"] == 0.0
    items = m.ledger.items()
    assert {(i["category"], i["payee_id"]) for i in items if i["payer_id"] == "dc_hohhot"} == \
        {("capex", EXTERNAL), ("opex", EXTERNAL)}
    # cash flows: the investment in year 0, then the annualised change (which holds the ledger's capex annuity
    # and opex lines) with the annuity added back — the capex stands in year 0 instead; opex stays, once
    res = evaluate_contracts(m.scenario, m.seed, model=m)["heat_deal"]["parties"]["dc_hohhot"]
    assert res["investment_cny"] == 1e6 and res["cash_flows_cny"][0] == -1e6
    assert len(res["cash_flows_cny"]) == 10 + 1  # default term
    assert res["cash_flows_cny"][1] == pytest.approx(res["annual_change_cny"] + annuity)
    assert res["annual_change_cny"] == pytest.approx(res["horizon_change_cny"] * HOURS_PER_YEAR / hours)


@pytest.mark.parametrize(("mutate", "loc", "text"), [
    (lambda d: d["contracts"].append(_ppa(strike_price_cny_per_mwh=-5.0)), "contracts.1.strike_price_cny_per_mwh",
     "greater than or equal to 0"),
    (lambda d: d["contracts"][0].update(price_cny_per_mwh=-1.0), "contracts.0.price_cny_per_mwh",
     "greater than or equal to 0"),
    (lambda d: d["contracts"].append(_ppa(seller_id="nobody")), "contracts.1.seller_id", "no party has this id"),
    (lambda d: d["contracts"].append(_ppa(seller_id="coal_1")), "contracts.1.seller_id",
     "is not a renewable_plant of this scenario (it is a power_plant)"),
    (lambda d: d["contracts"].append({"type": "waste_heat_purchase", "id": "again", "seller_id": "dc_hohhot",
                                      "buyer_id": "heat_city", "pricing": {"kind": "fixed", "price_cny_per_mwh": 80}}),
     "contracts.1.seller_id", "overlapping contracts for the same heat"),
    (lambda d: d["contracts"].extend([_ppa(share_pu=0.7), _ppa(id="ppa2", share_pu=0.6)]), "contracts.2.share_pu",
     "overlapping contracts for the same output"),
    (lambda d: d["contracts"].append({"type": "demand_response", "id": "dr", "seller_id": "dc_hohhot",
                                      "buyer_id": "grid", "capacity_mw": 2.0}), "contracts.1.seller_id",
     "never called"),
    (lambda d: (d["actors"].append(STORAGE), d["contracts"].extend(
        [{"type": "storage_service", "id": f"s{k}", "seller_id": "bess", "buyer_id": "dc_hohhot", "capacity_mw": 6.0}
         for k in range(2)])), "contracts.2.capacity_mw", "above its power capacity"),
    (lambda d: d["contracts"].append({"type": "waste_heat_purchase", "id": "hp", "seller_id": "dc_hohhot",
                                      "buyer_id": "heat_city", "pricing": {"kind": "indexed", "factor_pu": -1}}),
     "contracts.1.pricing.factor_pu", "greater than or equal to 0"),
])
def test_invalid_terms_are_field_errors(mutate, loc, text):
    doc = tiny_doc()
    mutate(doc)
    errors = _errors(doc)
    assert loc in errors and text in errors[loc], errors


def test_cli_exits_2_on_invalid_contract_terms_and_prints_the_field(tmp_path, capsys):
    doc = tiny_doc()
    doc["contracts"].append(_ppa(buyer_id="heat_city"))
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert cli_main([str(path), "--out", str(tmp_path / "out")]) == 2
    assert "contracts.1.buyer_id" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------------------- ledger


def _zero_sum(m) -> None:
    """Per contract and step: the parties' signed amounts add up to minus what they pay outside (annuities)."""
    per_contract = m.ledger.party_amounts_cny()
    for c in m.ledger.contracts:
        outside = np.zeros(m.ledger.settled)
        for col, (cid, _cat, _payer, payee) in enumerate(m.ledger.lines):
            if cid == c.id and payee == EXTERNAL:
                outside += m.ledger.amount_cny[: m.ledger.settled, col]
        assert np.allclose(sum(per_contract[c.id].values()), -outside, atol=1e-6)
        assert outside.sum() > 0 or not any(a is not None for a in (c.heat_pump, c.pipe))


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strike=st.floats(0, 1000), share=st.floats(0.05, 1.0), cfd=st.booleans(), baseload=st.booleans(),
       cert=st.floats(0, 50), lease=st.floats(0, 1e5), tolling=st.booleans(), cap=st.floats(0.5, 10.0))
def test_every_transfer_between_parties_sums_to_zero_at_every_step(strike, share, cfd, baseload, cert, lease,
                                                                    tolling, cap):
    doc = variant(**{"horizon.steps": 30})
    doc["actors"].append(copy.deepcopy(STORAGE))
    doc["contracts"].append(_ppa(strike_price_cny_per_mwh=strike, share_pu=share,
                                 settlement="cfd" if cfd else "fixed", certificate_price_cny_per_mwh=cert,
                                 shape="baseload" if baseload else "pay_as_produced", baseload_mw=5.0))
    doc["contracts"].append({"type": "storage_service", "id": "lease", "seller_id": "bess", "buyer_id": "dc_hohhot",
                             "kind": "tolling" if tolling else "capacity_lease", "capacity_mw": cap,
                             "lease_cny_per_mw_month": lease, "tolling_fee_cny_per_mwh": lease / 1000})
    m = _run(doc)
    for cid, per_party in m.ledger.party_amounts_cny().items():
        total = sum(per_party.values())
        assert np.allclose(total, 0.0, atol=1e-6 * (1 + max(abs(v).max() for v in per_party.values()))), cid
    summary = m.kpis()["contracts"]
    for row in summary.values():
        assert sum(p["net_cny"] for p in row["parties"].values()) == pytest.approx(0.0, abs=1e-3)


def test_with_assets_the_parties_sum_to_what_they_pay_outside():
    doc = tiny_doc()
    doc["contracts"][0] = {"type": "waste_heat_purchase", "id": "heat_deal", "seller_id": "dc_hohhot",
                           "buyer_id": "heat_city", "pricing": {"kind": "fixed", "price_cny_per_mwh": 90.0},
                           "pipe": {"payer": "buyer", "capex_cny": 5e6, "lifetime_years": 30}}
    m = _run(doc)
    _zero_sum(m)
    assert m.kpis()["contracts"]["heat_deal"]["parties"]["heat_city"]["capex_cny"] < 0


def test_without_contracts_the_ledger_is_empty_and_the_counterfactual_is_the_base_run():
    doc = tiny_doc()
    doc["contracts"] = []
    doc["actors"][1]["heat_recovery"] = None
    m = _run(doc)
    assert m.ledger.lines == [] and m.ledger.items() == [] and m.kpis()["contracts"] == {}
    assert evaluate_contracts(m.scenario, m.seed, model=m) == {}
    assert kpis_with_contracts(m) == m.kpis()
    # and the counterfactual of a contract equals the base run of the scenario written without it
    with_heat = validate_scenario(tiny_doc())
    cf = RegionModel(scenario_without(with_heat, "heat_deal"))
    cf.run()
    assert cf.kpis() == m.kpis()


def test_the_ledger_resumes_from_a_checkpoint_bit_identically():
    doc = variant(**{"horizon.steps": 40})
    doc["contracts"].append(_ppa(settlement="cfd"))
    whole = _run(doc)
    half = _run(doc, steps=17)
    resumed = checkpoint_loads(half.scenario, checkpoint_dumps(half))
    assert resumed.kpis()["contracts"] == half.kpis()["contracts"]  # read before any further step
    resumed.run()
    assert resumed.kpis()["contracts"] == whole.kpis()["contracts"]
    assert np.array_equal(resumed.ledger.amount_cny, whole.ledger.amount_cny)


def test_counterfactual_runs_are_skipped_with_a_reason_when_they_exceed_the_step_budget():
    m = _run(tiny_doc())
    kpis = kpis_with_contracts(m, max_steps=47)  # one contract × 48 steps > 47: skipped, whatever the clock says
    assert kpis["contracts"]["heat_deal"]["evaluation"].startswith("skipped")
    assert "npv_cny" not in kpis["contracts"]["heat_deal"]["parties"]["dc_hohhot"]
    full = kpis_with_contracts(m, max_steps=48)
    assert full["contracts"]["heat_deal"]["evaluation"] == "against the counterfactual"
    assert "npv_cny" in full["contracts"]["heat_deal"]["parties"]["dc_hohhot"]


def test_every_contract_kpi_key_has_a_unit():
    doc = _dr_doc(4.0)
    doc["actors"].append(copy.deepcopy(STORAGE))
    doc["contracts"].append(_ppa())
    doc["contracts"].append({"type": "storage_service", "id": "lease", "seller_id": "bess", "buyer_id": "grid",
                             "capacity_mw": 5.0, "lease_cny_per_mw_month": 1e4})
    m = _run(doc)
    kpis = kpis_with_contracts(m)
    names = units.kpi_names({"contracts": kpis["contracts"]})
    assert {"npv_cny", "irr_pu", "net_cny", "co2_market_change_t", "simple_payback_years"} <= names
    assert [n for n in names if n not in units.units_for(names)] == []
    json.dumps(kpis, allow_nan=False)


# ---------------------------------------------------------------------------------------------------- directions


def test_hohhot_winter_heat_purchase_lowers_the_utilitys_heat_cost_and_raises_the_dcs_net_revenue():
    doc = json.loads(HOHHOT.read_text(encoding="utf-8"))
    doc["horizon"]["steps"] = 24 * 14  # 1–14 January
    s = validate_scenario(doc)
    m = RegionModel(s)
    m.run()
    res = evaluate_contracts(s, s.seed, model=m)["hh-heat-cmcc"]
    cf = RegionModel(scenario_without(s, "hh-heat-cmcc"))
    cf.run()
    with_kpi, without = m.kpis()["agents"]["hh-heat"], cf.kpis()["agents"]["hh-heat"]
    # measured (14 days): the utility's heat costs 141.4 → 131.6 CNY/MWh, 2.38 → 2.21 M CNY; the campus nets
    # +0.12 M CNY (heat sales 0.37 M − its heat pump's electricity 0.30 M + the cooling the heat pump saves);
    # CO2: utility −1,601 t (less coal), campus +401 t (heat-pump electricity, location-based)
    assert with_kpi["heat_cost_cny_per_mwh"] < without["heat_cost_cny_per_mwh"]
    assert with_kpi["cost_cny"] < without["cost_cny"]
    assert res["parties"]["hh-heat"]["horizon_change_cny"] == pytest.approx(without["cost_cny"] - with_kpi["cost_cny"])
    seller = res["parties"]["hh-cmcc-aidc"]
    assert seller["horizon_change_cny"] > 0 and seller["npv_cny"] > 0
    assert res["parties"]["hh-heat"]["co2_location_change_t"] < 0  # boilers burn less coal


def test_ppa_raises_the_buyers_ref_and_its_market_based_co2_falls():
    doc = tiny_doc()
    doc["contracts"].append(_ppa(share_pu=0.5))
    m = _run(doc)
    cf = RegionModel(scenario_without(m.scenario, "ppa"))
    cf.run()
    ref_with = m.kpis()["agents"]["dc_hohhot"]["ref"]  # measured: 0.007 → 0.321 with half the wind farm
    ref_without = cf.kpis()["agents"]["dc_hohhot"]["ref"]
    assert ref_with > ref_without
    k_with, k_without = m.kpis()["agents"]["dc_hohhot"], cf.kpis()["agents"]["dc_hohhot"]
    assert k_with["renewable_share_hourly_matched"] > k_without["renewable_share_hourly_matched"]
    assert k_with["renewable_share_annual_matched"] > k_without["renewable_share_annual_matched"]
    assert m.kpis()["agents"]["dc_hohhot"]["contracted_renewable_mwh"] == pytest.approx(
        m.kpis()["contracts"]["ppa"]["renewable_mwh"])
    res = evaluate_contracts(m.scenario, m.seed, model=m)["ppa"]["parties"]["dc_hohhot"]
    assert res["co2_market_change_t"] < 0 and res["co2_location_change_t"] == 0.0
    # a PPA is a financial overlay: the dispatch (region KPIs) is that of the run without it
    assert m.kpis()["region"] == cf.kpis()["region"]
    # without certificates the energy is not the buyer's renewable energy
    doc["contracts"][-1]["certificates"] = False
    assert _run(doc).kpis()["agents"]["dc_hohhot"]["ref"] == ref_without


def test_dr_contract_pays_the_aggregator_and_lowers_the_grid_operators_peak_cost():
    m = _run(_dr_doc(4.0))
    row = m.kpis()["contracts"]["dr"]
    assert row["dr_events"] == 1 and row["committed_mwh"] == pytest.approx(8.0)
    vpp = row["parties"]["vpp"]
    # the DC defers 4 MW for the two event hours: 8 MWh paid at 3,000 CNY/MWh, no penalty, plus availability
    assert row["response_mwh"] >= 8.0 - 1e-6  # measured 13.8 MWh against the same-day 3 + 2 baseline
    assert vpp["event_cny"] == pytest.approx(24000.0)
    assert vpp["penalty_cny"] == 0.0
    assert vpp["capacity_cny"] == pytest.approx(4.0 * 50000.0 * 72 / HOURS_PER_YEAR)
    res = evaluate_contracts(m.scenario, m.seed, model=m)["dr"]
    assert res["parties"]["vpp"]["horizon_change_cny"] > 0
    assert res["peak_cost_change_cny"] < 0  # measured: −2,907 CNY in the two event hours


def test_dr_penalty_applies_when_the_response_falls_short():
    m = _run(_dr_doc(20.0))  # called for 20 MW: more than the deferrable work can give
    row = m.kpis()["contracts"]["dr"]
    short = row["committed_mwh"] - row["response_mwh"]
    assert short > 0  # measured: 40 MWh called, 14.4 delivered → 38,378 CNY penalty
    assert row["parties"]["vpp"]["penalty_cny"] == pytest.approx(-1500.0 * short)
    assert row["parties"]["grid"]["penalty_cny"] == pytest.approx(1500.0 * short)


def test_storage_lease_pays_the_owner_and_hands_the_user_its_share_of_the_market_value():
    doc = tiny_doc()
    doc["actors"].append(copy.deepcopy(STORAGE))
    doc["contracts"].append({"type": "storage_service", "id": "lease", "seller_id": "bess", "buyer_id": "dc_hohhot",
                             "capacity_mw": 5.0, "lease_cny_per_mw_month": 15000.0})
    m = _run(doc)
    row = m.kpis()["contracts"]["lease"]
    hours = m.total_steps * m.dt_h
    assert row["parties"]["bess"]["capacity_cny"] == pytest.approx(5.0 * 15000.0 * hours / HOURS_PER_MONTH)
    net = float(m.storage.revenue_cny[:, 0].sum() - m.storage.cost_cny[:, 0].sum())
    assert row["parties"]["dc_hohhot"]["energy_cny"] == pytest.approx(0.5 * net)
