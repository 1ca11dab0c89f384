"""Heat merit order, contract settlement, outages and storage strategies on hand-worked cases."""

import numpy as np

from agents.markets.availability import forced_outage_availability
from agents.markets.contracts import heat_purchase_payment_cny
from agents.markets.flexibility import net_load_request_mw, tou_request_mw
from agents.markets.heat import heat_merit_order, must_take_split, price_with_must_take


def test_heat_merit_order_fills_each_utility_cheapest_first():
    # utility 0: DC contract 10 MW @ 90, coal boiler 50 @ 160, gas boiler 40 @ 350; utility 1: gas 30 @ 340
    cap = np.array([10.0, 50.0, 40.0, 30.0])
    cost = np.array([90.0, 160.0, 350.0, 340.0])
    owner = np.array([0, 0, 0, 1])
    dispatch, unserved = heat_merit_order(np.array([70.0, 45.0]), cap, cost, owner)
    assert dispatch.tolist() == [10.0, 50.0, 10.0, 30.0]
    assert unserved.tolist() == [0.0, 15.0]


def test_heat_merit_order_order_of_units_does_not_matter_and_ties_keep_contracts_first():
    cap = np.array([20.0, 10.0])
    cost = np.array([100.0, 100.0])
    owner = np.array([0, 0])
    dispatch, _ = heat_merit_order(np.array([15.0]), cap, cost, owner)
    assert dispatch.tolist() == [15.0, 0.0]


def test_heat_merit_order_without_units_leaves_demand_unserved():
    dispatch, unserved = heat_merit_order(np.array([5.0]), np.zeros(0), np.zeros(0), np.zeros(0, dtype=int))
    assert dispatch.size == 0 and unserved.tolist() == [5.0]


def test_heat_purchase_payment_is_heat_times_hours_times_price():
    assert heat_purchase_payment_cny(12.0, 90.0, 1.0) == 1080.0
    assert heat_purchase_payment_cny(12.0, 90.0, 0.25) == 270.0


def test_no_outages_when_forced_outage_rate_is_zero():
    rng = np.random.default_rng(0)
    avail = forced_outage_availability(rng.random((1000, 3)), np.zeros(3), np.full(3, 24.0), 1.0)
    assert np.all(avail == 1.0)


def test_long_run_unavailability_matches_the_forced_outage_rate():
    rng = np.random.default_rng(42)
    avail = forced_outage_availability(rng.random((87600, 2)), np.array([0.05, 0.2]), np.array([12.0, 48.0]), 1.0)
    unavailability = 1.0 - avail.mean(axis=0)
    assert abs(unavailability[0] - 0.05) < 0.01 and abs(unavailability[1] - 0.2) < 0.03
    # outages last about the mean outage time: count down-spells of unit 0
    down = 1.0 - avail[:, 0]
    starts = np.sum((down[1:] == 1) & (down[:-1] == 0))
    assert 9.0 < down.sum() / starts < 15.0


def test_tou_storage_request_charges_in_valley_and_discharges_in_peak():
    req = tou_request_mw(np.array([0.4, 1.0, 1.8]), np.array([5.0, 2.0]))
    assert req.tolist() == [[5.0, 2.0], [0.0, 0.0], [-5.0, -2.0]]


def test_net_load_request_shaves_peaks_and_fills_valleys():
    net = np.tile(np.array([100.0] * 12 + [200.0] * 12), 3)[:, None]
    req = net_load_request_mw(net, np.array([30.0]), 24)
    middle = req[24:48, 0]
    assert middle[:12].min() > 0 and middle[12:].max() < 0  # charge in the valley, discharge at the peak
    assert np.all(np.abs(req) <= 30.0)


def test_chp_must_take_serves_load_then_exports_then_is_surplus():
    assert must_take_split(100.0, 60.0, 50.0) == (60.0, 0.0, 0.0)
    assert must_take_split(40.0, 60.0, 50.0) == (40.0, 20.0, 0.0)
    assert must_take_split(40.0, 100.0, 50.0) == (40.0, 50.0, 10.0)
    assert must_take_split(-5.0, 10.0, 0.0) == (0.0, 0.0, 10.0)


def test_must_take_chp_sets_the_price_only_when_it_is_marginal():
    kw = {"unserved_mw": 0.0, "price_floor_cny_per_mwh": 0.0, "price_cap_cny_per_mwh": 1500.0}
    # others serve 50 MW of the load at 386: CHP (60 MW at 426) is infra-marginal, the price stays
    assert price_with_must_take("pay_as_clear", 386.0, 50.0, np.array([60.0]), np.array([426.0]), **kw) == 386.0
    # CHP alone serves the load: it is the marginal supplier and sets its marginal cost (highest accepted block)
    assert price_with_must_take("pay_as_clear", 0.0, 0.0, np.array([30.0, 0.0]), np.array([426.0, 900.0]),
                                **kw) == 426.0
    # pay-as-bid: volume-weighted over all accepted offers, CHP at its own price
    assert price_with_must_take("pay_as_bid", 300.0, 50.0, np.array([50.0]), np.array([500.0]), **kw) == 400.0
    assert price_with_must_take("tou_tariff", 650.0, 0.0, np.array([30.0]), np.array([426.0]), **kw) == 650.0
    assert price_with_must_take("pay_as_clear", 1500.0, 0.0, np.array([30.0]), np.array([426.0]),
                                **{**kw, "unserved_mw": 5.0}) == 1500.0
