"""The heat utility's day plan (agents.strategies.heat_dispatch) on hand-worked cases: merit order with DC heat,
marginal tier, the tank against the marginal heat cost, heat balance, no future reading."""

import numpy as np
import pytest

from agents.strategies.heat_dispatch import (
    UNSERVED_HEAT_CNY_PER_MWH,
    HeatDispatchStrategySpec,
    marginal_heat_tier,
    plan_heat_day,
    tank_scheduler,
    unit_heat_cost_cny_per_mwh,
)
from agents.strategies.storage_schedule import HeatTankSpec

TOL = 1e-9


def _balance_residual(plan, need):
    supplied = plan.dispatch_mw.sum(axis=1, keepdims=True) + plan.discharge_mw + plan.unserved_mw
    return need + plan.charge_mw - supplied


def test_unit_cost_adds_fuel_carbon_and_electricity_and_credits_chp_power():
    # gas boiler: 1/0.9 × (300 + 0.2 × 60); heat pump COP 3 at 600 CNY/MWh + 100 CNY/t × 0.5 t/MWh; CHP σ 0.6
    cost = unit_heat_cost_cny_per_mwh(
        fuel_per_heat=np.array([1 / 0.9, 0.0, 1 / 0.5]), fuel_cost_cny_per_mwh=np.array([312.0, 0.0, 250.0]),
        el_per_heat=np.array([[0.0, 1 / 3, 0.0]]), chp_el_per_heat=np.array([0.0, 0.0, 0.6]),
        buy_price_cny_per_mwh=np.array([600.0]), sell_price_cny_per_mwh=np.array([400.0]),
        electricity_co2_cost_cny_per_mwh=np.array([50.0]))
    np.testing.assert_allclose(cost, [[312.0 / 0.9, 650.0 / 3, 500.0 - 240.0]])


def test_dc_heat_is_bought_only_in_hours_where_it_is_cheaper_than_the_alternative():
    # one utility: DC heat 10 MW at an indexed price (90 / 400 / 90), gas boiler 50 MW at 340
    need = np.array([[30.0], [30.0], [5.0]])
    cap = np.array([[10.0, 50.0]] * 3)
    cost = np.array([[90.0, 340.0], [400.0, 340.0], [90.0, 340.0]])
    plan = plan_heat_day(need, cap, cost, np.array([0, 0]), [None], np.zeros(1))
    np.testing.assert_allclose(plan.dispatch_mw, [[10.0, 20.0], [0.0, 30.0], [5.0, 0.0]])
    np.testing.assert_allclose(plan.marginal_cost_cny_per_mwh[:, 0], [340.0, 340.0, 90.0])
    assert np.all(np.abs(_balance_residual(plan, need)) < TOL)


def test_marginal_tier_reports_cost_output_and_spare_of_the_dearest_source_in_use():
    need = np.array([[30.0], [0.0], [100.0]])
    cap = np.array([[10.0, 50.0]] * 3)
    cost = np.array([[90.0, 340.0]] * 3)
    from agents.markets.heat import heat_merit_order

    dispatch, unserved = heat_merit_order(need, cap, cost, np.array([0, 0]))
    lam, out, spare = marginal_heat_tier(need, cap, cost, np.array([0, 0]), dispatch, unserved)
    np.testing.assert_allclose(lam[:, 0], [340.0, 90.0, UNSERVED_HEAT_CNY_PER_MWH])
    np.testing.assert_allclose(out[:, 0], [20.0, 0.0, 40.0])
    np.testing.assert_allclose(spare[:, 0], [30.0, 10.0, 0.0])


def _tank(capacity=40.0, power=10.0, loss=0.0, soc0=0.0, **band):
    return tank_scheduler(HeatTankSpec(capacity_mwh_th=capacity, charge_capacity_mw_th=power,
                                       discharge_capacity_mw_th=power, standing_loss_pu_per_h=loss,
                                       soc_initial_pu=soc0), HeatDispatchStrategySpec(**band), 1.0)


def test_tank_stores_cheap_dc_heat_and_displaces_the_boiler_at_dear_hours():
    # hours 0-3: need 4 MW, DC heat 10 MW at 90 (6 MW spare, marginal 90); hours 4-7: need 20 MW, boiler at 340
    need = np.array([[4.0]] * 4 + [[20.0]] * 4)
    cap = np.array([[10.0, 50.0]] * 8)
    cost = np.array([[90.0, 340.0]] * 8)
    tank = _tank(capacity=40.0, power=10.0, soc0=0.1)  # 4 MWh stored; no end target: it may use them
    plan = plan_heat_day(need, cap, cost, np.array([0, 0]), [tank], np.array([4.0]))
    np.testing.assert_allclose(plan.charge_mw[:4, 0], 6.0)  # the DC heat's spare capacity, all of it
    assert plan.discharge_mw[4:, 0].sum() == pytest.approx(28.0)  # 4 + 24 stored, back at the boiler hours
    assert plan.soc_mwh[-1, 0] == pytest.approx(0.0, abs=1e-9)
    base = plan_heat_day(need, cap, cost, np.array([0, 0]), [None], np.zeros(1))
    cost_with = float((plan.dispatch_mw * cost).sum())
    cost_without = float((base.dispatch_mw * cost).sum())
    assert cost_without - cost_with == pytest.approx(24.0 * (340.0 - 90.0) + 4.0 * 340.0)  # 7,360 CNY saved
    assert plan.dispatch_mw[:, 1].sum() == pytest.approx(base.dispatch_mw[:, 1].sum() - 28.0)  # boiler: 40 → 12 MWh
    held = _tank(capacity=40.0, power=10.0, soc0=0.1, soc_end_target_pu=0.1)  # an end target keeps 4 MWh
    kept = plan_heat_day(need, cap, cost, np.array([0, 0]), [held], np.array([4.0]))
    assert kept.soc_mwh[-1, 0] == pytest.approx(4.0) and kept.discharge_mw.sum() == pytest.approx(24.0)
    assert np.all(np.abs(_balance_residual(plan, need)) < TOL)


