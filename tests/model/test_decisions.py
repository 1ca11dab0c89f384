"""Decision points: the model stops where the scenario says, people's decisions are validated like scenario
fields, take effect from their step, are recorded, and replay bit-identically (also after a checkpoint)."""

import json

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, checkpoint_dumps, checkpoint_loads, validate_scenario
from agents.cli import main as cli_main
from tests.model.helpers import tiny_doc


def _doc(points=None, steps: int = 72) -> dict:
    doc = tiny_doc()
    doc["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                          "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0, "strategy": "tou"},
                          "strategy": {"kind": "arbitrage"}})
    doc["horizon"]["steps"] = steps
    doc["actors"][3]["capacity_mw"] = 90.0  # imports become marginal in the evening: the forecast price varies
    if points is not None:
        doc["decision_points"] = points
    return doc


DECISIONS = [{"step": 24, "actor_id": "bess", "parameter": "degradation_cost_cny_per_mwh", "value": 5000.0},
             {"step": 48, "actor_id": "bess", "parameter": "kind", "value": "tou_rule"}]


def _run_stopping(scenario, decisions_at):
    """Run, stopping at each decision point and giving the decisions of that step."""
    m = RegionModel(scenario)
    stops = []
    while m.running:
        m.run(stop_at_decisions=True)
        if m.running:
            assert m.at_decision_point
            stops.append(m.step_index)
            m.apply_decisions([{k: v for k, v in d.items() if k != "step"} for d in decisions_at.get(m.step_index, [])])
    return m, stops


def test_decision_points_are_validated_and_found():
    with pytest.raises(ScenarioValidationError) as info:
        validate_scenario(_doc({"every_steps": 0, "events": ["lunch"]}))
    locs = {e["loc"] for e in info.value.errors}
    assert "decision_points.every_steps" in locs and any(loc.startswith("decision_points.events") for loc in locs)
    m = RegionModel(validate_scenario(_doc({"every_steps": 10, "events": ["day_start"]})))
    assert m.next_decision_point() == 10 and not m.at_decision_point
    m.run(stop_at_decisions=True)
    assert m.step_index == 10 and m.at_decision_point
    m.run(stop_at_decisions=True)
    assert m.step_index == 20
    m.run(stop_at_decisions=True)
    assert m.step_index == 24  # the day's first step
    assert m.next_decision_point() == 30
    plain = RegionModel(validate_scenario(_doc()))
    assert plain.next_decision_point() is None
    plain.run(stop_at_decisions=True)
    assert plain.step_index == plain.total_steps


def test_bad_decisions_give_field_paths():
    m = RegionModel(validate_scenario(_doc({"events": ["day_start"]})))
    m.run(stop_at_decisions=True)
    cases = [
        ([{"actor_id": "nobody", "parameter": "soc_max_pu", "value": 0.5}], "decisions.0.actor_id"),
        ([{"actor_id": "grid", "parameter": "kind", "value": "none"}], "decisions.0.actor_id"),
        ([{"actor_id": "bess", "parameter": "colour", "value": 1}], "decisions.0.parameter"),
        ([{"actor_id": "bess", "parameter": "soc_max_pu", "value": 7}], "decisions.0.strategy.soc_max_pu"),
        ([{"actor_id": "bess", "parameter": "soc_max_pu", "value": "x"}], "decisions.0.strategy.soc_max_pu"),
        ([{"actor_id": "bess", "parameter": "kind", "value": "none"}], "decisions.0.strategy"),
        ([{"actor_id": "bess", "parameter": "soc_max_pu"}], "decisions.0.value"),
        ([{"step": 3, "actor_id": "bess", "parameter": "soc_max_pu", "value": 0.5}], "decisions.0.step"),
        ([{"actor_id": "bess", "parameter": "soc_max_pu", "value": 0.5, "extra": 1}], "decisions.0.extra"),
        ("not a list", "decisions"),
    ]
    for decisions, loc in cases:
        with pytest.raises(ScenarioValidationError) as info:
            m.apply_decisions(decisions)
        assert any(e["loc"].startswith(loc) for e in info.value.errors), (loc, info.value.errors)
    assert m.decisions.pending == [] and m.decisions.applied == []


