"""Demand-response programs: the grid operator's trigger rules, response measurement and event settlement.

Pure functions over published signals and metered loads; the aggregator side (enrolment, allocation, the
ledger between grid operator, aggregator and members) is in ``agents.markets.aggregator``, the baselines in
``agents.markets.baselines``.

- :func:`trigger_events` — the operator calls an event where its *forecast* signal crosses the program's
  threshold: price-triggered (day-ahead wholesale price forecast above ``price_threshold_cny_per_mwh``) or
  scarcity-triggered (forecast reserve margin below ``reserve_margin_threshold_pu``). Rules: an event starts
  no earlier than ``notice_h`` after the forecast is issued; a run of triggering steps shorter than
  ``min_duration_h`` is not called; a longer run than ``max_duration_h`` is cut to the ``max_duration_h``
  window of the largest total exceedance (earliest on ties); at most ``max_events_per_month`` events per
  calendar month, first come first served (the operator cannot know later days of the month).
- :func:`measure_response` — response = baseline − actual, clipped at 0, per step and member; energy =
  Σ response × ``dt_h``.
- :func:`peak_reduction_mw` — the drop of the aggregate peak over the event: ``max Σ baseline − max Σ actual``.
- :func:`event_payment_cny` — energy payment on the paid response, capped per kW of response (Shandong's
  2018 pilot capped payments at 30 CNY per kW of response, DOMAIN.md), and the under-delivery penalty on the
  shortfall against the commitment.

Sources: CAISO, PJM, Jiangsu, Beijing baselines (``agents.markets.baselines``); Shandong cap (DOMAIN.md);
program parameters of the Shanghai recipe in :func:`shanghai_summer_peak_dr` (docs/strategies.md).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal, NamedTuple

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.markets.baselines import BASELINE_METHODS, CAISO_ADJUSTMENT_CAP_PU

BaselineMethod = Literal["10_of_10", "last_5_workdays", "same_day_3_plus_2", "high_5_of_10", "before_control"]
assert set(BaselineMethod.__args__) == set(BASELINE_METHODS)

ProgramId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$",
                                 description="Id of a demand-response program (letters, digits, _ . -)")]
SHANDONG_CAP_CNY_PER_KW = 30.0  # Shandong 2018 pilot: payments capped at 30 CNY per kW of response (DOMAIN.md)


class DemandResponseProgramSpec(BaseModel):
    """Terms of a demand-response program run by the grid operator (trigger, baseline, payments, penalty)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: ProgramId = Field("dr-program", description="Id of the program (aggregators and events name it)")
    trigger: Literal["price", "scarcity"] = Field(
        "price", description="What calls an event: the day-ahead price forecast above a threshold (price) or the "
                             "forecast reserve margin below one (scarcity)")
    price_threshold_cny_per_mwh: float = Field(
        1000.0, ge=0, le=20000, description="Price trigger: forecast wholesale price above which an event is "
                                            "called [CNY/MWh]")
    reserve_margin_threshold_pu: float = Field(
        0.05, ge=0, le=1, description="Scarcity trigger: forecast reserve margin (spare capacity / load) below "
                                      "which an event is called [-]")
    notice_h: float = Field(24.0, ge=0, le=168, description="Notice between the forecast (call) and the event "
                                                           "start [h]; 24 h = day-ahead invitation")
    min_duration_h: float = Field(1.0, ge=0, le=24, description="Shortest event that is called [h]")
    max_duration_h: float = Field(4.0, gt=0, le=24, description="Longest event; longer triggering runs are cut "
                                                               "to their most severe window [h]")
    max_events_per_month: int = Field(5, ge=0, le=31, description="Most events called per calendar month [-]")
    baseline_method: BaselineMethod = Field(
        "10_of_10", description="How the response is measured: 10_of_10 (CAISO, same-day adjustment), "
                                "last_5_workdays (Jiangsu scheduled), same_day_3_plus_2 (PJM), high_5_of_10 "
                                "(Beijing), before_control (Jiangsu real-time: load 15 min before control)")
    adjustment_cap_pu: float = Field(CAISO_ADJUSTMENT_CAP_PU, ge=0, le=1,
                                     description="Cap of the 10-of-10 same-day adjustment ratio, ±share [-] "
                                                 "(CAISO: 0.2)")
    capacity_payment_cny_per_kw_month: float = Field(
        0.0, ge=0, le=1000, description="Capacity payment per kW of commitment and month enrolled [CNY/kW-month]")
    energy_payment_cny_per_mwh: float = Field(
        3000.0, ge=0, le=50000, description="Payment per MWh of measured (paid) response [CNY/MWh]")
    penalty_cny_per_mwh_short: float = Field(
        0.0, ge=0, le=50000, description="Penalty per MWh by which the response falls short of the commitment "
                                         "over the event [CNY/MWh]")
    payment_cap_cny_per_kw: float | None = Field(
        None, ge=0, le=1000, description="Cap of the energy payment per event per kW of mean paid response "
                                         "[CNY/kW] (Shandong 2018: 30); null = no cap")
    paid_response_cap_pu: float = Field(
        1.0, ge=0, le=5, description="Response paid at most up to this share of the committed energy [-]")

    @model_validator(mode="after")
    def _durations(self):
        if self.min_duration_h > self.max_duration_h:
            raise ValueError("min_duration_h must not exceed max_duration_h")
        return self


