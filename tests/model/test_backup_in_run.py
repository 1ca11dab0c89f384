"""Backup generators in the run (agents.actors.dc_backup): a DR resource, contingency starts with start-up delay
and minimum run, fuel cost and CO2 in the settlement and the KPIs, legacy documents, checkpoint resume."""

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, checkpoint_dumps, checkpoint_loads, validate_scenario

from .helpers import same_tables, variant

# the scarce tiny grid of test_balances: coal on outage, no imports — the clearing leaves load unserved
SCARCE = {"actors.3.forced_outage_rate_pu": 0.5, "actors.3.mean_outage_h": 8760.0,
          "markets.imports.capacity_mw": 0.0, "actors.0.other_load_mean_mw": 90.0}


def _with_backup(doc: dict, **backup) -> dict:
    dc = doc["actors"][1]
    dc.pop("backup_generator_mw", None)
    dc["backup"] = backup
    return doc


def _dr_doc(capacity_mw: float, kind: str = "contingency_and_dr", margin: float = 0.0, notice_s: float = 3600.0) -> dict:
    """Tiny, three days; dc_hohhot (gas engine) enrolled with 5 MW; a 5 MW event on day 2, 17:00–20:00, paid
    3,000 CNY/MWh less the aggregator's 20 % fee (2,400 CNY/MWh to the member)."""
    doc = _with_backup(variant(**{"horizon.steps": 72}), technology="gas_engine", capacity_mw=capacity_mw,
                       strategy={"kind": kind, "dr_margin_cny_per_mwh": margin, "dr_notice_s": notice_s})
    doc["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 20000.0,
                      "baseline_method": "same_day_3_plus_2", "energy_payment_cny_per_mwh": 3000.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [5.0],
                         "fee_share_pu": 0.2}],
        "events": [{"program_id": "p", "start": "2025-01-16T17:00", "end": "2025-01-16T20:00", "called_mw": 5.0}]}
    return doc


def _run(doc: dict) -> RegionModel:
    m = RegionModel(validate_scenario(doc))
    m.run()
    return m



EVENT = slice(41, 44)  # 2025-01-16 17:00–20:00


@pytest.fixture(scope="module")
def dr_runs():
    return {"contingency": _run(_dr_doc(3.0, "contingency")), "dr_3": _run(_dr_doc(3.0)),
            "dr_10": _run(_dr_doc(10.0)), "dr_dear": _run(_dr_doc(10.0, margin=2000.0)),
            "dr_late": _run(_dr_doc(10.0, notice_s=0.0))}


@pytest.mark.parametrize("case, delivered", [("dr_3", 3.0), ("dr_10", 5.0)])
def test_dr_event_with_backup_lowers_grid_draw_by_the_called_amount_within_capacity(dr_runs, case, delivered):
    base, m = dr_runs["contingency"], dr_runs[case]
    drop = base.dcs.grid_power_mw(0, 72)[:, 0] - m.dcs.grid_power_mw(0, 72)[:, 0]
    np.testing.assert_allclose(drop[EVENT], delivered, atol=1e-9)  # min(called 5 MW, capacity)
    assert np.all(np.abs(np.delete(drop, np.arange(41, 44))) < 1e-9)  # nothing outside the event
    np.testing.assert_array_equal(m.dcs.backup_mw[EVENT, 0], delivered)
    assert m.r["backup_mw"][EVENT].tolist() == [delivered] * 3
    # fuel and CO2 of 3 h at the gas engine's defaults: 960 CNY/MWh, 0.50 t/MWh
    k = m.kpis()
    dc = k["agents"]["dc_hohhot"]
    assert dc["backup_energy_mwh"] == pytest.approx(3 * delivered)
    assert dc["backup_fuel_cost_cny"] == pytest.approx(960.0 * 3 * delivered)
    assert dc["backup_co2_t"] == pytest.approx(0.5 * 3 * delivered)
    assert dc["backup_start_count"] == 1 and dc["ups_bridge_mwh"] == 0.0  # notified 24 h ahead: no delay
    assert k["region"]["dc_backup_co2_t"] == pytest.approx(0.5 * 3 * delivered)
    # the region's CO2 counts it: plants + imports + backup + heat, step by step
    dt = m.dt_h
    plants = m.plants.co2_t.sum(1)
    imports = (m.book.accepted_between("import", 0, 72) * m.imports.co2_t_per_mwh[None, :]).sum(1) * dt
    heat = m.heat.co2_t.sum(1) + m.heat.chp_co2_power_t.sum(1)
    backup = m.dcs.backup_mw[:, 0] * 0.5 * dt
    assert backup.sum() == pytest.approx(0.5 * 3 * delivered)
    np.testing.assert_allclose(m.r["co2_t"], plants + imports + backup + heat, rtol=1e-12, atol=1e-9)
    # the DC's own CO2 and cost include its fuel: grid draw × published intensity / price + backup
    assert dc["co2_t"] == pytest.approx(
        float((np.maximum(m.dcs.grid_power_mw(0, 72)[:, 0], 0) * m.r["carbon_intensity_kgco2_per_kwh"]).sum() * dt)
        + 0.5 * 3 * delivered)
    # the measured response grows by (nearly) the generated energy (the baseline clips negative steps at 0)
    extra = m.dr.results[0]["response_mwh"] - base.dr.results[0]["response_mwh"]
    assert 0.9 * 3 * delivered <= extra <= 3 * delivered + 1e-9


