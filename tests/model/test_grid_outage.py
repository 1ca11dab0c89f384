"""Site grid outages (agents.outages): the sites draw nothing from the grid, their backup generators carry what
they can (start bridged by the UPS, minimum run after the grid returns), the rest is unserved at the site; heat
utilities cover the DC heat lost; KPIs per outage and site; validation; no strategy sees the outage coming;
checkpoint resume mid-outage; old documents unchanged."""

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, checkpoint_dumps, checkpoint_loads, validate_scenario

from .helpers import same_tables, variant

OUT = slice(34, 38)  # 2025-01-16 10:00–14:00 on the tiny fixture's hourly clock


def _doc(backup: dict | None = None, duration_h: float = 4.0, **changes) -> dict:
    """Tiny, two days; dc_hohhot (site load ≈ 19 MW) with the given generators (None: no backup) loses the grid at
    2025-01-16 10:00 (step 34) for ``duration_h``."""
    doc = variant(**{"horizon.steps": 48, **changes})
    dc = doc["actors"][1]
    dc.pop("backup_generator_mw")
    if backup is not None:
        dc["backup"] = backup
    doc["events"] = [{"type": "grid_outage", "at": "2025-01-16T10:00", "duration_h": duration_h,
                      "data_center_ids": ["dc_hohhot"]}]
    return doc


def _run(doc: dict) -> RegionModel:
    m = RegionModel(validate_scenario(doc))
    m.run()
    return m



@pytest.fixture(scope="module")
def runs():
    diesel = {"technology": "diesel", "capacity_mw": 30.0}  # 2,140 CNY/MWh, 0.76 t/MWh, 10 s start, 0.5 h run
    small = {"technology": "diesel", "capacity_mw": 10.0}
    base = _doc(diesel)
    base["events"] = []
    return {"base": _run(base), "enough": _run(_doc(diesel)), "small": _run(_doc(small)), "none": _run(_doc(None))}


def _site(m) -> dict:
    return m.kpis()["outages"]["events"]["0"]["sites"]["dc_hohhot"]


def test_a_site_with_enough_backup_draws_nothing_from_the_grid_and_its_generator_carries_the_load(runs):
    base, m = runs["base"], runs["enough"]
    load = base.dcs.behind_meter_mw(0, 48)[OUT, 0]  # facility + own heat pump, as planned (≈ 19 MW)
    assert 18.0 < load.min() and load.max() < 20.0
    grid = m.dcs.grid_power_mw(0, 48)[:, 0]
    np.testing.assert_allclose(grid[OUT], 0.0, atol=1e-9)
    assert np.all(grid[30:34] > 10.0) and np.all(grid[38:42] > 10.0)  # on the grid before and after
    np.testing.assert_array_equal(m.dcs.backup_mw[OUT, 0], load)  # the whole site, the UPS recharged by it
    assert np.all(m.dcs.backup_mw[:34, 0] == 0.0) and np.all(m.dcs.backup_mw[38:, 0] == 0.0)  # 0.5 h run: done
    # PV trips and the battery idles while the site is an island
    assert np.all(m.storage.power[OUT, 0] == 0.0) and np.all(m.dcs.pv_used_mw(0, 48)[OUT, 0] == 0.0)
    k = _site(m)
    energy = float(load.sum()) * 1.0  # 4 h × the site load, hourly steps
    assert k["off_grid_h"] == 4.0
    assert k["backup_energy_mwh"] == pytest.approx(energy, rel=1e-12)
    assert k["backup_fuel_cost_cny"] == pytest.approx(2140.0 * energy, rel=1e-12)
    assert k["backup_co2_t"] == pytest.approx(0.76 * energy, rel=1e-12)
    assert k["ups_bridge_mwh"] == pytest.approx(load[0] * 10.0 / 3600.0, rel=1e-12)  # 10 s start, first hour
    assert k["unserved_it_mwh"] == 0.0 and k["unserved_mwh"] == 0.0
    np.testing.assert_array_equal(m.dcs.it_mw[:, 0], base.dcs.it_mw[:, 0])  # all IT work done
    kp = m.kpis()
    assert kp["outages"]["backup_energy_mwh"] == pytest.approx(energy) and kp["outages"]["events_count"] == 1
    assert kp["region"]["dc_unserved_it_mwh"] == 0.0 and kp["agents"]["dc_hohhot"]["unserved_it_mwh"] == 0.0
    assert kp["agents"]["dc_hohhot"]["backup_co2_t"] == pytest.approx(0.76 * energy)


