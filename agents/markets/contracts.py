"""Settlement rules of bilateral contracts as pure functions (the per-party ledger is agents.ledger).

- heat contracts (``waste_heat_purchase``, legacy ``heat_purchase``): the heat utility pays the data center the
  contract price of the step × delivered heat [MWh_th]; the price is fixed, indexed to the buyer's alternative
  heat cost, or a share of the buyer's saving (:func:`heat_contract_price_cny_per_mwh`), set at build time for
  the horizon from the published forecasts (so the utility dispatches on it, agents.actors.heat_utility).
"""

from __future__ import annotations

import numpy as np

from agents.physics.heat_pump import carnot_cop
from agents.recording import Recorder
from agents.strategies.heat_dispatch import unit_heat_cost_cny_per_mwh


def heat_purchase_payment_cny(heat_mw, price_cny_per_mwh, dt_h: float):
    """Payment for delivered heat: ``heat_mw [MW] × dt_h [h] × price [CNY/MWh]`` → CNY."""
    return np.asarray(heat_mw, dtype=float) * dt_h * np.asarray(price_cny_per_mwh, dtype=float)


def alternative_heat_cost_cny_per_mwh(units, temp_c, buy_price_cny_per_mwh, sell_price_cny_per_mwh,
                                      carbon_price_cny_per_t: float, supply_temp_c: float) -> np.ndarray:
    """Cost of the buyer's cheapest own heat unit per MWh_th of each step [steps] (its alternative to DC heat).

    Per unit the utility's own merit-order cost (agents.strategies.heat_dispatch.unit_heat_cost_cny_per_mwh):
    fuel units ``(fuel price + CO2 × carbon price) / η_th``, CHP minus the power sold ``p_sell × η_el / η_th``,
    air-source heat pumps ``p_buy / COP(T_out → supply)`` (agents.physics.heat_pump.carnot_cop), electric
    boilers ``p_buy / η``. ``units``: the utility's HeatUnit specs; prices [steps] [CNY/MWh]; ``temp_c``
    [steps]. A utility without units has no alternative: +inf (an indexed price then falls back to its floor)."""
    buy = np.asarray(buy_price_cny_per_mwh, dtype=float)
    if not units:
        return np.full(buy.shape, np.inf)
    fuel = np.array([u.kind in ("gas_boiler", "coal_boiler", "chp") for u in units])
    eff = np.array([u.efficiency_pu for u in units], dtype=float)
    el_per_heat = np.zeros((buy.size, len(units)))
    for k, u in enumerate(units):
        if u.kind == "air_source_heat_pump":
            cop = carnot_cop(np.asarray(temp_c, dtype=float), supply_temp_c, u.carnot_efficiency)
            el_per_heat[:, k] = 1.0 / np.maximum(cop, 1.0)
        elif u.kind == "electric_boiler":
            el_per_heat[:, k] = 1.0 / u.efficiency_pu
    cost = unit_heat_cost_cny_per_mwh(
        fuel_per_heat=np.where(fuel, 1.0 / eff, 0.0),
        fuel_cost_cny_per_mwh=np.array([u.fuel_price_cny_per_mwh + u.fuel_co2_t_per_mwh * carbon_price_cny_per_t
                                        for u in units]),
        el_per_heat=el_per_heat,
        chp_el_per_heat=np.array([u.electrical_efficiency / u.efficiency_pu if u.kind == "chp" else 0.0
                                  for u in units]),
        buy_price_cny_per_mwh=buy, sell_price_cny_per_mwh=sell_price_cny_per_mwh)
    return cost.min(axis=1)


def heat_contract_price_cny_per_mwh(pricing, alternative_cny_per_mwh, buyer_electricity_cny_per_mwh=0.0):
    """Contract price of delivered heat per step [CNY/MWh_th].

    fixed: ``price``; indexed: ``max(factor × alternative + adder, floor)``; shared_savings:
    ``share × max(alternative − buyer's heat-pump electricity per MWh_th, 0)`` (the saving the heat brings the
    buyer before it pays the seller). ``alternative_cny_per_mwh`` [steps] (agents.markets.contracts
    .alternative_heat_cost_cny_per_mwh); non-finite alternatives (no own units) give the floor / 0."""
    alt = np.asarray(alternative_cny_per_mwh, dtype=float)
    if pricing.kind == "fixed":
        return np.full(alt.shape, float(pricing.price_cny_per_mwh))
    finite = np.isfinite(alt)
    if pricing.kind == "indexed":
        raw = np.where(finite, pricing.factor_pu * np.where(finite, alt, 0.0) + pricing.adder_cny_per_mwh, 0.0)
        return np.maximum(raw, pricing.floor_cny_per_mwh)
    saving = np.where(finite, np.where(finite, alt, 0.0) - buyer_electricity_cny_per_mwh, 0.0)
    return pricing.seller_share_pu * np.maximum(saving, 0.0)