def test_backup_does_not_run_for_dr_when_the_event_pays_less_than_its_offer(dr_runs):
    # offer 960 + 2,000 = 2,960 CNY/MWh > 2,400 paid to the member: the generator stays off
    m, base = dr_runs["dr_dear"], dr_runs["contingency"]
    assert m.dcs.backup_mw.sum() == 0.0 and m.kpis()["agents"]["dc_hohhot"]["backup_start_count"] == 0
    np.testing.assert_array_equal(m.dcs.grid_power_mw(0, 72), base.dcs.grid_power_mw(0, 72))


def test_a_dr_start_without_notice_delivers_after_its_start_up_time_and_the_grid_serves_meanwhile(dr_runs):
    m, base = dr_runs["dr_late"], dr_runs["contingency"]
    drop = base.dcs.grid_power_mw(0, 72)[:, 0] - m.dcs.grid_power_mw(0, 72)[:, 0]
    # the gas engine's 60 s start: 59/60 of the first event hour, then the called 5 MW
    np.testing.assert_allclose(drop[EVENT], [5.0 * (1.0 - 60.0 / 3600.0), 5.0, 5.0], rtol=1e-12)
    np.testing.assert_allclose(m.dcs.backup_mw[EVENT, 0], drop[EVENT], rtol=1e-12)
    assert m.dcs.backup.bridge_mw.sum() == 0.0  # not a contingency: no UPS bridge


def _dip_doc(**backup) -> dict:
    """Tiny, two days; a voltage-dip sequence (3 dips at once) at 2025-01-16 10:00 (step 34): dc_hohhot
    transfers at once, holds 3 h on backup, returns over 1 h."""
    doc = _with_backup(variant(**{"horizon.steps": 48}), technology="gas_engine", capacity_mw=30.0, **backup)
    doc["events"] = [{"type": "voltage_dips", "at": "2025-01-16T10:00", "count": 3, "span_s": 0.0}]
    return doc


def test_contingency_start_respects_start_up_delay_and_minimum_run_in_the_run():
    m = _run(_dip_doc(start_up_time_s=1800.0, min_run_time_h=8.0))
    site = m.dcs.behind_meter_mw(0, 48)[:, 0]
    out, bridge = m.dcs.backup_mw[:, 0], m.dcs.backup.bridge_mw[:, 0]
    # 30 min to start: the UPS bridges half of the first hour, the generator carries the other half
    assert out[34] == pytest.approx(0.5 * site[34], rel=1e-12) and bridge[34] == pytest.approx(0.5 * site[34])
    np.testing.assert_allclose(out[35:37], site[35:37], rtol=1e-12)  # held on backup (3 h from the transfer)
    assert 0.0 < out[37] < site[37]  # the ride-through policy's return ramp
    # the ramp ends at 14:00 but the generator runs its 8 h minimum carrying the site: steps 34–41
    np.testing.assert_allclose(out[38:42], site[38:42], rtol=1e-12)
    assert np.flatnonzero(out > 0).tolist() == list(range(34, 42)) and np.all(out[42:] == 0.0)
    assert np.all(bridge[35:] == 0.0)
    k = m.kpis()["agents"]["dc_hohhot"]
    assert k["backup_start_count"] == 1
    assert k["ups_bridge_mwh"] == pytest.approx(0.5 * site[34])
    assert k["backup_energy_mwh"] == pytest.approx(float(out.sum()))
    # the grid serves the site minus the generator: the energy balance closes with the backup recorded
    pv = np.zeros(48) if 0 not in m.dcs.pv_members else m.dcs.pv_used_mw(0, 48)[:, 0]
    np.testing.assert_allclose(m.dcs.grid_power_mw(0, 48)[:, 0] + out,
                               site + m.storage.power[:, m.storage.n:][:, 0] - pv, atol=1e-9)
    # the default gas engine (60 s, 1 h minimum): 1/60 of the first hour bridged, back with the ride-through
    d = _run(_dip_doc())
    assert d.dcs.backup.bridge_mw[34, 0] == pytest.approx(site[34] / 60.0)
    assert np.flatnonzero(d.dcs.backup_mw[:, 0] > 0).tolist() == [34, 35, 36, 37]


