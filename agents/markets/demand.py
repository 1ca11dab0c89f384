"""Demand of the region outside the modelled data centers (homes, industry, services)."""

from __future__ import annotations

import numpy as np

PEAK_HOUR_OF_OTHER_LOAD = 19.0  # evening peak of aggregated non-DC demand [h local]
COOLING_BALANCE_C = 24.0  # air conditioning starts above this outdoor temperature [°C]
HEATING_BALANCE_C = 5.0  # electric heating starts below this outdoor temperature [°C]


def other_load_mw(mean_mw, daily_swing_pu, cooling_mw_per_c, heating_mw_per_c, hour_of_day, temp_c):
    """Non-data-center demand [MW] per step.

    ``P = mean·(1 + swing·cos(2π(h − 19)/24)) + k_cool·max(0, T − 24) + k_heat·max(0, 5 − T)`` with mean
    [MW], swing [-], k_cool/k_heat [MW/°C], local hour h [h] and outdoor temperature T [°C]: a diurnal shape
    with an evening peak plus temperature-sensitive air-conditioning and heating load (assumption,
    documented in docs/model.md; typical of Chinese provincial load curves).
    """
    h = np.asarray(hour_of_day, dtype=float)
    t = np.asarray(temp_c, dtype=float)
    base = mean_mw * (1.0 + daily_swing_pu * np.cos(2.0 * np.pi * (h - PEAK_HOUR_OF_OTHER_LOAD) / 24.0))
    weather = cooling_mw_per_c * np.maximum(0.0, t - COOLING_BALANCE_C) + heating_mw_per_c * np.maximum(
        0.0, HEATING_BALANCE_C - t)
    return np.maximum(base + weather, 0.0)
