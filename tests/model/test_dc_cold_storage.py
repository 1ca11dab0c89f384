"""Cold storage of a data center in the run (issue 12 "Cooling follows"; agents.actors.dc_cold_storage).

The tiny fixture (Hohhot AI campus, 18 MW IT, liquid-cooled, heat recovery, PV, a battery on TOU) over six
January days; the DC gets a chilled-water tank of 20 MWh_th (5 MW_th in and out). At the TOU tariff (retail
price = the tariff) the DC charges the tank in valley hours and covers cooling from it at the peak; with the DC a
wholesale buyer it plans on the published day-ahead price forecast.
"""

import copy
from functools import cache

import numpy as np
import pytest

from agents import RegionModel, checkpoint_dumps, checkpoint_loads, validate_scenario
from tests.model.helpers import tiny_doc

from .helpers import same_tables

DAY = 24
DAYS = 6
TANK = {"capacity_mwh_th": 20.0, "charge_mw_th": 5.0, "discharge_mw_th": 5.0}
TOL_MW = 1e-6


def _doc(tank: bool, rule: str = "tou_tariff", wholesale: bool = False) -> dict:
    doc = tiny_doc()
    doc["horizon"]["steps"] = DAYS * DAY
    doc["actors"][3]["capacity_mw"] = 90.0  # imports become marginal in the evening: the forecast price varies
    doc["markets"]["clearing_rule"] = rule
    if wholesale:
        doc["markets"]["wholesale_buyers"] = ["data_center"]
    if tank:
        doc["actors"][1]["cold_storage"] = dict(TANK)
    return doc


@cache
def _run(tank: bool, rule: str = "tou_tariff", wholesale: bool = False) -> RegionModel:
    m = RegionModel(validate_scenario(_doc(tank, rule, wholesale)))
    m.run()
    return m


def _cold(m):
    return m.dcs.cold


def test_it_energy_unchanged_and_cold_conserved_up_to_the_tank_losses():
    """The tank shifts cooling only: IT power is the same every step; the cold the chillers make over the run
    equals the IT's cooling load plus the tank's gain and its standing loss, and the facility power differs from
    the run without the tank by exactly the chiller shift."""
    base, m = _run(False), _run(True)
    assert np.array_equal(np.asarray(m.dcs.it_mw), np.asarray(base.dcs.it_mw))
    c = _cold(m)
    dt = m.dt_h
    made = (c.charge_mw_th - c.discharge_mw_th)[:, 0].sum() * dt  # cold made beyond the load [MWh_th]
    gain = c.soc_series[-1, 0] - c.soc_initial_mwh_th[0]
    assert made == pytest.approx(gain + c.loss_mw_th[:, 0].sum() * dt, abs=1e-9)
    assert c.discharge_mw_th.sum() * dt > 170.0  # the tank did work (179.8 MWh_th delivered in 6 days)
    shift = np.asarray(m.dcs.facility_mw)[:, 0] - np.asarray(base.dcs.facility_mw)[:, 0]
    assert np.max(np.abs(shift - c.shift_mw[:, 0])) <= 1e-9
    assert c.shift_mw.max() > 0.1 and c.shift_mw.min() < -0.1  # chillers run more in some hours, less in others


def test_soc_within_limits_every_step():
    m = _run(True)
    c = _cold(m)
    state = m.dcs.decision_of(0)  # the Mesa agent's decision state at the last step
    assert state["cold_storage_soc_mwh_th"] == c.soc_series[-1, 0]
    assert state["chiller_shift_mw"] == c.shift_mw[-1, 0]
    soc = c.soc_series[:, 0]
    assert soc.min() >= 0.0 and soc.max() <= TANK["capacity_mwh_th"] + 1e-9
    assert soc.max() - soc.min() > 0.5 * TANK["capacity_mwh_th"]  # cycled, not idle
    assert c.charge_mw_th.max() <= TANK["charge_mw_th"] + 1e-12
    assert c.discharge_mw_th.max() <= TANK["discharge_mw_th"] + 1e-12


def test_energy_cost_falls_at_a_tou_tariff():
    """At the TOU tariff the DC's energy cost falls against the same run without the tank, by the saving the
    KPI reports (−Σ ΔP_cool · price · dt at the tariff)."""
    base, m = _run(False).kpis()["agents"]["dc_hohhot"], _run(True).kpis()["agents"]["dc_hohhot"]
    saving = base["cost_cny"] - m["cost_cny"]
    assert m["cold_storage_saving_cny"] == pytest.approx(saving, rel=1e-9)
    assert 1700.0 < saving < 1850.0  # 949,297 → 947,521 CNY over six days (1,776 CNY)
    assert 170.0 < m["cold_storage_shifted_mwh_th"] < 190.0  # 179.8 MWh_th from the tank
    assert m["it_energy_mwh"] == base["it_energy_mwh"]
    assert "cold_storage_saving_cny" not in base


