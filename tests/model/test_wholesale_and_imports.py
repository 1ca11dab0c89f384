"""Wholesale vs retail prices, transfers vs resource costs, and import lines with their own mix (issue 11, 3 and 5)."""

import numpy as np
import pytest

from agents import RegionModel, validate_scenario

from .helpers import variant

HYDRO = {"id": "hydro", "name": "Hydro UHVDC", "capacity_mw": 40.0, "renewable_share_pu": 1.0, "co2_t_per_mwh": 0.0,
         "price_cny_per_mwh": 200.0}  # cheaper than the tiny fixture's coal unit, so it is imported


def _run(doc) -> RegionModel:
    m = RegionModel(validate_scenario(doc))
    m.run()
    return m


def test_under_tou_generators_are_paid_the_cleared_price_and_consumers_the_tariff():
    m = _run(variant(**{"markets.clearing_rule": "tou_tariff"}))
    r = m.r
    assert np.array_equal(r["retail_price_cny_per_mwh"], m.tariff_price)
    assert not np.allclose(r["wholesale_price_cny_per_mwh"], r["retail_price_cny_per_mwh"])
    # the coal unit earns output × wholesale price (on main it earned the tariff)
    coal = m.plants
    expected = (coal.power[:, 0] * r["wholesale_price_cny_per_mwh"]).sum() * m.dt_h
    assert np.isclose(coal.revenue_cny[:, 0].sum(), expected)
    assert not np.isclose(coal.revenue_cny[:, 0].sum(), (coal.power[:, 0] * m.tariff_price).sum() * m.dt_h)
    # the wholesale price is the merit order's: every step it equals the offer price of an accepted offer,
    # the export bid, or the cap — never a tariff level by construction
    k = m.kpis()["region"]
    assert k["mean_retail_price_cny_per_mwh"] == pytest.approx(float(m.tariff_price.mean()))
    assert k["mean_wholesale_price_cny_per_mwh"] != pytest.approx(k["mean_retail_price_cny_per_mwh"])
    # the data center pays the retail tariff for its grid energy
    dc = m.kpis()["agents"]["dc_hohhot"]
    grid = m.dcs.grid_power_mw(0, m.total_steps)[:, 0]
    assert dc["cost_cny"] == pytest.approx(float(grid @ m.tariff_price) * m.dt_h)
    assert dc["electricity_price_basis"] == "retail_price_cny_per_mwh"


def test_a_data_center_that_buys_wholesale_pays_the_cleared_price():
    m = _run(variant(**{"markets.clearing_rule": "tou_tariff", "markets.wholesale_buyers": ["data_center"]}))
    assert m.kpis()["agents"]["dc_hohhot"]["electricity_price_basis"] == "wholesale_price_cny_per_mwh"
    grid = m.dcs.grid_power_mw(0, m.total_steps)[:, 0]
    assert m.kpis()["agents"]["dc_hohhot"]["cost_cny"] == pytest.approx(
        float(grid @ m.r["wholesale_price_cny_per_mwh"]) * m.dt_h)


def test_the_supplier_margin_is_retail_minus_wholesale_and_money_balances_between_parties():
    m = _run(variant(**{"markets.clearing_rule": "tou_tariff"}))
    k = m.kpis()
    grid = k["agents"]["grid"]
    assert k["region"]["retailer_margin_cny"] == pytest.approx(grid["revenue_cny"] - grid["cost_cny"])
    # every electricity payment has the grid operator on the other side: what consumers, batteries and the
    # export bid pay it = what the sellers (plants, renewables, CHP, batteries, import lines) receive + the margin
    w = m.r["wholesale_price_cny_per_mwh"]
    sellers = sum(a["revenue_cny"] for a in k["agents"].values() if a["type"] in ("power_plant", "renewable_plant"))
    chp = float(m.accepted_mw[:, m._blocks["chp"]].sum(axis=1) @ w) * m.dt_h
    imports_paid = float(m.accepted_mw[:, m._blocks["import"]].sum(axis=1) @ w) * m.dt_h
    batteries = k["agents"]["bess"] if "bess" in k["agents"] else {"revenue_cny": 0.0, "cost_cny": 0.0}
    exports = float(m.r["export_mw"].sum() * m.scenario.markets.exports.price_cny_per_mwh) * m.dt_h
    assert k["region"]["consumer_electricity_payments_cny"] + batteries["cost_cny"] + exports == pytest.approx(
        sellers + chp + batteries["revenue_cny"] + imports_paid + k["region"]["retailer_margin_cny"])
    assert k["region"]["retailer_margin_cny"] > 0  # the tariff is above the cleared price on average here


