"""The backup generators of the data centers in the phase loop (agents.strategies.backup does the arithmetic).

A data center's generators (scenario ``backup``, or the legacy scalar ``backup_*`` fields) run on:

- **voltage-dip events** (agents.events): the load the ride-through policy moves off the grid (build time);
- **grid outages** at the site (agents.outages): the site load they can carry while the grid is off (the UPS
  bridges the start and is recharged from the generator, so it delivers the whole load it carries);
- **demand response** (strategy ``contingency_and_dr``): in a step of a called event whose payment to the
  member (program energy payment × (1 − aggregator fee)) is at least the offer (fuel cost + margin) they carry
  the reduction called from the site (less what its workload strategy already cuts), up to the site load and
  capacity — decided in the DCs' bid from the published call, so the grid operator clears a lower demand;
- **unserved load** of the clearing (dispatch): they start pro rata to their room to cover it;
- **minimum run**: once started a generator runs on until ``min_run_time_h``, carrying its site's load.

A generator that starts delivers after its start-up delay (``start_lag_pu``: ``lag × load`` of the step is
bridged by the site's UPS, recorded as ``ups_bridge_mw``; the UPS recharges from the grid afterwards, so the
grid draw over the step is the site load − the generator output [A]). A DR start is notified ahead: its delay
is the start-up time beyond ``dr_notice_s`` and the grid serves the site until it delivers (no UPS
bridge). State per generator: running, run time, the delay of its current
start, number of starts (checkpointed: ``state_array`` / ``restore``).
"""

from __future__ import annotations

import numpy as np

from agents.strategies.backup import start_lag_pu, step_running