def test_backup_smaller_than_the_site_leaves_the_rest_unserved_and_the_heat_utility_covers_the_lost_heat(runs):
    base, m = runs["base"], runs["small"]
    load = base.dcs.behind_meter_mw(0, 48)[OUT, 0]
    it = base.dcs.it_mw[OUT, 0]
    served = 10.0 / load  # whole halls go dark with their cooling and heat recovery
    np.testing.assert_allclose(m.dcs.grid_power_mw(0, 48)[OUT, 0], 0.0, atol=1e-9)
    np.testing.assert_allclose(m.dcs.backup_mw[OUT, 0], 10.0, rtol=1e-12)
    k = _site(m)
    assert k["unserved_mwh"] == pytest.approx(float((load - 10.0).sum()), rel=1e-12)  # (load − capacity) × 4 h
    assert k["unserved_it_mwh"] == pytest.approx(float((it * (1.0 - served)).sum()), rel=1e-12)
    assert k["backup_energy_mwh"] == pytest.approx(40.0) and k["backup_fuel_cost_cny"] == pytest.approx(2140.0 * 40.0)
    np.testing.assert_allclose(m.dcs.it_mw[OUT, 0], it * served, rtol=1e-12)
    np.testing.assert_allclose(m.dcs.behind_meter_mw(0, 48)[OUT, 0], 10.0, rtol=1e-12)
    # the heat utility gets the served share of the DC heat and covers the rest with its boilers
    dc_heat, heat_base = m.r["heat_from_dc_mw"][OUT], base.r["heat_from_dc_mw"][OUT]
    np.testing.assert_allclose(dc_heat, heat_base * served, rtol=1e-12)
    np.testing.assert_allclose(m.r["heat_produced_mw"][OUT], base.r["heat_produced_mw"][OUT] + heat_base - dc_heat,
                               rtol=1e-12)
    assert np.all(m.r["heat_unserved_mw"] == 0.0)
    assert np.array_equal(m.r["heat_produced_mw"][:34], base.r["heat_produced_mw"][:34])
    kp = m.kpis()
    assert kp["agents"]["dc_hohhot"]["unserved_it_mwh"] == pytest.approx(k["unserved_it_mwh"])
    assert kp["region"]["dc_it_energy_mwh"] == pytest.approx(base.kpis()["region"]["dc_it_energy_mwh"]
                                                             - k["unserved_it_mwh"], rel=1e-12)


def test_a_site_without_backup_goes_dark(runs):
    base, m = runs["base"], runs["none"]
    load = base.dcs.behind_meter_mw(0, 48)[OUT, 0]
    k = _site(m)
    assert k["unserved_mwh"] == pytest.approx(float(load.sum()), rel=1e-12)  # its whole load
    assert k["unserved_it_mwh"] == pytest.approx(float(base.dcs.it_mw[OUT, 0].sum()), rel=1e-12)
    assert k["backup_energy_mwh"] == 0.0 and k["ups_bridge_mwh"] == 0.0
    assert np.all(m.dcs.it_mw[OUT, 0] == 0.0) and np.all(m.dcs.facility_mw[OUT, 0] == 0.0)
    np.testing.assert_allclose(m.dcs.grid_power_mw(0, 48)[OUT, 0], 0.0, atol=1e-12)
    assert np.all(m.r["heat_from_dc_mw"][OUT] == 0.0)
    # the region's load falls by the site's: the grid serves the other consumers as before
    np.testing.assert_allclose(base.r["load_mw"][OUT] - m.r["load_mw"][OUT], load, rtol=1e-9)
    assert np.all(np.isfinite(m.series_table().column("dc_hohhot.pue").to_numpy()))


def test_energy_and_heat_balances_close_every_step_in_an_outage(runs):
    for m in (runs["enough"], runs["small"], runs["none"]):
        r = m.r
        supply = r["generation_mw"] + r["import_mw"] + r["storage_discharge_mw"] + r["unserved_mw"]
        assert np.max(np.abs(supply - r["load_mw"] - r["export_mw"] - r["storage_charge_mw"])) <= 1e-6
        heat = r["heat_produced_mw"] + r["heat_from_dc_mw"] + r["heat_unserved_mw"]
        assert np.max(np.abs(heat - r["heat_demand_mw"] - r["heat_loss_mw"])) <= 1e-6
        # the site: what it uses = grid + PV + generator − battery charge
        dcs = m.dcs
        site = dcs.behind_meter_mw(0, 48)[:, 0] + m.storage.power[:, 0] - dcs.pv_used_mw(0, 48)[:, 0]
        gen = dcs.backup_mw[:, 0] if dcs.backup_members.size else 0.0
        np.testing.assert_allclose(dcs.grid_power_mw(0, 48)[:, 0] + gen, site, atol=1e-9)
        np.testing.assert_allclose(dcs.heat_delivered_mw, dcs.heat_recovered_mw + dcs.hp_power_mw, atol=1e-9)


