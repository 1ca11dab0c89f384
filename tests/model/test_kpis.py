"""KPI contents: region keys of issue 4, ISO/IEC 30134 per data center, contracts, consistency with series."""

import json

import numpy as np
import pytest

from agents import RegionModel, validate_scenario

from .helpers import variant

REGION_KEYS = {"pue", "dc_it_energy_mwh", "dc_facility_energy_mwh", "dc_water_m3", "dc_heat_recovered_mwh",
               "heat_demand_mwh", "heat_from_dc_share", "electricity_demand_mwh", "peak_load_mw", "renewable_share",
               "curtailment_mwh", "co2_t", "mean_wholesale_price_cny_per_mwh", "mean_retail_price_cny_per_mwh",
               "system_cost_cny", "carbon_cost_cny", "retailer_margin_cny"}
DC_KEYS = {"pue", "ref", "erf", "ere", "cue", "wue", "cost_cny", "revenue_cny"}


@pytest.fixture(scope="module")
def tiny_run():
    model = RegionModel(validate_scenario(variant()))
    model.run()
    return model


def test_kpis_have_the_issue_keys_and_are_json(tiny_run):
    k = tiny_run.kpis()
    assert REGION_KEYS <= set(k["region"])
    assert DC_KEYS <= set(k["agents"]["dc_hohhot"])
    assert list(k["agents"]) == [a.id for a in tiny_run.scenario.actors]
    assert all({"cost_cny", "revenue_cny"} <= set(v) for v in k["agents"].values())
    json.dumps(k, allow_nan=False)


def test_iso_30134_ratios_follow_their_definitions(tiny_run):
    """One boundary: E_DC = facility + the heat pump the DC owns (the tiny DC owns its heat pump)."""
    dc = tiny_run.kpis()["agents"]["dc_hohhot"]
    assert dc["heat_pump_owner"] == "data_center"
    assert dc["dc_energy_mwh"] == pytest.approx(dc["facility_energy_mwh"] + dc["heat_pump_electricity_mwh"])
    assert dc["pue"] == pytest.approx(dc["dc_energy_mwh"] / dc["it_energy_mwh"])
    assert dc["erf"] == pytest.approx(dc["heat_reused_mwh"] / dc["dc_energy_mwh"])
    assert dc["ere"] == pytest.approx((dc["dc_energy_mwh"] - dc["heat_reused_mwh"]) / dc["it_energy_mwh"])
    # the DC runs the heat pump: it hands over heat at network temperature = source heat + HP electricity
    assert dc["heat_reused_mwh"] == pytest.approx(dc["heat_recovered_mwh"] + dc["heat_pump_electricity_mwh"])
    assert dc["cue"] == pytest.approx(dc["co2_t"] / dc["it_energy_mwh"])
    assert dc["ref"] == pytest.approx(dc["owned_renewable_used_mwh"] / dc["dc_energy_mwh"])
    assert 0.0 < dc["ref"] <= 1.0 and dc["erf"] > 0 and 1.0 <= dc["pue"] < 1.3
    assert "ref_annual" not in dc
    assert dc["meets_80pct_renewable_hourly"] == (dc["renewable_share_hourly_matched"] >= 0.8)
    assert dc["meets_80pct_renewable_annual"] == (dc["renewable_share_annual_matched"] >= 0.8)


def test_region_energy_kpis_equal_series_times_dt(tiny_run):
    k = tiny_run.kpis()["region"]
    frame = tiny_run.region_frame(0, tiny_run.total_steps)
    assert k["electricity_demand_mwh"] == pytest.approx(sum(frame["load_mw"]) * tiny_run.dt_h)
    assert k["peak_load_mw"] == max(frame["load_mw"])
    assert k["co2_t"] == pytest.approx(sum(frame["co2_t"]))
    assert k["dc_heat_recovered_mwh"] == pytest.approx(sum(frame["heat_recovered_mw"]))


def test_contract_settlement_pays_heat_times_price(tiny_run):
    c = tiny_run.kpis()["contracts"]["heat_deal"]
    assert c["heat_mwh"] > 0
    assert c["payment_cny"] == pytest.approx(c["heat_mwh"] * 90.0)
    assert tiny_run.kpis()["agents"]["dc_hohhot"]["revenue_cny"] == pytest.approx(c["payment_cny"])


def test_h100_does_the_same_work_with_about_half_the_energy():
    """Same IT power of DGX-class servers: capacity follows dense FP16 per watt and accelerator power share."""
    from agents.physics.it_load import ACCELERATOR_SHARE_OF_IT_POWER_PU as share
    from agents.physics.it_load import ACCELERATOR_TFLOPS_PER_W as eff

    runs = {}
    for acc in ("A100", "H100"):
        m = RegionModel(validate_scenario(variant(**{"actors.1.accelerator": acc, "horizon.steps": 24})))
        m.run()
        runs[acc] = m.kpis()["agents"]["dc_hohhot"]
    assert runs["A100"]["it_energy_mwh"] == runs["H100"]["it_energy_mwh"]
    ratio = runs["H100"]["facility_mwh_per_eflop"] / runs["A100"]["facility_mwh_per_eflop"]
    assert ratio == pytest.approx(eff["A100"] * share["A100"] / (eff["H100"] * share["H100"]))
    assert 0.45 <= ratio <= 0.6  # about half the energy for the same work (DOMAIN.md)


