"""Day-ahead unit commitment: which dispatchable units are on in each step of a day.

A priority-list heuristic with minimum up/down repair and start-up economics (Wood, Wollenberg & Sheblé,
*Power Generation, Operation and Control*, 3rd ed., §4.2–4.3 "priority-list methods"; Senjyu et al., "A fast
technique for unit commitment problem by extended priority list", IEEE Trans. Power Syst. 18(2), 2003), in
numpy over all steps and units of one day at once:

1. **Energy.** The minimum load of units that must be on (minimum up time left from the previous day,
   must-run) counts first; all other capacity — of units and of supply that needs no commitment (e.g. import
   lines) — is ranked by offer price (with a constant marginal cost, the full-load average cost ranking). In each step the cheapest resources
   whose capacity before them is below the forecast net load are committed; the price of the last one is the
   step's forecast marginal price λ.
2. **Reserve and forecast error.** Imports do not count toward reserve: if the headroom of the committed units
   above their forecast merit-order output is below the reserve requirement — plus the forecast-error margin
   where the spare capacity of imports does not cover it — further units are committed in price order (each
   adds capacity × (1 − minimum load)) until it is met.
3. **Minimum up time.** A unit that starts stays on for at least ``min_up_steps`` (also after a start on the
   previous day).
4. **Minimum down time and start-up economics.** An off spell between two on spells is bridged (the unit stays
   on at minimum load) when it is shorter than ``min_down_steps``, or when running at minimum load through it,
   ``P_min · dt_h · Σ max(c − λ_t, 0)``, costs no more than one start, ``start_up_cost_cny``. A unit that must
   stay off after a shutdown on the previous day is excluded until its minimum down time has passed.

Repairs only ever add on-steps, so the committed capacity still covers the forecast net load plus reserve
whenever the available capacity does. The horizon is committed day by day (``commit_horizon``): each day's
decision sees only that day's forecast window (the day plus a look-ahead) and the units' state at the end of
the previous day — never realised values. ``persistence_forecast`` builds such a window from the previous
day's realised series (what a market operator has at gate closure before the day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_BIG = 1 << 40


@dataclass(frozen=True)
class CommitmentUnits:
    """Static data of the units to commit (arrays of one entry per unit)."""

    capacity_mw: np.ndarray  # [MW] net capacity
    min_load_pu: np.ndarray  # [-] minimum stable output / capacity while on
    offer_price_cny_per_mwh: np.ndarray  # [CNY/MWh] energy offer price (marginal cost incl. carbon)
    start_up_cost_cny: np.ndarray  # [CNY] cost of one start
    min_up_steps: np.ndarray  # [steps] minimum on time after a start
    min_down_steps: np.ndarray  # [steps] minimum off time after a shutdown
    must_run: np.ndarray  # bool: always on while available

    @classmethod
    def of(cls, capacity_mw, min_load_pu, offer_price_cny_per_mwh, start_up_cost_cny=0.0, min_up_steps=0,
           min_down_steps=0, must_run=False) -> CommitmentUnits:
        cap = np.asarray(capacity_mw, dtype=float)

        def arr(x, dtype=float):
            return np.broadcast_to(np.asarray(x, dtype=dtype), cap.shape).copy()

        return cls(cap, arr(min_load_pu), arr(offer_price_cny_per_mwh), arr(start_up_cost_cny),
                   arr(min_up_steps, int), arr(min_down_steps, int), arr(must_run, bool))


def commit_window(net_load_mw, reserve_mw, available_mw, units: CommitmentUnits, dt_h: float, *, margin_mw=0.0,
                  initial_on=None, initial_steps=None, other_mw=None, other_price_cny_per_mwh=None,
                  must_run_steps=None) -> np.ndarray:
    """On/off [steps, units] (bool) for one forecast window (a day, optionally with a look-ahead).

    net_load_mw [steps]: forecast load that units and ``other`` supply must serve (load − renewables − must-take
    supply) [MW]; ``inf`` commits every available unit. reserve_mw [steps]: reserve the committed units must
    hold above their forecast output [MW]. margin_mw [steps] or scalar: allowance for forecast error [MW], held
    as headroom of units or of other supply (imports with spare capacity cover it). available_mw [units] or
    [steps, units]: forecast available capacity [MW]. initial_on [units] (bool, default on) and initial_steps
    [units] (steps already spent in that state, default "long ago"): the state at the start of the window.
    other_mw [steps, k] and other_price [k] or [steps, k]: supply needing no commitment (imports) — serves
    energy, holds no reserve. must_run_steps [steps, units] (bool, optional): steps in which a unit is must-run (a season).
    See the module docstring.
    """
    n = units.capacity_mw.size
    perm = np.argsort(units.offer_price_cny_per_mwh, kind="stable")
    w = np.asarray(net_load_mw).shape[0]
    cap = np.broadcast_to(np.asarray(available_mw, dtype=float), (w, n))[:, perm]
    init_on = np.ones(n, dtype=bool) if initial_on is None else np.asarray(initial_on, dtype=bool)[perm]
    init_steps = np.full(n, _BIG) if initial_steps is None else np.asarray(initial_steps, dtype=np.int64)[perm]
    on = _commit_sorted(net_load_mw, reserve_mw, cap, _permuted(units, perm), dt_h, margin_mw, init_on,
                        init_steps, *_other(other_mw, other_price_cny_per_mwh, w),
                        None if must_run_steps is None else np.asarray(must_run_steps, dtype=bool)[:, perm])
    out = np.empty_like(on)
    out[:, perm] = on
    return out


def _permuted(units: CommitmentUnits, perm: np.ndarray) -> CommitmentUnits:
    return CommitmentUnits(*(getattr(units, f)[perm] for f in CommitmentUnits.__dataclass_fields__))


def _other(other_mw, other_price_cny_per_mwh, w: int):
    """Other supply as ([w, k] MW, [w, k] CNY/MWh); prices may be one per resource or per step."""
    if other_mw is None:
        return np.zeros((w, 0)), np.zeros((w, 0))
    price = np.asarray(other_price_cny_per_mwh, dtype=float)
    k = price.shape[-1] if price.ndim else 1
    price = np.broadcast_to(price.reshape(-1, k) if price.ndim < 2 else price, (w, k))
    return np.broadcast_to(np.asarray(other_mw, dtype=float).reshape(w, -1), (w, k)), price


def _masked_sum(x: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``Σ_i x[t, i] · mask[t, i, j]`` ([w, k] and a 0/1 mask [w, k, m]) as a plain numpy sum, not BLAS, so
    results are bit-identical across machines."""
    return np.where(mask, x[:, :, None], 0.0).sum(axis=1)