class DemandResponseEventSpec(BaseModel):
    """An event the grid operator calls explicitly (a scenario's fixed call), in local time."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    program_id: ProgramId = Field(description="Program under which the event is called")
    start: datetime = Field(description="Event start, local time of the region")
    end: datetime = Field(description="Event end (exclusive), local time of the region")
    called_mw: float | None = Field(None, ge=0, le=100000, description="Reduction called [MW]; null = the "
                                                                        "aggregators' commitments")
    notice_h: float = Field(24.0, ge=0, le=168, description="Notice given before the start [h]")

    @model_validator(mode="after")
    def _window(self):
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if self.start.date() != (self.end - timedelta(microseconds=1)).date():
            raise ValueError("an event lies within one local day (day-matching baselines compare days)")
        return self


class EventWindows(NamedTuple):
    start_step: np.ndarray  # int [events] first step of each event (index into the forecast arrays)
    end_step: np.ndarray  # int [events] step after the last (exclusive)
    notified_step: np.ndarray  # int [events] step at which the call was published


def _runs(mask: np.ndarray):
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)


def trigger_events(program: DemandResponseProgramSpec, *, dt_h: float, forecast_price_cny_per_mwh=None,
                   forecast_reserve_margin_pu=None, issued_step: int = 0, month_of_step=None,
                   prior_events_by_month=None) -> EventWindows:
    """Event windows the grid operator calls from its published forecast (module docstring for the rules).

    Parameters: the forecast for the steps of the window, ``forecast_price_cny_per_mwh`` [CNY/MWh] (price
    trigger) or ``forecast_reserve_margin_pu`` [-] (scarcity trigger), one value per step of length ``dt_h``
    [h]; ``issued_step`` the step at which the forecast is published (events start at or after
    ``issued_step + notice``); ``month_of_step`` int [steps] calendar month of each step (default: all one
    month); ``prior_events_by_month`` {month: events already called}. Reads nothing but these arguments.
    """
    if program.trigger == "price":
        if forecast_price_cny_per_mwh is None:
            raise ValueError("a price-triggered program needs forecast_price_cny_per_mwh")
        signal = np.asarray(forecast_price_cny_per_mwh, dtype=float)
        excess = signal - program.price_threshold_cny_per_mwh
    else:
        if forecast_reserve_margin_pu is None:
            raise ValueError("a scarcity-triggered program needs forecast_reserve_margin_pu")
        signal = np.asarray(forecast_reserve_margin_pu, dtype=float)
        excess = program.reserve_margin_threshold_pu - signal
    n = signal.shape[0]
    months = np.zeros(n, dtype=int) if month_of_step is None else np.asarray(month_of_step, dtype=int)
    earliest = issued_step + int(np.ceil(program.notice_h / dt_h - 1e-9))
    trig = excess > 0
    trig[:max(0, min(earliest, n))] = False
    min_n = int(np.ceil(program.min_duration_h / dt_h - 1e-9))
    max_n = max(1, int(np.floor(program.max_duration_h / dt_h + 1e-9)))
    used = dict(prior_events_by_month or {})
    starts, ends = [], []
    for s, e in zip(*_runs(trig), strict=True):  # a handful of runs per window
        length = e - s
        if length < max(min_n, 1):
            continue
        if length > max_n:
            c = np.concatenate([[0.0], np.cumsum(excess[s:e])])
            s = s + int(np.argmax(c[max_n:] - c[:-max_n]))
            e = s + max_n
        m = int(months[s])
        if used.get(m, 0) >= program.max_events_per_month:
            continue
        used[m] = used.get(m, 0) + 1
        starts.append(s)
        ends.append(e)
    k = len(starts)
    return EventWindows(np.asarray(starts, dtype=int), np.asarray(ends, dtype=int), np.full(k, issued_step))


def event_mask(windows: EventWindows, steps: int) -> np.ndarray:
    """Bool [steps]: True in the steps of any event."""
    mask = np.zeros(steps, dtype=bool)
    for s, e in zip(windows.start_step, windows.end_step, strict=True):
        mask[s:e] = True
    return mask


def count_events_by_month(windows: EventWindows, month_of_step, prior_events_by_month=None) -> dict[int, int]:
    """Running count of events per calendar month after ``windows`` (to pass to the next window's call)."""
    counts = dict(prior_events_by_month or {})
    months = np.asarray(month_of_step, dtype=int)
    for s in windows.start_step:
        m = int(months[s])
        counts[m] = counts.get(m, 0) + 1
    return counts


def event_window_steps(event: DemandResponseEventSpec, horizon_start: datetime, dt_h: float) -> tuple[int, int]:
    """Half-open step range ``[start, end)`` of an explicit event on a horizon that starts at ``horizon_start``
    (local time, as the event) with steps of ``dt_h`` [h]; the event must fall on step boundaries."""
    out = []
    for t in (event.start, event.end):
        k = (t - horizon_start).total_seconds() / 3600.0 / dt_h
        if abs(k - round(k)) > 1e-9 or k < 0:
            raise ValueError(f"event time {t} is not a step boundary of the horizon from {horizon_start}")
        out.append(int(round(k)))
    return out[0], out[1]


class Response(NamedTuple):
    response_mw: np.ndarray  # [event steps, members] max(baseline − actual, 0) [MW]
    response_mwh: np.ndarray  # [members] Σ response × dt_h [MWh]
    mean_response_mw: np.ndarray  # [members] response energy / event duration [MW]


def measure_response(baseline_mw, actual_mw, dt_h: float) -> Response:
    """Measured response per step and member: ``max(baseline − actual, 0)`` [MW]; energy ``Σ · dt_h`` [MWh]."""
    b = np.asarray(baseline_mw, dtype=float)
    a = np.asarray(actual_mw, dtype=float)
    r = np.maximum(b - a, 0.0)
    mwh = r.sum(axis=0) * dt_h
    return Response(r, mwh, mwh / (r.shape[0] * dt_h))


def peak_reduction_mw(baseline_mw, actual_mw) -> float:
    """Drop of the aggregate peak over the event: ``max_t Σ_m baseline − max_t Σ_m actual`` [MW].

    Arrays [event steps] or [event steps, members]. When every member responds by the same amount in every
    step (a flat response R) this equals the total response R.
    """
    b = np.asarray(baseline_mw, dtype=float)
    a = np.asarray(actual_mw, dtype=float)
    if b.ndim == 2:
        b, a = b.sum(axis=1), a.sum(axis=1)
    return float(b.max() - a.max())


class EventPayment(NamedTuple):
    paid_mwh: float  # response energy that is paid [MWh]
    payment_cny: float  # energy payment after the cap [CNY]
    shortfall_mwh: float  # committed energy − response, ≥ 0 [MWh]
    penalty_cny: float  # under-delivery penalty [CNY]


def event_payment_cny(program: DemandResponseProgramSpec, *, response_mwh: float, commitment_mw: float,
                      duration_h: float) -> EventPayment:
    """Energy payment and penalty of one event for one committed party (an aggregator or a direct member).

    ``committed = commitment_mw · duration_h``; ``paid = min(response, paid_response_cap_pu · committed)``;
    ``payment = min(rate · paid, cap_cny_per_kw · 1000 · paid / duration_h)`` (the cap per kW of mean paid
    response, Shandong 2018: 30 CNY/kW); ``shortfall = max(committed − response, 0)``; ``penalty = penalty
    rate · shortfall``. Units: MWh, MW, h, CNY.
    """
    committed = commitment_mw * duration_h
    paid = min(response_mwh, program.paid_response_cap_pu * committed)
    pay = program.energy_payment_cny_per_mwh * paid
    if program.payment_cap_cny_per_kw is not None and duration_h > 0:
        pay = min(pay, program.payment_cap_cny_per_kw * 1000.0 * paid / duration_h)
    short = max(committed - response_mwh, 0.0)
    return EventPayment(paid, pay, short, program.penalty_cny_per_mwh_short * short)
