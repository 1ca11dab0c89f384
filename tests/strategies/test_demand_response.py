"""Demand-response triggers, allocation, measurement, settlement and the Shanghai heat-wave recipe."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pydantic import ValidationError

from agents.markets.aggregator import (
    GRID_OPERATOR,
    AggregatorSpec,
    allocate_reduction,
    member_commitments_mw,
    net_by_party,
    settle_capacity,
    settle_event,
)
from agents.markets.demand_response import (
    SHANDONG_CAP_CNY_PER_KW,
    DemandResponseEventSpec,
    DemandResponseProgramSpec,
    event_mask,
    event_payment_cny,
    measure_response,
    peak_reduction_mw,
    trigger_events,
)
from agents.markets.dr_scenarios import LINGANG_OFFERED_MW, hottest_day, shanghai_summer_peak_dr
from agents.weather import weather_series

ROOT = Path(__file__).resolve().parents[2]


def price_day(high_hours, high=1500.0, low=500.0):
    p = np.full(24, low)
    p[list(high_hours)] = high
    return p


def program(**kw):
    kw.setdefault("notice_h", 0.0)
    return DemandResponseProgramSpec(**kw)


def windows(ev):
    return list(zip(ev.start_step.tolist(), ev.end_step.tolist(), strict=True))


# ------------------------------------------------------------------------------------------------ triggers

def test_price_trigger_calls_the_hours_above_the_threshold():
    ev = trigger_events(program(price_threshold_cny_per_mwh=1000.0), dt_h=1.0,
                        forecast_price_cny_per_mwh=price_day(range(13, 17)))
    assert windows(ev) == [(13, 17)]
    assert event_mask(ev, 24).sum() == 4


def test_price_equal_to_the_threshold_does_not_trigger():
    ev = trigger_events(program(price_threshold_cny_per_mwh=1500.0), dt_h=1.0,
                        forecast_price_cny_per_mwh=price_day(range(13, 17)))
    assert windows(ev) == []


def test_scarcity_trigger_calls_the_hours_with_a_thin_reserve_margin():
    margin = np.full(24, 0.12)
    margin[18:21] = 0.03
    ev = trigger_events(program(trigger="scarcity", reserve_margin_threshold_pu=0.05), dt_h=1.0,
                        forecast_reserve_margin_pu=margin)
    assert windows(ev) == [(18, 21)]
    with pytest.raises(ValueError, match="forecast_reserve_margin_pu"):
        trigger_events(program(trigger="scarcity"), dt_h=1.0, forecast_price_cny_per_mwh=np.zeros(24))


def test_notice_delays_the_earliest_start():
    ev = trigger_events(program(notice_h=14.0), dt_h=1.0, forecast_price_cny_per_mwh=price_day(range(13, 17)))
    assert windows(ev) == [(14, 17)]
    ev = trigger_events(program(notice_h=2.0), dt_h=1.0, forecast_price_cny_per_mwh=price_day(range(13, 17)),
                        issued_step=12)
    assert windows(ev) == [(14, 17)] and ev.notified_step.tolist() == [12]


def test_runs_shorter_than_the_minimum_are_not_called():
    p = price_day([3, 10, 11])
    ev = trigger_events(program(min_duration_h=2.0), dt_h=1.0, forecast_price_cny_per_mwh=p)
    assert windows(ev) == [(10, 12)]


def test_long_runs_are_cut_to_their_most_severe_window():
    p = price_day(range(8, 21), high=1100.0)
    p[15:19] = 2000.0
    ev = trigger_events(program(max_duration_h=4.0), dt_h=1.0, forecast_price_cny_per_mwh=p)
    assert windows(ev) == [(15, 19)]
    ev = trigger_events(program(max_duration_h=1.0), dt_h=0.25, forecast_price_cny_per_mwh=np.repeat(p, 4))
    assert windows(ev) == [(60, 64)]


def test_at_most_max_events_per_month_first_come_first_served():
    p = price_day([2, 3, 10, 11, 18, 19])
    ev = trigger_events(program(max_events_per_month=2), dt_h=1.0, forecast_price_cny_per_mwh=p)
    assert windows(ev) == [(2, 4), (10, 12)]
    ev = trigger_events(program(max_events_per_month=2), dt_h=1.0, forecast_price_cny_per_mwh=p,
                        prior_events_by_month={7: 1}, month_of_step=np.full(24, 7))
    assert windows(ev) == [(2, 4)]
    months = np.where(np.arange(24) < 12, 7, 8)
    ev = trigger_events(program(max_events_per_month=1), dt_h=1.0, forecast_price_cny_per_mwh=p,
                        month_of_step=months)
    assert windows(ev) == [(2, 4), (18, 20)]


def test_program_rejects_min_above_max_duration():
    with pytest.raises(ValidationError, match="min_duration_h"):
        DemandResponseProgramSpec(min_duration_h=5.0, max_duration_h=4.0)
    with pytest.raises(ValidationError):
        DemandResponseProgramSpec(baseline_method="7_of_7")


def test_event_spec_lies_within_one_day():
    DemandResponseEventSpec(program_id="p", start="2025-07-24T13:00", end="2025-07-25T00:00")
    with pytest.raises(ValidationError, match="one local day"):
        DemandResponseEventSpec(program_id="p", start="2025-07-24T22:00", end="2025-07-25T02:00")


@settings(max_examples=40, deadline=None)
@given(p=arrays(float, 48, elements=st.floats(0, 3000)), notice=st.sampled_from([0.0, 2.0, 24.0]),
       mx=st.integers(1, 6), mn=st.integers(0, 2), per_month=st.integers(0, 4))
def test_triggered_events_respect_notice_durations_and_limits(p, notice, mx, mn, per_month):
    prog = program(notice_h=notice, max_duration_h=float(mx), min_duration_h=float(min(mn, mx)),
                   max_events_per_month=per_month)
    ev = trigger_events(prog, dt_h=1.0, forecast_price_cny_per_mwh=p)
    d = ev.end_step - ev.start_step
    assert len(d) <= per_month
    assert np.all(ev.start_step >= notice) and np.all(d <= mx) and np.all(d >= max(min(mn, mx), 1))
    assert np.all(ev.start_step[1:] >= ev.end_step[:-1])
    assert all(np.all(p[s:e] > prog.price_threshold_cny_per_mwh) for s, e in windows(ev))


# ------------------------------------------------------------------------------------- allocation

def test_pro_rata_allocation():
    assert allocate_reduction(6.0, np.array([2.0, 4.0, 6.0])).tolist() == [1.0, 2.0, 3.0]
    assert allocate_reduction(20.0, np.array([2.0, 4.0, 6.0])).tolist() == [2.0, 4.0, 6.0]


def test_merit_order_allocation_fills_the_cheapest_first():
    x = allocate_reduction(7.0, np.array([2.0, 4.0, 6.0]), method="merit_order",
                           offer_price_cny_per_mwh=[30.0, 10.0, 20.0])
    assert x.tolist() == [0.0, 4.0, 3.0]


def test_allocation_over_steps():
    x = allocate_reduction(np.array([3.0, 12.0]), np.array([[1.0, 2.0], [4.0, 4.0]]))
    assert x.tolist() == [[1.0, 2.0], [4.0, 4.0]]


@settings(max_examples=60, deadline=None)
@given(called=st.floats(0, 100), avail=arrays(float, st.integers(1, 8), elements=st.floats(0, 30)),
       method=st.sampled_from(["pro_rata", "merit_order"]), data=st.data())
def test_allocation_conserves_the_call_within_availability(called, avail, method, data):
    prices = data.draw(arrays(float, avail.shape[0], elements=st.floats(0, 5000)))
    x = allocate_reduction(called, avail, method=method, offer_price_cny_per_mwh=prices)
    assert np.all(x >= -1e-12) and np.all(x <= avail + 1e-9)
    assert x.sum() == pytest.approx(min(called, avail.sum()), abs=1e-9)


def test_total_commitment_is_split_by_available_flexibility():
    agg = AggregatorSpec(id="vpp", member_ids=["a", "b"], total_commitment_mw=6.0)
    assert member_commitments_mw(agg, np.array([1.0, 2.0])).tolist() == [2.0, 4.0]
    with pytest.raises(ValidationError, match="one value per member"):
        AggregatorSpec(id="vpp", member_ids=["a", "b"], commitment_mw=[1.0])
    with pytest.raises(ValidationError, match="unique"):
        AggregatorSpec(id="vpp", member_ids=["a", "a"], commitment_mw=[1.0, 1.0])
    with pytest.raises(ValidationError, match="merit_order"):
        AggregatorSpec(id="vpp", member_ids=["a"], commitment_mw=[1.0], allocation="merit_order")


# ------------------------------------------------------------------------------------ measurement

def test_response_is_baseline_minus_actual_clipped_at_zero():
    r = measure_response(np.array([[10.0, 5.0], [10.0, 5.0]]), np.array([[7.0, 6.0], [8.0, 4.0]]), dt_h=0.5)
    assert r.response_mw.tolist() == [[3.0, 0.0], [2.0, 1.0]]
    assert r.response_mwh.tolist() == [2.5, 0.5]
    assert r.mean_response_mw.tolist() == [2.5, 0.5]


def test_peak_reduction_from_baseline_and_actual():
    assert peak_reduction_mw(np.array([[10.0, 5.0], [12.0, 6.0]]), np.array([[8.0, 4.0], [9.0, 5.0]])) == 4.0


@settings(max_examples=40, deadline=None)
@given(b=arrays(float, (4, 3), elements=st.floats(10, 100)), r=arrays(float, 3, elements=st.floats(0, 10)))
def test_a_flat_response_lowers_the_peak_by_the_measured_response(b, r):
    actual = b - r[None, :]
    measured = measure_response(b, actual, dt_h=1.0).mean_response_mw.sum()
    assert peak_reduction_mw(b, actual) == pytest.approx(measured, abs=1e-9)


# ------------------------------------------------------------------------------------- settlement

PROG = DemandResponseProgramSpec(energy_payment_cny_per_mwh=3000.0, penalty_cny_per_mwh_short=1000.0)
AGG = AggregatorSpec(id="vpp", member_ids=["dc-a", "dc-b"], commitment_mw=[2.0, 3.0], fee_share_pu=0.2)


def test_event_settlement_hand_worked_with_a_penalty_when_short():
    # committed 5 MW × 2 h = 10 MWh; response 4 + 4 = 8 MWh → paid 8 × 3000; short 2 MWh × 1000,
    # recovered from dc-b alone (dc-a delivered its 4 MWh, dc-b 4 of 6 MWh).
    ledger = settle_event(PROG, AGG, response_mwh=[4.0, 4.0], commitment_mw=[2.0, 3.0], duration_h=2.0)
    net = net_by_party(ledger)
    assert net[GRID_OPERATOR] == pytest.approx(-24000.0 + 2000.0)
    assert net["vpp"] == pytest.approx(0.2 * 24000.0)
    assert net["dc-a"] == pytest.approx(12000.0 * 0.8)
    assert net["dc-b"] == pytest.approx(12000.0 * 0.8 - 2000.0)
    assert sum(net.values()) == pytest.approx(0.0, abs=1e-9)
    items = {(li.payer, li.payee, li.item) for li in ledger}
    assert ("vpp", GRID_OPERATOR, "dr_under_delivery_penalty") in items
    assert ("dc-b", "vpp", "dr_under_delivery_penalty") in items
    assert not any(li.payer == "dc-a" and li.item == "dr_under_delivery_penalty" for li in ledger)


def test_no_penalty_when_the_commitment_is_met():
    ledger = settle_event(PROG, AGG, response_mwh=[4.0, 6.0], commitment_mw=[2.0, 3.0], duration_h=2.0)
    assert not any(li.item == "dr_under_delivery_penalty" for li in ledger)


def test_response_above_the_commitment_is_not_paid_beyond_the_cap():
    ev = event_payment_cny(PROG, response_mwh=3.0, commitment_mw=1.0, duration_h=2.0)
    assert ev.paid_mwh == 2.0 and ev.payment_cny == 6000.0 and ev.penalty_cny == 0.0


def test_shandong_cap_of_30_cny_per_kw_of_response():
    prog = DemandResponseProgramSpec(energy_payment_cny_per_mwh=20000.0,
                                     payment_cap_cny_per_kw=SHANDONG_CAP_CNY_PER_KW)
    # 2 MWh over 2 h = 1,000 kW mean response: 40,000 CNY uncapped, capped at 30 × 1,000 = 30,000 CNY
    assert event_payment_cny(prog, response_mwh=2.0, commitment_mw=1.0, duration_h=2.0).payment_cny == 30000.0
    low = prog.model_copy(update={"energy_payment_cny_per_mwh": 3000.0})
    assert event_payment_cny(low, response_mwh=2.0, commitment_mw=1.0, duration_h=2.0).payment_cny == 6000.0


def test_capacity_payment_hand_worked():
    prog = DemandResponseProgramSpec(capacity_payment_cny_per_kw_month=5.0)
    net = net_by_party(settle_capacity(prog, AGG, commitment_mw=[2.0, 3.0], months=1.0))
    assert net == pytest.approx({GRID_OPERATOR: -25000.0, "vpp": 5000.0, "dc-a": 8000.0, "dc-b": 12000.0})


@settings(max_examples=80, deadline=None)
@given(n=st.integers(1, 6), data=st.data(), rate=st.floats(0, 10000), pen=st.floats(0, 10000),
       fee=st.floats(0, 1), cap=st.one_of(st.none(), st.floats(0, 100)), dur=st.floats(0.25, 6),
       passthrough=st.booleans())
def test_event_ledger_sums_to_zero_between_parties(n, data, rate, pen, fee, cap, dur, passthrough):
    resp = data.draw(arrays(float, n, elements=st.floats(0, 50)))
    comm = data.draw(arrays(float, n, elements=st.floats(0, 20)))
    prog = DemandResponseProgramSpec(energy_payment_cny_per_mwh=rate, penalty_cny_per_mwh_short=pen,
                                     payment_cap_cny_per_kw=cap, capacity_payment_cny_per_kw_month=rate / 100)
    agg = AggregatorSpec(id="vpp", member_ids=[f"m{i}" for i in range(n)], commitment_mw=comm.tolist(),
                         fee_share_pu=fee, pass_through_penalty=passthrough)
    ledger = settle_event(prog, agg, response_mwh=resp, commitment_mw=comm, duration_h=dur)
    ledger += settle_capacity(prog, agg, commitment_mw=comm, months=1.0)
    net = net_by_party(ledger)
    scale = max(1.0, sum(li.amount_cny for li in ledger))
    assert abs(sum(net.values())) <= 1e-9 * scale
    assert all(li.amount_cny > 0 for li in ledger)
    ev = event_payment_cny(prog, response_mwh=float(resp.sum()), commitment_mw=float(comm.sum()), duration_h=dur)
    cap_pay = prog.capacity_payment_cny_per_kw_month * float(comm.sum()) * 1000.0
    # the aggregator keeps its fee; with pass-through it recovers the whole penalty from the members
    expected = fee * (ev.payment_cny + cap_pay) - (0.0 if passthrough else ev.penalty_cny)
    assert net.get("vpp", 0.0) == pytest.approx(expected, rel=1e-9, abs=1e-6 * scale)


# ------------------------------------------------------------------------------------- Shanghai recipe

def _shanghai_dcs():
    doc = json.loads((ROOT / "fixtures/scenarios/shanghai.json").read_text())
    return [a for a in doc["actors"] if a["type"] == "data_center"]


def test_shanghai_summer_peak_recipe():
    dcs = _shanghai_dcs()
    frag = shanghai_summer_peak_dr(dcs)
    assert frag == shanghai_summer_peak_dr(dcs)  # deterministic
    dr = frag["demand_response"]
    prog = DemandResponseProgramSpec.model_validate(dr["programs"][0])
    agg = AggregatorSpec.model_validate(dr["aggregators"][0])
    ev = DemandResponseEventSpec.model_validate(dr["events"][0])
    assert agg.program_id == prog.id == ev.program_id
    assert sum(agg.commitment_mw) == pytest.approx(LINGANG_OFFERED_MW)
    names = {d["id"]: d["name"] for d in dcs}
    assert agg.member_ids and all(names[m].startswith("Lingang") for m in agg.member_ids)
    assert ev.start.month == 7 and ev.start.weekday() < 5 and (ev.start.hour, ev.end.hour) == (13, 17)
    h = frag["horizon"]
    w = weather_series("shanghai", h["start"], h["steps"], h["dt_h"], 1)
    july_weekdays = [d for d in range(30, 61) if (6 + d) % 7 < 5]  # 1 June 2025 is a Sunday
    day = hottest_day(w.temp_c, steps_per_day=24, candidate_days=july_weekdays)
    assert (ev.start.date() - np.datetime64("2025-06-01").astype(object)).days == day
    daily_max = w.temp_c.reshape(-1, 24).max(axis=1)
    assert daily_max[day] >= daily_max[july_weekdays].max()


@settings(max_examples=40, deadline=None)
@given(today=arrays(float, 24, elements=st.floats(0, 3000)), tomorrow=arrays(float, 24, elements=st.floats(0, 3000)))
def test_todays_calls_do_not_depend_on_later_forecasts(today, tomorrow):
    today = today.copy()
    today[23] = 0.0  # no triggering run crosses midnight
    prog = program(max_events_per_month=31)
    alone = trigger_events(prog, dt_h=1.0, forecast_price_cny_per_mwh=today)
    longer = trigger_events(prog, dt_h=1.0, forecast_price_cny_per_mwh=np.concatenate([today, tomorrow]))
    keep = longer.start_step < 24
    assert windows(alone) == list(zip(longer.start_step[keep].tolist(), longer.end_step[keep].tolist(),
                                      strict=True))


def test_month_counts_carry_from_window_to_window():
    from agents.markets.demand_response import count_events_by_month
    prog = program(max_events_per_month=2)
    counts = {}
    called = 0
    for _day in range(3):  # three days of July, two events a day forecast
        ev = trigger_events(prog, dt_h=1.0, forecast_price_cny_per_mwh=price_day([2, 3, 10, 11]),
                            month_of_step=np.full(24, 7), prior_events_by_month=counts)
        counts = count_events_by_month(ev, np.full(24, 7), counts)
        called += len(ev.start_step)
    assert called == 2 and counts == {7: 2}


def test_event_window_steps_on_the_horizon():
    from datetime import datetime

    from agents.markets.demand_response import event_window_steps
    ev = DemandResponseEventSpec(program_id="p", start="2025-07-24T13:00", end="2025-07-24T17:00")
    assert event_window_steps(ev, datetime(2025, 6, 1), 1.0) == (53 * 24 + 13, 53 * 24 + 17)
    assert event_window_steps(ev, datetime(2025, 6, 1), 0.25) == (4 * (53 * 24 + 13), 4 * (53 * 24 + 17))
    with pytest.raises(ValueError, match="step boundary"):
        event_window_steps(ev, datetime(2025, 6, 1, 0, 30), 1.0)


@pytest.mark.parametrize("model", [DemandResponseProgramSpec, DemandResponseEventSpec, AggregatorSpec])
def test_every_spec_field_is_described(model):
    assert all(f.description for f in model.model_fields.values())
