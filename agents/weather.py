"""Weather years for the twin's regions: calibrated, seeded synthesis of hourly (or 15-min) series.

No weather files are shipped: each year is synthesised from climate normals (sources on ``Site``) with
pvlib's clear-sky model and a seeded stochastic cloud, temperature and wind process, calibrated so heating
degree days and PV specific yields land within ±10 % of DOMAIN.md (tests/physics/test_weather.py).

Conventions: ``times_utc`` label the *start* of each step; irradiance, temperature and wind are the
values at the middle of the step (a proxy for the step mean). Energy = power × ``dt_h``.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache

import numpy as np
import pandas as pd

from agents.physics import psychrometrics
from agents.physics.pv import quiet_pvlib
from agents.reductions import dot, row_dot

NS_PER_HOUR = 3_600_000_000_000


@dataclass(frozen=True)
class Site:
    """Climate of one region (monthly arrays run January … December).

    Sources of the normals (rounded):
    - Shanghai (Xujiahui/Baoshan 58362), Tianjin (54527), Hohhot (53463), Golmud (52818): China
      Meteorological Administration, China surface climate normals 1991–2020 (temperature, diurnal range,
      10-m wind, sunshine percentage), as republished in WMO 1991–2020 climatological standard normals.
    - Espoo: Finnish Meteorological Institute, 1991–2020 normals for Helsinki-Vantaa / Espoo Tapiola.
    - Hohhot *wind* represents the wind-farm plateau north of the city (Huitengxile / Ulanqab, 10-m mean
      ~5 m/s, Chinese Wind Energy Association resource atlas); the urban station (~2 m/s) is not where the
      turbines stand. The monthly shape is the station's; the level (annual mean 4.8 m/s) is an assumption
      calibrated so an E-126/4200 at 100 m *with the site's air density at hub height in every step* gives a
      capacity factor of 25–33 % (DOMAIN.md): 29 % on average over seeds 1–8 and farms (range 27–31 %).
    - ``clear_sky_index`` = monthly mean of GHI / clear-sky GHI, from the sunshine percentage via
      Ångström–Prescott (kc ≈ 0.33 + 0.67 s), then scaled per site by ``clear_sky_scale`` so the PV specific
      yield matches DOMAIN.md within ±10 %.
    - ``rh_normals_pu``: monthly mean relative humidity from the same normals (CMA 1991–2020; FMI 1991–2020
      for Espoo), rounded to 1 %; drives the wet-bulb temperature of evaporative cooling.
    - The national hub sites (Zhangjiakou, Shaoguan, Chengdu, Guiyang, Qingyang, Zhongwei, Wuhan, Jinan) carry
      rounded CMA 1991–2020 normals of their city stations for the national benchmark twin; they are not
      calibrated to a DOMAIN.md yield or degree-day target (``clear_sky_scale`` 1).
    """

    key: str
    name: str
    lat: float
    lon: float
    altitude_m: float
    tz: str
    temp_normals_c: tuple[float, ...]
    diurnal_range_c: tuple[float, ...]
    wind_mean_10m_m_s: tuple[float, ...]
    weibull_k: float
    sunshine_fraction: tuple[float, ...]
    rh_normals_pu: tuple[float, ...]
    clear_sky_scale: float = 1.0
    clear_sky_index_sd: float = 0.30
    temp_anomaly_sd_c: float = 2.5
    sources: str = ""
    clear_sky_index: tuple[float, ...] = field(init=False)

    def __post_init__(self):
        for name in ("temp_normals_c", "diurnal_range_c", "wind_mean_10m_m_s", "sunshine_fraction", "rh_normals_pu"):
            if len(getattr(self, name)) != 12:
                raise ValueError(f"{self.key}.{name} needs 12 monthly values")
        kc = tuple(min(1.0, (0.33 + 0.67 * s) * self.clear_sky_scale) for s in self.sunshine_fraction)
        object.__setattr__(self, "clear_sky_index", kc)


SITES: dict[str, Site] = {
    "shanghai": Site(
        key="shanghai", name="Shanghai", lat=31.23, lon=121.47, altitude_m=4.0, tz="Asia/Shanghai",
        temp_normals_c=(4.7, 6.4, 10.1, 15.5, 20.8, 24.4, 28.4, 28.1, 24.3, 19.4, 13.7, 7.3),
        diurnal_range_c=(7.0, 7.0, 7.5, 8.0, 8.0, 6.5, 6.5, 6.5, 6.5, 7.0, 7.5, 7.5),
        wind_mean_10m_m_s=(3.3, 3.5, 3.6, 3.5, 3.3, 3.3, 3.5, 3.5, 3.3, 3.1, 3.2, 3.2), weibull_k=2.0,
        sunshine_fraction=(0.40, 0.36, 0.36, 0.42, 0.43, 0.34, 0.50, 0.53, 0.45, 0.47, 0.43, 0.43),
        rh_normals_pu=(0.74, 0.73, 0.72, 0.70, 0.71, 0.78, 0.77, 0.77, 0.75, 0.71, 0.72, 0.70),
        clear_sky_scale=0.94, clear_sky_index_sd=0.32, temp_anomaly_sd_c=2.0,
        sources="CMA 1991-2020 normals, station 58362",
    ),
    "tianjin": Site(
        key="tianjin", name="Tianjin (Wuqing)", lat=39.38, lon=117.05, altitude_m=5.0, tz="Asia/Shanghai",
        temp_normals_c=(-3.4, 0.0, 6.6, 14.3, 20.4, 24.7, 27.0, 26.0, 21.6, 14.5, 5.6, -1.3),
        diurnal_range_c=(9.5, 10.0, 10.5, 11.5, 11.0, 9.5, 7.5, 7.5, 9.0, 10.0, 9.5, 9.0),
        wind_mean_10m_m_s=(2.4, 2.7, 3.2, 3.5, 3.2, 2.8, 2.4, 2.2, 2.2, 2.4, 2.6, 2.5), weibull_k=1.8,
        sunshine_fraction=(0.60, 0.60, 0.60, 0.60, 0.60, 0.55, 0.45, 0.50, 0.60, 0.60, 0.55, 0.55),
        rh_normals_pu=(0.56, 0.53, 0.49, 0.47, 0.53, 0.62, 0.73, 0.76, 0.69, 0.64, 0.62, 0.58),
        clear_sky_scale=1.05, clear_sky_index_sd=0.30, temp_anomaly_sd_c=2.5,
        sources="CMA 1991-2020 normals, station 54527",
    ),
    "hohhot": Site(
        key="hohhot", name="Hohhot", lat=40.82, lon=111.68, altitude_m=1063.0, tz="Asia/Shanghai",
        temp_normals_c=(-11.0, -6.6, 0.9, 9.4, 16.3, 21.2, 23.1, 21.2, 15.3, 7.9, -0.8, -8.9),
        diurnal_range_c=(12.0, 12.5, 13.0, 14.0, 14.0, 13.0, 11.5, 11.0, 12.0, 13.0, 12.0, 11.5),
        wind_mean_10m_m_s=(4.5, 4.7, 5.2, 5.7, 5.4, 4.7, 4.1, 3.9, 4.3, 4.8, 5.0, 4.6), weibull_k=2.0,
        sunshine_fraction=(0.67, 0.68, 0.66, 0.65, 0.67, 0.65, 0.60, 0.62, 0.68, 0.70, 0.66, 0.65),
        rh_normals_pu=(0.56, 0.48, 0.40, 0.33, 0.33, 0.43, 0.56, 0.62, 0.58, 0.53, 0.53, 0.56),
        clear_sky_scale=0.97, clear_sky_index_sd=0.28, temp_anomaly_sd_c=3.0,
        sources="CMA 1991-2020 normals, station 53463; wind: Huitengxile/Ulanqab wind-farm plateau",
    ),
    "golmud": Site(
        key="golmud", name="Golmud (Qaidam)", lat=36.42, lon=94.90, altitude_m=2808.0, tz="Asia/Shanghai",
        temp_normals_c=(-9.3, -5.6, 0.3, 6.4, 11.2, 15.1, 17.4, 16.7, 11.8, 4.7, -2.5, -8.0),
        diurnal_range_c=(14.0, 14.5, 14.5, 14.5, 14.0, 13.5, 13.0, 13.5, 14.5, 15.5, 15.5, 14.5),
        wind_mean_10m_m_s=(3.0, 3.4, 4.0, 4.3, 4.1, 3.8, 3.4, 3.2, 3.0, 2.9, 2.9, 2.9), weibull_k=1.9,
        sunshine_fraction=(0.75, 0.72, 0.68, 0.68, 0.66, 0.62, 0.62, 0.66, 0.72, 0.78, 0.80, 0.78),
        rh_normals_pu=(0.36, 0.29, 0.24, 0.23, 0.27, 0.34, 0.39, 0.39, 0.37, 0.32, 0.33, 0.37),
        clear_sky_scale=0.955, clear_sky_index_sd=0.22, temp_anomaly_sd_c=2.5,
        sources="CMA 1991-2020 normals, station 52818",
    ),
    "espoo": Site(
        key="espoo", name="Espoo", lat=60.21, lon=24.66, altitude_m=20.0, tz="Europe/Helsinki",
        temp_normals_c=(-3.9, -4.7, -1.3, 4.4, 10.4, 14.9, 18.0, 16.5, 11.6, 5.9, 1.7, -1.2),
        diurnal_range_c=(5.0, 5.5, 7.0, 8.5, 10.0, 10.0, 9.5, 8.5, 7.0, 5.0, 4.0, 4.0),
        wind_mean_10m_m_s=(4.4, 4.1, 4.0, 3.8, 3.7, 3.5, 3.3, 3.3, 3.7, 4.1, 4.3, 4.5), weibull_k=2.1,
        sunshine_fraction=(0.15, 0.25, 0.38, 0.45, 0.55, 0.55, 0.55, 0.50, 0.40, 0.30, 0.15, 0.10),
        rh_normals_pu=(0.88, 0.86, 0.80, 0.70, 0.64, 0.67, 0.70, 0.76, 0.82, 0.86, 0.90, 0.90),
        clear_sky_scale=1.1, clear_sky_index_sd=0.30, temp_anomaly_sd_c=3.5,
        sources="FMI 1991-2020 normals, Helsinki-Vantaa / Espoo Tapiola",
    ),
    # National hub nodes of "East Data, West Computing" (NDRC et al. 2022: Zhangjiakou, Wuhu/Yangtze delta,
    # Shaoguan, Tianfu/Chongqing, Horinger (→ hohhot), Gui'an, Qingyang, Zhongwei) and two non-hub provinces
    # of the national twin (Hubei, Shandong). Rounded CMA 1991–2020 station normals; wind is the city station's.
    "zhangjiakou": Site(
        key="zhangjiakou", name="Zhangjiakou", lat=40.77, lon=114.88, altitude_m=724.0, tz="Asia/Shanghai",
        temp_normals_c=(-8.3, -4.1, 2.8, 10.9, 17.6, 22.2, 24.1, 22.3, 16.8, 9.4, 0.9, -6.4),
        diurnal_range_c=(11.5, 12.0, 12.5, 13.5, 13.5, 12.5, 10.5, 10.5, 11.5, 12.5, 11.5, 11.0),
        wind_mean_10m_m_s=(3.0, 3.2, 3.6, 3.9, 3.6, 3.0, 2.6, 2.4, 2.6, 2.9, 3.2, 3.1), weibull_k=1.9,
        sunshine_fraction=(0.65, 0.66, 0.64, 0.64, 0.64, 0.60, 0.54, 0.58, 0.64, 0.66, 0.64, 0.63),
        rh_normals_pu=(0.43, 0.38, 0.35, 0.32, 0.35, 0.48, 0.60, 0.64, 0.56, 0.49, 0.47, 0.45),
        sources="CMA 1991-2020 normals, station 54401 (rounded)",
    ),
    "shaoguan": Site(
        key="shaoguan", name="Shaoguan", lat=24.80, lon=113.58, altitude_m=61.0, tz="Asia/Shanghai",
        temp_normals_c=(10.5, 12.9, 16.3, 21.3, 25.3, 27.6, 29.0, 28.6, 26.8, 22.7, 17.5, 12.2),
        diurnal_range_c=(8.0, 7.5, 7.0, 7.0, 7.5, 7.5, 8.5, 8.5, 8.5, 9.0, 9.0, 8.5),
        wind_mean_10m_m_s=(1.6, 1.6, 1.6, 1.5, 1.5, 1.5, 1.6, 1.5, 1.5, 1.5, 1.5, 1.6), weibull_k=1.8,
        sunshine_fraction=(0.25, 0.20, 0.18, 0.22, 0.30, 0.35, 0.52, 0.50, 0.45, 0.48, 0.42, 0.38),
        rh_normals_pu=(0.74, 0.78, 0.81, 0.81, 0.80, 0.80, 0.75, 0.77, 0.74, 0.70, 0.70, 0.69),
        sources="CMA 1991-2020 normals, station 59082 (rounded)",
    ),
    "chengdu": Site(
        key="chengdu", name="Chengdu", lat=30.67, lon=104.02, altitude_m=506.0, tz="Asia/Shanghai",
        temp_normals_c=(5.8, 8.4, 12.3, 17.3, 21.6, 24.3, 25.9, 25.5, 22.1, 17.6, 12.8, 7.6),
        diurnal_range_c=(6.5, 7.0, 8.0, 8.5, 8.5, 7.5, 7.0, 7.5, 6.5, 6.0, 6.0, 6.0),
        wind_mean_10m_m_s=(1.1, 1.3, 1.5, 1.6, 1.5, 1.4, 1.4, 1.4, 1.2, 1.1, 1.0, 1.0), weibull_k=1.7,
        sunshine_fraction=(0.18, 0.20, 0.25, 0.32, 0.32, 0.30, 0.35, 0.38, 0.22, 0.18, 0.18, 0.16),
        rh_normals_pu=(0.81, 0.78, 0.75, 0.73, 0.70, 0.77, 0.82, 0.82, 0.83, 0.83, 0.81, 0.82),
        sources="CMA 1991-2020 normals, station 56294 Wenjiang (rounded)",
    ),
    "guiyang": Site(
        key="guiyang", name="Guiyang (Gui'an)", lat=26.58, lon=106.72, altitude_m=1224.0, tz="Asia/Shanghai",
        temp_normals_c=(5.0, 7.6, 11.6, 16.4, 19.9, 22.4, 24.0, 23.7, 21.1, 16.6, 12.0, 6.9),
        diurnal_range_c=(6.0, 7.0, 8.0, 8.5, 8.0, 7.0, 7.5, 7.5, 7.0, 6.5, 6.5, 6.0),
        wind_mean_10m_m_s=(2.1, 2.2, 2.3, 2.3, 2.1, 2.1, 2.3, 2.1, 2.0, 1.9, 2.0, 2.0), weibull_k=1.9,
        sunshine_fraction=(0.15, 0.18, 0.25, 0.30, 0.30, 0.25, 0.40, 0.45, 0.35, 0.22, 0.22, 0.18),
        rh_normals_pu=(0.79, 0.77, 0.74, 0.74, 0.74, 0.79, 0.78, 0.77, 0.76, 0.78, 0.77, 0.76),
        sources="CMA 1991-2020 normals, station 57816 (rounded)",
    ),
    "qingyang": Site(
        key="qingyang", name="Qingyang", lat=35.73, lon=107.63, altitude_m=1421.0, tz="Asia/Shanghai",
        temp_normals_c=(-4.4, -0.9, 4.9, 11.6, 16.5, 20.5, 22.5, 20.8, 15.9, 10.0, 3.7, -2.6),
        diurnal_range_c=(11.0, 11.0, 11.5, 12.5, 12.5, 11.5, 10.5, 10.0, 9.5, 10.0, 11.0, 11.0),
        wind_mean_10m_m_s=(2.2, 2.4, 2.6, 2.7, 2.5, 2.3, 2.2, 2.1, 2.1, 2.1, 2.2, 2.2), weibull_k=1.9,
        sunshine_fraction=(0.58, 0.53, 0.50, 0.55, 0.55, 0.55, 0.55, 0.52, 0.45, 0.48, 0.55, 0.58),
        rh_normals_pu=(0.54, 0.55, 0.56, 0.55, 0.58, 0.64, 0.70, 0.75, 0.76, 0.71, 0.63, 0.56),
        sources="CMA 1991-2020 normals, station 53829 Xifeng (rounded)",
    ),
    "zhongwei": Site(
        key="zhongwei", name="Zhongwei", lat=37.53, lon=105.18, altitude_m=1225.0, tz="Asia/Shanghai",
        temp_normals_c=(-6.3, -2.3, 4.4, 11.5, 17.0, 21.4, 23.4, 21.8, 16.6, 9.8, 2.6, -4.4),
        diurnal_range_c=(14.0, 14.0, 14.0, 14.5, 14.0, 13.0, 12.0, 12.0, 12.0, 13.0, 14.0, 14.0),
        wind_mean_10m_m_s=(2.4, 2.7, 3.0, 3.2, 3.0, 2.8, 2.7, 2.5, 2.4, 2.3, 2.4, 2.3), weibull_k=1.9,
        sunshine_fraction=(0.67, 0.62, 0.62, 0.65, 0.67, 0.67, 0.65, 0.65, 0.60, 0.65, 0.67, 0.67),
        rh_normals_pu=(0.47, 0.41, 0.38, 0.36, 0.40, 0.48, 0.56, 0.62, 0.64, 0.60, 0.55, 0.51),
        sources="CMA 1991-2020 normals, station 53704 (rounded)",
    ),
    "wuhan": Site(
        key="wuhan", name="Wuhan", lat=30.60, lon=114.05, altitude_m=23.0, tz="Asia/Shanghai",
        temp_normals_c=(4.0, 6.9, 11.6, 17.7, 22.9, 26.4, 29.1, 28.6, 24.6, 18.9, 12.4, 6.3),
        diurnal_range_c=(8.0, 8.0, 8.0, 8.5, 8.5, 7.5, 7.5, 8.0, 8.0, 8.5, 9.0, 8.5),
        wind_mean_10m_m_s=(1.9, 2.0, 2.1, 2.0, 1.9, 1.8, 2.0, 1.9, 1.8, 1.7, 1.8, 1.8), weibull_k=1.8,
        sunshine_fraction=(0.32, 0.32, 0.33, 0.40, 0.43, 0.42, 0.55, 0.57, 0.47, 0.45, 0.43, 0.38),
        rh_normals_pu=(0.76, 0.76, 0.75, 0.75, 0.74, 0.78, 0.78, 0.78, 0.76, 0.75, 0.75, 0.73),
        sources="CMA 1991-2020 normals, station 57494 (rounded)",
    ),
    "jinan": Site(
        key="jinan", name="Jinan", lat=36.60, lon=117.05, altitude_m=170.0, tz="Asia/Shanghai",
        temp_normals_c=(-0.4, 2.9, 9.1, 16.0, 22.0, 26.3, 27.8, 26.6, 22.3, 16.2, 8.6, 1.8),
        diurnal_range_c=(8.5, 9.0, 9.5, 10.5, 10.5, 10.0, 7.5, 7.5, 8.5, 9.0, 8.5, 8.0),
        wind_mean_10m_m_s=(2.6, 2.8, 3.1, 3.2, 2.9, 2.6, 2.3, 2.1, 2.2, 2.4, 2.6, 2.6), weibull_k=1.8,
        sunshine_fraction=(0.55, 0.55, 0.57, 0.62, 0.62, 0.55, 0.45, 0.48, 0.55, 0.60, 0.57, 0.55),
        rh_normals_pu=(0.52, 0.50, 0.46, 0.47, 0.53, 0.57, 0.74, 0.78, 0.70, 0.62, 0.58, 0.55),
        sources="CMA 1991-2020 normals, station 54823 (rounded)",
    ),
}

# Persistence (e-folding time) of the stochastic anomalies [h]; AR(1) coefficient = exp(-dt_h / tau).
TEMP_ANOMALY_TAU_H = 48.0
CLOUD_TAU_H = 10.0
WIND_TAU_H = 12.0
HOUR_OF_MAX_TEMP = 15.0  # local solar time of the daily maximum temperature
HOUR_OF_MAX_WIND = 14.0  # 10-m wind peaks in the afternoon (convective mixing)
WIND_DIURNAL_AMPLITUDE = 0.15  # relative amplitude of the diurnal wind cycle at 10 m
CLEAR_SKY_INDEX_RANGE = (0.05, 1.1)
_MID_MONTH_DOY = (np.cumsum([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) - np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]) / 2.0)


@dataclass(frozen=True, eq=False)
class Weather:
    """Weather series of one site; arrays are read-only and share one length (``steps``).

    Compared and hashed by identity (``weather_series`` returns one cached object per arguments), so
    derived series can be cached per weather object."""

    site_key: str
    dt_h: float
    times_utc: np.ndarray  # datetime64[ns], start of each step, UTC (naive)
    temp_c: np.ndarray  # air temperature at 2 m [°C]
    ghi_w_m2: np.ndarray  # global horizontal irradiance [W/m²]
    dni_w_m2: np.ndarray  # direct normal irradiance [W/m²]
    dhi_w_m2: np.ndarray  # diffuse horizontal irradiance [W/m²]
    wind_speed_m_s: np.ndarray  # wind speed at 10 m [m/s]
    rh_pu: np.ndarray | None = None  # relative humidity at 2 m [-] (None: not known, custom series)
    wet_bulb_c: np.ndarray | None = None  # wet-bulb temperature [°C] (= temp_c when humidity is unknown)
    pressure_pa: float = 101_325.0  # station pressure [Pa] (standard atmosphere at the site altitude)
    # Weibull representation of the 10-m wind (synthesised series only; None for custom series):
    # wind = wind_scale_m_s · (−ln(1 − Φ(wind_latent)))^(1/weibull_k), with wind_latent a standard-normal AR(1).
    wind_scale_m_s: np.ndarray | None = None  # Weibull scale × diurnal factor per step [m/s]
    wind_latent: np.ndarray | None = None  # standard-normal score of the wind process [-]
    weibull_k: float | None = None  # Weibull shape [-]

    @property
    def steps(self) -> int:
        return int(self.times_utc.shape[0])


def weather_series(site_key: str, start, steps: int, dt_h: float, seed: int) -> Weather:
    """Synthesise a weather series for a site.

    Returns a ``Weather`` (cached: the same arguments return the same read-only object).

    Parameters: ``site_key`` key of SITES; ``start`` datetime or ISO string (naive = local time of the site,
    tz-aware or ``Z`` = that instant); ``steps`` number of steps; ``dt_h`` [h] step length (e.g. 1 or 0.25);
    ``seed`` integer seed of ``np.random.default_rng``.

    Method: solar position (pvlib ephemeris) at mid-step; Ineichen clear sky with pvlib's shipped Linke
    turbidity (LinkeTurbidities.h5); GHI = clear-sky GHI × clear-sky index, the index an AR(1) process around
    the monthly mean (Ångström–Prescott from sunshine), clipped to [0.05, 1.1]; DNI/DHI by the Erbs
    decomposition (pvlib.irradiance.erbs). Temperature = monthly normals (mean-preserving interpolation) +
    DTR/2 · cos(2π(h_solar − 15)/24) + AR(1) anomaly (τ 48 h). Relative humidity: the air mass keeps its
    vapour pressure over the day (chosen so the day's mean RH equals the monthly normal), RH = e / e_s(T)
    ≤ 1; wet bulb from T, RH and the station pressure (agents.physics.psychrometrics.wet_bulb_c). Wind =
    Weibull(k, monthly mean) through a Gaussian-copula AR(1) (τ 12 h) with a ±15 % afternoon cycle; the
    copula's latent score is kept (``wind_latent``) so that wind farms get correlated series of their own
    (``farm_wind_speeds_m_s``).
    """
    if site_key not in SITES:
        raise KeyError(f"unknown site {site_key!r}; expected one of {sorted(SITES)}")
    if steps < 1 or dt_h <= 0:
        raise ValueError("steps must be >= 1 and dt_h > 0")
    if int(seed) != seed or seed < 0:
        raise ValueError("seed must be a non-negative integer")
    start_ns = _start_utc_ns(start, SITES[site_key].tz)
    return _weather_cached(site_key, start_ns, int(steps), float(dt_h), int(seed))


def _start_utc_ns(start, tz: str) -> int:
    ts = pd.Timestamp(start) if not isinstance(start, pd.Timestamp) else start
    if ts.tzinfo is None:
        ts = ts.tz_localize(tz)
    return int(ts.tz_convert("UTC").as_unit("ns").value)


def _ar1(innovations: np.ndarray, phi: float) -> np.ndarray:
    """Stationary unit-variance AR(1) from standard-normal innovations (scipy.signal.lfilter)."""
    from scipy.signal import lfilter

    x = innovations * np.sqrt(1.0 - phi * phi)
    x[0] = innovations[0]
    return lfilter([1.0], [1.0, -phi], x)


# Piecewise-linear interpolation between mid-month nodes averages to (m[i-1] + 6 m[i] + m[i+1]) / 8 over month
# i; solving this circulant system for the nodes makes the monthly means of the curve equal the normals.
# The system matrix C = (6 I + P + Pᵀ) / 8 is symmetric circulant, so its inverse is too, with first row
# c_k = (1/12) Σ_j cos(2π jk / 12) / λ_j and eigenvalues λ_j = (6 + 2 cos(2π j / 12)) / 8. Written out rather
# than np.linalg.inv: LAPACK's result depends on the BLAS threading of the process (a Celery worker child
# got other last bits than the CLI), and every process must build the same weather bit for bit.


def _mean_preserving_matrix() -> np.ndarray:
    j = np.arange(12)
    eigenvalues = (6.0 + 2.0 * np.cos(2.0 * np.pi * j / 12.0)) / 8.0
    first_row = (np.cos(2.0 * np.pi * np.outer(j, j) / 12.0) / eigenvalues[None, :]).sum(axis=1) / 12.0
    lag = (j[None, :] - j[:, None]) % 12
    return first_row[np.minimum(lag, 12 - lag)]  # c_k = c_(12−k): exactly symmetric


_MEAN_PRESERVING = _mean_preserving_matrix()


def _seasonal(monthly, doy: np.ndarray) -> np.ndarray:
    """Mean-preserving periodic linear interpolation of 12 monthly means to fractional day of year."""
    m = row_dot(_MEAN_PRESERVING, monthly)
    xp = np.concatenate([_MID_MONTH_DOY[-1:] - 365.0, _MID_MONTH_DOY, _MID_MONTH_DOY[:1] + 365.0])
    fp = np.concatenate([m[-1:], m, m[:1]])
    return np.interp(np.mod(doy, 365.0), xp, fp)


@lru_cache(maxsize=64)
def _weather_cached(site_key: str, start_ns: int, steps: int, dt_h: float, seed: int) -> Weather:
    import pvlib
    from scipy.special import gamma

    site = SITES[site_key]
    step_ns = round(dt_h * NS_PER_HOUR)
    times_ns = start_ns + np.arange(steps, dtype=np.int64) * step_ns
    mid = pd.DatetimeIndex((times_ns + step_ns // 2).astype("datetime64[ns]"), tz="UTC")

    rng = np.random.default_rng((seed, zlib.crc32(site_key.encode())))
    noise = rng.standard_normal((3, steps))

    # Day of year and local solar hour at mid-step.
    hours_utc = (mid.hour + mid.minute / 60.0 + mid.second / 3600.0).to_numpy()
    doy = mid.day_of_year.to_numpy() - 1 + hours_utc / 24.0 + site.lon / 360.0
    solar_hour = np.mod(hours_utc + site.lon / 15.0, 24.0)

    # Irradiance.
    pressure_pa = pvlib.atmosphere.alt2pres(site.altitude_m)
    with quiet_pvlib():
        solpos = pvlib.solarposition.get_solarposition(mid, site.lat, site.lon, method="ephemeris", pressure=pressure_pa)
        linke = pvlib.clearsky.lookup_linke_turbidity(mid, site.lat, site.lon).to_numpy()
    app_zenith = solpos["apparent_zenith"].to_numpy()
    zenith = solpos["zenith"].to_numpy()
    airmass = pvlib.atmosphere.get_absolute_airmass(pvlib.atmosphere.get_relative_airmass(app_zenith), pressure_pa)
    dni_extra = pvlib.irradiance.get_extra_radiation(mid.day_of_year.to_numpy())
    with np.errstate(divide="ignore", invalid="ignore"):
        clear = pvlib.clearsky.ineichen(app_zenith, airmass, linke, site.altitude_m, dni_extra)
    ghi_clear = np.nan_to_num(np.asarray(clear["ghi"], dtype=float))
    kc_mean = _seasonal(site.clear_sky_index, doy)
    kc = np.clip(kc_mean + site.clear_sky_index_sd * _ar1(noise[0], np.exp(-dt_h / CLOUD_TAU_H)), *CLEAR_SKY_INDEX_RANGE)
    ghi = np.maximum(ghi_clear * kc, 0.0)
    split = pvlib.irradiance.erbs(ghi, zenith, mid.day_of_year.to_numpy())
    dni = np.nan_to_num(np.asarray(split["dni"], dtype=float))
    dhi = np.nan_to_num(np.asarray(split["dhi"], dtype=float))

    # Temperature.
    seasonal_sd = site.temp_anomaly_sd_c * (1.0 + 0.25 * np.cos(2.0 * np.pi * (doy - 15.0) / 365.0))
    half_range = 0.5 * _seasonal(site.diurnal_range_c, doy)
    daily_mean = _seasonal(site.temp_normals_c, doy) + seasonal_sd * _ar1(noise[1], np.exp(-dt_h / TEMP_ANOMALY_TAU_H))
    temp = daily_mean + half_range * np.cos(2.0 * np.pi * (solar_hour - HOUR_OF_MAX_TEMP) / 24.0)

    # Humidity: the vapour pressure of an air mass stays nearly constant through the day, so RH follows the
    # diurnal temperature cycle; e is set so that the day's mean RH equals the monthly normal.
    rh = _relative_humidity(_seasonal(site.rh_normals_pu, doy), daily_mean, half_range, temp)
    wet_bulb = psychrometrics.wet_bulb_c(temp, rh, pressure_pa)

    # Wind at 10 m: Weibull marginal via a Gaussian copula; scale from the monthly mean.
    k = site.weibull_k
    diurnal = 1.0 + WIND_DIURNAL_AMPLITUDE * np.cos(2.0 * np.pi * (solar_hour - HOUR_OF_MAX_WIND) / 24.0)
    scale = _seasonal(site.wind_mean_10m_m_s, doy) / gamma(1.0 + 1.0 / k) * diurnal
    latent = _ar1(noise[2], np.exp(-dt_h / WIND_TAU_H))
    wind = weibull_from_latent(latent, scale, k)

    return Weather(
        site_key=site_key,
        dt_h=dt_h,
        times_utc=_readonly(times_ns.astype("datetime64[ns]")),
        temp_c=_readonly(temp),
        ghi_w_m2=_readonly(ghi),
        dni_w_m2=_readonly(dni),
        dhi_w_m2=_readonly(dhi),
        wind_speed_m_s=_readonly(wind),
        rh_pu=_readonly(rh),
        wet_bulb_c=_readonly(wet_bulb),
        pressure_pa=float(pressure_pa),
        wind_scale_m_s=_readonly(scale),
        wind_latent=_readonly(latent),
        weibull_k=float(k),
    )


def weibull_from_latent(latent, scale_m_s, k: float) -> np.ndarray:
    """Wind speed [m/s] with a Weibull(k, scale) marginal from a standard-normal score (Gaussian copula)."""
    from scipy.special import ndtr

    u = np.clip(ndtr(np.asarray(latent, dtype=float)), 1e-12, 1.0 - 1e-12)
    return np.asarray(scale_m_s, dtype=float) * (-np.log1p(-u)) ** (1.0 / k)


# Phases of the diurnal cycle over which the mean RH of a day is taken (24 points).
_DIURNAL_PHASES = np.cos(2.0 * np.pi * np.arange(24) / 24.0)


def _relative_humidity(rh_normal_pu, daily_mean_c, half_range_c, temp_c) -> np.ndarray:
    """Hourly RH [-] with a constant vapour pressure over the day whose diurnal mean RH is the normal.

    ``e = rh_normal / mean_day(1 / e_s(T_day))`` (mean over 24 phases of the day's cosine cycle), then
    ``rh = min(e / e_s(T), 1)``.
    """
    inv_es = 1.0 / psychrometrics.saturation_vapour_pressure_pa(
        daily_mean_c[:, None] + half_range_c[:, None] * _DIURNAL_PHASES[None, :])
    vapour_pa = rh_normal_pu / inv_es.mean(axis=1)
    return psychrometrics.relative_humidity_pu(temp_c, vapour_pa)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a)
    a.flags.writeable = False
    return a


def weather_from_arrays(
    times_utc,
    temp_c,
    ghi_w_m2,
    wind_speed_m_s,
    dni_w_m2=None,
    dhi_w_m2=None,
    lat: float | None = None,
    lon: float | None = None,
    site_key: str = "custom",
    rh_pu=None,
    altitude_m: float = 0.0,
) -> Weather:
    """Build a ``Weather`` from a user-provided series (e.g. a measured year in a scenario), validating it.

    Returns a ``Weather``. Raises ``ValueError`` naming the first offending field.

    Parameters: ``times_utc`` equally spaced, increasing datetimes (ISO strings or datetime64; tz-aware values
    are converted to UTC, naive ones are taken as UTC); ``temp_c`` [°C] in [−90, 60]; ``ghi_w_m2`` [W/m²] in
    [0, 1500]; ``wind_speed_m_s`` [m/s] at 10 m in [0, 75]; ``dni_w_m2``, ``dhi_w_m2`` [W/m²] optional — when
    both are missing they are derived with the Erbs decomposition, which needs ``lat``/``lon`` [deg];
    ``rh_pu`` [-] optional relative humidity in [0, 1] — without it the wet bulb equals the dry bulb (no
    evaporative advantage is assumed); ``altitude_m`` [m] station altitude (pressure for the wet bulb and
    the air density of wind turbines).
    """
    idx = pd.DatetimeIndex(pd.to_datetime(list(times_utc) if not isinstance(times_utc, np.ndarray) else times_utc))
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    n = len(idx)
    if n < 1:
        raise ValueError("times_utc: empty series")
    times_ns = idx.as_unit("ns").asi8
    if n > 1:
        diffs = np.diff(times_ns)
        if np.any(diffs <= 0) or np.any(diffs != diffs[0]):
            raise ValueError("times_utc: must be strictly increasing with a constant step")
        dt_h = float(diffs[0]) / NS_PER_HOUR
    else:
        dt_h = 1.0
    arrays = {}
    bounds = {"temp_c": (-90.0, 60.0), "ghi_w_m2": (0.0, 1500.0), "wind_speed_m_s": (0.0, 75.0),
              "dni_w_m2": (0.0, 1500.0), "dhi_w_m2": (0.0, 1000.0), "rh_pu": (0.0, 1.0)}
    given = {"temp_c": temp_c, "ghi_w_m2": ghi_w_m2, "wind_speed_m_s": wind_speed_m_s,
             "dni_w_m2": dni_w_m2, "dhi_w_m2": dhi_w_m2, "rh_pu": rh_pu}
    for name, values in given.items():
        if values is None:
            continue
        a = np.asarray(values, dtype=float)
        if a.shape != (n,):
            raise ValueError(f"{name}: expected {n} values, got shape {a.shape}")
        lo, hi = bounds[name]
        if not np.all(np.isfinite(a)) or np.any((a < lo) | (a > hi)):
            raise ValueError(f"{name}: values must be finite and within [{lo}, {hi}]")
        arrays[name] = a
    if ("dni_w_m2" in arrays) != ("dhi_w_m2" in arrays):
        raise ValueError("dni_w_m2/dhi_w_m2: give both or neither")
    if "dni_w_m2" not in arrays:
        if lat is None or lon is None:
            raise ValueError("lat/lon: needed to decompose GHI into DNI and DHI")
        import pvlib

        mid = pd.DatetimeIndex((times_ns + round(dt_h * NS_PER_HOUR) // 2).astype("datetime64[ns]"), tz="UTC")
        with quiet_pvlib():
            zenith = pvlib.solarposition.get_solarposition(mid, lat, lon, method="ephemeris")["zenith"].to_numpy()
        split = pvlib.irradiance.erbs(arrays["ghi_w_m2"], zenith, mid.day_of_year.to_numpy())
        arrays["dni_w_m2"] = np.nan_to_num(np.asarray(split["dni"], dtype=float))
        arrays["dhi_w_m2"] = np.nan_to_num(np.asarray(split["dhi"], dtype=float))
    from pvlib.atmosphere import alt2pres

    pressure_pa = float(alt2pres(float(altitude_m)))
    rh = arrays.get("rh_pu")
    wet_bulb = arrays["temp_c"] if rh is None else psychrometrics.wet_bulb_c(arrays["temp_c"], rh, pressure_pa)
    return Weather(
        site_key=site_key,
        dt_h=dt_h,
        times_utc=_readonly(times_ns.astype("datetime64[ns]")),
        **{name: _readonly(arrays[name]) for name in ("temp_c", "ghi_w_m2", "dni_w_m2", "dhi_w_m2", "wind_speed_m_s")},
        rh_pu=None if rh is None else _readonly(rh),
        wet_bulb_c=_readonly(np.array(wet_bulb, dtype=float)),
        pressure_pa=pressure_pa,
    )


# Spatial correlation of the hourly wind between two points: (1 − nugget) · exp(−d / L).
WIND_CORRELATION_LENGTH_KM = 500.0
WIND_CORRELATION_NUGGET_PU = 0.05


def farm_wind_speeds_m_s(weather: Weather, farms, seed: int,
                         length_km: float = WIND_CORRELATION_LENGTH_KM,
                         nugget_pu: float = WIND_CORRELATION_NUGGET_PU) -> np.ndarray:
    """10-m wind series of each wind farm of a site: correlated with the site and each other, each its own.

    Returns ``wind_m_s`` [steps, farms] read-only (cached per weather object, farms and seed).

    Parameters: ``weather`` a synthesised ``Weather`` (for a custom series without ``wind_latent`` every farm
    gets the site's series); ``farms`` sequence of ``(farm_id, lat_deg, lon_deg)``; ``seed`` scenario seed
    (each farm's innovations come from ``default_rng((seed, crc32(site), crc32(farm_id)))``).

    Method: the site's latent standard-normal AR(1) score z₀ and one independent AR(1) per farm (same
    persistence τ 12 h) are mixed by the Cholesky factor of the correlation matrix
    ``C_ij = (1 − nugget) · exp(−d_ij / L)`` (i ≠ j; great-circle distance d, site first, farms sorted by
    id so the result does not depend on scenario order), then mapped to speed with the site's Weibull scale,
    shape and diurnal factor. So every farm keeps the site's monthly mean, seasonal and diurnal shape and
    Weibull distribution, while the correlation of the latent scores falls with distance (agents.physics.wind
    .spatial_correlation; L = 500 km and nugget 0.05 are assumptions, see docs/physics.md).
    """
    farms = tuple((str(f), float(la), float(lo)) for f, la, lo in farms)
    return _farm_wind_cached(weather, farms, int(seed), float(length_km), float(nugget_pu))


@lru_cache(maxsize=64)
def _farm_wind_cached(weather: Weather, farms: tuple, seed: int, length_km: float, nugget_pu: float) -> np.ndarray:
    from agents.physics.wind import great_circle_km, spatial_correlation

    n, steps = len(farms), weather.steps
    if n == 0:
        return _readonly(np.empty((steps, 0)))
    if weather.wind_latent is None or weather.site_key not in SITES:
        return _readonly(np.repeat(np.asarray(weather.wind_speed_m_s, dtype=float)[:, None], n, axis=1))
    site = SITES[weather.site_key]
    order = sorted(range(n), key=lambda i: farms[i][0])
    lat = np.array([site.lat] + [farms[i][1] for i in order])
    lon = np.array([site.lon] + [farms[i][2] for i in order])
    corr = spatial_correlation(great_circle_km(lat[:, None], lon[:, None], lat[None, :], lon[None, :]),
                               length_km, nugget_pu)
    chol = _cholesky(corr)
    phi = np.exp(-weather.dt_h / WIND_TAU_H)
    site_crc = zlib.crc32(weather.site_key.encode())
    innovations = np.empty((steps, n + 1))
    innovations[:, 0] = weather.wind_latent
    for j, i in enumerate(order, start=1):
        rng = np.random.default_rng((seed, site_crc, zlib.crc32(farms[i][0].encode())))
        innovations[:, j] = _ar1(rng.standard_normal(steps), phi)
    # [steps, farms] in sorted order: latent_j = Σ_k L[j, k] · innovation_k (pairwise sums, no BLAS)
    latent = np.column_stack([row_dot(innovations[:, :j + 1], chol[j, :j + 1]) for j in range(1, n + 1)])
    speeds = weibull_from_latent(latent, weather.wind_scale_m_s[:, None], weather.weibull_k)
    out = np.empty((steps, n))
    out[:, order] = speeds
    return _readonly(out)


def _cholesky(a: np.ndarray) -> np.ndarray:
    """Lower Cholesky factor of a small symmetric positive-definite matrix (Cholesky–Banachiewicz).

    Written out with pairwise sums instead of LAPACK so that the factor has the same bits in every process
    (the determinism standard; see agents/reductions.py)."""
    n = a.shape[0]
    chol = np.zeros_like(a, dtype=float)
    for i in range(n):
        for j in range(i + 1):
            s = a[i, j] - dot(chol[i, :j], chol[j, :j])
            chol[i, j] = np.sqrt(s) if i == j else s / chol[j, j]
    return chol


def local_time_fields(times_utc, tz: str) -> dict[str, np.ndarray]:
    """Local calendar fields for UTC times: what utilisation profiles, tariffs and heating seasons need.

    Returns ``{"local_times": datetime64[ns] (naive local), "hour_of_day": float [h], "day_of_week": int
    (0 = Monday), "month": int (1–12), "day_of_year": int (1–366)}``.

    Parameters: ``times_utc`` datetime64 array in UTC; ``tz`` IANA time-zone name (e.g. "Asia/Shanghai").
    """
    idx = pd.DatetimeIndex(np.asarray(times_utc, dtype="datetime64[ns]"), tz="UTC").tz_convert(tz)
    return {
        "local_times": idx.tz_localize(None).to_numpy(),
        "hour_of_day": (idx.hour + idx.minute / 60.0 + idx.second / 3600.0).to_numpy(dtype=float),
        "day_of_week": idx.day_of_week.to_numpy(),
        "month": idx.month.to_numpy(),
        "day_of_year": idx.day_of_year.to_numpy(),
    }


def start_to_utc(start, tz: str) -> datetime:
    """Convert a scenario start (datetime or ISO string; naive = local ``tz``) to an aware UTC datetime."""
    return pd.Timestamp(_start_utc_ns(start, tz), tz="UTC").to_pydatetime()
