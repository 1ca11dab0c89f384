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

from agents.physics.pv import quiet_pvlib
from agents.reductions import row_dot

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
      turbines stand. Calibrated so an E-126/4200 at 100 m gives a capacity factor of 25–33 % (DOMAIN.md).
    - ``clear_sky_index`` = monthly mean of GHI / clear-sky GHI, from the sunshine percentage via
      Ångström–Prescott (kc ≈ 0.33 + 0.67 s), then scaled per site by ``clear_sky_scale`` so the PV specific
      yield matches DOMAIN.md within ±10 %.
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
    clear_sky_scale: float = 1.0
    clear_sky_index_sd: float = 0.30
    temp_anomaly_sd_c: float = 2.5
    sources: str = ""
    clear_sky_index: tuple[float, ...] = field(init=False)

    def __post_init__(self):
        for name in ("temp_normals_c", "diurnal_range_c", "wind_mean_10m_m_s", "sunshine_fraction"):
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
        clear_sky_scale=0.94, clear_sky_index_sd=0.32, temp_anomaly_sd_c=2.0,
        sources="CMA 1991-2020 normals, station 58362",
    ),
    "tianjin": Site(
        key="tianjin", name="Tianjin (Wuqing)", lat=39.38, lon=117.05, altitude_m=5.0, tz="Asia/Shanghai",
        temp_normals_c=(-3.4, 0.0, 6.6, 14.3, 20.4, 24.7, 27.0, 26.0, 21.6, 14.5, 5.6, -1.3),
        diurnal_range_c=(9.5, 10.0, 10.5, 11.5, 11.0, 9.5, 7.5, 7.5, 9.0, 10.0, 9.5, 9.0),
        wind_mean_10m_m_s=(2.4, 2.7, 3.2, 3.5, 3.2, 2.8, 2.4, 2.2, 2.2, 2.4, 2.6, 2.5), weibull_k=1.8,
        sunshine_fraction=(0.60, 0.60, 0.60, 0.60, 0.60, 0.55, 0.45, 0.50, 0.60, 0.60, 0.55, 0.55),
        clear_sky_scale=1.05, clear_sky_index_sd=0.30, temp_anomaly_sd_c=2.5,
        sources="CMA 1991-2020 normals, station 54527",
    ),
    "hohhot": Site(
        key="hohhot", name="Hohhot", lat=40.82, lon=111.68, altitude_m=1063.0, tz="Asia/Shanghai",
        temp_normals_c=(-11.0, -6.6, 0.9, 9.4, 16.3, 21.2, 23.1, 21.2, 15.3, 7.9, -0.8, -8.9),
        diurnal_range_c=(12.0, 12.5, 13.0, 14.0, 14.0, 13.0, 11.5, 11.0, 12.0, 13.0, 12.0, 11.5),
        wind_mean_10m_m_s=(4.2, 4.4, 4.9, 5.4, 5.1, 4.4, 3.9, 3.7, 4.1, 4.5, 4.7, 4.3), weibull_k=2.0,
        sunshine_fraction=(0.67, 0.68, 0.66, 0.65, 0.67, 0.65, 0.60, 0.62, 0.68, 0.70, 0.66, 0.65),
        clear_sky_scale=0.97, clear_sky_index_sd=0.28, temp_anomaly_sd_c=3.0,
        sources="CMA 1991-2020 normals, station 53463; wind: Huitengxile/Ulanqab wind-farm plateau",
    ),
    "golmud": Site(
        key="golmud", name="Golmud (Qaidam)", lat=36.42, lon=94.90, altitude_m=2808.0, tz="Asia/Shanghai",
        temp_normals_c=(-9.3, -5.6, 0.3, 6.4, 11.2, 15.1, 17.4, 16.7, 11.8, 4.7, -2.5, -8.0),
        diurnal_range_c=(14.0, 14.5, 14.5, 14.5, 14.0, 13.5, 13.0, 13.5, 14.5, 15.5, 15.5, 14.5),
        wind_mean_10m_m_s=(3.0, 3.4, 4.0, 4.3, 4.1, 3.8, 3.4, 3.2, 3.0, 2.9, 2.9, 2.9), weibull_k=1.9,
        sunshine_fraction=(0.75, 0.72, 0.68, 0.68, 0.66, 0.62, 0.62, 0.66, 0.72, 0.78, 0.80, 0.78),
        clear_sky_scale=0.955, clear_sky_index_sd=0.22, temp_anomaly_sd_c=2.5,
        sources="CMA 1991-2020 normals, station 52818",
    ),
    "espoo": Site(
        key="espoo", name="Espoo", lat=60.21, lon=24.66, altitude_m=20.0, tz="Europe/Helsinki",
        temp_normals_c=(-3.9, -4.7, -1.3, 4.4, 10.4, 14.9, 18.0, 16.5, 11.6, 5.9, 1.7, -1.2),
        diurnal_range_c=(5.0, 5.5, 7.0, 8.5, 10.0, 10.0, 9.5, 8.5, 7.0, 5.0, 4.0, 4.0),
        wind_mean_10m_m_s=(4.4, 4.1, 4.0, 3.8, 3.7, 3.5, 3.3, 3.3, 3.7, 4.1, 4.3, 4.5), weibull_k=2.1,
        sunshine_fraction=(0.15, 0.25, 0.38, 0.45, 0.55, 0.55, 0.55, 0.50, 0.40, 0.30, 0.15, 0.10),
        clear_sky_scale=1.1, clear_sky_index_sd=0.30, temp_anomaly_sd_c=3.5,
        sources="FMI 1991-2020 normals, Helsinki-Vantaa / Espoo Tapiola",
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


@dataclass(frozen=True)
class Weather:
    """Weather series of one site; arrays are read-only and share one length (``steps``)."""

    site_key: str
    dt_h: float
    times_utc: np.ndarray  # datetime64[ns], start of each step, UTC (naive)
    temp_c: np.ndarray  # air temperature at 2 m [°C]
    ghi_w_m2: np.ndarray  # global horizontal irradiance [W/m²]
    dni_w_m2: np.ndarray  # direct normal irradiance [W/m²]
    dhi_w_m2: np.ndarray  # diffuse horizontal irradiance [W/m²]
    wind_speed_m_s: np.ndarray  # wind speed at 10 m [m/s]

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
    DTR/2 · cos(2π(h_solar − 15)/24) + AR(1) anomaly (τ 48 h). Wind = Weibull(k, monthly mean) through a
    Gaussian-copula AR(1) (τ 12 h) with a ±15 % afternoon cycle.
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
    from scipy.special import gamma, ndtr

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
    temp = (
        _seasonal(site.temp_normals_c, doy)
        + 0.5 * _seasonal(site.diurnal_range_c, doy) * np.cos(2.0 * np.pi * (solar_hour - HOUR_OF_MAX_TEMP) / 24.0)
        + seasonal_sd * _ar1(noise[1], np.exp(-dt_h / TEMP_ANOMALY_TAU_H))
    )

    # Wind at 10 m: Weibull marginal via a Gaussian copula; scale from the monthly mean.
    k = site.weibull_k
    scale = _seasonal(site.wind_mean_10m_m_s, doy) / gamma(1.0 + 1.0 / k)
    u = np.clip(ndtr(_ar1(noise[2], np.exp(-dt_h / WIND_TAU_H))), 1e-12, 1.0 - 1e-12)
    diurnal = 1.0 + WIND_DIURNAL_AMPLITUDE * np.cos(2.0 * np.pi * (solar_hour - HOUR_OF_MAX_WIND) / 24.0)
    wind = scale * (-np.log1p(-u)) ** (1.0 / k) * diurnal

    return Weather(
        site_key=site_key,
        dt_h=dt_h,
        times_utc=_readonly(times_ns.astype("datetime64[ns]")),
        temp_c=_readonly(temp),
        ghi_w_m2=_readonly(ghi),
        dni_w_m2=_readonly(dni),
        dhi_w_m2=_readonly(dhi),
        wind_speed_m_s=_readonly(wind),
    )


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
) -> Weather:
    """Build a ``Weather`` from a user-provided series (e.g. a measured year in a scenario), validating it.

    Returns a ``Weather``. Raises ``ValueError`` naming the first offending field.

    Parameters: ``times_utc`` equally spaced, increasing datetimes (ISO strings or datetime64; tz-aware values
    are converted to UTC, naive ones are taken as UTC); ``temp_c`` [°C] in [−90, 60]; ``ghi_w_m2`` [W/m²] in
    [0, 1500]; ``wind_speed_m_s`` [m/s] at 10 m in [0, 75]; ``dni_w_m2``, ``dhi_w_m2`` [W/m²] optional — when
    both are missing they are derived with the Erbs decomposition, which needs ``lat``/``lon`` [deg].
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
              "dni_w_m2": (0.0, 1500.0), "dhi_w_m2": (0.0, 1000.0)}
    given = {"temp_c": temp_c, "ghi_w_m2": ghi_w_m2, "wind_speed_m_s": wind_speed_m_s,
             "dni_w_m2": dni_w_m2, "dhi_w_m2": dhi_w_m2}
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
    return Weather(
        site_key=site_key,
        dt_h=dt_h,
        times_utc=_readonly(times_ns.astype("datetime64[ns]")),
        **{name: _readonly(arrays[name]) for name in ("temp_c", "ghi_w_m2", "dni_w_m2", "dhi_w_m2", "wind_speed_m_s")},
    )


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
