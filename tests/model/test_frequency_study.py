"""The frequency study of a run: contingencies on the region's interconnection, ride-through, voltage-dip events."""

import copy

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, validate_scenario
from tests.scenarios.helpers import fixture_doc


def _run(doc, steps=None):
    model = RegionModel(validate_scenario(doc))
    model.run(steps)
    model.settle()
    return model


@pytest.fixture(scope="module")
def tianjin_year():
    return _run(fixture_doc("tianjin_wuqing"))


@pytest.fixture(scope="module")
def event_day():
    return _run(fixture_doc("loss_of_load_event"))


def test_rocof_stays_below_1_hz_per_s_in_the_north_china_grid_every_step(tianjin_year):
    # main: the 1,200 MW Panshan unit against the local plants alone gave ≤ −4 Hz/s in 8,215 hours
    r = tianjin_year.r
    for name in ("rocof_largest_infeed_hz_per_s", "rocof_hvdc_loss_hz_per_s", "rocof_dc_trip_hz_per_s"):
        assert np.all(np.abs(r[name]) < 1.0), name
    # hand check of one step: −P·f0 / (2·H·S·k) with the area's S scaled by the region's load ratio k
    ic = tianjin_year.scenario.actors[0].interconnection
    k = tianjin_year.frequency.scale
    expected = -r["largest_infeed_mw"] * 50.0 / (2.0 * ic.inertia_constant_s * ic.synchronous_capacity_mva * k)
    np.testing.assert_allclose(r["rocof_largest_infeed_hz_per_s"], expected, rtol=1e-9)
    assert np.all(r["nadir_largest_infeed_hz"] < r["settling_largest_infeed_hz"] + 1e-12)
    assert np.all(r["settling_largest_infeed_hz"] <= 50.0) and r["nadir_largest_infeed_hz"].min() > 49.5


def test_frequency_rises_after_data_centers_trip(tianjin_year):
    r = tianjin_year.r
    tripped = r["dc_trip_mw"] > 0
    assert tripped.all()
    assert np.all(r["rocof_dc_trip_hz_per_s"] > 0)
    assert np.all(r["zenith_dc_trip_hz"] >= r["settling_dc_trip_hz"]) and np.all(r["settling_dc_trip_hz"] > 50.0)
    k = tianjin_year.kpis()["region"]
    assert k["worst_zenith_dc_trip_hz"] > 50.0 and k["worst_rocof_dc_trip_hz_per_s"] > 0.0
    assert k["worst_nadir_largest_infeed_hz"] < 50.0 and k["worst_rocof_largest_infeed_hz_per_s"] < 0.0


def test_region_without_local_synchronous_plant_gets_its_rocof_from_the_interconnection():
    # Espoo has no power plant: main recorded 0 Hz/s for every contingency
    model = _run(fixture_doc("espoo"), 48)
    r = {k: v[:48] for k, v in model.r.items()}
    assert not any(a.type == "power_plant" for a in model.scenario.actors)
    assert np.all(r["rocof_dc_trip_hz_per_s"] > 0.001) and np.all(r["rocof_dc_trip_hz_per_s"] < 0.5)
    # HVDC infeed loss (Estlink 2 carrying the imports up to 650 MW): frequency falls, well inside 49–50 Hz
    hvdc = r["hvdc_infeed_mw"] > 0
    assert hvdc.any()
    assert np.all(r["rocof_hvdc_loss_hz_per_s"][hvdc] < 0) and np.all(r["nadir_hvdc_loss_hz"][hvdc] > 49.0)


def test_ride_through_policy_decides_the_data_center_trip_contingency():
    doc = fixture_doc("tianjin_wuqing")
    base = _run(doc, 24).r
    rides = copy.deepcopy(doc)
    for a in rides["actors"]:
        if a["type"] == "data_center":
            a["ride_through"] = {"transfer_after_dips": None}
    r = _run(rides, 24).r
    assert np.all(r["dc_trip_mw"][:24] == 0.0) and np.all(r["zenith_dc_trip_hz"][:24] == 50.0)
    assert np.all(base["dc_trip_mw"][:24] > 0.0)
    five = copy.deepcopy(doc)  # five dips in a minute never occur in the design sequence (6 in 82 s)
    for a in five["actors"]:
        if a["type"] == "data_center":
            a["ride_through"] = {"transfer_after_dips": 5}
    assert np.all(_run(five, 24).r["dc_trip_mw"][:24] == 0.0)
    late = copy.deepcopy(doc)  # one site transfers 20 s after the others: same total, gentler start
    late["actors"][1]["ride_through"] = {"transfer_delay_s": 20.0}
    rl = _run(late, 24).r
    np.testing.assert_allclose(rl["dc_trip_mw"][:24], base["dc_trip_mw"][:24])
    assert np.all(rl["rocof_dc_trip_hz_per_s"][:24] < base["rocof_dc_trip_hz_per_s"][:24])
    assert np.all(rl["zenith_dc_trip_hz"][:24] <= base["zenith_dc_trip_hz"][:24])


