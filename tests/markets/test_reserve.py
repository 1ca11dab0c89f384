"""Reserve clearing against storage offers (agents.markets.reserve), hand-worked, and the offer book's reserve side."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.markets.offer_book import OfferBook
from agents.markets.reserve import clear_reserve


def test_shortfall_is_cleared_cheapest_first_at_the_marginal_accepted_price():
    # offers 5 MW @ 30, 4 MW @ 10, 3 MW @ 10 CNY/(MW·h); 8 MW short: 4 + 3 at 10, then 1 of the 5 at 30 → price 30
    c = clear_reserve(8.0, [5.0, 4.0, 3.0], [30.0, 10.0, 10.0])
    assert c.accepted_mw.tolist() == [1.0, 4.0, 3.0]
    assert c.price_cny_per_mwh == 30.0 and c.shortfall_mw == 0.0
    # 6 MW short: the two cheap ones only (4 + 2), the dear one sets no price
    c = clear_reserve(6.0, [5.0, 4.0, 3.0], [30.0, 10.0, 10.0])
    assert c.accepted_mw.tolist() == [0.0, 4.0, 2.0] and c.price_cny_per_mwh == 10.0
    # 20 MW short: everything (12 MW) at 30, 8 MW still short
    c = clear_reserve(20.0, [5.0, 4.0, 3.0], [30.0, 10.0, 10.0])
    assert c.accepted_mw.sum() == 12.0 and c.price_cny_per_mwh == 30.0 and c.shortfall_mw == pytest.approx(8.0)


def test_no_shortfall_or_no_offer_accepts_nothing_at_price_zero():
    for short, offers in ((0.0, [5.0, 4.0]), (3.0, [0.0, 0.0]), (-1.0, [5.0, 4.0])):
        c = clear_reserve(short, offers, [10.0, 20.0])
        assert c.accepted_mw.tolist() == [0.0, 0.0] and c.price_cny_per_mwh == 0.0
        assert c.shortfall_mw == max(short, 0.0)
    c = clear_reserve(3.0, [0.0, 5.0], [1.0, 40.0])  # an empty cheap offer does not set the price
    assert c.accepted_mw.tolist() == [0.0, 3.0] and c.price_cny_per_mwh == 40.0


def test_offer_book_reserve_block_round_trip():
    book = OfferBook(4)
    block = book.add_reserve("storage_reserve", size=2)
    book.add("res", price=[0.0])
    with pytest.raises(ValueError, match="registered twice"):
        book.add_reserve("storage_reserve", size=1)
    book.open()
    with pytest.raises(RuntimeError):
        book.add_reserve("late", size=1)
    assert not book.reserve_offered
    book.offer_reserve(block, np.array([2.0, 0.0]), np.array([15.0, 5.0]))
    assert book.reserve_offered
    book.record_reserve(np.array([1.5, 0.0]), 15.0)
    assert book.reserve_accepted("storage_reserve").tolist() == [1.5, 0.0]
    assert book.reserve_price_cny_per_mwh == 15.0
    book.offer_reserve(block, 0.0, 0.0)
    assert not book.reserve_offered


@settings(max_examples=200, deadline=None)
@given(short=st.floats(0.0, 100.0), offers=st.lists(st.tuples(st.floats(0.0, 30.0), st.floats(0.0, 500.0)),
                                                    min_size=1, max_size=8))
def test_reserve_clearing_properties(short, offers):
    q = np.array([o[0] for o in offers])
    p = np.array([o[1] for o in offers])
    c = clear_reserve(short, q, p)
    acc = c.accepted_mw
    assert (acc >= 0.0).all() and (acc <= q + 1e-12).all()
    assert acc.sum() == pytest.approx(min(short, q[q > 1e-9].sum()), abs=1e-9)
    assert c.shortfall_mw == pytest.approx(max(short - acc.sum(), 0.0), abs=1e-9)
    taken = acc > 0.0
    assert c.price_cny_per_mwh == (p[taken].max() if taken.any() else 0.0)
    # merit order: an offer cheaper than an accepted one is fully taken
    if taken.any():
        assert (acc[p < p[taken].max()] >= q[p < p[taken].max()] - 1e-9).all()
