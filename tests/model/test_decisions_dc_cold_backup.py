"""Run-time decisions of a data-center operator beyond the workload (issue 12 "Decision points"): the rule of its
cold store (``cold_storage.*``, from the next day's plan on) and the strategy of its backup generators
(``backup.strategy.*``: offered as DR or not, at what margin, from the decision's step on). Validated like scenario
fields, nothing before the decision's step changes, and the same scenario + seed + decisions give bit-identical
results stopped at the points, scheduled up front, after a checkpoint resume and through the CLI."""

import json

import numpy as np
import pytest

from agents import (
    RegionModel,
    ScenarioValidationError,
    build_model,
    checkpoint_dumps,
    checkpoint_loads,
    kpis_with_contracts,
    validate_scenario,
)
from agents.cli import main as cli_main
from agents.decisions import decision_targets
from tests.model.test_backup_in_run import _dr_doc
from tests.model.test_dc_cold_storage import _doc as _cold_doc

DC = "dc_hohhot"
DAY = 24


def _cold(parameter: str, value, step: int = 30) -> dict:
    return {"step": step, "actor_id": DC, "parameter": f"cold_storage.{parameter}", "value": value}


def _backup(parameter: str, value, step: int = DAY) -> dict:
    return {"step": step, "actor_id": DC, "parameter": f"backup.strategy.{parameter}", "value": value}


WIDER = [_cold("charge_quantile", 0.45), _cold("discharge_quantile", 0.55)]  # charge and discharge in more hours
DEAR = [_backup("dr_margin_cny_per_mwh", 2000.0)]  # offer 960 + 2,000 > the 2,400 CNY/MWh paid to the member


def _run(scenario, decisions=()) -> RegionModel:
    m = RegionModel(scenario)
    m.apply_decisions(list(decisions))
    m.run()
    return m


def _shifted_chiller_mwh(m, a: int, z: int) -> float:
    """Chiller energy moved by the cold store in steps [a, z): Σ |ΔP_cool| · dt [MWh]."""
    return float(np.abs(np.asarray(m.dcs.cold.shift_mw[a:z, 0])).sum() * m.dt_h)


def _two_event_doc(capacity_mw: float = 10.0, **kw) -> dict:
    """test_backup_in_run's DR case (a gas engine, 5 MW called, 2,400 CNY/MWh to the member) with a second event:
    day 1 and day 2, 17:00–20:00 (steps 17–19 and 41–43)."""
    doc = _dr_doc(capacity_mw, **kw)
    doc["demand_response"]["events"].insert(0, {"program_id": "p", "start": "2025-01-15T17:00",
                                                "end": "2025-01-15T20:00", "called_mw": 5.0})
    return doc


@pytest.fixture(scope="module")
def cold_scenario():
    return validate_scenario(_cold_doc(True))


@pytest.fixture(scope="module")
def backup_scenario():
    return validate_scenario(_two_event_doc())


# ---- cold storage ----------------------------------------------------------------------------------------------


def test_a_wider_cold_storage_band_shifts_more_chiller_energy_from_the_next_days_plan_on(cold_scenario):
    base, wide = _run(cold_scenario), _run(cold_scenario, WIDER)
    assert wide.dcs.cold.specs[0].charge_quantile == 0.45
    # decided at step 30 (inside day 1): the day's plan stands, day 2 on is planned with the wider band
    np.testing.assert_array_equal(wide.dcs.facility_mw[:48], base.dcs.facility_mw[:48])
    np.testing.assert_array_equal(wide.dcs.cold.shift_mw[:48], base.dcs.cold.shift_mw[:48])
    np.testing.assert_array_equal(wide.gross_load_mw[:48], base.gross_load_mw[:48])
    # figures (days 2-5): shifted chiller energy 6.06 → 7.58 MWh, cold from the tank 119.9 → 149.8 MWh_th,
    # the cold store's saving over the 6 days 1,776 → 1,862 CNY
    before, after = _shifted_chiller_mwh(base, 48, 144), _shifted_chiller_mwh(wide, 48, 144)
    assert before == pytest.approx(6.06, abs=0.01) and after == pytest.approx(7.58, abs=0.01)
    cold_base, cold_wide = (float(m.dcs.cold.discharge_mw_th[48:, 0].sum()) for m in (base, wide))
    assert cold_base == pytest.approx(119.9, abs=0.1) and cold_wide == pytest.approx(149.8, abs=0.1)
    saving = [m.kpis()["agents"][DC]["cold_storage_saving_cny"] for m in (base, wide)]
    assert saving[1] > saving[0] + 50.0
    # IT energy is not touched; facility power follows the tank only; the tank stays within its limits
    np.testing.assert_array_equal(wide.dcs.it_mw, base.dcs.it_mw)
    soc = np.asarray(wide.dcs.cold.soc_series[:, 0])
    assert soc.min() >= -1e-9 and soc.max() <= 20.0 + 1e-9
    # decided at a day's first step: that day's plan already uses it
    at_day = _run(cold_scenario, [{**d, "step": DAY} for d in WIDER])
    np.testing.assert_array_equal(at_day.dcs.cold.shift_mw[:DAY], base.dcs.cold.shift_mw[:DAY])
    assert _shifted_chiller_mwh(at_day, DAY, 48) > _shifted_chiller_mwh(base, DAY, 48) + 0.1


