"""The contract ledger: every contract settles every step into line items between its parties.

A **line** is (contract, category, payer, payee); its amount [CNY] per step is what the payer pays the payee
(negative = the other way). A party's signed view is +amount as payee, −amount as payer. Payees or payers
``external`` are outside the region's parties (the investment and running cost of a contract's assets as
annuities); every other line is a transfer between two parties, so those sum to zero at every step.

Categories: ``energy`` (heat, PPA energy, the market value of a storage share), ``capacity`` (DR availability,
storage lease), ``event`` (DR per-event payment), ``penalty`` (DR under-delivery, take-or-pay shortfall),
``certificates`` (green certificates), ``tolling`` (storage tolling fee), ``capex`` (annuity of an asset's
investment over its lifetime at the contract's discount rate), ``opex`` (fixed operating cost).

Rules per type (pure functions below; docs/contracts.md):

- heat: buyer → seller ``price_t × heat_t × dt`` (the heat the utility dispatched from the DC, at the contract
  price of the step); take-or-pay: at the last step of the horizon, buyer → seller
  ``max(min_mwh_per_year × hours/8760 − delivered, 0) × take_or_pay_price_pu × mean price``;
- green PPA, volume ``V_t`` = share × the plant's metered output (pay as produced) or the baseload block;
  renewable ``R_t`` = share × output, or min(baseload, output). fixed: buyer → seller strike × V, grid
  operator → buyer buyer's price × V (the sleeved energy replaces its bill), seller → grid operator
  wholesale × V (the plant's market revenue for it, and firming of a baseload shortfall); cfd: buyer → seller
  (strike − wholesale) × V; certificates (when transferred): buyer → seller certificate price × R;
- demand response: grid operator → provider ``capacity × rate/8760 × dt`` every step; per called event
  (measured when its end + 3 h is settled, like agents.dr_desk, against the contract's baseline method over
  the provider's members) committed = Σ min(called, capacity) dt, response = Σ (baseline − metered) dt:
  grid → provider event rate × clip(response, 0, committed), provider → grid penalty × max(committed −
  response, 0), both spread evenly over the event's steps;
- storage service, share ``s = capacity / battery power``: seller → user s × (revenue − cost) of the battery
  each step (the user takes that share's market value); user → seller lease × capacity × dt / 730 h (lease) or
  fee × s × discharged energy (tolling).

The ledger computes from recorded results only, so it is the same however the run is sliced or resumed.
"""

from __future__ import annotations

import numpy as np

from agents.contract_types import HEAT_CONTRACT_TYPES
from agents.finance import annuity_factor_pu
from agents.markets import baselines
from agents.markets import demand_response as dr

EXTERNAL = "external"
HOURS_PER_YEAR = 8760.0
HOURS_PER_MONTH = HOURS_PER_YEAR / 12.0
AFTER_WINDOW_H = 3.0  # as agents.dr_desk: an event is measured once its end + 3 h is settled
CATEGORIES = ("energy", "capacity", "event", "penalty", "certificates", "tolling", "capex", "opex")


# ---------------------------------------------------------------------------------------------------- pure rules


def ppa_volume_mw(shape: str, output_mw, share_pu: float, baseload_mw: float):
    """(contracted volume V, renewable volume R) [MW] from the plant's metered output [steps]."""
    out = np.maximum(np.asarray(output_mw, dtype=float), 0.0)
    if shape == "baseload":
        return np.full(out.shape, float(baseload_mw)), np.minimum(out, baseload_mw)
    return share_pu * out, share_pu * out