def _commit_sorted(net_load_mw, reserve_mw, cap, units: CommitmentUnits, dt_h, margin_mw, init_on, init_steps,
                   other, other_price, must_run_steps=None) -> np.ndarray:
    """``commit_window`` for units sorted by offer price (ties in the given order)."""
    f = np.asarray(net_load_mw, dtype=float)
    w, n = cap.shape
    if n == 0:
        return np.zeros((w, 0), dtype=bool)
    res = np.broadcast_to(np.asarray(reserve_mw, dtype=float), (w,))
    margin = np.broadcast_to(np.asarray(margin_mw, dtype=float), (w,))
    price = units.offer_price_cny_per_mwh
    steps = np.arange(w)[:, None]
    present = cap > 0.0

    # state carried in from the previous day: minimum up (forced on) and minimum down (locked off)
    must = units.must_run if must_run_steps is None else units.must_run | must_run_steps
    forced = present & ((init_on & (steps < units.min_up_steps - init_steps)) | must)
    locked = ~init_on & (steps < units.min_down_steps - init_steps) & ~must
    eligible = present & ~locked
    c = np.where(eligible, cap, 0.0)

    # 1. energy: priority list — the minimum load of units already on (minimum up time, must-run) counts first;
    #    then all capacity above it, cheapest first (a unit before other supply of the same price); ``before``
    #    is the capacity ahead of each resource in that order
    base = np.where(forced, c * units.min_load_pu, 0.0)
    q = c - base
    cum_q = base.sum(axis=1, keepdims=True) + np.cumsum(q, axis=1)
    op = other_price  # [w, k]
    before_u = cum_q - q + _masked_sum(other, op[:, :, None] < price[None, None, :])
    n_le = (price[None, None, :] <= op[:, :, None]).sum(axis=2)  # units priced ≤ each other resource [w, k]
    other_first = (op[:, :, None] < op[:, None, :]) | (
        (op[:, :, None] == op[:, None, :]) & np.tri(op.shape[1], k=-1, dtype=bool).T[None])
    units_before_o = np.take_along_axis(cum_q, np.maximum(n_le - 1, 0), axis=1)
    before_o = (np.where(n_le > 0, units_before_o, base.sum(axis=1, keepdims=True))
                + _masked_sum(other, other_first))
    f_col = f[:, None]
    needed = (before_u < f_col) & (q > 0.0)
    needed_o = (before_o < f_col) & (other > 0.0)
    lam = np.maximum(np.where(needed, price, -np.inf).max(axis=1, initial=-np.inf),
                     np.where(needed_o, op, -np.inf).max(axis=1, initial=-np.inf))
    lam = np.where(np.isfinite(lam), lam, 0.0)  # nothing needed: renewables / the floor set the price
    f_fin = np.minimum(f, _BIG)[:, None]
    dispatch = base + np.clip(f_fin - before_u, 0.0, q)
    on = needed | forced

    # 2. reserve from the headroom of committed units (imports hold none); the forecast-error margin from the
    #    headroom of units and of other supply
    headroom = np.where(on, c - dispatch, 0.0).sum(axis=1)
    other_room = (other - np.clip(f_fin - before_o, 0.0, other)).sum(axis=1)
    deficit = np.maximum(res + np.maximum(margin - other_room, 0.0) - headroom, 0.0)
    gain = np.where(eligible & ~on, c * (1.0 - units.min_load_pu), 0.0)
    on |= ((np.cumsum(gain, axis=1) - gain) < deficit[:, None]) & (gain > 0.0)

    # 3. minimum up time after every start inside the window
    prev = np.vstack([init_on[None, :], on[:-1]])
    last_start = np.maximum.accumulate(np.where(on & ~prev, steps, -_BIG), axis=0)
    on |= ((steps - last_start) < units.min_up_steps) & eligible

    # 4. bridge off spells shorter than the minimum down time or cheaper to bridge than a start
    last_on = np.maximum.accumulate(np.where(on, steps, -_BIG), axis=0)
    last_on = np.where((last_on == -_BIG) & init_on, -1, last_on)  # on before the window
    next_on = np.minimum.accumulate(np.where(on, steps, _BIG)[::-1], axis=0)[::-1]
    in_gap = ~on & (last_on > -_BIG) & (next_on < _BIG)
    if not in_gap.any():
        return on & present
    step_cost = (units.capacity_mw * units.min_load_pu * dt_h) * np.maximum(price[None, :] - lam[:, None], 0.0)
    cum = np.vstack([np.zeros((1, n)), np.cumsum(step_cost, axis=0)])  # cum[k] = cost of steps < k
    cols = np.arange(n)[None, :]
    bridge_cny = cum[np.clip(next_on, 0, w), cols] - cum[np.clip(last_on + 1, 0, w), cols]
    gap_steps = next_on - last_on - 1
    fill = in_gap & ((gap_steps < units.min_down_steps) | (bridge_cny <= units.start_up_cost_cny)) & eligible
    return (on | fill) & present


