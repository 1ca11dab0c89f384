"""Demand-response baselines: the load a member would have drawn without the event, from its own history.

Pure, vectorised functions over a load history ``load_mw[steps, members]`` [MW] on a regular local-time grid
that starts at local midnight (``steps_per_day = 24 / dt_h``: 24 hourly or 96 quarter-hour steps per day).
An event is the half-open step range ``[event_start_step, event_end_step)`` of that grid. A day-level mask
``eligible[days]`` (or ``[days, members]``) says which past days may enter a day-matching baseline; build it
with :func:`eligible_days` from the day of week, the holidays and the prior event days.

Methods (DOMAIN.md "Demand-response baselines"):

- :func:`baseline_10_of_10` — CAISO "10 of 10": the mean, at the same time of day, of the 10 most recent
  eligible days before the event day, times a same-day adjustment ratio
  ``r = clip(Σ actual / Σ unadjusted baseline over the adjustment window, 1 − cap, 1 + cap)``; the window is
  the ``adjustment_window_h`` hours that end ``adjustment_gap_h`` before the event start. CAISO's proxy demand
  and reliability demand-response resources "use a 10 of 10 baseline with a 20 % same day adjustment"
  (CAISO Baseline Accuracy Work Group Proposal, draft, 4 April 2017, §1) — hence ``cap = 0.2``. The 45-day
  look-back, the 3-hour window and the 1-hour gap are parameters [A].
- :func:`baseline_last_5_workdays` — Jiangsu scheduled (day-ahead) response: the mean of the last 5 normal
  workdays at the same time of day, no adjustment (DOMAIN.md).
- :func:`baseline_before_control` — Jiangsu real-time response: the load 15 minutes before control starts
  (the step that contains ``start − 15 min``), held flat over the event (DOMAIN.md).
- :func:`baseline_same_day_3_plus_2` — PJM "Same Day (3 + 2)": the average of the 3 hours before the event
  after skipping one hour and the 2 hours after the event after skipping one hour; e.g. an event in hours
  ending 13–17 averages hours ending 9–11 and 19–20 (PJM Manual 11 change, briefed to the Market
  Implementation Committee, RTO Insider "Improved DR baseline processes OK'd", 25 Feb 2025). It is an
  ex-post method: it reads the two post-event hours, so it can only be settled after they are metered.
- :func:`baseline_high_5_of_10` — Beijing: the mean of the 5 highest of the eligible weekdays 2–12 days
  before the event (ranked per member by their mean load over the event's time of day) (DOMAIN.md).

No future: the day-matching methods and :func:`baseline_before_control` read only steps before
``event_start_step``; 3 + 2 reads only its two side windows (never the event itself, never later than
``event_end_step + skip + 2 h``). Tests change everything else and find the baseline unchanged.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

#: CAISO same-day adjustment cap (CAISO Baseline Accuracy Work Group Proposal, 2017: "20 % same day adjustment")
CAISO_ADJUSTMENT_CAP_PU = 0.2
BASELINE_METHODS = ("10_of_10", "last_5_workdays", "same_day_3_plus_2", "high_5_of_10", "before_control")


class Baseline(NamedTuple):
    baseline_mw: np.ndarray  # [event steps, members] baseline load [MW]
    unadjusted_mw: np.ndarray  # [event steps, members] before the same-day adjustment [MW]
    adjustment_ratio: np.ndarray  # [members] same-day adjustment factor [-] (1 where none)
    days_used: np.ndarray  # [candidate days, members] bool: which past days entered (lag 1, 2, … days)


def eligible_days(day_of_week, holiday=None, excluded=None, *, workdays_only: bool = True) -> np.ndarray:
    """Day mask of the days that may enter a day-matching baseline: ``[days]`` bool.

    ``day_of_week`` int [days] (0 = Monday … 6 = Sunday); ``holiday`` bool [days] (public holidays);
    ``excluded`` bool [days] or [days, members] (prior event days — and any day the program excludes, e.g. a
    member's outage). With ``workdays_only`` weekends are excluded ("normal workdays"); holidays always are.
    Returns a [days] mask, or [days, members] when ``excluded`` is per member.
    """
    dow = np.asarray(day_of_week)
    ok = np.ones(dow.shape, dtype=bool)
    if workdays_only:
        ok &= dow < 5
    if holiday is not None:
        ok &= ~np.asarray(holiday, dtype=bool)
    if excluded is not None:
        ex = np.asarray(excluded, dtype=bool)
        ok = (ok[:, None] if ex.ndim == 2 else ok) & ~ex
    return ok


def _steps(hours: float, dt_h: float, what: str) -> int:
    n = hours / dt_h
    if abs(n - round(n)) > 1e-9:
        raise ValueError(f"{what} = {hours} h is not a whole number of {dt_h} h steps")
    return int(round(n))


def _check(load_mw, event_start_step: int, event_end_step: int, steps_per_day: int | None = None):
    load = np.asarray(load_mw, dtype=float)
    if load.ndim == 1:
        load = load[:, None]
    if load.ndim != 2:
        raise ValueError("load_mw must be [steps] or [steps, members]")
    if not 0 <= event_start_step < event_end_step <= load.shape[0]:
        raise ValueError(f"event steps [{event_start_step}, {event_end_step}) are not inside the history "
                         f"of {load.shape[0]} steps")
    if steps_per_day is not None and event_start_step // steps_per_day != (event_end_step - 1) // steps_per_day:
        raise ValueError("a day-matching baseline needs the event inside one day")
    return load


def _day_matched(load, eligible, event_start_step, event_end_step, steps_per_day, lags_days):
    """Candidate profiles ``values[lag, event step, member]`` at the same time of day, and their eligibility."""
    event_day = event_start_step // steps_per_day
    lags = np.asarray([lag for lag in lags_days if lag <= event_day], dtype=int)
    elig = np.asarray(eligible, dtype=bool)
    elig = np.broadcast_to(elig[:, None] if elig.ndim == 1 else elig, (elig.shape[0], load.shape[1]))
    if elig.shape[0] <= event_day:
        raise ValueError(f"eligible mask covers {elig.shape[0]} days; the event is on day {event_day}")
    t = np.arange(event_start_step, event_end_step)
    idx = t[None, :] - lags[:, None] * steps_per_day  # [lags, T], all < the event day's midnight
    return load[idx], elig[event_day - lags], lags


def _mean_of(values, chosen, min_days: int, method: str):
    count = chosen.sum(axis=0)  # [members]
    if np.any(count < min_days):
        raise ValueError(f"{method}: a member has {int(count.min())} eligible days, fewer than {min_days}")
    total = np.where(chosen[:, None, :], values, 0.0).sum(axis=0)
    return total / np.maximum(count, 1)[None, :]


def _most_recent(elig, n_days: int):
    """Per member, the ``n_days`` most recent eligible candidates (candidates ordered by lag, most recent first)."""
    rank = np.cumsum(elig, axis=0)
    return elig & (rank <= n_days)


def same_day_adjustment(actual_mw, unadjusted_mw, cap_pu: float) -> np.ndarray:
    """Same-day adjustment ratio per member: ``clip(Σ actual / Σ baseline, 1 − cap, 1 + cap)`` [-].

    ``actual_mw`` and ``unadjusted_mw`` are [window steps, members] over the adjustment window; a member whose
    baseline is 0 over the window gets 1 (no adjustment). Source: CAISO 10-of-10 with a 20 % cap (module doc).
    """
    num = np.asarray(actual_mw, dtype=float).sum(axis=0)
    den = np.asarray(unadjusted_mw, dtype=float).sum(axis=0)
    ratio = np.divide(num, den, out=np.ones_like(num), where=den > 0)
    return np.clip(ratio, 1.0 - cap_pu, 1.0 + cap_pu)


def baseline_10_of_10(load_mw, eligible, *, event_start_step: int, event_end_step: int, dt_h: float,
                      n_days: int = 10, lookback_days: int = 45, min_days: int = 1, adjust: bool = True,
                      adjustment_window_h: float = 3.0, adjustment_gap_h: float = 1.0,
                      adjustment_cap_pu: float = CAISO_ADJUSTMENT_CAP_PU) -> Baseline:
    """CAISO "10 of 10" baseline with the same-day adjustment [MW].

    ``unadjusted[t, m] = mean over the n_days most recent eligible days d < event day of load[t − lag_d, m]``
    (same time of day, look-back ``lookback_days``); ``baseline = unadjusted · r`` with ``r`` from
    :func:`same_day_adjustment` over the ``adjustment_window_h`` hours ending ``adjustment_gap_h`` before the
    event (the unadjusted baseline for those hours built from the same days). Source: module docstring.
    """
    spd = _steps(24.0, dt_h, "a day")
    load = _check(load_mw, event_start_step, event_end_step, spd)
    values, elig, lags = _day_matched(load, eligible, event_start_step, event_end_step, spd,
                                      range(1, lookback_days + 1))
    chosen = _most_recent(elig, n_days)
    unadjusted = _mean_of(values, chosen, min_days, "10 of 10")
    ratio = np.ones(load.shape[1])
    if adjust:
        w, g = _steps(adjustment_window_h, dt_h, "adjustment window"), _steps(adjustment_gap_h, dt_h, "gap")
        a0, a1 = event_start_step - g - w, event_start_step - g
        if a0 < 0 or a0 >= a1:
            raise ValueError("the adjustment window lies before the start of the history")
        idx = np.arange(a0, a1)[None, :] - lags[:, None] * spd  # same days, same times of day
        if np.any((idx < 0) & chosen.any(axis=1)[:, None]):
            raise ValueError("the adjustment window of a baseline day lies before the start of the history")
        window_values = load[np.maximum(idx, 0)]
        window_baseline = np.where(chosen[:, None, :], window_values, 0.0).sum(axis=0) / np.maximum(
            chosen.sum(axis=0), 1)[None, :]
        ratio = same_day_adjustment(load[a0:a1], window_baseline, adjustment_cap_pu)
    return Baseline(unadjusted * ratio[None, :], unadjusted, ratio, chosen)


def baseline_last_5_workdays(load_mw, eligible, *, event_start_step: int, event_end_step: int, dt_h: float,
                             n_days: int = 5, lookback_days: int = 30, min_days: int = 1) -> Baseline:
    """Jiangsu scheduled-response baseline: mean of the last ``n_days`` normal workdays, same time of day [MW].

    ``eligible`` should come from :func:`eligible_days` with ``workdays_only=True`` and the prior event days
    excluded. No same-day adjustment. Source: DOMAIN.md (Jiangsu demand-response rules).
    """
    spd = _steps(24.0, dt_h, "a day")
    load = _check(load_mw, event_start_step, event_end_step, spd)
    values, elig, _ = _day_matched(load, eligible, event_start_step, event_end_step, spd,
                                   range(1, lookback_days + 1))
    chosen = _most_recent(elig, n_days)
    b = _mean_of(values, chosen, min_days, "last 5 workdays")
    return Baseline(b, b.copy(), np.ones(load.shape[1]), chosen)


def baseline_high_5_of_10(load_mw, eligible, *, event_start_step: int, event_end_step: int, dt_h: float,
                          n_days: int = 5, first_lag_days: int = 2, last_lag_days: int = 12,
                          min_days: int = 1) -> Baseline:
    """Beijing baseline: mean of the ``n_days`` highest eligible days among those 2–12 days before the event [MW].

    Days are ranked per member by their mean load over the event's time of day; ties go to the more recent day.
    ``eligible`` should be weekdays without holidays and prior event days. Source: DOMAIN.md (Beijing rules).
    """
    spd = _steps(24.0, dt_h, "a day")
    load = _check(load_mw, event_start_step, event_end_step, spd)
    values, elig, _ = _day_matched(load, eligible, event_start_step, event_end_step, spd,
                                   range(first_lag_days, last_lag_days + 1))
    score = np.where(elig, values.mean(axis=1), -np.inf)  # [lags, members]
    order = np.argsort(-score, axis=0, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(order.shape[0])[:, None].repeat(order.shape[1], axis=1), axis=0)
    chosen = elig & (rank < n_days)
    b = _mean_of(values, chosen, min_days, "high 5 of 10")
    return Baseline(b, b.copy(), np.ones(load.shape[1]), chosen)


def baseline_before_control(load_mw, *, event_start_step: int, event_end_step: int, dt_h: float,
                            lead_min: float = 15.0) -> Baseline:
    """Jiangsu real-time baseline: the load at ``start − lead_min`` (the step containing it), flat [MW].

    With hourly steps the step before the event; with 15-min steps also the step before (start − 15 min).
    Source: DOMAIN.md (Jiangsu real-time response: the load 15 minutes before control).
    """
    load = _check(load_mw, event_start_step, event_end_step)
    s = int(np.floor(event_start_step - lead_min / 60.0 / dt_h + 1e-9))
    if s < 0:
        raise ValueError("the pre-control reading lies before the start of the history")
    b = np.repeat(load[s][None, :], event_end_step - event_start_step, axis=0)
    return Baseline(b, b.copy(), np.ones(load.shape[1]), np.zeros((0, load.shape[1]), dtype=bool))


def baseline_same_day_3_plus_2(load_mw, *, event_start_step: int, event_end_step: int, dt_h: float,
                               before_h: float = 3.0, after_h: float = 2.0, skip_h: float = 1.0) -> Baseline:
    """PJM "Same Day (3 + 2)": mean of the 3 h before (after skipping 1 h) and the 2 h after (after 1 h) [MW].

    ``b = mean(load[s − skip − 3 h : s − skip] ∪ load[e + skip : e + skip + 2 h])`` per member, flat over the
    event. Ex post: needs the history to reach ``e + skip + 2 h``. Source: module docstring (PJM Manual 11).
    """
    load = _check(load_mw, event_start_step, event_end_step)
    b_n, a_n, k = _steps(before_h, dt_h, "before"), _steps(after_h, dt_h, "after"), _steps(skip_h, dt_h, "skip")
    b0, b1 = event_start_step - k - b_n, event_start_step - k
    a0, a1 = event_end_step + k, event_end_step + k + a_n
    if b0 < 0 or a1 > load.shape[0]:
        raise ValueError(f"3 + 2 needs steps [{b0}, {a1}) of the history ({load.shape[0]} steps): the post-event "
                         "hours must be metered before this baseline can be settled")
    window = np.concatenate([load[b0:b1], load[a0:a1]], axis=0)
    flat = window.mean(axis=0)
    b = np.repeat(flat[None, :], event_end_step - event_start_step, axis=0)
    return Baseline(b, b.copy(), np.ones(load.shape[1]), np.zeros((0, load.shape[1]), dtype=bool))


def baseline(method: str, load_mw, eligible=None, *, event_start_step: int, event_end_step: int, dt_h: float,
             adjustment_cap_pu: float = CAISO_ADJUSTMENT_CAP_PU) -> Baseline:
    """Dispatch on the program's ``baseline_method`` (one of ``BASELINE_METHODS``) with the default parameters."""
    kw = {"event_start_step": event_start_step, "event_end_step": event_end_step, "dt_h": dt_h}
    if method in ("10_of_10", "last_5_workdays", "high_5_of_10") and eligible is None:
        raise ValueError(f"baseline {method!r} needs the eligible-day mask")
    if method == "10_of_10":
        return baseline_10_of_10(load_mw, eligible, adjustment_cap_pu=adjustment_cap_pu, **kw)
    if method == "last_5_workdays":
        return baseline_last_5_workdays(load_mw, eligible, **kw)
    if method == "high_5_of_10":
        return baseline_high_5_of_10(load_mw, eligible, **kw)
    if method == "same_day_3_plus_2":
        return baseline_same_day_3_plus_2(load_mw, **kw)
    if method == "before_control":
        return baseline_before_control(load_mw, **kw)
    raise ValueError(f"unknown baseline method {method!r}; expected one of {BASELINE_METHODS}")
