"""Heat dispatch by marginal cost, vectorised over all heat utilities of a region for one step."""

from __future__ import annotations

import numpy as np


def heat_merit_order(demand_mw: np.ndarray, capacity_mw: np.ndarray, cost_cny_per_mwh: np.ndarray,
                     owner: np.ndarray):
    """Least-cost heat dispatch: each utility fills its demand from its own units, cheapest first.

    Returns (dispatch_mw per unit [MW], unserved_mw per utility [MW]).

    Parameters: ``demand_mw`` [utilities] heat to produce (demand + network losses) [MW]; ``capacity_mw``
    [units] available heat output [MW]; ``cost_cny_per_mwh`` [units] marginal cost of heat [CNY/MWh_th];
    ``owner`` [units] index of the utility each unit supplies. Ties keep unit order (contracts first).
    Equation: unit k of utility u gets ``clip(D_u - Σ_{cheaper units of u} Q, 0, Q_k)``.
    """
    demand = np.asarray(demand_mw, dtype=float)
    if capacity_mw.size == 0:
        return np.zeros(0), demand.copy()
    order = np.lexsort((np.arange(owner.size), cost_cny_per_mwh, owner))
    own = owner[order]
    q = capacity_mw[order]
    before = np.cumsum(q) - q
    first = np.searchsorted(own, own, side="left")
    before_in_group = before - before[first]
    dispatched_sorted = np.clip(demand[own] - before_in_group, 0.0, q)
    dispatch = np.empty_like(dispatched_sorted)
    dispatch[order] = dispatched_sorted
    supplied = np.bincount(owner, weights=dispatch, minlength=demand.size)
    return dispatch, np.maximum(demand - supplied, 0.0)
