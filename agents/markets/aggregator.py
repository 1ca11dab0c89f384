"""Aggregator / virtual power plant: enrolment, allocation of a called reduction, and the ledger of an event.

An aggregator enrols members (data centers and other flexible loads), commits a reduction to the grid operator
and passes the called reduction on to its members. Pure functions:

- :func:`allocate_reduction` — split a called reduction [MW] across members, ``pro_rata`` to their available
  flexibility or in ``merit_order`` of their offered price (cheapest first); never more than a member can give,
  and Σ allocation = min(called, Σ available).
- :func:`member_commitments_mw` — each member's commitment: as enrolled, or the aggregator's total split pro
  rata to available flexibility.
- :func:`settle_event` / :func:`settle_capacity` — line items between the parties (grid operator → aggregator
  → members): the energy payment of the event (``agents.markets.demand_response.event_payment_cny``, computed
  on the aggregate response against the aggregate commitment), passed on to members pro rata to their
  measured response; the aggregator's fee (``fee_share_pu`` of each member's gross payment, paid back by the
  member); the under-delivery penalty, paid by the aggregator and recovered from the members pro rata to their
  own shortfall against their commitment (Σ member shortfalls ≥ the aggregate shortfall, so the penalty is
  recovered in full). Every line is a transfer from a payer to a payee, so the ledger sums to zero between
  the parties (tested with hypothesis): DOMAIN.md "Ledgers between parties sum to zero".
"""

from __future__ import annotations

from typing import Annotated, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.markets.demand_response import DemandResponseProgramSpec, event_payment_cny

PartyId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$",
                               description="Id of an actor (letters, digits, _ . -)")]
GRID_OPERATOR = "grid_operator"


