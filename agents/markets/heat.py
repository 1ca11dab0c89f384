"""Heat dispatch by marginal cost, vectorised over steps and over the heat utilities of a region."""

from __future__ import annotations

import numpy as np


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
