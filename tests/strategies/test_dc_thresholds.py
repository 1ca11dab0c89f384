"""Threshold rules of the data-center workload strategies (a carbon-aware threshold, a price threshold): deferrable
work runs as soon as possible in the hours at or below the threshold and is deferred out of the others, within its
deadline — hand-worked cases against the optimising rule."""

import numpy as np
import pytest

from agents.strategies.workload_flex import DataCenterStrategySpec, plan_window

FLEX = {"deferrable_pu": 0.5, "deadline_h": 3.0, "capacity_headroom_pu": 1.0}
IT = np.full((4, 1), 10.0)  # 20 MW capacity, idle 0: 5 MW deferrable work arrives each step
PRICE = np.array([100.0, 300.0, 50.0, 400.0])


def _done(**strategy) -> np.ndarray:
    spec = DataCenterStrategySpec(flex=FLEX, **strategy)
    plan = plan_window(spec, IT, [20.0], [0.0], 1.0, price_cny_per_mwh=PRICE, carbon_avg_kgco2_per_kwh=PRICE / 500,
                       final=True)
    assert plan.it_mw.sum() == pytest.approx(IT.sum())  # IT energy conserved
    return plan.deferrable_done_mw[:, 0]


def test_price_threshold_runs_work_in_the_hours_below_it_as_soon_as_possible():
    # optimising: all work that may wait goes to the cheapest hour (step 2); the last step's own work stays there
    assert _done(kind="price_following") == pytest.approx([0.0, 0.0, 15.0, 5.0])
    # threshold 200 CNY/MWh: step 0 (100) runs its own work, step 1's (300) waits for step 2 (50), step 3's (400)
    # has nowhere to go before the horizon ends (final window) and runs on arrival
    assert _done(kind="price_following", price_threshold_cny_per_mwh=200.0) == pytest.approx([5.0, 0.0, 10.0, 5.0])
    # a threshold above every price: nothing to avoid, work runs on arrival
    assert _done(kind="price_following", price_threshold_cny_per_mwh=1000.0) == pytest.approx([5.0] * 4)


def test_carbon_threshold_applies_to_the_carbon_signal_and_only_to_carbon_aware():
    # intensities 0.2, 0.6, 0.1, 0.8 kg/kWh; threshold 0.4
    assert _done(kind="carbon_aware", carbon_threshold_kgco2_per_kwh=0.4) == pytest.approx([5.0, 0.0, 10.0, 5.0])
    assert _done(kind="carbon_aware", carbon_threshold_kgco2_per_kwh=0.05) == pytest.approx([5.0] * 4)
    # the price threshold is not the carbon strategy's parameter: it optimises on the intensity
    assert _done(kind="carbon_aware", price_threshold_cny_per_mwh=200.0) == pytest.approx(_done(kind="carbon_aware"))
