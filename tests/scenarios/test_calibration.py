"""Full-year calibration of the fixtures against DOMAIN.md and issue 4 (measured values in docs/model.md, printed
by benchmarks/calibration.py, which computes every row of that table the same way).

Each fixture's year is simulated once per session (tests/scenarios/helpers.year_run, ~2–6 s each).
"""

import numpy as np
import pytest

from .helpers import actor, district_heat_co2_g_per_kwh, fixture_doc, year_run, year_run_variant

pytestmark = pytest.mark.slow

# DOMAIN.md "PV": specific yield [kWh/kWp per year] per site, ±10 %.
PV_YIELD_KWH_PER_KWP = {"shanghai": 1050.0, "tianjin_wuqing": 1280.0, "hohhot": 1440.0,
                        "qaidam_microgrid": 1770.0, "espoo": 890.0}
TIANJIN_COMMERCIAL_HEAT_CNY_PER_M2 = 40.0  # DOMAIN.md: commercial heat ~40 CNY/m² per season


def _local_month_day(run, tz: str) -> np.ndarray:
    """Local calendar month × 100 + day of each step (e.g. 1015 for 15 October)."""
    from agents.weather import local_time_fields

    local = local_time_fields(run.model.times_utc, tz)["local_times"]
    month = local.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (local.astype("datetime64[D]") - local.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    return month * 100 + day


def _dc_share(name):
    k = year_run(name).kpis["region"]
    return k["dc_facility_energy_mwh"] / k["electricity_demand_mwh"]


def test_shanghai_data_centers_use_about_3_percent_of_the_city_electricity():
    assert 0.027 <= _dc_share("shanghai") <= 0.033


def test_shanghai_city_load_is_served_with_a_realistic_peak():
    k = year_run("shanghai").kpis["region"]
    assert 175e6 <= k["electricity_demand_mwh"] <= 195e6  # ≈ 185 TWh/yr (README)
    assert 36_000 <= k["peak_load_mw"] <= 42_000  # summer peak ≈ 39 GW (README)
    assert k["unserved_mwh"] < 1.0


def test_hohhot_campus_annual_pue_is_within_1_10_and_1_22():
    pue = year_run("hohhot").kpis["agents"]["hh-cmcc-aidc"]["pue"]
    assert 1.10 <= pue <= 1.22, f"annual PUE of the China Mobile Hohhot campus = {pue:.3f}"


def test_hohhot_wind_capacity_factor_is_25_to_33_percent():
    run = year_run("hohhot")
    for a in fixture_doc("hohhot")["actors"]:
        if a["type"] == "renewable_plant" and a["technology"] == "wind":
            cf = run.energy_mwh(f"{a['id']}.available_mw") / (a["capacity_mw"] * 8760.0)
            assert 0.25 <= cf <= 0.33, f"{a['id']}: capacity factor {cf:.3f}"


def test_hohhot_heat_recovery_runs_only_in_the_heating_season():
    run = year_run("hohhot")
    delivered = run.col("hh-cmcc-aidc.heat_delivered_mw")
    md = _local_month_day(run, "Asia/Shanghai")
    in_season = (md >= 1015) | (md <= 415)
    assert np.all(delivered[~in_season] == 0.0)
    assert delivered[in_season].mean() > 5.0  # MW: the campus heats the city all winter
    assert run.kpis["region"]["heat_unserved_mwh"] == pytest.approx(0.0, abs=1e-6)


def test_a_pue_1_46_site_splits_its_energy_69_17_10_4():
    """DOMAIN.md: at PUE 1.46, IT 69 %, cooling 17 %, power conversion 10 %, other 4 % (±3 points).

    The Shanghai data center whose simulated annual PUE is closest to 1.46 is taken (required within ±0.03);
    the model records IT and cooling power, so power conversion + other is checked together (14 ± 3 %).
    """
    run = year_run("shanghai")
    dcs = {i: v["pue"] for i, v in run.kpis["agents"].items() if v["type"] == "data_center"}
    site = min(dcs, key=lambda i: abs(dcs[i] - 1.46))
    assert abs(dcs[site] - 1.46) <= 0.03, f"no Shanghai site near PUE 1.46 (closest {dcs[site]:.3f})"
    facility = run.energy_mwh(f"{site}.facility_power_mw")
    it_share = run.energy_mwh(f"{site}.it_power_mw") / facility
    cooling_share = run.energy_mwh(f"{site}.cooling_power_mw") / facility
    assert it_share == pytest.approx(0.69, abs=0.03)
    assert cooling_share == pytest.approx(0.17, abs=0.03)
    assert 1.0 - it_share - cooling_share == pytest.approx(0.14, abs=0.03)


@pytest.mark.parametrize(("name", "liquid_variant", "air_variant", "ids"), [
    ("hohhot", "d2c_cmcc", "air_cooled_cmcc", ["hh-cmcc-aidc"]),
    ("shanghai", None, "air_cooled_shanghai_d2c", None),
])
def test_direct_to_chip_uses_at_least_15_percent_less_facility_energy_than_air(name, liquid_variant, air_variant,
                                                                                ids):
    liquid = year_run(name) if liquid_variant is None else year_run_variant(name, liquid_variant)
    air = year_run_variant(name, air_variant)
    if ids is None:
        ids = [a["id"] for a in fixture_doc(name)["actors"]
               if a["type"] == "data_center" and a["cooling"] == "direct_to_chip"]
    assert ids
    for i in ids:
        k_liquid, k_air = liquid.kpis["agents"][i], air.kpis["agents"][i]
        assert k_liquid["it_energy_mwh"] == pytest.approx(k_air["it_energy_mwh"], rel=1e-12)  # equal IT
        saving = 1.0 - k_liquid["facility_energy_mwh"] / k_air["facility_energy_mwh"]
        assert saving >= 0.15, f"{i}: direct-to-chip saves {saving:.1%} of facility energy"


def _tianjin_heat_economics():
    """Heat cost of the Qingshu park [CNY/m² per season] and the scheme's payback [years] from the run and the
    fixture's investment (heat pump + 400 m pipe, ``heat_recovery.capex_cny_per_mw`` × heat-pump MW)."""
    from fixtures.generate import QINGSHU_PARK_M2

    hr = actor(fixture_doc("tianjin_wuqing"), "tj-gaocun-dc1")["heat_recovery"]
    capex_cny = hr["capex_cny_per_mw"] * hr["heat_pump_capacity_mw"]
    run = year_run("tianjin_wuqing")
    price = run.col("region.retail_price_cny_per_mwh")  # consumers pay retail (docs/model.md)
    hp_electricity_cny = float((run.col("tj-gaocun-dc1.heat_pump_power_mw") * price).sum() * run.dt_h)
    top_up_cny = float(run.col("tj-qingshu-heat.production_cost_cny").sum()
                       + (run.col("tj-qingshu-heat.power_mw") * price).sum() * run.dt_h)
    cost_per_m2 = (hp_electricity_cny + top_up_cny) / QINGSHU_PARK_M2
    saving_cny = (TIANJIN_COMMERCIAL_HEAT_CNY_PER_M2 - cost_per_m2) * QINGSHU_PARK_M2
    return run, cost_per_m2, capex_cny / saving_cny


def test_tianjin_recovered_heat_costs_50_to_70_percent_less_than_commercial_heat():
    run, cost_per_m2, _ = _tianjin_heat_economics()
    reduction = 1.0 - cost_per_m2 / TIANJIN_COMMERCIAL_HEAT_CNY_PER_M2
    assert 0.50 <= reduction <= 0.70, f"heat cost {cost_per_m2:.1f} CNY/m² ({reduction:.0%} below commercial)"
    assert run.kpis["region"]["heat_from_dc_share"] >= 0.9  # the data center heats the park


def test_tianjin_heat_recovery_pays_back_within_3_years():
    _, _, payback_years = _tianjin_heat_economics()
    assert 0.0 < payback_years <= 3.0, f"payback {payback_years:.2f} years"


def test_tianjin_heat_is_delivered_only_from_15_november_to_15_march():
    run = year_run("tianjin_wuqing")
    md = _local_month_day(run, "Asia/Shanghai")
    in_season = (md >= 1115) | (md <= 315)
    delivered = run.col("tj-gaocun-dc1.heat_delivered_mw")
    assert np.all(delivered[~in_season] == 0.0) and delivered[in_season].min() >= 0.0
    assert run.kpis["region"]["heat_unserved_mwh"] == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("name", sorted(PV_YIELD_KWH_PER_KWP))
def test_pv_specific_yield_matches_the_site(name):
    run = year_run(name)
    for a in fixture_doc(name)["actors"]:
        if a["type"] == "renewable_plant" and a["technology"] == "pv":
            kwh_per_kwp = run.energy_mwh(f"{a['id']}.available_mw") / a["capacity_mw"]
            assert kwh_per_kwp == pytest.approx(PV_YIELD_KWH_PER_KWP[name], rel=0.10), a["id"]


def test_qaidam_data_center_runs_almost_entirely_on_solar_and_battery():
    """The microgrid's only local source is PV (directly or through the battery), so everything not imported
    over the weak tie or made by the backup generator is renewable."""
    doc = fixture_doc("qaidam_microgrid")
    assert not [a for a in doc["actors"] if a["type"] == "power_plant"]
    k = year_run("qaidam_microgrid").kpis["region"]
    local_renewable_share = 1.0 - (k["import_mwh"] + k["unserved_mwh"]) / k["electricity_demand_mwh"]
    backup = year_run("qaidam_microgrid").energy_mwh("region.backup_mw")
    local_renewable_share -= backup / k["electricity_demand_mwh"]
    assert local_renewable_share >= 0.90
    assert k["curtailment_mwh"] > 0.0  # 122 MWp against a ~12 MW load: the weak tie curtails surplus


def test_qaidam_data_center_renewable_energy_factor_meets_the_80_percent_hub_rule():
    """DOMAIN.md: hub-node data centers should take > 80 % of their electricity from renewables (REF)."""
    ref = year_run("qaidam_microgrid").kpis["agents"]["qd-dc"]["ref"]
    assert ref >= 0.80, f"REF of the Qaidam data center = {ref:.2f}"


def test_espoo_district_heat_intensity_is_about_118_g_per_kwh_and_falls_with_dc_heat():
    with_dc = district_heat_co2_g_per_kwh(year_run("espoo"), "fortum-espoo")
    without_dc = district_heat_co2_g_per_kwh(year_run_variant("espoo", "no_dc_heat"), "fortum-espoo")
    assert with_dc == pytest.approx(118.0, rel=0.20)
    assert with_dc < 0.95 * without_dc
    assert year_run("espoo").kpis["region"]["heat_from_dc_share"] >= 0.2


def test_hohhot_recovered_heat_respects_the_first_law():
    run = year_run("hohhot")
    delivered = run.col("hh-cmcc-aidc.heat_delivered_mw")
    source = run.col("hh-cmcc-aidc.heat_recovered_mw")
    hp = run.col("hh-cmcc-aidc.heat_pump_power_mw")
    np.testing.assert_allclose(delivered, source + hp, atol=1e-9)
    assert np.all(source <= run.col("hh-cmcc-aidc.it_power_mw") + 1e-9)
    assert actor(fixture_doc("hohhot"), "hh-cmcc-aidc")["heat_recovery"]["heat_pump_capacity_mw"] >= delivered.max()


def test_tianjin_recovered_heat_is_at_least_30_percent_cheaper_than_air_source_heat_pumps():
    """DOMAIN.md reports 30–40 % below air-source heat pumps; the twin's figure is in docs/model.md."""
    _, dc_cost_per_m2, _ = _tianjin_heat_economics()
    run = year_run_variant("tianjin_wuqing", "tianjin_air_source")
    price = run.col("region.retail_price_cny_per_mwh")  # consumers pay retail (docs/model.md)
    ashp_cny = float(run.col("tj-qingshu-heat.production_cost_cny").sum()
                     + (run.col("tj-qingshu-heat.power_mw") * price).sum() * run.dt_h)
    assert run.kpis["region"]["heat_unserved_mwh"] == pytest.approx(0.0, abs=1e-6)
    from fixtures.generate import QINGSHU_PARK_M2

    assert 1.0 - dc_cost_per_m2 / (ashp_cny / QINGSHU_PARK_M2) >= 0.30


def test_hohhot_campus_heat_displaces_coal_in_the_city_network():
    with_dc, without_dc = year_run("hohhot"), year_run_variant("hohhot", "no_dc_heat")
    co2_with = float(with_dc.col("hh-heat.co2_t").sum())
    co2_without = float(without_dc.col("hh-heat.co2_t").sum())
    share = with_dc.kpis["region"]["heat_from_dc_share"]
    assert share >= 0.2
    # the campus heat replaces mostly coal-boiler heat: emissions fall at least by most of its share
    assert co2_with <= (1.0 - 0.8 * share) * co2_without


def test_qaidam_heat_recovery_variant_keeps_ref_at_most_1_without_clipping():
    """Issue 11 defect 2: with its own heat pump inside its boundary the Qaidam DC read REF 1.05; REF counts the
    renewable energy it owns, attributed hour by hour, over the same energy as its PUE."""
    k = year_run_variant("qaidam_microgrid", "qaidam_heat_recovery").kpis["agents"]["qd-dc"]
    assert k["ref"] <= 1.0, f"REF {k['ref']:.3f}"
    assert "ref_annual" not in k  # no clipped twin
    assert k["heat_pump_electricity_mwh"] > 0.0
    assert k["dc_energy_mwh"] == pytest.approx(k["facility_energy_mwh"] + k["heat_pump_electricity_mwh"])
    assert 0.8 <= k["ref"] <= 1.0
    assert k["ref"] == pytest.approx(k["owned_renewable_used_mwh"] / k["dc_energy_mwh"])
    assert k["renewable_share_hourly_matched"] <= k["renewable_share_annual_matched"] <= 1.0


def test_qaidam_data_center_meets_the_hub_rule_hourly_and_annually():
    k = year_run("qaidam_microgrid").kpis["agents"]["qd-dc"]
    assert k["meets_80pct_renewable_hourly"] and k["meets_80pct_renewable_annual"]
    assert k["owned_renewable_generated_mwh"] > k["dc_energy_mwh"]  # 122 MWp own PV: surplus is not claimed
    assert 0.0 < k["grid_renewable_share"] <= 1.0  # location-based share of its grid electricity, reported apart


def test_espoo_data_centers_draw_no_more_than_their_facility_energy_when_fortum_owns_the_heat_pumps():
    """Issue 11 defect 4: each Espoo DC drew 401 GWh from the grid against 329 GWh of facility energy."""
    run = year_run("espoo")
    agents = run.kpis["agents"]
    hp_mwh = 0.0
    for dc_id in ("ms-espoo", "ms-kirkkonummi", "ms-vihti"):
        k = agents[dc_id]
        assert k["grid_energy_mwh"] <= k["facility_energy_mwh"] + 1e-6, dc_id
        assert k["heat_pump_owner"] == "heat_utility"
        assert k["dc_energy_mwh"] == pytest.approx(k["facility_energy_mwh"])
        assert k["heat_reused_mwh"] == pytest.approx(k["heat_recovered_mwh"])  # handed over at source temperature
        hp_mwh += run.energy_mwh(f"{dc_id}.heat_pump_power_mw")
    assert agents["fortum-espoo"]["dc_heat_pump_electricity_mwh"] == pytest.approx(hp_mwh)


def test_hohhot_campus_delivers_no_more_compute_than_its_6_7_eflops_capacity():
    """Issue 11 defect 10: IT energy × sparse peak TFLOPS/W gave 20.5 EFLOPS on average."""
    k = year_run("hohhot").kpis["agents"]["hh-cmcc-aidc"]
    mean_pflops = k["compute_eflop"] * 1000.0 / (8760 * 3600.0)
    assert mean_pflops <= 6700.0, f"{mean_pflops / 1000:.1f} EFLOPS delivered on average"
    assert k["compute_capacity_pflops"] == pytest.approx(6700.0)
    u = year_run("hohhot").col("hh-cmcc-aidc.utilisation_pu")
    assert k["mean_delivered_pflops"] == pytest.approx(6700.0 * u.mean())
    assert k["mean_delivered_pflops"] <= k["compute_capacity_pflops"]
    assert 100.0 <= k["compute_gflops_per_w"] <= 400.0  # ≤ 6.7 EFLOPS / 17.3 MW IT = 387 GFLOPS/W at full load


def test_shanghai_fleet_pue_sits_in_the_chiller_band():
    """DOMAIN.md: chillers + towers 1.29–1.39 in a temperate climate; hot, humid Shanghai at the top of each band
    (the fleet is mostly chiller-cooled, some indirect-evaporative and liquid sites)."""
    pue = year_run("shanghai").kpis["region"]["pue"]
    assert 1.29 <= pue <= 1.39, f"Shanghai fleet PUE {pue:.3f}"


def test_qaidam_region_renewable_share_is_high():
    k = year_run("qaidam_microgrid").kpis["region"]
    assert k["renewable_share"] >= 0.90, k["renewable_share"]


@pytest.mark.parametrize(("name", "utility_id"), [("hohhot", "hh-heat"), ("tianjin_wuqing", "tj-qingshu-heat"),
                                                   ("espoo", "fortum-espoo")])
def test_network_losses_are_8_to_20_percent_of_delivered_heat(name, utility_id):
    """DOMAIN.md "District heating": network losses 8–20 % of delivered heat."""
    k = year_run(name).kpis["agents"][utility_id]
    share = k["heat_loss_mwh"] / k["heat_delivered_mwh"]
    assert 0.08 - 1e-9 <= share <= 0.20, f"{utility_id}: losses {share:.1%} of delivered heat"


def test_tianjin_payback_is_labelled_as_following_from_an_assumed_capex():
    k = year_run("tianjin_wuqing").kpis["agents"]["tj-gaocun-dc1"]
    assert k["heat_recovery_payback_basis"].startswith("assumed capex")
    assert k["heat_recovery_payback_years"] > 0.0