def test_a_spread_no_window_reaches_stops_the_cold_store_from_the_next_day(cold_scenario):
    base = _run(cold_scenario)
    off = _run(cold_scenario, [_cold("min_spread_pu", 1.0)])  # (high − low) / high ≥ 1 never holds at prices > 0
    np.testing.assert_array_equal(off.dcs.cold.shift_mw[:48], base.dcs.cold.shift_mw[:48])
    assert _shifted_chiller_mwh(base, 48, 144) > 6.0 and _shifted_chiller_mwh(off, 48, 144) < 1e-9
    assert off.dcs.cold.discharge_mw_th[48:].sum() == 0.0 == off.dcs.cold.charge_mw_th[48:].sum()


# ---- backup generators -----------------------------------------------------------------------------------------


def test_a_backup_margin_above_the_dr_pay_stops_the_generators_carrying_dr_after_its_step(backup_scenario):
    base, dear = _run(backup_scenario), _run(backup_scenario, DEAR)
    b_base, b_dear = (np.asarray(m.dcs.backup_mw[:, 0]) for m in (base, dear))
    # before the decision (day 1's event) they carry the called 5 MW in both runs, the past is identical
    np.testing.assert_array_equal(b_base[17:20], [5.0, 5.0, 5.0])
    np.testing.assert_array_equal(dear.dcs.grid_power_mw(0, DAY), base.dcs.grid_power_mw(0, DAY))
    np.testing.assert_array_equal(b_dear[:DAY], b_base[:DAY])
    # after it (day 2's event) the offer 960 + 2,000 = 2,960 CNY/MWh exceeds the 2,400 paid: they stay off
    assert dear.dcs.backup.offer_cny_per_mwh[0] == 2960.0 > dear.dr.member_price_cny_per_mwh[0] == 2400.0
    np.testing.assert_array_equal(b_base[41:44], [5.0, 5.0, 5.0])
    assert b_dear[DAY:].sum() == 0.0
    k_base, k_dear = base.kpis()["agents"][DC], dear.kpis()["agents"][DC]
    assert (k_base["backup_energy_mwh"], k_dear["backup_energy_mwh"]) == pytest.approx((30.0, 15.0))
    assert (k_base["backup_start_count"], k_dear["backup_start_count"]) == (2, 1)
    # the site's measured response of event 2 falls from 21.6 to 7.0 MWh (its workload no longer backed up)
    resp = [m.dr.results[1]["response_mwh"] for m in (base, dear)]
    assert resp == pytest.approx([21.61, 7.0], abs=0.01)
    assert dear.dr.results[0] == base.dr.results[0]
    # switching the kind to contingency does the same
    off = _run(backup_scenario, [_backup("kind", "contingency")])
    np.testing.assert_array_equal(off.dcs.backup_mw, dear.dcs.backup_mw)


