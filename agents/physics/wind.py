"""Wind turbine output, wrapping windpowerlib (shipped OEDB power curves; no network access).

Sources: windpowerlib 0.2 (Haas et al., JOSS 2019): ``oedb/power_curves.csv`` and ``oedb/turbine_data.csv``
shipped in the installed package, ``power_output.power_curve`` (interpolation, zero outside the curve),
``power_output.power_curve_density_correction`` (IEC 61400-12-1 air-density correction, per step),
``density.barometric`` and ``temperature.linear_gradient`` (hub-height density), ``wind_speed.logarithmic_profile``
(log law). Target: DOMAIN.md "Wind" (Inner Mongolia capacity factor
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
    ``density_kg_m3`` [kg/m³] optional air density at hub height, a scalar or an array broadcast against the
    speeds (one value per step, e.g. from ``hub_air_density_kg_m3``); None = the standard density of the
    power curve (1.225).

    Equation: linear interpolation of the shipped power curve, zero below the first and above the last
    point (cut-out) — windpowerlib.power_output.power_curve. With a density the curve speeds are shifted as in
    windpowerlib.power_output.power_curve_density_correction (IEC 61400-12-1 density normalisation, exponent
    after Svenningsen 2010): ``v_site = v_std · (1.225 / rho)^p(v_std)``, p = 1/3 (v ≤ 7.5), v/15 − 1/6
    (7.5–12.5), 2/3 (≥ 12.5). windpowerlib loops over the steps; here the shifted curves of all steps are
    interpolated at once ([steps, curve points]).
    """
    from windpowerlib.power_output import power_curve as wpl_power_curve

    speeds, pu = power_curve(turbine_type)
    v = np.asarray(wind_speed_hub_m_s, dtype=float)
    if density_kg_m3 is None:
        out = wpl_power_curve(v.ravel(), speeds, pu, density_correction=False)
        return np.asarray(out, dtype=float).reshape(v.shape)
    rho = np.asarray(density_kg_m3, dtype=float)
    shape = np.broadcast_shapes(v.shape, rho.shape)
    curve_v = density_corrected_curve_m_s(np.broadcast_to(rho, shape).ravel(), turbine_type)
    return power_on_curves_pu(np.broadcast_to(v, shape).ravel(), curve_v, turbine_type).reshape(shape)


def density_corrected_curve_m_s(density_kg_m3, turbine_type: str = DEFAULT_TURBINE) -> np.ndarray:
    """Power-curve speeds shifted to the air density of every step.

    Returns ``curve_v_m_s`` [m/s] of shape ``density.shape + (points,)``: the wind speeds at which the turbine
    gives the power values of its standard curve (``power_curve``) in air of that density. Farms of one site,
    hub height and turbine type share it (computed once per site). Equation: see ``wind_power_pu``.
    """
    speeds, _ = power_curve(turbine_type)
    rho = np.asarray(density_kg_m3, dtype=float)
    exponent = np.clip(speeds / 15.0 - 1.0 / 6.0, 1.0 / 3.0, 2.0 / 3.0)
    return speeds * (STANDARD_DENSITY_KG_M3 / rho[..., None]) ** exponent


def power_on_curves_pu(wind_speed_hub_m_s, curve_v_m_s, turbine_type: str = DEFAULT_TURBINE) -> np.ndarray:
    """Output [-] for speeds [m/s] on per-step shifted curves [steps, points] (``density_corrected_curve_m_s``).

    Linear interpolation in each step's curve, zero below its first and above its last point, as
    ``np.interp(v, curve_v, power, left=0, right=0)`` per step (windpowerlib's density correction).
    """
    _, pu = power_curve(turbine_type)
    v = np.asarray(wind_speed_hub_m_s, dtype=float).ravel()
    curve_v = np.asarray(curve_v_m_s, dtype=float).reshape(v.size, -1)
    out = np.empty(v.size)
    for a in range(0, v.size, _DENSITY_CHUNK):  # bounded [chunk, points] temporaries
        out[a:a + _DENSITY_CHUNK] = _interp_rows(v[a:a + _DENSITY_CHUNK], curve_v[a:a + _DENSITY_CHUNK], pu)
    return out


_DENSITY_CHUNK = 4096


