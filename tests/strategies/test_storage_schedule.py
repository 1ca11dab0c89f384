"""Storage that bids its own schedule: hand-worked LP cases, limits, chaining, reserve, no future reading."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy.optimize import linprog

from agents.strategies.storage_schedule import (
    _TIE_BREAK_CNY_PER_MWH,
    HeatTankSpec,
    StorageScheduler,
    StorageStrategySpec,
    ThermalStorageStrategySpec,
    clip_power_mw,
    heat_tank_scheduler,
    schedule_heat_tank,
    schedule_horizon,
    schedule_storage_window,
)

TWO_PRICE = np.array([100.0] * 12 + [500.0] * 12)


def _battery(spec, e=4.0, p=1.0, eta_c=0.9, eta_d=0.9, dt_h=1.0):
    return StorageScheduler.for_batteries(spec, dt_h, [e], [p], eta_c, eta_d)


def test_two_price_day_charges_low_discharges_high_by_hand():
    # 4 MWh / 1 MW, eta 0.9 each way, empty at the start and (end target = start) at the end.
    # Fill: 4 / 0.9 MWh bought at 100; empty: 4 * 0.9 MWh sold at 500.
    spec = StorageStrategySpec(kind="arbitrage")
    out = schedule_storage_window(spec, _battery(spec), TWO_PRICE, [0.0])
    assert np.all(out.power_mw[:12] >= -1e-9) and np.all(out.power_mw[12:] <= 1e-9)
    assert out.charge_mw.sum() == pytest.approx(4.0 / 0.9)
    assert out.discharge_mw.sum() == pytest.approx(4.0 * 0.9)
    expected = 500.0 * 4.0 * 0.9 - 100.0 * 4.0 / 0.9  # = 1355.6 CNY
    assert out.revenue_cny[0] == pytest.approx(expected)
    assert out.soc_mwh[11, 0] == pytest.approx(4.0) and out.soc_mwh[-1, 0] == pytest.approx(0.0, abs=1e-9)


def test_lossless_two_price_revenue_is_price_spread_times_energy():
    spec = StorageStrategySpec(kind="arbitrage", degradation_cost_cny_per_mwh=1.0)
    out = schedule_storage_window(spec, _battery(spec, eta_c=1.0, eta_d=1.0), TWO_PRICE, [0.0])
    assert out.revenue_cny[0] == pytest.approx((500.0 - 100.0) * 4.0)
    assert out.degradation_cost_cny[0] == pytest.approx(1.0 * 8.0)


def test_half_hour_steps_energy_is_power_times_dt():
    spec = StorageStrategySpec(kind="arbitrage")
    price = np.repeat(TWO_PRICE, 2)
    out = schedule_storage_window(spec, _battery(spec, dt_h=0.5), price, [0.0])
    assert out.charge_mw.sum() * 0.5 == pytest.approx(4.0 / 0.9)
    assert out.revenue_cny[0] == pytest.approx(500.0 * 3.6 - 100.0 * 4.0 / 0.9)


def test_matches_scipy_linprog_on_the_same_problem():
    rng = np.random.default_rng(3)
    spec = StorageStrategySpec(kind="peak_shaving", soc_min_pu=0.1, soc_max_pu=0.9, cycle_limit_per_window=1.0,
                               degradation_cost_cny_per_mwh=15.0, peak_weight_cny_per_mw=200.0, reserve_mw=1.0)
    sch = StorageScheduler.for_batteries(spec, 1.0, [20.0, 8.0, 50.0], [5.0, 4.0, 10.0], 0.93, 0.96)
    price = rng.uniform(-50, 900, (24, 3))
    net = rng.uniform(20, 60, (24, 3))
    soc0 = np.array([10.0, 4.0, 25.0])
    out = schedule_storage_window(spec, sch, price, soc0, net)
    cost, a, row_lo, row_hi, col_lo, col_hi = sch.lp(price, soc0, net)
    eq = row_lo == row_hi
    a = a.tocsr()
    ub_rows = ~eq
    a_ub = np.vstack([a[ub_rows][np.isfinite(row_hi[ub_rows])].toarray(),
                      -a[ub_rows][np.isfinite(row_lo[ub_rows])].toarray()])
    b_ub = np.concatenate([row_hi[ub_rows][np.isfinite(row_hi[ub_rows])],
                           -row_lo[ub_rows][np.isfinite(row_lo[ub_rows])]])
    ref = linprog(cost, A_ub=a_ub, b_ub=b_ub, A_eq=a[eq].toarray(), b_eq=row_lo[eq],
                  bounds=list(zip(col_lo, col_hi, strict=True)), method="highs")
    assert ref.status == 0
    ours = (-out.revenue_cny + out.degradation_cost_cny + 200.0 * out.peak_mw).sum()
    ours += _TIE_BREAK_CNY_PER_MWH * (out.charge_mw + out.discharge_mw).sum()
    assert ours == pytest.approx(ref.fun, rel=1e-7, abs=1e-4)


@settings(max_examples=60, deadline=None)
@given(
    prices=st.lists(st.floats(-200, 2000, allow_nan=False), min_size=24, max_size=24),
    e_mwh=st.floats(0.5, 500), c_rate=st.floats(0.1, 2.0), eta_c=st.floats(0.7, 1.0), eta_d=st.floats(0.7, 1.0),
    band=st.tuples(st.floats(0, 0.4), st.floats(0.6, 1.0)), start_pu=st.floats(0, 1), deg=st.floats(0, 50),
    reserve_share=st.floats(0, 0.3),
)
def test_arbitrage_earns_at_least_zero_and_stays_within_limits(prices, e_mwh, c_rate, eta_c, eta_d, band, start_pu,
                                                               deg, reserve_share):
    p_mw = e_mwh * c_rate
    lo, hi = band
    reserve = reserve_share * p_mw
    # the reserve's energy headroom (1 h) must fit in the band for the spec to be valid here
    if lo * e_mwh + reserve / eta_d > hi * e_mwh - reserve * eta_c:
        reserve = 0.0
    spec = StorageStrategySpec(kind="arbitrage", soc_min_pu=lo, soc_max_pu=hi, degradation_cost_cny_per_mwh=deg,
                               reserve_mw=reserve)
    sch = StorageScheduler.for_batteries(spec, 1.0, [e_mwh], [p_mw], eta_c, eta_d)
    s_lo, s_hi = sch.s_lo[0], sch.s_hi[0]
    soc0 = s_lo + start_pu * (s_hi - s_lo)
    out = schedule_storage_window(spec, sch, np.array(prices), [soc0])
    tol = 1e-6 * max(e_mwh, 1.0)
    # doing nothing is feasible (start in band, end target = start), so the optimum is at least as good
    assert out.revenue_cny[0] - out.degradation_cost_cny[0] >= -1e-6 * max(1.0, np.abs(prices).max() * e_mwh)
    assert np.all(out.soc_mwh >= s_lo - tol) and np.all(out.soc_mwh <= s_hi + tol)
    assert out.soc_mwh[-1, 0] >= soc0 - tol
    assert np.all(np.abs(out.power_mw) <= p_mw - reserve + tol)
    assert np.all(out.charge_mw / (p_mw - reserve + 1e-300) + out.discharge_mw / (p_mw - reserve + 1e-300)
                  <= 1.0 + 1e-6)
    # conservation: stored energy change = eta_c * charged - discharged / eta_d
    assert out.soc_mwh[-1, 0] - soc0 == pytest.approx(eta_c * out.charge_mw.sum() - out.discharge_mw.sum() / eta_d,
                                                      abs=tol)


def test_soc_and_power_limits_bind_when_prices_push():
    spec = StorageStrategySpec(kind="arbitrage", soc_min_pu=0.2, soc_max_pu=0.8, soc_end_target_pu=0.2)
    sch = _battery(spec, e=10.0, p=2.0, eta_c=1.0, eta_d=1.0)
    out = schedule_storage_window(spec, sch, TWO_PRICE, [5.0])
    assert out.soc_mwh.max() == pytest.approx(8.0) and out.soc_mwh[-1, 0] == pytest.approx(2.0)
    assert np.abs(out.power_mw).max() == pytest.approx(2.0)
    assert out.revenue_cny[0] == pytest.approx(500.0 * 6.0 - 100.0 * 3.0)  # 5→8→2: buys 3, sells 6


def test_end_of_day_target_chains_days():
    spec = StorageStrategySpec(kind="arbitrage", soc_end_target_pu=0.5)
    sch = _battery(spec, e=4.0, p=1.0)
    price = np.tile(np.array([500.0] * 6 + [100.0] * 12 + [500.0] * 6), 3)
    out = schedule_horizon(spec, sch, price, [1.0], 24)
    ends = out.soc_mwh[23::24, 0]
    assert np.allclose(ends, 2.0, atol=1e-9)
    # day 2 starts from day 1's end: its first step moves the SOC from 2.0
    day2 = schedule_storage_window(spec, sch, price[24:48], [2.0])
    np.testing.assert_allclose(out.power_mw[24:48], day2.power_mw, atol=1e-12)


def test_unreachable_end_target_lowers_to_what_the_window_can_reach():
    spec = StorageStrategySpec(kind="arbitrage", soc_end_target_pu=1.0)
    sch = _battery(spec, e=100.0, p=1.0, eta_c=1.0, eta_d=1.0)
    out = schedule_storage_window(spec, sch, TWO_PRICE, [0.0])
    assert out.soc_mwh[-1, 0] == pytest.approx(24.0)  # charges at 1 MW for all 24 h


def test_start_outside_band_stays_feasible_and_returns_into_it():
    spec = StorageStrategySpec(kind="arbitrage", soc_min_pu=0.3, soc_max_pu=0.7)
    sch = _battery(spec, e=10.0, p=1.0, eta_c=1.0, eta_d=1.0)
    out = schedule_storage_window(spec, sch, np.full(24, 300.0), [0.0])
    assert out.soc_mwh[-1, 0] >= 3.0 - 1e-9 and np.all(out.soc_mwh[3:] >= 3.0 - 1e-9)


def test_reserve_headroom_is_kept_in_both_directions():
    base = dict(kind="arbitrage", soc_min_pu=0.1, soc_max_pu=0.9)
    plain = StorageStrategySpec(**base)
    out0 = schedule_storage_window(plain, _battery(plain, e=10.0, p=4.0), TWO_PRICE, [5.0])
    assert np.abs(out0.power_mw).max() == pytest.approx(4.0)  # without reserve the plan uses full power
    assert out0.soc_mwh.max() == pytest.approx(9.0)
    spec = StorageStrategySpec(**base, reserve_mw=1.5, reserve_duration_h=1.0, reserve_price_cny_per_mw_h=20.0)
    out = schedule_storage_window(spec, _battery(spec, e=10.0, p=4.0), TWO_PRICE, [5.0])
    assert np.abs(out.power_mw).max() == pytest.approx(2.5)
    # energy headroom: 1.5 MW for 1 h up and down at every step
    assert out.soc_mwh.min() >= 1.0 + 1.5 / 0.9 - 1e-9
    assert out.soc_mwh.max() <= 9.0 - 1.5 * 0.9 + 1e-9
    assert np.all(out.reserve_mw == 1.5) and out.reserve_offer_cny[0] == pytest.approx(1.5 * 20.0 * 24)
    with pytest.raises(ValueError, match="reserve_mw"):
        StorageScheduler.for_batteries(StorageStrategySpec(reserve_mw=5.0), 1.0, [10.0], [4.0])


def test_no_future_reading_prices_after_the_window_do_not_change_it():
    rng = np.random.default_rng(7)
    spec = StorageStrategySpec(kind="arbitrage", soc_min_pu=0.1, soc_max_pu=0.9, degradation_cost_cny_per_mwh=5.0)
    sch = StorageScheduler.for_batteries(spec, 1.0, [4.0, 30.0], [1.0, 10.0])
    price = rng.uniform(100, 900, 24 * 5)
    a = schedule_horizon(spec, sch, price, [2.0, 15.0], 24)
    changed = price.copy()
    changed[72:] = rng.uniform(-100, 3000, 48)  # a different future from day 4 on
    b = schedule_horizon(spec, StorageScheduler.for_batteries(spec, 1.0, [4.0, 30.0], [1.0, 10.0]), changed,
                         [2.0, 15.0], 24)
    np.testing.assert_array_equal(a.power_mw[:72], b.power_mw[:72])
    assert not np.array_equal(a.power_mw[72:], b.power_mw[72:])


def test_window_depends_only_on_its_inputs_not_on_earlier_solves():
    spec = StorageStrategySpec(kind="arbitrage", degradation_cost_cny_per_mwh=3.0)
    rng = np.random.default_rng(11)
    day_a, day_b = rng.uniform(0, 800, 24), rng.uniform(0, 800, 24)
    used, new = _battery(spec), _battery(spec)
    schedule_storage_window(spec, used, day_a, [1.0])
    after = schedule_storage_window(spec, used, day_b, [1.0])
    fresh = schedule_storage_window(spec, new, day_b, [1.0])
    np.testing.assert_array_equal(after.power_mw, fresh.power_mw)
    # solved cold: the kept model starts from the slack basis, not from day A's optimum
    iterations = [s._highs[0].getInfo().simplex_iteration_count for s in (used, new)]
    assert iterations[0] == iterations[1] > 0


def test_peak_shaving_lowers_the_forecast_peak_by_hand():
    net = np.full(24, 10.0)
    net[18:20] = 20.0  # two evening peak hours
    price = np.full(24, 300.0)
    spec = StorageStrategySpec(kind="peak_shaving", peak_weight_cny_per_mw=1000.0)
    sch = _battery(spec, e=10.0, p=5.0, eta_c=1.0, eta_d=1.0)
    out = schedule_storage_window(spec, sch, price, [10.0], net)
    assert out.peak_mw[0] == pytest.approx(15.0)  # 5 MW for the two peak hours
    assert (net + out.power_mw[:, 0]).max() == pytest.approx(15.0)
    arb = StorageStrategySpec(kind="arbitrage")
    assert (net + schedule_storage_window(arb, _battery(arb, e=10.0, p=5.0, eta_c=1.0, eta_d=1.0), price, [10.0])
            .power_mw[:, 0]).max() > 15.0 - 1e-9
    with pytest.raises(ValueError, match="net load"):
        schedule_storage_window(spec, sch, price, [10.0])


def test_cycle_limit_caps_discharged_energy():
    spec = StorageStrategySpec(kind="arbitrage", cycle_limit_per_window=0.5, degradation_cost_cny_per_mwh=1.0)
    sch = _battery(spec, e=4.0, p=2.0, eta_c=1.0, eta_d=1.0)
    price = np.tile([100.0, 100.0, 500.0, 500.0], 6)
    out = schedule_storage_window(spec, sch, price, [0.0])
    assert out.discharge_mw.sum() == pytest.approx(2.0)


def test_discharge_limit_keeps_on_site_batteries_behind_the_meter():
    spec = StorageStrategySpec(kind="arbitrage", degradation_cost_cny_per_mwh=1.0)  # no ties between cycles
    sch = _battery(spec, e=4.0, p=2.0, eta_c=1.0, eta_d=1.0)
    limit = np.full(24, 0.5)
    out = schedule_storage_window(spec, sch, TWO_PRICE, [0.0], discharge_limit_mw=limit)
    assert out.discharge_mw.max() <= 0.5 + 1e-9 and out.discharge_mw.sum() == pytest.approx(4.0)


def test_rule_kinds_follow_the_window_forecast_within_limits():
    tou = StorageStrategySpec(kind="tou_rule", soc_min_pu=0.1, soc_max_pu=0.9)
    out = schedule_storage_window(tou, _battery(tou, e=4.0, p=1.0), TWO_PRICE, [2.0])
    assert np.all(out.power_mw[:12] >= 0) and np.all(out.power_mw[12:] <= 0)
    assert out.soc_mwh.max() <= 3.6 + 1e-9 and out.soc_mwh.min() >= 0.4 - 1e-9
    assert np.all(schedule_storage_window(tou, _battery(tou), np.full(24, 300.0), [2.0]).power_mw == 0)
    rule = StorageStrategySpec(kind="net_load_rule")
    net = np.full(24, 10.0)
    net[18:20] = 20.0
    out = schedule_storage_window(rule, _battery(rule, e=10.0, p=5.0), np.full(24, 300.0), [5.0], net)
    assert out.power_mw[18, 0] < 0 and out.power_mw[10, 0] > 0  # 24-h centred mean 10.83 MW at step 10


def test_clip_power_to_current_soc_and_limits():
    # plan: discharge 2 MW, but only 0.5 MWh above the floor (0.1 × 10) is left
    p, s = clip_power_mw(np.array([-2.0]), np.array([1.5]), 1.0, 10.0, 3.0, 1.0, 1.0, soc_min_pu=0.1)
    assert p[0] == pytest.approx(-0.5) and s[0] == pytest.approx(1.0)
    # reserve: power limit 3 − 1 MW, floor 1 + 1 h × 1 MW
    p, s = clip_power_mw(np.array([-3.0, 3.0]), np.array([5.0, 5.0]), 1.0, 10.0, 3.0, 1.0, 1.0, 0.1, 0.9,
                         reserve_mw=1.0)
    np.testing.assert_allclose(p, [-2.0, 2.0])
    # a SOC above the band (after a reserve call) is not clipped down: no energy appears or vanishes
    p, s = clip_power_mw(np.array([1.0]), np.array([9.5]), 1.0, 10.0, 3.0, 1.0, 1.0, 0.1, 0.9)
    assert p[0] == 0.0 and s[0] == 9.5


def test_heat_tank_conservation_including_standing_losses():
    tank = HeatTankSpec(capacity_mwh_th=100.0, charge_capacity_mw_th=10.0, discharge_capacity_mw_th=20.0,
                        standing_loss_pu_per_h=0.01)
    spec = ThermalStorageStrategySpec(soc_end_target_pu=0.0)
    sch = heat_tank_scheduler(tank, spec, 1.0)
    # no demand to serve, no spare production: the tank only decays (by hand)
    idle = schedule_heat_tank(sch, np.full(24, 200.0), [50.0], np.zeros(24), np.zeros(24))
    assert idle.charge_mw.sum() == 0 and idle.discharge_mw.sum() == 0
    assert idle.soc_mwh[-1, 0] == pytest.approx(50.0 * 0.99 ** 24)
    assert idle.loss_mwh.sum() == pytest.approx(50.0 - 50.0 * 0.99 ** 24)
    cost = np.array([80.0] * 8 + [300.0] * 16)
    demand = np.full(24, 15.0)
    out = schedule_heat_tank(sch, cost, [20.0], heat_demand_mw_th=demand)
    assert out.revenue_cny[0] > 0 and np.all(out.discharge_mw <= 15.0 + 1e-9)
    assert np.all(out.charge_mw[8:] <= 1e-9)  # charges only on cheap heat
    stored = out.soc_mwh[-1, 0] - 20.0
    assert stored == pytest.approx(out.charge_mw.sum() - out.discharge_mw.sum() - out.loss_mwh.sum())
    s_prev = np.concatenate([[20.0], out.soc_mwh[:-1, 0]])
    np.testing.assert_allclose(out.loss_mwh[:, 0], 0.01 * s_prev)
    assert np.all(out.soc_mwh >= -1e-9) and np.all(out.soc_mwh <= 100.0 + 1e-9)


def test_heat_tank_half_hour_loss_compounds_per_hour():
    tank = HeatTankSpec(capacity_mwh_th=100.0, charge_capacity_mw_th=10.0, discharge_capacity_mw_th=10.0,
                        standing_loss_pu_per_h=0.02)
    sch = heat_tank_scheduler(tank, ThermalStorageStrategySpec(soc_end_target_pu=0.0), 0.5)
    out = schedule_heat_tank(sch, np.full(48, 100.0), [40.0], np.zeros(48), np.zeros(48))
    assert out.soc_mwh[-1, 0] == pytest.approx(40.0 * 0.98 ** 24)


def test_specs_validate_fields():
    with pytest.raises(ValidationError):
        StorageStrategySpec(soc_min_pu=0.8, soc_max_pu=0.2)
    with pytest.raises(ValidationError):
        StorageStrategySpec(soc_min_pu=0.2, soc_max_pu=0.8, soc_end_target_pu=0.9)
    with pytest.raises(ValidationError):
        StorageStrategySpec(kind="arbitrage", speed=3)
    with pytest.raises(ValidationError):
        HeatTankSpec(capacity_mwh_th=-1, charge_capacity_mw_th=1, discharge_capacity_mw_th=1)
    for model in (StorageStrategySpec, HeatTankSpec, ThermalStorageStrategySpec):
        assert all(f.description for f in model.model_fields.values()), model


def test_scheduler_copies_and_rebuilds_bit_identically():
    # checkpoints store only the SOC (.npz); on resume the fleet rebuilds the scheduler from the scenario
    import copy

    spec = StorageStrategySpec(kind="arbitrage", degradation_cost_cny_per_mwh=2.0)
    sch = _battery(spec)
    price = np.random.default_rng(5).uniform(0, 900, 24)
    before = schedule_storage_window(spec, sch, price, [1.0])
    for other in (copy.deepcopy(sch), _battery(spec)):
        np.testing.assert_array_equal(schedule_storage_window(spec, other, price, [1.0]).power_mw, before.power_mw)


@settings(max_examples=40, deadline=None)
@given(
    cost=st.lists(st.floats(0, 1000, allow_nan=False), min_size=24, max_size=24),
    demand=st.lists(st.floats(0, 50, allow_nan=False), min_size=24, max_size=24),
    loss=st.floats(0, 0.05), start_pu=st.floats(0, 1), cap=st.floats(1, 500),
)
def test_heat_tank_conserves_heat_and_stays_in_limits(cost, demand, loss, start_pu, cap):
    tank = HeatTankSpec(capacity_mwh_th=cap, charge_capacity_mw_th=cap / 4, discharge_capacity_mw_th=cap / 3,
                        standing_loss_pu_per_h=loss)
    sch = heat_tank_scheduler(tank, ThermalStorageStrategySpec(soc_min_pu=0.05, soc_max_pu=0.95), 1.0)
    s0 = cap * (0.05 + 0.9 * start_pu)
    out = schedule_heat_tank(sch, np.array(cost), [s0], heat_demand_mw_th=np.array(demand))
    tol = 1e-6 * cap
    assert out.soc_mwh[-1, 0] - s0 == pytest.approx(
        out.charge_mw.sum() - out.discharge_mw.sum() - out.loss_mwh.sum(), abs=tol)
    assert np.all(out.soc_mwh >= 0.05 * cap - tol) and np.all(out.soc_mwh <= 0.95 * cap + tol)
    assert np.all(out.discharge_mw[:, 0] <= np.array(demand) + 1e-9)
    assert np.all(out.charge_mw <= cap / 4 + 1e-9) and out.soc_mwh[-1, 0] >= s0 - tol


def test_shared_peak_shaves_the_groups_one_net_load_better_than_each_alone():
    net = np.full(24, 10.0)
    net[18], net[19:21] = 20.0, 16.0  # one region's forecast net load [MW]
    price = np.full(24, 300.0)
    kw = dict(kind="peak_shaving", peak_weight_cny_per_mw=1000.0)
    shared = StorageStrategySpec(**kw, peak_scope="shared")
    sch = StorageScheduler.for_batteries(shared, 1.0, [10.0, 10.0], [3.0, 2.0], 1.0, 1.0)
    out = schedule_storage_window(shared, sch, price, [10.0, 10.0], net)
    # by hand: 5 MW at hour 18 and 1 MW in hours 19-20 bring the region to 15 MW (7 MWh of 20 stored)
    assert (net + out.power_mw.sum(axis=1)).max() == pytest.approx(15.0)
    np.testing.assert_allclose(out.peak_mw, 15.0)
    own = StorageStrategySpec(**kw)  # each battery shaves its own view of the same series: 17 and 18 MW
    alone = schedule_storage_window(own, StorageScheduler.for_batteries(own, 1.0, [10.0, 10.0], [3.0, 2.0], 1.0,
                                                                        1.0), price, [10.0, 10.0], net)
    np.testing.assert_allclose(alone.peak_mw, [17.0, 18.0])
    assert (net + alone.power_mw.sum(axis=1)).max() == pytest.approx(16.0)
    with pytest.raises(ValueError, match="one net-load series"):
        schedule_storage_window(shared, sch, price, [10.0, 10.0], np.column_stack([net, net + 1]))
