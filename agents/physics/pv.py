"""Photovoltaic output per kWp, wrapping pvlib (solar position, transposition, cell temperature, PVWatts).

Sources: pvlib-python (Holmgren et al., JOSS 2018) — ``solarposition.get_solarposition`` (ephemeris),
``irradiance.get_total_irradiance`` (Hay–Davies sky diffuse), ``iam.ashrae``, ``temperature.sapm_cell``
(open rack, glass/polymer), ``pvsystem.pvwatts_dc`` and ``inverter.pvwatts`` (NREL PVWatts v5, Dobos 2014).
Targets: DOMAIN.md "PV" specific yields (Shanghai ~1,050 … Golmud ~1,770 kWh/kWp).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pandas as pd

NS_PER_HOUR = 3_600_000_000_000


@contextmanager
def quiet_pvlib():
    """Silence pandas deprecation warnings raised inside pvlib 0.16 (``DatetimeIndex.dayofyear``)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*dayofyear.*", category=DeprecationWarning)
        yield


def optimal_tilt_deg(lat_deg):
    """Near-optimal fixed tilt for annual yield.

    Returns ``tilt_deg`` [deg]. Parameters: ``lat_deg`` [deg] latitude (northern hemisphere positive).
    Equation: ``tilt = 0.76 |lat| + 3.1`` for |lat| ≤ 50°, then flattening to ``0.5 |lat| + 16``
    (Jacobson & Jadhav, Solar Energy 169, 2018, fit to PVWatts optima).
    """
    lat = np.abs(np.asarray(lat_deg, dtype=float))
    return np.where(lat <= 50.0, 0.76 * lat + 3.1, 0.5 * lat + 16.1)


def pv_power_pu(
    times_utc,
    lat,
    lon,
    ghi_w_m2,
    dni_w_m2,
    dhi_w_m2,
    temp_air_c,
    wind_speed_m_s,
    tilt_deg,
    azimuth_deg=180.0,
    system_loss=0.14,
    altitude_m=0.0,
    dc_ac_ratio=1.2,
    gamma_pdc_per_degc=-0.0035,
    albedo=0.2,
    dt_h=None,
):
    """AC output of a fixed-tilt PV system per kWp of DC nameplate.

    Returns ``power_pu`` [kW AC per kWp DC, 0..~0.85] (ndarray, one value per time; 2-D inputs with time on
    the last axis are not supported — call once per plant or broadcast the pu result by capacity).

    Parameters: ``times_utc`` datetime64 [UTC], start of each step (solar geometry is evaluated at mid-step,
    ``dt_h`` [h] gives the step, else the spacing of ``times_utc``; a single time without ``dt_h`` is evaluated
    as is); ``lat``, ``lon`` [deg];
    ``ghi_w_m2``, ``dni_w_m2``, ``dhi_w_m2`` [W/m²]; ``temp_air_c`` [°C]; ``wind_speed_m_s`` [m/s];
    ``tilt_deg`` [deg]; ``azimuth_deg`` [deg] (180 = south); ``system_loss`` [-] PVWatts lumped losses
    (soiling, mismatch, wiring, availability; 0.14); ``altitude_m`` [m]; ``dc_ac_ratio`` [-] DC/AC sizing;
    ``gamma_pdc_per_degc`` [1/°C] power temperature coefficient; ``albedo`` [-] ground reflectance.

    Equations: POA = beam·cos(aoi)·IAM + Hay–Davies sky diffuse + ground reflected;
    ``T_cell`` = SAPM(POA, T_air, wind); ``P_dc = POA/1000 · (1 + γ (T_cell − 25)) · (1 − loss)``;
    ``P_ac`` = PVWatts inverter (η_nom 0.96) clipped at ``1/dc_ac_ratio``.
    """
    import pvlib

    t = np.atleast_1d(np.asarray(times_utc, dtype="datetime64[ns]")).astype(np.int64)
    if dt_h is not None:
        half_step_ns = round(dt_h * NS_PER_HOUR) // 2
    else:
        half_step_ns = int(np.median(np.diff(t))) // 2 if t.size > 1 else 0
    mid = pd.DatetimeIndex((t + half_step_ns).astype("datetime64[ns]"), tz="UTC")
    pressure = pvlib.atmosphere.alt2pres(altitude_m)
    with quiet_pvlib():
        solpos = pvlib.solarposition.get_solarposition(mid, lat, lon, method="ephemeris", pressure=pressure)
    zenith = solpos["apparent_zenith"].to_numpy()
    azimuth = solpos["azimuth"].to_numpy()
    dni = np.asarray(dni_w_m2, dtype=float) * np.ones_like(zenith)
    ghi = np.asarray(ghi_w_m2, dtype=float) * np.ones_like(zenith)
    dhi = np.asarray(dhi_w_m2, dtype=float) * np.ones_like(zenith)
    dni_extra = pvlib.irradiance.get_extra_radiation(mid.day_of_year.to_numpy())
    aoi = pvlib.irradiance.aoi(tilt_deg, azimuth_deg, zenith, azimuth)
    poa = pvlib.irradiance.get_total_irradiance(
        tilt_deg, azimuth_deg, zenith, azimuth, dni, ghi, dhi, dni_extra=dni_extra, albedo=albedo, model="haydavies"
    )
    iam = pvlib.iam.ashrae(aoi, b=0.05)
    poa_direct = np.nan_to_num(np.asarray(poa["poa_direct"], dtype=float)) * np.nan_to_num(np.asarray(iam, dtype=float))
    poa_diffuse = np.nan_to_num(np.asarray(poa["poa_diffuse"], dtype=float))
    poa_eff = np.maximum(poa_direct + poa_diffuse, 0.0)
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
    temp_cell = pvlib.temperature.sapm_cell(poa_eff, temp_air_c, wind_speed_m_s, **params)
    pdc = pvlib.pvsystem.pvwatts_dc(poa_eff, temp_cell, 1.0, gamma_pdc_per_degc) * (1.0 - system_loss)
    eta_nom = 0.96
    pac = pvlib.inverter.pvwatts(np.asarray(pdc, dtype=float), pdc0=1.0 / dc_ac_ratio / eta_nom, eta_inv_nom=eta_nom)
    return np.clip(np.nan_to_num(np.asarray(pac, dtype=float)), 0.0, None)


def specific_yield_kwh_per_kwp(power_pu, dt_h):
    """Energy yield per kWp of a PV output series.

    Returns ``yield_kwh_per_kwp`` [kWh/kWp]. Parameters: ``power_pu`` [kW/kWp]; ``dt_h`` [h].
    Equation: ``Y = Σ p_i · dt_h``.
    """
    return np.sum(np.asarray(power_pu, dtype=float), axis=-1) * dt_h