def _interp_rows(v: np.ndarray, curve_v: np.ndarray, curve_p: np.ndarray) -> np.ndarray:
    """``np.interp(v[i], curve_v[i], curve_p, left=0, right=0)`` for every row i at once."""
    n = curve_v.shape[1]
    i = (v[:, None] >= curve_v).sum(axis=1) - 1  # last curve point at or below v
    lo = np.clip(i, 0, n - 2)
    rows = np.arange(v.size)
    x0, x1 = curve_v[rows, lo], curve_v[rows, lo + 1]
    p = curve_p[lo] + (curve_p[lo + 1] - curve_p[lo]) * (v - x0) / (x1 - x0)
    p = np.where(i == n - 1, np.where(v == curve_v[:, -1], curve_p[-1], 0.0), p)
    return np.where(i < 0, 0.0, p)


def hub_air_density_kg_m3(pressure_pa, temp_2m_c, hub_height_m, pressure_height_m=0.0):
    """Air density at hub height for every step.

    Returns ``rho`` [kg/m³] (ndarray, shape of ``temp_2m_c``).

    Parameters: ``pressure_pa`` [Pa] station pressure (e.g. ``Weather.pressure_pa``, standard atmosphere at
    the site altitude); ``temp_2m_c`` [°C] air temperature at 2 m; ``hub_height_m`` [m]; ``pressure_height_m``
    [m] height of the pressure above ground.

    Equation (windpowerlib, as its ModelChain with ``temperature_model="linear_gradient"`` and
    ``density_model="barometric"``): ``T_hub = T_2m − 0.0065 · (h_hub − 2)`` (windpowerlib.temperature
    .linear_gradient) and ``rho = (p/100 − (h_hub − h_p)/8) · 1.225 · 288.15 · 100 / (101330 · T_hub)``
    (windpowerlib.density.barometric: −1 hPa per 8 m). Hohhot (1,063 m, 100 m hub) ≈ 1.18 at −11 °C, 1.04 at 23 °C.
    """
    from windpowerlib.density import barometric
    from windpowerlib.temperature import linear_gradient

    t_hub_k = linear_gradient(np.asarray(temp_2m_c, dtype=float) + 273.15, 2.0, float(hub_height_m))
    return np.asarray(barometric(np.asarray(pressure_pa, dtype=float), float(pressure_height_m),
                                 float(hub_height_m), t_hub_k), dtype=float)


def great_circle_km(lat1_deg, lon1_deg, lat2_deg, lon2_deg):
    """Great-circle distance [km] (haversine, mean Earth radius 6,371 km); broadcasts its arguments."""
    la1, lo1, la2, lo2 = (np.radians(np.asarray(x, dtype=float)) for x in (lat1_deg, lon1_deg, lat2_deg, lon2_deg))
    h = np.sin((la2 - la1) / 2.0) ** 2 + np.cos(la1) * np.cos(la2) * np.sin((lo2 - lo1) / 2.0) ** 2
    return 2.0 * 6371.0 * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def spatial_correlation(distance_km, length_km: float = 500.0, nugget_pu: float = 0.05):
    """Correlation of the (latent, Gaussian) hourly wind between two points at a distance.

    Returns ``corr`` [-]: 1 at distance 0 on the diagonal of a matrix (``distance_km`` exactly 0 where i = j is
    not distinguished from two farms at one point, so a square matrix gets its diagonal set to 1), else
    ``(1 − nugget) · exp(−d / L)``.

    Parameters: ``distance_km`` [km]; ``length_km`` [km] e-folding length L; ``nugget_pu`` [-] share of the
    variance that is local (terrain, wakes, sub-hourly gusts) and uncorrelated even between neighbours.

    Source: exponential decay of wind correlation with distance (Haslett & Raftery 1989, Appl. Statist. 38;
    Giebel 2000, "On the benefits of distributed generation of wind energy in Europe", VDI Fortschritt-Berichte
    6/444: hourly correlation over Europe decays over several hundred km). L = 500 km and the nugget are
    assumptions (docs/physics.md); a positive-definite kernel, so the correlation matrix has a Cholesky factor.
    """
    d = np.asarray(distance_km, dtype=float)
    corr = (1.0 - nugget_pu) * np.exp(-d / float(length_km))
    if corr.ndim == 2 and corr.shape[0] == corr.shape[1]:
        corr = corr.copy()
        np.fill_diagonal(corr, 1.0)
    return corr


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
