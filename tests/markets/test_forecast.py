"""Wholesale price forecast (agents.markets.forecast) on hand-worked supply stacks."""

import numpy as np

from agents.markets.clearing import merit_order
from agents.markets.forecast import merit_order_price_forecast

# wind 100 MW @ 0, coal 300 MW @ 290, gas 200 MW @ 560, imports 100 MW @ 450
PRICE = np.array([0.0, 290.0, 560.0, 450.0])
CAP = np.array([100.0, 300.0, 200.0, 100.0])


def test_forecast_is_the_price_of_the_marginal_offer():
    demand = np.array([50.0, 350.0, 450.0, 650.0, 800.0, 0.0])
    price = merit_order_price_forecast(demand, CAP, PRICE, price_floor_cny_per_mwh=-100.0,
                                       price_cap_cny_per_mwh=1500.0)
    assert price.tolist() == [0.0, 290.0, 450.0, 560.0, 1500.0, 0.0]


def test_forecast_follows_hourly_renewable_availability():
    cap = np.array([[100.0, 300.0, 200.0, 100.0], [400.0, 300.0, 200.0, 100.0]])  # a windy hour
    price = merit_order_price_forecast(np.array([350.0, 350.0]), cap, PRICE, price_floor_cny_per_mwh=0.0,
                                       price_cap_cny_per_mwh=1500.0)
    assert price.tolist() == [290.0, 0.0]


def test_forecast_with_exports_matches_the_clearing_rule():
    kw = {"price_floor_cny_per_mwh": 0.0, "price_cap_cny_per_mwh": 1500.0, "export_capacity_mw": 80.0,
          "export_price_cny_per_mwh": 300.0}
    for demand in (50.0, 350.0, 380.0, 600.0):
        forecast = merit_order_price_forecast(np.array([demand]), CAP, PRICE, **kw)[0]
        _, _, _, marginal = merit_order(demand, CAP, PRICE, 80.0, 300.0)
        assert forecast == min(max(marginal, 0.0), 1500.0), demand
