"""Issue 11, defects 2, 4 and 10: one data-center boundary that follows the heat-pump owner, ISO/IEC 30134-3 REF
from owned or contracted renewables (never above 1, never clipped), and compute work bounded by capacity."""

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, validate_scenario
from agents.physics import it_load

from .helpers import variant

STEPS = 48


def _run(doc):
    model = RegionModel(validate_scenario(doc))
    model.run()
    return model


@pytest.fixture(scope="module")
def by_owner():
    """The tiny scenario with the heat pump owned by each possible party (same seed, same heat dispatch)."""
    runs = {}
    for owner in ("data_center", "heat_utility", "third_party"):
        doc = variant(**{"horizon.steps": STEPS})
        doc["actors"][1]["heat_recovery"]["heat_pump_owner"] = owner
        runs[owner] = _run(doc)
    return runs


def test_a_dc_owned_heat_pump_is_inside_every_dc_kpi(by_owner):
    m = by_owner["data_center"]
    k = m.kpis()["agents"]["dc_hohhot"]
    hp_mwh = float(m.dcs.hp_power_mw[:, 0].sum() * m.dt_h)
    assert hp_mwh > 0
    assert k["heat_pump_electricity_mwh"] == pytest.approx(hp_mwh)
    assert k["dc_energy_mwh"] == pytest.approx(k["facility_energy_mwh"] + hp_mwh)
    assert k["pue"] == pytest.approx(k["dc_energy_mwh"] / k["it_energy_mwh"])
    grid = m.series_table().column("dc_hohhot.grid_power_mw").to_numpy()
    np.testing.assert_allclose(grid, m.dcs.grid_power_mw(0, STEPS)[:, 0])
    delivered = float(m.dcs.heat_delivered_mw[:, 0].sum() * m.dt_h)
    assert k["heat_reused_mwh"] == pytest.approx(delivered)  # handed over at network temperature
    assert k["erf"] == pytest.approx(delivered / k["dc_energy_mwh"])


def test_a_utility_owned_heat_pump_is_the_utilitys_and_the_dc_hands_over_source_heat(by_owner):
    dc_own = by_owner["data_center"].kpis()["agents"]
    ut_own = by_owner["heat_utility"].kpis()["agents"]
    a, b = dc_own["dc_hohhot"], ut_own["dc_hohhot"]
    m = by_owner["heat_utility"]
    hp_mwh = float(m.dcs.hp_power_mw[:, 0].sum() * m.dt_h)
    price = m.r["retail_price_cny_per_mwh"]  # both the DC and the utility pay the retail price here
    hp_cost = float(m.dcs.hp_power_mw[:, 0] @ price * m.dt_h)
    # DC side: no heat-pump electricity in its boundary, meter, cost or CO2
    assert b["heat_pump_owner"] == "heat_utility" and b["heat_pump_electricity_mwh"] == 0.0
    assert b["dc_energy_mwh"] == pytest.approx(b["facility_energy_mwh"])
    assert b["pue"] == pytest.approx(b["facility_energy_mwh"] / b["it_energy_mwh"])
    assert b["grid_energy_mwh"] == pytest.approx(a["grid_energy_mwh"] - hp_mwh)
    assert b["cost_cny"] == pytest.approx(a["cost_cny"] - hp_cost)
    assert b["co2_t"] < a["co2_t"] and b["cue"] < a["cue"]
    assert b["heat_reused_mwh"] == pytest.approx(b["heat_recovered_mwh"])  # source-temperature heat
    assert b["erf"] == pytest.approx(b["heat_recovered_mwh"] / b["dc_energy_mwh"])
    assert b["heat_recovered_mwh"] == pytest.approx(a["heat_recovered_mwh"])  # same physics either way
    # utility side: it pays the heat pump's electricity and is told its CO2
    u_dc, u_ut = dc_own["heat_city"], ut_own["heat_city"]
    assert u_ut["dc_heat_pump_electricity_mwh"] == pytest.approx(hp_mwh)
    assert u_ut["dc_heat_pump_cost_cny"] == pytest.approx(hp_cost)
    assert u_ut["cost_cny"] == pytest.approx(u_dc["cost_cny"] + hp_cost)
    intensity = m.r["carbon_intensity_kgco2_per_kwh"]
    assert u_ut["dc_heat_pump_co2_t"] == pytest.approx(float(m.dcs.hp_power_mw[:, 0] @ intensity * m.dt_h))
    assert u_dc["dc_heat_pump_electricity_mwh"] == 0.0
    # the region sees the same electricity either way
    assert by_owner["heat_utility"].kpis()["region"]["electricity_demand_mwh"] == pytest.approx(
        by_owner["data_center"].kpis()["region"]["electricity_demand_mwh"])


def test_a_third_party_heat_pump_is_outside_both_the_dc_and_the_utility(by_owner):
    k = by_owner["third_party"].kpis()
    m = by_owner["third_party"]
    hp_mwh = float(m.dcs.hp_power_mw[:, 0].sum() * m.dt_h)
    assert k["agents"]["dc_hohhot"]["dc_energy_mwh"] == pytest.approx(k["agents"]["dc_hohhot"]["facility_energy_mwh"])
    assert k["agents"]["heat_city"]["dc_heat_pump_electricity_mwh"] == 0.0
    assert k["region"]["third_party_heat_pump_electricity_mwh"] == pytest.approx(hp_mwh)