class AggregatorSpec(BaseModel):
    """A demand-response aggregator (virtual power plant) and the members it enrols."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: PartyId = Field(description="Id of the aggregator")
    program_id: PartyId | None = Field(None, description="Id of the demand-response program it is enrolled in")
    member_ids: list[PartyId] = Field(min_length=1, max_length=10000,
                                      description="Ids of the enrolled members (data centers, flexible loads)")
    commitment_mw: list[Annotated[float, Field(ge=0, le=10000)]] | None = Field(
        None, description="Committed reduction per member, in the order of member_ids [MW]; null = split "
                          "total_commitment_mw pro rata to available flexibility")
    total_commitment_mw: float | None = Field(
        None, ge=0, le=100000, description="Reduction the aggregator commits to the grid operator [MW]; null = "
                                           "the sum of commitment_mw")
    fee_share_pu: float = Field(0.2, ge=0, le=1, description="Share of each member's gross DR payment kept by "
                                                             "the aggregator as its fee [-]")
    allocation: Literal["pro_rata", "merit_order"] = Field(
        "pro_rata", description="How a called reduction is split: pro rata to available flexibility, or in merit "
                                "order of the members' offered prices")
    offer_price_cny_per_mwh: list[Annotated[float, Field(ge=0, le=50000)]] | None = Field(
        None, description="Members' offered prices for merit-order allocation, in the order of member_ids "
                          "[CNY/MWh]")
    pass_through_penalty: bool = Field(True, description="Recover the under-delivery penalty from the members "
                                                         "who fell short (pro rata to their shortfall)")

    @model_validator(mode="after")
    def _consistent(self):
        n = len(self.member_ids)
        if len(set(self.member_ids)) != n:
            raise ValueError("member_ids must be unique")
        if self.commitment_mw is None and self.total_commitment_mw is None:
            raise ValueError("give commitment_mw per member or total_commitment_mw")
        if self.commitment_mw is not None and len(self.commitment_mw) != n:
            raise ValueError("commitment_mw needs one value per member")
        if (self.commitment_mw is not None and self.total_commitment_mw is not None
                and abs(sum(self.commitment_mw) - self.total_commitment_mw) > 1e-6):
            raise ValueError("total_commitment_mw must equal the sum of commitment_mw")
        if self.allocation == "merit_order" and (self.offer_price_cny_per_mwh is None
                                                 or len(self.offer_price_cny_per_mwh) != n):
            raise ValueError("merit_order allocation needs offer_price_cny_per_mwh, one per member")
        return self


def allocate_reduction(called_mw, available_mw, *, method: str = "pro_rata", offer_price_cny_per_mwh=None):
    """Split a called reduction across members [MW].

    ``called_mw`` scalar or [steps]; ``available_mw`` [members] or [steps, members] (flexibility each member
    can give, ≥ 0). ``pro_rata``: ``x_m = avail_m · min(called / Σ avail, 1)``. ``merit_order``: members sorted
    by ``offer_price_cny_per_mwh`` (stable: ties in member order) fill the call in turn,
    ``x_m = clip(called − cum_before_m, 0, avail_m)``. Returns the shape of ``available_mw`` broadcast to the
    steps of ``called_mw``; Σ_m x = min(called, Σ avail).
    """
    avail = np.maximum(np.asarray(available_mw, dtype=float), 0.0)
    called = np.asarray(called_mw, dtype=float)
    squeeze = avail.ndim == 1 and called.ndim == 0
    avail2 = np.atleast_2d(avail)
    called1 = np.broadcast_to(np.atleast_1d(called), (max(avail2.shape[0], np.atleast_1d(called).shape[0]),))
    avail2 = np.broadcast_to(avail2, (called1.shape[0], avail2.shape[1]))
    if method == "pro_rata":
        total = avail2.sum(axis=1)
        share = np.divide(np.minimum(called1, total), total, out=np.zeros_like(total), where=total > 0)
        out = avail2 * share[:, None]
    elif method == "merit_order":
        if offer_price_cny_per_mwh is None:
            raise ValueError("merit_order needs offer_price_cny_per_mwh")
        order = np.argsort(np.asarray(offer_price_cny_per_mwh, dtype=float), kind="stable")
        a_sorted = avail2[:, order]
        before = np.cumsum(a_sorted, axis=1) - a_sorted
        x_sorted = np.clip(called1[:, None] - before, 0.0, a_sorted)
        out = np.empty_like(x_sorted)
        out[:, order] = x_sorted
    else:
        raise ValueError(f"unknown allocation {method!r}; expected pro_rata or merit_order")
    return out[0] if squeeze else out


def member_commitments_mw(aggregator: AggregatorSpec, available_mw=None) -> np.ndarray:
    """Commitment per member [MW]: as enrolled, or ``total_commitment_mw`` split pro rata to ``available_mw``
    (shares of the flexibility, not capped by it: a member may be committed beyond what it can give)."""
    if aggregator.commitment_mw is not None:
        return np.asarray(aggregator.commitment_mw, dtype=float)
    if available_mw is None:
        raise ValueError("a total commitment is split by the members' available flexibility: give available_mw")
    avail = np.maximum(np.asarray(available_mw, dtype=float), 0.0)
    return _pro_rata(float(aggregator.total_commitment_mw), avail)


class LineItem(NamedTuple):
    payer: str
    payee: str
    item: str
    amount_cny: float  # > 0, paid by payer to payee [CNY]


def net_by_party(ledger) -> dict[str, float]:
    """Net receipts per party [CNY]: Σ received − Σ paid. Sums to zero over the parties."""
    net: dict[str, float] = {}
    for li in ledger:
        net[li.payee] = net.get(li.payee, 0.0) + li.amount_cny
        net[li.payer] = net.get(li.payer, 0.0) - li.amount_cny
    return net


def _pro_rata(amount: float, weights: np.ndarray) -> np.ndarray:
    total = float(weights.sum())
    return amount * weights / total if total > 0 else np.zeros_like(weights)


def _pass_on(ledger: list, aggregator: AggregatorSpec, gross_cny: np.ndarray, item: str) -> None:
    for mid, g in zip(aggregator.member_ids, gross_cny, strict=True):
        if g > 0:
            ledger.append(LineItem(aggregator.id, mid, item, float(g)))
            fee = aggregator.fee_share_pu * float(g)
            if fee > 0:
                ledger.append(LineItem(mid, aggregator.id, "aggregator_fee", fee))


def settle_event(program: DemandResponseProgramSpec, aggregator: AggregatorSpec, *, response_mwh,
                 commitment_mw, duration_h: float, grid_operator_id: str = GRID_OPERATOR) -> list[LineItem]:
    """Ledger of one event: grid operator ↔ aggregator ↔ members (module docstring for the rules).

    ``response_mwh`` [members] measured response energy (``measure_response``), ``commitment_mw`` [members]
    (``member_commitments_mw``), ``duration_h`` [h] event length. Amounts in CNY.
    """
    r = np.asarray(response_mwh, dtype=float)
    c = np.asarray(commitment_mw, dtype=float)
    ev = event_payment_cny(program, response_mwh=float(r.sum()), commitment_mw=float(c.sum()),
                           duration_h=duration_h)
    ledger: list[LineItem] = []
    if ev.payment_cny > 0:
        ledger.append(LineItem(grid_operator_id, aggregator.id, "dr_energy_payment", ev.payment_cny))
        _pass_on(ledger, aggregator, _pro_rata(ev.payment_cny, r), "dr_energy_payment")
    if ev.penalty_cny > 0:
        ledger.append(LineItem(aggregator.id, grid_operator_id, "dr_under_delivery_penalty", ev.penalty_cny))
        if aggregator.pass_through_penalty:
            short = np.maximum(c * duration_h - r, 0.0)
            for mid, p in zip(aggregator.member_ids, _pro_rata(ev.penalty_cny, short), strict=True):
                if p > 0:
                    ledger.append(LineItem(mid, aggregator.id, "dr_under_delivery_penalty", float(p)))
    return ledger


def settle_capacity(program: DemandResponseProgramSpec, aggregator: AggregatorSpec, *, commitment_mw,
                    months: float, grid_operator_id: str = GRID_OPERATOR) -> list[LineItem]:
    """Ledger of the capacity payment: ``rate [CNY/kW-month] · Σ commitment [kW] · months``, passed on to
    members pro rata to their commitment, less the aggregator's fee."""
    c = np.asarray(commitment_mw, dtype=float)
    pay = program.capacity_payment_cny_per_kw_month * float(c.sum()) * 1000.0 * months
    ledger: list[LineItem] = []
    if pay > 0:
        ledger.append(LineItem(grid_operator_id, aggregator.id, "dr_capacity_payment", pay))
        _pass_on(ledger, aggregator, _pro_rata(pay, c), "dr_capacity_payment")
    return ledger
