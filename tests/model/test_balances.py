"""Physical invariants hold at every step: energy and heat balances, SOC ≥ 0, facility ≥ IT, heat ≤ IT, CO2."""

import copy

import numpy as np
import pytest

from agents import RegionModel, validate_scenario

from .helpers import variant

TOL_MW = 1e-6


def _storage_actor(**battery):
    return {"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
            "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 20.0, **battery}}


SCENARIOS = {
    "tiny": variant(),
    "pay_as_bid": variant(**{"markets.clearing_rule": "pay_as_bid"}),
    "tou_tariff": variant(**{"markets.clearing_rule": "tou_tariff"}),
    # coal plant on outage all the time and no imports: the grid runs short, backup generators start
    "scarce": variant(**{"actors.3.forced_outage_rate_pu": 0.5, "actors.3.mean_outage_h": 8760.0,
                         "markets.imports.capacity_mw": 0.0, "actors.0.other_load_mean_mw": 90.0}),
    # a huge wind farm and no exports: renewables are curtailed
    "surplus": variant(**{"actors.4.capacity_mw": 900.0, "markets.exports.capacity_mw": 0.0}),
    "quarter_hour": variant(**{"horizon.dt_h": 0.25, "horizon.steps": 96}),
}
SCENARIOS["with_storage"] = variant()
# heat-led CHP whose must-take power exceeds what the small grid and export line can take (CHP surplus)
SCENARIOS["chp_surplus"] = variant(**{"actors.0.other_load_mean_mw": 10.0, "markets.exports.capacity_mw": 5.0})
SCENARIOS["chp_surplus"]["actors"][2]["units"].insert(0, {
    "kind": "chp", "capacity_mw": 100.0, "efficiency_pu": 0.4, "electrical_efficiency_pu": 0.5,
    "fuel_price_cny_per_mwh": 100.0, "fuel_co2_t_per_mwh": 0.2})
SCENARIOS["with_storage"]["actors"].append(_storage_actor(strategy="net_load", soc_initial_pu=0.1))
# agents that decide (issue 12): a DR-committed data center enrolled with an aggregator whose program calls an
# event every day, a battery bidding an arbitrage schedule, and people's decisions (the DC's strategy, the bid)
SCENARIOS["agents_decide"] = variant(**{"horizon.steps": 96, "actors.3.capacity_mw": 90.0})
SCENARIOS["agents_decide"]["actors"][1]["strategy"] = {"kind": "dr_committed",
                                                       "flex": {"deferrable_pu": 0.5, "deadline_h": 12.0}}
SCENARIOS["agents_decide"]["actors"].append({**_storage_actor(), "strategy": {"kind": "arbitrage"}})
SCENARIOS["agents_decide"]["demand_response"] = {
    "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 0.0, "max_duration_h": 3.0,
                  "baseline_method": "same_day_3_plus_2"}],
    "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [2.0]}]}
DECIDED = {"agents_decide": [{"step": 24, "actor_id": "vpp", "parameter": "commitment_mw.0", "value": 4.0},
                             {"step": 60, "actor_id": "dc_hohhot", "parameter": "kind", "value": "carbon_aware"}]}
# a battery behind the DC's meter offering reserve in a region short of it, and an on-site schedule battery
SCENARIOS["owned_reserve"] = variant(**{"actors.3.capacity_mw": 40.0, "actors.1.battery.strategy": {"kind": "arbitrage"}})
SCENARIOS["owned_reserve"]["actors"].append({**_storage_actor(), "owner_id": "dc_hohhot", "behind_meter": True,
                                             "strategy": {"kind": "arbitrage", "reserve_mw": 5.0,
                                                          "reserve_price_cny_per_mw_h": 20.0}})

# site grid outages (agents.outages): a gas engine too small for the site (sheds halls and heat, the utility covers
# the heat; a battery behind the meter offering reserve idles), a site without backup in 15-min steps (dark)
SCENARIOS["outage_shed"] = copy.deepcopy(SCENARIOS["owned_reserve"])
SCENARIOS["outage_shed"]["actors"][1].pop("backup_generator_mw")
SCENARIOS["outage_shed"]["actors"][1]["backup"] = {"technology": "gas_engine", "capacity_mw": 10.0,
                                                   "min_run_time_h": 3.0}
