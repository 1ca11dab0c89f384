"""Clearing of the operating-reserve requirement against plant headroom and storage reserve offers.

The grid operator must hold ``R = reserve_requirement_pu × load`` [MW] of upward reserve each step
(docs/model.md, Markets). Two kinds of supply meet it, in this order:

1. **Plant headroom** — capacity withheld from the most expensive dispatchable energy offers
   (agents.markets.clearing.hold_reserve / MeritOrder.clear), up to the spare capacity above the load, at
   no reserve payment (the operator's own scheduling of committed plants; the opportunity cost of the
   withheld energy shows in the energy price). What it cannot cover is the plant shortfall ``S`` [MW].
2. **Storage reserve offers** — each storage unit with a schedule strategy offering reserve
   (agents.strategies.storage_schedule ``reserve_mw``, ``reserve_price_cny_per_mw_h``) offers the reserve it
   can deliver this step ``q_j`` [MW] at its price ``π_j`` [CNY/(MW·h)]. The shortfall ``S`` is cleared
   against them in merit order (cheapest first, ties in offer order)::

       a_j = clip(S − Σ_{k before j} q_k, 0, q_j)            accepted reserve of offer j [MW]
       π_R = max{π_j : a_j > 0}   (0 when nothing is accepted)  reserve price [CNY/(MW·h)]
       S' = S − Σ_j a_j                                      remaining shortfall [MW]

   Every accepted offer is paid the uniform reserve price ``π_R`` (pay-as-clear, the marginal accepted
   offer sets it — the uniform clearing price of reserve auctions such as PJM's Synchronized Reserve market,
   PJM Manual 11 "Energy & Ancillary Services Market Operations"; PJM adds the units' opportunity cost,
   which this model leaves out) for the step: ``a_j × π_R × dt`` [CNY].

Reserve here is capacity held for the step; its deployment (energy) is not simulated in the energy balance
(the frequency study uses the plants' headroom, agents.frequency_study).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

_TOL_MW = 1e-9


class ReserveClearing(NamedTuple):
    accepted_mw: np.ndarray  # [offers] accepted reserve per offer [MW]
    price_cny_per_mwh: float  # uniform reserve price of the step [CNY/(MW·h) = CNY/MWh]
    shortfall_mw: float  # requirement still not covered [MW]


def clear_reserve(shortfall_mw: float, offer_mw, offer_price_cny_per_mw_h) -> ReserveClearing:
    """Clear the plant shortfall ``shortfall_mw`` [MW] against reserve offers ``offer_mw`` [MW] at
    ``offer_price_cny_per_mw_h`` [CNY/(MW·h)] (see module docstring). Offers ≤ 1e-9 MW are ignored."""
    q = np.maximum(np.asarray(offer_mw, dtype=float), 0.0)
    price = np.asarray(offer_price_cny_per_mw_h, dtype=float)
    need = max(float(shortfall_mw), 0.0)
    if need <= _TOL_MW or not np.any(q > _TOL_MW):
        return ReserveClearing(np.zeros_like(q), 0.0, need)
    order = np.argsort(price, kind="stable")
    qs = q[order]
    acc_sorted = np.clip(need - (np.cumsum(qs) - qs), 0.0, qs)
    accepted = np.empty_like(acc_sorted)
    accepted[order] = acc_sorted
    taken = accepted > _TOL_MW
    accepted[~taken] = 0.0
    rho = float(price[taken].max()) if taken.any() else 0.0
    left = need - float(accepted.sum())
    return ReserveClearing(accepted, rho, 0.0 if left <= _TOL_MW else left)
