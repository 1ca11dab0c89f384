"""Scenario documents: pydantic v2 models, validation with readable field paths, JSON Schema, migrations.

A scenario describes one region (location, weather site, grid CO2 factor, tariff), a horizon, the actors
(data centers, heat utilities, one grid operator, renewable plants, power plants, storage), the market rules,
bilateral contracts and a seed. Every numeric field carries its unit in its name, bounds and a description.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import available_timezones

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from agents.budget import budget_errors
from agents.contract_types import CONTRACT_CLASSES, CONTRACT_TYPES, HEAT_CONTRACT_TYPES, Contract, contract_errors
from agents.contract_types import HeatPurchase as HeatPurchase  # re-exported (agents.scenario.HeatPurchase)
from agents.decisions import DecisionPointsSpec
from agents.markets.aggregator import AggregatorSpec
from agents.markets.demand_response import DemandResponseEventSpec, DemandResponseProgramSpec
from agents.outages import outage_errors
from agents.physics.cooling import COOLING_TECHNOLOGIES
from agents.physics.heat_pump import carnot_cop
from agents.physics.it_load import ACCELERATOR_POWER_W
from agents.strategies import NetLoadBatteryStrategySpec, NoStrategySpec, TouBatteryStrategySpec
from agents.strategies.backup import SiteBackupSpec, legacy_backup
from agents.strategies.dc_cooling import ColdStorageSpec
from agents.strategies.heat_dispatch import HeatDispatchStrategySpec
from agents.strategies.storage_schedule import HeatTankSpec, StorageStrategySpec, reserve_fit_error
from agents.strategies.workload_flex import DataCenterStrategySpec

SCHEMA_VERSION = 1
START_YEARS = (1900, 2200)  # horizon.start: calendar years the clock (pandas datetime64[ns]) can carry
_CALENDAR_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")  # ISO 8601 calendar date (not week or ordinal dates)


@lru_cache(maxsize=1)
def _time_zones() -> frozenset[str]:
    """IANA zone keys of the installed tz database (so 'Asia', a directory, or a path is not a zone)."""
    return frozenset(available_timezones())

ActorId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$",
                                 description="Unique id of the actor (letters, digits, _ . -)")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------------- region


class HourRange(_Strict):
    """A daily window [start_h, end_h) in local time; end_h < start_h wraps past midnight."""

    start_h: int = Field(ge=0, le=23, description="First hour of the window, local time [h]")
    end_h: int = Field(ge=1, le=24, description="Hour the window ends (exclusive), local time [h]")


class Tariff(_Strict):
    """Time-of-use tariff: price = flat price × ratio of the period (peak, flat or valley) of each hour."""

    flat_price_cny_per_mwh: float = Field(600.0, ge=0, le=20000, description="Flat-period energy price [CNY/MWh]")
    peak_ratio: float = Field(1.8, ge=1, le=5, description="Peak price / flat price [-]")
    valley_ratio: float = Field(0.4, ge=0, le=1, description="Valley price / flat price [-]")
    peak_hours: list[HourRange] = Field(
        default_factory=lambda: [HourRange(start_h=8, end_h=11), HourRange(start_h=18, end_h=21)],
        description="Peak windows, local time")
    valley_hours: list[HourRange] = Field(
        default_factory=lambda: [HourRange(start_h=22, end_h=6)], description="Valley windows, local time")


def _known_weather_site(value: str | None) -> str | None:
    """A weather site must be a key of agents.weather.SITES (None = the region's site, on actors)."""
    from agents.weather import SITES

    if value is not None and value not in SITES:
        raise ValueError(f"unknown weather site {value!r}; expected one of {sorted(SITES)}")
    return value


_ACTOR_SITE_DESCRIPTION = ("Weather site (agents.weather key) of this actor's own climate, e.g. a hub region of a "
                           "national twin; default: the region's weather_site")


class Region(_Strict):
    name: str = Field(min_length=1, max_length=120, description="Region name")
    name_zh: str = Field("", max_length=120, description="Region name in Chinese, shown on Chinese pages (optional; "
                                                        "empty: the name)")
    lat: float = Field(ge=-90, le=90, description="Latitude of the region centre [deg]")
    lon: float = Field(ge=-180, le=180, description="Longitude of the region centre [deg]")
    tz: str = Field("Asia/Shanghai", min_length=1, max_length=64, description="IANA time zone of local clock time")
    weather_site: str = Field(min_length=1, max_length=64,
                              description="Key of the weather site (agents.weather), e.g. 'shanghai'")
    grid_co2_t_per_mwh: float = Field(ge=0, le=1.5,
                                      description="Grid emission factor of the surrounding grid (imports) [tCO2/MWh]")
    tariff: Tariff = Field(default_factory=Tariff, description="Time-of-use tariff")

    _known_site = field_validator("weather_site")(_known_weather_site)

    @field_validator("tz")
    @classmethod
    def _known_tz(cls, value: str) -> str:
        if value not in _time_zones():
            raise ValueError(f"unknown time zone {value!r}; expected an IANA zone such as 'Asia/Shanghai'")
        return value


class Horizon(_Strict):
    start: str = Field(max_length=40, description="Start of the first step, ISO 8601 local time of the region, "
                                                 "e.g. 2025-01-01T00:00 (calendar date, years 1900–2200)")
    steps: int = Field(ge=1, le=35136 * 2, description="Number of steps")
    dt_h: Literal[1.0, 0.25] = Field(1.0, description="Step length [h]: 1 or 0.25")

    @field_validator("start")
    @classmethod
    def _iso(cls, value: str) -> str:
        try:
            if not _CALENDAR_DATE.match(value):
                raise ValueError("not a calendar date")
            start = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("start must be an ISO 8601 date-time, e.g. 2025-01-01T00:00") from exc
        if not START_YEARS[0] <= start.year <= START_YEARS[1]:
            raise ValueError(f"start must lie in the years {START_YEARS[0]}–{START_YEARS[1]}")
        return value


# ---------------------------------------------------------------------------------------------------- actors


class _Actor(_Strict):
    id: ActorId
    name: str = Field(min_length=1, max_length=120, description="Display name")
    name_zh: str = Field("", max_length=120, description="Display name in Chinese, shown on Chinese pages (optional; "
                                                        "empty: the name); display only, not used by the model")
    lat: float = Field(ge=-90, le=90, description="Latitude [deg]")
    lon: float = Field(ge=-180, le=180, description="Longitude [deg]")
    strategy: NoStrategySpec = Field(
        default_factory=NoStrategySpec,
        description="What this actor decides on published signals and how (agents.strategies, docs/strategies.md); "
                    "kind none = the built-in behaviour")


class HeatRecovery(_Strict):
    """Waste-heat recovery through a heat pump lifting IT heat to the network supply temperature."""

    heat_pump_capacity_mw: float = Field(gt=0, le=2000, description="Maximum heat delivered to the network [MW_th]")
    source_temp_c: float | None = Field(None, ge=10, le=70,
                                        description="Temperature of the recovered heat [°C]; default by cooling")
    sink_temp_c: float = Field(70.0, ge=30, le=120, description="Network supply temperature the HP lifts to [°C]")
    carnot_efficiency: float = Field(0.5, gt=0, le=0.8, description="Fraction of the Carnot COP reached [-]")
    recoverable_pu: float | None = Field(
        None, gt=0, le=1,
        description="Share of IT heat that can be captured [-]; default: liquid share of the cooling technology, "
                    "0.9 for air-cooled halls (hot-aisle heat exchangers)")
    capex_cny_per_mw: float = Field(0.0, ge=0, le=1e8,
                                    description="Investment in heat pump and connection per MW of heat pump capacity "
                                                "[CNY/MW_th]; 0 = not assessed (used for the payback KPI)")
    capex_basis: Literal["assumption", "reported"] = Field(
        "assumption", description="Where capex_cny_per_mw comes from: a modelling assumption or a reported figure; "
                                  "labels the payback KPI (heat_recovery_payback_basis)")
    heat_pump_owner: Literal["data_center", "heat_utility", "third_party"] = Field(
        "data_center",
        description="Who owns and pays for the heat pump. data_center: its electricity is inside the data center's "
                    "boundary (PUE, REF, CUE, cost, grid draw) and the DC hands over heat at network temperature; "
                    "heat_utility / third_party: its electricity is the owner's and the DC hands over heat at the "
                    "source temperature (docs/model.md, 'KPI boundary')")


class Battery(_Strict):
    energy_capacity_mwh: float = Field(gt=0, le=100000, description="Usable energy capacity [MWh]")
    power_capacity_mw: float = Field(gt=0, le=20000, description="Charge/discharge power limit [MW]")
    eta_charge: float = Field(0.95, gt=0, le=1, description="Charging efficiency [-]")
    eta_discharge: float = Field(0.95, gt=0, le=1, description="Discharging efficiency [-]")
    soc_initial_pu: float = Field(0.5, ge=0, le=1, description="Initial state of charge / capacity [-]")
    strategy: Literal["tou", "net_load"] | StorageStrategySpec = Field(
        "tou", description="tou: charge in valley, discharge in peak hours; net_load: shave peaks of net load; or a "
                           "schedule strategy object (kind arbitrage / peak_shaving / tou_rule / net_load_rule, "
                           "agents.strategies.storage_schedule) planned each day from the published forecast — for "
                           "a data center's on-site battery against the price the DC pays and its own net load "
                           "(a battery that offers reserve is a storage actor)")


class RideThrough(_Strict):
    """How a data center reacts to voltage dips on the grid (its UPS/transfer-switch protection)."""

    transfer_after_dips: int | None = Field(
        3, ge=1, le=100,
        description="The site transfers its load to backup after this many voltage dips within dip_window_s "
                    "[-]; null = rides through every dip sequence (NERC 2025, Northern Virginia: three in a minute)")
    dip_window_s: float = Field(60.0, gt=0, le=3600, description="Window in which the dips are counted [s]")
    transfer_delay_s: float = Field(0.0, ge=0, le=60,
                                    description="From the dip that completes the count to the load leaving the "
                                                "grid [s]")
    backup_hold_h: float = Field(3.0, ge=0, le=168,
                                 description="Time on backup after a transfer before the return to the grid "
                                             "starts [h]")
    return_ramp_h: float = Field(1.0, ge=0, le=48,
                                 description="Duration of the linear return of the load from backup to the "
                                             "grid [h]")


class DataCenter(_Actor):
    type: Literal["data_center"] = Field("data_center", description="Discriminator: the kind of this entry")
    strategy: DataCenterStrategySpec = Field(
        default_factory=DataCenterStrategySpec,
        description="How the data center schedules its workload (agents.strategies.workload_flex, docs/strategies.md): "
                    "none = work runs on arrival; price_following / carbon_aware / renewable_following = deferrable "
                    "work moved within its deadline to the day's cheapest / cleanest / greenest forecast hours; "
                    "dr_committed = IT cut by the reduction its aggregator calls for")
    it_capacity_mw: float = Field(gt=0, le=5000, description="IT (server) power at full utilisation [MW]")
    racks: int | None = Field(None, ge=1, le=1_000_000, description="Number of racks")
    rack_density_kw: float | None = Field(None, gt=0, le=300, description="Design IT power per rack [kW]")
    accelerator: Literal["cpu", "A100", "H100"] = Field("cpu", description="Dominant compute hardware generation")
    accelerator_count: int | None = Field(None, ge=1, le=10_000_000,
                                          description="Number of accelerators (GPU cards or CPU sockets) [-]; sets "
                                                      "the default compute capacity")
    compute_capacity_pflops: float | None = Field(
        None, gt=0, le=1e7,
        description="Peak compute capacity, dense FP16 tensor [PFLOPS]; default: accelerator_count × data-sheet "
                    "dense FP16 per card, else IT capacity × accelerator power share × dense FP16 per watt "
                    "(agents.physics.it_load.compute_capacity_pflops)")
    workload: Literal["online_diurnal", "training_flat", "batch"] = Field(
        "online_diurnal", description="Utilisation profile (agents.physics.it_load.PROFILE_KINDS)")
    utilisation_mean_pu: float | None = Field(None, gt=0, le=1,
                                              description="Mean IT utilisation [-]; default of the profile")
    utilisation_amplitude_pu: float | None = Field(None, ge=0, le=0.5,
                                                   description="Half daily swing of utilisation [-]; profile default")
    utilisation_noise_pu: float = Field(0.02, ge=0, le=0.3,
                                        description="Std of random hourly utilisation noise [-] (seeded)")
    idle_power_pu: float = Field(0.3, ge=0, le=1, description="IT power at zero utilisation / IT capacity [-]")
    cooling: Literal["chiller_tower", "indirect_evaporative", "direct_to_chip", "immersion", "liquid_air_hybrid",
                     "air_free_cooling"] = Field(
        "chiller_tower", description="Cooling technology (agents.physics.cooling.COOLING_TECHNOLOGIES)")
    fixed_overhead_pu: float = Field(0.3, ge=0, le=1,
                                     description="Share of full-load overhead that does not scale with load [-]")
    heat_recovery: HeatRecovery | None = Field(None, description="Optional waste-heat recovery to a heat utility")
    pv_capacity_mw: float = Field(0.0, ge=0, le=5000, description="On-site PV peak power [MWp]")
    battery: Battery | None = Field(None, description="Optional on-site battery")
    cold_storage: ColdStorageSpec | None = Field(
        None, description="Optional cold store in the chilled water / liquid loop: each day the DC charges it "
                          "(extra chiller power) in cheap hours of the published price forecast and covers cooling "
                          "from it in dear ones (agents.actors.dc_cold_storage); null = none")
    backup: SiteBackupSpec | None = Field(
        None, description="Backup generators: technology (diesel, gas_engine, h2_fuel_cell) with its defaults "
                          "(fuel cost, CO2, start-up time, minimum run time; each can be set) and when they run "
                          "(strategy: contingency, or contingency_and_dr as a demand-response resource); null = "
                          "the legacy backup_* fields below")
    backup_generator_mw: float = Field(0.0, ge=0, le=5000,
                                       description="Legacy: standby generator capacity [MW] (a generator that "
                                                   "starts at once, contingency only); use backup instead")
    backup_fuel_cost_cny_per_mwh: float = Field(2000.0, ge=0, le=20000,
                                                description="Legacy: backup generation fuel cost [CNY/MWh_el] "
                                                            "(with backup_generator_mw)")
    backup_co2_t_per_mwh: float = Field(0.7, ge=0, le=2, description="Legacy: backup generation CO2 factor "
                                                                      "[tCO2/MWh_el] (with backup_generator_mw)")
    ride_through: RideThrough = Field(default_factory=RideThrough,
                                      description="Voltage-dip ride-through policy (transfer to backup)")
    weather_site: str | None = Field(None, min_length=1, max_length=64,
                                     description=_ACTOR_SITE_DESCRIPTION + " (drives cooling PUE/WUE and on-site PV)")

    _known_site = field_validator("weather_site")(_known_weather_site)

    @field_validator("battery")
    @classmethod
    def _on_site_battery_offers_no_reserve(cls, value):
        if value is not None and isinstance(value.strategy, StorageStrategySpec) and value.strategy.reserve_mw > 0:
            raise ValueError("an on-site battery offers no reserve: model a battery that offers reserve as a storage "
                             "actor with owner_id and behind_meter")
        return value

    @model_validator(mode="after")
    def _one_backup_form(self):
        legacy = {"backup_generator_mw", "backup_fuel_cost_cny_per_mwh", "backup_co2_t_per_mwh"} & self.model_fields_set
        if self.backup is not None and legacy and self.backup_generator_mw > 0:
            raise ValueError(f"give the backup generators either as backup or as the legacy {sorted(legacy)}, "
                             "not both")
        return self

    @property
    def backup_generator(self) -> SiteBackupSpec | None:
        """The site's backup generators: ``backup``, else the legacy scalar fields (agents.strategies.backup
        ``legacy_backup``: starts at once, no minimum run, contingency only), else None."""
        if self.backup is not None:
            return self.backup
        return legacy_backup(self.backup_generator_mw, self.backup_fuel_cost_cny_per_mwh, self.backup_co2_t_per_mwh)


class HeatNetwork(_Strict):
    name: str = Field(min_length=1, max_length=120, description="Network name")
    floor_area_m2: float = Field(gt=0, le=1e10, description="Heated floor area [m²]")
    design_load_w_per_m2: float = Field(50.0, gt=0, le=200, description="Heat load at design temperature [W/m²]")
    design_temp_c: float = Field(-17.0, ge=-50, le=15, description="Outdoor design temperature [°C]")
    base_temp_c: float = Field(18.0, ge=5, le=25, description="Heating base (balance) temperature [°C]")
    supply_temp_c: float = Field(70.0, ge=30, le=130, description="Network supply temperature [°C]")
    return_temp_c: float = Field(40.0, ge=10, le=90, description="Network return temperature [°C]")
    loss_pu: float = Field(0.12, ge=0, le=0.5,
                           description="Network heat loss proportional to delivered heat / delivered heat [-] "
                                       "(added to the temperature-driven loss of loss_ua_mw_per_k)")
    loss_ua_mw_per_k: float = Field(
        0.0, ge=0, le=1000,
        description="Heat-loss coefficient UA of the buried pipes [MW/K]: while the network operates it loses "
                    "UA × ((supply + return)/2 − ground temperature), whatever the demand")
    ground_temp_c: float = Field(8.0, ge=-10, le=35,
                                 description="Ground temperature around the pipes [°C] (≈ annual mean air "
                                             "temperature + 1–2 K)")
    dhw_kwh_per_m2_yr: float = Field(
        0.0, ge=0, le=150,
        description="Domestic hot-water heat delivered per m² of floor area and year [kWh/(m²·a)], drawn with a "
                    "daily profile while the network operates; 0 = the network supplies space heating only")
    summer_supply_temp_c: float | None = Field(
        None, ge=30, le=130,
        description="Supply temperature outside the heating season [°C] (summer mode: the network runs all year "
                    "for hot water and has its losses); None = the network is off outside the season")
    season_start_md: str = Field("10-15", pattern=r"^\d{2}-\d{2}$", description="Heating season start, MM-DD")
    season_end_md: str = Field("04-15", pattern=r"^\d{2}-\d{2}$", description="Heating season end, MM-DD")

    @field_validator("season_start_md", "season_end_md")
    @classmethod
    def _calendar_day(cls, value: str) -> str:
        try:
            date(2024, int(value[:2]), int(value[3:]))  # a leap year: 02-29 is a day of the season
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a day of the year (MM-DD)") from exc
        return value


class HeatUnit(_Strict):
    """A heat production unit. A CHP unit turns fuel into heat (η_th = ``efficiency_pu``) and electricity
    (η_el = ``electrical_efficiency_pu``, or ``power_to_heat_ratio`` × η_th); η_el + η_th ≤ 1 (first law)."""

    kind: Literal["gas_boiler", "coal_boiler", "chp", "air_source_heat_pump", "electric_boiler"] = Field(
        description="Heat production technology")
    capacity_mw: float = Field(gt=0, le=100000, description="Heat output capacity [MW_th]")
    efficiency_pu: float = Field(0.9, gt=0, le=1.2,
                                 description="Heat out / fuel (or electricity) in [-]; for CHP the thermal "
                                             "efficiency η_th (≤ 1)")
    fuel_price_cny_per_mwh: float = Field(250.0, ge=0, le=5000,
                                          description="Fuel price per MWh of fuel energy [CNY/MWh]")
    fuel_co2_t_per_mwh: float = Field(0.2, ge=0, le=1, description="Fuel CO2 factor [tCO2/MWh fuel]")
    power_to_heat_ratio: float = Field(
        0.0, ge=0, le=2,
        description="CHP electricity / heat output σ [-]; gives η_el = σ × η_th when electrical_efficiency_pu "
                    "is not set")
    electrical_efficiency_pu: float | None = Field(
        None, gt=0, le=0.65, description="CHP electricity out / fuel in η_el [-]; η_el + η_th ≤ 1")
    carnot_efficiency: float = Field(0.4, gt=0, le=0.8, description="Air-source HP fraction of Carnot COP [-]")

    @field_validator("efficiency_pu")
    @classmethod
    def _chp_thermal_efficiency(cls, value: float, info) -> float:
        if info.data.get("kind") == "chp" and value > 1.0:
            raise ValueError("the thermal efficiency of a CHP unit cannot exceed 1 (first law)")
        return value

    @field_validator("power_to_heat_ratio", "electrical_efficiency_pu")
    @classmethod
    def _first_law(cls, value: float | None, info) -> float | None:
        kind, eta_th = info.data.get("kind"), info.data.get("efficiency_pu")
        given = value is not None and value > 0
        if given and kind is not None and kind != "chp":
            raise ValueError(f"only CHP units generate electricity (kind is {kind!r})")
        if info.field_name == "electrical_efficiency_pu" and given and info.data.get("power_to_heat_ratio", 0.0) > 0:
            raise ValueError("give electrical_efficiency_pu or power_to_heat_ratio, not both")
        if given and kind == "chp" and eta_th is not None:
            eta_el = value * eta_th if info.field_name == "power_to_heat_ratio" else value
            if eta_el + eta_th > 1.0 + 1e-12:
                raise ValueError(f"electrical + thermal efficiency = {eta_el:.3f} + {eta_th:.3f} = "
                                 f"{eta_el + eta_th:.3f} exceeds 1: the unit would create energy (first law; "
                                 "typical CHP totals 0.80–0.90)")
        return value

    @property
    def electrical_efficiency(self) -> float:
        """η_el [-] of a CHP unit (0 for other kinds)."""
        if self.kind != "chp":
            return 0.0
        if self.electrical_efficiency_pu is not None:
            return self.electrical_efficiency_pu
        return self.power_to_heat_ratio * self.efficiency_pu


class HeatUtility(_Actor):
    type: Literal["heat_utility"] = Field("heat_utility", description="Discriminator: the kind of this entry")
    networks: list[HeatNetwork] = Field(min_length=1, description="District-heating networks it supplies")
    units: list[HeatUnit] = Field(default_factory=list, description="Own heat production units")
    heat_price_cny_per_mwh: float = Field(300.0, ge=0, le=5000, description="Retail heat price [CNY/MWh]")
    chp_co2_allocation: Literal["energy", "exergy", "efficiency"] = Field(
        "energy",
        description="How CHP fuel CO2 (and fuel cost) is shared between power and heat: energy (by energy "
                    "output), exergy (heat weighted by its Carnot factor) or efficiency (Finnish benefit-sharing "
                    "method with reference efficiencies of separate production); docs/physics.md")
    reference_power_efficiency_pu: float = Field(
        0.39, gt=0, le=0.7, description="Efficiency method: reference efficiency of separate power production [-]")
    reference_heat_efficiency_pu: float = Field(
        0.90, gt=0, le=1.2, description="Efficiency method: reference efficiency of separate heat production [-]")
    exergy_reference_temp_c: float = Field(
        10.0, ge=-30, le=40, description="Exergy method: temperature of the reference environment T_0 [°C]")
    heat_storage: HeatTankSpec | None = Field(
        None, description="Hot-water heat tank in its network (capacity_mwh_th, charge/discharge power [MW_th], "
                          "standing loss [1/h], initial stored heat [-]); the day's dispatch charges it when heat is "
                          "cheap and discharges it when dear (agents.strategies.heat_dispatch); null = no tank")
    strategy: Annotated[NoStrategySpec | HeatDispatchStrategySpec, Field(discriminator="kind")] = Field(
        default_factory=NoStrategySpec,
        description="How it decides (agents.strategies, docs/strategies.md): none = each day's merit order on the "
                    "published forecasts at default parameters; day_ahead_merit_order = the same with its heat "
                    "offer (most it pays for DC heat), internal carbon price and tank band, which run-time "
                    "decisions may change")


class Interconnection(_Strict):
    """The synchronous area the region belongs to: inertia, load and primary frequency response.

    Figures and sources per fixture: fixtures/README.md ("Interconnections"). The frequency study
    (agents.physics.frequency.simulate_contingency) uses them for every contingency of the region.
    """

    name: str = Field(min_length=1, max_length=120, description="Name of the synchronous area")
    inertia_constant_s: float = Field(gt=0, le=20, description="Inertia constant H of the synchronous machines "
                                                               "online in the area, on their rating [s]")
    synchronous_capacity_mva: float = Field(gt=0, le=5_000_000,
                                            description="Rating S of the synchronous machines online in a typical "
                                                        "hour [MVA]")
    load_mw: float = Field(gt=0, le=5_000_000, description="Load of the area in a typical hour [MW]")
    load_damping_pu: float = Field(1.0, ge=0, le=5,
                                   description="Load damping D: % load change per % frequency change [-]")
    droop_pu: float = Field(0.05, ge=0.01, le=0.2, description="Governor speed droop R [-]")
    governor_share_pu: float = Field(0.3, gt=0, le=1,
                                     description="Share of the online synchronous rating on primary (droop) "
                                                 "control [-]")
    governor_lag_s: float = Field(5.0, gt=0, le=60,
                                  description="Time constant of the governor/turbine response (first-order lag) [s]")
    primary_reserve_mw: float = Field(gt=0, le=1_000_000,
                                      description="Primary (frequency-containment) reserve the governors may "
                                                  "deploy, each direction [MW]")
    largest_hvdc_infeed_mw: float = Field(0.0, ge=0, le=100_000,
                                          description="Rating of the largest HVDC line feeding the region's "
                                                      "imports (imports flow on it first); 0 = none [MW]")
    follow_region_load: bool = Field(True, description="Scale the area's load and online synchronous rating "
                                                       "each step by the region's load / its horizon mean")


class FrequencyStudy(_Strict):
    """Settings of the per-step contingency study (loss of largest infeed, HVDC loss, data centers trip)."""

    duration_s: float = Field(60.0, ge=10, le=300, description="Simulated time after the event [s]")
    substep_s: float = Field(0.1, ge=0.01, le=0.5, description="Integration step of the swing equation [s]")
    dc_trip_dips: int = Field(6, ge=1, le=100,
                              description="Voltage dips of the design fault sequence behind the data-center trip "
                                          "contingency [-] (NERC 2025: six faults in 82 s)")
    dc_trip_span_s: float = Field(82.0, ge=0, le=3600,
                                  description="Time from the first to the last dip of that sequence [s]")


class GridOperator(_Actor):
    type: Literal["grid_operator"] = Field("grid_operator", description="Discriminator: the kind of this entry")
    other_load_mean_mw: float = Field(0.0, ge=0, le=2_000_000, description="Mean non-data-center demand [MW]")
    other_load_daily_swing_pu: float = Field(0.15, ge=0, le=0.9,
                                             description="Half peak-to-trough daily swing / mean [-]")
    other_load_cooling_mw_per_c: float = Field(0.0, ge=0, le=100000,
                                               description="Extra demand per °C above 24 °C [MW/°C]")
    other_load_heating_mw_per_c: float = Field(0.0, ge=0, le=100000,
                                               description="Extra demand per °C below 5 °C [MW/°C]")
    inertia_constant_s: float = Field(5.0, gt=0, le=20,
                                      description="Inertia constant H of the local power plants [s] (used when "
                                                  "interconnection is null)")
    nominal_frequency_hz: Literal[50.0, 60.0] = Field(50.0, description="Nominal grid frequency [Hz]")
    interconnection: Interconnection | None = Field(
        None, description="Synchronous area of the region; null = an island of the local power plants "
                          "(inertia_constant_s on the rating of the plants generating)")
    frequency_study: FrequencyStudy = Field(default_factory=FrequencyStudy,
                                            description="Contingency study settings")


class RenewablePlant(_Actor):
    type: Literal["renewable_plant"] = Field("renewable_plant", description="Discriminator: the kind of this entry")
    technology: Literal["pv", "wind"] = Field(description="pv (pvlib) or wind (windpowerlib power curve)")
    capacity_mw: float = Field(gt=0, le=100000, description="Nameplate capacity [MW]")
    tilt_deg: float | None = Field(None, ge=0, le=90, description="PV module tilt [deg]; default near-optimal for lat")
    azimuth_deg: float = Field(180.0, ge=0, le=360, description="PV azimuth, 180 = south [deg]")
    turbine_type: str = Field("E-126/4200", min_length=1, max_length=64,
                              description="windpowerlib turbine type with a power curve")
    hub_height_m: float = Field(100.0, gt=10, le=250, description="Wind hub height [m]")
    roughness_length_m: float = Field(0.03, gt=0, le=2,
                                      description="Terrain roughness length for the log wind profile [m]")
    marginal_cost_cny_per_mwh: float = Field(0.0, ge=-1000, le=1000, description="Offer price [CNY/MWh]")
    owner_id: ActorId | None = Field(
        None, description="Data center that owns this plant (its output counts towards that DC's renewable energy "
                          "factor, ISO/IEC 30134-3); None = owned by a third party")
    weather_site: str | None = Field(None, min_length=1, max_length=64,
                                     description=_ACTOR_SITE_DESCRIPTION + " (drives PV and wind output)")

    _known_site = field_validator("weather_site")(_known_weather_site)

    @field_validator("turbine_type")
    @classmethod
    def _known_turbine(cls, value: str) -> str:
        from agents.physics.wind import power_curve

        try:
            power_curve(value)
        except KeyError as exc:
            raise ValueError(f"unknown turbine type {value!r} (windpowerlib oedb power curves)") from exc
        return value


class PowerPlant(_Actor):
    type: Literal["power_plant"] = Field("power_plant", description="Discriminator: the kind of this entry")
    fuel: Literal["coal", "gas", "hydro", "nuclear", "biomass", "oil"] = Field(description="Fuel / technology")
    capacity_mw: float = Field(gt=0, le=100000, description="Net capacity [MW]")
    marginal_cost_cny_per_mwh: float = Field(ge=0, le=10000, description="Fuel and variable cost [CNY/MWh]")
    min_load_pu: float = Field(0.0, ge=0, le=1, description="Minimum stable output / capacity [-]")
    ramp_pu_per_h: float = Field(1.0, gt=0, le=100, description="Ramp limit / capacity per hour [1/h]")
    co2_t_per_mwh: float = Field(ge=0, le=2, description="CO2 emission factor [tCO2/MWh_el]")
    forced_outage_rate_pu: float = Field(0.0, ge=0, le=0.5, description="Share of time on forced outage [-]")
    mean_outage_h: float = Field(24.0, gt=0, le=8760, description="Mean duration of one forced outage [h]")
    commitment: Literal["day_ahead", "must_run"] = Field(
        "day_ahead", description="Unit commitment: 'day_ahead' = committed each day by the operator "
        "(agents.markets.commitment; may be off), 'must_run' = on whenever available")
    min_up_h: float = Field(0.0, ge=0, le=168, description="Minimum time on after a start [h]")
    min_down_h: float = Field(0.0, ge=0, le=168, description="Minimum time off after a shutdown [h]")
    start_up_cost_cny_per_mw: float = Field(
        0.0, ge=0, le=100000, description="Cost of one start per MW of capacity (fuel and wear) [CNY/MW]")
    must_run_season_md: list[str] | None = Field(
        None, min_length=2, max_length=2,
        description="[start, end] local dates MM-DD (both inclusive, may wrap the new year) of a season in which "
                    "a day-ahead plant is must-run, e.g. a heat-led CHP unit in the heating season")

    @field_validator("must_run_season_md")
    @classmethod
    def _month_days(cls, value: list[str] | None) -> list[str] | None:
        for md in value or []:
            parts = md.split("-")
            if len(parts) != 2 or not all(p.isdigit() and len(p) == 2 for p in parts) or not (
                    1 <= int(parts[0]) <= 12 and 1 <= int(parts[1]) <= 31):
                raise ValueError(f"{md!r} is not a valid MM-DD")
        return value


StorageStrategy = Annotated[NoStrategySpec | TouBatteryStrategySpec | NetLoadBatteryStrategySpec
                            | StorageStrategySpec, Field(discriminator="kind")]


class Storage(_Actor):
    type: Literal["storage"] = Field("storage", description="Discriminator: the kind of this entry")
    battery: Battery = Field(description="Battery parameters")
    strategy: StorageStrategy = Field(
        default_factory=NoStrategySpec,
        description="How the battery decides (agents.strategies, docs/strategies.md): none = its battery.strategy "
                    "rule; tou / net_load = that rule (overrides battery.strategy); arbitrage / peak_shaving / "
                    "tou_rule / net_load_rule = a schedule planned each day from the published price forecast "
                    "(agents.strategies.storage_schedule)")
    owner_id: ActorId | None = Field(
        None, description="Data center that owns this battery (renewable energy it stores from that DC's own plants "
                          "counts towards the DC's renewable energy factor); None = owned by a third party")
    behind_meter: bool = Field(
        False, description="True (needs owner_id): the battery sits behind its owner data center's meter — its power "
                           "is part of that DC's grid draw, cost and KPIs, it never exports through the DC, and a "
                           "schedule strategy plans it against the price the DC pays and the DC's own net load; "
                           "False: a grid-side unit trading at the wholesale price")

    @model_validator(mode="after")
    def _meter_has_owner(self):
        if self.behind_meter and self.owner_id is None:
            raise ValueError("behind_meter needs owner_id (the data center whose meter the battery is behind)")
        for strategy in (self.strategy, self.battery.strategy):
            if isinstance(strategy, StorageStrategySpec) and (error := reserve_fit_error(strategy, self.battery)):
                raise ValueError(error)
        return self


Actor = Annotated[DataCenter | HeatUtility | GridOperator | RenewablePlant | PowerPlant | Storage,
                  Field(discriminator="type")]
ACTOR_TYPES = ("data_center", "heat_utility", "grid_operator", "renewable_plant", "power_plant", "storage")

# ---------------------------------------------------------------------------------------------------- markets


class Imports(_Strict):
    """Legacy single interconnector (schema ≤ 1 documents): read as one import line with id ``imports``."""

    capacity_mw: float = Field(0.0, ge=0, le=1_000_000, description="Import limit [MW]")
    price_cny_per_mwh: float = Field(500.0, ge=0, le=20000, description="Import offer price [CNY/MWh]")
    co2_t_per_mwh: float | None = Field(None, ge=0, le=2,
                                        description="CO2 factor of imports [tCO2/MWh]; default region grid factor")


class ImportLine(_Strict):
    """One interconnector into the region with its own mix, capacity profile and price profile.

    Available power [MW] = capacity × hourly_capacity_pu[local hour] × monthly_capacity_pu[month − 1];
    price [CNY/MWh] = price × hourly_price_pu[local hour] × monthly_price_pu[month − 1] (the exporting
    region's price shape). A ``scheduled`` line delivers its available power as planned (offered at the
    price floor, like must-run, and paid its own price); otherwise it is offered at its price (plus CO2 ×
    carbon price) in the merit order and paid like any offer under the clearing rule.
    """

    id: ActorId
    name: str = Field(min_length=1, max_length=120, description="Display name of the line")
    capacity_mw: float = Field(ge=0, le=1_000_000, description="Transfer capacity into the region [MW]")
    renewable_share_pu: float = Field(0.0, ge=0, le=1, description="Renewable share of the energy it carries [-]")
    co2_t_per_mwh: float | None = Field(None, ge=0, le=2,
                                        description="CO2 factor of the energy it carries [tCO2/MWh]; "
                                                    "default region grid factor")
    price_cny_per_mwh: float = Field(500.0, ge=0, le=20000, description="Delivered (landing) price [CNY/MWh]")
    scheduled: bool = Field(False, description="Delivers its available power as scheduled (must-take) at its "
                                               "own price, instead of being dispatched by price")
    hourly_capacity_pu: list[Annotated[float, Field(ge=0, le=1)]] | None = Field(
        None, min_length=24, max_length=24,
        description="Available capacity / capacity per local hour 0–23 [-]; default 1")
    monthly_capacity_pu: list[Annotated[float, Field(ge=0, le=1)]] | None = Field(
        None, min_length=12, max_length=12,
        description="Available capacity / capacity per month Jan–Dec [-]; default 1")
    hourly_price_pu: list[Annotated[float, Field(ge=0, le=10)]] | None = Field(
        None, min_length=24, max_length=24, description="Price multiplier per local hour 0–23 [-]; default 1")
    monthly_price_pu: list[Annotated[float, Field(ge=0, le=10)]] | None = Field(
        None, min_length=12, max_length=12, description="Price multiplier per month Jan–Dec [-]; default 1")


ImportsField = Annotated[
    Annotated[list[ImportLine], Tag("lines")] | Annotated[Imports, Tag("legacy")],
    Discriminator(lambda v: "lines" if isinstance(v, list | tuple) else "legacy")]


class Exports(_Strict):
    capacity_mw: float = Field(0.0, ge=0, le=1_000_000, description="Export limit [MW]")
    price_cny_per_mwh: float = Field(200.0, ge=-1000, le=20000, description="Export bid price [CNY/MWh]")


class Markets(_Strict):
    """Market rules. The dispatch is always merit order; ``clearing_rule`` forms the WHOLESALE price paid to
    sellers (``pay_as_clear``/``tou_tariff``: uniform marginal price; ``pay_as_bid``: each its own offer) and
    the RETAIL price consumers pay (``tou_tariff``: the region's time-of-use tariff; otherwise the wholesale
    price passed through). See docs/model.md, Markets."""

    clearing_rule: Literal["pay_as_clear", "pay_as_bid", "tou_tariff"] = Field(
        "pay_as_clear", description="Price formation: wholesale rule, and whether consumers pay the TOU tariff "
                                    "(tou_tariff) or the wholesale price")
    price_cap_cny_per_mwh: float = Field(1500.0, ge=0, le=100000, description="Price cap [CNY/MWh]")
    price_floor_cny_per_mwh: float = Field(0.0, ge=-1000, le=10000, description="Price floor [CNY/MWh]")
    carbon_price_cny_per_t: float = Field(0.0, ge=0, le=5000, description="Carbon price added to offers [CNY/tCO2]")
    reserve_requirement_pu: float = Field(0.0, ge=0, le=0.5,
                                          description="Dispatchable capacity held back as reserve / load [-]")
    value_of_lost_load_cny_per_mwh: float = Field(10000.0, ge=0, le=1e6,
                                                  description="Cost of unserved energy in system cost [CNY/MWh]")
    imports: ImportsField = Field(
        default_factory=Imports, description="Import lines (a list), or one legacy interconnector (an object)")
    exports: Exports = Field(default_factory=Exports, description="Interconnector exports")
    wholesale_buyers: list[Literal["data_center", "heat_utility"]] = Field(
        default_factory=list, max_length=2,
        description="Consumer types that buy at the wholesale price (direct market participants); the others pay "
                    "the retail price. Stand-alone batteries always trade at the wholesale price")

    @field_validator("imports")
    @classmethod
    def _unique_line_ids(cls, value):
        if isinstance(value, list):
            ids = [line.id for line in value]
            dup = sorted({i for i in ids if ids.count(i) > 1})
            if dup:
                raise ValueError(f"duplicate import line id(s) {dup}")
        return value

    @property
    def import_lines(self) -> tuple[ImportLine, ...]:
        """The import lines; a legacy ``Imports`` object is one line with id ``imports`` and no renewable share."""
        if isinstance(self.imports, Imports):
            imp = self.imports
            return (ImportLine(id="imports", name="Imports", capacity_mw=imp.capacity_mw,
                               price_cny_per_mwh=imp.price_cny_per_mwh, co2_t_per_mwh=imp.co2_t_per_mwh),)
        return tuple(self.imports)


class VoltageDips(_Strict):
    """A fault sequence on the transmission grid: ``count`` voltage dips evenly spaced over ``span_s``.

    Data centers whose ride-through policy is exceeded transfer to backup (agents.events)."""

    type: Literal["voltage_dips"] = Field("voltage_dips", description="Discriminator: the kind of this event")
    at: str = Field(description="Time of the first dip, ISO 8601 local time of the region")
    count: int = Field(ge=1, le=100, description="Number of dips [-]")
    span_s: float = Field(ge=0, le=3600, description="Time from the first to the last dip [s]")
    data_center_ids: list[ActorId] | None = Field(
        None, description="Data centers that see the dips; null = every data center of the region")

    @field_validator("at")
    @classmethod
    def _iso(cls, value: str) -> str:
        return _iso_event_time(value)


def _iso_event_time(value: str) -> str:
    try:
        datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValueError("at must be an ISO 8601 date-time, e.g. 2025-07-10T19:00") from exc
    return value


class GridOutage(_Strict):
    """The grid feeding data centers fails for ``duration_h`` from ``at``: the sites draw nothing from the grid,
    their backup generators start and carry what they can, the rest of the site is dark (agents.outages).
    Exogenous like the weather: no actor plans for it."""

    type: Literal["grid_outage"] = Field(description="Discriminator: the kind of this event")
    at: str = Field(description="Start of the outage, ISO 8601 local time of the region, on a step boundary")
    duration_h: float = Field(gt=0, le=8784, description="How long the grid stays off [h], a whole number of "
                                                         "steps; an outage past the horizon's end is cut there")
    data_center_ids: list[ActorId] | None = Field(
        None, min_length=1, description="Data centers that lose their grid supply; null = every data center of "
                                        "the region")

    @field_validator("at")
    @classmethod
    def _iso(cls, value: str) -> str:
        return _iso_event_time(value)


Event = Annotated[VoltageDips | GridOutage, Field(discriminator="type")]

# ---------------------------------------------------------------------------------------------------- contracts


# the contract types, their parties and overlap rules live in agents.contract_types (HeatPurchase, Contract …)


class DemandResponse(_Strict):
    """Demand-response programs the grid operator runs, the aggregators enrolled in them and explicit event
    calls (agents.markets.demand_response, agents.markets.aggregator; wired by agents.dr_desk)."""

    programs: list[DemandResponseProgramSpec] = Field(default_factory=list, max_length=20,
                                                      description="Programs (trigger, baseline, payments)")
    aggregators: list[AggregatorSpec] = Field(default_factory=list, max_length=100,
                                              description="Aggregators (virtual power plants) and their members")
    events: list[DemandResponseEventSpec] = Field(default_factory=list, max_length=1000,
                                                  description="Events the grid operator calls explicitly")


NAME_ZH_DESCRIPTION = ("Scenario name in Chinese, shown on Chinese pages while the name is unchanged (optional; empty: "
                       "the name); display only, not used by the model")
DESCRIPTION_ZH_DESCRIPTION = ("The description in Chinese, shown on Chinese pages (optional; empty: the description); "
                              "display only")


class Scenario(_Strict):
    """A complete scenario document."""

    schema_version: int = Field(SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION, description="Scenario schema version")
    name: str = Field("scenario", min_length=1, max_length=200, description="Scenario name")
    name_zh: str = Field("", max_length=200, description=NAME_ZH_DESCRIPTION)
    description: str = Field("", max_length=5000, description="Free text")
    description_zh: str = Field("", max_length=5000, description=DESCRIPTION_ZH_DESCRIPTION)
    region: Region = Field(description="The region: location, time zone, weather site, grid CO2 factor, tariff")
    horizon: Horizon = Field(description="Simulated period: start (local time), number of steps and step length")
    actors: list[Actor] = Field(min_length=1, description="Actors of the region")
    markets: Markets = Field(default_factory=Markets, description="Market rules")
    contracts: list[Contract] = Field(default_factory=list, description="Bilateral contracts")
    events: list[Event] = Field(default_factory=list, description="Grid events of the horizon (voltage dips, grid outages)")
    demand_response: DemandResponse = Field(default_factory=DemandResponse,
                                            description="Demand-response programs, aggregators and event calls")
    seed: int = Field(0, ge=0, le=2**32 - 1, description="Random seed")
    decision_points: DecisionPointsSpec = Field(
        default_factory=DecisionPointsSpec,
        description="Where a run stops and waits for people's decisions (agents.decisions); none by default")

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        return load_scenario(path)

    def actors_of(self, kind: str) -> list[Any]:
        return [a for a in self.actors if a.type == kind]


# ---------------------------------------------------------------------------------------------------- errors


class ScenarioValidationError(ValueError):
    """Raised with every problem of a scenario: ``errors`` = [{"loc": "actors.3.it_capacity_mw", "msg": ...}]."""

    def __init__(self, errors: list[dict[str, str]]):
        self.errors = errors
        super().__init__(str(self))

    def __str__(self) -> str:
        return "invalid scenario:\n" + "\n".join(f"  {e['loc'] or '(root)'}: {e['msg']}" for e in self.errors)


_UNION_TAGS = set(ACTOR_TYPES) | set(CONTRACT_TYPES) | {"voltage_dips", "grid_outage"}
_FIELD_UNION_TAGS = {"pricing": {"fixed", "indexed", "shared_savings"}}  # unions under a field, not a list


def _readable_loc(loc: tuple[Any, ...]) -> str:
    """Dotted path without the discriminator tag pydantic inserts: ("actors", 3, "data_center", "x") → actors.3.x."""
    parts = [str(p) for i, p in enumerate(loc)
             if not (isinstance(p, str) and p in _UNION_TAGS and i > 0 and isinstance(loc[i - 1], int))
             and not (i > 0 and p in _FIELD_UNION_TAGS.get(loc[i - 1], ()))
             and not (p in ("lines", "legacy") and i > 0 and loc[i - 1] == "imports")]
    return ".".join(parts)


def _pydantic_errors(exc: ValidationError) -> list[dict[str, str]]:
    return [{"loc": _readable_loc(e["loc"]), "msg": e["msg"]} for e in exc.errors()]


# ---------------------------------------------------------------------------------------------------- migrations

MIGRATIONS: dict[int, Callable[[dict], dict]] = {}
"""MIGRATIONS[v] turns a version-v document into version v+1 (pure function on a dict copy)."""


def migrate(data: dict) -> dict:
    """Upgrade a scenario document to SCHEMA_VERSION (documents without schema_version are version 1)."""
    if not isinstance(data, dict):
        raise ScenarioValidationError([{"loc": "", "msg": "a scenario must be a JSON object"}])
    doc = dict(data)
    version = doc.get("schema_version", 1)
    if not isinstance(version, int) or version < 1 or version > SCHEMA_VERSION:
        raise ScenarioValidationError([{"loc": "schema_version",
                                        "msg": f"unsupported schema_version {version!r} (1..{SCHEMA_VERSION})"}])
    while version < SCHEMA_VERSION:
        doc = MIGRATIONS[version](doc)
        version += 1
        doc["schema_version"] = version
    doc["schema_version"] = SCHEMA_VERSION
    return doc


# ---------------------------------------------------------------------------------------------------- cross-field


def _demand_response_errors(s: Scenario, kinds: dict[str, str]) -> list[dict[str, str]]:
    """Programs are unique; aggregators name a program and enrol data centers of the scenario; events name a
    program and fall on the horizon's steps."""
    errors: list[dict[str, str]] = []
    section = s.demand_response
    programs = [p.id for p in section.programs]
    if len(set(programs)) != len(programs):
        errors.append({"loc": "demand_response.programs", "msg": "program ids must be unique"})
    for k, a in enumerate(section.aggregators):
        if a.program_id not in programs:
            errors.append({"loc": f"demand_response.aggregators.{k}.program_id",
                           "msg": f"{a.program_id!r} is not a program of demand_response.programs"})
        for j, mid in enumerate(a.member_ids):
            if kinds.get(mid) != "data_center":
                errors.append({"loc": f"demand_response.aggregators.{k}.member_ids.{j}",
                               "msg": f"{mid!r} is not a data_center of this scenario"})
    start = datetime.fromisoformat(s.horizon.start).replace(tzinfo=None)
    for k, e in enumerate(section.events):
        if e.program_id not in programs:
            errors.append({"loc": f"demand_response.events.{k}.program_id",
                           "msg": f"{e.program_id!r} is not a program of demand_response.programs"})
        from agents.markets.demand_response import event_window_steps

        try:
            a, _ = event_window_steps(e.model_copy(update={"start": e.start.replace(tzinfo=None),
                                                          "end": e.end.replace(tzinfo=None)}),
                                      start, s.horizon.dt_h)
        except ValueError as exc:
            errors.append({"loc": f"demand_response.events.{k}.start", "msg": str(exc)})
            continue
        if a >= s.horizon.steps:
            errors.append({"loc": f"demand_response.events.{k}.start", "msg": "the event starts after the horizon"})
    return errors


def _cross_field_errors(s: Scenario) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    ids: dict[str, int] = {}
    for i, actor in enumerate(s.actors):
        if actor.id in ids:
            errors.append({"loc": f"actors.{i}.id", "msg": f"duplicate id {actor.id!r} (also actors.{ids[actor.id]})"})
        ids.setdefault(actor.id, i)
    kinds = {a.id: a.type for a in s.actors}
    grid_ops = [i for i, a in enumerate(s.actors) if a.type == "grid_operator"]
    if len(grid_ops) != 1:
        errors.append({"loc": "actors", "msg": f"exactly one grid_operator is required, found {len(grid_ops)}"})
    errors += _demand_response_errors(s, kinds)
    contract_ids: set[str] = set()
    sellers: dict[str, int] = {}
    for j, c in enumerate(s.contracts):
        if c.id in contract_ids or c.id in kinds:
            errors.append({"loc": f"contracts.{j}.id", "msg": f"duplicate id {c.id!r}"})
        contract_ids.add(c.id)
    errors += contract_errors(s)  # parties of the right type, overlaps, DR enrolment (agents.contract_types)
    for j, c in enumerate(s.contracts):
        if c.type in HEAT_CONTRACT_TYPES and kinds.get(c.seller_id) == "data_center":
            dc = s.actors[ids[c.seller_id]]
            sellers.setdefault(c.seller_id, j)
            if dc.heat_recovery is None:
                errors.append({"loc": f"contracts.{j}.seller_id",
                               "msg": f"data center {c.seller_id!r} has no heat_recovery"})
            elif kinds.get(c.buyer_id) == "heat_utility":
                sink = dc.heat_recovery.sink_temp_c
                supply = min(n.supply_temp_c for n in s.actors[ids[c.buyer_id]].networks)
                if sink < supply:
                    errors.append({"loc": f"actors.{ids[c.seller_id]}.heat_recovery.sink_temp_c",
                                   "msg": f"heat pump sink {sink} °C is below the supply temperature {supply} °C "
                                          f"of {c.buyer_id!r}'s networks"})
    for i, a in enumerate(s.actors):
        owner = getattr(a, "owner_id", None)
        if owner is not None and kinds.get(owner) != "data_center":
            errors.append({"loc": f"actors.{i}.owner_id", "msg": f"{owner!r} is not a data_center of this scenario"})
    has_utility = any(a.type == "heat_utility" for a in s.actors)
    for i, a in enumerate(s.actors):
        if a.type == "data_center":
            if a.heat_recovery is not None:
                if not has_utility:
                    errors.append({"loc": f"actors.{i}.heat_recovery",
                                   "msg": "heat recovery needs a heat_utility actor to sell to"})
                elif a.id not in sellers:
                    errors.append({"loc": f"actors.{i}.heat_recovery",
                                   "msg": "heat recovery needs a heat_purchase contract with a heat utility"})
                hr = a.heat_recovery
                src = hr.source_temp_c if hr.source_temp_c is not None else \
                    COOLING_TECHNOLOGIES[a.cooling].heat_source_temp_c
                if src >= hr.sink_temp_c:
                    errors.append({"loc": f"actors.{i}.heat_recovery.sink_temp_c",
                                   "msg": f"sink temperature must exceed the source temperature ({src} °C)"})
                elif float(carnot_cop(src, hr.sink_temp_c, hr.carnot_efficiency)) <= 1.05:
                    errors.append({"loc": f"actors.{i}.heat_recovery.carnot_efficiency",
                                   "msg": "the heat pump COP would not exceed 1.05; raise the Carnot efficiency"})
            if a.accelerator_count is not None:
                board_mw = a.accelerator_count * ACCELERATOR_POWER_W[a.accelerator] / 1e6
                if board_mw > a.it_capacity_mw:
                    errors.append({"loc": f"actors.{i}.accelerator_count",
                                   "msg": f"{a.accelerator_count} × {ACCELERATOR_POWER_W[a.accelerator]:.0f} W = "
                                          f"{board_mw:.1f} MW of accelerators exceeds it_capacity_mw "
                                          f"({a.it_capacity_mw} MW)"})
            if a.racks is not None and a.rack_density_kw is not None:
                design_mw = a.racks * a.rack_density_kw / 1000.0
                if not 0.5 * a.it_capacity_mw <= design_mw <= 2.0 * a.it_capacity_mw:
                    errors.append({"loc": f"actors.{i}.racks",
                                   "msg": f"racks × rack_density_kw = {design_mw:.1f} MW is not within 0.5–2× "
                                          f"it_capacity_mw ({a.it_capacity_mw} MW)"})
        if a.type == "heat_utility":
            for k, n in enumerate(a.networks):
                if n.return_temp_c >= n.supply_temp_c:
                    errors.append({"loc": f"actors.{i}.networks.{k}.return_temp_c",
                                   "msg": "return temperature must be below supply temperature"})
                if n.summer_supply_temp_c is not None and n.summer_supply_temp_c <= n.return_temp_c:
                    errors.append({"loc": f"actors.{i}.networks.{k}.summer_supply_temp_c",
                                   "msg": "summer supply temperature must be above the return temperature"})
                for key in ("season_start_md", "season_end_md"):
                    month, day = (int(x) for x in getattr(n, key).split("-"))
                    if not (1 <= month <= 12 and 1 <= day <= 31):
                        errors.append({"loc": f"actors.{i}.networks.{k}.{key}", "msg": "not a valid MM-DD"})
    errors += _event_errors(s, kinds) + outage_errors(s)  # grid outages on the step grid (agents.outages)
    m = s.markets
    if m.price_floor_cny_per_mwh > m.price_cap_cny_per_mwh:
        errors.append({"loc": "markets.price_floor_cny_per_mwh", "msg": "price floor exceeds the price cap"})
    return errors


def _event_errors(s: Scenario, kinds: dict[str, str]) -> list[dict[str, str]]:
    """Events happen inside the horizon and name data centers of the scenario."""
    errors: list[dict[str, str]] = []
    start = datetime.fromisoformat(s.horizon.start).replace(tzinfo=None)
    hours = s.horizon.steps * s.horizon.dt_h
    for j, e in enumerate(s.events):
        offset_h = (datetime.fromisoformat(e.at).replace(tzinfo=None) - start).total_seconds() / 3600.0
        if not 0.0 <= offset_h < hours:
            errors.append({"loc": f"events.{j}.at", "msg": f"{e.at} is outside the horizon"})
        for k, dc_id in enumerate(e.data_center_ids or []):
            if kinds.get(dc_id) != "data_center":
                errors.append({"loc": f"events.{j}.data_center_ids.{k}",
                               "msg": f"{dc_id!r} is not a data_center of this scenario"})
    return errors


def _raw_reference_errors(doc: dict) -> list[dict[str, str]]:
    """Id and reference checks on the raw document, so they are reported alongside field errors."""
    errors: list[dict[str, str]] = []
    actors = doc.get("actors") if isinstance(doc.get("actors"), list) else []
    kinds: dict[str, Any] = {}
    for i, a in enumerate(actors):
        if not isinstance(a, dict) or not isinstance(a.get("id"), str):
            continue
        if a["id"] in kinds:
            errors.append({"loc": f"actors.{i}.id", "msg": f"duplicate id {a['id']!r}"})
        kinds.setdefault(a["id"], a.get("type"))
    aggregators = doc.get("demand_response", {}).get("aggregators") if isinstance(doc.get("demand_response"), dict) \
        else None
    for a in aggregators if isinstance(aggregators, list) else []:
        if isinstance(a, dict) and isinstance(a.get("id"), str):
            kinds.setdefault(a["id"], "aggregator")
    contracts = doc.get("contracts") if isinstance(doc.get("contracts"), list) else []
    for j, c in enumerate(contracts):
        kind = c.get("type") if isinstance(c, dict) else None
        cls = CONTRACT_CLASSES.get(kind) if isinstance(kind, str) else None  # a list or object: a field error
        if cls is None:
            continue
        for key, allowed in cls.PARTIES.items():
            if isinstance(c.get(key), str) and kinds.get(c[key]) not in allowed:
                errors.append({"loc": f"contracts.{j}.{key}",
                               "msg": f"{c[key]!r} is not a {' or '.join(allowed)} of this scenario"})
    return errors


# ---------------------------------------------------------------------------------------------------- entry points


def validate_scenario(data: dict) -> Scenario:
    """Migrate and validate a scenario document; raise ScenarioValidationError listing every error."""
    doc = migrate(data)
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as exc:
        errors = _pydantic_errors(exc)
        seen = {e["loc"] for e in errors}
        errors += [e for e in _raw_reference_errors(doc) if e["loc"] not in seen]
        raise ScenarioValidationError(errors) from None
    errors = _cross_field_errors(scenario) or budget_errors(scenario)  # memory budget: agents/budget.py
    if errors:
        raise ScenarioValidationError(errors)
    return scenario


def read_scenario_document(path: str | Path):
    """The JSON document of a scenario file (ScenarioValidationError when unreadable or not JSON)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioValidationError([{"loc": "", "msg": f"cannot read {path}: {exc.strerror}"}]) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioValidationError([{"loc": "", "msg": f"not valid JSON: {exc}"}]) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read a JSON scenario file and validate it."""
    return validate_scenario(read_scenario_document(path))


def scenario_json_schema() -> dict:
    """JSON Schema (draft 2020-12) of a scenario document, as pydantic generates it."""
    schema = TypeAdapter(Scenario).json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Compute–power–heat twin scenario"
    return schema