def test_voltage_dip_event_moves_data_center_load_to_backup_and_frequency_rises(event_day):
    m = event_day
    r = m.r
    dt = m.dt_h
    # the fleet transfers at 19:00:33 (third dip), holds 3 h on backup, returns over 1 h
    assert np.all(r["backup_mw"][:19] == 0.0) and r["backup_mw"][23] < 0.01 * r["backup_mw"][20]  # 33 s of ramp left
    assert r["backup_mw"][20] > 0.9 * r["dc_facility_mw"][20]
    assert 0.4 < r["backup_mw"][22] / r["backup_mw"][21] < 0.6
    supply = r["generation_mw"] + r["import_mw"] + r["storage_discharge_mw"] + r["unserved_mw"]
    np.testing.assert_allclose(supply, r["load_mw"] + r["export_mw"] + r["storage_charge_mw"], atol=1e-6, rtol=0)
    grid_draw = m.dcs.grid_power_mw(0, 24).sum(axis=1)
    np.testing.assert_allclose(grid_draw + r["backup_mw"], m.dcs.behind_meter_mw(0, 24).sum(axis=1)
                               + m.storage.power[:, m.storage.n:].sum(axis=1) - m.dcs.pv_used_mw(0, 24).sum(axis=1),
                               atol=1e-9)
    k = m.kpis()
    assert k["region"]["voltage_dip_events"] == 1
    assert k["region"]["voltage_dip_dc_load_transferred_mw"] > 500.0
    assert k["region"]["voltage_dip_zenith_hz"] > 50.0 and k["region"]["voltage_dip_rocof_hz_per_s"] > 0.0
    # energy on backup ≈ transferred load × (3 h hold + 1 h ramp / 2), recorded per site
    backup_mwh = float(r["backup_mw"].sum() * dt)
    assert backup_mwh == pytest.approx(float(m.dcs.backup_mw.sum() * dt))
    assert 3.2 < backup_mwh / k["region"]["voltage_dip_dc_load_transferred_mw"] < 3.8


def test_data_centers_that_ride_through_do_not_trip_in_the_event():
    doc = fixture_doc("loss_of_load_event")
    for a in doc["actors"]:
        if a["type"] == "data_center":
            a["ride_through"] = {"transfer_after_dips": None}
    m = _run(doc)
    k = m.kpis()["region"]
    assert np.all(m.r["backup_mw"] == 0.0)
    assert k["voltage_dip_dc_load_transferred_mw"] == 0.0 and k["voltage_dip_zenith_hz"] == 50.0


def test_event_outside_the_horizon_or_naming_no_data_center_is_a_field_error():
    doc = fixture_doc("loss_of_load_event")
    doc["events"] = [{"type": "voltage_dips", "at": "2025-07-12T19:00", "count": 6, "span_s": 82.0,
                      "data_center_ids": ["sh-dc-001", "sh-grid"]}]
    with pytest.raises(ScenarioValidationError) as exc:
        validate_scenario(doc)
    locs = {e["loc"] for e in exc.value.errors}
    assert {"events.0.at", "events.0.data_center_ids.1"} <= locs
    doc["events"] = [{"type": "voltage_dips", "at": "19:00", "count": 0, "span_s": 82.0}]
    with pytest.raises(ScenarioValidationError) as exc:
        validate_scenario(doc)
    assert {"events.0.at", "events.0.count"} <= {e["loc"] for e in exc.value.errors}


def test_documents_without_an_interconnection_stay_valid_as_an_island():
    doc = fixture_doc("tianjin_wuqing")
    del doc["actors"][0]["interconnection"]
    m = _run(doc, 24)
    assert m.frequency.ic is None
    assert np.all(m.r["rocof_largest_infeed_hz_per_s"][:24] < 0.0)  # local plants alone: the island of main


def test_an_island_counts_the_inertia_of_committed_units_at_zero_output_and_none_of_units_off():
    """Audit of issue 11: the island's inertia base was the rating of the plants with output > 0; a unit that is
    committed (synchronised, spinning) but dispatched at zero still gives inertia and primary response, and a
    unit the commitment switched off gives none (PowerPlantFleet.online)."""
    from tests.model.helpers import variant

    cheap_imports = {"actors.3.min_load_pu": 0.0, "actors.3.forced_outage_rate_pu": 0.0,
                     "markets.imports.price_cny_per_mwh": 10.0, "markets.imports.capacity_mw": 300.0}
    m = _run(variant(**cheap_imports))
    online, power = m.plants.online[:, 0], m.plants.power[:, 0]
    assert m.scenario.actors[0].interconnection is None  # the tiny region is an island of its own plants
    assert online.all() and np.all(power == 0.0)  # committed for reserve, every hour beaten by the imports
    r = m.r
    h = m.scenario.actors[0].inertia_constant_s
    np.testing.assert_allclose(r["rocof_dc_trip_hz_per_s"], r["dc_trip_mw"] * 50.0 / (2.0 * h * 120.0), rtol=1e-9)
    assert np.all(r["zenith_dc_trip_hz"] > 50.0)
    # without a reserve requirement the operator leaves the unit off from the second day: no machine, no excursion
    off = _run(variant(**cheap_imports, **{"markets.reserve_requirement_pu": 0.0}))
    day2 = slice(24, 48)
    assert not off.plants.online[day2, 0].any()
    assert np.all(off.r["rocof_dc_trip_hz_per_s"][day2] == 0.0) and np.all(off.r["zenith_dc_trip_hz"][day2] == 50.0)