def test_generators_run_their_minimum_time_after_the_grid_returns():
    m = _run(_doc({"technology": "gas_engine", "capacity_mw": 30.0, "min_run_time_h": 6.0}))
    out, site = m.dcs.backup_mw[:, 0], m.dcs.behind_meter_mw(0, 48)[:, 0]
    assert np.flatnonzero(out > 0).tolist() == list(range(34, 40))  # 4 h off the grid + 2 h of its 6 h run
    np.testing.assert_allclose(out[38:40], site[38:40], rtol=1e-12)  # carrying the site, back on the grid
    assert m.dcs.backup.bridge_mw[34, 0] == pytest.approx(site[34] * 60.0 / 3600.0)  # 60 s start
    assert np.all(m.dcs.grid_power_mw(0, 48)[38:40, 0] < 1.0)
    k = _site(m)
    assert k["backup_energy_mwh"] == pytest.approx(float(out[34:40].sum()))  # the run the outage started
    assert k["backup_co2_t"] == pytest.approx(0.5 * float(out[34:40].sum()))
    assert m.kpis()["agents"]["dc_hohhot"]["backup_start_count"] == 1


def test_every_data_center_and_quarter_hour_steps():
    doc = _doc({"technology": "h2_fuel_cell", "capacity_mw": 15.0}, duration_h=1.5,
               **{"horizon.dt_h": 0.25, "horizon.steps": 192})
    doc["events"][0]["data_center_ids"] = None  # every DC of the region
    m = _run(doc)
    off = np.flatnonzero(m.outages.off[:, 0]).tolist()
    assert off == list(range(136, 142))  # 10:00 + 1.5 h in 15-min steps
    base = doc.copy()
    base["events"] = []
    b = _run(base)
    load = b.dcs.behind_meter_mw(0, 192)[off, 0]
    k = _site(m)
    assert k["off_grid_h"] == 1.5
    assert k["unserved_mwh"] == pytest.approx(float((load - 15.0).sum()) * 0.25, rel=1e-12)
    assert k["backup_energy_mwh"] == pytest.approx(15.0 * 1.5) and k["backup_co2_t"] == 0.0


def test_no_strategy_sees_the_outage_coming():
    """A workload-shifting DC, a battery and the heat utility plan the day from published signals: up to the
    outage's step everything is as without it."""
    doc = _doc({"technology": "diesel", "capacity_mw": 10.0}, **{"actors.1.battery.strategy": {"kind": "arbitrage"}})
    doc["actors"][1]["strategy"] = {"kind": "carbon_aware", "flex": {"deferrable_pu": 0.3, "deadline_h": 12.0}}
    base = dict(doc, events=[])
    m, b = _run(doc), _run(base)
    assert _site(m)["unserved_it_mwh"] > 10.0
    before, without = m.series_table(0, 34), b.series_table(0, 34)
    assert set(before.column_names) - set(without.column_names) == {"dc_hohhot.outage_unserved_it_mw",
                                                                     "dc_hohhot.outage_unserved_mw"}
    assert same_tables(before.select(without.column_names), without)
    for name in ("price_cny_per_mwh", "carbon_intensity_kgco2_per_kwh"):
        np.testing.assert_array_equal(m.signals._day_ahead[name], b.signals._day_ahead[name])
    assert np.array_equal(m.heat.unit_heat[:34], b.heat.unit_heat[:34])


@pytest.mark.parametrize("cut", [34, 36, 38, 39])
def test_checkpoint_resume_mid_outage_is_bit_identical(cut):
    doc = _doc({"technology": "gas_engine", "capacity_mw": 10.0, "min_run_time_h": 6.0})
    doc["actors"][1]["strategy"] = {"kind": "carbon_aware", "flex": {"deferrable_pu": 0.3, "deadline_h": 12.0}}
    scenario = validate_scenario(doc)
    whole = RegionModel(scenario)
    whole.run()
    part = RegionModel(scenario)
    part.run(steps=cut)
    resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
    resumed.run()
    assert resumed.kpis() == whole.kpis()
    assert same_tables(resumed.series_table(), whole.series_table())