class DataCenterBackup:
    """The backup generators of a DataCenterFleet's members that have them (module docstring)."""

    def __init__(self, fleet, rec, dt_h: float):
        gens = [s.backup_generator for s in fleet.specs]
        self.members = np.array([i for i, g in enumerate(gens) if g is not None], dtype=int)
        specs = [gens[i] for i in self.members]
        self.specs = specs
        self.dt_h = float(dt_h)

        def arr(name):
            return np.array([getattr(g, name) for g in specs], dtype=float)

        self.cap_mw = arr("capacity_mw")
        self.fuel_cny_per_mwh = arr("fuel_cost_cny_per_mwh")
        self.co2_t_per_mwh = arr("co2_t_per_mwh")
        self.delay_s = arr("start_up_time_s")
        self.min_run_h = arr("min_run_time_h")
        self._strategies()
        # legacy generators (no delay, no minimum run, no DR): the step needs no state beyond the record
        self.simple = not (self.delay_s.any() or self.min_run_h.any() or self.dr_cols.size)
        m = self.members.size
        self.on = np.zeros(m, dtype=bool)
        self.tau_h = np.zeros(m)  # run time at the step's start [h]
        self.active_delay_s = np.zeros(m)  # start-up delay of the current start [s]
        self.dr_start = np.zeros(m, dtype=bool)  # the current run started for DR (no UPS bridge: the grid serves)
        self.starts = np.zeros(m)
        self.output_mw = fleet.record(rec, "backup_mw", members=self.members)
        self.bridge_mw = fleet.record(rec, "ups_bridge_mw", members=self.members)
        self._step: dict = {}

    def _strategies(self) -> None:
        """DR offers of the generators from their strategies: which offer (``dr_cols``), at what price (fuel cost
        + margin) [CNY/MWh] and with what delay after a notified start [s]."""
        specs = self.specs
        self.dr_cols = np.array([j for j, g in enumerate(specs) if g.strategy.kind == "contingency_and_dr"], dtype=int)
        self.offer_cny_per_mwh = np.array([g.fuel_cost_cny_per_mwh + g.strategy.dr_margin_cny_per_mwh for g in specs],
                                          dtype=float)
        self.dr_delay_s = np.maximum(self.delay_s - np.array([g.strategy.dr_notice_s for g in specs], dtype=float),
                                     0.0)

    def apply_spec(self, index: int, spec, t: int) -> None:
        """A run-time decision (agents.decisions) at step ``t``: the generators of DC ``index`` follow ``spec``'s
        strategy (kind, DR margin, DR notice) in the bids from step ``t`` on; a start under way keeps its delay.
        Generators that needed no run state so far (``simple``: no delay, no minimum run, no DR) take it from the
        record when DR is switched on: running = output in step ``t − 1``, starts counted so far."""
        j = int(np.flatnonzero(self.members == index)[0])
        self.specs[j] = spec
        self._strategies()
        if self.simple and self.dr_cols.size:
            self.starts = np.asarray(self.starts_before(t), dtype=float)
            self.on = self.output_mw[t - 1] > 0.0 if t > 0 else np.zeros(self.members.size, dtype=bool)
            self.simple = False

    # ---- checkpoint -------------------------------------------------------------------------------------

    def state_array(self) -> np.ndarray:
        """[5, generators]: running, run time [h], delay of the current start [s], starts, started for DR."""
        return np.stack([self.on.astype(float), self.tau_h, self.active_delay_s, self.starts,
                         self.dr_start.astype(float)])

    def restore(self, state: np.ndarray) -> None:
        self.on = np.asarray(state[0]) > 0.5
        self.tau_h, self.active_delay_s, self.starts = (np.array(state[k], dtype=float) for k in (1, 2, 3))
        self.dr_start = np.asarray(state[4]) > 0.5

    # ---- phases -----------------------------------------------------------------------------------------

    def bid(self, t: int, event_mw: np.ndarray, site_mw, dr=None, dr_delivered_mw=None,
            outage: np.ndarray | None = None) -> float | None:
        """Output of the step's planned runs (dip events, DR, minimum run) [generators] → ``output_mw[t]``;
        returns their total [MW] to move off the grid's demand, or None for the legacy case (the caller then
        uses the event schedule's total). ``site_mw()`` → the site load behind the meter [generators] [MW]
        (read when needed; the battery decides its power of the step after the DCs' bid, against the grid);
        ``dr`` the DR desk; ``dr_delivered_mw(cols)`` → what the members' workload strategy already cuts;
        ``outage`` [generators] (bool): the site is off the grid (agents.outages), ``event_mw`` is the load it
        carries there, and the UPS that bridged its start is recharged from it, so it delivers that load."""
        if self.simple:  # no state: it runs where it has output (starts counted from the record, starts_before)
            self._step = {"gen": event_mw}
            if event_mw.any():
                self.output_mw[t] = event_mw
            return None
        request = event_mw > 0.0
        cover = np.array(event_mw, dtype=float)
        dr_req = np.zeros_like(request)
        site = None
        if self.dr_cols.size and dr is not None and dr.active:
            cols = self.dr_cols
            members = self.members[cols]
            called = dr.called_for(t, members)
            if (called > 0.0).any():
                need = np.maximum(called - dr_delivered_mw(members), 0.0)
                site = site_mw()
                want = (called > 0.0) & (dr.member_price_cny_per_mwh[members] >= self.offer_cny_per_mwh[cols])
                take = np.where(want, np.minimum(need, site[cols]), 0.0)
                dr_req[cols] = take > 0.0
                cover[cols] = np.maximum(cover[cols], take)
        asked = request | dr_req
        running, started = step_running(self.on, self.tau_h, asked, self.min_run_h)
        hold = running & ~asked
        if hold.any():
            site = site_mw() if site is None else site
            cover[hold] = site[hold]
        self.dr_start = np.where(started, dr_req & ~request, self.dr_start)
        self.active_delay_s = np.where(started, np.where(self.dr_start, self.dr_delay_s, self.delay_s),
                                       self.active_delay_s)
        tau = np.where(started, 0.0, self.tau_h)
        lag = start_lag_pu(tau, self.dt_h, self.active_delay_s)
        cover = np.minimum(cover, self.cap_mw)
        pickup = cover
        if (request & (lag > 0)).any():  # a dip event moves the transferred load at its onset, mid-step
            site = site_mw() if site is None else site
            pickup = np.where(request, np.minimum(site, self.cap_mw), cover)
        gen = np.maximum(cover - pickup * lag, 0.0)
        bridged = cover - gen
        if outage is not None:  # off the grid: the generator also recharges the UPS that bridged its start
            gen = np.where(outage, cover, gen)
        self._step = {"running": running, "started": started, "gen": gen, "tau": tau}
        # a contingency start is bridged by the UPS; during a DR start the grid still serves the site
        self.bridge_mw[t] = np.where(running & ~self.dr_start, bridged, 0.0)
        self.output_mw[t] = gen
        return float(gen.sum())

    def cover_unserved(self, t: int, unserved_mw: float, site_mw) -> float:
        """Start (or load up) generators pro rata to their room to cover load the clearing left unserved; a
        generator that starts now delivers after its start-up delay (the rest is bridged by the UPS), one that
        ran in the step before runs on. ``site_mw()`` → the site load behind the meter + the battery's power of
        the step (dispatched before) [generators] [MW]. Returns the extra output [MW]."""
        s = self._step
        gen, load = s["gen"], site_mw()
        room = np.minimum(self.cap_mw - gen, np.maximum(load - gen, 0.0))
        total = float(room.sum())
        if total <= 0.0:
            return 0.0
        out = room * (min(unserved_mw, total) / total)
        if self.simple:
            self.output_mw[t] = gen + out
            return float(out.sum())
        new = (out > 0.0) & ~s["running"] & ~self.on  # one that ran in the step before runs on (no new start)
        self.active_delay_s = np.where(new, self.delay_s, self.active_delay_s)
        self.dr_start = self.dr_start & ~new
        tau = np.where(new, 0.0, s["tau"])
        lag = start_lag_pu(tau, self.dt_h, self.active_delay_s)
        extra = out - out * lag
        self.bridge_mw[t] = self.bridge_mw[t] + out * lag
        s["tau"] = tau
        s["running"] = s["running"] | (out > 0.0)
        s["started"] = s["started"] | new
        self.output_mw[t] = gen + extra
        return float(extra.sum())

    def end_step(self, t: int) -> None:
        """Carry the run state to the next step."""
        if self.simple:
            return
        s = self._step
        running, started = s["running"], s["started"]
        self.starts += started
        tau = np.where(started, 0.0, self.tau_h)
        self.tau_h = np.where(running, tau + self.dt_h, 0.0)
        self.on = running

    # ---- accounting -------------------------------------------------------------------------------------


    def starts_before(self, stop: int) -> np.ndarray:
        """Starts per generator in steps [0, stop): the run-state counter, or — for legacy generators, which
        run exactly where they have output — the steps with output after a step without."""
        if not self.simple:
            return self.starts
        run = self.output_mw[:stop] > 0.0
        prev = np.vstack([np.zeros((1, run.shape[1]), dtype=bool), run[:-1]]) if stop else run
        return (run & ~prev).sum(axis=0)

    def totals(self, stop: int) -> dict[str, np.ndarray]:
        """Per generator over steps [0, stop): energy [MWh], fuel cost [CNY], CO2 [t], UPS bridge [MWh]."""
        energy = self.output_mw[:stop].sum(axis=0) * self.dt_h
        return {"energy_mwh": energy, "fuel_cost_cny": energy * self.fuel_cny_per_mwh,
                "co2_t": energy * self.co2_t_per_mwh, "ups_bridge_mwh": self.bridge_mw[:stop].sum(axis=0) * self.dt_h}
