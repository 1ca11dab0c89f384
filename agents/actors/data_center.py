"""Data centers: IT load, cooling overhead (PUE/WUE), on-site PV, heat recovery and backup generation."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.physics import cooling, heat_pump, it_load


class DataCenter(Actor):
    kind = "data_center"


class DataCenterFleet(Fleet):
    """All data centers; precomputes IT, PUE, WUE, PV and recoverable heat for the horizon at build time."""

    kind = "data_center"
    agent_class = DataCenter

    def build(self, ctx: BuildContext) -> None:
        T, n, rec = ctx.steps, self.n, ctx.recorder
        cap = self._param("it_capacity_mw")
        noise = ctx.rng.standard_normal((T, n)) * self._param("utilisation_noise_pu")[None, :]
        util = np.empty((T, n))
        for i, s in enumerate(self.specs):
            util[:, i] = it_load.utilisation_profile(s.workload, ctx.hour_of_day, ctx.day_of_week,
                                                     s.utilisation_mean_pu, s.utilisation_amplitude_pu, noise[:, i])
        it = it_load.it_power_mw(cap[None, :], util, self._param("idle_power_pu")[None, :])
        load_pu = it / cap[None, :]
        temp = np.asarray(ctx.weather.temp_c, dtype=float)[:, None]
        f_fixed = self._param("fixed_overhead_pu")
        pue = np.empty((T, n))
        wue = np.empty((T, n))
        techs = np.array([s.cooling for s in self.specs])
        for tech in sorted(set(techs)):
            cols = np.flatnonzero(techs == tech)
            pue[:, cols] = cooling.pue_part_load(cooling.pue_full_load(temp, tech), load_pu[:, cols], f_fixed[cols])
            wue[:, cols] = cooling.wue_l_per_kwh(temp, tech)
        self.it_mw = it
        self.facility_mw = it * pue
        self.record(rec, "utilisation_pu", static=util)
        self.record(rec, "it_power_mw", static=it)
        self.record(rec, "pue", static=pue)
        self.record(rec, "facility_power_mw", static=self.facility_mw)
        self.record(rec, "cooling_power_mw", static=self.facility_mw * cooling.overhead_split(pue)["cooling"])
        self.record(rec, "wue_l_per_kwh", static=wue)
        self.grid_mw = self.record(rec, "grid_power_mw")

        # on-site PV (offered to the grid operator like any renewable, curtailable)
        self.pv_members = np.flatnonzero(self._param("pv_capacity_mw") > 0)
        pv = np.empty((T, self.pv_members.size))
        for j, i in enumerate(self.pv_members):
            s = self.specs[i]
            pv[:, j] = ctx.pv_pu(s.lat, s.lon, None, 180.0) * s.pv_capacity_mw
        self.pv_available_mw = self.record(rec, "pv_available_mw", static=pv, members=self.pv_members)
        self.pv_mw = self.record(rec, "pv_mw", members=self.pv_members)

        # heat recovery through a heat pump
        self.hr_members = np.array([i for i, s in enumerate(self.specs) if s.heat_recovery is not None], dtype=int)
        hr = [self.specs[i].heat_recovery for i in self.hr_members]
        techs_hr = [self.specs[i].cooling for i in self.hr_members]
        src_c = np.array([h.source_temp_c if h.source_temp_c is not None
                          else cooling.COOLING_TECHNOLOGIES[t].heat_source_temp_c for h, t in zip(hr, techs_hr, strict=True)])
        share = np.array([h.recoverable_pu if h.recoverable_pu is not None
                          else (cooling.COOLING_TECHNOLOGIES[t].liquid_fraction or 0.9) for h, t in zip(hr, techs_hr, strict=True)])
        self.hp_cop = heat_pump.carnot_cop(src_c, np.array([h.sink_temp_c for h in hr]),
                                           np.array([h.carnot_efficiency for h in hr])).reshape(-1)
        source_max = it[:, self.hr_members] * share[None, :]
        deliverable = heat_pump.heat_pump_output(source_max, self.hp_cop[None, :])[0] if hr else source_max
        cap_hp = np.array([h.heat_pump_capacity_mw for h in hr])
        self.heat_offer_mw = self.record(rec, "heat_deliverable_mw", static=np.minimum(deliverable, cap_hp[None, :]),
                                         members=self.hr_members)
        self.heat_recovered_mw = self.record(rec, "heat_recovered_mw", members=self.hr_members)
        self.heat_delivered_mw = self.record(rec, "heat_delivered_mw", members=self.hr_members)
        self.hp_power_mw = self.record(rec, "heat_pump_power_mw", members=self.hr_members)

        # backup generators (used only when the grid cannot serve the load)
        self.backup_members = np.flatnonzero(self._param("backup_generator_mw") > 0)
        self.backup_cap_mw = self._param("backup_generator_mw")[self.backup_members]
        self.backup_fuel_cny_per_mwh = self._param("backup_fuel_cost_cny_per_mwh")[self.backup_members]
        self.backup_co2_t_per_mwh = self._param("backup_co2_t_per_mwh")[self.backup_members]
        self.backup_mw = self.record(rec, "backup_mw", members=self.backup_members)
        self.hr_position = np.full(n, -1)
        self.hr_position[self.hr_members] = np.arange(self.hr_members.size)

    # ---- phases -------------------------------------------------------------------------------------------

    def heat_pump_for(self, delivered_mw: np.ndarray):
        """Source heat and HP electricity to deliver ``delivered_mw`` from the recovering DCs [MW]."""
        return heat_pump.heat_pump_for_delivery(delivered_mw, self.hp_cop)

    def dispatch(self, t: int, pv_used_mw, delivered_mw, source_mw, hp_mw, battery_mw, backup_mw) -> None:
        """Commit the step: grid draw = facility + HP + battery charge − PV used − backup [MW]."""
        grid = self.facility_mw[t] + battery_mw
        grid[self.hr_members] += hp_mw
        grid[self.pv_members] -= pv_used_mw
        grid[self.backup_members] -= backup_mw
        self.grid_mw[t] = grid
        self.pv_mw[t] = pv_used_mw
        self.heat_delivered_mw[t] = delivered_mw
        self.heat_recovered_mw[t] = source_mw
        self.hp_power_mw[t] = hp_mw
        self.backup_mw[t] = backup_mw

    def power_mw(self, step: int) -> np.ndarray:
        return self.grid_mw[step].copy()

    def heat_mw(self, step: int) -> np.ndarray:
        out = np.zeros(self.n)
        out[self.hr_members] = self.heat_delivered_mw[step]
        return out
