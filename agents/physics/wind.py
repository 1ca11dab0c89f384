"""Wind turbine output, wrapping windpowerlib (shipped OEDB power curves; no network access).

Sources: windpowerlib 0.2 (Haas et al., JOSS 2019): ``oedb/power_curves.csv`` and ``oedb/turbine_data.csv``
shipped in the installed package, ``power_output.power_curve`` (interpolation, zero outside the curve),
``wind_speed.logarithmic_profile`` (log law). Target: DOMAIN.md "Wind" (Inner Mongolia capacity factor
25–33 %).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import numpy as np

DEFAULT_TURBINE = "E-126/4200"
STANDARD_DENSITY_KG_M3 = 1.225  # density the OEDB power curves refer to (IEC 61400-12)


@lru_cache(maxsize=32)
def power_curve(turbine_type: str = DEFAULT_TURBINE) -> tuple[np.ndarray, np.ndarray]:
    """Shipped power curve of a turbine type.

    Returns ``(wind_speed_m_s, power_pu)`` read-only arrays: the curve points [m/s] and power as a fraction
    of the nominal power from ``turbine_data.csv`` [-].

    Parameters: ``turbine_type`` a ``turbine_type`` of windpowerlib's oedb/power_curves.csv (e.g.
    "E-126/4200", "V112/3300", "E-141/4200").
    """
    import pandas as pd
    import windpowerlib

    oedb = Path(windpowerlib.__file__).parent / "oedb"
    curves = pd.read_csv(oedb / "power_curves.csv", index_col=0)
    if turbine_type not in curves.index:
        raise KeyError(f"unknown turbine type {turbine_type!r} (see windpowerlib oedb/power_curves.csv)")
    row = curves.loc[turbine_type].dropna()
    speeds = row.index.astype(float).to_numpy()
    power_w = row.to_numpy(dtype=float)
    data = pd.read_csv(oedb / "turbine_data.csv", index_col=0)
    nominal_w = float(data.loc[turbine_type, "nominal_power"]) if turbine_type in data.index else float(power_w.max())
    if np.ndim(nominal_w) or not np.isfinite(nominal_w) or nominal_w <= 0:
        nominal_w = float(power_w.max())
    order = np.argsort(speeds)
    speeds, pu = speeds[order], power_w[order] / nominal_w
    speeds.flags.writeable = False
    pu.flags.writeable = False
    return speeds, pu


def wind_power_pu(wind_speed_hub_m_s, turbine_type: str = DEFAULT_TURBINE, density_kg_m3=None):
    """Turbine output as a fraction of nominal power.

    Returns ``power_pu`` [-] (ndarray, shape of the input).

    Parameters: ``wind_speed_hub_m_s`` [m/s] wind speed at hub height; ``turbine_type`` see power_curve;
    ``density_kg_m3`` [kg/m³] optional site air density (scalar, e.g. from ``air_density_kg_m3``); None = the
    standard density of the power curve (1.225).

    Equation: linear interpolation of the shipped power curve, zero below the first and above the last
    point (cut-out) — windpowerlib.power_output.power_curve. With a density the curve speeds are shifted as in
    windpowerlib.power_output.power_curve_density_correction:
    ``v_site = v_std · (1.225 / rho)^p(v_std)``, p = 1/3 (v ≤ 7.5), v/15 − 1/6 (7.5–12.5), 2/3 (≥ 12.5).
    """
    from windpowerlib.power_output import power_curve as wpl_power_curve

    speeds, pu = power_curve(turbine_type)
    v = np.asarray(wind_speed_hub_m_s, dtype=float)
    if density_kg_m3 is not None:
        exponent = np.clip(speeds / 15.0 - 1.0 / 6.0, 1.0 / 3.0, 2.0 / 3.0)
        speeds = speeds * (STANDARD_DENSITY_KG_M3 / float(density_kg_m3)) ** exponent
    out = wpl_power_curve(v.ravel(), speeds, pu, density_correction=False)
    return np.asarray(out, dtype=float).reshape(v.shape)


def air_density_kg_m3(altitude_m, temp_c=15.0):
    """Air density at a site.

    Returns ``rho`` [kg/m³]. Parameters: ``altitude_m`` [m] above sea level; ``temp_c`` [°C] air temperature.
    Equation: ``rho = p / (R_d · T)`` with ``p`` from the standard atmosphere (pvlib.atmosphere.alt2pres) and
    R_d = 287.058 J/(kg·K) (ideal gas, dry air). Hohhot (1,063 m, 6 °C): ≈ 1.11; Golmud (2,808 m, 5 °C): ≈ 0.90.
    """
    from pvlib.atmosphere import alt2pres

    pressure_pa = alt2pres(np.asarray(altitude_m, dtype=float))
    return pressure_pa / (287.058 * (np.asarray(temp_c, dtype=float) + 273.15))


def hub_height_wind_speed(v_ref_m_s, h_ref_m, h_hub_m, roughness_m):
    """Wind speed at hub height from a reference height with the logarithmic profile.

    Returns ``v_hub_m_s`` [m/s].

    Parameters: ``v_ref_m_s`` [m/s] at ``h_ref_m`` [m] (10 m for station data); ``h_hub_m`` [m] hub height;
    ``roughness_m`` [m] roughness length (0.03 open grassland/steppe, 0.1 farmland, 0.5+ suburbs).

    Equation: ``v_hub = v_ref · ln(h_hub / z0) / ln(h_ref / z0)`` (windpowerlib.wind_speed.logarithmic_profile,
    obstacle height 0).
    """
    from windpowerlib.wind_speed import logarithmic_profile

    v = np.asarray(v_ref_m_s, dtype=float)
    return np.asarray(logarithmic_profile(v, h_ref_m, h_hub_m, roughness_m), dtype=float)


def capacity_factor(power_pu):
    """Mean of a power series as a fraction of nameplate. Returns ``cf`` [-]; ``power_pu`` [-]."""
    return np.mean(np.asarray(power_pu, dtype=float), axis=-1)
