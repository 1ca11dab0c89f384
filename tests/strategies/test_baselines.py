"""Hand-worked demand-response baselines (CAISO 10 of 10, Jiangsu, PJM 3 + 2, Beijing) and no-future tests."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.markets.baselines import (
    baseline,
    baseline_10_of_10,
    baseline_before_control,
    baseline_high_5_of_10,
    baseline_last_5_workdays,
    baseline_same_day_3_plus_2,
    eligible_days,
    same_day_adjustment,
)

DAYS = 20
DOW = np.arange(DAYS) % 7  # day 0 is a Monday
EVENT_DAY = 15  # a Tuesday
START, END = EVENT_DAY * 24 + 13, EVENT_DAY * 24 + 17  # 13:00–17:00


def flat_days(values, steps_per_day=24, members=1):
    """History whose day d is flat at values[d] (same for every member)."""
    v = np.repeat(np.asarray(values, dtype=float), steps_per_day)
    return np.repeat(v[:, None], members, axis=1)


DAY_VALUES = 10.0 + np.arange(DAYS)  # day d draws 10 + d MW


def test_eligible_days_drop_weekends_holidays_and_prior_event_days():
    holiday = np.zeros(DAYS, dtype=bool)
    holiday[10] = True
    excluded = np.zeros(DAYS, dtype=bool)
    excluded[8] = True
    ok = eligible_days(DOW, holiday, excluded)
    assert np.flatnonzero(~ok[:15]).tolist() == [5, 6, 8, 10, 12, 13]
    assert eligible_days(DOW, workdays_only=False).all()
    per_member = eligible_days(DOW, excluded=np.stack([excluded, ~excluded], axis=1))
    assert per_member.shape == (DAYS, 2) and per_member[8, 1] and not per_member[8, 0]


def test_10_of_10_is_the_mean_of_the_10_most_recent_workdays():
    # Workdays before day 15: 14, 11, 10, 9, 8, 7, 4, 3, 2, 1 → 24 + 21 + 20 + 19 + 18 + 17 + 14 + 13 + 12 + 11
    load = flat_days(DAY_VALUES)
    b = baseline_10_of_10(load, eligible_days(DOW), event_start_step=START, event_end_step=END, dt_h=1.0,
                          adjust=False)
    assert b.baseline_mw.shape == (4, 1)
    assert np.allclose(b.baseline_mw, 169.0 / 10)
    assert b.days_used[:, 0].sum() == 10


def test_10_of_10_skips_holidays_and_prior_event_days():
    holiday = np.zeros(DAYS, dtype=bool)
    holiday[10] = True
    excluded = np.zeros(DAYS, dtype=bool)
    excluded[8] = True
    load = flat_days(DAY_VALUES)
    b = baseline_10_of_10(load, eligible_days(DOW, holiday, excluded), event_start_step=START,
                          event_end_step=END, dt_h=1.0, adjust=False)
    # Only 9 eligible days in the history: 14, 11, 9, 7, 4, 3, 2, 1, 0
    assert np.allclose(b.baseline_mw, (24 + 21 + 19 + 17 + 14 + 13 + 12 + 11 + 10) / 9)
    with pytest.raises(ValueError, match="fewer than 10"):
        baseline_10_of_10(load, eligible_days(DOW, holiday, excluded), event_start_step=START,
                          event_end_step=END, dt_h=1.0, min_days=10)


@pytest.mark.parametrize(("pre_event_mw", "ratio"), [(16.9 * 1.1, 1.1), (30.0, 1.2), (10.0, 0.8)])
def test_same_day_adjustment_scales_and_is_capped_at_20_percent(pre_event_mw, ratio):
    load = flat_days(DAY_VALUES)
    load[START - 4:START - 1] = pre_event_mw  # the 3 h window 09:00–12:00, skipping the hour before the event
    load[START - 1] = 1000.0  # the skipped hour does not count
    b = baseline_10_of_10(load, eligible_days(DOW), event_start_step=START, event_end_step=END, dt_h=1.0)
    assert b.adjustment_ratio[0] == pytest.approx(ratio)
    assert np.allclose(b.baseline_mw, 16.9 * ratio)
    assert np.allclose(b.unadjusted_mw, 16.9)


def test_same_day_adjustment_of_a_zero_baseline_is_one():
    assert same_day_adjustment(np.ones((3, 1)), np.zeros((3, 1)), 0.2).tolist() == [1.0]


def test_10_of_10_works_on_quarter_hours_and_per_member():
    load = np.concatenate([flat_days(DAY_VALUES, 96), 2 * flat_days(DAY_VALUES, 96)], axis=1)
    b = baseline_10_of_10(load, eligible_days(DOW), event_start_step=EVENT_DAY * 96 + 52,
                          event_end_step=EVENT_DAY * 96 + 68, dt_h=0.25, adjust=False)
    assert b.baseline_mw.shape == (16, 2)
    assert np.allclose(b.baseline_mw[:, 0], 16.9) and np.allclose(b.baseline_mw[:, 1], 33.8)


def test_last_5_workdays_jiangsu():
    load = flat_days(DAY_VALUES)
    b = baseline_last_5_workdays(load, eligible_days(DOW), event_start_step=START, event_end_step=END, dt_h=1.0)
    assert np.allclose(b.baseline_mw, (24 + 21 + 20 + 19 + 18) / 5)
    assert np.allclose(b.adjustment_ratio, 1.0)


def test_high_5_of_10_beijing_takes_the_highest_weekdays_2_to_12_days_before():
    values = DAY_VALUES.copy()
    values[3], values[4] = 50.0, 40.0
    values[14] = 99.0  # yesterday: outside the 2–12 day range
    load = flat_days(values)
    b = baseline_high_5_of_10(load, eligible_days(DOW), event_start_step=START, event_end_step=END, dt_h=1.0)
    # weekdays among days 3–13: 11, 10, 9, 8, 7, 4, 3 → highest five 50, 40, 21, 20, 19
    assert np.allclose(b.baseline_mw, (50 + 40 + 21 + 20 + 19) / 5)


def test_high_5_of_10_ranks_per_member():
    a = DAY_VALUES.copy()
    a[3] = 50.0
    load = np.concatenate([flat_days(a), flat_days(DAY_VALUES)], axis=1)
    b = baseline_high_5_of_10(load, eligible_days(DOW), event_start_step=START, event_end_step=END, dt_h=1.0)
    assert np.allclose(b.baseline_mw[:, 0], (50 + 21 + 20 + 19 + 18) / 5)
    assert np.allclose(b.baseline_mw[:, 1], (21 + 20 + 19 + 18 + 17) / 5)


def test_before_control_takes_the_load_15_minutes_before_the_start():
    hourly = np.arange(48.0)[:, None]
    b = baseline_before_control(hourly, event_start_step=13, event_end_step=17, dt_h=1.0)
    assert b.baseline_mw[:, 0].tolist() == [12.0] * 4
    quarter = np.arange(192.0)[:, None]
    b = baseline_before_control(quarter, event_start_step=52, event_end_step=68, dt_h=0.25)
    assert b.baseline_mw[:, 0].tolist() == [51.0] * 16


def test_pjm_3_plus_2_hours_ending_13_to_17_average_hours_ending_9_to_11_and_19_to_20():
    # Hour ending h is step h − 1: the event HE13–17 is steps 12..16; HE9–11 → steps 8–10, HE19–20 → 18–19.
    load = np.arange(24.0)[:, None]
    b = baseline_same_day_3_plus_2(load, event_start_step=12, event_end_step=17, dt_h=1.0)
    assert np.allclose(b.baseline_mw, (8 + 9 + 10 + 18 + 19) / 5)
    quarter = np.repeat(np.arange(24.0), 4)[:, None]
    b = baseline_same_day_3_plus_2(quarter, event_start_step=48, event_end_step=68, dt_h=0.25)
    assert np.allclose(b.baseline_mw, 12.8)


def test_pjm_3_plus_2_needs_the_post_event_hours():
    with pytest.raises(ValueError, match="post-event hours"):
        baseline_same_day_3_plus_2(np.ones((19, 1)), event_start_step=12, event_end_step=17, dt_h=1.0)


def test_dispatch_by_method_name():
    load = flat_days(DAY_VALUES)
    b = baseline("last_5_workdays", load, eligible_days(DOW), event_start_step=START, event_end_step=END,
                 dt_h=1.0)
    assert np.allclose(b.baseline_mw, 20.4)
    with pytest.raises(ValueError, match="unknown baseline"):
        baseline("9_of_9", load, eligible_days(DOW), event_start_step=START, event_end_step=END, dt_h=1.0)
    with pytest.raises(ValueError, match="eligible-day mask"):
        baseline("10_of_10", load, event_start_step=START, event_end_step=END, dt_h=1.0)


def test_event_across_midnight_is_refused_by_day_matching():
    with pytest.raises(ValueError, match="inside one day"):
        baseline_10_of_10(flat_days(DAY_VALUES), eligible_days(DOW), event_start_step=START + 9,
                          event_end_step=START + 13, dt_h=1.0)


PRE_EVENT_METHODS = ("10_of_10", "last_5_workdays", "high_5_of_10", "before_control")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), method=st.sampled_from(PRE_EVENT_METHODS), start_h=st.integers(5, 20),
       dur_h=st.integers(1, 3))
def test_pre_event_baselines_do_not_read_the_event_or_later(seed, method, start_h, dur_h):
    rng = np.random.default_rng(seed)
    load = rng.uniform(0.0, 50.0, (DAYS * 24, 3))
    s, e = EVENT_DAY * 24 + start_h, EVENT_DAY * 24 + start_h + dur_h
    kw = {"event_start_step": s, "event_end_step": e, "dt_h": 1.0}
    before = baseline(method, load, eligible_days(DOW), **kw).baseline_mw
    changed = load.copy()
    changed[s:] = rng.uniform(0.0, 500.0, changed[s:].shape)
    assert np.array_equal(baseline(method, changed, eligible_days(DOW), **kw).baseline_mw, before)
    # the test can fail: changing the pre-event history does change the baseline
    earlier = load.copy()
    earlier[: s] += 7.0
    assert not np.array_equal(baseline(method, earlier, eligible_days(DOW), **kw).baseline_mw, before)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**31), start_h=st.integers(5, 17), dur_h=st.integers(1, 3))
def test_3_plus_2_reads_only_its_side_windows(seed, start_h, dur_h):
    rng = np.random.default_rng(seed)
    load = rng.uniform(0.0, 50.0, (48, 2))
    s, e = start_h, start_h + dur_h
    before = baseline_same_day_3_plus_2(load, event_start_step=s, event_end_step=e, dt_h=1.0).baseline_mw
    changed = load.copy()
    changed[s:e] = 0.0  # the event itself
    changed[e + 3:] = 999.0  # after the post-event window
    changed[: s - 4] = 999.0  # before the pre-event window
    changed[s - 1] = changed[e] = 999.0  # the skipped hours
    after = baseline_same_day_3_plus_2(changed, event_start_step=s, event_end_step=e, dt_h=1.0).baseline_mw
    assert np.array_equal(after, before)


def test_per_member_eligibility_excludes_a_members_own_event_day():
    excluded = np.zeros((DAYS, 2), dtype=bool)
    excluded[14, 1] = True  # member 1 was called yesterday
    load = flat_days(DAY_VALUES, members=2)
    b = baseline_last_5_workdays(load, eligible_days(DOW, excluded=excluded), event_start_step=START,
                                 event_end_step=END, dt_h=1.0)
    assert np.allclose(b.baseline_mw[:, 0], (24 + 21 + 20 + 19 + 18) / 5)
    assert np.allclose(b.baseline_mw[:, 1], (21 + 20 + 19 + 18 + 17) / 5)


def test_adjustment_window_never_wraps_to_the_end_of_the_history():
    # event at 01:00 on day 1: the adjustment window (21:00–00:00 of day 0) has no baseline day before it
    load = flat_days(DAY_VALUES)
    with pytest.raises(ValueError, match="before the start of the history"):
        baseline_10_of_10(load, np.ones(DAYS, dtype=bool), event_start_step=25, event_end_step=27, dt_h=1.0)
