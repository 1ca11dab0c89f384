"""District heating: degree days, heating seasons, space-heat demand and network losses.

Sources: DOMAIN.md "District heating" (northern China ~106 kWh/m² per season at 40–65 W/m² design load;
losses 8–20 % of delivered heat; seasons Hohhot 15 Oct–15 Apr, Tianjin 15 Nov–15 Mar; HDD base 18 °C).
Degree-day method: ASHRAE Handbook Fundamentals ch. 14 / CMA GB/T 50736 heating design practice.
"""

from __future__ import annotations

import numpy as np

HOURS_PER_DAY = 24.0


def heating_degree_hours(temp_c, dt_h, base_c=18.0):
    """Total heating degree-hours of a temperature series.

    Returns ``hdh`` [K·h] summed over the last axis.

    Parameters: ``temp_c`` [°C] series at steps of ``dt_h`` [h]; ``base_c`` [°C] base temperature.

    Equation: ``HDH = Σ max(0, base - t_i) * dt_h``.
    """
    t = np.asarray(temp_c, dtype=float)
    return np.sum(np.maximum(0.0, base_c - t), axis=-1) * dt_h


def heating_degree_days(temp_c, dt_h, base_c=18.0):
    """Total heating degree-days from daily mean temperatures (standard definition).

    Returns ``hdd`` [K·d] summed over the last axis.

    Parameters: ``temp_c`` [°C] series at steps of ``dt_h`` [h] (24 / dt_h must be an integer); ``base_c`` [°C].

    Equation: consecutive 24-h blocks from the first step give daily means ``T_d``;
    ``HDD = Σ_d max(0, base - T_d)``; a trailing partial day counts with weight (its hours / 24).
    Source: ASHRAE Fundamentals ch. 14 (daily-mean degree days; DOMAIN.md figures use base 18 °C).
    """
    t = np.asarray(temp_c, dtype=float)
    per_day = HOURS_PER_DAY / dt_h
    steps_per_day = round(per_day)
    if abs(per_day - steps_per_day) > 1e-9:
        raise ValueError("24 / dt_h must be an integer")
    n = t.shape[-1]
    full = n // steps_per_day
    days = t[..., : full * steps_per_day].reshape(*t.shape[:-1], full, steps_per_day).mean(axis=-1)
    hdd = np.sum(np.maximum(0.0, base_c - days), axis=-1)
    if n > full * steps_per_day:
        tail = t[..., full * steps_per_day :]
        hdd = hdd + np.maximum(0.0, base_c - tail.mean(axis=-1)) * tail.shape[-1] / steps_per_day
    return hdd


def in_heating_season(times, start_month_day=(10, 15), end_month_day=(4, 15)):
    """Whether each time falls inside the municipal heating season (both ends inclusive).

    Returns ``in_season`` (bool ndarray).

    Parameters: ``times`` numpy datetime64 array, in *local* time (convert UTC first, see
    agents.weather.local_time_fields); ``start_month_day`` / ``end_month_day`` (month, day). A season that
    wraps the new year (start after end) is handled. Defaults: Hohhot 15 Oct–15 Apr; Tianjin uses
    (11, 15)–(3, 15) (DOMAIN.md).
    """
    t = np.asarray(times, dtype="datetime64[ns]")
    month = t.astype("datetime64[M]").astype(np.int64) % 12 + 1
    day = (t.astype("datetime64[D]") - t.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64) + 1
    md = month * 100 + day
    start = start_month_day[0] * 100 + start_month_day[1]
    end = end_month_day[0] * 100 + end_month_day[1]
    if start <= end:
        return (md >= start) & (md <= end)
    return (md >= start) | (md <= end)


def space_heat_demand_mw(temp_c, floor_area_m2, design_load_w_per_m2, design_temp_c, base_c=18.0, in_season=True):
    """Space-heating demand of the buildings on a network (heat to be delivered to buildings).

    Returns ``heat_demand_mw`` [MW].

    Parameters: ``temp_c`` [°C] outdoor temperature; ``floor_area_m2`` [m²] heated floor area;
    ``design_load_w_per_m2`` [W/m²] load at the design temperature (40–65 in northern China);
    ``design_temp_c`` [°C] heating design outdoor temperature (e.g. Hohhot −17, Tianjin −7.0, GB 50736);
    ``base_c`` [°C] balance temperature; ``in_season`` bool (array) — zero outside the heating season.

    Equation: ``Q = A * q_design * max(0, base - t) / (base - t_design) * in_season / 1e6`` (degree-hour
    method; demand keeps rising below the design temperature). Source: DOMAIN.md "District heating".
    """
    t = np.asarray(temp_c, dtype=float)
    scale = np.maximum(0.0, base_c - t) / (base_c - np.asarray(design_temp_c, dtype=float))
    q_w = np.asarray(floor_area_m2, dtype=float) * np.asarray(design_load_w_per_m2, dtype=float) * scale
    return q_w * np.asarray(in_season, dtype=float) / 1e6


def annual_specific_demand_kwh_per_m2(temp_c, dt_h, design_load_w_per_m2, design_temp_c, base_c=18.0, in_season=True):
    """Seasonal space-heat demand per m² of floor area.

    Returns ``demand_kwh_per_m2`` [kWh/m²] over the series (last axis).

    Parameters: as space_heat_demand_mw, with ``dt_h`` [h] step length.
    Equation: ``Σ q_design * max(0, base - t) / (base - t_design) * in_season * dt_h / 1000``.
    Reference: northern China ~106 kWh/m² per season (DOMAIN.md).
    """
    q_mw_per_m2 = space_heat_demand_mw(temp_c, 1.0, design_load_w_per_m2, design_temp_c, base_c, in_season)
    return np.sum(q_mw_per_m2, axis=-1) * dt_h * 1e3


def network_loss_mw(delivered_mw, loss_fraction):
    """Heat lost in the network while delivering ``delivered_mw`` to buildings.

    Returns ``loss_mw`` [MW]; the plants must supply ``delivered + loss``.

    Parameters: ``delivered_mw`` [MW]; ``loss_fraction`` [-] losses as a share of delivered heat (0.08–0.20).
    Equation: ``loss = delivered * loss_fraction``. Source: DOMAIN.md "District heating".
    """
    f = np.asarray(loss_fraction, dtype=float)
    if np.any((f < 0.0) | (f >= 1.0)):
        raise ValueError("loss_fraction must be in [0, 1)")
    return np.asarray(delivered_mw, dtype=float) * f
