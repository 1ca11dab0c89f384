"""Heat in the fixtures: Espoo's CHP obeys the first law per unit and step, its network supplies hot water in
July; the Chinese networks heat only in their municipal season (short runs; full years in test_calibration)."""

import copy

import numpy as np
import pytest

from .helpers import actor, fixture_doc, run_doc

WEEKS_2 = 336


def _espoo(start: str, steps: int = WEEKS_2):
    doc = copy.deepcopy(fixture_doc("espoo"))
    doc["horizon"] = {**doc["horizon"], "start": start, "steps": steps}
    return doc, run_doc(doc)


def test_espoo_chp_fuel_covers_its_heat_and_power_at_every_step():
    doc, m = _espoo("2025-01-01T00:00")
    table = m.series_table()
    units = actor(doc, "fortum-espoo")["units"]
    chp = [j for j, u in enumerate(units) if u["kind"] == "chp"]
    assert chp
    for j in chp:
        col = f"fortum-espoo.unit{j}_chp"
        fuel, heat, power = (table.column(f"{col}.{q}").to_numpy() for q in ("fuel_mw", "heat_mw", "chp_power_mw"))
        assert heat.sum() > 0.0, "the CHP runs in a January fortnight"
        assert np.all(fuel >= heat + power - 1e-9)
        assert (heat.sum() + power.sum()) / fuel.sum() == pytest.approx(units[j]["efficiency_pu"]
                                                                          + units[j]["electrical_efficiency_pu"])
    assert np.all(m.r["curtailment_mw"] <= m.r["renewable_available_mw"] + 1e-9)


def test_espoo_network_supplies_hot_water_and_losses_in_july():
    _, m = _espoo("2025-07-01T00:00", 31 * 24)
    demand = m.r["heat_demand_mw"]
    assert demand.min() > 0.0 and 50.0 < demand.mean() < 150.0  # hot water only: ≈ 86 MW on average
    assert np.all(m.r["heat_loss_mw"] > 0.0)  # the fixed, temperature-driven part
    assert m.kpis()["region"]["heat_unserved_mwh"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize(("name", "start"), [("hohhot", "2025-07-01T00:00"), ("tianjin_wuqing", "2025-07-01T00:00")])
def test_chinese_municipal_networks_are_off_outside_the_heating_season(name, start):
    doc = copy.deepcopy(fixture_doc(name))
    doc["horizon"] = {**doc["horizon"], "start": start, "steps": WEEKS_2}
    m = run_doc(doc)
    assert m.r["heat_demand_mw"].sum() == 0.0 and m.r["heat_loss_mw"].sum() == 0.0
