"""The region's frequency study: three contingencies per step, simulated on the region's interconnection.

Contingencies (sign: generation − load):
- loss of the largest infeed: the largest single infeed trips — the largest local unit's output or the HVDC
  import line's flow, whichever is larger (dp < 0);
- HVDC infeed loss: the largest HVDC import line trips, carrying min(imports, its rating) (dp < 0);
- data centers trip to backup: every site whose ride-through policy is exceeded by the design fault sequence
  (``frequency_study.dc_trip_dips`` dips over ``dc_trip_span_s``) leaves the grid after its own delay — a loss
  of load (dp > 0, frequency rises; NERC 2025 Northern Virginia review).

The system is the interconnection of the grid operator (``Interconnection``: H, S, load, droop, governor
share and lag, primary reserve, load damping; S and load follow the region's load shape when asked). Without
one the region is an island of its own plants (H of the grid operator on the rating of the plants online —
committed and available, ``PowerPlantFleet.online``, also at zero output — governors on all of them, reserve = the market's reserve requirement, D = 1). Each contingency is
integrated with agents.physics.frequency.simulate_contingency over the steps of a chunk at once.
"""

from __future__ import annotations

import numpy as np

from agents.physics.frequency import simulate_contingency
from agents.physics.ride_through import transfer_time_s

SERIES = ("largest_infeed_mw", "rocof_largest_infeed_hz_per_s", "nadir_largest_infeed_hz",
          "settling_largest_infeed_hz", "hvdc_infeed_mw", "rocof_hvdc_loss_hz_per_s", "nadir_hvdc_loss_hz",
          "dc_trip_mw", "rocof_dc_trip_hz_per_s", "zenith_dc_trip_hz", "settling_dc_trip_hz")


def design_trip_onsets(dc_specs, study) -> np.ndarray:
    """Time each data center leaves the grid under the design fault sequence [s] (inf: rides through)."""
    rt = [s.ride_through for s in dc_specs]
    rule = np.array([np.inf if r.transfer_after_dips is None else r.transfer_after_dips for r in rt], dtype=float)
    return transfer_time_s(study.dc_trip_dips, study.dc_trip_span_s, rule,
                           np.array([r.dip_window_s for r in rt]), np.array([r.transfer_delay_s for r in rt]))


def online_mva(online, cap_mw) -> np.ndarray:
    """Rating of the synchronised units [MVA] per step: ``Σ_i online_i · S_i`` (``online`` [steps, units] bool,
    ``cap_mw`` [units], rating taken as MW at unity power factor). A committed unit spins at zero output too, so
    its inertia counts; an uncommitted or failed unit has none."""
    return np.where(np.asarray(online, dtype=bool), np.asarray(cap_mw, dtype=float)[None, :], 0.0).sum(axis=1)


