"""CO2 emission factors and accounting.

Sources (DOMAIN.md "Grid CO2 factors"): China national grid average 0.5306 tCO2/MWh (MEE 2023); regional grid
factors North China 0.6361, East China 0.5500, Northwest 0.5543; provincial 2022 factors Inner Mongolia
0.6849, Tianjin 0.7041, Qinghai 0.1567 (MEE/NBS announcement 2024); Espoo district heat ~118 g/kWh (Fortum
Espoo). Coal: 300.7 gce/kWh net supply coal consumption (CEC 2023), 2.66–2.77 tCO2 per tce.
"""

from __future__ import annotations

import numpy as np

GRID_CO2_T_PER_MWH: dict[str, float] = {
    "national": 0.5306,
    "north_china": 0.6361,
    "east_china": 0.5500,
    "northwest": 0.5543,
    "inner_mongolia": 0.6849,
    "tianjin": 0.7041,
    "qinghai": 0.1567,
    "espoo_dh": 0.118,
}

COAL_GCE_PER_KWH = 300.7  # grams of standard coal equivalent per kWh of coal-fired electricity
COAL_TCO2_PER_TCE_RANGE = (2.66, 2.77)
COAL_TCO2_PER_TCE = 0.5 * (COAL_TCO2_PER_TCE_RANGE[0] + COAL_TCO2_PER_TCE_RANGE[1])
#: tCO2 per MWh of coal-fired electricity: 300.7 gce/kWh = 0.3007 tce/MWh × 2.715 tCO2/tce ≈ 0.816.
COAL_CO2_T_PER_MWH = COAL_GCE_PER_KWH * 1e-3 * COAL_TCO2_PER_TCE


def co2_t(energy_mwh, factor_t_per_mwh):
    """Emissions of an energy quantity.

    Returns ``co2_t`` [tCO2]. Parameters: ``energy_mwh`` [MWh]; ``factor_t_per_mwh`` [tCO2/MWh].
    Equation: ``co2 = E * factor`` (GHG Protocol location-based accounting).
    """
    return np.asarray(energy_mwh, dtype=float) * np.asarray(factor_t_per_mwh, dtype=float)