def ppa_amounts_cny(settlement: str, volume_mw, renewable_mw, strike_cny_per_mwh: float, wholesale_cny_per_mwh,
                    buyer_price_cny_per_mwh, certificate_cny_per_mwh: float, certificates: bool, dt_h: float) -> dict:
    """PPA line amounts per step [CNY]: {(category, payer, payee): amount} with payer/payee 'buyer', 'seller',
    'grid' (module docstring)."""
    v = np.asarray(volume_mw, dtype=float) * dt_h
    w = np.asarray(wholesale_cny_per_mwh, dtype=float)
    out = {}
    if settlement == "cfd":
        out[("energy", "buyer", "seller")] = (strike_cny_per_mwh - w) * v
    else:
        out[("energy", "buyer", "seller")] = strike_cny_per_mwh * v
        out[("energy", "grid", "buyer")] = np.asarray(buyer_price_cny_per_mwh, dtype=float) * v
        out[("energy", "seller", "grid")] = w * v
    if certificates:
        out[("certificates", "buyer", "seller")] = certificate_cny_per_mwh * np.asarray(renewable_mw, float) * dt_h
    return out


def dr_event_amounts_cny(called_mw, baseline_mw, metered_mw, capacity_mw: float, event_cny_per_mwh: float,
                         penalty_cny_per_mwh: float, dt_h: float):
    """One DR event over its steps: (committed MWh, response MWh, event payment [steps], penalty [steps]).

    ``called_mw`` [steps] the reduction the provider was asked for, ``baseline_mw`` / ``metered_mw`` [steps]
    its baseline and metered draw (summed over its members)."""
    called = np.minimum(np.maximum(np.asarray(called_mw, dtype=float), 0.0), capacity_mw)
    committed = float(called.sum() * dt_h)
    response = float(dr.measure_response(np.asarray(baseline_mw, float), np.asarray(metered_mw, float),
                                         dt_h).response_mwh.sum())
    n = max(called.size, 1)
    pay = np.full(called.size, event_cny_per_mwh * min(max(response, 0.0), committed) / n)
    penalty = np.full(called.size, penalty_cny_per_mwh * max(committed - max(response, 0.0), 0.0) / n)
    return committed, response, pay, penalty


def storage_amounts_cny(kind: str, share_pu: float, capacity_mw: float, revenue_cny, cost_cny, discharge_mw,
                        lease_cny_per_mw_month: float, tolling_cny_per_mwh: float, dt_h: float) -> dict:
    """Storage-service line amounts per step [CNY]: {(category, payer, payee): amount} (module docstring)."""
    net = np.asarray(revenue_cny, dtype=float) - np.asarray(cost_cny, dtype=float)
    out = {("energy", "seller", "buyer"): share_pu * net}
    if kind == "capacity_lease":
        out[("capacity", "buyer", "seller")] = np.full(net.shape, lease_cny_per_mw_month * capacity_mw
                                                       * dt_h / HOURS_PER_MONTH)
    else:
        out[("tolling", "buyer", "seller")] = tolling_cny_per_mwh * share_pu * np.asarray(discharge_mw, float) * dt_h
    return out


def asset_lines(contract) -> list[tuple[str, str, float]]:
    """(category, payer role, CNY per year) of a contract's assets: capex annuity and opex."""
    out = []
    for asset in (getattr(contract, "heat_pump", None), getattr(contract, "pipe", None)):
        if asset is None:
            continue
        if asset.capex_cny > 0:
            out.append(("capex", asset.payer, asset.capex_cny * annuity_factor_pu(contract.discount_rate_pu,
                                                                                  asset.lifetime_years)))
        if asset.opex_cny_per_year > 0:
            out.append(("opex", asset.payer, asset.opex_cny_per_year))
    return out


# ---------------------------------------------------------------------------------------------------- the book