def test_energy_balance_closes_every_step_and_the_region_load_follows():
    base, m = _run(False), _run(True)
    r = m.r
    supply = r["generation_mw"] + r["import_mw"] + r["storage_discharge_mw"] + r["unserved_mw"]
    demand = r["load_mw"] + r["export_mw"] + r["storage_charge_mw"]
    assert np.max(np.abs(supply - demand)) <= TOL_MW
    assert np.max(np.abs(r["dc_facility_mw"] - np.asarray(m.dcs.facility_mw).sum(axis=1))) <= TOL_MW
    d_load = r["load_mw"] - base.r["load_mw"]
    assert np.max(np.abs(d_load - _cold(m).shift_mw[:, 0])) <= 1e-6  # the operator's demand follows the tank
    for t in range(m.total_steps):
        net = sum(m.agent_state(t)["power_mw"])
        assert abs(net - (r["import_mw"][t] - r["export_mw"][t] + r["unserved_mw"][t])) <= 1e-5


def test_the_day_plan_reads_no_future_forecast():
    """The DC plans each day at its first step from that day's published forecast (a wholesale buyer): with the
    day-ahead signals from day 3 on garbled, the plans of days 0–2 are unchanged; day 3's plan does change."""
    scenario = validate_scenario(_doc(True, rule="pay_as_clear", wholesale=True))
    a, b = RegionModel(scenario), RegionModel(scenario)
    cut = 3 * DAY
    rng = np.random.default_rng(11)
    for arr in b.signals._day_ahead.values():
        arr[cut:] = arr[cut:] * rng.uniform(0.2, 3.0, arr.size - cut)
    a.run(steps=cut)
    b.run(steps=cut)
    assert np.array_equal(_cold(a).shift_mw[:cut], _cold(b).shift_mw[:cut])
    assert np.array_equal(_cold(a).soc_series[:cut], _cold(b).soc_series[:cut])
    assert np.abs(_cold(a).shift_mw[:cut]).max() > 0.1
    a.run(steps=DAY)
    b.run(steps=DAY)
    assert not np.array_equal(_cold(a).shift_mw[cut:cut + DAY], _cold(b).shift_mw[cut:cut + DAY])



@pytest.mark.parametrize("wholesale", [False, True])
def test_checkpoint_resume_mid_day_is_bit_identical(wholesale):
    scenario = validate_scenario(_doc(True, rule="tou_tariff" if not wholesale else "pay_as_clear",
                                      wholesale=wholesale))
    whole = RegionModel(scenario)
    whole.run()
    part = RegionModel(scenario)
    part.run(steps=2 * DAY + 13)
    blob = checkpoint_dumps(part)
    del part
    resumed = checkpoint_loads(scenario, blob)
    resumed.run()
    assert resumed.kpis() == whole.kpis()
    assert same_tables(resumed.series_table(), whole.series_table())
    assert np.array_equal(resumed.dcs.cold.soc_mwh_th, whole.dcs.cold.soc_mwh_th)


def test_cold_storage_null_is_bit_identical_to_no_field():
    doc = _doc(False)
    named = copy.deepcopy(doc)
    named["actors"][1]["cold_storage"] = None
    a, b = RegionModel(validate_scenario(doc)), RegionModel(validate_scenario(named))
    a.run()
    b.run()
    assert a.kpis() == b.kpis()
    assert same_tables(a.series_table(), b.series_table())


def test_invalid_cold_storage_is_a_field_error():
    from agents.scenario import ScenarioValidationError

    doc = _doc(True)
    doc["actors"][1]["cold_storage"]["capacity_mwh_th"] = -1.0
    with pytest.raises(ScenarioValidationError) as e:
        validate_scenario(doc)
    assert [err["loc"] for err in e.value.errors] == ["actors.1.cold_storage.capacity_mwh_th"]


def test_quarter_hour_steps_keep_the_tank_balance():
    """Energy = power × dt_h (no 1-h steps assumed): at 15-min steps over a day and a bit the tank balance
    closes and the SOC stays within its limits."""
    doc = _doc(True)
    doc["horizon"].update(steps=130, dt_h=0.25)
    m = RegionModel(validate_scenario(doc))
    m.run()
    c, dt = m.dcs.cold, 0.25
    soc = np.concatenate([c.soc_initial_mwh_th, c.soc_series[:, 0]])
    step_gain = np.diff(soc)
    flows = (c.charge_mw_th[:, 0] - c.discharge_mw_th[:, 0] - c.loss_mw_th[:, 0]) * dt
    assert np.max(np.abs(step_gain - flows)) <= 1e-9
    assert soc.min() >= 0.0 and soc.max() <= TANK["capacity_mwh_th"] + 1e-9
    assert c.discharge_mw_th.sum() * dt > 20.0
