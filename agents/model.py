"""RegionModel: the Mesa model of a region's compute–power–heat system.

Building precomputes everything that depends only on weather and parameters for the whole horizon (IT load,
PUE, WUE, PV and wind output, heat demand, outages, storage requests). ``step()`` then runs the phases for
all agents of a type at once, so per-step Python work grows with the number of actor types, not agents.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from functools import cache

import mesa
import numpy as np
import pandas as pd

from agents import kpis as kpi_module
from agents import signals as signals_module
from agents import units
from agents.accounting import Settlement, region_accounts
from agents.actors.base import BuildContext
from agents.actors.data_center import DataCenterFleet
from agents.actors.grid_operator import GridOperatorFleet
from agents.actors.heat_utility import HeatUtilityFleet
from agents.actors.power_plant import PowerPlantFleet
from agents.actors.renewable_plant import RenewablePlantFleet
from agents.actors.storage import StorageFleet
from agents.contract_eval import RESULT_KEYS as CONTRACT_RESULT_KEYS
from agents.contract_types import HEAT_CONTRACT_TYPES
from agents.decisions import DecisionBook
from agents.dr_desk import DemandResponseDesk
from agents.events import EventSchedule
from agents.frequency_study import SERIES as FREQUENCY_SERIES
from agents.frequency_study import FrequencyStudy, online_mva
from agents.ledger import ContractLedger
from agents.markets import commitment
from agents.markets import contracts as contract_settlement
from agents.markets import imports as import_lines
from agents.markets.clearing import retail_price, tou_price_multiplier
from agents.markets.forecast import merit_order_price_forecast
from agents.markets.offer_book import OfferBook
from agents.outages import SiteOutages
from agents.recording import Recorder
from agents.scenario import Scenario
from agents.signals import Signals
from agents.weather import local_time_fields, weather_series

NS_PER_HOUR = 3_600_000_000_000
# Mesa logs one INFO line per step ("calling model.step …"); under a host that logs INFO (Django, Celery)
# that floods the log and costs time on long runs, so the core keeps that one logger at WARNING.
logging.getLogger("MESA.mesa.model").setLevel(logging.WARNING)
SETTLE_EVERY_STEPS = 96  # settlement runs vectorised over this many steps (and whenever results are read)
PV_GRID_DEG = 0.5  # PV of sites closer than this share one pvlib run (same weather, negligible geometry change)
FREQUENCY_CHUNK_STEPS = 2920  # the frequency study runs over this many steps at once (and whenever results are read)

REGION_QUANTITIES = (
    "load_mw", "other_load_mw", "dc_it_mw", "dc_facility_mw", "dc_heat_pump_mw", "heat_electric_mw",
    "generation_mw", "renewable_mw", "renewable_available_mw", "curtailment_mw", "chp_surplus_mw", "import_mw",
    "export_mw",
    "storage_charge_mw", "storage_discharge_mw", "unserved_mw", "backup_mw", "reserve_shortfall_mw",
    "storage_reserve_mw", "reserve_price_cny_per_mwh",
    "wholesale_price_cny_per_mwh", "retail_price_cny_per_mwh", "carbon_intensity_kgco2_per_kwh",
    "renewable_share_pu", "import_renewable_mw", "co2_t",
    "system_cost_cny", "carbon_cost_cny", "retailer_margin_cny", "heat_demand_mw", "heat_loss_mw",
    "heat_produced_mw", "heat_recovered_mw", "heat_from_dc_mw", "heat_unserved_mw", "temp_c", *FREQUENCY_SERIES,
)


class RegionModel(mesa.Model):
    """A region: data centers, heat utilities, a grid operator, renewable and power plants, storage."""

    def __init__(self, scenario: Scenario, seed: int | None = None):
        seed = scenario.seed if seed is None else int(seed)
        super().__init__(rng=seed)
        self.scenario = scenario
        self.seed = seed
        h = scenario.horizon
        self.dt_h = float(h.dt_h)
        self.total_steps = int(h.steps)
        self.step_index = 0
        self.running = True

        ctx, multiplier = self._build_clock_and_weather(seed)
        self._build_actors(ctx, multiplier)
        self._open_market()
        self._commit_plants()
        self._init_region_series()

    # ------------------------------------------------------------------------------------------- build

    def _build_clock_and_weather(self, seed: int):
        """UTC step times, local calendar fields, weather series and the TOU tariff of the horizon."""
        h, region = self.scenario.horizon, self.scenario.region
        start = pd.Timestamp(h.start)
        start = start.tz_localize(region.tz) if start.tzinfo is None else start.tz_convert(region.tz)
        self.start_utc = start.tz_convert("UTC")
        step_ns = round(self.dt_h * NS_PER_HOUR)
        times_utc = (self.start_utc.as_unit("ns").value + np.arange(self.total_steps, dtype=np.int64) * step_ns)
        times_utc = times_utc.astype("datetime64[ns]")
        self.weather = weather_series(region.weather_site, self.start_utc, self.total_steps, self.dt_h, seed)
        local = local_time_fields(times_utc, region.tz)
        self.times_utc = times_utc
        self.recorder = Recorder(self.total_steps)
        ctx = BuildContext(dt_h=self.dt_h, steps=self.total_steps, times_utc=times_utc,
                           local_times=local["local_times"], hour_of_day=local["hour_of_day"],
                           day_of_week=local["day_of_week"], weather=self.weather, rng=self.rng,
                           recorder=self.recorder, pv_pu=self._pv_cache(times_utc), weather_of=self.weather_of)

        tariff = region.tariff
        multiplier = tou_price_multiplier(local["hour_of_day"], [(w.start_h, w.end_h) for w in tariff.peak_hours],
                                          [(w.start_h, w.end_h) for w in tariff.valley_hours], tariff.peak_ratio,
                                          tariff.valley_ratio)
        self.tariff_price = tariff.flat_price_cny_per_mwh * multiplier
        self.local_hour = local["hour_of_day"]
        self.day_of_week = local["day_of_week"]
        self.local_month = local["month"]
        return ctx, multiplier

    def _build_actors(self, ctx: BuildContext, multiplier: np.ndarray) -> None:
        """Mesa agents, one fleet per type; everything weather/parameter-driven is precomputed here."""
        scenario, m = self.scenario, self.scenario.markets
        of = scenario.actors_of
        self.grid = GridOperatorFleet(self, of("grid_operator"))
        self.dcs = DataCenterFleet(self, of("data_center"))
        self.plants = PowerPlantFleet(self, of("power_plant"))
        self.renewables = RenewablePlantFleet(self, of("renewable_plant"))
        self.heat = HeatUtilityFleet(self, of("heat_utility"))
        self.storage = StorageFleet(self, of("storage"), of("data_center"))
        self.fleets = {f.kind: f for f in (self.grid, self.dcs, self.plants, self.renewables, self.heat,
                                           self.storage)}
        # phase order (docs/model.md "Step phases"): observe, bid and register run in phase_order (the operator
        # opens the step's demand, data centers move event load off it before batteries see it); dispatch in
        # dispatch_order (backup for unserved load reads the batteries' power of the step); settle in
        # settle_order, the operator last (RegionModel._settle_money)
        self.phase_order = (self.grid, self.dcs, self.storage, self.plants, self.renewables, self.heat)
        self.dispatch_order = (self.plants, self.storage, self.dcs, self.renewables, self.heat, self.grid)
        self._observe_split = self.phase_order.index(self.dcs) + 1  # begin_step observes up to the data centers
        self.settle_order = (self.plants, self.renewables, self.storage, self.heat)
        self.grid.build(ctx)
        self.dcs.build(ctx)
        self.plants.build(ctx, m.carbon_price_cny_per_t)
        self.renewables.build(ctx, self._wind_cache(ctx))
        self.imports = import_lines.ImportBook(m.import_lines, scenario.region.grid_co2_t_per_mwh, self.local_hour,
                                               self.local_month, m.price_floor_cny_per_mwh, m.carbon_price_cny_per_t)
        dc_pos = {d.id: i for i, d in enumerate(self.dcs.specs)}
        hu_pos = {u.id: i for i, u in enumerate(self.heat.specs)}
        heat_contracts = [c for c in scenario.contracts if c.type in HEAT_CONTRACT_TYPES]
        contract_hr = np.array([self.dcs.hr_position[dc_pos[c.seller_id]] for c in heat_contracts], dtype=int)
        # a buyer that owns the DC's heat pump also pays its electricity: 1/COP per MWh of heat delivered
        buyer_el = np.where(self.dcs.hp_owner[contract_hr] == "heat_utility", 1.0 / self.dcs.hp_cop[contract_hr], 0.0)
        # the heat utilities decide each day on the grid operator's published day-ahead forecasts (agents.signals),
        # computed here before heat recovery changes DC facility power; their electricity is valued at the price
        # they pay (docs/model.md, Markets): the wholesale forecast for market participants, else its retail price
        self._published_forecasts = self._day_ahead_forecasts() if self.heat.n else None
        heat_wholesale = "heat_utility" in m.wholesale_buyers
        # contract price of every step (fixed, indexed to the buyer's alternative or shared savings) on the same
        # published forecasts (agents.markets.contracts); read through the seam _heat_contract_price
        self._heat_prices = self._contract_heat_prices(heat_contracts, buyer_el, heat_wholesale)
        self.heat.build(ctx, m.carbon_price_cny_per_t, [(hu_pos[c.buyer_id], self._heat_contract_price(c))
                                                        for c in heat_contracts],
                        lambda a, z: self.dcs.heat_offer_mw[a:z, contract_hr], self._published_forecasts or {},
                        lambda w, a, z: w if heat_wholesale else retail_price(m.clearing_rule, w, self.tariff_price[a:z]),
                        contract_el_per_heat=buyer_el)
        self.heat_contract_price = self.heat.contract_price  # [steps, contracts]: what is dispatched and paid
        self._contract_hr = contract_hr
        delivered = np.zeros((self.total_steps, self.dcs.hr_members.size))
        delivered[:, contract_hr] = self.heat.dc_heat_mw  # one contract per seller (validated)
        self.dcs.set_heat_delivery(delivered)
        self.storage.build(ctx, multiplier, self._storage_net_load, self.dcs.behind_meter_mw, self._dc_price_of)
        self.contracts = contract_settlement.ContractBook(heat_contracts, self.recorder, self.dt_h,
                                                          self.heat.dc_heat_mw, self.heat_contract_price)

        self._index = []  # describe() order: scenario actor order → (fleet, local index)
        counters = dict.fromkeys(self.fleets, 0)
        for a in scenario.actors:
            self._index.append((self.fleets[a.type], counters[a.type]))
            counters[a.type] += 1

    def _contract_heat_prices(self, heat_contracts, buyer_el, heat_wholesale: bool) -> dict[str, np.ndarray]:
        """{contract id: price [steps] CNY/MWh_th} from the published wholesale forecast (and the buy price of it)."""
        if not heat_contracts:
            return {}
        wholesale = np.asarray(self._published_forecasts["price_cny_per_mwh"], dtype=float)
        buy = wholesale if heat_wholesale else retail_price(self.scenario.markets.clearing_rule, wholesale,
                                                            self.tariff_price)
        prices = contract_settlement.heat_contract_prices(
            heat_contracts, {u.id: u for u in self.heat.specs}, self.weather.temp_c, buy, wholesale,
            self.scenario.markets.carbon_price_cny_per_t, buyer_el)
        return {c.id: prices[:, j] for j, c in enumerate(heat_contracts)}

    def _heat_contract_price(self, contract) -> float | np.ndarray:
        """Price of a heat contract the buyer's merit order and payments use [CNY/MWh_th]: a float, or one per
        step [steps] (indexed contract prices); the heat fleet takes either."""
        return self._heat_prices[contract.id]

    def _open_market(self) -> None:
        """The offer book (agents.markets.offer_book): every fleet registers its blocks, the book is laid out
        (ties between equal prices: must-take CHP, plant minimum loads, renewables, DC PV, plant headroom,
        imports) and the grid operator fixes the market rules; the fixed loads; the published signals."""
        m = self.scenario.markets
        # consumers pay the retail price; data centers the wholesale price if they buy on the market
        self.price_quantity = {kind: "wholesale_price_cny_per_mwh" if kind in m.wholesale_buyers
                               else "retail_price_cny_per_mwh" for kind in ("data_center", "heat_utility")}
        self.dc_price_quantity = self.price_quantity["data_center"]
        self.gross_load_mw = (self.grid.other_load[:, 0] + self.dcs.facility_mw.sum(axis=1) + self.dcs.hp_total_mw
                              + self.heat.electric_load_mw)
        self.grid.attach(self.imports, self.gross_load_mw)
        self.book = OfferBook(self.total_steps, price_floor_cny_per_mwh=m.price_floor_cny_per_mwh)
        for fleet in self.phase_order:
            fleet.register(self.book)
        self.book.open()
        self._blocks = self.book.slices
        self.grid.open_market(m, self.book)
        self.dcs.connect(self.storage.meter_members, self.storage.dc_battery_mw,
                         lambda a, z: self.book.accepted_between(self.dcs.pv_block, a, z))
        self._settled = 0
        self._freq_settled = 0
        self.events = EventSchedule(self.scenario, self.dcs, self.total_steps, self.dt_h)
        self.outages = SiteOutages(self.scenario, self.dcs, self.total_steps, self.dt_h)  # agents.outages
        self.dcs.attach_events(self.events, self.outages)
        self.storage.attach_outages(self.outages.islanded_units(self.storage.meter_dc))
        self.frequency = FrequencyStudy(self.grid.specs[0], m.reserve_requirement_pu, self.gross_load_mw,
                                        self.dcs.specs)
        self.event_results: dict[int, dict[str, float]] = {}
        self._pool = [0.0, 0.0]  # renewable fraction and carbon content [t/MWh] of the energy stored in batteries

    @property
    def accepted_mw(self) -> np.ndarray:
        """Accepted quantity per step and offer [steps, offers] (the offer book's record)."""
        return self.book.accepted_mw

    def _signals(self) -> Signals:
        """What the grid operator publishes (agents.signals): the day-ahead forecasts (computed when first read)
        and the real-time price (the recorded one) and marginal emissions (from the recorded clearing)."""
        book, variant = self.book, self.imports.variant
        return Signals(self.total_steps, max(1, round(24.0 / self.dt_h)),
                       self._published_forecasts or self._day_ahead_forecasts,
                       real_time={"price_cny_per_mwh": self.r["wholesale_price_cny_per_mwh"]},
                       fill=lambda name, a, z: book.marginal_co2_kgco2_per_kwh(a, z, variant[a:z]))

    def _day_ahead_forecasts(self) -> dict[str, np.ndarray]:
        """The grid operator's day-ahead forecasts (agents.signals): the merit-order stack of plants (expected
        capacity), renewables, DC PV and import lines against the forecast demand (non-DC load + DC facility
        power) — wholesale price, average and marginal carbon intensity, renewable share."""
        m, imp = self.scenario.markets, self.imports
        outage_rate = np.array([p.forced_outage_rate_pu for p in self.plants.specs], dtype=float)
        plants_mw = self.plants.cap * (1.0 - outage_rate)
        capacity = np.hstack([np.broadcast_to(plants_mw, (self.total_steps, self.plants.n)),
                              self.renewables.available_mw, self.dcs.pv_available_mw, imp.available_mw])
        static = np.concatenate([self.plants.offer_price, self.renewables.mc, np.zeros(self.dcs.pv_members.size)])
        co2 = np.concatenate([self.plants.co2, np.zeros(self.renewables.n + self.dcs.pv_members.size),
                              imp.co2_t_per_mwh])
        renewable = np.concatenate([np.zeros(self.plants.n, dtype=bool),
                                    np.ones(self.renewables.n + self.dcs.pv_members.size, dtype=bool),
                                    np.zeros(imp.n, dtype=bool)])
        demand = self.grid.other_load[:, 0] + self.dcs.facility_mw.sum(axis=1)
        out = {name: np.empty(self.total_steps) for name in signals_module.DAY_AHEAD}
        for v, line_prices in enumerate(imp.variant_offer_price):
            rows = np.flatnonzero(imp.variant == v)
            if rows.size:
                price = np.concatenate([static, line_prices])
                out["price_cny_per_mwh"][rows] = merit_order_price_forecast(
                    demand[rows], capacity[rows], price,
                    price_floor_cny_per_mwh=m.price_floor_cny_per_mwh, price_cap_cny_per_mwh=m.price_cap_cny_per_mwh,
                    export_capacity_mw=m.exports.capacity_mw, export_price_cny_per_mwh=m.exports.price_cny_per_mwh)
                avg, marginal, share = signals_module.merit_order_mix_forecast(demand[rows], capacity[rows], price,
                                                                               co2, renewable)
                out["carbon_intensity_kgco2_per_kwh"][rows] = avg
                out["marginal_co2_kgco2_per_kwh"][rows] = marginal
                out["renewable_share_pu"][rows] = share
        total = capacity.sum(axis=1)
        out["reserve_margin_pu"][:] = np.divide(total - demand, demand, out=np.full(self.total_steps, np.inf),
                                                where=demand > 0)
        return out

    def _commit_plants(self) -> None:
        """Day-ahead unit commitment (agents.markets.commitment) from persistence forecasts: each day's net load
        (load − renewables − CHP) and reserve are those realised the day before; the margin for forecast error is
        the 95th percentile of the last week's under-forecasts; imports need no commitment but cover the margin."""
        spd = max(1, round(24.0 / self.dt_h))
        net = (self.gross_load_mw - self.renewables.available_mw.sum(axis=1) - self.dcs.pv_available_mw.sum(axis=1)
               - self.heat.chp_total_mw)
        net_fc = commitment.persistence_forecast(net, spd)
        reserve_fc = commitment.persistence_forecast(
            self.scenario.markets.reserve_requirement_pu * self.gross_load_mw, spd, first_day=0.0)
        # import lines: their availability and offer price follow published profiles, known for the window
        imp = self.imports
        offer = imp.variant_offer_price[imp.variant]
        self.plants.plan(net_fc, reserve_fc, commitment.forecast_error_margin(net, spd), spd,
                         commitment.calendar_windows(imp.available_mw, spd, net_fc.shape[1]),
                         commitment.calendar_windows(offer, spd, net_fc.shape[1]))

    def _init_region_series(self) -> None:
        """Region series: dynamic arrays, the precomputed ones filled for the whole horizon."""
        rec = self.recorder
        self.r = {name: rec.region_quantity(name) for name in REGION_QUANTITIES}
        self.r["temp_c"][:] = self.weather.temp_c
        self.r["other_load_mw"][:] = self.grid.other_load[:, 0]
        self.r["load_mw"][:] = self.gross_load_mw
        self.r["dc_it_mw"][:] = self.dcs.it_mw.sum(axis=1)
        self.r["dc_facility_mw"][:] = self.dcs.facility_mw.sum(axis=1)
        self.r["dc_heat_pump_mw"][:] = self.dcs.hp_power_mw.sum(axis=1)
        self.r["heat_electric_mw"][:] = self.heat.electric_load_mw
        self.r["heat_demand_mw"][:] = self.heat.series["heat_demand_mw"][0].sum(axis=1)
        self.r["heat_loss_mw"][:] = self.heat.loss_mw.sum(axis=1)
        self.r["heat_produced_mw"][:] = self.heat.produced.sum(axis=1)
        self.r["heat_from_dc_mw"][:] = self.heat.from_dc.sum(axis=1)
        self.r["heat_recovered_mw"][:] = self.dcs.heat_recovered_mw.sum(axis=1)
        self.r["heat_unserved_mw"][:] = self.heat.unserved.sum(axis=1)
        self.r["renewable_available_mw"][:] = (self.renewables.available_mw.sum(axis=1)
                                               + self.dcs.pv_available_mw.sum(axis=1))
        self.grid.connect(self.dcs, self.heat, self.storage, self.r["export_mw"],
                          self.r["wholesale_price_cny_per_mwh"])
        self.signals = self._signals()
        if self.outages.active:  # publish the forecasts from build-time values, before an outage step sheds load
            self.signals.day_ahead("price_cny_per_mwh")
        h = self.scenario.horizon
        self.dr = DemandResponseDesk(self.scenario.demand_response, self.dcs, steps=self.total_steps, dt_h=self.dt_h,
                                     horizon_start=datetime.fromisoformat(h.start).replace(tzinfo=None),
                                     local_month=self.local_month, day_of_week=self.day_of_week)
        self.grid.attach_dr(self.dr)
        self.dcs.attach_dr(self.dr)
        self.ledger = ContractLedger(self)  # every contract's line items per party (agents.ledger)
        self.dcs.attach_region(self._dc_day_changed, self._dc_price_of)
        self.heat.attach_region(self._heat_day_changed)
        self.outages.connect(self.heat, self._contract_hr, self._heat_day_changed)
        self.decisions = DecisionBook(self)  # decision points and people's decisions (agents.decisions)

    def _dc_day_changed(self, start: int, stop: int) -> None:
        """A data-center workload plan changed IT and facility power of steps [start, stop): the region's fixed
        load (the operator's demand) and the DC series of those steps follow (same sums as at build)."""
        sl = slice(start, stop)
        fac = self.dcs.facility_mw[sl].sum(axis=1)
        self.gross_load_mw[sl] = (self.grid.other_load[sl, 0] + fac + self.dcs.hp_total_mw[sl]
                                  + self.heat.electric_load_mw[sl])
        self.r["load_mw"][sl] = self.gross_load_mw[sl]
        self.r["dc_it_mw"][sl] = self.dcs.it_mw[sl].sum(axis=1)
        self.r["dc_facility_mw"][sl] = fac

    def _heat_day_changed(self, start: int, stop: int) -> None:
        """The heat utilities re-planned steps [start, stop) in the loop: the DC heat they take, the DCs' heat
        pumps and cooling, the region's fixed load and heat series of those steps follow (same sums as at build)."""
        sl = slice(start, stop)
        delivered = np.zeros((stop - start, self.dcs.hr_members.size))
        delivered[:, self._contract_hr] = self.heat.dc_heat_mw[sl]
        self.dcs.update_heat_delivery(start, stop, delivered)
        self._dc_day_changed(start, stop)
        r, heat = self.r, self.heat
        r["dc_heat_pump_mw"][sl] = self.dcs.hp_power_mw[sl].sum(axis=1)
        r["heat_electric_mw"][sl] = heat.electric_load_mw[sl]
        r["heat_produced_mw"][sl] = heat.produced[sl].sum(axis=1)
        r["heat_from_dc_mw"][sl] = heat.from_dc[sl].sum(axis=1)
        r["heat_recovered_mw"][sl] = self.dcs.heat_recovered_mw[sl].sum(axis=1)
        r["heat_unserved_mw"][sl] = heat.unserved[sl].sum(axis=1)

    # ------------------------------------------------------------------------------------------- build helpers

    def weather_of(self, site: str | None = None):
        """Weather of a site key (an actor's ``weather_site``); None = the region's site. One series per site,
        shared by every actor there (agents.weather caches it)."""
        if site is None or site == self.weather.site_key:
            return self.weather
        return weather_series(site, self.start_utc, self.total_steps, self.dt_h, self.seed)

    def _pv_cache(self, times_utc) -> Callable:
        from agents.physics import pv

        @cache
        def run(site: str | None, lat_q: float, lon_q: float, tilt: float, azimuth: float) -> np.ndarray:
            w = self.weather_of(site)
            return pv.pv_power_pu(times_utc, lat_q, lon_q, w.ghi_w_m2, w.dni_w_m2, w.dhi_w_m2, w.temp_c,
                                  w.wind_speed_m_s, tilt, azimuth)

        def pv_pu(lat: float, lon: float, tilt: float | None, azimuth: float, site: str | None = None) -> np.ndarray:
            lat_q = round(lat / PV_GRID_DEG) * PV_GRID_DEG
            lon_q = round(lon / PV_GRID_DEG) * PV_GRID_DEG
            tilt = float(pv.optimal_tilt_deg(lat_q)) if tilt is None else float(tilt)
            site = None if site == self.weather.site_key else site
            return run(site, lat_q, lon_q, round(tilt, 1), round(float(azimuth), 1))

        return pv_pu

    def _wind_cache(self, ctx: BuildContext) -> Callable:
        """``wind_pu(spec)`` → [steps] output per unit of nameplate of one wind farm: its own 10-m series
        (correlated with the other farms of its weather site, agents.weather.farm_wind_speeds_m_s), log law to
        hub height, the power curve corrected for the air density at hub height in every step."""
        from agents.physics import wind
        from agents.weather import farm_wind_speeds_m_s

        farms: dict[str, list] = {}
        for s in self.scenario.actors_of("renewable_plant"):
            if s.technology == "wind":
                farms.setdefault(s.weather_site or self.weather.site_key, []).append((s.id, s.lat, s.lon))

        @cache
        def site_speeds(site: str) -> tuple[dict[str, int], np.ndarray]:
            members = farms[site]
            speeds = farm_wind_speeds_m_s(self.weather_of(site), members, self.seed)
            return {fid: j for j, (fid, _, _) in enumerate(members)}, speeds

        @cache
        def curve(site: str, hub_m: float, turbine: str) -> np.ndarray:  # [steps, points], shared by the farms
            w = self.weather_of(site)
            return wind.density_corrected_curve_m_s(wind.hub_air_density_kg_m3(w.pressure_pa, w.temp_c, hub_m),
                                                    turbine)

        def wind_pu(spec) -> np.ndarray:
            site = spec.weather_site or self.weather.site_key
            column, speeds = site_speeds(site)
            v_hub = wind.hub_height_wind_speed(speeds[:, column[spec.id]], 10.0, spec.hub_height_m,
                                               spec.roughness_length_m)
            return wind.power_on_curves_pu(v_hub, curve(site, float(spec.hub_height_m), spec.turbine_type),
                                           spec.turbine_type)

        return wind_pu

    def _storage_net_load(self, units: np.ndarray, a: int, z: int) -> np.ndarray:
        """Net load storage ``units`` see over steps [a, z) [steps, units]: the region's net load (load −
        renewables − DC PV) for grid-side units; behind a DC's meter its site load (facility + own heat pump)
        − its PV."""
        dcs, st = self.dcs, self.storage
        out = np.empty((z - a, len(units)))
        grid_side = ~st.metered[units]
        if grid_side.any():
            out[:, grid_side] = (self.grid.other_load[a:z, 0] + dcs.facility_mw[a:z].sum(axis=1)
                                 - self.renewables.available_mw[a:z].sum(axis=1)
                                 - dcs.pv_available_mw[a:z].sum(axis=1))[:, None]
        if not grid_side.all():
            met = np.flatnonzero(~grid_side)
            sites = st.meter_dc[units[met]]
            out[:, met] = dcs.behind_meter_mw(a, z, sites)
            pv_col = {int(i): j for j, i in enumerate(dcs.pv_members)}
            for k, i in zip(met, sites, strict=True):
                if int(i) in pv_col:
                    out[:, k] -= dcs.pv_available_mw[a:z, pv_col[int(i)]]
        return out

    def _dc_price_of(self, price: np.ndarray, a: int, z: int) -> np.ndarray:
        """The price a data center pays [CNY/MWh] for wholesale prices ``price`` of steps [a, z): themselves for
        wholesale buyers (``markets.wholesale_buyers``), else the retail price (the TOU tariff under tou_tariff)."""
        m = self.scenario.markets
        return price if "data_center" in m.wholesale_buyers else retail_price(m.clearing_rule, price,
                                                                               self.tariff_price[a:z])

    # ------------------------------------------------------------------------------------------- stepping

    def step(self) -> None:
        """One step: observe → bid → clear → dispatch → record (→ settle every SETTLE_EVERY_STEPS steps).

        Each phase runs over the fleets in the order of ``phase_order`` (dispatch: ``dispatch_order``), see
        docs/model.md "Step phases": the grid operator publishes the day-ahead forecasts at the day's first
        step (``signals.advance``); every fleet observes the published signals; the fleets bid into the offer
        book (the operator opens the step's demand with the region's fixed load and offers the import lines;
        data centers offer PV and move event load to backup; batteries add their power to the demand, scaled
        down so that discharge never pushes it below zero; plants, renewables and must-take CHP offer); the
        grid operator clears the book; the fleets dispatch what was accepted (plants, batteries, then data
        centers' backup for load the grid could not serve); the step's results are recorded and the
        real-time price and marginal emissions published.
        """
        if self.step_index >= self.total_steps:
            self.running = False
            return
        self.begin_step(self.step_index)
        self.finish_step(self.step_index)

    def begin_step(self, t: int) -> None:
        """The step up to the data centers' day plans: people's decisions due, the operator's publication
        (``signals.advance``) and the ``observe`` of the fleets up to the data centers (a multi-region coordinator
        moves work between regions after it, before the heat utilities see the DCs' heat offers;
        agents.multi_region)."""
        self.decisions.apply_due(t)  # people's decisions of this step take effect from it on
        self.signals.advance(t)
        for fleet in self.phase_order[:self._observe_split]:
            fleet.observe(t, self.signals)

    def finish_step(self, t: int) -> None:
        """The step's other phases after ``begin_step``: the other fleets' observe, bid, clear, dispatch, record
        (and settle when due)."""
        book, signals = self.book, self.signals
        for fleet in self.phase_order[self._observe_split:]:
            fleet.observe(t, signals)
        if self.outages.any_off[t]:  # sites off the grid: what they shed, the heat lost (agents.outages)
            self.outages.apply(t)
        if signals.new_day:  # the Mesa agents take up the day's decisions of their fleets (Actor.decide)
            for fleet in self.phase_order:
                fleet.activate(t)
        for fleet in self.phase_order:
            fleet.bid(t, book, signals)
        self.grid.clear(t, book)
        for fleet in self.dispatch_order:
            fleet.dispatch(t, book)
        self._record(t)
        self.step_index += 1
        self.running = self.step_index < self.total_steps
        if self.step_index % SETTLE_EVERY_STEPS == 0 or not self.running:
            self.settle(frequency=not self.running)

    def _record(self, t: int) -> None:
        """The step's region results into the preallocated series (the real-time signals read them: the
        wholesale price directly, the marginal emissions from the recorded clearing when first read)."""
        book, r = self.book, self.r
        price = book.price_cny_per_mwh
        r["wholesale_price_cny_per_mwh"][t] = price
        r["export_mw"][t] = book.export_mw
        r["unserved_mw"][t] = book.unserved_mw
        r["backup_mw"][t] = self.dcs.step_backup_mw
        r["reserve_shortfall_mw"][t] = book.reserve_shortfall_mw
        r["reserve_price_cny_per_mwh"][t] = book.reserve_price_cny_per_mwh
        r["storage_reserve_mw"][t] = self.storage.step_reserve_mw
        r["storage_charge_mw"][t] = self.storage.step_charge_mw
        r["storage_discharge_mw"][t] = self.storage.step_discharge_mw

    def settle(self, frequency: bool = True) -> None:
        """Settle every stepped but unsettled step at once (money, emissions, derived region series), and run the
        frequency study of the pending steps when ``frequency`` (read side) or a chunk of them is due.

        Pure function of the recorded decisions, so the numbers do not depend on when it runs.
        """
        self._settle_money()
        self.ledger.settle(self._settled)  # contracts' line items (agents.ledger), also after a checkpoint restore
        if self.dr.active:
            self.dr.settle(self._settled, self.dcs.grid_power_mw)
        if frequency or self.step_index - self._freq_settled >= FREQUENCY_CHUNK_STEPS:
            self._settle_frequency()

    def _settlement(self, start: int, stop: int) -> Settlement:
        """Prices of steps [start, stop): wholesale (recorded), retail (the rule), what each offer is paid
        (uniform price, or its own bid under pay-as-bid; scheduled import lines their own price)."""
        m, r, book = self.scenario.markets, self.r, self.book
        sl = slice(start, stop)
        acc = book.accepted_mw[sl]
        price = r["wholesale_price_cny_per_mwh"][sl]
        retail = retail_price(m.clearing_rule, price, self.tariff_price[sl])
        r["retail_price_cny_per_mwh"][sl] = retail
        paid = (self.grid.market.paid_bid[self.imports.variant[sl]] if m.clearing_rule == "pay_as_bid"
                else np.repeat(price[:, None], acc.shape[1], axis=1))
        imp_cols = self._blocks["import"]
        paid[:, imp_cols] = self.imports.paid_cny_per_mwh(paid[:, imp_cols], sl)  # scheduled lines: own price
        return Settlement(start, stop, book, price, retail, paid, acc * paid,
                          {kind: r[q][sl] for kind, q in self.price_quantity.items()})

    def _settle_money(self) -> None:
        start, stop = self._settled, self.step_index
        if stop <= start:
            return
        m = self.scenario.markets
        sl = slice(start, stop)
        prices = self._settlement(start, stop)
        for fleet in self.settle_order:
            fleet.settle(start, stop, prices)
        self.contracts.settle(start, stop)
        self.grid.settle(start, stop, prices)  # last: the operator is every fleet's counterparty

        st, dcs, heat, imp = self.storage, self.dcs, self.heat, self.imports
        acc = prices.accepted
        series, self._pool = region_accounts(
            dt_h=self.dt_h, carbon_price_cny_per_t=m.carbon_price_cny_per_t,
            export_price_cny_per_mwh=m.exports.price_cny_per_mwh,
            value_of_lost_load_cny_per_mwh=m.value_of_lost_load_cny_per_mwh,
            accepted_total_mw=self.book.accepted_mw[sl].sum(axis=1), renewable_accepted_mw=acc("res"),
            dc_pv_accepted_mw=acc("dcpv"), chp_accepted_mw=acc("chp"), import_accepted_mw=acc("import"),
            import_income_cny_per_h=prices.income("import"), import_renewable_share_pu=imp.renewable_share_pu,
            import_co2_t_per_mwh=imp.co2_t_per_mwh, export_mw=self.r["export_mw"][sl],
            unserved_mw=self.r["unserved_mw"][sl], storage_discharge_mw=self.r["storage_discharge_mw"][sl],
            renewable_available_mw=self.renewables.available_mw[sl], dc_pv_available_mw=dcs.pv_available_mw[sl],
            backup_mw=dcs.backup_mw[sl], backup_co2_t_per_mwh=dcs.backup_co2_t_per_mwh,
            backup_fuel_cny_per_mwh=dcs.backup_fuel_cny_per_mwh, plant_co2_t=self.plants.co2_t[sl],
            plant_cost_cny=self.plants.cost_cny[sl], chp_power_co2_t=heat.chp_co2_power_t[sl],
            heat_co2_t=heat.co2_t[sl], heat_production_cost_cny=heat.production_cost_cny[sl],
            chp_total_mw=heat.chp_total_mw[sl], storage_power_mw=st.power[sl], eta_charge=st.eta_c,
            eta_discharge=st.eta_d,
            storage_soc_before_mwh=np.concatenate([[st.soc_initial_mwh.sum() if start == 0
                                                    else st.soc[start - 1].sum()],
                                                   st.soc[start:stop - 1].sum(axis=1)]),
            pool_renewable_pu=self._pool[0], pool_co2_t_per_mwh=self._pool[1],
            grid_revenue_cny=self.grid.revenue_cny[sl, 0], grid_cost_cny=self.grid.cost_cny[sl, 0])
        for name, values in series.items():
            self.r[name][sl] = values
        self._settled = stop

    def _settle_frequency(self) -> None:
        """Frequency study of the settled steps not yet studied (agents.frequency_study): loss of the largest
        infeed, HVDC infeed loss and data centers tripping to backup, on the region's interconnection; plus the
        excursion of each voltage-dip event once its step is settled. Runs over many steps at once (cheap per
        step, a fixed cost per call)."""
        start, stop = self._freq_settled, self._settled
        if stop <= start:
            return
        sl = slice(start, stop)
        power = self.plants.power[sl]
        dc_dp = np.concatenate([self.frequency.trip_imbalance(self.dcs.grid_power_mw(a, min(stop, a + 512)))
                                for a in range(start, stop, 512)])  # bounded temporaries for large fleets
        out = self.frequency.run(sl, power, self.plants.cap, self.plants.online[sl], self.r["import_mw"][sl], dc_dp)
        for name, values in out.items():
            self.r[name][sl] = values
        for e in self.events.events:
            if start <= e.step < stop:
                online = float(online_mva(self.plants.online[e.step:e.step + 1], self.plants.cap)[0])
                self.event_results[e.index] = self.frequency.event_excursion(e, online)
        self._freq_settled = stop

    def run(self, steps: int | None = None, progress: Callable[[int, int], None] | None = None,
            stop_at_decisions: bool = False) -> None:
        """Step until the horizon ends or ``steps`` more steps ran; ``progress(step_index, total)`` after each.
        ``stop_at_decisions``: also return when a step reaches a decision point (``at_decision_point``)."""
        stop = self.total_steps if steps is None else min(self.total_steps, self.step_index + int(steps))
        while self.step_index < stop:
            self.step()
            if progress is not None:
                progress(self.step_index, self.total_steps)
            if stop_at_decisions and self.at_decision_point:
                return

    @property
    def at_decision_point(self) -> bool:
        """The model stands before a decision point of the scenario's ``decision_points`` (agents.decisions)."""
        return self.decisions.is_point(self.step_index)

    def next_decision_point(self) -> int | None:
        """The next scheduled decision point after the current step (dr_event points are known once called)."""
        return self.decisions.next_point(self.step_index)

    def apply_decisions(self, decisions: list[dict]) -> list[dict]:
        """Validate people's decisions (``ScenarioValidationError`` with ``loc`` paths) and schedule them; a
        decision without ``step`` takes effect from the current step. Returns them as recorded."""
        items = [{"step": self.step_index, **d} if isinstance(d, dict) else d for d in decisions] \
            if isinstance(decisions, list) else decisions
        from agents.decisions import public

        return [public(d) for d in self.decisions.schedule(items)]

    # ------------------------------------------------------------------------------------------- read side

    def describe(self) -> dict:
        """JSON description of the region, clock, agents and recorded quantity names."""
        reg = self.scenario.region
        agent_q = sorted({name for fleet in self.fleets.values() for name in fleet.series})
        return {
            "region": {"name": reg.name, "name_zh": reg.name_zh, "lat": reg.lat, "lon": reg.lon, "tz": reg.tz},
            "start": self.start_utc.isoformat(),
            "dt_h": self.dt_h,
            "total_steps": self.total_steps,
            "agents": [{"id": a.id, "type": a.type, "name": a.name, "name_zh": a.name_zh, "lat": a.lat, "lon": a.lon}
                       for a in self.scenario.actors],
            "contracts": [{"id": c.id, "type": c.type, "seller_id": c.seller_id, "buyer_id": c.buyer_id}
                          for c in self.scenario.contracts],
            "region_quantities": list(REGION_QUANTITIES),
            "agent_quantities": ["power_mw", "heat_mw", *agent_q],
            "units": units.units_for([*REGION_QUANTITIES, "power_mw", "heat_mw", *agent_q,
                                      *sorted(units.kpi_names(self.kpis())),
                                      *(CONTRACT_RESULT_KEYS if self.scenario.contracts else ())]),
        }

    def region_frame(self, start: int, stop: int) -> dict[str, list[float]]:
        """Region series for steps [start, stop) (clipped to the completed steps)."""
        self.settle()
        start = max(0, int(start))
        stop = min(int(stop), self.step_index)
        return {name: arr[start:stop].tolist() for name, arr in self.r.items()}

    def agent_state(self, step: int) -> dict[str, list[float]]:
        """Per-agent ``power_mw`` (consumption + / generation −) and ``heat_mw`` at a completed step."""
        if not 0 <= step < self.step_index:
            raise IndexError(f"step {step} is not completed (0 … {self.step_index - 1})")
        self.settle()
        per_fleet = {kind: (f.power_mw(step), f.heat_mw(step)) for kind, f in self.fleets.items()}
        power = [float(per_fleet[f.kind][0][i]) for f, i in self._index]
        heat = [float(per_fleet[f.kind][1][i]) for f, i in self._index]
        return {"power_mw": power, "heat_mw": heat}

    def kpis(self) -> dict:
        """KPIs over the completed steps: {"region": …, "agents": {id: …}, "contracts": {id: …}}."""
        self.settle()
        return kpi_module.compute_kpis(self)

    def series_table(self, start: int = 0, stop: int | None = None):
        """pyarrow Table of completed steps [start, stop) (default: all): step, time_utc, region.* and
        <agent id>.<quantity> columns, units in the names."""
        import pyarrow as pa

        self.settle()
        stop = self.step_index if stop is None else min(int(stop), self.step_index)
        start = min(max(int(start), 0), stop)
        cols = {"step": pa.array(np.arange(start, stop, dtype=np.int64)),
                "time_utc": pa.array(self.times_utc[start:stop], type=pa.timestamp("ns", tz="UTC"))}
        for name, arr in self.recorder.table_columns(stop, start).items():
            cols[name] = pa.array(np.ascontiguousarray(arr, dtype=np.float64))
        return pa.table(cols)