def test_unserved_load_starts_generators_that_run_their_minimum_time():
    # the scarce grid leaves load unserved in steps 16–25 (legacy generator: it runs exactly there, below)
    m = _run(_with_backup(variant(**SCARCE), technology="diesel", capacity_mw=20.0, start_up_time_s=360.0,
                          min_run_time_h=14.0))
    out, bridge = m.dcs.backup_mw[:, 0], m.dcs.backup.bridge_mw[:, 0]
    assert np.flatnonzero(out > 0).tolist() == list(range(16, 30))  # one start, 14 h minimum run
    assert m.kpis()["agents"]["dc_hohhot"]["backup_start_count"] == 1
    # 6 min to start: the UPS bridges a tenth of what the generator takes over in the first hour, and that
    # part stays unserved on the grid
    assert bridge[16] > 0.0 and out[16] == pytest.approx(9.0 * bridge[16])
    assert np.all(np.delete(bridge, 16) == 0.0)
    assert m.r["unserved_mw"][16] == pytest.approx(bridge[16]) and np.all(np.abs(np.delete(m.r["unserved_mw"], 16))
                                                                           < 1e-9)
    # after the shortage (steps 26–29) the minimum run carries the whole site, up to the capacity
    # (the site behind the meter: its battery decides its power after the DCs' bid, against the grid)
    site = m.dcs.behind_meter_mw(0, m.total_steps)[:, 0]
    np.testing.assert_allclose(out[26:30], np.minimum(site[26:30], 20.0), rtol=1e-12)


def test_old_document_with_the_scalar_fields_validates_and_gives_the_same_results():
    legacy = variant(**SCARCE)
    assert legacy["actors"][1]["backup_generator_mw"] == 20.0 and "backup" not in legacy["actors"][1]
    scenario = validate_scenario(legacy)
    gen = scenario.actors[1].backup_generator
    assert (gen.technology, gen.capacity_mw, gen.fuel_cost_cny_per_mwh, gen.co2_t_per_mwh, gen.start_up_time_s,
            gen.min_run_time_h, gen.strategy.kind) == ("diesel", 20.0, 2000.0, 0.7, 0.0, 0.0, "contingency")
    m = RegionModel(scenario)
    m.run()
    k = m.kpis()
    # figures of main before backup technologies (df9a871), same scenario
    assert float(m.r["backup_mw"].sum() * m.dt_h) == 38.5080097304193
    assert k["region"]["co2_t"] == 5041.290937787802
    assert k["region"]["system_cost_cny"] == 1805833.2491147697
    assert k["agents"]["dc_hohhot"]["co2_t"] == 652.6887940103643
    assert k["agents"]["dc_hohhot"]["cost_cny"] == 531079.3575672031
    assert np.flatnonzero(m.r["backup_mw"] > 0).tolist() == list(range(16, 26))
    assert k["agents"]["dc_hohhot"]["backup_start_count"] == 1
    assert k["agents"]["dc_hohhot"]["backup_fuel_cost_cny"] == pytest.approx(2000.0 * 38.5080097304193)
    # the same generator written in the new form gives bit-identical results
    new = _run(_with_backup(variant(**SCARCE), technology="diesel", capacity_mw=20.0, fuel_cost_cny_per_mwh=2000.0,
                            co2_t_per_mwh=0.7, start_up_time_s=0.0, min_run_time_h=0.0))
    assert new.kpis() == k and same_tables(new.series_table(), m.series_table())
    # both forms at once is a field-level error
    both = variant()
    both["actors"][1]["backup"] = {"technology": "h2_fuel_cell", "capacity_mw": 5.0}
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(both)
    assert err.value.errors[0]["loc"] == "actors.1" and "either as backup" in err.value.errors[0]["msg"]
    bad = _with_backup(variant(), technology="h2_fuel_cell", capacity_mw=5.0, start_up_time_s=-1.0)
    with pytest.raises(ScenarioValidationError) as err:
        validate_scenario(bad)
    assert err.value.errors[0]["loc"] == "actors.1.backup.start_up_time_s"


@pytest.mark.parametrize("doc, cut", [(_dip_doc(start_up_time_s=1800.0, min_run_time_h=8.0), 39),
                                      (_dip_doc(start_up_time_s=1800.0, min_run_time_h=8.0), 34),
                                      (_dr_doc(3.0), 42)])
def test_checkpoint_resume_with_backup_running_is_bit_identical(doc, cut):
    scenario = validate_scenario(doc)
    whole = RegionModel(scenario)
    whole.run()
    part = RegionModel(scenario)
    part.run(steps=cut)
    assert part.dcs.backup.on.any() or cut == 34
    resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
    resumed.run()
    assert resumed.kpis() == whole.kpis()
    assert same_tables(resumed.series_table(), whole.series_table())
