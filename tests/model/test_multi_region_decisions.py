"""People's decisions in multi-region runs (agents.multi_region_decisions) and contracts of a multi-region run
against their counterfactual (agents.contract_eval)."""
import json

import numpy as np
import pytest

from agents import (
    ScenarioValidationError,
    build_model,
    checkpoint_dumps,
    checkpoint_loads,
    evaluate_contracts,
    kpis_with_contracts,
    validate_scenario,
)
from agents.cli import main as cli_main
from agents.contract_eval import scenario_without
from tests.model.test_multi_region import edwc_doc, two_region_doc

WEST_DC = "qd-dc"  # the Qaidam data center (the westmost region)
DECISIONS = [{"step": 24, "actor_id": WEST_DC, "parameter": "kind", "value": "price_following"},
             {"step": 24, "actor_id": "migration", "parameter": "min_saving_pu", "value": 0.9}]


def decided_doc(**points) -> dict:
    doc = edwc_doc("price", start="2025-07-01T00:00", steps=72)
    for r in doc["regions"]:
        for a in r["actors"]:
            if a["id"] == WEST_DC:
                a["strategy"] = {"kind": "carbon_aware", "flex": {"deferrable_pu": 0.4, "deadline_h": 12.0}}
    if points:
        doc["decision_points"] = points
    return doc


def _run(doc, decisions=(), split=None):
    scenario = validate_scenario(doc)
    model = build_model(scenario)
    model.apply_decisions(list(decisions))
    if split is not None:  # a worker killed at ``split`` and the run resumed: stored decisions still to come
        model.run(steps=split)
        model = checkpoint_loads(scenario, checkpoint_dumps(model))
        model.apply_decisions([d for d in decisions if d["step"] >= model.step_index])
    model.run()
    return model


def test_a_west_dc_decision_and_the_migration_threshold_change_results_from_their_step_on():
    base, decided = _run(decided_doc()), _run(decided_doc(), DECISIONS)
    assert base.series_table(0, 24).equals(decided.series_table(0, 24))  # nothing changes before the step
    qd = lambda m: m.models["qaidam"].dcs  # noqa: E731
    i = qd(base).ids.index(WEST_DC)
    assert np.array_equal(qd(base).it_mw[:24, i], qd(decided).it_mw[:24, i])
    assert np.abs(qd(base).it_mw[24:, i] - qd(decided).it_mw[24:, i]).max() > 0.1  # price-following from day 2
    moved = lambda m: m.moved_mw.sum(axis=(1, 2))  # noqa: E731
    assert moved(base)[24:].sum() > 100.0  # the price rule moves work west on days 2 and 3 …
    assert moved(decided)[24:].sum() < 0.5 * moved(base)[24:].sum()  # … far less with a 90 % threshold
    assert [(d["step"], d["actor_id"]) for d in decided.decisions.all_applied] == [(24, "migration"), (24, WEST_DC)]


def test_decisions_replay_bit_identically_in_the_cli_and_after_a_resume(tmp_path):
    doc = decided_doc()
    straight = _run(doc, DECISIONS)
    for split in (10, 30):  # resumed before the decisions' step (still to come) and after (replayed)
        assert _run(doc, DECISIONS, split=split).series_table().equals(straight.series_table())
    (tmp_path / "s.json").write_text(json.dumps(doc))
    (tmp_path / "d.json").write_text(json.dumps(DECISIONS))
    assert cli_main([str(tmp_path / "s.json"), "--out", str(tmp_path / "out"), "--decisions",
                     str(tmp_path / "d.json"), "--json"]) == 0
    import pyarrow.parquet as pq

    written = pq.read_table(tmp_path / "out" / "series.parquet")
    assert written.equals(straight.series_table().cast(written.schema))
    provenance = json.loads((tmp_path / "out" / "kpis.json").read_text())["provenance"]
    assert [(d["step"], d["actor_id"]) for d in provenance["decisions"]] == [(24, "migration"), (24, WEST_DC)]


@pytest.mark.parametrize("decision,loc", [
    ({"actor_id": "nobody", "parameter": "kind", "value": "none"}, "decisions.0.actor_id"),
    ({"actor_id": "sh-dc-002", "parameter": "kind", "value": "price_following"}, "decisions.0.actor_id"),
    ({"actor_id": WEST_DC, "parameter": "kind", "value": "greedy"}, "decisions.0.strategy.kind"),
    ({"actor_id": WEST_DC, "parameter": "flex.deferrable_pu", "value": 1.5}, "decisions.0.strategy.flex.deferrable_pu"),
    ({"actor_id": WEST_DC, "parameter": "flex.colour", "value": 1}, "decisions.0.parameter"),
    ({"actor_id": "migration", "parameter": "min_saving_pu", "value": 2.0}, "decisions.0.min_saving_pu"),
    ({"actor_id": "migration", "parameter": "speed", "value": 1}, "decisions.0.parameter"),
    ({"actor_id": "migration", "parameter": "kind", "value": "teleport"}, "decisions.0.kind"),
])
def test_invalid_decisions_are_field_errors(decision, loc):
    model = build_model(validate_scenario(decided_doc()))
    with pytest.raises(ScenarioValidationError) as exc:
        model.apply_decisions([decision])
    assert loc in {e["loc"] for e in exc.value.errors}, exc.value.errors


