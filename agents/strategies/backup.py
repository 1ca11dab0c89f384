"""Backup generators (diesel, gas engine, hydrogen fuel cell): started on a contingency or as a DR resource.

Pure functions over arrays ``[steps, members]``, vectorised over all generators that share a strategy:

- :func:`run_backup_mw` — the common machine: a generator asked to run starts, delivers after its start-up
  delay, covers the site's load up to its capacity, and once started runs at least its minimum run time.
- :func:`contingency_dispatch` — a grid outage at the site (the load leaves the grid): request = outage,
  delay = the start-up time; what the generator cannot cover in the delay is the UPS's bridge energy.
- :func:`dr_offer` / :func:`dr_dispatch` — as a demand-response resource: the generator offers its capacity
  at its fuel cost (+ a margin); in a called event whose price is at least the offer it covers the site's
  load (no export), notified ``notice_s`` ahead so the start-up delay is spent before the event.
- :func:`backup_accounting` — energy, fuel cost and CO2 of a dispatch.

Default parameters per technology (``BACKUP_DEFAULTS``; every one can be set in the spec):

=================  ==================  ==================  ===========  ==========
technology         CO2 [t/MWh_el]      fuel [CNY/MWh_el]   start [s]    min run [h]
=================  ==================  ==================  ===========  ==========
diesel             0.76                2,140               10           0.5
gas_engine         0.50                960                 60           1.0
h2_fuel_cell       0.0                 2,100               60           0.0
=================  ==================  ==================  ===========  ==========

Sources and derivations. CO2 = fuel emission factor / electrical efficiency: IPCC 2006 Guidelines, Vol. 2
Energy, Ch. 2 Stationary Combustion, Table 2.2 — gas/diesel oil 74.1 tCO2/TJ (= 0.2668 t/MWh_fuel), natural
gas 56.1 tCO2/TJ (= 0.2020 t/MWh_fuel); assumed electrical efficiencies (LHV) at rated load: diesel genset
35 % → 0.76 t/MWh_el, lean-burn gas engine 40 % → 0.50 t/MWh_el; PEM fuel cell on green hydrogen: no CO2 at
the point of use (upstream emissions of the hydrogen are out of the site's scope 1). Fuel cost = fuel
price / (heating value × efficiency), with assumed prices: diesel 7.5 CNY/L at 36.1 MJ/L (IPCC NCV 43.0 TJ/Gg,
0.84 kg/L) → 2,140 CNY/MWh_el; non-residential pipeline gas 3.8 CNY/m³ at 35.6 MJ/m³ → 960 CNY/MWh_el;
delivered hydrogen 35 CNY/kg at 33.3 kWh/kg (LHV) with a 50 % fuel-cell system → 2,100 CNY/MWh_el. Start-up:
NFPA 110 Level 1 Type 10 — emergency diesel gensets carry the load within 10 s; gas engines and PEM fuel
cells take tens of seconds to a minute from standby (assumed 60 s; a UPS bridges the gap). Minimum run times
are operating assumptions (diesel: avoid short light-load runs, "wet stacking").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "BACKUP_DEFAULTS",
    "BackupDispatch",
    "BackupGeneratorSpec",
    "BackupStrategySpec",
    "SiteBackupSpec",
    "backup_accounting",
    "contingency_dispatch",
    "dr_dispatch",
    "dr_offer",
    "legacy_backup",
    "run_backup_mw",
    "start_lag_pu",
    "step_running",
]

Technology = Literal["diesel", "gas_engine", "h2_fuel_cell"]

BACKUP_DEFAULTS: dict[str, dict[str, float]] = {
    "diesel": {"co2_t_per_mwh": 0.76, "fuel_cost_cny_per_mwh": 2140.0, "start_up_time_s": 10.0,
               "min_run_time_h": 0.5},
    "gas_engine": {"co2_t_per_mwh": 0.50, "fuel_cost_cny_per_mwh": 960.0, "start_up_time_s": 60.0,
                   "min_run_time_h": 1.0},
    "h2_fuel_cell": {"co2_t_per_mwh": 0.0, "fuel_cost_cny_per_mwh": 2100.0, "start_up_time_s": 60.0,
                     "min_run_time_h": 0.0},
}


class BackupGeneratorSpec(BaseModel):
    """A site's backup generator. Fields left out (or null) take the technology's default (BACKUP_DEFAULTS), so
    after validation every field holds a number."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    technology: Technology = Field(description="diesel genset, gas engine or hydrogen (PEM) fuel cell")
    capacity_mw: float = Field(gt=0, le=5000, description="Rated electrical output [MW]")
    fuel_cost_cny_per_mwh: float | None = Field(
        None, ge=0, le=100000, description="Fuel cost per MWh of electricity generated [CNY/MWh]; null = the "
                                           "technology's default (docs/strategies.md, 'Backup generators')")
    co2_t_per_mwh: float | None = Field(None, ge=0, le=5,
                                        description="CO2 emitted at the point of use per MWh generated [t/MWh]; "
                                                    "null = the technology's default")
    start_up_time_s: float | None = Field(None, ge=0, le=3600,
                                          description="From the start signal to carrying load [s]; null = the "
                                                      "technology's default")
    min_run_time_h: float | None = Field(None, ge=0, le=48,
                                         description="Shortest run once started [h]; null = the technology's "
                                                     "default")

    @model_validator(mode="before")
    @classmethod
    def _defaults(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("technology") in BACKUP_DEFAULTS:
            data = {**BACKUP_DEFAULTS[data["technology"]], **{k: v for k, v in data.items() if v is not None}}
        return data


class BackupStrategySpec(BaseModel):
    """When a backup generator runs (a data center's ``backup.strategy``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["contingency", "contingency_and_dr"] = Field(
        "contingency", description="contingency: runs only on a grid contingency at the site (a voltage-dip "
                                   "transfer, a grid outage, load the grid cannot serve); contingency_and_dr: also delivers the "
                                   "site's called demand-response reduction when the event pays at least its offer")
    dr_margin_cny_per_mwh: float = Field(0.0, ge=0, le=100000,
                                         description="Added to the fuel cost in the DR offer price [CNY/MWh]")
    dr_notice_s: float = Field(3600.0, ge=0, le=86400,
                               description="How long before a DR event it is notified [s]; the start-up time "
                                           "beyond the notice delays its response")


class SiteBackupSpec(BackupGeneratorSpec):
    """A data center's backup generators (scenario field ``backup``): the technology with its defaults and
    overrides (BackupGeneratorSpec) and when they run (``strategy``)."""

    strategy: BackupStrategySpec = Field(
        default_factory=BackupStrategySpec,
        description="When the generators run: contingency (grid contingency at the site only) or "
                    "contingency_and_dr (also as a demand-response resource, docs/model.md 'Backup generators')")


def legacy_backup(capacity_mw: float, fuel_cost_cny_per_mwh: float, co2_t_per_mwh: float) -> SiteBackupSpec | None:
    """The generator of a scenario written before backup technologies (the scalar ``backup_generator_mw``,
    ``backup_fuel_cost_cny_per_mwh``, ``backup_co2_t_per_mwh`` fields): a diesel set with the given fuel cost and
    CO2 factor that starts at once and has no minimum run time, as the model then assumed (same results);
    None without capacity."""
    if capacity_mw <= 0:
        return None
    return SiteBackupSpec(technology="diesel", capacity_mw=capacity_mw, fuel_cost_cny_per_mwh=fuel_cost_cny_per_mwh,
                          co2_t_per_mwh=co2_t_per_mwh, start_up_time_s=0.0, min_run_time_h=0.0)


def step_running(on, tau_h, request, min_run_time_h) -> tuple[np.ndarray, np.ndarray]:
    """One step of the run/stop machine of :func:`run_backup_mw` for generators [members]: ``on`` ran in the
    previous step, ``tau_h`` its run time at this step's start [h]. A running generator keeps running while
    requested or until ``tau_h ≥ min_run_time_h``; one that is off starts when requested. Returns
    ``(running, started)`` (bool [members])."""
    on = np.asarray(on, dtype=bool)
    req = np.asarray(request, dtype=bool)
    keep = on & (req | (np.asarray(tau_h, dtype=float) < np.asarray(min_run_time_h, dtype=float) - 1e-12))
    start = req & ~keep
    return keep | start, start


def start_lag_pu(tau_h, dt_h: float, start_delay_s) -> np.ndarray:
    """Share of a step a running generator still spends starting: ``clip((δ − τ) / dt, 0, 1)`` with δ the
    start-up delay [h] and τ its run time at the step's start [h] (0 in the step it starts). Its output in
    the step is ``(1 − lag) × load`` (:func:`run_backup_mw`); ``lag × load`` is bridged by the UPS."""
    delay_h = np.asarray(start_delay_s, dtype=float) / 3600.0
    return np.clip((delay_h - np.asarray(tau_h, dtype=float)) / dt_h, 0.0, 1.0)


@dataclass(frozen=True)
class BackupDispatch:
    """Result of a dispatch; arrays [steps, members] unless noted."""

    output_mw: np.ndarray     # average electrical output in the step [MW]
    running: np.ndarray       # bool: started (incl. the start-up delay) in the step
    unserved_mw: np.ndarray   # requested load not covered in the step (delay, capacity) [MW]
    starts: np.ndarray        # [members] number of starts


def _arrays(specs: list[BackupGeneratorSpec], name: str) -> np.ndarray:
    return np.array([getattr(s, name) for s in specs], dtype=float)


def run_backup_mw(request, load_mw, dt_h: float, capacity_mw, start_delay_s, min_run_time_h) -> BackupDispatch:
    """Run generators where ``request`` [steps, members] (bool) holds, covering ``load_mw`` up to capacity.

    A generator that is off starts at the first requested step (run time τ = 0 at the step's start). Its
    average output in a step is ``min(load, capacity) × f`` with ``f = clip((τ + dt − δ) / dt, 0, 1)`` the
    share of the step after the start-up delay δ = ``start_delay_s`` / 3600 [h]. It stays on while requested
    and, once started, until τ ≥ ``min_run_time_h`` (then still covering the site's load, which the grid
    serves otherwise). ``unserved_mw`` = load − output in requested steps. Units: MW, h, s.
    """
    req = np.asarray(request, dtype=bool)
    load = np.maximum(np.asarray(load_mw, dtype=float), 0.0)
    steps, m = req.shape
    load = np.broadcast_to(load, (steps, m))
    cap = np.broadcast_to(np.asarray(capacity_mw, dtype=float), (m,))
    delay_h = np.broadcast_to(np.asarray(start_delay_s, dtype=float), (m,)) / 3600.0
    min_run = np.broadcast_to(np.asarray(min_run_time_h, dtype=float), (m,))
    if dt_h <= 0:
        raise ValueError("dt_h must be positive")
    out = np.zeros((steps, m))
    running = np.zeros((steps, m), dtype=bool)
    tau = np.zeros(m)          # run time at the start of the step [h]
    on = np.zeros(m, dtype=bool)
    starts = np.zeros(m, dtype=int)
    for t in range(steps):
        on, start = step_running(on, tau, req[t], min_run)
        tau = np.where(on & ~start, tau, 0.0)
        starts += start
        share = np.clip((tau + dt_h - delay_h) / dt_h, 0.0, 1.0)
        out[t] = np.where(on, np.minimum(load[t], cap) * share, 0.0)
        running[t] = on
        tau = np.where(on, tau + dt_h, 0.0)
    unserved = np.where(req, load - out, 0.0)
    return BackupDispatch(output_mw=out, running=running, unserved_mw=unserved, starts=starts)


def contingency_dispatch(specs: list[BackupGeneratorSpec], outage, load_mw, dt_h: float) -> BackupDispatch:
    """Generators on a contingency: ``outage`` [steps, members] (bool) marks steps the site is off the grid;
    each covers its site's ``load_mw`` [steps, members] up to capacity after its start-up time."""
    return run_backup_mw(outage, load_mw, dt_h, _arrays(specs, "capacity_mw"), _arrays(specs, "start_up_time_s"),
                         _arrays(specs, "min_run_time_h"))


def dr_offer(specs: list[BackupGeneratorSpec], strategy: BackupStrategySpec) -> tuple[np.ndarray, np.ndarray]:
    """The DR offer of each generator: ``(quantity_mw, price_cny_per_mwh)`` = (capacity, fuel cost + margin);
    zero quantity for generators whose strategy does not take part in DR."""
    qty = _arrays(specs, "capacity_mw") * (strategy.kind == "contingency_and_dr")
    return qty, _arrays(specs, "fuel_cost_cny_per_mwh") + strategy.dr_margin_cny_per_mwh


def dr_dispatch(specs: list[BackupGeneratorSpec], strategy: BackupStrategySpec, event, event_price_cny_per_mwh,
                load_mw, dt_h: float) -> BackupDispatch:
    """Generators as a DR resource: run in the steps of a called ``event`` [steps] (bool) whose price
    [CNY/MWh] ([steps] or scalar: the DR payment per MWh of response) is at least the offer price, covering
    the site's load (no export) up to capacity; the start-up time beyond ``dr_notice_s`` delays the output."""
    qty, offer = dr_offer(specs, strategy)
    ev = np.asarray(event, dtype=bool)
    price = np.broadcast_to(np.asarray(event_price_cny_per_mwh, dtype=float), ev.shape)
    request = ev[:, None] & (price[:, None] >= offer[None, :]) & (qty[None, :] > 0)
    delay = np.maximum(_arrays(specs, "start_up_time_s") - strategy.dr_notice_s, 0.0)
    return run_backup_mw(request, load_mw, dt_h, _arrays(specs, "capacity_mw"), delay,
                         _arrays(specs, "min_run_time_h"))


def backup_accounting(specs: list[BackupGeneratorSpec], output_mw, dt_h: float) -> dict[str, np.ndarray]:
    """Energy [MWh], fuel cost [CNY] and CO2 [t] per generator of ``output_mw`` [steps, members]:
    ``E = Σ P dt``, ``cost = E × fuel_cost_cny_per_mwh``, ``CO2 = E × co2_t_per_mwh``."""
    energy = np.sum(np.asarray(output_mw, dtype=float), axis=0) * dt_h
    return {"energy_mwh": energy, "fuel_cost_cny": energy * _arrays(specs, "fuel_cost_cny_per_mwh"),
            "co2_t": energy * _arrays(specs, "co2_t_per_mwh")}