def test_heat_pump_owner_is_validated():
    doc = variant()
    doc["actors"][1]["heat_recovery"]["heat_pump_owner"] = "landlord"
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(doc)
    assert any(e["loc"] == "actors.1.heat_recovery.heat_pump_owner" for e in err.value.errors)


def test_ref_counts_owned_renewables_only_and_grid_share_is_separate(by_owner):
    m = by_owner["data_center"]
    k = m.kpis()["agents"]["dc_hohhot"]
    # the tiny DC owns 2 MWp of PV and a battery; the wind farm is not its own
    assert 0.0 < k["ref"] <= 1.0
    assert k["ref"] == pytest.approx(k["owned_renewable_used_mwh"] / k["dc_energy_mwh"])
    assert k["owned_renewable_used_mwh"] <= float(m.dcs.pv_used_mw(0, STEPS).sum() * m.dt_h) + 1e-9
    grid = np.maximum(m.dcs.grid_power_mw(0, STEPS)[:, 0], 0.0)
    share = m.r["renewable_share_pu"]
    assert k["grid_renewable_share"] == pytest.approx(float(grid @ share / grid.sum()))
    assert k["grid_renewable_share"] > k["ref"]  # the wind in the grid mix is not the DC's renewable energy


def test_renewable_plants_owned_by_the_dc_raise_its_ref_up_to_but_never_above_1():
    doc = variant(**{"horizon.steps": STEPS})
    base = _run(doc).kpis()["agents"]["dc_hohhot"]
    doc["actors"][4]["owner_id"] = "dc_hohhot"  # the 50 MW wind farm becomes the DC's own
    doc["actors"][4]["capacity_mw"] = 400.0  # far more than the DC uses
    owned = _run(doc).kpis()["agents"]["dc_hohhot"]
    assert owned["ref"] > base["ref"]
    assert owned["ref"] <= 1.0  # energy-correct attribution, no clipping
    assert owned["owned_renewable_generated_mwh"] > owned["dc_energy_mwh"] > owned["owned_renewable_used_mwh"]
    assert owned["renewable_share_annual_matched"] == 1.0  # annual matching: generation ≥ consumption
    assert owned["renewable_share_hourly_matched"] == pytest.approx(owned["ref"])  # no contracts yet
    assert owned["meets_80pct_renewable_annual"]


def test_owner_id_must_name_a_data_center():
    doc = variant()
    doc["actors"][4]["owner_id"] = "heat_city"
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(doc)
    assert [e["loc"] for e in err.value.errors] == ["actors.4.owner_id"]
    doc["actors"][4]["owner_id"] = "nobody"
    with pytest.raises(ScenarioValidationError):
        validate_scenario(doc)


def test_delivered_compute_is_capacity_times_utilisation_and_never_above_capacity(by_owner):
    m = by_owner["data_center"]
    k = m.kpis()["agents"]["dc_hohhot"]
    spec = m.scenario.actors[1]
    cap = float(it_load.compute_capacity_pflops(spec.it_capacity_mw, spec.accelerator))
    assert k["compute_capacity_pflops"] == pytest.approx(cap)
    u = m.series_table().column("dc_hohhot.utilisation_pu").to_numpy()
    assert k["mean_delivered_pflops"] == pytest.approx(cap * u.mean())
    assert k["mean_delivered_pflops"] <= k["compute_capacity_pflops"]
    assert k["compute_eflop"] == pytest.approx(cap * u.sum() * m.dt_h * 3600.0 / 1000.0)
    assert k["compute_gflops_per_w"] == pytest.approx(k["compute_eflop"] * 1e18 / (k["dc_energy_mwh"] * 3.6e9) / 1e9)
    assert k["compute_precision"] == "FP16 dense tensor"


def test_compute_capacity_field_and_accelerator_count_set_the_capacity():
    doc = variant(**{"horizon.steps": 24})
    doc["actors"][1]["accelerator_count"] = 8000  # H100: 8,000 × 989 TFLOPS = 7,912 PFLOPS
    k = _run(doc).kpis()["agents"]["dc_hohhot"]
    assert k["compute_capacity_pflops"] == pytest.approx(7912.0)
    doc["actors"][1]["compute_capacity_pflops"] = 5000.0
    assert _run(doc).kpis()["agents"]["dc_hohhot"]["compute_capacity_pflops"] == 5000.0
    doc["actors"][1]["accelerator_count"] = 40_000  # 28 MW of H100 boards in an 18 MW IT hall
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(doc)
    assert err.value.errors[0]["loc"] == "actors.1.accelerator_count"


def test_payback_from_an_assumed_capex_says_so():
    doc = variant(**{"horizon.steps": STEPS})
    doc["actors"][1]["heat_recovery"]["capex_cny_per_mw"] = 50_000.0
    k = _run(doc).kpis()["agents"]["dc_hohhot"]
    assert k["heat_recovery_payback_basis"].startswith("assumed capex")
    doc["actors"][1]["heat_recovery"]["capex_basis"] = "reported"
    assert _run(doc).kpis()["agents"]["dc_hohhot"]["heat_recovery_payback_basis"].startswith("reported capex")
    doc["actors"][1]["heat_recovery"]["capex_cny_per_mw"] = 0.0
    assert _run(doc).kpis()["agents"]["dc_hohhot"]["heat_recovery_payback_basis"] is None
