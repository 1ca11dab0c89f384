"""Run-time decisions beyond storage (issue 12 "Decision points"): a data center's workload strategy and a DR
aggregator's bid are validated like scenario fields, take effect from their step (a DC's from the day plan
made at or after it, a bid for the events called at or after it), and replay bit-identically when decided at
the stops, given up front (CLI ``--decisions``) or after a checkpoint and resume."""

import json

import numpy as np
import pytest

from agents import (
    RegionModel,
    ScenarioValidationError,
    checkpoint_dumps,
    checkpoint_loads,
    kpis_with_contracts,
    validate_scenario,
)
from agents.cli import main as cli_main
from agents.decisions import decision_targets
from tests.model.helpers import tiny_doc


def _doc(points=None, steps: int = 96) -> dict:
    doc = tiny_doc()
    doc["horizon"]["steps"] = steps
    doc["actors"][3]["capacity_mw"] = 90.0  # imports become marginal in the evening: the forecasts vary
    doc["actors"][1]["strategy"] = {"kind": "carbon_aware", "flex": {"deferrable_pu": 0.5, "deadline_h": 12.0}}
    doc["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 0.0, "notice_h": 24.0,
                      "max_duration_h": 3.0, "baseline_method": "same_day_3_plus_2",
                      "penalty_cny_per_mwh_short": 500.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [2.0]}]}
    if points is not None:
        doc["decision_points"] = points
    return doc


DC_DAY = [{"step": 24, "actor_id": "dc_hohhot", "parameter": "kind", "value": "price_following"}]
DC_INSIDE = [{"step": 50, "actor_id": "dc_hohhot", "parameter": "flex.deadline_h", "value": 4.0}]
BID = [{"step": 24, "actor_id": "vpp", "parameter": "commitment_mw.0", "value": 6.0}]
DECISIONS = [*DC_DAY, *BID, *DC_INSIDE]


def _run(scenario, decisions=()) -> RegionModel:
    m = RegionModel(scenario)
    m.apply_decisions(list(decisions))
    m.run()
    return m


def test_dc_and_dr_decisions_are_validated_with_field_paths():
    doc = _doc({"events": ["day_start"]})
    doc["actors"].append({**doc["actors"][1], "id": "dc_plain", "name": "Plain DC"})
    doc["actors"][-1].pop("strategy")
    doc["actors"][-1].pop("heat_recovery", None)
    m = RegionModel(validate_scenario(doc))
    m.run(stop_at_decisions=True)
    cases = [
        ([{"actor_id": "dc_plain", "parameter": "kind", "value": "carbon_aware"}], "decisions.0.actor_id"),
        ([{"actor_id": "dc_hohhot", "parameter": "kind", "value": "greedy"}], "decisions.0.strategy.kind"),
        ([{"actor_id": "dc_hohhot", "parameter": "flex.deferrable_pu", "value": 1.5}],
         "decisions.0.strategy.flex.deferrable_pu"),
        ([{"actor_id": "dc_hohhot", "parameter": "flex.colour", "value": 1}], "decisions.0.parameter"),
        ([{"actor_id": "vpp", "parameter": "member_ids", "value": ["dc_plain"]}], "decisions.0.parameter"),
        ([{"actor_id": "vpp", "parameter": "commitment_mw.0", "value": -1.0}], "decisions.0.commitment_mw.0"),
        ([{"actor_id": "vpp", "parameter": "commitment_mw.3", "value": 1.0}], "decisions.0.parameter"),
        ([{"actor_id": "vpp", "parameter": "commitment_mw", "value": [1.0, 2.0]}], "decisions.0.value"),
        ([{"actor_id": "vpp", "parameter": "allocation", "value": "merit_order"}], "decisions.0.value"),
        ([{"actor_id": "nobody", "parameter": "kind", "value": "none"}], "decisions.0.actor_id"),
    ]
    for decisions, loc in cases:
        with pytest.raises(ScenarioValidationError) as info:
            m.apply_decisions(decisions)
        assert any(e["loc"] == loc for e in info.value.errors), (loc, info.value.errors)
    assert m.decisions.pending == []
    targets = {t["id"]: t for t in decision_targets(m.scenario)}
    assert set(targets) == {"dc_hohhot", "vpp"}  # the plain DC (strategy none) takes none
    assert targets["vpp"]["type"] == "dr_aggregator" and targets["vpp"]["strategy"]["commitment_mw"] == [2.0]
    assert targets["dc_hohhot"]["strategy"]["kind"] == "carbon_aware" and "flex" in targets["dc_hohhot"]["parameters"]


