"""Hand-worked clearing cases for every rule, price cap/floor, carbon price, reserve, imports/exports, curtailment."""

import numpy as np
import pytest

from agents.markets.clearing import (
    clear,
    hold_reserve,
    merit_order,
    offer_price_with_carbon,
    retail_price,
    tou_price_multiplier,
)

Q = np.array([100.0, 100.0, 100.0])
P = np.array([200.0, 300.0, 500.0])
CAP, FLOOR = 1000.0, 0.0


def _clear(rule, load, q=Q, p=P, **kw):
    kw.setdefault("price_cap", CAP)
    kw.setdefault("price_floor", FLOOR)
    return clear(rule, load, q, p, **kw)


def test_pay_as_clear_uniform_marginal_price():
    res = _clear("pay_as_clear", 150.0)
    assert res.accepted_mw.tolist() == [100.0, 50.0, 0.0]
    assert res.wholesale_price_cny_per_mwh == 300.0
    assert res.paid_cny_per_mwh.tolist() == [300.0, 300.0, 300.0]
    assert res.unserved_mw == 0.0 and res.export_mw == 0.0


def test_pay_as_clear_load_exactly_at_a_block_edge_takes_that_block_price():
    assert _clear("pay_as_clear", 200.0).wholesale_price_cny_per_mwh == 300.0
    assert _clear("pay_as_clear", 100.0).wholesale_price_cny_per_mwh == 200.0


def test_offer_order_does_not_matter():
    res = _clear("pay_as_clear", 150.0, q=Q[::-1].copy(), p=P[::-1].copy())
    assert res.accepted_mw.tolist() == [0.0, 50.0, 100.0] and res.wholesale_price_cny_per_mwh == 300.0


def test_pay_as_bid_pays_each_offer_its_price():
    res = _clear("pay_as_bid", 150.0)
    assert res.accepted_mw.tolist() == [100.0, 50.0, 0.0]
    assert res.paid_cny_per_mwh.tolist() == [200.0, 300.0, 500.0]
    assert res.wholesale_price_cny_per_mwh == pytest.approx((100 * 200 + 50 * 300) / 150)  # 233.33


def test_scarcity_sets_the_price_cap_and_reports_unserved_load():
    res = _clear("pay_as_clear", 350.0)
    assert res.accepted_mw.tolist() == [100.0, 100.0, 100.0]
    assert res.unserved_mw == 50.0 and res.wholesale_price_cny_per_mwh == CAP
    bid = _clear("pay_as_bid", 350.0)
    assert bid.wholesale_price_cny_per_mwh == CAP and bid.paid_cny_per_mwh.tolist() == [200.0, 300.0, 500.0]


def test_offers_above_the_cap_are_paid_the_cap():
    res = _clear("pay_as_bid", 250.0, p=np.array([200.0, 300.0, 1500.0]))
    assert res.paid_cny_per_mwh[2] == CAP
    res = _clear("pay_as_clear", 250.0, p=np.array([200.0, 1500.0, 300.0]))
    assert res.accepted_mw.tolist() == [100.0, 50.0, 100.0] and res.wholesale_price_cny_per_mwh == CAP


def test_negative_offers_are_lifted_to_the_floor():
    res = _clear("pay_as_clear", 50.0, q=np.array([100.0]), p=np.array([-50.0]))
    assert res.wholesale_price_cny_per_mwh == FLOOR
    res = _clear("pay_as_clear", 50.0, q=np.array([100.0]), p=np.array([-50.0]), price_floor=-100.0)
    assert res.wholesale_price_cny_per_mwh == -50.0


def test_carbon_price_reorders_coal_and_gas():
    mc = np.array([250.0, 350.0])  # coal, gas [CNY/MWh]
    co2 = np.array([0.9, 0.4])  # [t/MWh]
    q = np.array([100.0, 100.0])
    without = _clear("pay_as_clear", 100.0, q=q, p=offer_price_with_carbon(mc, co2, 0.0))
    assert without.accepted_mw.tolist() == [100.0, 0.0] and without.wholesale_price_cny_per_mwh == 250.0
    prices = offer_price_with_carbon(mc, co2, 300.0)  # coal 250 + 270 = 520, gas 350 + 120 = 470
    assert prices.tolist() == [520.0, 470.0]
    with_carbon = _clear("pay_as_clear", 100.0, q=q, p=prices)
    assert with_carbon.accepted_mw.tolist() == [0.0, 100.0] and with_carbon.wholesale_price_cny_per_mwh == 470.0