@pytest.mark.parametrize("simple", [False, True])
def test_generators_switched_to_dr_carry_the_calls_from_the_decisions_step_on(simple):
    extra = {"start_up_time_s": 0.0, "min_run_time_h": 0.0} if simple else {}
    doc = _two_event_doc(kind="contingency")
    doc["actors"][1]["backup"].update(extra)  # simple: generators that needed no run state before the decision
    scenario = validate_scenario(doc)
    base = _run(scenario)
    assert base.dcs.backup.simple is simple and base.dcs.backup_mw.sum() == 0.0
    on = _run(scenario, [_backup("kind", "contingency_and_dr")])
    backup = np.asarray(on.dcs.backup_mw[:, 0])
    assert backup[:DAY].sum() == 0.0
    np.testing.assert_array_equal(on.dcs.grid_power_mw(0, DAY), base.dcs.grid_power_mw(0, DAY))
    np.testing.assert_array_equal(backup[41:44], [5.0, 5.0, 5.0])
    assert on.kpis()["agents"][DC]["backup_start_count"] == 1
    assert on.kpis()["agents"][DC]["backup_energy_mwh"] == pytest.approx(15.0)


# ---- validation and listing ------------------------------------------------------------------------------------


def test_cold_storage_and_backup_decisions_are_validated_with_field_paths():
    doc = _two_event_doc()
    doc["actors"][1]["cold_storage"] = {"capacity_mwh_th": 20.0, "charge_mw_th": 5.0, "discharge_mw_th": 5.0}
    doc["actors"].append({**doc["actors"][1], "id": "dc_plain", "name": "Plain DC"})
    for key in ("backup", "cold_storage", "heat_recovery"):
        doc["actors"][-1].pop(key, None)
    doc["actors"][-1]["backup_generator_mw"] = 5.0  # legacy generators take no decisions
    doc["actors"].append({**doc["actors"][-1], "id": "dc_cold", "name": "Cold DC",
                          "cold_storage": doc["actors"][1]["cold_storage"]})
    m = RegionModel(validate_scenario(doc))
    m.run(steps=3)

    def d(actor, parameter, value):
        return {"actor_id": actor, "parameter": parameter, "value": value}

    cases = [
        (d("nobody", "cold_storage.charge_quantile", 0.2), "decisions.0.actor_id", "no actor"),
        (d("dc_plain", "cold_storage.charge_quantile", 0.2), "decisions.0.actor_id", "takes no decisions"),
        (d("dc_cold", "backup.strategy.dr_margin_cny_per_mwh", 5.0), "decisions.0.parameter", "no backup"),
        (d("dc_cold", "kind", "price_following"), "decisions.0.parameter", "no workload strategy"),
        (d(DC, "cold_storage.charge_quantile", 1.5), "decisions.0.cold_storage.charge_quantile", "less than or equal"),
        (d(DC, "cold_storage.min_spread_pu", -0.1), "decisions.0.cold_storage.min_spread_pu", "greater than"),
        (d(DC, "cold_storage.capacity_mwh_th", 99.0), "decisions.0.parameter", "not a parameter"),  # the tank
        (d(DC, "cold_storage", {"capacity_mwh_th": 99.0}), "decisions.0.cold_storage.capacity_mwh_th", "Extra"),
        (d(DC, "backup.strategy.dr_margin_cny_per_mwh", -1.0), "decisions.0.backup.strategy.dr_margin_cny_per_mwh",
         "greater than"),
        (d(DC, "backup.strategy.dr_notice_s", 1e9), "decisions.0.backup.strategy.dr_notice_s", "less than"),
        (d(DC, "backup.strategy.kind", "always"), "decisions.0.backup.strategy.kind", "contingency"),
        (d(DC, "backup.capacity_mw", 50.0), "decisions.0.parameter", "not a parameter"),
    ]
    for decision, loc, msg in cases:
        with pytest.raises(ScenarioValidationError) as info:
            m.apply_decisions([decision])
        assert any(e["loc"] == loc and msg in e["msg"] for e in info.value.errors), (loc, info.value.errors)
    assert m.decisions.pending == []
    # a whole sub-document sets the given fields and keeps the others
    ok = m.apply_decisions([d(DC, "cold_storage", {"charge_quantile": 0.2}),
                            d(DC, "backup.strategy", {"dr_margin_cny_per_mwh": 10.0})])
    assert len(ok) == 2
    new = m.decisions.current[DC]
    assert (new.cold_storage.charge_quantile, new.cold_storage.discharge_quantile) == (0.2, 0.67)
    assert new.backup.strategy.kind == "contingency_and_dr" and new.backup.strategy.dr_margin_cny_per_mwh == 10.0
    targets = {t["id"]: t for t in decision_targets(m.scenario, m.decisions.current)}
    assert set(targets) == {DC, "dc_cold", "vpp"}
    assert targets[DC]["type"] == "data_center"
    assert targets[DC]["parameters"] == ["cold_storage.charge_quantile", "cold_storage.discharge_quantile",
                                         "cold_storage.min_spread_pu", "backup.strategy.kind",
                                         "backup.strategy.dr_margin_cny_per_mwh", "backup.strategy.dr_notice_s"]
    assert targets[DC]["strategy"]["cold_storage"]["charge_quantile"] == 0.2  # after the decisions so far
    assert targets[DC]["strategy"]["backup"]["strategy"]["dr_margin_cny_per_mwh"] == 10.0
    assert targets["dc_cold"]["parameters"] == ["cold_storage.charge_quantile", "cold_storage.discharge_quantile",
                                                "cold_storage.min_spread_pu"]


