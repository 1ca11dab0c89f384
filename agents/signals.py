"""What the grid operator publishes, and when: the only market information a fleet's ``observe`` sees.

Day-ahead (published at the first step of each day for the NEXT day's steps — the first day's forecast with
it, at step 0; days are ``24 / dt_h`` steps from the horizon start): the merit-order forecast of the wholesale price [CNY/MWh]
(agents.markets.forecast.merit_order_price_forecast), the average and the marginal carbon intensity
[kgCO2/kWh] and the renewable share [-] of that forecast stack (``merit_order_mix_forecast``), and the
reserve margin [-] = (Σ expected capacity − demand) / demand. They are
computed for the horizon at build from information a forecaster has before the day: offer prices (static),
expected capacities (plants: nameplate × (1 − forced-outage rate); renewables and DC PV from the weather
series, i.e. a perfect day-ahead weather forecast; import lines from their published profiles) and the
forecast demand (non-DC load + DC facility power, from weather and workload profiles). Nothing decided in
the step loop enters them.

Real time (published after the clearing of each step): the wholesale price [CNY/MWh] and the marginal
emissions [kgCO2/kWh] = CO2 factor of the marginal offer (the accepted offer last in the merit order,
agents.markets.offer_book.OfferBook.marginal_offers), computed from the recorded clearing when first read.

``Signals`` holds the arrays; ``day_ahead(name)`` and ``real_time(name)`` return views that end where
publication has reached (the next day's end, resp. the step before the current one), so a fleet cannot
index the future. Demand-response calls the operator makes are published as ``dr_calls`` (a list of
``(program id, start step, end step, notified step)``, agents.markets.demand_response).
"""

from __future__ import annotations

import numpy as np

DAY_AHEAD = ("price_cny_per_mwh", "carbon_intensity_kgco2_per_kwh", "marginal_co2_kgco2_per_kwh",
             "renewable_share_pu", "reserve_margin_pu")
REAL_TIME = ("price_cny_per_mwh", "marginal_co2_kgco2_per_kwh")
_TOL_MW = 1e-9


def merit_order_mix_forecast(demand_mw, offer_capacity_mw, offer_price_cny_per_mwh, offer_co2_t_per_mwh,
                             offer_renewable):
    """Carbon and renewable content of a forecast merit-order dispatch (no exports, no reserve).

    Returns ``(average_kgco2_per_kwh [steps], marginal_kgco2_per_kwh [steps], renewable_share_pu [steps])``.
    Offers are stacked cheapest first (stable: layout order on ties) and served up to the demand ``D``:
    ``q_k = clip(D − C_{k−1}, 0, cap_k)``; average intensity ``Σ q_k f_k / Σ q_k``, marginal intensity ``f_k*``
    of the last offer needed (``k* = min{k : C_k ≥ D}``; the last offer of the stack when it is short),
    renewable share ``Σ_{renewable} q_k / Σ q_k`` (1 t/MWh = 1 kg/kWh). Zero demand gives the cheapest offer's
    factor and zero shares.
    """
    demand = np.clip(np.asarray(demand_mw, dtype=float), 0.0, None)
    price = np.asarray(offer_price_cny_per_mwh, dtype=float)
    steps = demand.size
    if price.size == 0:
        z = np.zeros(steps)
        return z, z.copy(), z.copy()
    cap = np.broadcast_to(np.asarray(offer_capacity_mw, dtype=float), (steps, price.size))
    order = np.argsort(price, kind="stable")
    q = np.maximum(cap[:, order], 0.0)
    f = np.asarray(offer_co2_t_per_mwh, dtype=float)[order]
    ren = np.asarray(offer_renewable, dtype=bool)[order]
    cum = np.cumsum(q, axis=1)
    served = np.clip(demand[:, None] - (cum - q), 0.0, q)
    total = served.sum(axis=1)
    safe = np.where(total > _TOL_MW, total, 1.0)
    average = np.where(total > _TOL_MW, (served * f).sum(axis=1) / safe, 0.0)
    share = np.where(total > _TOL_MW, served[:, ren].sum(axis=1) / safe, 0.0)
    k = np.minimum((cum < (demand - _TOL_MW)[:, None]).sum(axis=1), price.size - 1)
    marginal = np.where(demand > _TOL_MW, f[k], f[0])
    return average, marginal, share