def _trailing_state(on: np.ndarray, init_on: np.ndarray, init_steps: np.ndarray):
    """State at the end of ``on`` [steps, units]: (last on/off, steps spent in it)."""
    w = on.shape[0]
    last = on[-1]
    same = on == last[None, :]
    # index of the last step that differs from the final state (−1 if none)
    diff_idx = np.where(~same, np.arange(w)[:, None], -1).max(axis=0)
    trailing = w - 1 - diff_idx
    carried = (diff_idx < 0) & (init_on == last)
    return last, np.where(carried, np.minimum(init_steps + w, _BIG), trailing)


def commit_horizon(net_load_forecast_mw, reserve_forecast_mw, available_mw, units: CommitmentUnits,
                   steps_per_day: int, total_steps: int, dt_h: float, *, margin_mw=None, other_mw=None,
                   other_price_cny_per_mwh=None, initial_on=None, must_run_steps=None) -> np.ndarray:
    """On/off [total_steps, units] committed day by day.

    net_load_forecast_mw, reserve_forecast_mw [days, window ≥ steps_per_day]: the forecast window published
    before each day (``persistence_forecast``). available_mw [days, units]: capacity known available at gate
    closure (units on forced outage then are left out for the day). margin_mw [days] or [days, window]:
    forecast-error allowance (``forecast_error_margin``). other_mw [days, window, k] with
    other_price [k] or [days, window, k]: supply that needs no commitment (``calendar_windows`` of a published
    schedule). must_run_steps [total_steps, units] (bool, optional): a
    calendar of must-run steps (known in advance), read for each window. Only the first ``steps_per_day`` steps of each day's
    window bind; the state (on/off and steps in it) carries into the next day's minimum up/down times.
    """
    fc = np.asarray(net_load_forecast_mw, dtype=float)
    rs = np.asarray(reserve_forecast_mw, dtype=float)
    n = units.capacity_mw.size
    perm = np.argsort(units.offer_price_cny_per_mwh, kind="stable")
    sorted_units = _permuted(units, perm)
    av = np.asarray(available_mw, dtype=float)[:, perm]
    days, w = fc.shape
    on_state = np.ones(n, dtype=bool) if initial_on is None else np.asarray(initial_on, dtype=bool)[perm]
    steps_in = np.full(n, _BIG, dtype=np.int64)
    margin = np.zeros(days) if margin_mw is None else np.asarray(margin_mw, dtype=float)
    out = np.zeros((days * steps_per_day, n), dtype=bool)
    if must_run_steps is not None:
        cal = np.asarray(must_run_steps, dtype=bool)[:, perm]
        cal = np.vstack([cal, np.repeat(cal[-1:], days * steps_per_day + w - cal.shape[0], axis=0)])
    for d in range(days):
        price_d = other_price_cny_per_mwh
        if price_d is not None and np.ndim(price_d) == 3:
            price_d = price_d[d]
        other, other_price = _other(None if other_mw is None else other_mw[d], price_d, w)
        window = _commit_sorted(fc[d], rs[d], np.broadcast_to(av[d], (w, n)), sorted_units, dt_h, margin[d],
                                on_state, steps_in, other, other_price,
                                None if must_run_steps is None else cal[d * steps_per_day:d * steps_per_day + w])
        day = window[:steps_per_day]
        out[d * steps_per_day:(d + 1) * steps_per_day] = day
        on_state, steps_in = _trailing_state(day, on_state, steps_in)
    result = np.empty_like(out)
    result[:, perm] = out
    return result[:total_steps]