def test_tank_with_standing_loss_stays_in_its_band_and_within_its_power():
    rng = np.random.default_rng(3)
    need = rng.uniform(0.0, 40.0, (24, 1))
    cap = np.column_stack([rng.uniform(0, 15, 24), np.full(24, 30.0), np.full(24, 30.0)])
    cost = np.column_stack([np.full(24, 90.0), rng.uniform(150, 700, 24), np.full(24, 340.0)])
    tank = _tank(capacity=50.0, power=8.0, loss=0.01, soc0=0.4, soc_min_pu=0.1, soc_max_pu=0.9)
    plan = plan_heat_day(need, cap, cost, np.array([0, 0, 0]), [tank], np.array([20.0]))
    assert np.all(plan.soc_mwh >= 5.0 - 1e-6) and np.all(plan.soc_mwh <= 45.0 + 1e-6)
    assert np.all(plan.charge_mw <= 8.0 + 1e-9) and np.all(plan.discharge_mw <= 8.0 + 1e-9)
    stored = 20.0 + plan.charge_mw.sum() - plan.discharge_mw.sum() - plan.loss_mwh.sum()
    assert plan.soc_mwh[-1, 0] == pytest.approx(stored)
    assert np.all(np.abs(_balance_residual(plan, need)) < 1e-6)
    base = plan_heat_day(need, cap, cost, np.array([0, 0, 0]), [None], np.zeros(1))
    assert (plan.dispatch_mw * cost).sum() <= (base.dispatch_mw * cost).sum() + 1e-6  # never dearer


def test_no_future_reading_costs_after_the_day_do_not_change_its_plan():
    need = np.array([[4.0]] * 4 + [[20.0]] * 4)
    cap = np.array([[10.0, 50.0]] * 8)
    cost = np.array([[90.0, 340.0]] * 8)
    tank = _tank(soc0=0.5)
    day = plan_heat_day(need[:4], cap[:4], cost[:4], np.array([0, 0]), [tank], np.array([20.0]))
    changed = cost.copy()
    changed[4:] = [[5.0, 5000.0]]  # tomorrow: a very different forecast
    again = plan_heat_day(need[:4], cap[:4], changed[:4], np.array([0, 0]), [tank], np.array([20.0]))
    for name in ("dispatch_mw", "charge_mw", "discharge_mw", "soc_mwh"):
        np.testing.assert_array_equal(getattr(day, name), getattr(again, name))


def test_a_day_the_raw_highs_call_cannot_finish_is_solved_by_the_fallback():
    # an Espoo January day (2,000 MWh / 200 MW tank, start-level target, 0.5 %/h): storage_schedule's HiGHS call
    # (dual simplex, no presolve) ended with status "Unknown" at df9a871; scipy's linprog solves the same LP
    from agents.strategies.heat_dispatch import _tank_plan
    from agents.strategies.storage_schedule import ThermalStorageStrategySpec, heat_tank_scheduler

    lam = np.array([408.0587] * 7 + [406.4509] + [408.0587] * 8 + [402.0283, 393.3937, 402.0283] + [408.0587] * 5)
    out = np.array([171.3, 160.0, 177.6, 200.3, 208.4, 274.5, 325.7, 305.6, 306.6, 243.0, 227.8, 231.6, 209.7, 197.6,
                    187.6, 184.7, 182.8, 213.1, 230.7, 232.0, 252.2, 256.3, 234.7, 224.1])[:, None]
    spare = 400.0 - out
    tank = heat_tank_scheduler(HeatTankSpec(capacity_mwh_th=2000.0, charge_capacity_mw_th=200.0,
                                            discharge_capacity_mw_th=200.0), ThermalStorageStrategySpec(), 1.0)
    plan = _tank_plan(tank, lam[:, None], np.array([1000.0]), out, spare)
    assert plan.soc_mwh[-1, 0] >= 1000.0 - 1e-6  # the start-level end target holds
    assert np.all(plan.charge_mw <= np.minimum(spare, 200.0) + 1e-9) and np.all(plan.discharge_mw <= out + 1e-9)
    assert plan.revenue_cny[0] >= -(1000.0 * (1 - 0.995 ** 24)) * 408.0587 - 1e-6  # no worse than holding idle