def test_imports_are_an_offer_within_their_limit():
    q = np.array([100.0, 50.0])  # local plant, import line limit
    p = np.array([200.0, 400.0])
    res = _clear("pay_as_clear", 150.0, q=q, p=p)
    assert res.accepted_mw.tolist() == [100.0, 50.0] and res.wholesale_price_cny_per_mwh == 400.0
    res = _clear("pay_as_clear", 170.0, q=q, p=p)
    assert res.unserved_mw == 20.0


def test_exports_take_cheap_surplus_up_to_the_limit():
    q = np.array([100.0, 100.0])
    p = np.array([100.0, 300.0])
    full = _clear("pay_as_clear", 50.0, q=q, p=p, export_mw_max=30.0, export_price=250.0)
    assert full.export_mw == 30.0 and full.accepted_mw.tolist() == [80.0, 0.0]
    assert full.wholesale_price_cny_per_mwh == 100.0  # export fully accepted, the cheap plant is marginal
    partial = _clear("pay_as_clear", 50.0, q=q, p=p, export_mw_max=80.0, export_price=250.0)
    assert partial.export_mw == 50.0 and partial.accepted_mw.tolist() == [100.0, 0.0]
    assert partial.wholesale_price_cny_per_mwh == 250.0  # the export bid is marginal
    none = _clear("pay_as_clear", 50.0, q=q, p=p, export_mw_max=80.0, export_price=50.0)
    assert none.export_mw == 0.0


def test_curtailment_when_must_run_renewables_exceed_load_plus_export():
    q = np.array([200.0, 100.0])  # wind at 0, coal at 280
    p = np.array([0.0, 280.0])
    res = _clear("pay_as_clear", 100.0, q=q, p=p, export_mw_max=50.0, export_price=20.0)
    curtailed = q[0] - res.accepted_mw[0]
    assert res.export_mw == 50.0 and curtailed == 50.0 and res.wholesale_price_cny_per_mwh == 0.0


def test_reserve_is_withheld_from_the_most_expensive_dispatchable_offers():
    q = np.array([80.0, 100.0, 100.0])  # wind (not dispatchable), two thermal units
    p = np.array([0.0, 200.0, 300.0])
    dispatchable = np.array([False, True, True])
    held, short = hold_reserve(q, p, dispatchable, 120.0)
    assert held.tolist() == [80.0, 80.0, 0.0] and short == 0.0
    held, short = hold_reserve(q, p, dispatchable, 250.0)
    assert held.tolist() == [80.0, 0.0, 0.0] and short == 50.0
    res = _clear("pay_as_clear", 170.0, q=held, p=p)
    assert res.unserved_mw == 90.0


def test_reserve_is_deployed_rather_than_shedding_load():
    q = np.array([80.0, 100.0, 100.0])
    p = np.array([0.0, 200.0, 300.0])
    dispatchable = np.array([False, True, True])
    # 280 MW available, load 230: only 50 MW of the 120 MW requirement can be held; 70 MW short
    held, short = hold_reserve(q, p, dispatchable, 120.0, load_mw=230.0)
    assert held.tolist() == [80.0, 100.0, 50.0] and short == 70.0
    assert _clear("pay_as_clear", 230.0, q=held, p=p).unserved_mw == 0.0
    # plenty of capacity: the full requirement is held
    held, short = hold_reserve(q, p, dispatchable, 120.0, load_mw=100.0)
    assert held.tolist() == [80.0, 80.0, 0.0] and short == 0.0


def test_merit_order_class_matches_the_pure_functions():
    from agents.markets.clearing import MeritOrder

    rng = np.random.default_rng(3)
    for rule in ("pay_as_clear", "pay_as_bid", "tou_tariff"):
        for _ in range(200):
            n = int(rng.integers(1, 12))
            price = np.round(rng.uniform(-50, 1200, n), 0)
            qty = np.round(rng.uniform(0, 100, n), 1)
            disp = rng.random(n) < 0.6
            load = float(rng.uniform(0, 600))
            reserve = float(rng.uniform(0, 80))
            exp_cap, exp_price = float(rng.uniform(0, 50)), float(rng.uniform(-20, 400))
            market = MeritOrder(price, disp, rule=rule, price_cap=1000.0, price_floor=0.0, export_price=exp_price)
            acc, pr, export, unserved, short = market.clear(load, qty, reserve_mw=reserve, export_mw_max=exp_cap)
            held, short_ref = hold_reserve(qty, price, disp, reserve, load_mw=load)
            ref = clear(rule, load, held, price, price_cap=1000.0, price_floor=0.0, export_mw_max=exp_cap,
                        export_price=exp_price, tariff_price=500.0)
            assert np.allclose(acc, ref.accepted_mw) and np.isclose(pr, ref.wholesale_price_cny_per_mwh)
            assert np.isclose(export, ref.export_mw) and np.isclose(unserved, ref.unserved_mw)
            assert np.isclose(short, short_ref)


