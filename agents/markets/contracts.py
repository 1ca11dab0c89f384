"""Settlement of bilateral contracts. Types arrive one by one; each has a settle rule here.

- ``heat_purchase``: the heat utility pays the data center ``price_cny_per_mwh`` × delivered heat [MWh_th].
  (PPA, demand response and storage-service contracts arrive with issue 5 as further members of the
  ``Contract`` union in agents.scenario and further settle rules here.)
"""

from __future__ import annotations

import numpy as np

from agents.recording import Recorder


def heat_purchase_payment_cny(heat_mw, price_cny_per_mwh, dt_h: float):
    """Payment for delivered heat: ``heat_mw [MW] × dt_h [h] × price [CNY/MWh]`` → CNY."""
    return np.asarray(heat_mw, dtype=float) * dt_h * np.asarray(price_cny_per_mwh, dtype=float)


class ContractBook:
    """Per-step settlement series of all contracts (recorded under kind "contract", one column per contract)."""

    kind = "contract"

    def __init__(self, heat_purchases: list, recorder: Recorder, dt_h: float, heat_mw: np.ndarray):
        """``heat_mw`` [steps, contracts]: heat delivered under each heat_purchase (scheduled at build)."""
        self.heat_purchases = list(heat_purchases)
        self.ids = [c.id for c in self.heat_purchases]
        self.dt_h = dt_h
        self.price = np.array([c.price_cny_per_mwh for c in self.heat_purchases], dtype=float)
        self.heat_mw = recorder.agent_quantity(self.kind, "heat_mw", self.ids, static=heat_mw)
        self.payment_cny = recorder.agent_quantity(self.kind, "payment_cny", self.ids)

    def settle(self, start: int, stop: int) -> None:
        """Payments for steps [start, stop)."""
        self.payment_cny[start:stop] = heat_purchase_payment_cny(self.heat_mw[start:stop], self.price, self.dt_h)

    def summary(self, stop: int) -> dict[str, dict]:
        out = {}
        for j, c in enumerate(self.heat_purchases):
            heat_mwh = float(self.heat_mw[:stop, j].sum() * self.dt_h)
            pay = float(self.payment_cny[:stop, j].sum())
            out[c.id] = {"type": c.type, "seller_id": c.seller_id, "buyer_id": c.buyer_id,
                         "heat_mwh": heat_mwh, "payment_cny": pay,
                         "mean_heat_mw": float(self.heat_mw[:stop, j].mean()) if stop else 0.0,
                         "price_cny_per_mwh": c.price_cny_per_mwh}
        return out