def test_documents_without_outages_give_the_figures_of_main():
    # the tiny fixture with a voltage-dip event, as main (9d93998) computed it before grid outages existed
    doc = variant(**{"horizon.steps": 48})
    doc["events"] = [{"type": "voltage_dips", "at": "2025-01-16T10:00", "count": 3, "span_s": 0.0}]
    m = _run(doc)
    k = m.kpis()
    assert "outages" not in k and "unserved_it_mwh" not in k["agents"]["dc_hohhot"]
    assert not m.outages.active and "dc_hohhot.outage_unserved_it_mw" not in m.series_table().column_names
    assert k["region"]["co2_t"] == MAIN_FIGURES["co2_t"]
    assert k["region"]["system_cost_cny"] == MAIN_FIGURES["system_cost_cny"]
    assert k["agents"]["dc_hohhot"]["cost_cny"] == MAIN_FIGURES["dc_cost_cny"]
    assert k["region"]["dc_backup_energy_mwh"] == MAIN_FIGURES["dc_backup_energy_mwh"]


MAIN_FIGURES = {"co2_t": 3872.426810796055, "system_cost_cny": 1453789.4099976418, "dc_cost_cny": 405395.955609767,
                "dc_backup_energy_mwh": 66.83647286708288}  # main 9d93998, the same scenario


@pytest.mark.parametrize("event, loc", [
    ({"duration_h": -4.0}, "events.0.duration_h"),
    ({"duration_h": 0.0}, "events.0.duration_h"),
    ({"duration_h": 1.5}, "events.0.duration_h"),  # not a whole number of 1-h steps
    ({"at": "2025-01-16T10:30"}, "events.0.at"),  # not on a step boundary
    ({"at": "2025-02-01T10:00"}, "events.0.at"),  # after the horizon
    ({"at": "16 Jan 10:00"}, "events.0.at"),
    ({"data_center_ids": ["dc_nowhere"]}, "events.0.data_center_ids.0"),
    ({"data_center_ids": ["coal_1"]}, "events.0.data_center_ids.0"),
    ({"data_center_ids": []}, "events.0.data_center_ids"),
    ({"hours": 4.0}, "events.0.hours"),
])
def test_bad_outage_events_are_field_level_errors(event, loc):
    doc = _doc(None)
    doc["events"][0].update(event)
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(doc)
    assert [e["loc"] for e in err.value.errors] == [loc]


def test_an_outage_in_one_region_of_a_multi_region_run_resumes_bit_identically_and_is_reported():
    from agents import build_model

    from .test_multi_region import two_region_doc

    doc = two_region_doc()
    west = doc["regions"][1]
    west["actors"][1].pop("backup_generator_mw")
    west["actors"][1]["backup"] = {"technology": "diesel", "capacity_mw": 10.0}
    west["events"] = [{"type": "grid_outage", "at": "2025-01-16T10:00", "duration_h": 4.0}]
    scenario = validate_scenario(doc)
    whole = build_model(scenario)
    whole.run()
    k = whole.kpis()
    site = k["outages"]["regions"]["west"]["events"]["0"]["sites"]["w-dc_hohhot"]
    assert site["backup_energy_mwh"] == pytest.approx(40.0) and site["unserved_it_mwh"] > 10.0
    assert "east" not in k["outages"]["regions"]
    assert k["region"]["dc_unserved_it_mwh"] == pytest.approx(site["unserved_it_mwh"])
    np.testing.assert_allclose(whole.models["west"].dcs.grid_power_mw(0, 48)[OUT, 0], 0.0, atol=1e-9)
    part = build_model(scenario)
    part.run(36)
    resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
    resumed.run()
    assert resumed.series_table().equals(whole.series_table()) and resumed.kpis() == k


def test_the_hohhot_grid_outage_fixture_runs_its_sites_on_diesel_for_12_hours():
    from tests.scenarios.helpers import fixture_doc

    m = _run(fixture_doc("hohhot_grid_outage"))
    o = m.kpis()["outages"]
    assert o["off_grid_h"] == 12.0 and o["unserved_it_mwh"] == 0.0  # fixtures/README.md
    assert 730.0 <= o["backup_energy_mwh"] <= 740.0
    assert o["backup_fuel_cost_cny"] == pytest.approx(2000.0 * o["backup_energy_mwh"])  # legacy diesel figures
    assert o["backup_co2_t"] == pytest.approx(0.7 * o["backup_energy_mwh"])
    off = m.outages.off.any(axis=1)
    assert np.flatnonzero(off).tolist() == list(range(18, 30))
    np.testing.assert_allclose(m.dcs.grid_power_mw(0, 72)[off], 0.0, atol=1e-9)
