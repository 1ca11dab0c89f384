"""Heat-led CHP in the power market and heat beyond space heating, on variants of the tiny fixture.

First law per CHP unit, CHP power's CO2 in the grid's intensity, must-take CHP priced at its marginal cost,
curtailment that is renewable energy only (CHP surplus reported apart), heat dispatch against price forecasts
(CHP power at the wholesale forecast, bought electricity at the forecast of the price the utility pays).
"""

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, validate_scenario

from .helpers import variant

TOL_MW = 1e-6
GAS_CHP = {"kind": "chp", "capacity_mw": 100.0, "efficiency_pu": 0.5, "electrical_efficiency_pu": 0.35,
           "fuel_price_cny_per_mwh": 300.0, "fuel_co2_t_per_mwh": 0.2}


def _run(doc):
    model = RegionModel(validate_scenario(doc))
    model.run()
    return model


@pytest.fixture(scope="module")
def chp_run():
    """The tiny region whose heat utility has only a CHP unit (no battery, so intensities are plain ratios)."""
    return _run(variant(**{"actors.2.units": [GAS_CHP], "actors.1.battery": None}))


@pytest.fixture(scope="module")
def surplus_run():
    """A back-pressure-like CHP (σ 1.25) on a small load with no export line: its power exceeds what the grid
    can take, while the wind farm is curtailed."""
    chp = {**GAS_CHP, "efficiency_pu": 0.4, "electrical_efficiency_pu": 0.5}
    return _run(variant(**{"actors.2.units": [chp], "actors.1.battery": None, "actors.0.other_load_mean_mw": 10.0,
                           "markets.exports.capacity_mw": 0.0}))


def test_every_chp_unit_obeys_the_first_law_at_every_step(chp_run):
    table = chp_run.series_table()
    col = "heat_city.unit0_chp"
    fuel, heat, power = (table.column(f"{col}.{q}").to_numpy() for q in ("fuel_mw", "heat_mw", "chp_power_mw"))
    assert heat.sum() > 0
    assert np.all(fuel >= heat + power - 1e-9)
    np.testing.assert_allclose(power, 0.35 * fuel, rtol=1e-12)
    np.testing.assert_allclose(heat, 0.5 * fuel, rtol=1e-12)


def test_efficiencies_above_one_are_a_field_error():
    doc = variant(**{"actors.2.units": [{**GAS_CHP, "efficiency_pu": 0.88, "electrical_efficiency_pu": None,
                                         "power_to_heat_ratio": 0.6}]})
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(doc)
    locs = {e["loc"]: e["msg"] for e in err.value.errors}
    assert "first law" in locs["actors.2.units.0.power_to_heat_ratio"]
    doc = variant(**{"actors.2.units": [{**GAS_CHP, "electrical_efficiency_pu": 0.55}]})
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(doc)
    assert [e["loc"] for e in err.value.errors] == ["actors.2.units.0.electrical_efficiency_pu"]


