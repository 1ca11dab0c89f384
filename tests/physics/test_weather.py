import time
from datetime import UTC

import numpy as np
import pytest

from agents.physics.district_heat import heating_degree_days
from agents.physics.pv import optimal_tilt_deg, pv_power_pu, specific_yield_kwh_per_kwp
from agents.weather import SITES, local_time_fields, weather_from_arrays, weather_series

HDD_TARGETS = {"shanghai": 1520, "tianjin": 2710, "hohhot": 4350, "golmud": 4770, "espoo": 4350}
YIELD_TARGETS = {"shanghai": 1050, "tianjin": 1280, "hohhot": 1440, "golmud": 1770, "espoo": 890}
DOMAIN_SITES = sorted(HDD_TARGETS)  # sites with a DOMAIN.md target; the national hub sites have none
HUB_SITES = ("zhangjiakou", "shaoguan", "chengdu", "guiyang", "qingyang", "zhongwei")


def year(site, seed=1, dt_h=1.0):
    return weather_series(site, "2025-01-01T00:00", round(8760 / dt_h), dt_h, seed)


def site_yield(site, w, dt_h=1.0):
    s = SITES[site]
    p = pv_power_pu(w.times_utc, s.lat, s.lon, w.ghi_w_m2, w.dni_w_m2, w.dhi_w_m2, w.temp_c, w.wind_speed_m_s,
                    float(optimal_tilt_deg(s.lat)), altitude_m=s.altitude_m)
    return specific_yield_kwh_per_kwp(p, dt_h)


@pytest.mark.parametrize("site", DOMAIN_SITES)
@pytest.mark.parametrize("seed", [1, 2])
def test_heating_degree_days_within_10_percent_of_domain(site, seed):
    hdd = heating_degree_days(year(site, seed).temp_c, 1.0)
    assert abs(hdd / HDD_TARGETS[site] - 1.0) <= 0.10


@pytest.mark.parametrize("site", DOMAIN_SITES)
@pytest.mark.parametrize("seed", [1, 2])
def test_pv_specific_yield_within_10_percent_of_domain(site, seed):
    y = site_yield(site, year(site, seed))
    assert abs(y / YIELD_TARGETS[site] - 1.0) <= 0.10


def test_quarter_hour_year_matches_hourly_calibration():
    w = year("hohhot", seed=5, dt_h=0.25)
    assert w.steps == 35040
    assert abs(heating_degree_days(w.temp_c, 0.25) / HDD_TARGETS["hohhot"] - 1.0) <= 0.10
    assert abs(site_yield("hohhot", w, 0.25) / YIELD_TARGETS["hohhot"] - 1.0) <= 0.10


