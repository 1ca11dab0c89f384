"""No strategy sees future prices (issue 12 "Done when"), one test per strategy family in the running model:
change the future — the published day-ahead signals after the decided window and the realised load after it —
and find the decisions made so far unchanged; the same change does alter later decisions (the tests can fail).
The data-center workload strategies have theirs in tests/model/test_dc_strategies.py
(``test_no_strategy_sees_the_future``)."""

import numpy as np
import pytest

from agents import RegionModel, validate_scenario
from tests.model.helpers import tiny_doc

DAYS = 6
DAY = 24


def _doc(storage_kind: str | None = None, dr: bool = False) -> dict:
    doc = tiny_doc()
    doc["horizon"]["steps"] = DAYS * DAY
    doc["actors"][3]["capacity_mw"] = 90.0  # imports become marginal in the evening: the forecast price varies
    if storage_kind is not None:
        doc["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                              "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0},
                              "strategy": {"kind": storage_kind}})
    if dr:
        doc["actors"][1]["strategy"] = {"kind": "dr_committed", "flex": {"deferrable_pu": 0.5, "deadline_h": 12.0}}
        doc["demand_response"] = {
            "programs": [{"id": "p", "trigger": "price", "price_threshold_cny_per_mwh": 400.0, "notice_h": 24.0,
                          "max_duration_h": 3.0, "max_events_per_month": 31, "baseline_method": "same_day_3_plus_2"}],
            "aggregators": [{"id": "vpp", "program_id": "p", "member_ids": ["dc_hohhot"], "commitment_mw": [3.0]}]}
    return doc


def _garbled_pair(doc: dict, first_unseen: int):
    """Two models of ``doc``; in the second every day-ahead signal from step ``first_unseen`` on is scaled at
    random and the region's other load after it raised by 20 % (so later real-time prices and the net load the
    peak-shaving / net-load schedules see differ too)."""
    scenario = validate_scenario(doc)
    a, b = RegionModel(scenario), RegionModel(scenario)
    rng = np.random.default_rng(11)
    for arr in b.signals._day_ahead.values():
        arr[first_unseen:] = arr[first_unseen:] * rng.uniform(0.2, 3.0, arr.size - first_unseen)
    b.grid.other_load[first_unseen:] *= 1.2
    b.gross_load_mw[first_unseen:] *= 1.2
    return a, b


@pytest.mark.parametrize("kind", ["arbitrage", "peak_shaving", "tou_rule", "net_load_rule"])
def test_storage_schedules_made_so_far_ignore_the_future(kind):
    """A storage schedule is planned at each day's first step from that day's forecast: with days 3… garbled
    (day 3's forecast is published at day 2's start, but no plan of days 0–2 reads it), days 0–2 are unchanged."""
    cut = 3 * DAY
    a, b = _garbled_pair(_doc(kind), cut)
    a.run(steps=cut)
    b.run(steps=cut)
    assert np.array_equal(a.storage.power[:cut], b.storage.power[:cut])
    assert np.array_equal(a.storage.soc[:cut], b.storage.soc[:cut])
    a.run(steps=DAY)
    b.run(steps=DAY)
    assert not np.array_equal(a.storage.power[cut:cut + DAY], b.storage.power[cut:cut + DAY])


def test_dr_calls_and_the_committed_dcs_plans_made_so_far_ignore_the_future():
    """The grid operator calls events at a day's first step from the NEXT day's forecast (published then); the
    DR-committed data center plans each day from its calls. With the forecasts from day 3 on garbled, the calls
    made at days 0 and 1 (reading days 1 and 2) and the plans of days 0–2 are unchanged; the call made at day 2
    reads day 3 and may change."""
    cut = 3 * DAY
    a, b = _garbled_pair(_doc(dr=True), cut)
    a.run(steps=2 * DAY)
    b.run(steps=2 * DAY)
    assert a.dr.calls and a.dr.calls == b.dr.calls
    assert np.array_equal(a.dr.called_mw[:cut], b.dr.called_mw[:cut])
    a.run(steps=DAY)
    b.run(steps=DAY)
    assert np.array_equal(np.asarray(a.dcs.it_mw[:cut]), np.asarray(b.dcs.it_mw[:cut]))
    assert np.abs(a.dcs.dr_delivered_mw[:cut]).max() > 1.0  # the DC did act on its calls
    a.run()
    b.run()
    assert [c for c in a.dr.calls if c["notified_step"] >= 2 * DAY] != \
        [c for c in b.dr.calls if c["notified_step"] >= 2 * DAY]
    # events measured on the (equal) load of days 0–2 (PJM 3 + 2 also reads the 3 h after the event) settle alike
    early = [r for r in a.dr.results if r["end_step"] + 3 <= cut]
    assert early and early == [r for r in b.dr.results if r["end_step"] + 3 <= cut]