def test_chp_power_carries_its_co2_share_into_the_grid_intensity(chp_run):
    m = chp_run
    r, dt = m.r, m.dt_h
    power_co2 = m.heat.chp_co2_power_t.sum(axis=1)
    assert power_co2.sum() > 0
    # energy method: power's share of the fuel = 0.35 / 0.85 of the CHP's fuel CO2 (all its power is sold)
    fuel_co2 = m.heat.unit_fuel[:, 0] * 0.2 * dt
    np.testing.assert_allclose(power_co2, fuel_co2 * 0.35 / 0.85, rtol=1e-9)
    np.testing.assert_allclose(m.heat.co2_t[:, 0], fuel_co2 * 0.5 / 0.85, rtol=1e-9)
    plants = (m.plants.power * m.plants.co2[None, :]).sum(1) * dt
    imports = (m.accepted_mw[:, m._blocks["import"]] * m.imports.co2_t_per_mwh[None, :]).sum(1) * dt
    backup = (m.dcs.backup_mw * m.dcs.backup_co2_t_per_mwh[None, :]).sum(1) * dt
    supplied = (r["generation_mw"] + r["import_mw"]) * dt
    np.testing.assert_allclose(r["carbon_intensity_kgco2_per_kwh"] * supplied, plants + imports + backup + power_co2,
                               rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(r["co2_t"], plants + imports + backup + fuel_co2, rtol=1e-9)  # nothing counted twice


def test_chp_is_offered_at_its_marginal_cost_not_the_floor(chp_run):
    m = chp_run
    # (300 CNY/MWh fuel + 0.2 t × 60 CNY/t) × (0.35 / 0.85) / 0.35 = 312 / 0.85 CNY/MWh_el
    offer = m.grid.market.price[m._blocks["chp"]]
    assert offer.tolist() == pytest.approx([312.0 / 0.85])
    assert offer[0] > m.scenario.markets.price_floor_cny_per_mwh


def test_curtailment_is_renewable_only_and_chp_surplus_is_reported_apart(surplus_run):
    m = surplus_run
    r = m.r
    table = m.series_table()
    wind_curtailed = table.column("wind_1.curtailed_mw").to_numpy()
    pv_curtailed = m.dcs.pv_available_mw.sum(1) - m.accepted_mw[:, m._blocks["dcpv"]].sum(1)
    np.testing.assert_allclose(r["curtailment_mw"], wind_curtailed + pv_curtailed, atol=TOL_MW)
    assert r["chp_surplus_mw"].sum() > 1.0 and r["curtailment_mw"].sum() > 1.0
    np.testing.assert_allclose(r["chp_surplus_mw"], m.heat.chp_surplus.sum(1), atol=TOL_MW)
    np.testing.assert_allclose(m.heat.chp_out.sum(1) + m.heat.chp_surplus.sum(1), m.heat.chp_total_mw, atol=TOL_MW)
    supply = r["generation_mw"] + r["import_mw"] + r["storage_discharge_mw"] + r["unserved_mw"]
    demand = r["load_mw"] + r["export_mw"] + r["storage_charge_mw"]
    assert np.max(np.abs(supply - demand)) <= TOL_MW
    # when CHP alone serves the load it is the marginal supplier: the price is its marginal cost
    only_chp = m.accepted_mw.sum(1) - m.accepted_mw[:, m._blocks["chp"]].sum(1) <= TOL_MW
    assert only_chp.any()
    cost = float(m.grid.market.price[m._blocks["chp"]][0])
    np.testing.assert_allclose(r["wholesale_price_cny_per_mwh"][only_chp], cost)


def _eboiler_doc(**changes):
    units = [{"kind": "electric_boiler", "capacity_mw": 30.0, "efficiency_pu": 0.99},
             {"kind": "gas_boiler", "capacity_mw": 80.0, "efficiency_pu": 0.92, "fuel_price_cny_per_mwh": 200.0,
              "fuel_co2_t_per_mwh": 0.2}]
    return variant(**{"actors.2.units": units, "markets.imports.capacity_mw": 500.0, **changes})


def test_heat_dispatch_follows_the_wholesale_forecast_not_the_tariff():
    def eboiler_mwh(doc):
        m = RegionModel(validate_scenario(doc))  # heat is scheduled at build
        return float(m.heat.unit_heat[:, 0].sum() * m.dt_h)

    base = eboiler_mwh(_eboiler_doc())
    # under pay_as_clear the utility pays the wholesale price: a tariff ten times dearer is not its price
    assert eboiler_mwh(_eboiler_doc(**{"region.tariff.flat_price_cny_per_mwh": 4000.0})) == base
    # cheap wholesale power (coal and imports at 50 CNY/MWh) makes the electric boiler cheaper than gas
    cheap = _eboiler_doc(**{"actors.3.marginal_cost_cny_per_mwh": 50.0, "actors.3.co2_t_per_mwh": 0.0,
                            "markets.imports.price_cny_per_mwh": 50.0})
    assert base == 0.0 and eboiler_mwh(cheap) > 0.0


def test_a_network_in_summer_mode_supplies_hot_water_and_its_losses_in_july():
    net = {"actors.2.networks.0.dhw_kwh_per_m2_yr": 20.0, "actors.2.networks.0.summer_supply_temp_c": 65.0,
           "actors.2.networks.0.loss_ua_mw_per_k": 0.05, "actors.2.networks.0.loss_pu": 0.0,
           "horizon.start": "2025-07-10T00:00"}
    m = RegionModel(validate_scenario(variant(**net)))
    demand = m.heat.series["heat_demand_mw"][0][:, 0]
    dhw = m.heat.series["dhw_demand_mw"][0][:, 0]
    np.testing.assert_allclose(demand, dhw)  # no space heating in July
    assert dhw.mean() == pytest.approx(1.5e6 * 20.0 / 8760 / 1e3, rel=0.02)  # ≈ 3.4 MW
    np.testing.assert_allclose(m.heat.loss_mw[:, 0], 0.05 * ((65.0 + 40.0) / 2 - 8.0))  # fixed part: 2.225 MW
    off = RegionModel(validate_scenario(variant(**{**net, "actors.2.networks.0.summer_supply_temp_c": None})))
    assert off.heat.series["heat_demand_mw"][0].sum() == 0.0 and off.heat.loss_mw.sum() == 0.0


def test_a_utility_that_owns_the_data_centers_heat_pump_counts_its_electricity_in_the_merit_order():
    # dear wholesale power (coal at 600 CNY/MWh): DC heat at 90 CNY/MWh + electricity/COP (≈ 650/6.9 ≈ 94) costs
    # the owner-buyer more than its coal boiler (≈ 165), so it takes less DC heat than a buyer who pays 90 only
    dear = {"actors.3.marginal_cost_cny_per_mwh": 600.0, "markets.imports.price_cny_per_mwh": 900.0}

    def dc_heat_mwh(owner):
        m = RegionModel(validate_scenario(variant(**dear, **{"actors.1.heat_recovery.heat_pump_owner": owner})))
        return float(m.heat.dc_heat_mw.sum() * m.dt_h)

    assert dc_heat_mwh("heat_utility") < 0.5 * dc_heat_mwh("data_center")


def test_a_utility_values_the_electricity_it_buys_at_the_price_it_pays():
    """Audit of issue 11: under a TOU tariff a heat utility that pays the retail tariff ran its electric boiler
    against the cheap wholesale forecast. It now values bought electricity at the forecast of the price it
    pays — the tariff, unless heat utilities buy on the wholesale market (markets.wholesale_buyers)."""
    cheap = {"actors.3.marginal_cost_cny_per_mwh": 50.0, "actors.3.co2_t_per_mwh": 0.0,
             "markets.imports.price_cny_per_mwh": 50.0, "markets.clearing_rule": "tou_tariff",
             "region.tariff.flat_price_cny_per_mwh": 650.0}

    def built(**more):
        m = RegionModel(validate_scenario(_eboiler_doc(**cheap, **more)))  # heat is scheduled at build
        return m, float(m.heat.unit_heat[:, 0].sum() * m.dt_h)

    retail_buyer, retail_mwh = built()
    assert retail_buyer.scenario.markets.wholesale_buyers == []  # the default: heat utilities pay retail
    market_buyer, market_mwh = built(**{"markets.wholesale_buyers": ["heat_utility"]})
    # the tariff (≥ 0.4 × 650 CNY/MWh in the valley) / 0.99 is dearer than gas (200 / 0.92 + carbon) in every hour
    assert retail_mwh == 0.0
    # at ≈ 50 CNY/MWh wholesale the boiler beats gas: a market buyer runs it
    assert market_mwh > 0.0
    # the gas boiler covers what the electric boiler does not: the same heat is served either way
    np.testing.assert_allclose(retail_buyer.heat.unit_heat.sum(axis=1), market_buyer.heat.unit_heat.sum(axis=1))
