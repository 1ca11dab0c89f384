"""Small and odd regions still run and keep their balances: no data center, no supply, one step, no units."""

import numpy as np
import pytest

from agents import RegionModel, checkpoint_dumps, checkpoint_loads, validate_scenario

from .helpers import tiny_doc


def _doc(actors, **markets):
    doc = tiny_doc()
    doc["actors"] = [a for a in doc["actors"] if a["id"] in actors]
    doc["contracts"] = []
    doc["markets"].update(markets)
    for a in doc["actors"]:
        a.pop("heat_recovery", None)
    return doc


def _balanced(m):
    r = m.r
    supply = r["generation_mw"] + r["import_mw"] + r["storage_discharge_mw"] + r["unserved_mw"]
    demand = r["load_mw"] + r["export_mw"] + r["storage_charge_mw"]
    return np.max(np.abs(supply - demand)) <= 1e-6


@pytest.mark.parametrize("actors,markets", [
    (("grid", "coal_1"), {}),  # no data center
    (("grid", "dc_hohhot"), {"imports": {"capacity_mw": 0.0}}),  # nothing supplies: unserved, backup starts
    (("grid", "dc_hohhot", "heat_city"), {}),  # heat utility with units but no DC heat
    (("grid", "wind_1"), {"exports": {"capacity_mw": 0.0}}),  # wind only: curtailment and imports
])
def test_reduced_regions_run_and_balance(actors, markets):
    m = RegionModel(validate_scenario(_doc(actors, **markets)))
    m.run()
    assert m.step_index == 48 and _balanced(m)
    k = m.kpis()
    assert k["region"]["steps"] == 48
    if "dc_hohhot" in actors and markets:
        assert k["region"]["unserved_mwh"] > 0 and m.r["backup_mw"].sum() > 0
        assert np.all(m.r["wholesale_price_cny_per_mwh"][m.r["unserved_mw"] + m.r["backup_mw"] > 0]
                      == m.scenario.markets.price_cap_cny_per_mwh)


def test_heat_utility_without_units_reports_unserved_heat():
    doc = _doc(("grid", "dc_hohhot", "heat_city"))
    doc["actors"][2]["units"] = []
    m = RegionModel(validate_scenario(doc))
    m.run()
    assert m.kpis()["region"]["heat_unserved_mwh"] == pytest.approx(
        m.kpis()["region"]["heat_demand_mwh"] + float(m.r["heat_loss_mw"].sum()))


def test_a_one_step_horizon_runs_and_checkpoints():
    doc = tiny_doc()
    doc["horizon"]["steps"] = 1
    s = validate_scenario(doc)
    m = RegionModel(s)
    blob = checkpoint_dumps(m)  # before any step
    m.run()
    assert not m.running and m.kpis()["region"]["steps"] == 1
    resumed = checkpoint_loads(s, blob)
    assert resumed.step_index == 0 and resumed.running
    resumed.run()
    assert resumed.kpis() == m.kpis()
