"""The offer book: named blocks laid out by priority, quantities in, accepted out, marginal offers."""

import numpy as np
import pytest

from agents.markets.clearing import MeritOrder
from agents.markets.offer_book import DISPATCHABLE, IMPORT, MUST_RUN, MUST_TAKE, RENEWABLE, OfferBook


def _book(steps=3):
    book = OfferBook(steps, price_floor_cny_per_mwh=-10.0)
    imp = book.add("import", price=np.array([[500.0], [300.0]]), priority=IMPORT, co2_t_per_mwh=0.6)
    flex = book.add("flex", price=[400.0, 200.0], dispatchable=True, co2_t_per_mwh=[0.9, 0.4])
    res = book.add("res", price=[0.0], priority=RENEWABLE)
    chp = book.add("chp", price=[150.0], must_take=True, priority=MUST_TAKE, co2_t_per_mwh=0.3)
    must = book.add("must", price=np.full(2, -10.0), priority=MUST_RUN, co2_t_per_mwh=[0.9, 0.4])
    book.open()
    return book, imp, flex, res, chp, must


def test_blocks_are_laid_out_by_priority_then_registration():
    book, imp, flex, res, chp, must = _book()
    assert [book.slices[k] for k in ("chp", "must", "res", "flex", "import")] == [
        slice(0, 1), slice(1, 3), slice(3, 4), slice(4, 6), slice(6, 7)]
    assert flex.slice == slice(4, 6) and flex.priority == DISPATCHABLE
    # static prices broadcast to every import-price variant
    assert book.offer_price.tolist() == [[150.0, -10.0, -10.0, 0.0, 400.0, 200.0, 500.0],
                                         [150.0, -10.0, -10.0, 0.0, 400.0, 200.0, 300.0]]
    assert book.dispatchable.tolist() == [False, False, False, False, True, True, False]
    assert book.must_take.tolist() == [True] + [False] * 6
    assert book.co2_t_per_mwh.tolist() == [0.3, 0.9, 0.4, 0.0, 0.9, 0.4, 0.6]


def test_quantities_in_accepted_out():
    book, imp, flex, res, chp, must = _book()
    book.offer(flex, [10.0, 20.0])
    book.offer("res", [5.0])
    book.offer(chp, np.array([7.0]))
    assert book.offer_mw.tolist() == [0.0, 0.0, 0.0, 5.0, 10.0, 20.0, 0.0]  # must-take is taken apart
    assert book.must_take_mw.tolist() == [7.0]
    market = MeritOrder(book.offer_price, book.dispatchable, rule="pay_as_clear", price_cap=1000.0,
                        price_floor=-10.0)
    accepted, price, *_ = market.clear(22.0, book.offer_mw)
    book.record(1, accepted)
    assert book.accepted(res).tolist() == [5.0]
    assert book.accepted("flex").tolist() == [0.0, 17.0]  # the 200-CNY offer before the 400-CNY one
    assert price == 200.0
    assert book.accepted_between(flex, 0, 3).tolist() == [[0.0, 0.0], [0.0, 17.0], [0.0, 0.0]]


def test_marginal_offer_is_the_most_expensive_accepted_and_its_co2_factor():
    book, imp, flex, res, chp, must = _book()
    book.accepted_mw[0] = [0, 0, 0, 5, 0, 17, 0]  # renewable + the cheap flex offer
    book.accepted_mw[1] = [0, 0, 0, 0, 0, 0, 0]  # nothing
    book.accepted_mw[2] = [0, 0, 0, 5, 3, 20, 9]  # import at 300 (variant 1) < flex at 400 → flex 0 marginal
    k = book.marginal_offers(0, 3, np.array([0, 0, 1]))
    assert k.tolist() == [5, -1, 4]
    assert book.marginal_co2_kgco2_per_kwh(0, 3, np.array([0, 0, 1])).tolist() == [0.4, 0.0, 0.9]
    # under variant 0 the import line (500) is the marginal offer
    assert book.marginal_offers(2, 3, np.array([0])).tolist() == [6]


def test_book_refuses_bad_registrations():
    book = OfferBook(2)
    book.add("a", price=[1.0, 2.0])
    with pytest.raises(ValueError, match="registered twice"):
        book.add("a", price=[1.0])
    with pytest.raises(ValueError, match="does not fit"):
        book.add("b", price=[1.0, 2.0], size=3)
    with pytest.raises(ValueError, match="static prices"):
        book.add("c", price=np.ones((2, 1)), must_take=True)
    book.add("d", price=np.ones((2, 1)))
    book.add("e", price=np.ones((3, 1)))
    with pytest.raises(ValueError, match="variants"):
        book.open()


def test_model_book_matches_the_region_layout(tiny_model_run):
    m = tiny_model_run
    assert list(m.book.slices) == ["chp", "must", "res", "dcpv", "flex", "import"]
    assert m.accepted_mw is m.book.accepted_mw
    total = m.accepted_mw.sum(axis=1)
    assert np.allclose(total, m.r["generation_mw"] + m.r["import_mw"] - m.r["backup_mw"])


@pytest.fixture
def tiny_model_run():
    import json
    from pathlib import Path

    from agents import RegionModel, validate_scenario

    doc = json.loads((Path(__file__).resolve().parents[2] / "fixtures/scenarios/_tiny.json").read_text())
    m = RegionModel(validate_scenario(doc))
    m.run()
    return m