def test_a_dc_decision_shapes_the_days_plan_from_its_step_on():
    scenario = validate_scenario(_doc())
    base = _run(scenario)
    day = _run(scenario, DC_DAY)
    it_base, it_day = np.asarray(base.dcs.it_mw[:, 0]), np.asarray(day.dcs.it_mw[:, 0])
    assert np.array_equal(it_day[:24], it_base[:24])  # the past is unchanged
    assert np.abs(it_day[24:48] - it_base[24:48]).max() > 0.5  # day 1 planned on the price forecast
    assert day.dcs.specs[0].strategy.kind == "price_following"
    both = _run(scenario, [*DC_DAY, *DC_INSIDE])  # a decision inside day 2 shapes day 3's plan
    it_both = np.asarray(both.dcs.it_mw[:, 0])
    assert np.array_equal(it_both[:72], it_day[:72])
    assert np.abs(it_both[72:] - it_day[72:]).max() > 0.1
    for m in (day, both):  # deferred work carried across the regrouping is done: IT energy conserved
        assert float(np.sum(m.dcs.it_mw[:, 0])) == pytest.approx(float(np.sum(base.dcs.it_base_mw[:, 0])), rel=1e-9)


def test_a_carbon_aware_threshold_decided_at_a_day_start_changes_that_days_plan():
    scenario = validate_scenario(_doc())
    base = _run(scenario)
    low = float(np.median(base.signals._day_ahead["carbon_intensity_kgco2_per_kwh"][24:48]))
    m = _run(scenario, [{"step": 24, "actor_id": "dc_hohhot", "parameter": "carbon_threshold_kgco2_per_kwh",
                         "value": low}])
    it, it_base = np.asarray(m.dcs.it_mw[:, 0]), np.asarray(base.dcs.it_mw[:, 0])
    assert np.array_equal(it[:24], it_base[:24]) and np.abs(it[24:48] - it_base[24:48]).max() > 0.1
    # the threshold rule: once the work carried in from day 0 is due (its 12-h deadline), deferrable work is
    # added only in the hours at or below the threshold and moved out of the others
    carbon = m.signals._day_ahead["carbon_intensity_kgco2_per_kwh"][36:48]
    shift = np.asarray(m.dcs.it_shift_mw[36:48, 0])
    assert shift[carbon > low].max() < 0.0 < shift[carbon <= low].min()


def test_a_dr_bid_is_used_for_the_events_called_from_its_step_on():
    scenario = validate_scenario(_doc())
    base = _run(scenario)
    bid = _run(scenario, BID)
    notified = [c["notified_step"] for c in bid.dr.calls]
    assert notified == [c["notified_step"] for c in base.dr.calls] == [0, 24, 48]
    called = [r["called_mwh"] for r in bid.dr.results]
    assert called[0] == pytest.approx(2.0 * 3) and called[1:] == pytest.approx([6.0 * 3, 6.0 * 3])
    assert [r["called_mwh"] for r in base.dr.results] == pytest.approx([6.0] * 3)
    # an event already called when the bid changed is settled on the terms of its call
    assert bid.dr.results[0]["net_cny"] == base.dr.results[0]["net_cny"]
    assert bid.dr.results[1]["net_cny"] != base.dr.results[1]["net_cny"]
    # the called MW reach the enrolled data center
    assert bid.dr.called_mw[64, 0] == pytest.approx(6.0) and base.dr.called_mw[64, 0] == pytest.approx(2.0)


def _stopping(scenario, decisions):
    m = RegionModel(scenario)
    by_step: dict[int, list] = {}
    for d in decisions:
        by_step.setdefault(d["step"], []).append({k: v for k, v in d.items() if k != "step"})
    stops = []
    while m.running:
        m.run(stop_at_decisions=True)
        if m.running:
            stops.append(m.step_index)
            m.apply_decisions(by_step.get(m.step_index, []))
    return m, stops


