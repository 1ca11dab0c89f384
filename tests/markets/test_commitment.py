"""Day-ahead unit commitment (agents.markets.commitment): hand-worked cases and the model using it."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents import RegionModel, validate_scenario
from agents.markets.commitment import (
    CommitmentUnits,
    calendar_windows,
    commit_horizon,
    commit_window,
    forecast_error_margin,
    persistence_forecast,
    start_ups,
)
from tests.model.helpers import tiny_doc

CHEAP, DEAR = 0, 1


def two_units(**dear):
    """A 100 MW unit at 200 CNY/MWh and a 50 MW unit at 500 CNY/MWh, minimum load 0.4 (20 MW)."""
    kw = {"start_up_cost_cny": 0.0, "min_up_steps": 0, "min_down_steps": 0} | dear
    return CommitmentUnits.of([100.0, 50.0], [0.4, 0.4], [200.0, 500.0],
                              [0.0, kw["start_up_cost_cny"]], [0, kw["min_up_steps"]], [0, kw["min_down_steps"]])


def window(load, units, reserve=0.0, dt_h=1.0, **kw):
    """One window of the two units, the dear one off before it."""
    return commit_window(load, reserve, [100.0, 50.0], units, dt_h, **({"initial_on": [True, False]} | kw))


def test_an_uneconomic_unit_stays_off_for_the_day():
    load = np.linspace(60.0, 90.0, 24)  # always below the cheap unit's 100 MW
    on = window(load, two_units(), 0.0, 1.0)
    assert on[:, CHEAP].all()
    assert not on[:, DEAR].any()


def test_a_unit_is_committed_when_the_load_exceeds_the_cheaper_capacity():
    load = np.full(6, 80.0)
    load[3] = 120.0
    on = window(load, two_units(), 0.0, 1.0)
    assert on[:, DEAR].tolist() == [False, False, False, True, False, False]
    assert on[:, CHEAP].all()


def test_minimum_up_time_keeps_a_started_unit_on():
    load = np.full(12, 80.0)
    load[5] = 120.0  # needed for one hour only
    on = window(load, two_units(min_up_steps=4), 0.0, 1.0)
    assert np.flatnonzero(on[:, DEAR]).tolist() == [5, 6, 7, 8]


def test_minimum_down_time_bridges_a_short_off_spell():
    load = np.full(8, 80.0)
    load[[2, 5]] = 120.0  # needed at 2 and 5; off spell 3–4 (2 steps)
    bridged = window(load, two_units(min_down_steps=3, start_up_cost_cny=0.0), 0.0, 1.0)
    assert np.flatnonzero(bridged[:, DEAR]).tolist() == [2, 3, 4, 5]
    cycled = window(load, two_units(min_down_steps=2, start_up_cost_cny=0.0), 0.0, 1.0)
    assert np.flatnonzero(cycled[:, DEAR]).tolist() == [2, 5]


def test_start_up_cost_decides_whether_to_bridge():
    # Bridging steps 3–4 at minimum load: 20 MW × 1 h × (500 − 200 CNY/MWh marginal price) × 2 h = 12,000 CNY.
    load = np.full(8, 80.0)
    load[[2, 5]] = 120.0
    stay = window(load, two_units(start_up_cost_cny=12_000.0), 0.0, 1.0)
    assert np.flatnonzero(stay[:, DEAR]).tolist() == [2, 3, 4, 5]
    restart = window(load, two_units(start_up_cost_cny=11_999.0), 0.0, 1.0)
    assert np.flatnonzero(restart[:, DEAR]).tolist() == [2, 5]
    # the same bridge at a 30-minute step costs half
    half = window(load, two_units(start_up_cost_cny=6_000.0), 0.0, 0.5)
    assert np.flatnonzero(half[:, DEAR]).tolist() == [2, 3, 4, 5]


def test_start_ups_are_counted_per_unit_and_step():
    on = np.array([[1, 0], [1, 1], [0, 1], [1, 0], [1, 1]], dtype=bool)
    starts = start_ups(on, initial_on=[True, False])
    assert starts.tolist() == [[False, False], [False, True], [False, False], [True, False], [False, True]]


def test_reserve_is_held_by_units_not_by_imports():
    # 90 MW load: the cheap unit runs at 90 MW (10 MW headroom); 30 MW reserve needs the second unit (gain 30 MW).
    units = two_units()
    load = np.full(4, 90.0)
    on = window(load, units, 30.0, 1.0, other_mw=np.full((4, 1), 500.0),
                       other_price_cny_per_mwh=[300.0])
    assert on[:, DEAR].all()
    no_reserve = window(load, units, 0.0, 1.0, other_mw=np.full((4, 1), 500.0),
                               other_price_cny_per_mwh=[300.0])
    assert not no_reserve[:, DEAR].any()


def test_imports_cheaper_than_a_unit_displace_it_and_cover_the_forecast_margin():
    units = two_units()
    load = np.full(4, 130.0)  # above the cheap unit; imports at 300 CNY/MWh are cheaper than the dear unit
    on = window(load, units, 0.0, 1.0, margin_mw=40.0, other_mw=np.full((4, 1), 100.0),
                       other_price_cny_per_mwh=[300.0])
    assert not on[:, DEAR].any()  # imports serve 30 MW and keep 70 MW spare for the 40 MW margin
    tight = window(load, units, 0.0, 1.0, margin_mw=40.0, other_mw=np.full((4, 1), 50.0),
                          other_price_cny_per_mwh=[300.0])
    assert tight[:, DEAR].all()  # 20 MW spare imports: the unit covers the rest of the margin


def test_state_from_the_previous_day_binds_minimum_up_and_down():
    units = two_units(min_up_steps=6, min_down_steps=5)
    load = np.full(8, 80.0)
    # started 2 steps before the window: stays on for 4 more steps though not needed
    on = window(load, units, 0.0, 1.0, initial_on=[True, True], initial_steps=[99, 2])
    assert np.flatnonzero(on[:, DEAR]).tolist() == [0, 1, 2, 3]
    # shut down 3 steps before the window: locked off for 2 more steps; a third unit serves the load meanwhile
    three = CommitmentUnits.of([100.0, 50.0, 50.0], 0.4, [200.0, 500.0, 600.0], 0.0, 0, [0, 5, 0])
    need = np.full(6, 120.0)
    on3 = commit_window(need, 0.0, [100.0, 50.0, 50.0], three, 1.0, initial_on=[True, False, False],
                        initial_steps=[99, 3, 99])
    assert on3[:, 1].tolist() == [False, False, True, True, True, True]
    assert on3[:2, 2].all()


def test_must_run_units_are_always_on_and_unavailable_units_never():
    units = CommitmentUnits.of([100.0, 50.0], 0.4, [200.0, 500.0], must_run=[False, True])
    on = commit_window(np.full(3, 10.0), 0.0, [100.0, 50.0], units, 1.0)
    assert on[:, 1].all()
    off = commit_window(np.full(3, 1000.0), 0.0, [0.0, 50.0], units, 1.0)
    assert not off[:, 0].any()


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(1.0, 500.0), st.floats(0.0, 0.9), st.floats(0.0, 900.0),
                          st.floats(0.0, 1e5), st.integers(0, 10), st.integers(0, 10)), min_size=1, max_size=8),
       st.lists(st.floats(-50.0, 2000.0), min_size=24, max_size=24), st.floats(0.0, 200.0))
def test_no_unserved_load_when_the_capacity_suffices(specs, load, import_mw):
    cap, mn, price, start, up, down = (np.array(x) for x in zip(*specs, strict=True))
    units = CommitmentUnits.of(cap, mn, price, start, up, down)
    load = np.array(load)
    on = commit_window(load, 0.0, cap, units, 1.0, other_mw=np.full((24, 1), import_mw),
                       other_price_cny_per_mwh=[450.0])
    committed = (on * cap).sum(axis=1) + import_mw
    assert np.all(committed >= np.minimum(load, cap.sum() + import_mw) - 1e-9)
    # repairs only add on-steps: the up and down times hold for every spell inside the window
    for u in range(cap.size):
        col = on[:, u].astype(int)
        edges = np.flatnonzero(np.diff(np.r_[1, col, 0]))  # initial state on, off after the window
        spells = np.diff(edges)
        kinds = col[edges[:-1]] if edges.size > 1 else []
        for k, (length, kind) in enumerate(zip(spells, kinds, strict=False)):
            inner = 0 < edges[k] and edges[k + 1] < 24
            if kind == 0 and inner:
                assert length >= down[u]


def test_a_horizon_is_committed_day_by_day_with_state_carried_over():
    units = two_units(min_up_steps=6)
    spd = 4
    fc = np.array([[80.0, 80.0, 80.0, 120.0], [80.0, 80.0, 80.0, 80.0]])  # dear unit needed at the last step
    on = commit_horizon(fc, np.zeros_like(fc), np.array([[100.0, 50.0]] * 2), units, spd, 8, 1.0,
                        initial_on=[True, False])
    assert np.flatnonzero(on[:, DEAR]).tolist() == [3, 4, 5, 6, 7]  # min up 6 from step 3, cut at 8 steps


def test_forecasts_use_only_days_before_the_one_they_serve():
    rng = np.random.default_rng(3)
    series = rng.random(24 * 5)
    later = series.copy()
    later[24 * 3:] += 100.0  # change day 3 on
    fc, fc_later = persistence_forecast(series, 24), persistence_forecast(later, 24)
    assert np.array_equal(fc[:4], fc_later[:4]) and not np.array_equal(fc[4], fc_later[4])
    assert np.isinf(fc[0]).all() and np.array_equal(fc[2, :24], series[24:48])
    m, m_later = forecast_error_margin(series, 24), forecast_error_margin(later, 24)
    assert np.array_equal(m[:4], m_later[:4])


def test_forecast_error_margin_is_the_quantile_of_last_weeks_under_forecasts():
    # day profiles 0, 5, 2, 9 MW: under-forecasts 5 (day 1), 0 (day 2), 7 (day 3)
    s = np.repeat([0.0, 5.0, 2.0, 9.0], 24)
    assert forecast_error_margin(s, 24, history_days=2, quantile=1.0).tolist() == [0.0, 0.0, 5.0, 5.0]
    assert forecast_error_margin(s, 24, history_days=1, quantile=1.0).tolist() == [0.0, 0.0, 5.0, 0.0]


# ------------------------------------------------------------------------------------------- in the model


def _tiny_with_peaker(**peaker):
    doc = copy.deepcopy(tiny_doc())
    doc["actors"].append({"type": "power_plant", "id": "peaker", "name": "Gas peaker", "lat": 40.8, "lon": 111.8,
                          "fuel": "gas", "capacity_mw": 50.0, "marginal_cost_cny_per_mwh": 900.0,
                          "min_load_pu": 0.4, "co2_t_per_mwh": 0.37, **peaker})
    for a in doc["actors"]:
        if a["id"] == "coal_1":
            a["forced_outage_rate_pu"] = 0.0
    return doc


def test_an_uneconomic_plant_is_off_for_a_day_in_the_model():
    """Before unit commitment the peaker ran at its 20 MW minimum load in every hour."""
    model = RegionModel(validate_scenario(_tiny_with_peaker()))
    model.run()
    k = model.plants.ids.index("peaker")
    day2 = slice(24, 48)
    assert np.all(model.plants.power[day2, k] == 0.0)
    assert np.all(model.plants.online[day2, k] == 0.0)
    assert model.kpis()["region"]["unserved_mwh"] == pytest.approx(0.0, abs=1e-6)


def test_start_up_costs_enter_the_plant_cost_and_the_system_cost():
    doc = _tiny_with_peaker(start_up_cost_cny_per_mw=800.0)
    doc["markets"]["imports"]["capacity_mw"] = 0.0
    for a in doc["actors"]:
        if a["id"] == "coal_1":
            a["capacity_mw"] = 90.0  # the peaker is needed around the daily peaks only, so it starts on day 2
    model = RegionModel(validate_scenario(doc))
    model.run()
    p = model.plants
    k = p.ids.index("peaker")
    starts = int(p.starts[:, k].sum())
    assert starts >= 1 and not p.online[24:, k].all()
    dt = model.dt_h
    fuel_and_carbon = p.power * p.mc * dt + p.power * p.co2 * dt * p.carbon_price
    assert p.cost_cny.sum() - fuel_and_carbon.sum() == pytest.approx(starts * 800.0 * 50.0)
    # the same schedule without start-up costs: the system cost differs by exactly the start-up costs
    free = copy.deepcopy(doc)
    free["actors"][-1]["start_up_cost_cny_per_mw"] = 0.0
    without = RegionModel(validate_scenario(free))
    without.plants.commit(p.online.astype(bool))
    without.run()
    assert np.array_equal(without.plants.power, p.power)
    diff = model.r["system_cost_cny"].sum() - without.r["system_cost_cny"].sum()
    assert diff == pytest.approx(starts * 800.0 * 50.0)


def test_a_region_without_units_commits_nothing():
    none = CommitmentUnits.of(np.zeros(0), 0.0, 0.0)
    assert commit_window(np.full(3, 10.0), 0.0, np.zeros(0), none, 1.0).shape == (3, 0)
    assert commit_horizon(np.ones((2, 4)), np.zeros((2, 4)), np.zeros((2, 0)), none, 2, 4, 1.0).shape == (4, 0)


def test_the_model_commits_each_day_without_seeing_that_day():
    doc = _tiny_with_peaker()
    doc["horizon"]["steps"] = 96
    model = RegionModel(validate_scenario(doc))
    before = model.plants.online.copy()
    model.gross_load_mw[48:] += 60.0  # the realised load of day 2 on changes …
    model._commit_plants()
    after = model.plants.online
    assert np.array_equal(after[:72], before[:72])  # … so the commitment may change from day 3, not before
    assert not np.array_equal(after[72:], before[72:])


def test_a_seasonal_must_run_unit_is_on_in_its_season_only():
    season = np.zeros((8, 2), dtype=bool)
    season[2:5, DEAR] = True  # e.g. a heat-led CHP unit in the heating season
    on = window(np.full(8, 60.0), two_units(min_down_steps=6), must_run_steps=season)
    assert np.flatnonzero(on[:, DEAR]).tolist() == [2, 3, 4]
    # in the model (from 15 January; every unit is on the first day): an uneconomic peaker that is must-run
    # from 17 January is off on the 16th and on from the 17th
    doc = _tiny_with_peaker(must_run_season_md=["01-17", "01-31"])
    doc["horizon"]["steps"] = 72
    model = RegionModel(validate_scenario(doc))
    k = model.plants.ids.index("peaker")
    assert not model.plants.online[24:48, k].any() and model.plants.online[48:, k].all()


def test_the_minimum_load_of_units_that_must_run_counts_first_and_the_rest_competes_on_price():
    # the dear unit is must-run (20 MW minimum); the cheap unit, off before the window, is committed only for
    # load above those 20 MW, where it is cheaper than the dear unit's capacity above its minimum
    units = CommitmentUnits.of([100.0, 50.0], 0.4, [200.0, 500.0], must_run=[False, True])
    low = commit_window(np.full(3, 15.0), 0.0, [100.0, 50.0], units, 1.0, initial_on=[False, True])
    assert not low[:, CHEAP].any() and low[:, DEAR].all()
    mid = commit_window(np.full(3, 40.0), 0.0, [100.0, 50.0], units, 1.0, initial_on=[False, True])
    assert mid[:, CHEAP].all() and mid[:, DEAR].all()


def test_imports_with_an_hourly_price_profile_displace_a_unit_only_where_they_are_cheaper():
    # 130 MW: the cheap unit's 100 MW and 30 MW from either the dear unit (500) or imports (100 or 900 CNY/MWh)
    price = np.array([[100.0], [900.0], [900.0], [100.0]])
    on = window(np.full(4, 130.0), two_units(), other_mw=np.full((4, 1), 200.0), other_price_cny_per_mwh=price)
    assert on[:, DEAR].tolist() == [False, True, True, False]


def test_calendar_windows_cut_a_published_schedule_into_day_windows():
    s = np.arange(10.0)
    w = calendar_windows(s, 4, 6)  # 3 days (the last partial), windows of 6 steps
    assert w.tolist() == [[0, 1, 2, 3, 4, 5], [4, 5, 6, 7, 8, 9], [8, 9, 9, 9, 9, 9]]
