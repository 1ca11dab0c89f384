"""Site grid outages (scenario ``events`` of type ``grid_outage``): the grid feeding data centers fails for hours.

At build time each outage becomes the steps ``[a, z)`` it covers and the data centers it cuts off
(``SiteOutages.off`` [steps, outage members], exogenous like the weather: no forecast, plan or strategy reads it;
the model reads only the row of the current step). In an outage step a site draws nothing from the grid:

- its **backup generators** are asked to carry the site (agents.actors.dc_backup, the same start/run machine as
  a voltage-dip transfer): a start is bridged by the site's UPS for the start-up delay (``ups_bridge_mw``); the
  UPS is recharged from the generators within the outage, so over the step they deliver the whole load they
  carry; after the grid returns they run on until their minimum run time, as after any contingency start;
- what they cannot carry is **unserved at the site**: with backup capacity ``C`` below the site load ``L``
  (facility + own heat pump) the site sheds whole halls with their cooling and heat recovery, so IT power,
  facility power and recovered heat all fall by the served share ``f = C / L`` (a site without backup: ``f = 0``,
  dark). Recorded per site (stored for the outage steps only, full series derived): ``outage_unserved_it_mw`` =
  (1 − f) × IT (IT work not done, not deferred) and ``outage_unserved_mw`` = (1 − f) × L;
- its **PV and battery** stop: their inverters follow the grid and cease to energise on an island (anti-islanding,
  IEEE 1547-2018 §8.1), so the PV offers nothing (counted as curtailed) and the battery idles;
- a heat utility that buys the site's heat loses (1 − f) of it in the step and covers it from its own units in
  merit order of the unit costs of its day plan, up to their free capacity; the rest is unserved heat, so the
  heat balance still closes (``HeatUtilityFleet.cover_lost_dc_heat``).

Steps are whole: ``at`` lies on the step grid and ``duration_h`` is a whole number of steps (validated); an outage
past the horizon's end is cut there. The state a step changes (IT, facility, heat of that step) is a function of
the step's inputs after the day's plans, so a checkpoint restore re-applies the outage steps before the checkpoint
(``reapply``) and continues bit-identically; the generators' run state is checkpointed with the other backup state.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np

STEP_TOL = 1e-9  # tolerance [steps] for "on the step grid"

OUTAGE_KPIS = ("off_grid_h", "backup_energy_mwh", "backup_fuel_cost_cny", "backup_co2_t", "unserved_it_mwh",
               "unserved_mwh", "ups_bridge_mwh")


def _offset_steps(at: str, start: str, dt_h: float) -> float:
    hours = (datetime.fromisoformat(at).replace(tzinfo=None)
             - datetime.fromisoformat(start).replace(tzinfo=None)).total_seconds() / 3600.0
    return hours / dt_h


def outage_errors(scenario) -> list[dict[str, str]]:
    """Grid outages start on a step boundary and last a whole number of steps (``at`` inside the horizon and
    known data-center ids are checked with every event, agents.scenario._event_errors)."""
    errors: list[dict[str, str]] = []
    h = scenario.horizon
    for j, e in enumerate(scenario.events):
        if e.type != "grid_outage":
            continue
        k = _offset_steps(e.at, h.start, h.dt_h)
        if abs(k - round(k)) > STEP_TOL:
            errors.append({"loc": f"events.{j}.at",
                           "msg": f"{e.at} is not on a step boundary (every {h.dt_h:g} h from {h.start})"})
        n = e.duration_h / h.dt_h
        if abs(n - round(n)) > STEP_TOL or round(n) < 1:
            errors.append({"loc": f"events.{j}.duration_h",
                           "msg": f"{e.duration_h:g} h is not a whole number of {h.dt_h:g}-h steps"})
    return errors


class SiteOutages:
    """The grid outages of a region resolved on the model's clock, and their effect step by step (module
    docstring). ``members``: the DCs any outage cuts off; ``off`` [steps, members] (bool); ``windows``: per
    outage event (its index in ``scenario.events``, first step, end step, columns of ``members``)."""

    def __init__(self, scenario, dcs, steps: int, dt_h: float):
        self.dcs, self.dt_h, self.steps = dcs, float(dt_h), int(steps)
        pos = {i: k for k, i in enumerate(dcs.ids)}
        raw = []
        for j, e in enumerate(scenario.events):
            if e.type != "grid_outage":
                continue
            a = round(_offset_steps(e.at, scenario.horizon.start, dt_h))
            z = min(a + round(e.duration_h / dt_h), self.steps)
            ids = dcs.ids if e.data_center_ids is None else e.data_center_ids
            raw.append((j, a, z, sorted({pos[i] for i in ids})))
        self.active = bool(raw) and dcs.n > 0
        self.members = np.array(sorted({i for *_, dc in raw for i in dc}), dtype=int)
        col = {int(i): c for c, i in enumerate(self.members)}
        self.off = np.zeros((self.steps, self.members.size), dtype=bool)
        self.windows = []
        for j, a, z, dc in raw:
            cols = np.array([col[i] for i in dc], dtype=int)
            self.off[a:z, cols] = True
            self.windows.append((j, a, z, cols))
        self.any_off = self.off.any(axis=1)  # [steps]: the one lookup the step loop makes
        if not self.active:
            return
        # backup capacity of each member (0 without generators) and its column among the backup members
        self.backup_col = np.searchsorted(dcs.backup_members, self.members)
        has = np.isin(self.members, dcs.backup_members)
        self.backup_col[~has] = -1
        self.cap_mw = np.zeros(self.members.size)
        self.cap_mw[has] = dcs.backup_cap_mw[self.backup_col[has]]
        # unserved IT and site load, stored for the outage steps only [outage steps, members] (series derived)
        self.rows = np.flatnonzero(self.any_off)
        self.row_of = np.full(self.steps, -1)
        self.row_of[self.rows] = np.arange(self.rows.size)
        self.unserved_it_rows_mw = np.zeros((self.rows.size, self.members.size))
        self.unserved_rows_mw = np.zeros((self.rows.size, self.members.size))
        dcs.derive(dcs._rec, "outage_unserved_it_mw", lambda a, b: self._series(self.unserved_it_rows_mw, a, b),
                   members=self.members)
        dcs.derive(dcs._rec, "outage_unserved_mw", lambda a, b: self._series(self.unserved_rows_mw, a, b),
                   members=self.members)
        self.off_backup = np.zeros((self.steps, dcs.backup_members.size), dtype=bool)  # [steps, backup members]
        self.off_backup[:, self.backup_col[has]] = self.off[:, has]
        self.carry_mw = np.zeros(dcs.backup_members.size)  # what the generators carry in the current step
        pv_pos = np.searchsorted(self.members, dcs.pv_members)
        pv_hit = np.isin(dcs.pv_members, self.members)
        self.off_pv = np.zeros((self.steps, dcs.pv_members.size), dtype=bool)  # [steps, PV members]
        self.off_pv[:, pv_hit] = self.off[:, pv_pos[pv_hit]]
        self._heat = self._changed = self._contract_hr = None

    def _series(self, rows_mw: np.ndarray, a: int, b: int) -> np.ndarray:
        """[b − a, members] from values stored for the outage steps (0 elsewhere)."""
        out = np.zeros((b - a, self.members.size))
        r = self.row_of[a:b]
        has = r >= 0
        out[has] = rows_mw[r[has]]
        return out

    def unserved_it_mw(self, a: int, b: int) -> np.ndarray:
        """IT power not served at the members in steps [a, b) [steps, members] [MW]."""
        return self._series(self.unserved_it_rows_mw, a, b)

    def unserved_mw(self, a: int, b: int) -> np.ndarray:
        """Site load (facility + own heat pump) not served at the members in steps [a, b) [steps, members] [MW]."""
        return self._series(self.unserved_rows_mw, a, b)

    def connect(self, heat, contract_hr: np.ndarray, changed) -> None:
        """``heat``: the heat fleet (covers lost DC heat); ``contract_hr`` [heat contracts]: the seller's column
        among the recovering DCs; ``changed(a, z)``: the model's update after DC and heat values of steps [a, z)
        changed (DC heat delivery, region load and heat series)."""
        self._heat, self._contract_hr, self._changed = heat, np.asarray(contract_hr, dtype=int), changed

    def islanded_units(self, meter_dc: np.ndarray) -> np.ndarray | None:
        """[steps, storage units] (bool): units behind the meter of a DC while it is off the grid; None if none."""
        hit = np.isin(meter_dc, self.members) & (meter_dc >= 0)
        if not self.active or not hit.any():
            return None
        out = np.zeros((self.steps, meter_dc.size), dtype=bool)
        out[:, hit] = self.off[:, np.searchsorted(self.members, meter_dc[hit])]
        return out

    # ---- the step -----------------------------------------------------------------------------------------

    def apply(self, t: int) -> None:
        """Step ``t`` is an outage step for some members (``any_off[t]``), after the day's plans and before the
        bids: what the generators carry, what the sites shed, and the heat utilities' cover for lost DC heat."""
        dcs = self.dcs
        cols = np.flatnonzero(self.off[t])
        members = self.members[cols]
        load = dcs.behind_meter_mw(t, t + 1, members)[0]
        cap = self.cap_mw[cols]
        served = np.divide(cap, load, out=np.ones_like(load), where=load > cap)  # f = min(1, C / L)
        it = dcs.it_mw[t, members]
        row = self.row_of[t]
        self.unserved_it_rows_mw[row, cols] = it - it * served
        carry = load
        shed = served < 1.0
        if shed.any():
            share = dcs.shed_load(t, members[shed], served[shed])  # [recovering DCs] served share of their heat
            if self._heat is not None and share is not None and self._contract_hr.size:
                self._heat.cover_lost_dc_heat(t, share[self._contract_hr])
            if self._changed is not None:
                self._changed(t, t + 1)
            carry = dcs.behind_meter_mw(t, t + 1, members)[0]  # the served site, heat pumps refreshed: f × L
        self.unserved_rows_mw[row, cols] = load - carry
        self.carry_mw[:] = 0.0
        b = self.backup_col[cols]
        self.carry_mw[b[b >= 0]] = carry[b >= 0]

    def backup_request_mw(self, t: int, dip_mw: np.ndarray) -> np.ndarray:
        """What the backup members' generators are asked to carry in step ``t``: the site they carry while off the
        grid, else the voltage-dip events' load ``dip_mw`` [backup members] [MW]."""
        return np.where(self.off_backup[t], self.carry_mw, dip_mw)

    def reapply(self, stop: int) -> None:
        """After a checkpoint restore (day plans replayed): the outage steps before ``stop``, in order."""
        if self.active:
            for t in np.flatnonzero(self.any_off[:stop]).tolist():
                self.apply(t)

    # ---- results ------------------------------------------------------------------------------------------

    def kpis(self, stop: int) -> dict:
        """Per outage event and site over the completed steps [0, stop): hours off the grid, backup energy, fuel
        cost, CO2, UPS bridge (over the outage steps and the generator's run right after the grid returns, its
        minimum run), unserved IT and site energy; event totals and region totals."""
        dcs, dt = self.dcs, self.dt_h
        backup = dcs.backup
        events = {}
        total = dict.fromkeys(OUTAGE_KPIS, 0.0)
        for j, a, z, cols in self.windows:
            z = min(z, stop)
            sites = {}
            for c in cols.tolist():
                i = int(self.members[c])
                row = dict.fromkeys(OUTAGE_KPIS, 0.0)
                row["off_grid_h"] = float(max(z - a, 0) * dt)
                row["unserved_it_mwh"] = float(self.unserved_it_mw(a, z)[:, c].sum() * dt) if z > a else 0.0
                row["unserved_mwh"] = float(self.unserved_mw(a, z)[:, c].sum() * dt) if z > a else 0.0
                g = int(self.backup_col[c])
                if g >= 0 and z > a:
                    end = z
                    while end < stop and backup.output_mw[end, g] > 0.0 and not self.off[end, c]:
                        end += 1  # the run the outage started goes on after the grid returns (minimum run)
                    energy = float(backup.output_mw[a:end, g].sum() * dt)
                    row["backup_energy_mwh"] = energy
                    row["backup_fuel_cost_cny"] = energy * float(backup.fuel_cny_per_mwh[g])
                    row["backup_co2_t"] = energy * float(backup.co2_t_per_mwh[g])
                    row["ups_bridge_mwh"] = float(backup.bridge_mw[a:end, g].sum() * dt)
                sites[dcs.ids[i]] = row
            event = {k: float(sum(s[k] for s in sites.values())) for k in OUTAGE_KPIS}
            event["off_grid_h"] = float(max(z - a, 0) * dt)
            event["start_step"] = int(a)
            event["sites"] = sites
            events[str(j)] = event
            for k in OUTAGE_KPIS:
                total[k] += event[k]
        return {**total, "events_count": len(events), "events": events}

    def unserved_it_mwh_per_dc(self, stop: int) -> np.ndarray:
        """IT energy not served in outages per DC over [0, stop) [MWh]."""
        out = np.zeros(self.dcs.n)
        if self.active:
            out[self.members] = self.unserved_it_mw(0, stop).sum(axis=0) * self.dt_h
        return out
