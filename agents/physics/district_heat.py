"""District heating: degree days, heating seasons, space-heat and hot-water demand, network losses.

Sources: DOMAIN.md "District heating" (northern China ~106 kWh/m² per season at 40–65 W/m² design load;
losses 8–20 % of delivered heat; seasons Hohhot 15 Oct–15 Apr, Tianjin 15 Nov–15 Mar; HDD base 18 °C).
Degree-day method: ASHRAE Handbook Fundamentals ch. 14 / CMA GB/T 50736 heating design practice.
Domestic hot water (DHW): daily draw profile after the measured Finnish apartment profiles of Ahmed, Pylsy &
Kurnitski, *Hourly consumption profiles of domestic hot water for different occupant groups in dwellings*,
Solar Energy 137 (2016) 516–530 (two peaks, morning and evening). Pipe losses: heat flows from the carrier to
the ground in proportion to their temperature difference, whatever the demand (Frederiksen & Werner,
*District Heating and Cooling*, 2013, ch. 6 "heat distribution": q = U·(T_mean − T_ground) per trench metre).
"""

from __future__ import annotations

import numpy as np

HOURS_PER_DAY = 24.0
HOURS_PER_YEAR = 8760.0
# Hourly share of a day's hot-water heat (local hour 0–23), normalised below to a mean of 1: night minimum,
# morning peak 7–8 h, evening peak 19–21 h — the shape of the >50-occupant group of Ahmed et al. (2016), rounded.
_DHW_HOURLY_SHAPE = np.array([1.5, 0.8, 0.5, 0.4, 0.5, 1.2, 3.5, 6.0, 6.0, 5.0, 4.5, 4.3,
                              4.3, 4.0, 3.8, 3.9, 4.3, 5.2, 6.0, 6.6, 6.9, 6.5, 5.0, 3.0])
DHW_DAILY_PROFILE_PU = _DHW_HOURLY_SHAPE / _DHW_HOURLY_SHAPE.mean()


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


def dhw_demand_mw(hour_of_day, floor_area_m2, dhw_kwh_per_m2_yr, operating=True):
    """Domestic hot-water heat drawn by the buildings on a network.

    Returns ``dhw_mw`` [MW]. Parameters: ``hour_of_day`` [h] local clock hour (fractional for sub-hourly
    steps); ``floor_area_m2`` [m²]; ``dhw_kwh_per_m2_yr`` [kWh/(m²·a)] annual hot-water heat per m²
    (Finnish building code D3/2012 and decree 1010/2017: 600 L/(m²·a) in apartment buildings heated by 50 K
    → ≈ 35 kWh/(m²·a); offices ~100 L/(m²·a) → ≈ 6); ``operating`` bool (array): the network delivers.

    Equation: ``Q = A · e / 8760 h · profile(hour) / 1000`` with ``DHW_DAILY_PROFILE_PU`` (mean 1, Ahmed et al.
    2016), so a year of operation delivers ``A · e``. Flat over the year (the measured ±10–15 % seasonal swing is
    not modelled).
    """
    hour = np.floor(np.asarray(hour_of_day, dtype=float)).astype(int) % 24
    mean_mw = np.asarray(floor_area_m2, dtype=float) * np.asarray(dhw_kwh_per_m2_yr, dtype=float) / HOURS_PER_YEAR / 1e3
    return mean_mw * DHW_DAILY_PROFILE_PU[hour] * np.asarray(operating, dtype=float)


def network_mean_temp_c(supply_temp_c, return_temp_c):
    """Mean temperature of a two-pipe network [°C]: ``(T_supply + T_return) / 2`` (Frederiksen & Werner 2013)."""
    return (np.asarray(supply_temp_c, dtype=float) + np.asarray(return_temp_c, dtype=float)) / 2.0


def network_loss_mw(delivered_mw, loss_fraction, ua_mw_per_k=0.0, network_temp_c=0.0, ground_temp_c=0.0,
                    operating=True):
    """Heat lost in the network while delivering ``delivered_mw`` to buildings.

    Returns ``loss_mw`` [MW]; the plants must supply ``delivered + loss``.

    Parameters: ``delivered_mw`` [MW]; ``loss_fraction`` [-] part proportional to delivered heat (DOMAIN.md:
    annual losses 8–20 % of delivered heat); ``ua_mw_per_k`` [MW/K] heat-loss coefficient of the pipes;
    ``network_temp_c`` [°C] mean carrier temperature (network_mean_temp_c); ``ground_temp_c`` [°C];
    ``operating`` bool (array): the network is filled and hot (no loss while it is shut down).

    Equation: ``loss = delivered · f + UA · max(0, T_network − T_ground) · operating``. The second, fixed part
    does not depend on the demand: a network in summer mode loses heat with no space-heating load
    (Frederiksen & Werner 2013, ch. 6; relative losses are therefore highest in summer).
    """
    f = np.asarray(loss_fraction, dtype=float)
    if np.any((f < 0.0) | (f >= 1.0)):
        raise ValueError("loss_fraction must be in [0, 1)")
    ua = np.asarray(ua_mw_per_k, dtype=float)
    if np.any(ua < 0.0):
        raise ValueError("ua_mw_per_k must be ≥ 0")
    fixed = ua * np.maximum(0.0, np.asarray(network_temp_c, dtype=float) - np.asarray(ground_temp_c, dtype=float))
    return np.asarray(delivered_mw, dtype=float) * f + fixed * np.asarray(operating, dtype=float)