def calendar_windows(series, steps_per_day: int, window_steps: int) -> np.ndarray:
    """Windows [days, window_steps, …] of a series known in advance (a published schedule or profile,
    [steps, …]): day d's window starts at its first step; steps past the horizon repeat the last value."""
    s = np.asarray(series)
    days = -(-s.shape[0] // steps_per_day)
    need = (days - 1) * steps_per_day + window_steps
    pad = np.repeat(s[-1:], max(need - s.shape[0], 0), axis=0) if s.shape[0] else np.zeros((need, *s.shape[1:]))
    full = np.concatenate([s, pad]) if s.shape[0] else pad
    idx = np.arange(days)[:, None] * steps_per_day + np.arange(window_steps)[None, :]
    return full[idx]


def persistence_forecast(series, steps_per_day: int, window_days: int = 2, first_day=np.inf) -> np.ndarray:
    """Day-ahead persistence forecast [days, window_days × steps_per_day] of ``series`` [steps].

    The forecast for day d (and for the look-ahead days after it) is the realised profile of day d − 1, which
    is complete at gate closure before day d; the first day has no history in the horizon and gets
    ``first_day`` (``inf`` commits every available unit). A trailing partial day is padded with its last value.
    """
    s = np.asarray(series, dtype=float)
    days = -(-s.size // steps_per_day)
    padded = np.concatenate([s, np.full(days * steps_per_day - s.size, s[-1] if s.size else 0.0)])
    profiles = padded.reshape(days, steps_per_day)
    prior = np.vstack([np.full((1, steps_per_day), first_day), profiles[:-1]])
    return np.tile(prior, (1, window_days))


def forecast_error_margin(series, steps_per_day: int, history_days: int = 7, quantile: float = 0.95) -> np.ndarray:
    """Margin [days] the operator adds to each day's persistence forecast of ``series`` [steps]: the
    ``quantile`` of the under-forecasts (realised − forecast, positive part) over the previous ``history_days``
    days — known at gate closure before the day. Days without history get 0.
    """
    s = np.asarray(series, dtype=float)
    days = -(-s.size // steps_per_day)
    padded = np.concatenate([s, np.full(days * steps_per_day - s.size, s[-1] if s.size else 0.0)])
    prof = padded.reshape(days, steps_per_day)
    err = np.full((days, steps_per_day), np.nan)
    err[1:] = np.maximum(prof[1:] - prof[:-1], 0.0)  # day d's error against its forecast (day d − 1)
    hist = np.vstack([np.full((history_days, steps_per_day), np.nan), err[:-1]])  # row d + h − 1 = day d − 1
    windows = np.lib.stride_tricks.sliding_window_view(hist, history_days, axis=0)[:days]  # [days, spd, h]
    flat = windows.reshape(days, -1)
    out = np.zeros(days)
    seen = ~np.isnan(flat).all(axis=1)
    if seen.any():
        out[seen] = np.nanquantile(flat[seen], quantile, axis=1)
    return out


def start_ups(online, initial_on=None) -> np.ndarray:
    """Starts [steps, units] (bool): online now and not in the step before (``initial_on`` before the first)."""
    on = np.asarray(online, dtype=bool)
    init = np.ones(on.shape[1], dtype=bool) if initial_on is None else np.asarray(initial_on, dtype=bool)
    prev = np.vstack([init[None, :], on[:-1]])
    return on & ~prev