def test_a_dc_with_a_workload_strategy_lists_it_with_its_cold_store():
    doc = _cold_doc(True)
    doc["actors"][1]["strategy"] = {"kind": "price_following", "flex": {"deferrable_pu": 0.3}}
    scenario = validate_scenario(doc)
    target, = [t for t in decision_targets(scenario) if t["id"] == DC]
    assert target["parameters"][0] == "kind" and "flex" in target["parameters"]
    assert target["parameters"][-3:] == ["cold_storage.charge_quantile", "cold_storage.discharge_quantile",
                                         "cold_storage.min_spread_pu"]
    # a workload decision and a cold-store decision of the same DC, both from day 2: kept apart
    m = _run(scenario, [{"step": 30, "actor_id": DC, "parameter": "kind", "value": "none"}, *WIDER])
    assert m.dcs.specs[0].strategy.kind == "none" and m.dcs.specs[0].cold_storage.charge_quantile == 0.45
    assert m.dcs.cold.specs[0].discharge_quantile == 0.55


# ---- determinism -------------------------------------------------------------------------------------------------


def _stopping(scenario, decisions):
    m = RegionModel(scenario)
    by_step: dict[int, list] = {}
    for d in decisions:
        by_step.setdefault(d["step"], []).append({k: v for k, v in d.items() if k != "step"})
    while m.running:
        m.run(stop_at_decisions=True)
        if m.running:
            m.apply_decisions(by_step.get(m.step_index, []))
    return m


def _both_doc(points=None) -> dict:
    doc = _two_event_doc()
    doc["actors"][1]["cold_storage"] = {"capacity_mwh_th": 20.0, "charge_mw_th": 5.0, "discharge_mw_th": 5.0}
    doc["markets"]["clearing_rule"] = "tou_tariff"  # the DC pays the TOU tariff: its cold store acts (test_dc_cold_storage)
    if points is not None:
        doc["decision_points"] = points
    return doc


BOTH = [*WIDER, _backup("dr_margin_cny_per_mwh", 2000.0, step=36), _backup("dr_margin_cny_per_mwh", 0.0, step=42)]


def test_cold_and_backup_decisions_replay_bit_identically_stopped_scheduled_resumed_and_in_the_cli(tmp_path):
    scenario = validate_scenario(_both_doc({"every_steps": 6}))
    stopped = _stopping(scenario, BOTH)
    assert stopped.decisions.applied == BOTH
    scheduled = _run(scenario, BOTH)
    assert scheduled.kpis() == stopped.kpis()
    assert scheduled.series_table().equals(stopped.series_table())
    undecided = _run(scenario)
    assert not np.array_equal(np.asarray(stopped.dcs.backup_mw), np.asarray(undecided.dcs.backup_mw))
    assert not np.array_equal(np.asarray(stopped.dcs.cold.shift_mw), np.asarray(undecided.dcs.cold.shift_mw))
    # margin 2,000 from step 36, back to 0 at 42 (inside day 2's event): the generators start in its last hours
    np.testing.assert_array_equal(stopped.dcs.backup_mw[41:44, 0], [0.0, 5.0, 5.0])
    for cut in (30, 37, 42, 43, 50):  # inside the day of a cold decision, between and inside the events
        part = RegionModel(scenario)
        part.apply_decisions(BOTH)
        part.run(steps=cut)
        resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
        del part
        resumed.apply_decisions([d for d in BOTH if d["step"] >= cut and d not in resumed.decisions.applied])
        resumed.run()
        assert resumed.decisions.applied == BOTH, cut
        assert resumed.kpis() == stopped.kpis(), cut
        assert resumed.series_table().equals(stopped.series_table()), cut
        assert np.array_equal(resumed.dcs.cold.soc_mwh_th, stopped.dcs.cold.soc_mwh_th), cut
    doc_path, dec_path = tmp_path / "s.json", tmp_path / "d.json"
    doc_path.write_text(json.dumps(_both_doc({"every_steps": 6})))
    dec_path.write_text(json.dumps(BOTH))
    assert cli_main([str(doc_path), "--out", str(tmp_path / "out"), "--json", "--decisions", str(dec_path)]) == 0
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert kpis.pop("provenance")["decisions"] == BOTH
    assert kpis == json.loads(json.dumps(kpis_with_contracts(stopped)))


