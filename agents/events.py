"""Grid events of a scenario: voltage-dip sequences that make data centers transfer to backup.

At build time each ``voltage_dips`` event becomes, per data center with backup generators, the time its
ride-through policy makes it leave the grid (agents.physics.ride_through) and the mean share of its load on
backup in every step (held, then ramped back). The model moves that load to the site's generators (up to
their capacity), so the grid serves less and the energy balance closes with the backup generation recorded.
Events are exogenous inputs known to the scenario, like the weather; no actor plans for them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np

from agents.physics.ride_through import backup_share, transfer_time_s


@dataclass(frozen=True)
class DipEvent:
    """One voltage-dip event resolved on the model's clock."""

    index: int  # position in scenario.events
    step: int  # step holding the first dip
    members: np.ndarray  # positions in the DC fleet's backup members that transfer
    onset_s: np.ndarray  # [members] time the load leaves the grid, after the first transferring site [s]
    transferred_mw: np.ndarray  # [members] load moved to backup when it transfers [MW]


class EventSchedule:
    """Backup power forced by voltage-dip events: ``backup_mw`` [steps, backup members] (zeros without events)."""

    def __init__(self, scenario, dcs, steps: int, dt_h: float):
        self.events: list[DipEvent] = []
        members = dcs.backup_members
        self.backup_mw = np.zeros((steps, members.size))
        self.total_mw = np.zeros(steps)
        dips = [(j, e) for j, e in enumerate(scenario.events) if e.type == "voltage_dips"]  # outages: agents.outages
        if not dips or members.size == 0:
            return
        start = datetime.fromisoformat(scenario.horizon.start).replace(tzinfo=None)
        step_start_h = np.arange(steps, dtype=float)[:, None] * dt_h
        specs = [dcs.specs[i] for i in members]
        rule = np.array([np.inf if s.ride_through.transfer_after_dips is None else s.ride_through.transfer_after_dips
                         for s in specs], dtype=float)
        window = np.array([s.ride_through.dip_window_s for s in specs])
        delay = np.array([s.ride_through.transfer_delay_s for s in specs])
        hold = np.array([s.ride_through.backup_hold_h for s in specs])[None, :]
        ramp = np.array([s.ride_through.return_ramp_h for s in specs])[None, :]
        load = np.minimum(dcs.backup_cap_mw[None, :], dcs.behind_meter_mw(0, steps, members))  # what backup carries
        share = np.zeros((steps, members.size))
        ids = [dcs.ids[i] for i in members]
        for j, e in dips:
            offset_h = (datetime.fromisoformat(e.at).replace(tzinfo=None) - start).total_seconds() / 3600.0
            sees = np.ones(members.size, dtype=bool) if e.data_center_ids is None else np.isin(ids, e.data_center_ids)
            t_s = np.where(sees, transfer_time_s(e.count, e.span_s, rule, window, delay), np.inf)
            share = np.maximum(share, backup_share(step_start_h, dt_h, offset_h + t_s[None, :] / 3600.0, hold, ramp))
            step = min(int(offset_h // dt_h), steps - 1)
            on = np.flatnonzero(np.isfinite(t_s))
            onset = t_s[on] - (t_s[on].min() if on.size else 0.0)
            self.events.append(DipEvent(j, step, on, onset, load[step, on]))
        self.backup_mw = share * load
        self.total_mw = self.backup_mw.sum(axis=1)
