"""Heat dispatch by marginal cost, vectorised over steps and over the heat utilities of a region."""

from __future__ import annotations

import numpy as np

from agents.reductions import dot


def heat_merit_order(demand_mw, capacity_mw, cost_cny_per_mwh, owner):
    """Least-cost heat dispatch: each utility fills its demand from its own units, cheapest first.

    Returns (dispatch_mw per unit [MW], unserved_mw per utility [MW]), shaped like the inputs.

    Parameters: ``demand_mw`` [utilities] or [steps, utilities] heat to produce (demand + network losses)
    [MW]; ``capacity_mw`` [units] or [steps, units] available heat output [MW]; ``cost_cny_per_mwh`` likewise,
    marginal cost of heat [CNY/MWh_th]; ``owner`` [units] index of the utility each unit supplies. Ties keep
    unit order (put contracts first). Equation: unit k of utility u gets
    ``clip(D_u − Σ_{cheaper units of u} Q, 0, Q_k)``.
    """
    demand = np.asarray(demand_mw, dtype=float)
    single = demand.ndim == 1
    demand = np.atleast_2d(demand)
    steps = demand.shape[0]
    owner = np.asarray(owner, dtype=int)
    cap = np.broadcast_to(np.asarray(capacity_mw, dtype=float), (steps, owner.size))
    cost = np.broadcast_to(np.asarray(cost_cny_per_mwh, dtype=float), (steps, owner.size))
    dispatch = np.zeros((steps, owner.size))
    unserved = demand.copy()
    for u in np.unique(owner):
        cols = np.flatnonzero(owner == u)
        order = np.argsort(cost[:, cols], axis=1, kind="stable")
        q = np.take_along_axis(cap[:, cols], order, axis=1)
        before = np.cumsum(q, axis=1) - q
        got = np.minimum(np.maximum(demand[:, u : u + 1] - before, 0.0), q)
        unit = np.empty_like(got)
        np.put_along_axis(unit, order, got, axis=1)
        dispatch[:, cols] = unit
        unserved[:, u] = np.maximum(demand[:, u] - got.sum(axis=1), 0.0)
    if single:
        return dispatch[0], unserved[0]
    return dispatch, unserved


_TOL_MW = 1e-9


def must_take_split(load_mw, must_take_mw, export_room_mw):
    """Heat-led CHP power taken ahead of the merit order: first by the load, then by exports, the rest is surplus.

    Returns ``(to_load_mw, to_export_mw, surplus_mw)`` [MW]. Parameters: ``load_mw`` [MW] the load the market
    must serve; ``must_take_mw`` [MW] power the heat-led units produce with the heat they must deliver;
    ``export_room_mw`` [MW] export capacity left. Equation: ``L_chp = min(M, max(L, 0))``,
    ``X_chp = min(M − L_chp, X_room)``, surplus ``M − L_chp − X_chp`` (power the grid cannot take; the units
    bypass their turbines, heat and fuel unchanged).
    """
    must = max(float(must_take_mw), 0.0)
    to_load = min(must, max(float(load_mw), 0.0))
    to_export = min(must - to_load, max(float(export_room_mw), 0.0))
    return to_load, to_export, must - to_load - to_export


def price_with_must_take(rule, price_cny_per_mwh, other_accepted_mw, must_take_accepted_mw, must_take_price_cny_per_mwh,
                         *, unserved_mw, price_floor_cny_per_mwh, price_cap_cny_per_mwh):
    """Market price once must-take CHP power (accepted ahead of the merit order) is included.

    Returns the published price [CNY/MWh]. Parameters: ``rule`` the clearing rule; ``price_cny_per_mwh`` the
    price of the merit-order clearing of the residual load; ``other_accepted_mw`` [MW] what that clearing
    accepted; ``must_take_accepted_mw`` [offers] and ``must_take_price_cny_per_mwh`` [offers] the CHP blocks'
    accepted power and offer prices (their marginal cost per MWh_el).

    - ``pay_as_clear``: the CHP blocks are infra-marginal while other offers serve part of the load; when they
      alone serve it (nothing else accepted) the CHP is the marginal supplier and sets the price at the highest
      marginal cost among the accepted blocks, clipped to [floor, cap].
    - ``pay_as_bid``: the volume-weighted mean of all accepted offers' (clipped) prices, CHP included.
    - ``tou_tariff`` or unserved load: the residual clearing's price stands.
    """
    q = np.asarray(must_take_accepted_mw, dtype=float)
    c = np.clip(np.asarray(must_take_price_cny_per_mwh, dtype=float), price_floor_cny_per_mwh, price_cap_cny_per_mwh)
    must = float(q.sum())
    if must <= _TOL_MW or rule == "tou_tariff" or unserved_mw > _TOL_MW:
        return float(price_cny_per_mwh)
    if rule == "pay_as_bid":
        return float((price_cny_per_mwh * other_accepted_mw + dot(c, q)) / (other_accepted_mw + must))
    if other_accepted_mw > _TOL_MW:
        return float(price_cny_per_mwh)
    return float(c[q > _TOL_MW].max())