SCENARIOS["outage_shed"]["events"] = [{"type": "grid_outage", "at": "2025-01-15T18:00", "duration_h": 5.0}]
SCENARIOS["outage_dark"] = variant(**{"horizon.dt_h": 0.25, "horizon.steps": 96})
SCENARIOS["outage_dark"]["actors"][1].pop("backup_generator_mw")
SCENARIOS["outage_dark"]["events"] = [{"type": "grid_outage", "at": "2025-01-15T10:15", "duration_h": 1.5,
                                       "data_center_ids": ["dc_hohhot"]}]


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def run(request):
    model = RegionModel(validate_scenario(SCENARIOS[request.param]))
    model.apply_decisions(DECIDED.get(request.param, []))
    model.run()
    return request.param, model


def test_electricity_balance_closes_every_step(run):
    _, m = run
    r = m.r
    supply = r["generation_mw"] + r["import_mw"] + r["storage_discharge_mw"] + r["unserved_mw"]
    demand = r["load_mw"] + r["export_mw"] + r["storage_charge_mw"]
    assert np.max(np.abs(supply - demand)) <= TOL_MW
    # the same balance from the agents' own series (series table columns)
    table = m.series_table()

    def total(suffix):
        cols = [c for c in table.column_names if c.endswith(suffix) and not c.startswith("region.")]
        return sum((table.column(c).to_numpy() for c in cols), np.zeros(m.total_steps))

    pv_curtailed = total(".pv_available_mw") - total(".pv_mw")
    chp_sold = total(".chp_generation_mw") - (r["curtailment_mw"] - total(".curtailed_mw") - pv_curtailed)
    gen = total(".generation_mw") + total(".pv_mw") + chp_sold + total(".backup_mw")
    assert np.max(np.abs(gen - r["generation_mw"])) <= TOL_MW
    # every agent's power_mw (consumption + / generation −) nets to what crosses the region's boundary
    chp_curtailed = total(".chp_generation_mw") - chp_sold
    for t in range(m.total_steps):
        net = sum(m.agent_state(t)["power_mw"])
        boundary = r["import_mw"][t] - r["export_mw"][t] + r["unserved_mw"][t] - chp_curtailed[t]
        assert abs(net - boundary) <= TOL_MW
    available = r["renewable_available_mw"]
    assert np.all(r["renewable_mw"] <= available + TOL_MW)


def test_heat_balance_closes_every_step(run):
    _, m = run
    r = m.r
    supply = r["heat_produced_mw"] + r["heat_from_dc_mw"] + r["heat_unserved_mw"]
    assert np.max(np.abs(supply - (r["heat_demand_mw"] + r["heat_loss_mw"]))) <= TOL_MW
    # what the DCs deliver equals what the contracts settle and what the utility takes
    assert np.allclose(m.dcs.heat_delivered_mw.sum(1), r["heat_from_dc_mw"], atol=TOL_MW)
    # heat pump: delivered = source + electricity
    assert np.allclose(m.dcs.heat_delivered_mw, m.dcs.heat_recovered_mw + m.dcs.hp_power_mw, atol=TOL_MW)


def test_storage_never_negative_and_within_capacity(run):
    _, m = run
    assert np.all(m.storage.soc >= 0.0)
    assert np.all(m.storage.soc <= m.storage.e_max[None, :] + 1e-9)
    assert np.all(np.abs(m.storage.power) <= m.storage.p_max[None, :] + 1e-9)


def test_facility_at_least_it_and_heat_recovered_at_most_it(run):
    _, m = run
    assert np.all(m.dcs.facility_mw >= m.dcs.it_mw)
    assert np.all(m.dcs.heat_recovered_mw <= m.dcs.it_mw[:, m.dcs.hr_members] + TOL_MW)