def test_a_simple_fleet_switched_to_dr_resumes_bit_identically():
    doc = _two_event_doc(kind="contingency")
    doc["actors"][1]["backup"].update({"start_up_time_s": 0.0, "min_run_time_h": 0.0})
    scenario = validate_scenario(doc)
    decisions = [_backup("kind", "contingency_and_dr", step=18)]  # inside day 1's event
    whole = _run(scenario, decisions)
    np.testing.assert_array_equal(whole.dcs.backup_mw[17:20, 0], [0.0, 5.0, 5.0])
    for cut in (10, 19, 42):
        part = RegionModel(scenario)
        part.apply_decisions(decisions)
        part.run(steps=cut)
        resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
        resumed.apply_decisions([d for d in decisions if d["step"] >= cut and d not in resumed.decisions.applied])
        resumed.run()
        assert resumed.kpis() == whole.kpis(), cut
        assert resumed.series_table().equals(whole.series_table()), cut


# ---- multi-region ------------------------------------------------------------------------------------------------


def test_a_cold_storage_decision_in_a_multi_region_run_changes_its_region_from_the_next_day_and_resumes():
    from tests.model.test_multi_region_decisions import WEST_DC, decided_doc

    doc = decided_doc()
    for r in doc["regions"]:
        for a in r["actors"]:
            if a["id"] == WEST_DC:
                a["cold_storage"] = {"capacity_mwh_th": 40.0, "charge_mw_th": 10.0, "discharge_mw_th": 10.0,
                                     "charge_quantile": 0.1, "discharge_quantile": 0.9}
    scenario = validate_scenario(doc)
    decisions = [{"step": 30, "actor_id": WEST_DC, "parameter": "cold_storage.charge_quantile", "value": 0.45},
                 {"step": 30, "actor_id": WEST_DC, "parameter": "cold_storage.discharge_quantile", "value": 0.55}]
    target, = [t for t in decision_targets(scenario) if t["id"] == WEST_DC]
    assert target["region"] == "qaidam" and "cold_storage.min_spread_pu" in target["parameters"]

    def run(decs=(), split=None):
        model = build_model(scenario)
        model.apply_decisions(list(decs))
        if split is not None:
            model.run(steps=split)
            model = checkpoint_loads(scenario, checkpoint_dumps(model))
            model.apply_decisions([d for d in decs if d["step"] >= model.step_index])
        model.run()
        return model

    base, decided = run(), run(decisions)
    cold = lambda m: np.asarray(m.models["qaidam"].dcs.cold.shift_mw[:, 0])  # noqa: E731
    assert base.series_table(0, 48).equals(decided.series_table(0, 48))
    np.testing.assert_array_equal(cold(base)[:48], cold(decided)[:48])
    assert np.abs(cold(decided)[48:]).sum() > np.abs(cold(base)[48:]).sum() + 0.01
    for split in (31, 50):
        resumed = run(decisions, split)
        assert resumed.kpis() == decided.kpis(), split
        assert resumed.series_table().equals(decided.series_table()), split
    with pytest.raises(ScenarioValidationError) as info:
        build_model(scenario).apply_decisions([{**decisions[0], "value": 2.0}])
    assert info.value.errors[0]["loc"] == "decisions.0.cold_storage.charge_quantile"