def test_dc_and_dr_decisions_replay_bit_identically_stopped_scheduled_resumed_and_in_the_cli(tmp_path):
    scenario = validate_scenario(_doc({"every_steps": 2}))
    stopped, stops = _stopping(scenario, DECISIONS)
    assert {24, 50} <= set(stops)
    assert stopped.decisions.applied == DECISIONS
    scheduled = _run(scenario, DECISIONS)
    assert np.array_equal(np.asarray(scheduled.dcs.it_mw), np.asarray(stopped.dcs.it_mw))
    assert scheduled.kpis() == stopped.kpis()
    assert scheduled.dr.results == stopped.dr.results
    for cut in (24, 30, 50, 61, 73):  # at a decision, inside a day after one, before / after later calls
        part = RegionModel(scenario)
        part.apply_decisions(DECISIONS)
        part.run(steps=cut)
        resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
        del part
        resumed.apply_decisions([d for d in DECISIONS if d["step"] >= cut and d not in resumed.decisions.applied])
        resumed.run()
        assert resumed.decisions.applied == DECISIONS, cut
        assert np.array_equal(np.asarray(resumed.dcs.it_mw), np.asarray(stopped.dcs.it_mw)), cut
        assert resumed.dr.results == stopped.dr.results, cut
        assert resumed.kpis() == stopped.kpis(), cut
    doc_path, dec_path = tmp_path / "s.json", tmp_path / "d.json"
    doc_path.write_text(json.dumps(_doc({"every_steps": 2})))
    dec_path.write_text(json.dumps(DECISIONS))
    assert cli_main([str(doc_path), "--out", str(tmp_path / "out"), "--json", "--decisions", str(dec_path)]) == 0
    kpis = json.loads((tmp_path / "out" / "kpis.json").read_text())
    assert kpis.pop("provenance")["decisions"] == DECISIONS  # stored with the results
    assert kpis == json.loads(json.dumps(kpis_with_contracts(stopped)))  # + the contract vs its counterfactual


def test_a_bid_on_the_total_scales_the_members_and_a_members_bid_drops_the_total():
    """shanghai_summer_peak.json's aggregator gives both the members' commitments and their total (23 MW)."""
    from pathlib import Path

    from agents import load_scenario
    from agents.decisions import validate_decisions

    scenario = load_scenario(Path(__file__).resolve().parents[2] / "fixtures" / "scenarios"
                             / "shanghai_summer_peak.json")
    old = scenario.demand_response.aggregators[0]
    total, = validate_decisions(scenario, [{"step": 10, "actor_id": old.id, "parameter": "total_commitment_mw",
                                            "value": 46.0}])
    new = total["_actor"]
    assert new.total_commitment_mw == 46.0
    assert new.commitment_mw == pytest.approx([2.0 * c for c in old.commitment_mw])
    one, = validate_decisions(scenario, [{"step": 10, "actor_id": old.id, "parameter": "commitment_mw.0",
                                          "value": 5.0}])
    assert one["_actor"].total_commitment_mw is None  # null = the sum of commitment_mw
    assert one["_actor"].commitment_mw == [5.0, *old.commitment_mw[1:]]


def test_the_contract_counterfactual_replays_the_runs_decisions():
    """kpis.json's contract results compare the run with the same run without the contract — with the same
    people's decisions (a DC strategy decided at step 24), not the undecided scenario."""
    from agents import evaluate_contracts
    from agents.contract_eval import scenario_without

    scenario = validate_scenario(_doc())
    m = _run(scenario, DC_DAY)
    result = evaluate_contracts(scenario, m.seed, model=m)["heat_deal"]["parties"]["dc_hohhot"]
    cf_scenario = scenario_without(scenario, "heat_deal")
    decided, undecided = _run(cf_scenario, DC_DAY), _run(cf_scenario)
    base_co2 = m.kpis()["agents"]["dc_hohhot"]["co2_t"]
    assert result["co2_location_change_t"] == pytest.approx(base_co2 - decided.kpis()["agents"]["dc_hohhot"]["co2_t"])
    assert decided.kpis()["agents"]["dc_hohhot"]["co2_t"] != undecided.kpis()["agents"]["dc_hohhot"]["co2_t"]


def test_decisions_valid_in_a_counterfactual_drop_bids_on_changed_aggregators():
    from agents.decisions import decisions_valid_in

    base = validate_scenario(_doc())
    doc = _doc()
    doc["demand_response"]["aggregators"][0]["commitment_mw"] = [3.0]  # what removing a member would change
    changed = validate_scenario(doc)
    assert decisions_valid_in(base, DECISIONS, base=base) == DECISIONS
    assert decisions_valid_in(changed, DECISIONS, base=base) == [*DC_DAY, *DC_INSIDE]
    doc["actors"][1]["strategy"] = {"kind": "none"}  # the DC no longer takes decisions there
    assert decisions_valid_in(validate_scenario(doc), DECISIONS) == BID
