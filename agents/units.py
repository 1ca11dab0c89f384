"""One table of quantities: name → (unit, kind). The authority for every legend, axis, form label and KPI table.

Names carry their unit as a suffix (DESIGN.md "Naming and units": ``_mw``, ``_cny_per_mwh``, ``_c`` …); bare
ratios and counts (``pue``, ``cop``, ``erf``, ``ref``, ``steps``) are listed by name. ``unit_of(name)`` looks a
name up: an explicit entry first, else the longest matching suffix; ``KeyError`` when neither knows the name,
so a new quantity without a unit fails the tests (tests/test_units.py) instead of showing a bare number.

Kinds group quantities for presentation: ``power``, ``energy``, ``price``, ``money``, ``share`` (a fraction
0…1, shown as a percentage), ``ratio`` (dimensionless, shown as is), ``count``, ``flag`` (yes/no), ``text`` and the
physical kinds below. Units are SI/engineering symbols, the same in every language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import NamedTuple


class Quantity(NamedTuple):
    unit: str  # symbol shown next to a value ("" for dimensionless)
    kind: str  # presentation group, see the module docstring


# Suffix → quantity. Matched longest first, so "_cny_per_mwh" wins over "_mwh" and "_mw_per_c" over "_c".
SUFFIXES: dict[str, Quantity] = {
    "_cny_per_mwh": Quantity("CNY/MWh", "price"),
    "_cny_per_mw_h": Quantity("CNY/(MW·h)", "price"),  # reserve capacity price (per MW held per hour)
    "_cny_per_mw": Quantity("CNY/MW", "specific_cost"),
    "_cny_per_t": Quantity("CNY/t", "price"),
    "_cny_per_mw_year": Quantity("CNY/(MW·a)", "price"),  # contract capacity payments (agents.contract_types)
    "_cny_per_mw_month": Quantity("CNY/(MW·month)", "price"),
    "_cny_per_year": Quantity("CNY/a", "money_rate"),
    "_mwh_per_year": Quantity("MWh/a", "energy_rate"),
    "_cny": Quantity("CNY", "money"),
    "_mwh_per_eflop": Quantity("MWh/EFLOP", "energy_intensity"),
    "_mwh_th": Quantity("MWh", "energy"),  # heat (heat tank fields)
    "_mwh": Quantity("MWh", "energy"),
    "_mw_per_c": Quantity("MW/°C", "sensitivity"),
    "_mw_per_k": Quantity("MW/K", "heat_transfer"),
    "_kwh_per_m2_yr": Quantity("kWh/(m²·a)", "energy_intensity"),
    "_mw_th": Quantity("MW", "power"),  # heat flow (heat tank fields)
    "_mw": Quantity("MW", "power"),
    "_mva": Quantity("MVA", "apparent_power"),
    "_kw": Quantity("kW", "power"),
    "_w_per_m2": Quantity("W/m²", "power_density"),
    "_kgco2_per_kwh": Quantity("kgCO₂/kWh", "emission_factor"),
    "co2_t_per_mwh": Quantity("tCO₂/MWh", "emission_factor"),
    "co2_t": Quantity("tCO₂", "emissions"),
    "_t": Quantity("t", "mass"),
    "_l_per_kwh": Quantity("L/kWh", "water_intensity"),
    "_m3": Quantity("m³", "volume"),
    "_m2": Quantity("m²", "area"),
    "_m": Quantity("m", "length"),
    "_c": Quantity("°C", "temperature"),
    "_deg": Quantity("°", "angle"),
    "_pu_per_h": Quantity("pu/h", "ramp"),
    "_pu": Quantity("pu", "share"),
    "_share": Quantity("", "share"),
    "_matched": Quantity("", "share"),
    "_hz_per_s": Quantity("Hz/s", "rocof"),
    "_hz": Quantity("Hz", "frequency"),
    "_h": Quantity("h", "duration"),
    "_s": Quantity("s", "duration"),
    "_years": Quantity("a", "duration"),
    "_pflops": Quantity("PFLOPS", "compute_rate"),
    "_eflop": Quantity("EFLOP", "compute_work"),
    "_gflops_per_w": Quantity("GFLOPS/W", "compute_efficiency"),
    "_ratio": Quantity("", "ratio"),
    "_efficiency": Quantity("", "share"),
    "_count": Quantity("", "count"),
    "_events": Quantity("", "count"),
    "_dips": Quantity("", "count"),
    "_basis": Quantity("", "text"),  # a KPI that may be empty (None) or a word, e.g. heat_recovery_payback_basis
    "_owner": Quantity("", "text"),  # heat_pump_owner: "data_center", "heat_utility", … or None
}

# Names without a unit suffix: ISO/IEC 30134 ratios, coordinates, counts, identifiers.
NAMES: dict[str, Quantity] = {
    "pue": Quantity("", "ratio"),  # ISO/IEC 30134-2
    "ref": Quantity("", "share"),  # ISO/IEC 30134-3
    "erf": Quantity("", "share"),  # ISO/IEC 30134-6
    "ere": Quantity("", "ratio"),  # The Green Grid WP #29
    "cue": Quantity("kgCO₂/kWh", "emission_factor"),  # ISO/IEC 30134-8
    "wue": Quantity("L/kWh", "water_intensity"),  # ISO/IEC 30134-9
    "cop": Quantity("", "ratio"),
    "lat": Quantity("°N", "latitude"),
    "lon": Quantity("°E", "longitude"),
    "steps": Quantity("", "count"),
    "seed": Quantity("", "count"),
    "schema_version": Quantity("", "count"),
    "count": Quantity("", "count"),
    "racks": Quantity("", "count"),
    "eta_charge": Quantity("", "share"),
    "eta_discharge": Quantity("", "share"),
    "renewable_share": Quantity("", "share"),
    "dc_share_of_electricity_demand": Quantity("", "share"),
    "transfer_after_dips": Quantity("", "count"),
    # demand-response programs and storage strategies (agents.markets.demand_response, agents.strategies)
    "capacity_payment_cny_per_kw_month": Quantity("CNY/(kW·month)", "price"),
    "max_events_per_month": Quantity("", "count"),
    "penalty_cny_per_mwh_short": Quantity("CNY/MWh", "price"),
    "cycle_limit_per_window": Quantity("", "count"),
    "every_steps": Quantity("", "count"),  # decision points: stop every N steps
    # demand-response results (kpis.json "demand_response", agents.dr_desk): step indices of an event
    "start_step": Quantity("", "count"),
    "end_step": Quantity("", "count"),
    "notified_step": Quantity("", "count"),
    # cold storage of a data center (agents.strategies.dc_cooling.ColdStorageSpec): quantiles of the day's cold price
    "charge_quantile": Quantity("", "share"),
    "discharge_quantile": Quantity("", "share"),
    # storage reserve (agents.markets.reserve): price per MW of reserve held per hour, CNY/(MW·h) = CNY/MWh
    "reserve_price_cny_per_mwh": Quantity("CNY/(MW·h)", "price"),
}

# Prefixes of yes/no KPIs ("meets_80pct_renewable_hourly").
FLAG_PREFIXES = ("meets_", "is_", "has_")
FLAG = Quantity("", "flag")

_BY_LENGTH = sorted(SUFFIXES.items(), key=lambda kv: -len(kv[0]))


def unit_of(name: str) -> Quantity:
    """The unit and kind of a quantity name; ``KeyError`` when the table does not know it."""
    if name in NAMES:
        return NAMES[name]
    if name.startswith(FLAG_PREFIXES):
        return FLAG
    for suffix, quantity in _BY_LENGTH:
        if name.endswith(suffix):
            return quantity
    raise KeyError(f"no unit for quantity {name!r}: give it a unit suffix or an entry in agents.units.NAMES")


def units_for(names: Iterable[str]) -> dict[str, dict[str, str]]:
    """``{name: {"unit": …, "kind": …}}`` of every name the table knows (unknown names are left out)."""
    out: dict[str, dict[str, str]] = {}
    for name in names:
        try:
            q = unit_of(name)
        except KeyError:
            continue
        out[name] = {"unit": q.unit, "kind": q.kind}
    return out


def kpi_names(kpis: Mapping) -> set[str]:
    """Every numeric, yes/no or empty KPI key of a ``compute_kpis`` result (region, agents, contracts)."""
    names: set[str] = set()

    def take(block: Mapping) -> None:
        for key, value in block.items():
            if isinstance(value, Mapping):
                take(value)  # nested KPIs (per import line …): their leaf names
            elif value is None or isinstance(value, (bool, int, float)):
                names.add(key)

    take(kpis.get("region") or {})
    take(kpis.get("demand_response") or {})  # per program / event / aggregator / participant / party
    for group in ("agents", "contracts"):
        for block in (kpis.get(group) or {}).values():
            take(block)
    return names