def test_system_cost_counts_resources_only_and_transfers_apart():
    base = _run(variant(**{"markets.clearing_rule": "tou_tariff"}))
    # the same dispatch priced as a spot market, with a dearer retail heat price: only money moves between
    # parties (on main, imports were bought at the tariff, so the TOU run's system cost differed)
    spot = variant(**{"markets.clearing_rule": "pay_as_clear"})
    spot["actors"][2]["heat_price_cny_per_mwh"] *= 3.0
    other = _run(spot)
    assert np.array_equal(base.accepted_mw, other.accepted_mw)
    kb, ko = base.kpis()["region"], other.kpis()["region"]
    assert ko["system_cost_cny"] == pytest.approx(kb["system_cost_cny"])
    assert ko["retailer_margin_cny"] != pytest.approx(kb["retailer_margin_cny"])
    assert other.kpis()["agents"]["heat_city"]["revenue_cny"] > base.kpis()["agents"]["heat_city"]["revenue_cny"]
    assert kb["heat_contract_payments_cny"] == pytest.approx(
        sum(c["payment_cny"] for c in base.kpis()["contracts"].values()))
    # resource cost = fuel and O&M + heat fuel + imports − exports + backup fuel + lost load; carbon apart
    m, r, cp = base, base.r, base.scenario.markets.carbon_price_cny_per_t
    fuel = (m.plants.power * m.plants.mc[None, :]).sum() * m.dt_h
    heat_fuel = m.heat.production_cost_cny[:].sum() - cp * m.heat.co2_t[:].sum()
    imports = (m.accepted_mw[:, m._blocks["import"]].sum(axis=1) * r["wholesale_price_cny_per_mwh"]).sum() * m.dt_h
    exports = r["export_mw"].sum() * m.scenario.markets.exports.price_cny_per_mwh * m.dt_h
    backup = (m.dcs.backup_mw * m.dcs.backup_fuel_cny_per_mwh[None, :]).sum() * m.dt_h
    lost = r["unserved_mw"].sum() * m.scenario.markets.value_of_lost_load_cny_per_mwh * m.dt_h
    assert kb["system_cost_cny"] == pytest.approx(fuel + heat_fuel + imports - exports + backup + lost)
    assert cp > 0 and kb["carbon_cost_cny"] == pytest.approx(cp * kb["co2_t"])
    assert kb["carbon_payments_cny"] > 0


def test_legacy_imports_object_is_one_line():
    legacy = _run(variant())
    as_line = _run(variant(**{"markets.imports": [{"id": "imports", "name": "Imports", "capacity_mw": 40.0,
                                                   "price_cny_per_mwh": 450.0}]}))
    assert np.array_equal(legacy.r["import_mw"], as_line.r["import_mw"])
    assert np.array_equal(legacy.r["co2_t"], as_line.r["co2_t"])
    assert legacy.kpis()["region"]["imports"]["imports"]["renewable_share_pu"] == 0.0


def test_an_import_line_brings_its_renewable_share_and_co2_factor():
    fossil = _run(variant(**{"markets.imports": [dict(HYDRO, renewable_share_pu=0.0, co2_t_per_mwh=None)]}))
    hydro = _run(variant(**{"markets.imports": [HYDRO]}))
    assert np.array_equal(fossil.r["import_mw"], hydro.r["import_mw"]) and hydro.r["import_mw"].sum() > 0
    kf, kh = fossil.kpis()["region"], hydro.kpis()["region"]
    assert kh["import_renewable_share"] == 1.0 and kf["import_renewable_share"] == 0.0
    assert kh["renewable_share"] > kf["renewable_share"] + 0.05
    assert kh["co2_t"] < kf["co2_t"]
    step = int(np.argmax(hydro.r["import_mw"]))
    supply = hydro.r["generation_mw"][step] + hydro.r["import_mw"][step] + hydro.r["storage_discharge_mw"][step]
    local_share = hydro.r["renewable_mw"][step] / supply
    assert hydro.r["renewable_share_pu"][step] == pytest.approx(local_share + hydro.r["import_mw"][step] / supply)


def test_import_lines_follow_their_hourly_capacity_and_price_profiles():
    night_only = [1.0] * 6 + [0.0] * 18
    dear_evening = [1.0] * 17 + [3.0] * 5 + [1.0] * 2
    lines = [dict(HYDRO, id="night", hourly_capacity_pu=night_only, scheduled=True),
             dict(HYDRO, id="ac", renewable_share_pu=0.2, co2_t_per_mwh=0.6, price_cny_per_mwh=300.0,
                  hourly_price_pu=dear_evening)]
    m = _run(variant(**{"markets.imports": lines}))
    hour = np.floor(m.local_hour).astype(int)
    night = m.accepted_mw[:, m._blocks["import"]][:, 0]
    assert np.all(night[hour >= 6] == 0.0) and night[hour < 6].sum() > 0
    assert np.all(m.imports.available_mw[hour < 6, 0] == 40.0)
    # the AC line costs 900 in the evening: the offer price, hence the merit order, follows the profile
    offer = m.imports.variant_offer_price[m.imports.variant, 1]
    assert np.allclose(offer[(hour >= 17) & (hour < 22)], 900.0 + 0.6 * 60.0)
    assert np.allclose(offer[hour < 17], 300.0 + 0.6 * 60.0)
    # the scheduled line is paid its own price, whatever the cleared price; the other line the cleared price
    rule_paid = np.full((m.total_steps, 2), -1.0)
    paid = m.imports.paid_cny_per_mwh(rule_paid, slice(0, m.total_steps))
    assert np.all(paid[:, 0] == 200.0) and np.all(paid[:, 1] == -1.0)
    k = m.kpis()["region"]["imports"]
    assert set(k) == {"night", "ac"} and k["night"]["utilisation_pu"] > 0.99


def test_import_line_ids_must_be_unique_and_profiles_24_or_12_long():
    from agents.scenario import ScenarioValidationError

    with pytest.raises(ScenarioValidationError, match="duplicate import line"):
        validate_scenario(variant(**{"markets.imports": [HYDRO, HYDRO]}))
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(variant(**{"markets.imports": [dict(HYDRO, monthly_price_pu=[1.0] * 11)]}))
    assert [e["loc"] for e in err.value.errors] == ["markets.imports.0.monthly_price_pu"]