def test_describe_and_agent_state_follow_the_contract(tiny_run):
    d = tiny_run.describe()
    assert d["total_steps"] == 48 and d["dt_h"] == 1.0
    assert [a["id"] for a in d["agents"]] == ["grid", "dc_hohhot", "heat_city", "coal_1", "wind_1"]
    assert all({"id", "type", "name", "lat", "lon"} <= set(a) for a in d["agents"])
    assert {"load_mw", "wholesale_price_cny_per_mwh", "retail_price_cny_per_mwh", "heat_recovered_mw", "renewable_mw", "import_mw",
            "carbon_intensity_kgco2_per_kwh", "dc_it_mw", "dc_facility_mw", "heat_demand_mw"} <= set(
        d["region_quantities"])
    state = tiny_run.agent_state(10)
    assert len(state["power_mw"]) == len(d["agents"]) == len(state["heat_mw"])
    assert state["power_mw"][3] < 0  # the coal plant generates
    assert state["heat_mw"][1] >= 0
    with pytest.raises(IndexError):
        tiny_run.agent_state(48)
    json.dumps(d)


def test_series_table_has_units_in_column_names(tiny_run):
    table = tiny_run.series_table()
    assert table.num_rows == 48
    names = [c for c in table.column_names if c not in ("step", "time_utc")]
    units = ("_mw", "_mwh", "_pu", "_cny", "_t", "_c", "_cny_per_mwh", "_kgco2_per_kwh", "_l_per_kwh", "_hz_per_s", "_hz", "pue")
    assert all(n.endswith(units) for n in names), [n for n in names if not n.endswith(units)]
    assert np.all(table.column("dc_hohhot.facility_power_mw").to_numpy()
                  >= table.column("dc_hohhot.it_power_mw").to_numpy())


def test_heat_recovery_saves_cooling_electricity_of_the_data_center():
    with_hr = RegionModel(validate_scenario(variant(**{"horizon.steps": 24})))
    with_hr.run()
    doc = variant(**{"horizon.steps": 24})
    del doc["actors"][1]["heat_recovery"]
    doc["contracts"] = []
    without = RegionModel(validate_scenario(doc))
    without.run()
    a, b = with_hr.kpis()["agents"]["dc_hohhot"], without.kpis()["agents"]["dc_hohhot"]
    assert a["it_energy_mwh"] == b["it_energy_mwh"]
    assert a["cooling_saved_mwh"] > 0
    assert a["facility_energy_mwh"] == pytest.approx(b["facility_energy_mwh"] - a["cooling_saved_mwh"])
    assert np.all(with_hr.dcs.facility_mw >= with_hr.dcs.it_mw)


def test_rocof_series_follow_the_swing_equation(tiny_run):
    r = tiny_run.r
    h = tiny_run.scenario.actors[0].inertia_constant_s
    coal = tiny_run.plants.power[:, 0]
    online = coal > 0
    expected = np.where(online, -coal * 50.0 / (2.0 * h * 120.0), 0.0)
    assert np.allclose(r["rocof_largest_infeed_hz_per_s"], expected)
    dc = np.maximum(tiny_run.series_table().column("dc_hohhot.grid_power_mw").to_numpy(), 0.0)
    assert np.allclose(r["rocof_dc_trip_hz_per_s"], np.where(online, dc * 50.0 / (2.0 * h * 120.0), 0.0))
    assert np.all(r["rocof_dc_trip_hz_per_s"] >= 0.0)


def test_every_actor_is_a_mesa_agent_with_its_own_state(tiny_run):
    from agents.actors.data_center import DataCenter
    from agents.actors.power_plant import PowerPlant

    assert len(tiny_run.agents) == len(tiny_run.scenario.actors)
    dc = tiny_run.agents_by_type[DataCenter][0]
    assert dc.actor_id == "dc_hohhot" and dc.spec.it_capacity_mw == 18.0
    state = dc.state(5)
    assert state["facility_power_mw"] >= state["it_power_mw"] > 0 and 1.0 < state["pue"] < 1.3
    coal = tiny_run.agents_by_type[PowerPlant][0]
    assert coal.state(5)["generation_mw"] == tiny_run.plants.power[5, 0]


def test_every_kpi_key_is_documented_in_docs_model_md(tiny_run):
    """docs/model.md "KPIs" names every key model.kpis() returns (region, per agent, per import line)."""
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "model.md").read_text(encoding="utf-8")
    section = text[text.index("## KPIs"):text.index("## Assumptions and limits")]
    k = tiny_run.kpis()
    keys = set(k["region"]) | {key for row in k["agents"].values() for key in row}
    keys |= {key for line in k["region"]["imports"].values() for key in line}
    missing = sorted(key for key in keys if f"`{key}`" not in section)
    assert not missing, f"KPI keys not documented in docs/model.md: {missing}"
