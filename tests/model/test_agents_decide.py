"""The Mesa agents are activated (issue 12 "Done when"): at each day's first step ``RegionModel.step`` calls
``decide`` on every agent (``Fleet.activate``) once the fleets have planned the day, and each actor type's
decision state changes during a run — including a strategy that people change at a decision point."""

from agents import RegionModel, checkpoint_dumps, checkpoint_loads, validate_scenario
from tests.model.test_decisions_dc_dr import _doc


def _scenario():
    doc = _doc()
    doc["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                          "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0},
                          "strategy": {"kind": "arbitrage"}})
    return validate_scenario(doc)


def test_every_actor_type_is_activated_and_its_decision_state_changes():
    m = RegionModel(_scenario())
    m.apply_decisions([{"step": 30, "actor_id": "dc_hohhot", "parameter": "kind", "value": "price_following"},
                       {"step": 30, "actor_id": "bess", "parameter": "kind", "value": "tou_rule"}])
    assert {a.decided_step for a in m.agents} == {-1}  # not activated before the run
    m.run(steps=20)  # through step 19 (evening)
    day0 = {a.actor_id: a.decision_state for a in m.agents}
    m.run(steps=48)  # through step 67: activated again at steps 24 and 48
    day2 = {a.actor_id: a.decision_state for a in m.agents}
    kinds = {a.kind for a in m.agents}
    assert kinds == {"grid_operator", "data_center", "heat_utility", "power_plant", "renewable_plant", "storage"}
    for a in m.agents:
        early, late = day0[a.actor_id], day2[a.actor_id]
        assert (early["decided_step"], late["decided_step"]) == (0, 48), a.actor_id
        decided = {k: v for k, v in late.items() if k not in ("decided_step", "strategy", "step")}
        assert decided and any(early.get(k) != v for k, v in decided.items()), a.actor_id
    # a people's decision (step 30) is taken up at the next activation (step 48)
    assert (day0["dc_hohhot"]["strategy"], day2["dc_hohhot"]["strategy"]) == ("carbon_aware", "price_following")
    assert (day0["bess"]["strategy"], day2["bess"]["strategy"]) == ("arbitrage", "tou_rule")
    assert day2["dc_hohhot"]["it_power_mw"] == m.dcs.it_mw[67, 0]
    # a resumed run's agents stand where the uninterrupted run's do
    resumed = checkpoint_loads(m.scenario, checkpoint_dumps(m))
    assert {a.actor_id: (a.decided_step, a.strategy_kind) for a in resumed.agents} == \
        {a.actor_id: (a.decided_step, a.strategy_kind) for a in m.agents}