def test_co2_equals_energy_times_factor(run):
    _, m = run
    dt = m.dt_h
    plants = (m.plants.power * m.plants.co2[None, :]).sum(1) * dt
    imports = m.accepted_mw[:, m._blocks["import"]] @ m.imports.co2_t_per_mwh * dt  # each line its own factor
    backup = (m.dcs.backup_mw * m.dcs.backup_co2_t_per_mwh[None, :]).sum(1) * dt
    units = m.scenario.actors_of("heat_utility")[0].units
    fuel_co2_per_heat = np.array([u.fuel_co2_t_per_mwh / u.efficiency_pu for u in units])
    heat = (m.heat.unit_heat * fuel_co2_per_heat[None, :]).sum(1) * dt
    assert heat.sum() > 0
    # CHP fuel CO2 is split between heat (the utility's co2_t) and the power it sold (the grid's)
    assert np.allclose(m.heat.co2_t.sum(1) + m.heat.chp_co2_power_t.sum(1), heat)
    assert np.allclose(m.r["co2_t"], plants + imports + backup + heat, rtol=1e-12, atol=1e-9)
    assert np.isclose(m.kpis()["region"]["co2_t"], float((plants + imports + backup + heat).sum()))


def test_scenario_specific_behaviour(run):
    name, m = run
    r = m.r
    if name == "scarce":
        assert r["backup_mw"].sum() > 0
        assert np.all(r["wholesale_price_cny_per_mwh"][r["unserved_mw"] + r["backup_mw"] > 0] == 1500.0)
    if name == "surplus":
        assert r["curtailment_mw"].sum() > 1.0
        assert np.all(r["wholesale_price_cny_per_mwh"][r["curtailment_mw"] > 1e-6] <= 1e-9)
    if name == "tou_tariff":
        # consumers pay the tariff, sellers the cleared merit-order price
        assert np.array_equal(r["retail_price_cny_per_mwh"], m.tariff_price)
        assert not np.array_equal(r["wholesale_price_cny_per_mwh"], r["retail_price_cny_per_mwh"])
    if name == "with_storage":
        assert r["storage_charge_mw"].sum() > 0 and r["storage_discharge_mw"].sum() > 0
    if name == "chp_surplus":
        assert r["chp_surplus_mw"].sum() > 1.0
        assert np.allclose(r["curtailment_mw"], (m.renewables.available_mw - m.accepted_mw[:, m._blocks["res"]]).sum(1)
                           + (m.dcs.pv_available_mw - m.accepted_mw[:, m._blocks["dcpv"]]).sum(1))
    if name == "agents_decide":
        assert m.dcs.dr_delivered_mw[:72].max() > 1.0 and np.abs(m.dcs.it_shift_mw[72:]).max() > 0.5
        assert np.abs(m.storage.power[:, 0]).max() > 1.0 and len(m.decisions.applied) == 2
    if name.startswith("outage_"):  # off the grid: no grid draw, less IT and DC heat than planned
        off = m.outages.off[:, 0]
        assert off.sum() == (5 if name == "outage_shed" else 6)
        np.testing.assert_allclose(m.dcs.grid_power_mw(0, m.total_steps)[off, 0], 0.0, atol=1e-9)
        unserved_it = m.outages.unserved_it_mw(0, m.total_steps)[:, 0]
        assert np.all(unserved_it[off] > 1.0) and np.all(unserved_it[~off] == 0.0)
        np.testing.assert_array_equal(m.series_table().column("dc_hohhot.outage_unserved_it_mw").to_numpy(),
                                      unserved_it)
        assert np.all(m.storage.power[off][:, m.storage.metered] == 0.0)
    if name == "outage_shed":
        np.testing.assert_allclose(m.dcs.backup_mw[off, 0], 10.0, rtol=1e-12)
        assert m.storage.reserve[off].sum() == 0.0
    if name == "outage_dark":
        assert np.all(m.dcs.it_mw[off, 0] == 0.0) and np.all(m.r["heat_from_dc_mw"][off] == 0.0)
    if name == "quarter_hour":
        assert m.dt_h == 0.25 and m.total_steps == 96