def test_decisions_take_effect_from_their_step_and_are_recorded():
    scenario = validate_scenario(_doc({"events": ["day_start"]}))
    base = RegionModel(scenario)
    base.run()
    m, stops = _run_stopping(scenario, {24: DECISIONS[:1], 48: DECISIONS[1:]})
    assert stops == [24, 48]
    assert m.decisions.applied == DECISIONS
    assert np.array_equal(m.storage.power[:24], base.storage.power[:24])  # the past is unchanged
    # a wear cost far above the day's price spread from step 24: the battery stops trading that day
    assert np.abs(base.storage.power[24:48, 0]).max() > 5.0
    assert np.abs(m.storage.power[24:48, 0]).max() < 1e-6
    assert m.storage.specs[0].strategy.kind == "tou_rule"


def test_same_decisions_replay_bit_identically_also_after_a_checkpoint(tmp_path):
    scenario = validate_scenario(_doc({"events": ["day_start"]}))
    stopped, _ = _run_stopping(scenario, {24: DECISIONS[:1], 48: DECISIONS[1:]})
    scheduled = RegionModel(scenario)  # all decisions given up front (the CLI's replay)
    scheduled.apply_decisions(DECISIONS)
    scheduled.run()
    assert np.array_equal(scheduled.storage.power, stopped.storage.power)
    assert scheduled.kpis() == stopped.kpis()
    for cut in (24, 31, 50):  # at a decision point, inside a day after a decision, after both
        part = RegionModel(scenario)
        part.apply_decisions(DECISIONS)
        part.run(steps=cut)
        resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
        resumed.apply_decisions([d for d in DECISIONS if d["step"] >= cut and d not in resumed.decisions.applied])
        resumed.run()
        assert resumed.decisions.applied == DECISIONS
        assert np.array_equal(resumed.storage.power, stopped.storage.power), cut
        assert resumed.kpis() == stopped.kpis(), cut
    # the CLI replays a decisions file
    doc_path, dec_path = tmp_path / "s.json", tmp_path / "d.json"
    doc_path.write_text(json.dumps(_doc({"events": ["day_start"]})))
    dec_path.write_text(json.dumps(DECISIONS))
    assert cli_main([str(doc_path), "--out", str(tmp_path / "out"), "--json", "--decisions", str(dec_path)]) == 0
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert kpis["region"] == json.loads(json.dumps(stopped.kpis()["region"]))
    dec_path.write_text(json.dumps([{"step": 24, "actor_id": "bess", "parameter": "soc_max_pu", "value": 9}]))
    assert cli_main([str(doc_path), "--out", str(tmp_path / "o2"), "--json", "--decisions", str(dec_path)]) == 2


def test_a_decision_inside_a_day_survives_a_checkpoint_later_that_day():
    scenario = validate_scenario(_doc({"every_steps": 6}))
    decisions = [{"step": 6, "actor_id": "bess", "parameter": "degradation_cost_cny_per_mwh", "value": 5000.0}]
    whole = RegionModel(scenario)
    whole.apply_decisions(decisions)
    whole.run()
    base = RegionModel(scenario)
    base.run()
    assert np.array_equal(whole.storage.power[:24], base.storage.power[:24])  # used from the next day's plan
    assert np.abs(whole.storage.power[24:48, 0]).max() < 1e-6 < np.abs(base.storage.power[24:48, 0]).max()
    part = RegionModel(scenario)
    part.apply_decisions(decisions)
    part.run(steps=12)
    resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
    assert resumed.decisions.applied == decisions
    resumed.run()
    assert np.array_equal(resumed.storage.power, whole.storage.power)
    assert resumed.kpis() == whole.kpis()


def test_dr_event_points_follow_the_grid_operators_calls():
    doc = _doc({"events": ["dr_event"]}, steps=96)
    doc["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 0.0, "notice_h": 24.0,
                      "max_duration_h": 3.0, "baseline_method": "same_day_3_plus_2"}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [2.0]}]}
    scenario = validate_scenario(doc)
    whole = RegionModel(scenario)
    whole.run()
    expected = sorted({c["notified_step"] + 1 for c in whole.dr.calls if c["notified_step"] + 1 < 96})
    assert expected, "a zero threshold calls events"
    m = RegionModel(scenario)
    assert m.next_decision_point() is None  # not known before the operator calls
    stops = []
    while m.running:
        m.run(stop_at_decisions=True)
        if m.running:
            stops.append(m.step_index)
    assert stops == expected
    assert m.kpis() == whole.kpis()  # stopping changes nothing