def test_tou_tariff_pays_sellers_the_cleared_price_and_consumers_the_tariff():
    # offers 100 MW @ 200, 100 MW @ 300, 100 MW @ 500; load 150 MW: the 300 offer is marginal.
    # Sellers are paid 300 (wholesale), consumers pay the 720 tariff; the supplier's margin is
    # (720 − 300) × 150 MWh = 63,000 CNY in a 1-h step (a transfer, not a resource cost).
    res = _clear("tou_tariff", 150.0, tariff_price=720.0)
    assert res.accepted_mw.tolist() == [100.0, 50.0, 0.0]
    assert res.wholesale_price_cny_per_mwh == 300.0 and set(res.paid_cny_per_mwh.tolist()) == {300.0}
    assert res.retail_price_cny_per_mwh == 720.0
    margin = (res.retail_price_cny_per_mwh - res.wholesale_price_cny_per_mwh) * 150.0
    assert margin == 63_000.0


def test_market_rules_pass_the_wholesale_price_to_consumers():
    assert _clear("pay_as_clear", 150.0, tariff_price=720.0).retail_price_cny_per_mwh == 300.0
    bid = _clear("pay_as_bid", 150.0, tariff_price=720.0)
    assert bid.retail_price_cny_per_mwh == bid.wholesale_price_cny_per_mwh == pytest.approx((100 * 200 + 50 * 300) / 150)
    assert retail_price("tou_tariff", np.array([300.0, 0.0]), np.array([720.0, 260.0])).tolist() == [720.0, 260.0]
    assert retail_price("pay_as_clear", np.array([300.0, 0.0]), np.array([720.0, 260.0])).tolist() == [300.0, 0.0]


def test_merit_order_variants_follow_a_price_profile():
    from agents.markets.clearing import MeritOrder

    # one import line priced 250 at night and 450 by day, a 300 CNY/MWh coal unit: the order flips
    prices = np.array([[250.0, 300.0], [450.0, 300.0]])
    market = MeritOrder(prices, np.array([False, True]), rule="pay_as_clear", price_cap=1000.0, price_floor=0.0)
    night = market.clear(150.0, np.array([100.0, 100.0]), variant=0)
    day = market.clear(150.0, np.array([100.0, 100.0]), variant=1)
    assert night[0].tolist() == [100.0, 50.0] and night[1] == 300.0
    assert day[0].tolist() == [50.0, 100.0] and day[1] == 450.0
    assert market.paid_bid[1].tolist() == [450.0, 300.0]


def test_unknown_rule_is_an_error():
    with pytest.raises(ValueError, match="unknown clearing rule"):
        _clear("lottery", 10.0)


def test_merit_order_with_no_load_accepts_nothing():
    acc, export, unserved, marginal = merit_order(0.0, Q, P)
    assert acc.sum() == 0.0 and export == 0.0 and unserved == 0.0 and np.isnan(marginal)
    assert _clear("pay_as_clear", 0.0).wholesale_price_cny_per_mwh == 200.0


def test_tou_multiplier_shanghai_and_inner_mongolia():
    hours = np.arange(24.0)
    sh = tou_price_multiplier(hours, [(8, 11), (18, 21)], [(22, 6)], 1.8, 0.4)
    assert sh[9] == 1.8 and sh[19] == 1.8 and sh[23] == 0.4 and sh[3] == 0.4 and sh[14] == 1.0
    assert sh[22] == 0.4 and sh[6] == 1.0 and sh[21] == 1.0
    im = tou_price_multiplier(hours, [(17, 22)], [(11, 16), (0, 6)], 1.68, 0.48)
    assert im[12] == 0.48 and im[15] == 0.48 and im[16] == 1.0 and im[18] == 1.68
    # quarter-hour steps keep the hour's period
    assert tou_price_multiplier(np.array([10.75, 11.0]), [], [(11, 16)], 1.0, 0.48).tolist() == [1.0, 0.48]
