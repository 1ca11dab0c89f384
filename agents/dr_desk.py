"""The grid operator's demand-response desk: calls events from its published forecast, aggregators allocate
them to their members, the response is measured against the program's baseline and settled.

Wiring of the pure modules agents.markets.demand_response (triggers, measurement, payment),
agents.markets.aggregator (enrolment, allocation, ledger) and agents.markets.baselines into the phase loop:

- **call** (grid operator's observe, at the first step of each day): each price- or scarcity-triggered
  program runs ``trigger_events`` on the NEXT day's day-ahead forecast (published that step,
  agents.signals; the month's count of events carried from day to day); explicit events of the scenario
  are called at their notice (``start − notice_h``); a triggered window overlapping an explicit event or an
  event already called under the program is dropped (not counted). Calls are published in ``signals.dr_calls``.
- **allocate**: an event's reduction (its ``called_mw``, else the program's aggregators' commitments) is
  split between the aggregators pro rata to commitment, and by each aggregator between its members
  (``allocate_reduction`` over their commitments: pro rata or merit order). ``called_mw`` [steps, members]
  is what each enrolled data center is asked to shed; data centers observe it (``called_for``).
- **respond**: HOOK — a data center's strategy decides how it delivers (deferring work, backup
  generators); with strategy ``none`` it does not change its load, so the measured response is what its
  load happens to do against the baseline.
- **settle** (when the settled steps pass the end of an event + 3 h, the PJM 3 + 2 after-window): the
  members' metered grid draw is compared with the baseline (``baseline`` of the program's method, eligible
  days = workdays that were not event days), ``measure_response``, and the ledger of ``settle_event``.

Commitments given as ``total_commitment_mw`` are split pro rata to the members' IT capacity (their available
flexibility is not known ahead; assumption [A], as the Shanghai recipe).
"""

from __future__ import annotations

import numpy as np

from agents.markets import aggregator as agg
from agents.markets import baselines
from agents.markets import demand_response as dr

AFTER_WINDOW_H = 3.0  # settled steps needed after an event before it is measured (PJM 3 + 2: 1 h gap + 2 h)


