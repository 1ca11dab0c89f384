"""Wholesale electricity price forecasts that actors may use before the day (published signals only).

``merit_order_price_forecast`` is a day-ahead forecast of the wholesale (market-clearing) price: the supply
curve of the region's offers — plants at their offer prices (marginal cost + carbon), renewables at their offer
prices, imports at their line price — is stacked cheapest first and cut by the forecast demand, as a
uniform-price auction would (Kirschen & Strbac, *Fundamentals of Power System Economics*, 2nd ed., ch. 2).
It reads nothing that is decided in the step loop. Its inputs are exogenous: the offer prices (static
parameters), expected capacities (nameplate × (1 − forced-outage rate) for plants, whose random outages a
forecaster does not know; renewable availability from the weather series, i.e. a perfect day-ahead weather
forecast) and the forecast demand (non-data-center load plus data-center facility and heat-pump power, which
follow from weather and workload profiles). Storage, minimum loads and ramps are ignored, so the forecast is
the price of the marginal offer, not of the cleared market; how the actual clearing differs is the forecast
error an actor lives with.
"""

from __future__ import annotations

import numpy as np

_TOL_MW = 1e-9


def merit_order_price_forecast(demand_mw, offer_capacity_mw, offer_price_cny_per_mwh, *, price_floor_cny_per_mwh,
                               price_cap_cny_per_mwh, export_capacity_mw=0.0, export_price_cny_per_mwh=0.0):
    """Forecast wholesale price per step from a supply stack and a demand forecast.

    Returns ``price_cny_per_mwh`` [steps].

    Parameters: ``demand_mw`` [steps] forecast demand [MW]; ``offer_capacity_mw`` [steps, offers] or [offers]
    expected capacity of each offer [MW]; ``offer_price_cny_per_mwh`` [offers] offer prices [CNY/MWh];
    price floor and cap [CNY/MWh]; an export bid of ``export_capacity_mw`` [MW] at
    ``export_price_cny_per_mwh``.

    Equation (per step): sort offers by price, cumulative capacity ``C_k``; exports take
    ``x = min(max(C_below_export − D, 0), X_max)`` of the offers priced below the export bid; the quantity
    ``D + x`` is met by the offers up to ``k* = min{k : C_k ≥ D + x}``; the price is ``p_k*`` — the export bid
    when exports are partly accepted (0 < x < X_max), the cap when the stack is short — clipped to
    [floor, cap]. The same rule as ``agents.markets.clearing.merit_order`` without reserves.
    """
    demand = np.asarray(demand_mw, dtype=float)
    price = np.asarray(offer_price_cny_per_mwh, dtype=float)
    cap = np.broadcast_to(np.asarray(offer_capacity_mw, dtype=float), (demand.size, price.size))
    floor, ceiling = float(price_floor_cny_per_mwh), float(price_cap_cny_per_mwh)
    if price.size == 0:
        return np.where(demand > _TOL_MW, ceiling, floor)
    order = np.argsort(price, kind="stable")
    p = price[order]
    cum = np.cumsum(np.maximum(cap[:, order], 0.0), axis=1)
    served = np.clip(demand, 0.0, None)
    n_below = int(np.searchsorted(p, export_price_cny_per_mwh, side="left"))
    export = np.zeros_like(served)
    if export_capacity_mw > 0.0 and n_below > 0:
        export = np.minimum(np.maximum(cum[:, n_below - 1] - served, 0.0), export_capacity_mw)
    quantity = served + export
    k = (cum < (quantity - _TOL_MW)[:, None]).sum(axis=1)  # first offer whose cumulative capacity covers it
    short = k >= p.size
    out = np.where(short, ceiling, p[np.minimum(k, p.size - 1)])
    partial_export = (export > _TOL_MW) & (export < export_capacity_mw - _TOL_MW)
    out = np.where(partial_export & ~short, float(export_price_cny_per_mwh), out)
    out = np.where(quantity <= _TOL_MW, p[0], out)  # nothing to serve: the cheapest offer (as clearing.MeritOrder)
    return np.clip(out, floor, ceiling)