class ContractLedger:
    """Line items of every contract of a model, settled for steps [0, settled) (module docstring).

    ``lines``: [(contract_id, category, payer_id, payee_id)], ``amount_cny`` [steps, lines]."""

    def __init__(self, model):
        self.model = model
        self.contracts = list(model.scenario.contracts)
        self.dt_h = model.dt_h
        self.steps = model.total_steps
        self.grid_id = model.grid.ids[0] if model.grid.ids else "grid"
        self.lines: list[tuple[str, str, str, str]] = []
        self._rules: list = []  # per contract: settle(start, stop) writing its columns
        self.renewable_mw = np.zeros((self.steps, len(self.contracts)))  # PPA renewable volume R (0 otherwise)
        self.volume_mw = np.zeros((self.steps, len(self.contracts)))  # heat, PPA volume, DR called, storage share
        self.events: dict[str, list[dict]] = {}
        for j, c in enumerate(self.contracts):
            self._rules.append(self._rule(j, c))
        self.amount_cny = np.zeros((self.steps, len(self.lines)))
        self.settled = 0

    # ---- building ------------------------------------------------------------------------------------------

    def _line(self, contract, category: str, payer: str, payee: str) -> int:
        roles = {"buyer": contract.buyer_id, "seller": contract.seller_id, "grid": self.grid_id,
                 EXTERNAL: EXTERNAL}
        self.lines.append((contract.id, category, roles[payer], roles[payee]))
        return len(self.lines) - 1

    def _assets(self, c):
        cols = [(self._line(c, cat, payer, EXTERNAL), per_year) for cat, payer, per_year in asset_lines(c)]

        def settle(a: int, z: int) -> None:
            for col, per_year in cols:
                self.amount_cny[a:z, col] = per_year * self.dt_h / HOURS_PER_YEAR
        return settle

    def _rule(self, j: int, c):
        m = self.model
        assets = self._assets(c)
        if c.type in HEAT_CONTRACT_TYPES:
            k = [x.id for x in m.contracts.heat_purchases].index(c.id)
            energy = self._line(c, "energy", "buyer", "seller")
            top = self._line(c, "penalty", "buyer", "seller") if c.take_or_pay_min_mwh_per_year > 0 else None

            def settle(a: int, z: int) -> None:
                heat = m.contracts.heat_mw[a:z, k]
                price = m.heat_contract_price[a:z, k]
                self.volume_mw[a:z, j] = heat
                self.amount_cny[a:z, energy] = heat * price * self.dt_h
                if top is not None and z == self.steps:
                    delivered = float(m.contracts.heat_mw[:, k].sum() * self.dt_h)
                    hours = self.steps * self.dt_h
                    shortfall = max(c.take_or_pay_min_mwh_per_year * hours / HOURS_PER_YEAR - delivered, 0.0)
                    mean_price = float(m.heat_contract_price[:, k].mean())
                    self.amount_cny[z - 1, top] = shortfall * c.take_or_pay_price_pu * mean_price
                assets(a, z)
            return settle
        if c.type == "green_ppa":
            plant = m.renewables.ids.index(c.seller_id)
            buyer = m.dcs.ids.index(c.buyer_id)
            keys = list(ppa_amounts_cny(c.settlement, np.zeros(1), np.zeros(1), 0.0, np.zeros(1), np.zeros(1), 0.0,
                                        c.certificates, 1.0))
            cols = [self._line(c, *key) for key in keys]

            def settle(a: int, z: int) -> None:
                v, r = ppa_volume_mw(c.shape, m.renewables.power[a:z, plant], c.share_pu, c.baseload_mw)
                self.volume_mw[a:z, j] = v
                self.renewable_mw[a:z, j] = r if c.certificates else 0.0
                buyer_price = m.r[m.dc_price_quantity][a:z]
                amounts = ppa_amounts_cny(c.settlement, v, r, c.strike_price_cny_per_mwh,
                                          m.r["wholesale_price_cny_per_mwh"][a:z], buyer_price,
                                          c.certificate_price_cny_per_mwh, c.certificates, self.dt_h)
                for key, col in zip(keys, cols, strict=True):
                    self.amount_cny[a:z, col] = amounts[key]
                assets(a, z)
            del buyer
            return settle
        if c.type == "demand_response":
            return self._dr_rule(j, c, assets)
        if c.type == "storage_service":
            unit = m.storage.ids.index(c.seller_id)
            share = min(c.capacity_mw / m.storage.p_max[unit], 1.0)
            keys = list(storage_amounts_cny(c.kind, share, c.capacity_mw, np.zeros(1), np.zeros(1), np.zeros(1),
                                            0.0, 0.0, 1.0))
            cols = [self._line(c, *key) for key in keys]

            def settle(a: int, z: int) -> None:
                p = m.storage.power[a:z, unit]
                self.volume_mw[a:z, j] = share * np.abs(p)
                amounts = storage_amounts_cny(c.kind, share, c.capacity_mw, m.storage.revenue_cny[a:z, unit],
                                              m.storage.cost_cny[a:z, unit], np.maximum(-p, 0.0),
                                              c.lease_cny_per_mw_month, c.tolling_fee_cny_per_mwh, self.dt_h)
                for key, col in zip(keys, cols, strict=True):
                    self.amount_cny[a:z, col] = amounts[key]
                assets(a, z)
            return settle
        raise ValueError(f"no ledger rule for contract type {c.type!r}")

    def _dr_rule(self, j: int, c, assets):
        m = self.model
        desk = m.dr
        aggs = {a.id: k for k, a in enumerate(desk.aggregators)}
        if c.seller_id in aggs:
            k = aggs[c.seller_id]
            members = desk.members[k]
            in_call = lambda call: c.seller_id in call["aggregators"]  # noqa: E731
        else:
            dc = m.dcs.ids.index(c.seller_id)
            members = np.array([dc])
            mine = {a.id for a in desk.aggregators if c.seller_id in a.member_ids}
            in_call = lambda call: bool(mine & set(call["aggregators"]))  # noqa: E731
        cap_col = self._line(c, "capacity", "grid", "seller")
        event_col = self._line(c, "event", "grid", "seller")
        pen_col = self._line(c, "penalty", "seller", "grid")
        events = self.events.setdefault(c.id, [])
        done = {"calls": 0}
        after = int(np.ceil(AFTER_WINDOW_H / self.dt_h - 1e-9))
        spd = desk.spd

        def settle(a: int, z: int) -> None:
            self.amount_cny[a:z, cap_col] = c.capacity_mw * c.capacity_payment_cny_per_mw_year * self.dt_h \
                / HOURS_PER_YEAR
            assets(a, z)
            while done["calls"] < len(desk.calls):
                call = desk.calls[done["calls"]]
                s, e = call["start_step"], call["end_step"]
                stop = min(e + after, self.steps)
                if stop > z:
                    return
                done["calls"] += 1
                if not in_call(call):
                    continue
                event_days = np.zeros(desk.day_of_week_by_day.size, dtype=bool)
                for other in desk.calls:
                    if other["start_step"] < s:
                        event_days[other["start_step"] // spd] = True
                eligible = baselines.eligible_days(desk.day_of_week_by_day, excluded=event_days)
                load = m.dcs.grid_power_mw(0, stop)[:, members].sum(axis=1)
                called = desk.called_mw[s:e][:, members].sum(axis=1)
                self.volume_mw[s:e, j] = called
                try:
                    base = baselines.baseline(c.baseline_method, load, eligible, event_start_step=s,
                                              event_end_step=e, dt_h=self.dt_h).baseline_mw
                    base = np.asarray(base, dtype=float)
                    base = base.sum(axis=1) if base.ndim == 2 else base
                except ValueError as exc:
                    events.append({"start_step": s, "end_step": e, "measured": False, "reason": str(exc)})
                    continue
                committed, response, pay, pen = dr_event_amounts_cny(
                    called, base, load[s:e], c.capacity_mw, c.event_payment_cny_per_mwh, c.penalty_cny_per_mwh,
                    self.dt_h)
                self.amount_cny[s:e, event_col] = pay
                self.amount_cny[s:e, pen_col] = pen
                events.append({"start_step": s, "end_step": e, "measured": True, "committed_mwh": committed,
                               "response_mwh": response, "event_payment_cny": float(pay.sum()),
                               "penalty_cny": float(pen.sum())})
        return settle

    # ---- settling and reading -------------------------------------------------------------------------------

    def settle(self, stop: int) -> None:
        """Settle steps [settled, stop) of every contract (vectorised over the window)."""
        a = self.settled
        if stop <= a:
            return
        for rule in self._rules:
            rule(a, stop)
        self.settled = stop

    def party_amounts_cny(self, start: int = 0, stop: int | None = None) -> dict[str, dict[str, np.ndarray]]:
        """{contract_id: {party_id: signed CNY per step [stop − start]}} (+ received, − paid; external left out)."""
        stop = self.settled if stop is None else min(stop, self.settled)
        out: dict[str, dict[str, np.ndarray]] = {c.id: {} for c in self.contracts}
        for col, (cid, _cat, payer, payee) in enumerate(self.lines):
            amount = self.amount_cny[start:stop, col]
            for party, sign in ((payer, -1.0), (payee, 1.0)):
                if party != EXTERNAL:
                    row = out[cid].setdefault(party, np.zeros(stop - start))
                    row += sign * amount
        return out

    def items(self, stop: int | None = None) -> list[dict]:
        """Line items over steps [0, stop): contract, category, payer, payee, amount [CNY] (payer → payee)."""
        stop = self.settled if stop is None else min(stop, self.settled)
        return [{"contract_id": cid, "category": cat, "payer_id": payer, "payee_id": payee,
                 "amount_cny": float(self.amount_cny[:stop, col].sum())}
                for col, (cid, cat, payer, payee) in enumerate(self.lines)]

    def summary(self, stop: int | None = None) -> dict[str, dict]:
        """Per contract: type, parties and per party the signed total per category and ``net_cny`` (KPIs)."""
        stop = self.settled if stop is None else min(stop, self.settled)
        out = {}
        for j, c in enumerate(self.contracts):
            parties = {pid: dict.fromkeys((f"{cat}_cny" for cat in CATEGORIES), 0.0)
                       for pid in (c.seller_id, c.buyer_id)}
            for col, (cid, cat, payer, payee) in enumerate(self.lines):
                if cid != c.id:
                    continue
                total = float(self.amount_cny[:stop, col].sum())
                for party, sign in ((payer, -1.0), (payee, 1.0)):
                    if party != EXTERNAL:
                        parties.setdefault(party, dict.fromkeys((f"{x}_cny" for x in CATEGORIES), 0.0))
                        parties[party][f"{cat}_cny"] += sign * total
            for row in parties.values():
                row["net_cny"] = float(sum(row[f"{x}_cny"] for x in CATEGORIES))
            volume = float(self.volume_mw[:stop, j].sum() * self.dt_h)
            entry = {"type": c.type, "seller_id": c.seller_id, "buyer_id": c.buyer_id, "volume_mwh": volume,
                     "renewable_mwh": float(self.renewable_mw[:stop, j].sum() * self.dt_h), "parties": parties}
            if c.type == "demand_response":
                ev = [e for e in self.events.get(c.id, []) if e["end_step"] <= stop]
                entry.update({"dr_events": len(ev),
                              "committed_mwh": float(sum(e.get("committed_mwh", 0.0) for e in ev)),
                              "response_mwh": float(sum(e.get("response_mwh", 0.0) for e in ev)),
                              "events": ev})
            out[c.id] = entry
        return out

    def renewable_to_dcs_mw(self, dc_ids, start: int, stop: int) -> np.ndarray:
        """Renewable energy delivered under PPAs with certificates to each data center [steps, DCs] [MW]."""
        pos = {d: i for i, d in enumerate(dc_ids)}
        out = np.zeros((max(stop - start, 0), len(dc_ids)))
        for j, c in enumerate(self.contracts):
            if c.type == "green_ppa" and c.buyer_id in pos:
                out[:, pos[c.buyer_id]] += self.renewable_mw[start:stop, j]
        return out