def test_migration_none_cannot_be_switched_on_and_steps_keep_their_order():
    model = build_model(validate_scenario(edwc_doc("none", start="2025-07-01T00:00", steps=48)))
    with pytest.raises(ScenarioValidationError) as exc:
        model.apply_decisions([{"actor_id": "migration", "parameter": "kind", "value": "price"}])
    assert [e["loc"] for e in exc.value.errors] == ["decisions.0.value"]
    model = build_model(validate_scenario(decided_doc()))
    with pytest.raises(ScenarioValidationError) as exc:
        model.apply_decisions([{**DECISIONS[0], "step": 30}, {**DECISIONS[1], "step": 20}])
    assert [e["loc"] for e in exc.value.errors] == ["decisions.1.step"]


def test_a_run_stops_at_the_systems_decision_points_and_lists_every_regions_targets():
    from agents import decision_targets

    model = build_model(validate_scenario(decided_doc(every_steps=10, events=["day_start"])))
    stops = []
    while model.step_index < model.total_steps:
        model.run(stop_at_decisions=True)
        stops.append(model.step_index)
    assert stops == [10, 20, 24, 30, 40, 48, 50, 60, 70, 72]
    targets = {t["id"]: t for t in decision_targets(model.scenario)}
    assert targets[WEST_DC]["region"] == "qaidam" and targets["migration"]["strategy"]["kind"] == "price"


# ------------------------------------------------------------------------------------------- contracts


def _one_contract_doc() -> dict:
    doc = two_region_doc()  # the heat deal of the east region stays; the west's goes (with its heat recovery)
    west = doc["regions"][1]
    west["contracts"] = []
    for a in west["actors"]:
        a.pop("heat_recovery", None)
    return doc


def test_a_heat_contract_in_one_region_gets_npv_figures_against_its_counterfactual():
    doc = _one_contract_doc()
    model = build_model(validate_scenario(doc))
    model.run()
    row = kpis_with_contracts(model)["contracts"]["heat_deal"]
    assert row["evaluation"] == "against the counterfactual" and row["region"] == "east"
    seller, buyer = row["parties"]["dc_hohhot"], row["parties"]["heat_city"]
    assert seller["role"] == "seller" and buyer["role"] == "buyer"
    assert seller["horizon_change_cny"] > 0 and buyer["horizon_change_cny"] > 0  # both gain from the deal
    assert seller["npv_cny"] > 0 and buyer["npv_cny"] > 0 and len(buyer["cash_flows_cny"]) == 11
    assert buyer["co2_location_change_t"] < 0  # the city burns less for heat
    # the counterfactual is the same document with the contract (and the seller's heat recovery) removed
    cf = scenario_without(model.scenario, "heat_deal")
    hand = json.loads(json.dumps(doc))
    hand["regions"][0]["contracts"] = []
    hand["regions"][0]["actors"][1].pop("heat_recovery", None)
    assert cf == validate_scenario(hand)


def test_without_contracts_the_counterfactual_is_the_base_run():
    doc = _one_contract_doc()
    doc["regions"][0]["contracts"] = []
    doc["regions"][0]["actors"][1].pop("heat_recovery", None)
    model = build_model(validate_scenario(doc))
    model.run()
    assert evaluate_contracts(model.scenario, model=model) == {}
    assert kpis_with_contracts(model) == model.kpis()


def test_a_dr_event_in_one_region_is_a_decision_point_and_its_aggregator_takes_a_bid():
    doc = two_region_doc()
    doc["decision_points"] = {"events": ["dr_event"]}
    doc["regions"][1]["demand_response"] = {
        "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 20000.0,
                      "baseline_method": "same_day_3_plus_2", "penalty_cny_per_mwh_short": 500.0}],
        "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["w-dc_hohhot"], "commitment_mw": [2.0]}],
        "events": [{"program_id": "p", "start": "2025-01-16T17:00", "end": "2025-01-16T20:00", "notice_h": 9.0}]}
    model = build_model(validate_scenario(doc))
    model.run(stop_at_decisions=True)
    notified = [c["notified_step"] for c in model.models["west"].dr.calls]
    assert notified and model.step_index == notified[0] + 1 < model.total_steps and model.at_decision_point
    model.apply_decisions([{"actor_id": "vpp", "parameter": "commitment_mw.0", "value": 6.0}])
    model.run()
    assert model.models["west"].decisions.applied == [
        {"step": notified[0] + 1, "actor_id": "vpp", "parameter": "commitment_mw.0", "value": 6.0}]
    undecided = build_model(validate_scenario(doc))
    undecided.run()
    assert undecided.series_table(0, notified[0] + 1).equals(model.series_table(0, notified[0] + 1))
    # the bid holds for the events called from its step on (this one was called before): routed to the west's desk
    assert model.models["west"].decisions.current["vpp"].commitment_mw == [6.0]
    assert "vpp" not in model.models["east"].decisions.current
