"""Electricity market clearing as pure functions over the offers of one step.

Offers are price–quantity pairs (one per generator segment, import line, …). Demand is inelastic load plus an
elastic export bid. The dispatch is always least-cost (merit order); the rule decides two prices:

the WHOLESALE price, paid to sellers (generators, imports, storage discharge) and by suppliers buying for
their customers, and the RETAIL price that consumers pay.

- ``pay_as_clear``: every accepted MWh is paid the uniform marginal price (price of the marginal offer, or the
  export bid when exports are the marginal demand, or the cap when load is unserved), clipped to [floor, cap].
  Retail = wholesale (passed through).
- ``pay_as_bid``: every accepted offer is paid its own price (clipped to [floor, cap]); the published wholesale
  price is the quantity-weighted mean of the accepted offer prices. Retail = that published price.
- ``tou_tariff``: sellers are paid the uniform marginal price, as under ``pay_as_clear``; consumers pay the
  regulated time-of-use tariff. The difference (retail − wholesale) × energy is the supplier's margin, a
  transfer between parties (docs/model.md).

Sources: standard uniform-price / discriminatory auction definitions (e.g. Kirschen & Strbac, *Fundamentals of
Power System Economics*, 2nd ed., ch. 2 and 5).
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from agents.reductions import dot

CLEARING_RULES = ("pay_as_clear", "pay_as_bid", "tou_tariff")
_TOL_MW = 1e-9


class Clearing(NamedTuple):
    accepted_mw: np.ndarray  # [offers] dispatched quantity per offer [MW]
    paid_cny_per_mwh: np.ndarray  # [offers] price each offer is paid [CNY/MWh]
    wholesale_price_cny_per_mwh: float  # published wholesale price [CNY/MWh]
    retail_price_cny_per_mwh: float  # price consumers pay [CNY/MWh]
    export_mw: float  # accepted export [MW]
    unserved_mw: float  # load not served [MW]


def retail_price(rule: str, wholesale_price_cny_per_mwh, tariff_price_cny_per_mwh):
    """Price consumers pay [CNY/MWh]: the TOU tariff under ``tou_tariff``, else the wholesale price (passed through).

    Works on scalars and arrays (per step).
    """
    if rule not in CLEARING_RULES:
        raise ValueError(f"unknown clearing rule {rule!r}; expected one of {CLEARING_RULES}")
    if rule == "tou_tariff":
        return np.broadcast_to(np.asarray(tariff_price_cny_per_mwh, dtype=float),
                               np.shape(wholesale_price_cny_per_mwh)).copy()
    return np.asarray(wholesale_price_cny_per_mwh, dtype=float).copy()


def offer_price_with_carbon(marginal_cost_cny_per_mwh, co2_t_per_mwh, carbon_price_cny_per_t):
    """Offer price including the carbon cost: ``price = marginal cost + factor × carbon price``.

    marginal_cost_cny_per_mwh [CNY/MWh], co2_t_per_mwh [tCO2/MWh], carbon_price_cny_per_t [CNY/tCO2].
    """
    return np.asarray(marginal_cost_cny_per_mwh, dtype=float) + np.asarray(co2_t_per_mwh) * carbon_price_cny_per_t


def reserve_to_hold(reserve_mw: float, offer_mw: np.ndarray, load_mw: float | None) -> float:
    """Reserve that can be held without shedding load: ``min(R, max(Σ offers − load, 0))`` [MW].

    The operator schedules headroom while there is spare capacity; in scarcity it deploys the reserve rather
    than shedding load (the shortfall against the requirement is reported).
    """
    if load_mw is None:
        return reserve_mw
    return min(reserve_mw, max(float(offer_mw.sum()) - load_mw, 0.0))


def hold_reserve(offer_mw: np.ndarray, offer_price: np.ndarray, dispatchable: np.ndarray, reserve_mw: float,
                 load_mw: float | None = None):
    """Withhold ``reserve_mw`` of dispatchable capacity, taken from the most expensive dispatchable offers.

    Returns (offer_mw after withholding [MW], reserve shortfall [MW]). Non-dispatchable offers (renewables,
    imports, must-run segments) are never withheld. With ``load_mw`` the reserve is limited to the spare
    capacity above that load (``reserve_to_hold``), so holding reserve never causes unserved load.
    """
    if reserve_mw <= 0.0:
        return offer_mw, 0.0
    requirement = reserve_mw
    reserve_mw = reserve_to_hold(reserve_mw, offer_mw, load_mw)
    idx = np.flatnonzero(dispatchable)
    if idx.size == 0:
        return offer_mw, float(requirement)
    idx = idx[np.argsort(-offer_price[idx], kind="stable")]
    q = offer_mw[idx]
    before = np.cumsum(q) - q
    held = np.clip(reserve_mw - before, 0.0, q)
    out = offer_mw.copy()
    out[idx] = q - held
    return out, float(max(requirement - held.sum(), 0.0))


def merit_order(load_mw: float, offer_mw: np.ndarray, offer_price: np.ndarray,
                export_mw_max: float = 0.0, export_price: float = 0.0):
    """Least-cost dispatch of inelastic load plus an export bid.

    Offers are accepted cheapest first until ``load_mw`` is met; then offers priced below ``export_price`` are
    accepted for export up to ``export_mw_max``. Returns (accepted_mw per offer, export_mw, unserved_mw,
    marginal_price) where marginal_price is the price of the last accepted offer (NaN when nothing was
    accepted), the export bid when exports are partly accepted, or +inf when load is unserved.
    """
    order = np.argsort(offer_price, kind="stable")
    q = offer_mw[order]
    p = offer_price[order]
    cum = np.cumsum(q)
    total = float(cum[-1]) if cum.size else 0.0
    served = min(load_mw, total)
    unserved = load_mw - served
    n_below = int(np.searchsorted(p, export_price, side="left"))
    cheap = float(cum[n_below - 1]) if n_below > 0 else 0.0
    export = min(max(cheap - served, 0.0), export_mw_max) if export_mw_max > 0 else 0.0
    quantity = served + export
    acc_sorted = np.clip(quantity - (cum - q), 0.0, q)
    accepted = np.empty_like(acc_sorted)
    accepted[order] = acc_sorted
    if unserved > _TOL_MW:
        marginal = np.inf
    elif 0.0 < export < export_mw_max - _TOL_MW:
        marginal = float(export_price)
    elif quantity > _TOL_MW:
        k = min(int(np.searchsorted(cum, quantity - _TOL_MW, side="left")), len(p) - 1)
        marginal = float(p[k])
    else:
        marginal = float("nan")
    return accepted, export, unserved, marginal


def clear(rule: str, load_mw: float, offer_mw: np.ndarray, offer_price: np.ndarray, *,
          price_cap: float, price_floor: float, export_mw_max: float = 0.0, export_price: float = 0.0,
          tariff_price: float = 0.0) -> Clearing:
    """Clear one step under ``rule`` (see module docstring). Prices in CNY/MWh, quantities in MW."""
    accepted, export, unserved, marginal = merit_order(load_mw, offer_mw, offer_price, export_mw_max, export_price)
    if rule in ("pay_as_clear", "tou_tariff"):
        if np.isnan(marginal):
            marginal = float(offer_price.min()) if offer_price.size else price_floor
        price = float(min(max(marginal, price_floor), price_cap))
        paid = np.full(offer_price.shape, price)
    elif rule == "pay_as_bid":
        paid = np.clip(offer_price, price_floor, price_cap)
        volume = accepted.sum()
        if unserved > _TOL_MW:
            price = float(price_cap)
        elif volume > _TOL_MW:
            price = float((paid * accepted).sum() / volume)
        else:
            price = float(min(max(offer_price.min() if offer_price.size else price_floor, price_floor), price_cap))
    else:
        raise ValueError(f"unknown clearing rule {rule!r}; expected one of {CLEARING_RULES}")
    return Clearing(accepted, paid, price, float(retail_price(rule, price, tariff_price)), float(export),
                    float(unserved))


def tou_price_multiplier(local_hour: np.ndarray, peak_hours, valley_hours, peak_ratio: float,
                         valley_ratio: float) -> np.ndarray:
    """Time-of-use price ratio per step (peak ratio, 1 for flat, valley ratio) from the local hour of day.

    local_hour [h, float, 0–24); windows are (start_h, end_h) pairs, end exclusive, wrapping past midnight
    when end < start. Valley wins over peak where windows overlap. Source: NDRC TOU notice (2021) ratios,
    e.g. Shanghai 1.8 : 1 : 0.4; western Inner Mongolia 1.68 : 1 : 0.48 with a midday valley 11–16 h.
    """
    hour = np.asarray(local_hour, dtype=float)
    ratio = np.ones_like(hour)
    for windows, value in ((peak_hours, peak_ratio), (valley_hours, valley_ratio)):
        for start, end in windows:
            inside = (hour >= start) & (hour < end) if start < end else (hour >= start) | (hour < end)
            ratio = np.where(inside, value, ratio)
    return ratio


class MeritOrder:
    """Clearing for a fixed set of offers whose prices take one of a few known price vectors ("variants", e.g.
    import lines whose price follows an hourly/monthly profile); only quantities change freely between steps.

    Per variant the sorting, the reserve order and the export cut are computed once; ``clear`` then gives the
    same result as ``hold_reserve`` followed by ``clear`` (tested) with a handful of array operations per step.
    It returns the WHOLESALE price (the retail price follows from ``retail_price``).
    """

    def __init__(self, offer_price: np.ndarray, dispatchable: np.ndarray, *, rule: str, price_cap: float,
                 price_floor: float, export_price: float = 0.0):
        if rule not in CLEARING_RULES:
            raise ValueError(f"unknown clearing rule {rule!r}; expected one of {CLEARING_RULES}")
        self.rule = rule
        self.cap = float(price_cap)
        self.floor = float(price_floor)
        self.export_price = float(export_price)
        prices = np.atleast_2d(np.asarray(offer_price, dtype=float))  # [variants, offers]
        disp = np.flatnonzero(dispatchable)
        self._variants = []
        for price in prices:
            order = np.argsort(price, kind="stable")
            p_sorted = price[order]
            self._variants.append((price, order, p_sorted, int(np.searchsorted(p_sorted, export_price, side="left")),
                                   disp[np.argsort(-price[disp], kind="stable")], np.clip(price, self.floor, self.cap),
                                   float(price.min()) if price.size else self.floor))
        self.price = prices[0]
        self.paid_bid = np.clip(prices, self.floor, self.cap)  # [variants, offers]

    def clear(self, load_mw: float, offer_mw: np.ndarray, *, reserve_mw: float = 0.0, export_mw_max: float = 0.0,
              variant: int = 0):
        """Returns (accepted_mw per offer, wholesale price, export_mw, unserved_mw, reserve_shortfall_mw)."""
        _, order, p_sorted, n_below_export, reserve_idx, paid_bid, min_price = self._variants[variant]
        shortfall = 0.0
        if reserve_mw > 0.0:
            requirement = reserve_mw
            reserve_mw = reserve_to_hold(reserve_mw, offer_mw, load_mw)
            q = offer_mw[reserve_idx]
            before = np.cumsum(q) - q
            held = np.minimum(np.maximum(reserve_mw - before, 0.0), q)
            offer_mw = offer_mw.copy()
            offer_mw[reserve_idx] = q - held
            shortfall = max(requirement - float(held.sum()), 0.0)
        q = offer_mw[order]
        cum = np.cumsum(q)
        total = float(cum[-1]) if cum.size else 0.0
        served = min(load_mw, total)
        unserved = load_mw - served
        export = 0.0
        if export_mw_max > 0.0 and n_below_export > 0:
            export = min(max(float(cum[n_below_export - 1]) - served, 0.0), export_mw_max)
        quantity = served + export
        acc_sorted = np.minimum(np.maximum(quantity - (cum - q), 0.0), q)
        accepted = np.empty_like(acc_sorted)
        accepted[order] = acc_sorted
        if unserved > _TOL_MW:
            price = self.cap
        elif self.rule == "pay_as_bid":
            price = dot(paid_bid, accepted) / quantity if quantity > _TOL_MW else min(
                max(min_price, self.floor), self.cap)
        else:
            if 0.0 < export < export_mw_max - _TOL_MW:
                marginal = self.export_price
            elif quantity > _TOL_MW:
                k = min(int(np.searchsorted(cum, quantity - _TOL_MW, side="left")), len(cum) - 1)
                marginal = float(p_sorted[k])
            else:
                marginal = min_price
            price = min(max(marginal, self.floor), self.cap)
        return accepted, price, export, unserved, shortfall
