"""Demand response in the phase loop (agents.dr_desk): calls from the published forecast or at the explicit
event's notice, allocation to enrolled data centers, measurement against the baseline, a ledger that closes."""

import json
from pathlib import Path

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, validate_scenario
from agents.markets.dr_scenarios import shanghai_summer_peak_dr

from .helpers import variant

SHANGHAI = Path(__file__).resolve().parents[2] / "fixtures" / "scenarios" / "shanghai.json"


def _price_program(threshold: float, **kw) -> dict:
    return {"programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": threshold, "notice_h": 24.0,
                          "max_duration_h": 3.0, "baseline_method": "same_day_3_plus_2", **kw}],
            "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [2.0]}]}


def test_shanghai_heat_wave_event_is_called_allocated_measured_and_settled():
    doc = json.loads(SHANGHAI.read_text(encoding="utf-8"))
    dcs = [a for a in doc["actors"] if a["type"] == "data_center"]
    doc.update(shanghai_summer_peak_dr(dcs))
    m = RegionModel(validate_scenario(doc))
    desk = m.dr
    explicit = desk._explicit[0]
    notified, _, start, end, _ = explicit
    assert (start - notified) * m.dt_h == 24.0  # a day-ahead invitation
    m.run(steps=notified)
    assert not [c for c in desk.calls if c["start_step"] == start]  # not yet called
    m.run(steps=1)
    assert [c for c in desk.calls if c["start_step"] == start][0]["notified_step"] == notified
    assert (m.signals.dr_calls[-1][1:3]) == (start, end) or any(c[1:3] == (start, end) for c in m.signals.dr_calls)
    members = desk.members[0]
    assert np.isclose(desk.called_mw[start:end, members].sum(axis=1), 23.0).all()  # the Lingang offer
    m.run(steps=start + 1 - m.step_index)
    lingang = next(a for a in m.agents if a.actor_id == m.dcs.ids[members[0]])
    assert lingang.last_decision["dr_called_mw"] > 0.0
    m.run()
    result = next(r for r in desk.results if r["start_step"] == start)
    assert result["measured"] and result["response_mwh"] >= 0.0
    assert np.isclose(result["called_mwh"], 23.0 * 4)
    # strategy none: no DC sheds load, so the response is what the load did against the baseline (here the
    # same-day adjustment lifts the baseline: paid up to the commitment); every line item is a transfer
    assert abs(sum(result["net_cny"].values())) < 1e-6
    paid = -result["net_cny"]["grid_operator"] / 3000.0
    assert 0.0 <= paid <= 23.0 * 4 + 1e-9
    assert np.isclose(result["net_cny"]["sh-vpp-lingang"], 0.2 * paid * 3000.0)  # its fee


def test_price_triggered_calls_come_only_from_the_published_next_day_forecast():
    base = variant(**{"horizon.steps": 96})
    base["demand_response"] = _price_program(0.0)  # every forecast price exceeds 0 → an event every day
    m = RegionModel(validate_scenario(base))
    m.run()
    calls = m.dr.calls
    assert calls, "a zero threshold calls events"
    spd = 24
    for c in calls:
        assert c["notified_step"] % spd == 0 and c["start_step"] >= c["notified_step"] + spd  # 24 h notice
        assert c["end_step"] - c["start_step"] <= 3  # max_duration_h
    assert {c["start_step"] // spd for c in calls} == {1, 2, 3}  # day 0 is never called (no notice)
    # garbling the forecast of day 3 changes nothing called before day 2's first step (when it is published)
    g = RegionModel(validate_scenario(base))
    g.signals._day_ahead["price_cny_per_mwh"][72:] = -1.0  # below the threshold: day 3 not called
    g.run()
    assert [c for c in g.dr.calls if c["notified_step"] < 48] == [c for c in calls if c["notified_step"] < 48]
    assert not [c for c in g.dr.calls if c["start_step"] >= 72]
    # the month's count caps the events
    capped = variant(**{"horizon.steps": 96})
    capped["demand_response"] = _price_program(0.0, max_events_per_month=1)
    c1 = RegionModel(validate_scenario(capped))
    c1.run()
    assert len(c1.dr.calls) == 1


def test_no_demand_response_section_keeps_the_desk_idle(tiny_scenario):
    m = RegionModel(tiny_scenario)
    m.run()
    assert not m.dr.active and m.dr.calls == [] and m.signals.dr_calls == []
    assert "dr_called_mw" not in m.agents[1].last_decision


def test_demand_response_references_are_validated():
    doc = variant()
    doc["demand_response"] = _price_program(500.0)
    doc["demand_response"]["aggregators"][0]["member_ids"] = ["coal_1"]
    doc["demand_response"]["aggregators"][0]["program_id"] = "nope"
    doc["demand_response"]["events"] = [{"program_id": "p", "start": "2025-01-16T13:30", "end": "2025-01-16T15:00"}]
    with pytest.raises(ScenarioValidationError) as info:
        validate_scenario(doc)
    locs = {e["loc"] for e in info.value.errors}
    assert {"demand_response.aggregators.0.member_ids.0", "demand_response.aggregators.0.program_id",
            "demand_response.events.0.start"} <= locs


def test_checkpoint_resume_replays_the_calls_bit_identically():
    from agents import checkpoint_dumps, checkpoint_loads

    doc = variant(**{"horizon.steps": 96})
    doc["demand_response"] = _price_program(0.0)
    scenario = validate_scenario(doc)
    whole = RegionModel(scenario)
    whole.run()
    part = RegionModel(scenario)
    part.run(steps=53)  # after two calls, one of them settled
    resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
    resumed.run()
    assert resumed.dr.calls == whole.dr.calls and resumed.signals.dr_calls == whole.signals.dr_calls
    assert np.array_equal(resumed.dr.called_mw, whole.dr.called_mw)
    assert resumed.dr.results == whole.dr.results and resumed.dr.ledger == whole.dr.ledger
    assert resumed.kpis() == whole.kpis()
