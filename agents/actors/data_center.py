"""Data centers: IT load, cooling overhead (PUE/WUE), on-site PV, heat recovery and backup generation."""

from __future__ import annotations

import numpy as np

from agents.actors.base import Actor, BuildContext, Fleet
from agents.actors.dc_backup import DataCenterBackup
from agents.actors.dc_cold_storage import DataCenterColdStorage
from agents.markets.offer_book import ON_SITE
from agents.physics import cooling, heat_pump, it_load
from agents.strategies.deferral import DeferralState
from agents.strategies.workload_flex import plan_window


def _per_it(x: np.ndarray, it_mw: np.ndarray) -> np.ndarray:
    """``x / it_mw``, 0 where a site is dark (no IT power: a grid outage without backup, agents.outages)."""
    return np.divide(x, it_mw, out=np.zeros(np.broadcast(x, it_mw).shape), where=it_mw > 0)


class DataCenter(Actor):
    kind = "data_center"


class DataCenterFleet(Fleet):
    """All data centers; IT power, facility power, PV and recoverable heat are precomputed for the horizon.

    Kept in memory: IT and facility power [steps, DCs]; PUE, WUE, utilisation and cooling power are derived on
    demand (series, KPIs) so that a national fleet of thousands of DCs stays within memory.
    """

    kind = "data_center"
    agent_class = DataCenter
    decision_series = ("grid_power_mw", "backup_mw")

    def build(self, ctx: BuildContext) -> None:
        T, n, rec = ctx.steps, self.n, ctx.recorder
        self.dt_h = ctx.dt_h
        # outdoor air of each DC's weather site (default the region's): dry bulb and wet bulb [steps, sites]
        sites = [s.weather_site or ctx.weather.site_key for s in self.specs]
        self.site_keys = sorted(set(sites)) or [ctx.weather.site_key]
        self.site_index = np.array([self.site_keys.index(k) for k in sites], dtype=int)
        weathers = [ctx.weather if k == ctx.weather.site_key else ctx.weather_of(k) for k in self.site_keys]
        self.temp_c = np.stack([np.asarray(w.temp_c, dtype=float) for w in weathers], axis=1).reshape(T, -1)
        self.wet_bulb_c = np.stack([np.asarray(w.temp_c if w.wet_bulb_c is None else w.wet_bulb_c, dtype=float)
                                    for w in weathers], axis=1).reshape(T, -1)
        cap = self._param("it_capacity_mw")
        idle = self._param("idle_power_pu")
        noise_sd = self._param("utilisation_noise_pu")
        # agent-major storage [DCs, steps] (fast per-DC build, sums and columns); exposed as [steps, DCs] views
        it = np.empty((n, T))
        for i, s in enumerate(self.specs):
            noise = ctx.rng.standard_normal(T) * noise_sd[i]
            u = it_load.utilisation_profile(s.workload, ctx.hour_of_day, ctx.day_of_week, s.utilisation_mean_pu,
                                            s.utilisation_amplitude_pu, noise)
            it[i] = it_load.it_power_mw(cap[i], u, idle[i])
        self.techs = np.array([s.cooling for s in self.specs], dtype=str)
        f_fixed = self._param("fixed_overhead_pu")
        facility = np.empty((n, T))
        for tech, j, tech_cols in self._cooling_groups():
            pue_full = cooling.pue_full_load(self.temp_c[:, j], tech, self.wet_bulb_c[:, j])[None, :]
            for k in range(0, tech_cols.size, 256):  # bounded temporaries for large fleets
                cols = tech_cols[k:k + 256]
                load_pu = it[cols] / cap[cols, None]
                facility[cols] = it[cols] * cooling.pue_part_load(pue_full, load_pu, f_fixed[cols, None])
        self.it_mw = self.record(rec, "it_power_mw", static=it.T)
        self.facility_mw = self.record(rec, "facility_power_mw", static=facility.T)
        self.derive(rec, "pue", lambda a, b: _per_it(self.facility_mw[a:b], self.it_mw[a:b]))
        self.derive(rec, "utilisation_pu", lambda a, b: np.clip(
            (self.it_mw[a:b] / cap - idle) / np.where(idle < 1.0, 1.0 - idle, 1.0), 0.0, 1.0))
        self.derive(rec, "wue_l_per_kwh", self.wue_l_per_kwh)
        self.derive(rec, "cooling_power_mw", lambda a, b: self.facility_mw[a:b] * cooling.overhead_split(
            _per_it(self.facility_mw[a:b], self.it_mw[a:b]))["cooling"])
        self.derive(rec, "grid_power_mw", self.grid_power_mw)

        # on-site PV (offered to the grid operator like any renewable, curtailable)
        self.pv_members = np.flatnonzero(self._param("pv_capacity_mw") > 0)
        pv = np.empty((T, self.pv_members.size))
        for j, i in enumerate(self.pv_members):
            s = self.specs[i]
            pv[:, j] = ctx.pv_pu(s.lat, s.lon, None, 180.0, site=s.weather_site) * s.pv_capacity_mw
        self.pv_available_mw = self.record(rec, "pv_available_mw", static=pv, members=self.pv_members)

        # heat recovery through a heat pump: what each recovering DC could deliver at every step
        self.hr_members = np.array([i for i, s in enumerate(self.specs) if s.heat_recovery is not None], dtype=int)
        hr = [self.specs[i].heat_recovery for i in self.hr_members]
        techs_hr = [self.specs[i].cooling for i in self.hr_members]
        src_c = np.array([h.source_temp_c if h.source_temp_c is not None
                          else cooling.COOLING_TECHNOLOGIES[t].heat_source_temp_c
                          for h, t in zip(hr, techs_hr, strict=True)], dtype=float)
        share = np.array([h.recoverable_pu if h.recoverable_pu is not None
                          else (cooling.COOLING_TECHNOLOGIES[t].liquid_fraction or 0.9)
                          for h, t in zip(hr, techs_hr, strict=True)], dtype=float)
        self.hp_cop = np.asarray(heat_pump.carnot_cop(src_c, np.array([h.sink_temp_c for h in hr], dtype=float),
                                                      np.array([h.carnot_efficiency for h in hr], dtype=float)),
                                 dtype=float).reshape(-1)
        source_max = self.it_mw[:, self.hr_members] * share[None, :]
        deliverable = heat_pump.heat_pump_output(source_max, self.hp_cop[None, :])[0] if hr else source_max
        # heat-pump ownership sets the boundary (docs/model.md "KPI boundary"): a DC-owned heat pump's
        # electricity is behind the DC's meter and the DC hands over heat at network temperature; otherwise the
        # owner (heat utility or third party) runs it and the DC hands over heat at the source temperature.
        self.hp_owner = np.array([h.heat_pump_owner for h in hr], dtype=str)
        self.hp_dc_owned = self.hp_owner == "data_center"
        cap_hp = np.array([h.heat_pump_capacity_mw for h in hr], dtype=float)
        self.heat_offer_mw = self.record(rec, "heat_deliverable_mw", static=np.minimum(deliverable, cap_hp[None, :]),
                                         members=self.hr_members)
        self.hr_position = np.full(n, -1)
        self.hr_position[self.hr_members] = np.arange(self.hr_members.size)
        self._hr_share = share
        self._hr_cap_mw = cap_hp
        self._build_strategies(ctx, cap, idle, f_fixed)
        self.cold = DataCenterColdStorage(self, rec, T, ctx.dt_h)  # cold stores (agents.actors.dc_cold_storage)

        # backup generators (agents.actors.dc_backup): contingencies and demand response
        self.backup = DataCenterBackup(self, rec, ctx.dt_h)
        self.backup_members = self.backup.members
        self.backup_cap_mw = self.backup.cap_mw
        self.backup_fuel_cny_per_mwh = self.backup.fuel_cny_per_mwh
        self.backup_co2_t_per_mwh = self.backup.co2_t_per_mwh
        self.backup_mw = self.backup.output_mw
        self._rec = rec

    # ---- workload strategies (agents.strategies.workload_flex) ----------------------------------------------

    def _build_strategies(self, ctx: BuildContext, cap: np.ndarray, idle: np.ndarray, f_fixed: np.ndarray) -> None:
        """Group the members by workload strategy (identical specs decide together, vectorised). Members with a
        strategy other than none keep their unshifted IT power (``it_base_mw`` [steps, flexible members]), which
        each day's plan shifts; with no such member nothing here costs anything."""
        self.steps_per_day = max(1, round(24.0 / self.dt_h))
        self._cap, self._idle, self._f_fixed = cap, idle, f_fixed
        strategies = [s.strategy for s in self.specs]
        self.flex_members = np.array([i for i, st in enumerate(strategies) if st.kind != "none"], dtype=int)
        self._group_strategies()
        self.it_base_mw = np.array(self.it_mw[:, self.flex_members])  # unshifted IT power (the workload profile)
        if self.flex_members.size:
            rec = ctx.recorder
            self.it_shift_mw = self.record(rec, "it_shift_mw", static=np.zeros((ctx.steps, self.flex_members.size)),
                                           members=self.flex_members)
            self.dr_delivered_mw = self.record(rec, "dr_delivered_mw",
                                               static=np.zeros((ctx.steps, self.flex_members.size)),
                                               members=self.flex_members)
            self.deferred_backlog_mwh = np.zeros((ctx.steps // self.steps_per_day + 1, self.flex_members.size))
            self.forced_mwh = np.zeros(self.flex_members.size)
            self.decision_series = (*type(self).decision_series, "it_power_mw", "it_shift_mw")  # the day's plan
        self._region_changed = None

    def _group_strategies(self, states: dict | None = None) -> None:
        """Group the flexible members by identical strategy spec (sorted: deterministic order); ``states``
        {member: its column of carried deferred work [MWh]} seeds each group's ``DeferralState``."""
        keys: dict[str, list[int]] = {}
        for i in self.flex_members.tolist():
            keys.setdefault(self.specs[i].strategy.model_dump_json(), []).append(i)
        flex_pos = np.full(self.n, -1)
        flex_pos[self.flex_members] = np.arange(self.flex_members.size)
        self._flex_pos = flex_pos  # DC → its column among the flexible members (−1: none)
        self.strategy_groups: list[dict] = []
        for key in sorted(keys):
            idx = np.array(keys[key], dtype=int)
            cols = [None if states is None else states.get(int(i)) for i in idx]
            state = None
            if any(c is not None for c in cols):
                rows = max(c.shape[0] for c in cols if c is not None)
                backlog = np.zeros((rows, idx.size))
                for j, c in enumerate(cols):
                    if c is not None:
                        backlog[:c.shape[0], j] = c
                state = DeferralState(backlog)
            self.strategy_groups.append({"spec": self.specs[idx[0]].strategy, "members": idx, "state": state,
                                         "cols": flex_pos[idx]})

    def apply_actor_spec(self, index: int, spec, step: int = 0) -> None:
        """A run-time decision (agents.decisions) for data center ``index`` at step ``step``: a flexible member
        follows ``spec``'s workload strategy from the next day's plan on (it is regrouped with the members sharing
        the new spec and keeps its deferred work: each member's carried ``DeferralState`` column moves with it);
        its cold store plans with the new rule from the next day's plan on (``DataCenterColdStorage.apply_spec``);
        its backup generators bid with the new strategy from this step on (``DataCenterBackup.apply_spec``)."""
        old = self.specs[index]
        self.specs[index] = spec
        self.agents[index].spec = spec
        self.strategies[index] = spec.strategy
        if spec.strategy != old.strategy:
            states = {}
            for g in self.strategy_groups:
                if g["state"] is not None:
                    for j, i in enumerate(g["members"].tolist()):
                        states[i] = g["state"].backlog_mwh[:, j]
            self._group_strategies(states)
        if spec.cold_storage != old.cold_storage:
            self.cold.apply_spec(index, spec.cold_storage)
        if spec.backup != old.backup:
            self.backup.apply_spec(index, spec.backup_generator, step)

    def attach_region(self, changed, price_of=None) -> None:
        """``changed(start, stop)`` is called after a day's plan changed the DCs' IT and facility power of steps
        [start, stop) (the model refreshes the region's fixed load and series of those steps); ``price_of(price,
        start, stop)``: the price the DCs pay for a wholesale price forecast of those steps (cold storage)."""
        self._region_changed = changed
        self._price_of = price_of if price_of is not None else (lambda price, a, z: price)

    def observe(self, t: int, signals) -> None:
        """At a day's first step, each group of members sharing a workload strategy plans the day (module
        agents.strategies.workload_flex ``plan_window``) from the day's published day-ahead forecasts, the DR
        reductions called for the day so far and the deferred work carried in; nothing else is seen."""
        super().observe(t, signals)
        if (self.strategy_groups or self.cold.active) and signals.new_day:
            self._plan_day(signals)

    def _plan_day(self, signals) -> None:
        a, z = signals.day_window(0)
        if z <= a:
            return
        fc = {"price_cny_per_mwh": signals.day_ahead_window("price_cny_per_mwh", 0),
              "carbon_avg_kgco2_per_kwh": signals.day_ahead_window("carbon_intensity_kgco2_per_kwh", 0),
              "carbon_marginal_kgco2_per_kwh": signals.day_ahead_window("marginal_co2_kgco2_per_kwh", 0),
              "renewable_share_pu": signals.day_ahead_window("renewable_share_pu", 0)}
        dr = getattr(self, "dr", None)
        final = z >= self.it_mw.shape[0]
        day = a // self.steps_per_day
        for g in self.strategy_groups:
            spec, members, cols = g["spec"], g["members"], g["cols"]
            base = self.it_base_mw[a:z, cols]
            called = None
            if spec.kind == "dr_committed" and dr is not None and dr.active and dr.called_mw.size:
                called = dr.called_mw[a:z, members]
            plan = plan_window(spec, base, self._cap[members], self._idle[members], self.dt_h, g["state"], **fc,
                               dr_called_mw=called, final=final)
            g["state"] = plan.state
            self.it_mw[a:z, members] = plan.it_mw
            self.it_shift_mw[a:z, cols] = plan.it_mw - base
            self.dr_delivered_mw[a:z, cols] = plan.dr_delivered_mw
            self.deferred_backlog_mwh[day, cols] = plan.state.total_mwh
            self.forced_mwh[cols] += plan.forced_mw.sum(axis=0) * self.dt_h
        if self.strategy_groups:
            self._refresh(a, z, self.flex_members)
        if self.cold.active:  # after the workload plan: the cold stores plan on the day's IT and facility power
            self.cold.plan_day(a, z, self._price_of(fc["price_cny_per_mwh"], a, z))
        if self._region_changed is not None:
            self._region_changed(a, z)

    def enable_migration(self) -> None:
        """Record the IT power moved into (+) / out of (−) each DC by a multi-region coordinator
        (``it_migrated_mw`` [steps, DCs]; agents.multi_region)."""
        self.it_migrated_mw = self.record(self._rec, "it_migrated_mw", static=np.zeros((self.it_mw.shape[0], self.n)))

    def apply_migration(self, a: int, z: int, members: np.ndarray, delta_mw: np.ndarray) -> None:
        """Work moved between regions changes the IT power of ``members`` in steps [a, z) by ``delta_mw``
        [steps, members] (after the day's own plan); facility power, heat offer and the region's load follow,
        as after a day's plan (``_refresh``, ``attach_region``)."""
        self.it_mw[a:z, members] += delta_mw
        self.it_migrated_mw[a:z, members] = delta_mw
        self._refresh(a, z, members)
        if self._region_changed is not None:
            self._region_changed(a, z)

    def _refresh(self, a: int, z: int, members: np.ndarray) -> None:
        """Facility power, heat offer and the cooling the heat pump saves for steps [a, z) of ``members`` after
        their IT power changed — the equations of ``build`` / ``set_heat_delivery`` on those columns only."""
        it = self.it_mw[a:z, members]
        cap = self._cap[members]
        fac = np.empty_like(it)
        techs, sites = self.techs[members], self.site_index[members]
        for tech in sorted(set(techs.tolist())):
            for j in sorted(set(sites[techs == tech].tolist())):
                k = np.flatnonzero((techs == tech) & (sites == j))
                pue_full = cooling.pue_full_load(self.temp_c[a:z, j], tech, self.wet_bulb_c[a:z, j])[:, None]
                fac[:, k] = it[:, k] * cooling.pue_part_load(pue_full, it[:, k] / cap[k], self._f_fixed[members[k]])
        pos = self.hr_position[members]
        has = np.flatnonzero(pos >= 0)
        if has.size:
            p = pos[has]
            src_max = it[:, has] * self._hr_share[p]
            deliverable = heat_pump.heat_pump_output(src_max, self.hp_cop[p][None, :])[0]
            self.heat_offer_mw[a:z, p] = np.minimum(deliverable, self._hr_cap_mw[p][None, :])
            if hasattr(self, "cooling_saved_mw"):  # heat delivery was decided at build: its source heat stays
                f = fac[:, has]
                saved = f * cooling.overhead_split(f / it[:, has])["cooling"] * np.minimum(
                    self.heat_recovered_mw[a:z, p] / it[:, has], 1.0)
                fac[:, has] = f - saved
                self.cooling_saved_mw[a:z, p] = saved
        self.facility_mw[a:z, members] = fac
        if self.cold.active:
            self.cold.reapply(a, z, members)

    def set_heat_delivery(self, delivered_mw: np.ndarray) -> None:
        """Heat the utilities take from each recovering DC [steps, recovering DCs] → heat-pump source and power."""
        source, hp = heat_pump.heat_pump_for_delivery(delivered_mw, self.hp_cop[None, :]) if delivered_mw.size \
            else (delivered_mw, delivered_mw)
        rec = self._rec
        self.heat_delivered_mw = self.record(rec, "heat_delivered_mw", static=delivered_mw, members=self.hr_members)
        self.heat_recovered_mw = self.record(rec, "heat_recovered_mw", static=source, members=self.hr_members)
        self.hp_power_mw = self.record(rec, "heat_pump_power_mw", static=hp, members=self.hr_members)
        self.hp_total_mw = hp.sum(axis=1) if hp.size else np.zeros(delivered_mw.shape[0])
        # the heat leaving the DC boundary (ISO/IEC 30134-6 reused energy): delivered heat when the DC runs the
        # heat pump, the heat pump's source heat otherwise
        reused = np.where(self.hp_dc_owned[None, :], delivered_mw, source) if delivered_mw.size else source
        self.heat_reused_mw = self.record(rec, "heat_reused_mw", static=reused, members=self.hr_members)
        self._hp_owned_cols = np.flatnonzero(self.hp_dc_owned)
        self._hp_owned_members = self.hr_members[self._hp_owned_cols]
        # heat the heat pump extracts need not be rejected by the site's own cooling: its cooling power falls
        # in proportion (assumption: cooling power ∝ heat rejected; cooling share from cooling.overhead_split)
        hr = self.hr_members
        it_hr = self.it_mw[:, hr]
        fac_hr = self.facility_mw[:, hr]
        cooling_mw = fac_hr * cooling.overhead_split(fac_hr / it_hr)["cooling"]
        saved = cooling_mw * np.minimum(source / it_hr, 1.0) if hr.size else cooling_mw
        self.facility_mw[:, hr] = fac_hr - saved
        self.cooling_saved_mw = self.record(rec, "cooling_saved_mw", static=saved, members=hr)

    def update_heat_delivery(self, start: int, stop: int, delivered_mw: np.ndarray) -> None:
        """The utilities re-planned steps [start, stop) (agents.actors.heat_utility): the equations of
        ``set_heat_delivery`` on those rows; facility power before the cooling saving = current + saved."""
        sl, hr = slice(start, stop), self.hr_members
        if not hr.size:
            return
        source, hp = heat_pump.heat_pump_for_delivery(delivered_mw, self.hp_cop[None, :])
        self.heat_delivered_mw[sl] = delivered_mw
        self.heat_recovered_mw[sl] = source
        self.hp_power_mw[sl] = hp
        self.hp_total_mw[sl] = hp.sum(axis=1)
        self.heat_reused_mw[sl] = np.where(self.hp_dc_owned[None, :], delivered_mw, source)
        fac_hr = self.facility_mw[sl, hr] + self.cooling_saved_mw[sl]
        shift = self.cold.shift_of(start, stop, hr) if self.cold.active else None  # cold store's, kept apart
        if shift is not None:
            fac_hr -= shift
        it_hr = self.it_mw[sl, hr]
        saved = fac_hr * cooling.overhead_split(_per_it(fac_hr, it_hr))["cooling"] * np.minimum(_per_it(source, it_hr),
                                                                                             1.0)
        self.facility_mw[sl, hr] = fac_hr - saved if shift is None else fac_hr - saved + shift
        self.cooling_saved_mw[sl] = saved

    def owned_heat_pump_mw(self, start: int, stop: int) -> np.ndarray:
        """Electricity of the heat pumps the DCs own [steps, DCs] [MW] (zero where another party owns them)."""
        out = np.zeros((stop - start, self.n))
        out[:, self._hp_owned_members] = self.hp_power_mw[start:stop, self._hp_owned_cols]
        return out

    def boundary_mw(self, start: int, stop: int) -> np.ndarray:
        """Energy use inside each DC's boundary = facility + own heat pump [steps, DCs] [MW] (PUE numerator)."""
        out = np.array(self.facility_mw[start:stop], order="C")  # always a copy
        out[:, self._hp_owned_members] += self.hp_power_mw[start:stop, self._hp_owned_cols]
        return out

    def behind_meter_mw(self, start: int, stop: int, members: np.ndarray | None = None) -> np.ndarray:
        """Site load before PV, battery and backup = facility + own heat pump [steps, DCs (or members)] [MW]."""
        if members is None:
            return self.boundary_mw(start, stop)
        members = np.asarray(members, dtype=int)
        out = np.ascontiguousarray(self.facility_mw[start:stop, members])
        pos = self.hr_position[members]
        has = pos >= 0
        has[has] = self.hp_dc_owned[pos[has]]
        out[:, has] += self.hp_power_mw[start:stop, pos[has]]
        return out

    def connect(self, battery_members: np.ndarray, battery_mw, pv_used_mw) -> None:
        """Sources of the grid draw: ``battery_mw(start, stop)`` [steps, battery_members] on-site battery power,
        ``pv_used_mw(start, stop)`` [steps, PV members] the PV output the market accepted."""
        self._battery_members = np.asarray(battery_members, dtype=int)
        self._battery_pos = np.full(self.n, -1)  # DC → column of its battery in battery_mw (−1: none)
        self._battery_pos[self._battery_members] = np.arange(self._battery_members.size)
        self._battery_mw = battery_mw
        self._pv_used_mw = pv_used_mw
        self.derive(self._rec, "pv_mw", pv_used_mw, members=self.pv_members)

    def pv_used_mw(self, start: int, stop: int) -> np.ndarray:
        """On-site PV the market accepted [steps, PV members] [MW]."""
        return self._pv_used_mw(start, stop)

    def grid_power_mw(self, start: int, stop: int) -> np.ndarray:
        """Grid draw [steps, DCs] = facility + own HP + battery charge − PV used − backup [MW] (negative = export).

        Computed agent-major (one contiguous row per DC) and returned as a [steps, DCs] view of it."""
        grid = np.array(self.facility_mw.T[:, start:stop], order="C")  # [DCs, steps], always a copy
        grid[self._hp_owned_members] += self.hp_power_mw[start:stop, self._hp_owned_cols].T
        grid[self._battery_members] += self._battery_mw(start, stop).T
        grid[self.pv_members] -= self._pv_used_mw(start, stop).T
        grid[self.backup_members] -= self.backup_mw[start:stop].T
        return grid.T

    def _cooling_groups(self):
        """(cooling technology, weather-site column, DC indices) for each group of DCs sharing both."""
        for tech in sorted(set(self.techs.tolist())):
            for j in range(len(self.site_keys)):
                cols = np.flatnonzero((self.techs == tech) & (self.site_index == j))
                if cols.size:
                    yield tech, j, cols

    def wue_l_per_kwh(self, start: int, stop: int) -> np.ndarray:
        """WUE per DC for steps [start, stop) [L/kWh] from its site's outdoor air (dry or wet bulb, as the
        cooling technology rejects heat) and its cooling technology."""
        out = np.empty((stop - start, self.n))
        for tech, j, cols in self._cooling_groups():
            out[:, cols] = cooling.wue_l_per_kwh(self.temp_c[start:stop, j], tech,
                                                 self.wet_bulb_c[start:stop, j])[:, None]
        return out

    # ---- phases -------------------------------------------------------------------------------------------

    def register(self, book) -> None:
        """One block ``dcpv``: the on-site PV of each DC that has it, at zero price (curtailable)."""
        self.pv_block = book.add("dcpv", price=np.zeros(self.pv_members.size), priority=ON_SITE)

    def attach_dr(self, desk) -> None:
        """Demand-response calls (agents.dr_desk): enrolled DCs observe the reduction they are asked for
        (decision state ``dr_called_mw``). HOOK: a DC strategy that delivers it (deferral, backup) reads
        ``desk.called_for(t, members)`` in its bid; with strategy none the load is unchanged."""
        self.dr = desk
        if desk.active:
            self.decisions["dr_called_mw"] = (lambda a, z: desk.called_mw[a:z], np.arange(self.n))
            self.decision_series = (*self.decision_series, "dr_called_mw")

    def attach_events(self, events, outages=None) -> None:
        """Backup power forced by voltage-dip events (agents.events.EventSchedule) and the sites' grid outages
        (agents.outages.SiteOutages)."""
        self.events = events
        self.outages = outages

    def shed_load(self, t: int, members: np.ndarray, served_pu: np.ndarray) -> np.ndarray | None:
        """Off the grid, ``members`` serve only ``served_pu`` of their site in step ``t`` (agents.outages): whole
        halls go dark with their cooling, so IT power, facility power and the cooling the heat pump saves scale by
        it. Returns the served share of each recovering DC's heat [recovering DCs] (None without heat recovery);
        the heat utility then takes that share and the model refreshes the heat pumps (update_heat_delivery)."""
        self.it_mw[t, members] = self.it_mw[t, members] * served_pu
        self.facility_mw[t, members] = self.facility_mw[t, members] * served_pu
        pos = self.hr_position[members]
        has = pos >= 0
        if not has.any():
            return None
        share = np.ones(self.hr_members.size)
        share[pos[has]] = served_pu[has]
        self.cooling_saved_mw[t, pos[has]] = self.cooling_saved_mw[t, pos[has]] * served_pu[has]
        return share

    def bid(self, t: int, book, signals) -> None:
        """Offer on-site PV; backup generators take load off the grid's demand: a voltage-dip event's, the
        reduction a DR call asks of a member whose generators are a DR resource, a minimum run
        (agents.actors.dc_backup)."""
        planned, off = None, self.outages is not None and self.outages.any_off[t]  # a site off the grid
        if self.backup_members.size:
            event_mw = self.events.backup_mw[t]
            if off:
                event_mw = self.outages.backup_request_mw(t, event_mw)
            planned = self.backup.bid(t, event_mw, lambda: self.behind_meter_mw(t, t + 1, self.backup_members)[0],
                                      getattr(self, "dr", None), lambda members: self._dr_delivered_mw(t, members),
                                      self.outages.off_backup[t] if off else None)
            if planned is None and off:
                planned = float(event_mw.sum())
        self.step_event_backup_mw = float(self.events.total_mw[t]) if planned is None else planned
        book.demand_mw = book.demand_mw - self.step_event_backup_mw
        # PV of a site off the grid trips (anti-islanding, agents.outages)
        book.offer(self.pv_block, np.where(self.outages.off_pv[t], 0.0, self.pv_available_mw[t]) if off
                   else self.pv_available_mw[t])

    def dispatch(self, t: int, book) -> None:
        """Backup generators: what they planned in the bid, then — when the clearing left load unserved — start
        pro rata to cover it (``book.unserved_mw`` is reduced by what they cover). Runs after the batteries'
        dispatch (their power this step is part of the site load the generators can carry)."""
        backup = self.step_event_backup_mw
        if self.backup_members.size:
            if book.unserved_mw > 0.0:
                extra = self.backup.cover_unserved(t, book.unserved_mw, lambda: self._backup_site_mw(t))
                book.unserved_mw -= extra
                backup += extra
            self.backup.end_step(t)
        self.step_backup_mw = backup
        self.decided_step = t

    def _backup_site_mw(self, t: int) -> np.ndarray:
        """Site load of the backup members at step ``t`` (behind the meter + battery power) [MW]."""
        members = self.backup_members
        load = self.behind_meter_mw(t, t + 1, members)[0]
        pos = self._battery_pos[members]
        if (pos >= 0).any():
            load[pos >= 0] += self._battery_mw(t, t + 1)[0][pos[pos >= 0]]
        return load

    def _dr_delivered_mw(self, t: int, members: np.ndarray) -> np.ndarray:
        """DR reduction the members' workload strategy delivers at step ``t`` [MW] (0 without one)."""
        out = np.zeros(members.size)
        pos = self._flex_pos[members]
        has = pos >= 0
        if has.any():
            out[has] = self.dr_delivered_mw[t, pos[has]]
        return out

    def power_mw(self, step: int) -> np.ndarray:
        return np.array(self.grid_power_mw(step, step + 1)[0])

    def heat_mw(self, step: int) -> np.ndarray:
        out = np.zeros(self.n)
        out[self.hr_members] = self.heat_delivered_mw[step]
        return out