def heat_contract_prices(contracts, utilities: dict, temp_c, buy_price_cny_per_mwh, sell_price_cny_per_mwh,
                         carbon_price_cny_per_t: float, buyer_el_per_heat) -> np.ndarray:
    """[steps, contracts] contract price of each heat contract [CNY/MWh_th] on the forecast prices: the buyer's
    alternative (``utilities[buyer_id]``: its cheapest own unit, hottest network supply temperature) and, for
    shared savings, its heat-pump electricity ``buyer_el_per_heat[j]`` [MWh_el/MWh_th] × the buy price."""
    buy = np.asarray(buy_price_cny_per_mwh, dtype=float)
    out = np.zeros((buy.size, len(contracts)))
    for j, c in enumerate(contracts):
        if c.pricing.kind == "fixed":
            out[:, j] = c.pricing.price_cny_per_mwh
            continue
        u = utilities[c.buyer_id]
        alt = alternative_heat_cost_cny_per_mwh(u.units, temp_c, buy, sell_price_cny_per_mwh, carbon_price_cny_per_t,
                                                max(n.supply_temp_c for n in u.networks))
        out[:, j] = heat_contract_price_cny_per_mwh(c.pricing, alt, float(buyer_el_per_heat[j]) * buy)
    return out


class ContractBook:
    """Per-step settlement series of all contracts (recorded under kind "contract", one column per contract)."""

    kind = "contract"

    def __init__(self, heat_purchases: list, recorder: Recorder, dt_h: float, heat_mw: np.ndarray,
                 price_cny_per_mwh: np.ndarray | None = None):
        """``heat_mw`` [steps, contracts]: heat delivered under each heat contract (scheduled at build);
        ``price_cny_per_mwh`` [steps, contracts] the contract price of each step (default: the fixed prices)."""
        self.heat_purchases = list(heat_purchases)
        self.ids = [c.id for c in self.heat_purchases]
        self.dt_h = dt_h
        self.price = (np.array([c.pricing.price_cny_per_mwh for c in self.heat_purchases], dtype=float)
                      if price_cny_per_mwh is None else np.asarray(price_cny_per_mwh, dtype=float))
        self.heat_mw = recorder.agent_quantity(self.kind, "heat_mw", self.ids, static=heat_mw)
        self.payment_cny = recorder.agent_quantity(self.kind, "payment_cny", self.ids)

    def settle(self, start: int, stop: int) -> None:
        """Payments for steps [start, stop)."""
        price = self.price[start:stop] if self.price.ndim == 2 else self.price
        self.payment_cny[start:stop] = heat_purchase_payment_cny(self.heat_mw[start:stop], price, self.dt_h)

    def _mean_price(self, j: int, stop: int) -> float:
        if self.price.ndim == 1:
            return float(self.price[j])
        return float(self.price[:max(stop, 1), j].mean()) if self.price.shape[0] else 0.0

    def summary(self, stop: int) -> dict[str, dict]:
        out = {}
        for j, c in enumerate(self.heat_purchases):
            heat_mwh = float(self.heat_mw[:stop, j].sum() * self.dt_h)
            pay = float(self.payment_cny[:stop, j].sum())
            out[c.id] = {"type": c.type, "seller_id": c.seller_id, "buyer_id": c.buyer_id,
                         "heat_mwh": heat_mwh, "payment_cny": pay,
                         "mean_heat_mw": float(self.heat_mw[:stop, j].mean()) if stop else 0.0,
                         "price_cny_per_mwh": pay / heat_mwh if heat_mwh > 0 else self._mean_price(j, stop)}
        return out
