import numpy as np
import pytest

from agents.physics.pv import optimal_tilt_deg, pv_power_pu
from agents.weather import SITES, weather_series


def _args(w, s, i=slice(None)):
    return (w.times_utc[i], s.lat, s.lon, w.ghi_w_m2[i], w.dni_w_m2[i], w.dhi_w_m2[i], w.temp_c[i], w.wind_speed_m_s[i])


def test_pv_output_is_zero_at_night_and_bounded_by_inverter():
    s = SITES["golmud"]
    w = weather_series("golmud", "2025-06-01T00:00", 96, 1.0, 1)
    p = pv_power_pu(*_args(w, s), 30.0, altitude_m=s.altitude_m)
    assert np.all(p >= 0) and p.max() <= 1.0 / 1.2 + 1e-9 and p.max() > 0.5
    assert np.all(p[w.ghi_w_m2 == 0] == 0)


def test_clear_noon_hand_check_against_pvwatts():
    # 1000 W/m² on the plane, cell at 25 °C -> P_dc = 1 * (1 - 0.14) = 0.86; inverter clips at 1 / 1.2.
    t = np.array(["2025-06-21T04:00"], dtype="datetime64[ns]")  # solar noon at 120 E
    p = pv_power_pu(t, 30.0, 120.0, 900.0, 900.0, 100.0, 5.0, 5.0, 0.0, dc_ac_ratio=1.0)
    assert 0.6 < float(p[0]) < 0.86


def test_optimal_tilt_rises_with_latitude():
    tilts = optimal_tilt_deg([31.2, 40.8, 60.2])
    assert np.all(np.diff(tilts) > 0) and 20 < tilts[0] < 30


def test_single_step_and_series_agree_on_a_step():
    s = SITES["tianjin"]
    w = weather_series("tianjin", "2025-05-01T00:00", 24, 1.0, 4)
    series = pv_power_pu(*_args(w, s), 33.0)
    # A single time is evaluated at the given instant: pass the mid-step instant to compare.
    i = 12
    mid = w.times_utc[i : i + 1] + np.timedelta64(30, "m")
    single = pv_power_pu(mid, s.lat, s.lon, w.ghi_w_m2[i], w.dni_w_m2[i], w.dhi_w_m2[i], w.temp_c[i],
                         w.wind_speed_m_s[i], 33.0)
    assert float(single[0]) == pytest.approx(series[i], rel=1e-9)


def test_explicit_step_length_places_a_single_step_at_its_middle():
    s = SITES["hohhot"]
    w = weather_series("hohhot", "2025-04-10T00:00", 24, 1.0, 2)
    series = pv_power_pu(*_args(w, s), 35.0)
    i = 13
    single = pv_power_pu(*_args(w, s, slice(i, i + 1)), 35.0, dt_h=1.0)
    assert float(single[0]) == pytest.approx(series[i], rel=1e-9)