class FrequencyStudy:
    """Per-step system parameters and the contingency runs of one model."""

    def __init__(self, grid_spec, reserve_pu: float, region_load_mw: np.ndarray, dc_specs):
        self.spec = grid_spec
        self.ic = grid_spec.interconnection
        self.study = grid_spec.frequency_study
        self.f0 = float(grid_spec.nominal_frequency_hz)
        self.reserve_pu = reserve_pu
        self.region_load_mw = np.asarray(region_load_mw, dtype=float)
        mean = float(self.region_load_mw.mean()) if self.region_load_mw.size else 0.0
        follow = self.ic is not None and self.ic.follow_region_load and mean > 0.0
        self.scale = self.region_load_mw / mean if follow else np.ones(self.region_load_mw.size)
        onset = design_trip_onsets(dc_specs, self.study)  # only sites with backup generators can transfer
        onset = np.where([s.backup_generator is not None for s in dc_specs], onset, np.inf) if dc_specs else onset
        self.trip_groups = [(float(t), np.flatnonzero(onset == t)) for t in np.unique(onset[np.isfinite(onset)])]

    def system(self, sl: slice, online_mva: np.ndarray) -> dict:
        """Keyword arguments of simulate_contingency for steps ``sl`` (``online_mva``: rating of the local plants
        online, i.e. synchronised — committed and available — whatever their output)."""
        ic, st = self.ic, self.study
        common = {"duration_s": st.duration_s, "substep_s": st.substep_s}
        if ic is None:
            load = self.region_load_mw[sl]
            return {"h_s": self.spec.inertia_constant_s, "s_mva": online_mva, "load_mw": load,
                    "governor_mva": online_mva, "reserve_mw": np.maximum(self.reserve_pu * load, 0.0),
                    "droop_pu": 0.05, "governor_lag_s": 5.0, "load_damping_pu": 1.0, **common}
        k = self.scale[sl]
        s_mva = ic.synchronous_capacity_mva * k
        return {"h_s": ic.inertia_constant_s, "s_mva": s_mva, "load_mw": ic.load_mw * k,
                "governor_mva": ic.governor_share_pu * s_mva, "reserve_mw": ic.primary_reserve_mw,
                "droop_pu": ic.droop_pu, "governor_lag_s": ic.governor_lag_s,
                "load_damping_pu": ic.load_damping_pu, **common}

    def trip_imbalance(self, dc_grid_mw: np.ndarray) -> np.ndarray:
        """Load leaving the grid per onset group of the data-center trip [steps, groups] from the sites' grid
        draw ``dc_grid_mw`` [steps, DCs] (export is not lost load)."""
        draw = np.maximum(dc_grid_mw, 0.0)
        if not self.trip_groups:
            return np.zeros((draw.shape[0], 1))
        return np.stack([draw[:, cols].sum(axis=1) for _, cols in self.trip_groups], axis=1)

    def run(self, sl: slice, plant_power_mw: np.ndarray, plant_cap_mw: np.ndarray, plant_online: np.ndarray,
            import_mw: np.ndarray, dc_dp_mw: np.ndarray) -> dict[str, np.ndarray]:
        """Region series of the three contingencies for steps ``sl`` (see SERIES); ``plant_online`` [steps,
        plants] (bool) the units synchronised in each step (their rating is the island's inertia base and
        governor capacity); the largest infeed is the largest unit's output; ``dc_dp_mw`` from
        :meth:`trip_imbalance`."""
        n = sl.stop - sl.start
        online = online_mva(plant_online, plant_cap_mw) if plant_cap_mw.size else np.zeros(n)
        sys = self.system(sl, online)
        f0 = self.f0
        hvdc = np.minimum(np.maximum(import_mw, 0.0), self.ic.largest_hvdc_infeed_mw) if self.ic is not None \
            else np.zeros(n)
        largest = np.maximum(plant_power_mw.max(axis=1) if plant_power_mw.shape[1] else 0.0, hvdc)
        dc_dp = dc_dp_mw
        onset = (np.array([t for t, _ in self.trip_groups]) - self.trip_groups[0][0]) if self.trip_groups \
            else np.zeros(1)
        g = simulate_contingency(-largest, f0, **sys)
        h = simulate_contingency(-hvdc, f0, **sys)
        d = simulate_contingency(dc_dp, f0, onset_s=onset, **sys)
        return {"largest_infeed_mw": largest, "rocof_largest_infeed_hz_per_s": g.rocof_hz_per_s,
                "nadir_largest_infeed_hz": f0 + g.nadir_df_hz, "settling_largest_infeed_hz": f0 + g.settling_df_hz,
                "hvdc_infeed_mw": hvdc, "rocof_hvdc_loss_hz_per_s": h.rocof_hz_per_s,
                "nadir_hvdc_loss_hz": f0 + h.nadir_df_hz, "dc_trip_mw": dc_dp.sum(axis=1),
                "rocof_dc_trip_hz_per_s": d.rocof_hz_per_s, "zenith_dc_trip_hz": f0 + d.zenith_df_hz,
                "settling_dc_trip_hz": f0 + d.settling_df_hz}

    def event_excursion(self, event, online_mva: float) -> dict[str, float]:
        """Frequency excursion of one voltage-dip event (its transferring sites' load leaving the grid)."""
        sl = slice(event.step, event.step + 1)
        sys = self.system(sl, np.array([online_mva]))
        if event.members.size:
            r = simulate_contingency(event.transferred_mw[None, :], self.f0, onset_s=event.onset_s, **sys)
            zen, rocof, settle = float(r.zenith_df_hz[0]), float(r.rocof_hz_per_s[0]), float(r.settling_df_hz[0])
        else:
            zen = rocof = settle = 0.0
        return {"dc_load_transferred_mw": float(event.transferred_mw.sum()), "zenith_hz": self.f0 + zen,
                "rocof_hz_per_s": rocof, "settling_hz": self.f0 + settle}