class Signals:
    """Published signals of one run (module docstring). ``advance(t)`` opens step ``t``; ``publish(t, …)``
    writes its real-time values after clearing."""

    def __init__(self, steps: int, steps_per_day: int, day_ahead,
                 real_time: dict[str, np.ndarray] | None = None, fill=None):
        """``day_ahead``: the forecasts [steps] (DAY_AHEAD names), or a function returning them, called when a
        forecast is first read (they depend only on build-time information, so computing them late changes
        nothing; a run no strategy reads them in does not pay for them); ``real_time``: arrays [steps] the run writes
        step by step (default: zeros written by ``publish``), e.g. the recorded wholesale price; ``fill``:
        ``fill(name, start, stop)`` → values of steps [start, stop) for real-time names not given as arrays,
        computed when first read from what was recorded (so the step loop does no work nobody reads)."""
        self.steps = int(steps)
        self.steps_per_day = max(1, int(steps_per_day))
        self._day_ahead_source = day_ahead
        self._day_ahead_arrays = None
        given = real_time or {}
        self._real_time = {name: given[name] if name in given else np.zeros(self.steps) for name in REAL_TIME}
        self._fill = fill
        self._filled = {name: 0 for name in REAL_TIME if name not in given and fill is not None}
        self.dr_calls: list[tuple[str, int, int, int]] = []
        self.t = 0
        self.day_ahead_stop = min(self.steps, 2 * self.steps_per_day)

    @property
    def _day_ahead(self) -> dict[str, np.ndarray]:
        if self._day_ahead_arrays is None:
            src = self._day_ahead_source() if callable(self._day_ahead_source) else self._day_ahead_source
            missing = set(DAY_AHEAD) - set(src)
            if missing:
                raise ValueError(f"day-ahead signals missing: {sorted(missing)}")
            self._day_ahead_arrays = {name: np.asarray(src[name], dtype=float) for name in DAY_AHEAD}
        return self._day_ahead_arrays

    def advance(self, t: int) -> None:
        """Step ``t`` begins: at a day's first step the forecast of the next day is published."""
        self.t = int(t)
        self.day_ahead_stop = min(self.steps, (self.t // self.steps_per_day + 2) * self.steps_per_day)

    @property
    def new_day(self) -> bool:
        """True at the first step of a day (when the next day's forecast is published)."""
        return self.t % self.steps_per_day == 0

    def day_window(self, days_ahead: int = 0) -> tuple[int, int]:
        """Step range [start, stop) of the current day (``days_ahead`` = 0) or the next (1)."""
        start = (self.t // self.steps_per_day + days_ahead) * self.steps_per_day
        return min(start, self.steps), min(start + self.steps_per_day, self.steps)

    def publish(self, t: int, **values: float) -> None:
        """Real-time values of step ``t`` after its clearing (visible from step t + 1 on)."""
        for name, value in values.items():
            self._real_time[name][t] = value

    def day_ahead(self, name: str) -> np.ndarray:
        """Day-ahead forecast published so far [steps up to the end of the current day] (read-only view)."""
        view = self._day_ahead[name][: self.day_ahead_stop]
        view.flags.writeable = False
        return view

    def day_ahead_window(self, name: str, days_ahead: int = 0) -> np.ndarray:
        """The day-ahead forecast of the current day (0) or the next (1) [steps of that day] (read-only view)."""
        start, stop = self.day_window(days_ahead)
        return self.day_ahead(name)[start:stop]

    def real_time(self, name: str) -> np.ndarray:
        """Real-time values of the steps before the current one [t] (read-only view)."""
        done = self._filled.get(name)
        if done is not None and done < self.t:
            self._real_time[name][done:self.t] = self._fill(name, done, self.t)
            self._filled[name] = self.t
        view = self._real_time[name][: self.t]
        view.flags.writeable = False
        return view

    def latest(self) -> dict[str, float]:
        """The last published real-time values and the current step's day-ahead values (NaN before any)."""
        out = {f"real_time.{k}": (float(self.real_time(k)[-1]) if self.t > 0 else float("nan"))
               for k in self._real_time}
        if self.t < self.steps:
            out.update({f"day_ahead.{k}": float(v[self.t]) for k, v in self._day_ahead.items()})
        return out