class DemandResponseDesk:
    """Programs, aggregators and events of a scenario on the model's clock (module docstring)."""

    def __init__(self, section, dcs, *, steps: int, dt_h: float, horizon_start, local_month: np.ndarray,
                 day_of_week: np.ndarray):
        self.programs = {p.id: p for p in section.programs}
        self.aggregators = list(section.aggregators)
        self.steps, self.dt_h = int(steps), float(dt_h)
        self.spd = max(1, round(24.0 / self.dt_h))
        self.local_month = np.asarray(local_month, dtype=int)
        self.day_of_week_by_day = np.asarray(day_of_week, dtype=int)[::self.spd]
        pos = {d: i for i, d in enumerate(dcs.ids)}
        self.members = [np.array([pos[m] for m in a.member_ids], dtype=int) for a in self.aggregators]
        self._cap_mw = dcs._param("it_capacity_mw")
        self.commitment_mw = [agg.member_commitments_mw(a, self._cap_mw[m])
                              for a, m in zip(self.aggregators, self.members, strict=True)]
        self.enrolled = np.unique(np.concatenate(self.members)) if self.members else np.zeros(0, dtype=int)
        # what a member is paid per MWh of response: the program's energy payment less its aggregator's fee
        # (a DC's backup generators run for DR when this covers their offer, agents.actors.dc_backup)
        self.member_price_cny_per_mwh = np.zeros(dcs.n)
        for a, m in zip(self.aggregators, self.members, strict=True):
            if a.program_id in self.programs:
                price = self.programs[a.program_id].energy_payment_cny_per_mwh * (1.0 - a.fee_share_pu)
                self.member_price_cny_per_mwh[m] = np.maximum(self.member_price_cny_per_mwh[m], price)
        self.called_mw = np.zeros((self.steps, dcs.n)) if self.aggregators else np.zeros((0, dcs.n))
        self.calls: list[dict] = []  # one per event: program, start, end, notified, called per aggregator
        self._terms: list[dict] = []  # per call: {aggregator index: (its spec, member commitments [MW])} at the call
        self._explicit = []
        for e in section.events:
            e = e.model_copy(update={"start": e.start.replace(tzinfo=None), "end": e.end.replace(tzinfo=None)})
            start, end = dr.event_window_steps(e, horizon_start, self.dt_h)
            notified = max(0, start - int(np.ceil(e.notice_h / self.dt_h - 1e-9)))
            self._explicit.append((notified, e.program_id, start, min(end, self.steps), e.called_mw))
        self._counts = {pid: {} for pid in self.programs}
        self._in_event = {pid: np.zeros(self.steps, dtype=bool) for pid in self.programs}
        for _, pid, start, end, _ in self._explicit:  # the operator's own planned calls hold their steps
            self._in_event[pid][start:end] = True
        self._settled_calls = 0
        self.ledger: list[agg.LineItem] = []
        self.results: list[dict] = []
        self.active = bool(self.programs)

    # ---- the grid operator's observe ----------------------------------------------------------------------

    def observe(self, t: int, signals) -> None:
        """Call the events of explicit notices due at ``t`` and, at a day's first step, the triggered ones."""
        for notified, pid, start, end, called in self._explicit:
            if notified == t:
                self._call(pid, start, end, t, called, signals)
        if not signals.new_day:
            return
        start, stop = signals.day_window(1)
        if stop <= start:
            return
        for pid, program in self.programs.items():
            if program.id not in {a.program_id for a in self.aggregators}:
                continue
            if program.trigger == "price":
                kw = {"forecast_price_cny_per_mwh": signals.day_ahead_window("price_cny_per_mwh", 1)}
            else:
                kw = {"forecast_reserve_margin_pu": signals.day_ahead_window("reserve_margin_pu", 1)}
            months = self.local_month[start:stop]
            windows = dr.trigger_events(program, dt_h=self.dt_h, issued_step=t - start, month_of_step=months,
                                        prior_events_by_month=self._counts[pid], **kw)
            busy = self._in_event[pid][start:stop]  # explicit or earlier calls hold these steps
            keep = np.array([not busy[s:e].any() for s, e in zip(windows.start_step, windows.end_step, strict=True)],
                            dtype=bool)
            windows = dr.EventWindows(windows.start_step[keep], windows.end_step[keep], windows.notified_step[keep])
            self._counts[pid] = dr.count_events_by_month(windows, months, self._counts[pid])
            for s, e in zip(windows.start_step, windows.end_step, strict=True):
                self._call(pid, start + int(s), start + int(e), t, None, signals)

    def _call(self, program_id: str, start: int, end: int, t: int, called_mw, signals) -> None:
        idx = [k for k, a in enumerate(self.aggregators) if a.program_id == program_id]
        if not idx or end <= start:
            return
        totals = np.array([self.commitment_mw[k].sum() for k in idx])
        share = totals * (1.0 if called_mw is None else min(called_mw / totals.sum(), 1.0)) if totals.sum() > 0 \
            else totals
        for k, called in zip(idx, share, strict=True):
            a = self.aggregators[k]
            x = agg.allocate_reduction(float(called), self.commitment_mw[k], method=a.allocation,
                                       offer_price_cny_per_mwh=a.offer_price_cny_per_mwh)
            self.called_mw[start:end, self.members[k]] += x[None, :]
        self._in_event[program_id][start:end] = True
        self._terms.append({k: (self.aggregators[k], self.commitment_mw[k]) for k in idx})
        n = sum(c["program_id"] == program_id for c in self.calls) + 1
        self.calls.append({"event_id": f"{program_id}#{n}", "program_id": program_id, "start_step": start,
                           "end_step": end, "notified_step": t,
                           "aggregators": [self.aggregators[k].id for k in idx]})
        signals.dr_calls.append((program_id, start, end, t))

    def apply_aggregator(self, aggregator_id: str, spec) -> None:
        """A DR bid decided at run time (agents.decisions): aggregator ``aggregator_id`` commits ``spec``'s
        reduction / offer prices / allocation for the events called from now on (events already called keep the
        terms of their call, which their settlement uses)."""
        k = next(i for i, a in enumerate(self.aggregators) if a.id == aggregator_id)
        self.aggregators[k] = spec
        self.commitment_mw[k] = agg.member_commitments_mw(spec, self._cap_mw[self.members[k]])

    def called_for(self, t: int, members: np.ndarray) -> np.ndarray:
        """Reduction the members are asked to shed at step ``t`` [MW] (0 outside events)."""
        return self.called_mw[t, members]

    # ---- settlement -----------------------------------------------------------------------------------------

    def settle(self, settled: int, grid_power_mw) -> None:
        """Measure and settle every called event whose end + AFTER_WINDOW_H is settled; ``grid_power_mw(a, z)``
        → the data centers' metered grid draw [steps, DCs]."""
        after = int(np.ceil(AFTER_WINDOW_H / self.dt_h - 1e-9))
        while self._settled_calls < len(self.calls):
            call = self.calls[self._settled_calls]
            if min(call["end_step"] + after, self.steps) > settled:
                return
            self._settle_call(call, self._terms[self._settled_calls], grid_power_mw)
            self._settled_calls += 1

    def _settle_call(self, call: dict, terms: dict, grid_power_mw) -> None:
        program = self.programs[call["program_id"]]
        start, end = call["start_step"], call["end_step"]
        stop = min(end + int(np.ceil(AFTER_WINDOW_H / self.dt_h - 1e-9)), self.steps)
        days = self.day_of_week_by_day.size
        event_days = np.zeros(days, dtype=bool)
        for c in self.calls:
            if c["start_step"] < start:
                event_days[c["start_step"] // self.spd] = True
        eligible = baselines.eligible_days(self.day_of_week_by_day, excluded=event_days)
        load = grid_power_mw(0, stop)
        dt, duration_h = self.dt_h, (end - start) * self.dt_h
        for k, (a, commitment) in terms.items():
            m = self.members[k]
            called = self.called_mw[start:end, m].sum(axis=0) * dt  # [members] MWh
            row = {**call, "aggregator_id": a.id, "called_mwh": float(called.sum()),
                   "committed_mw": float(np.sum(commitment)), "duration_h": duration_h,
                   "members": {mid: {"called_mwh": float(called[j]), "committed_mw": float(commitment[j])}
                               for j, mid in enumerate(a.member_ids)}}
            try:
                base = baselines.baseline(program.baseline_method, load[:, m], eligible, event_start_step=start,
                                          event_end_step=end, dt_h=dt, adjustment_cap_pu=program.adjustment_cap_pu)
            except ValueError as exc:  # e.g. not enough history before the event for the method
                self.results.append({**row, "measured": False, "reason": str(exc)})
                continue
            metered = load[start:end, m]
            resp = dr.measure_response(base.baseline_mw, metered, dt)
            ledger = agg.settle_event(program, a, response_mwh=resp.response_mwh, commitment_mw=commitment,
                                      duration_h=duration_h)
            self.ledger.extend(ledger)
            base_mwh, metered_mwh = base.baseline_mw.sum(axis=0) * dt, metered.sum(axis=0) * dt
            for j, mid in enumerate(a.member_ids):
                row["members"][mid].update(baseline_mwh=float(base_mwh[j]), metered_mwh=float(metered_mwh[j]),
                                           response_mwh=float(resp.response_mwh[j]))
            self.results.append({**row, "measured": True, "response_mwh": float(resp.response_mwh.sum()),
                                 "baseline_mwh": float(base_mwh.sum()), "metered_mwh": float(metered_mwh.sum()),
                                 "peak_reduction_mw": dr.peak_reduction_mw(base.baseline_mw, metered),
                                 "net_cny": agg.net_by_party(ledger),
                                 "ledger": [li._asdict() for li in ledger]})

    # ---- results (kpis.json "demand_response") ------------------------------------------------------------

    def kpis(self) -> dict:
        """DR results of the settled events (docs/model.md "Demand response"): per event (``event_id`` =
        ``<program id>#<n>``, the program's n-th call) the called reduction, the committed MW, the baseline, the
        metered grid draw and the measured response (agents.markets.baselines, demand_response.measure_response),
        the drop of the members' peak, the shortfall, payment and penalty — totalled over the event's aggregators,
        per aggregator and per participant (from the event's ledger, agents.markets.aggregator.settle_event); per
        program the totals over its events; per party (grid operator, aggregators, members) the money over all
        events. Energies [MWh], powers [MW], money [CNY]."""
        events: dict[str, dict] = {}
        programs = {pid: {"events_count": 0, **dict.fromkeys(PROGRAM_FIGURES, 0.0)} for pid in self.programs}
        parties: dict[str, dict] = {}
        for r in self.results:
            money = _money_by_party(r.get("ledger", []))
            dur = r["duration_h"]
            ev = events.get(r["event_id"])
            if ev is None:
                ev = events[r["event_id"]] = {
                    "program_id": r["program_id"], "start_step": r["start_step"], "end_step": r["end_step"],
                    "notified_step": r["notified_step"], "duration_h": dur, "is_measured": True,
                    **dict.fromkeys(EVENT_FIGURES, 0.0), "aggregators": {}, "participants": {}}
                programs[r["program_id"]]["events_count"] += 1
            measured = r["measured"]
            row = {"is_measured": measured, **{k: r.get(k) for k in ("called_mwh", "committed_mw", "baseline_mwh",
                                                                     "metered_mwh", "response_mwh",
                                                                     "peak_reduction_mw")},
                   "shortfall_mwh": max(r["committed_mw"] * dur - r["response_mwh"], 0.0) if measured else None,
                   **money.get(r["aggregator_id"], dict.fromkeys(MONEY, 0.0))}
            ev["aggregators"][r["aggregator_id"]] = row
            ev["is_measured"] = ev["is_measured"] and measured
            for name in EVENT_FIGURES:
                ev[name] += row[name] or 0.0
            for mid, mr in r["members"].items():
                ev["participants"][mid] = {
                    "aggregator_id": r["aggregator_id"], "called_mw": mr["called_mwh"] / dur if dur > 0 else 0.0,
                    **{k: mr.get(k) for k in MEMBER_FIGURES},
                    "shortfall_mwh": max(mr["committed_mw"] * dur - mr["response_mwh"], 0.0) if measured else None,
                    **money.get(mid, dict.fromkeys(MONEY, 0.0))}
            for party, figures in money.items():
                total = parties.setdefault(party, dict.fromkeys(MONEY, 0.0))
                for name in MONEY:
                    total[name] += figures[name]
        for ev in events.values():
            dur = ev["duration_h"]
            ev["called_mw"] = ev["called_mwh"] / dur if dur > 0 else 0.0
            ev["mean_response_mw"] = ev["response_mwh"] / dur if dur > 0 else 0.0
            p = programs[ev["program_id"]]
            for name in PROGRAM_FIGURES:
                p[name] += ev[name]
        return {"programs": programs, "events": events, "parties": parties}


MONEY = ("payment_cny", "penalty_cny", "fee_cny", "net_cny")  # per party, see _money_by_party
EVENT_FIGURES = ("called_mwh", "committed_mw", "baseline_mwh", "metered_mwh", "response_mwh", "peak_reduction_mw",
                 "shortfall_mwh", "payment_cny", "penalty_cny")
PROGRAM_FIGURES = ("called_mwh", "response_mwh", "shortfall_mwh", "payment_cny", "penalty_cny")
MEMBER_FIGURES = ("called_mwh", "committed_mw", "baseline_mwh", "metered_mwh", "response_mwh")


def _money_by_party(ledger: list[dict]) -> dict[str, dict[str, float]]:
    """Per party of an event's ledger [CNY]: ``payment_cny`` DR energy payment received, ``penalty_cny``
    under-delivery penalty paid, ``fee_cny`` the aggregator's fee (paid by a member, received by the aggregator),
    ``net_cny`` Σ received − Σ paid (sums to zero over the parties)."""
    out: dict[str, dict[str, float]] = {}
    for li in ledger:
        payer = out.setdefault(li["payer"], dict.fromkeys(MONEY, 0.0))
        payee = out.setdefault(li["payee"], dict.fromkeys(MONEY, 0.0))
        amount = li["amount_cny"]
        payer["net_cny"] -= amount
        payee["net_cny"] += amount
        if li["item"] == "dr_energy_payment":
            payee["payment_cny"] += amount
        elif li["item"] == "dr_under_delivery_penalty":
            payer["penalty_cny"] += amount
        elif li["item"] == "aggregator_fee":
            payer["fee_cny"] += amount
            payee["fee_cny"] += amount
    return out