def test_same_seed_same_weather_and_different_seed_different_weather():
    a = weather_series("tianjin", "2025-03-01T00:00", 500, 1.0, 11)
    from agents.weather import _weather_cached

    _weather_cached.cache_clear()  # recompute from scratch rather than return the cached object
    b = weather_series("tianjin", "2025-03-01T00:00", 500, 1.0, 11)
    c = weather_series("tianjin", "2025-03-01T00:00", 500, 1.0, 12)
    for name in ("temp_c", "ghi_w_m2", "dni_w_m2", "dhi_w_m2", "wind_speed_m_s"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
        assert not np.array_equal(getattr(a, name), getattr(c, name)), name
    assert np.array_equal(a.times_utc, c.times_utc)


def test_start_accepts_local_naive_aware_and_datetime_forms():
    from datetime import datetime

    naive_local = weather_series("shanghai", "2025-06-01T08:00", 3, 1.0, 1)
    utc = weather_series("shanghai", "2025-06-01T00:00Z", 3, 1.0, 1)
    aware = weather_series("shanghai", datetime(2025, 6, 1, 0, 0, tzinfo=UTC), 3, 1.0, 1)
    assert naive_local.times_utc[0] == np.datetime64("2025-06-01T00:00", "ns")
    assert np.array_equal(naive_local.times_utc, utc.times_utc) and np.array_equal(utc.temp_c, aware.temp_c)


def test_series_are_physical():
    for site in SITES:
        w = year(site)
        assert np.all(w.ghi_w_m2 >= 0) and np.all(w.dni_w_m2 >= 0) and np.all(w.dhi_w_m2 >= 0)
        assert np.all(w.ghi_w_m2 <= 1400) and np.all(w.wind_speed_m_s >= 0)
        assert -45 <= w.temp_c.min() and w.temp_c.max() <= 45
        night = local_time_fields(w.times_utc, SITES[site].tz)["hour_of_day"] == 0
        assert np.all(w.ghi_w_m2[night] == 0) or site == "espoo"  # midnight sun aside
        assert not w.temp_c.flags.writeable


def test_shanghai_is_the_hottest_and_espoo_the_darkest_site():
    means = {s: year(s).temp_c.mean() for s in DOMAIN_SITES}
    assert max(means, key=means.get) == "shanghai"
    ghi = {s: year(s).ghi_w_m2.sum() for s in SITES}
    assert min(ghi, key=ghi.get) == "espoo" and max(ghi, key=ghi.get) == "golmud"


def test_full_hourly_year_is_fast():
    year("golmud", seed=99)  # warm imports
    from agents.weather import _weather_cached

    t0 = time.perf_counter()
    _weather_cached.__wrapped__("golmud", 1735660800 * 10**9, 8760, 1.0, 1234)
    assert time.perf_counter() - t0 < 0.5


def test_weather_from_arrays_validates_and_decomposes():
    w = year("tianjin")
    custom = weather_from_arrays(w.times_utc[:48], w.temp_c[:48], w.ghi_w_m2[:48], w.wind_speed_m_s[:48],
                                 lat=SITES["tianjin"].lat, lon=SITES["tianjin"].lon)
    assert custom.dt_h == 1.0 and custom.steps == 48
    np.testing.assert_allclose(custom.dni_w_m2, w.dni_w_m2[:48], atol=1e-6)
    with pytest.raises(ValueError, match="temp_c"):
        weather_from_arrays(w.times_utc[:3], [10.0, 20.0], [0, 0, 0], [1, 1, 1], lat=39, lon=117)
    with pytest.raises(ValueError, match="ghi_w_m2"):
        weather_from_arrays(w.times_utc[:2], [1, 2], [-5, 0], [1, 1], lat=39, lon=117)
    with pytest.raises(ValueError, match="times_utc"):
        weather_from_arrays(w.times_utc[[0, 2, 3]], [1, 2, 3], [0, 0, 0], [1, 1, 1], lat=39, lon=117)
    with pytest.raises(ValueError, match="lat/lon"):
        weather_from_arrays(w.times_utc[:2], [1, 2], [0, 0], [1, 1])


def test_unknown_site_is_rejected():
    with pytest.raises(KeyError):
        weather_series("atlantis", "2025-01-01", 10, 1.0, 1)


@pytest.mark.parametrize(("start", "steps", "dt_h"), [("2024-02-28T22:00", 1, 1.0), ("2024-12-31T23:45", 9, 0.25),
                                                      ("2030-07-01T13:00+02:00", 100, 0.5)])
def test_any_start_steps_and_step_length_work(start, steps, dt_h):
    w = weather_series("espoo", start, steps, dt_h, 5)
    assert w.steps == steps and w.dt_h == dt_h
    assert np.all(np.diff(w.times_utc.astype(np.int64)) == round(dt_h * 3600e9))
    assert np.all(np.isfinite(w.temp_c)) and np.all(np.isfinite(w.ghi_w_m2))


def test_quarter_hour_series_agrees_with_hourly_climate():
    hourly, quarter = year("tianjin", 3), year("tianjin", 3, dt_h=0.25)
    assert abs(hourly.temp_c.mean() - quarter.temp_c.mean()) < 0.6
    assert abs(quarter.ghi_w_m2.sum() * 0.25 / hourly.ghi_w_m2.sum() - 1.0) < 0.05


@pytest.mark.parametrize(("steps", "dt_h", "seed"), [(0, 1.0, 1), (10, 0.0, 1), (10, 1.0, -3)])
def test_invalid_horizon_or_seed_is_rejected(steps, dt_h, seed):
    with pytest.raises(ValueError):
        weather_series("hohhot", "2025-01-01", steps, dt_h, seed)


@pytest.mark.parametrize("site", sorted(SITES))
def test_monthly_means_reproduce_the_site_normals(site):
    s = SITES[site]
    temps, winds = [], []
    for seed in range(16):  # monthly wind means of 16 years: sampling error ≈ 2.5 %
        w = year(site, seed)
        month = local_time_fields(w.times_utc, s.tz)["month"]
        temps.append([w.temp_c[month == m].mean() for m in range(1, 13)])
        winds.append([w.wind_speed_m_s[month == m].mean() for m in range(1, 13)])
    np.testing.assert_allclose(np.mean(temps, axis=0), s.temp_normals_c, atol=1.0)
    np.testing.assert_allclose(np.mean(winds, axis=0), s.wind_mean_10m_m_s, rtol=0.10)


@pytest.mark.parametrize("site", sorted(SITES))
def test_monthly_humidity_reproduces_the_normals_and_wet_bulb_stays_below_dry_bulb(site):
    s = SITES[site]
    w = year(site, 3)
    month = local_time_fields(w.times_utc, s.tz)["month"]
    rh = np.array([w.rh_pu[month == m].mean() for m in range(1, 13)])
    np.testing.assert_allclose(rh, s.rh_normals_pu, atol=0.06)
    assert np.all(w.wet_bulb_c <= w.temp_c + 1e-9) and np.all((w.rh_pu >= 0.0) & (w.rh_pu <= 1.0))
    assert not w.wet_bulb_c.flags.writeable


def test_humid_shanghai_has_a_wet_bulb_close_to_the_dry_bulb_and_dry_golmud_far_below():
    shanghai, golmud = year("shanghai"), year("golmud")
    assert (shanghai.temp_c - shanghai.wet_bulb_c).mean() < 3.5
    assert (golmud.temp_c - golmud.wet_bulb_c).mean() > 5.0
    # relative humidity peaks at night (dew point nearly constant over a day, temperature cycles)
    hour = local_time_fields(shanghai.times_utc, "Asia/Shanghai")["hour_of_day"]
    assert shanghai.rh_pu[hour == 5].mean() > shanghai.rh_pu[hour == 15].mean() + 0.1


def test_every_national_hub_node_has_its_own_site():
    """NDRC et al. (2022) "East Data, West Computing": eight hub nodes; Inner Mongolia (Horinger) is the
    hohhot site, the Yangtze River Delta (Qingpu/Wujiang/Jiashan demonstration zone) the shanghai site."""
    for key in (*HUB_SITES, "hohhot", "shanghai"):
        s = SITES[key]
        assert s.sources.startswith(("CMA", "FMI")) and len(s.rh_normals_pu) == 12
    assert len({(SITES[k].lat, SITES[k].lon) for k in SITES}) == len(SITES)


def test_custom_series_with_humidity_gets_a_wet_bulb_and_without_it_the_dry_bulb():
    w = year("tianjin")
    with_rh = weather_from_arrays(w.times_utc[:24], w.temp_c[:24], w.ghi_w_m2[:24], w.wind_speed_m_s[:24],
                                  lat=39.4, lon=117.0, rh_pu=w.rh_pu[:24], altitude_m=5.0)
    np.testing.assert_allclose(with_rh.wet_bulb_c, w.wet_bulb_c[:24], atol=1e-9)
    without = weather_from_arrays(w.times_utc[:24], w.temp_c[:24], w.ghi_w_m2[:24], w.wind_speed_m_s[:24],
                                  lat=39.4, lon=117.0)
    np.testing.assert_array_equal(without.wet_bulb_c, without.temp_c)
    with pytest.raises(ValueError, match="rh_pu"):
        weather_from_arrays(w.times_utc[:2], [1, 2], [0, 0], [1, 1], lat=39, lon=117, rh_pu=[0.5, 1.5])


def test_the_mean_preserving_matrix_is_the_exact_inverse_without_lapack():
    """Built from the circulant eigen-decomposition (same bits in every process), it inverts the system."""
    import numpy as np

    from agents.weather import _MEAN_PRESERVING

    system = (6.0 * np.eye(12) + np.roll(np.eye(12), 1, axis=1) + np.roll(np.eye(12), -1, axis=1)) / 8.0
    assert np.allclose(_MEAN_PRESERVING @ system, np.eye(12), atol=1e-14)
    assert np.array_equal(_MEAN_PRESERVING, _MEAN_PRESERVING.T)


def test_reductions_match_blas_products():
    import numpy as np

    from agents.reductions import column_dot, dot, row_dot

    rng = np.random.default_rng(0)
    m, v, w = rng.random((7, 300)), rng.random(300), rng.random(7)
    assert np.allclose(row_dot(m, v), m @ v) and np.allclose(column_dot(w, m), w @ m)
    assert np.isclose(dot(v, v), v @ v)
