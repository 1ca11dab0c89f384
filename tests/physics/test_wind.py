import numpy as np
import pytest

from agents.physics.wind import capacity_factor, hub_height_wind_speed, power_curve, wind_power_pu
from agents.weather import weather_series

HUB_HEIGHT_M = 100.0
STEPPE_ROUGHNESS_M = 0.03


def test_power_curve_is_read_from_shipped_oedb_data():
    speeds, pu = power_curve("E-126/4200")
    assert speeds[0] <= 3.0 and pu.max() == pytest.approx(1.0, abs=0.02)
    assert wind_power_pu(2.0) == 0.0 and wind_power_pu(15.0) == pytest.approx(pu.max())
    assert wind_power_pu(40.0) == 0.0  # beyond cut-out
    with pytest.raises(KeyError):
        power_curve("no-such-turbine")


def test_log_law_hand_case():
    expected = 5.0 * np.log(100.0 / 0.1) / np.log(10.0 / 0.1)
    assert hub_height_wind_speed(5.0, 10.0, 100.0, 0.1) == pytest.approx(expected)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_inner_mongolia_capacity_factor_with_hohhot_weather(seed):
    w = weather_series("hohhot", "2025-01-01T00:00", 8760, 1.0, seed)
    v_hub = hub_height_wind_speed(w.wind_speed_m_s, 10.0, HUB_HEIGHT_M, STEPPE_ROUGHNESS_M)
    assert 0.25 <= capacity_factor(wind_power_pu(v_hub)) <= 0.33


def test_scalar_and_array_inputs_agree():
    v = np.array([[0.0, 3.3, 7.1], [12.0, 24.9, 30.0]])
    arr = wind_power_pu(v, "V112/3300")
    assert arr.shape == v.shape
    assert [float(wind_power_pu(x, "V112/3300")) for x in v.ravel()] == pytest.approx(list(arr.ravel()))


def test_density_correction_matches_windpowerlib_and_lowers_output_at_altitude():
    from windpowerlib.power_output import power_curve_density_correction

    speeds, pu = power_curve("E-126/4200")
    v = np.array([3.0, 5.5, 8.0, 10.0, 11.7, 13.0, 20.0])
    rho = 1.10
    ours = wind_power_pu(v, "E-126/4200", density_kg_m3=rho)
    reference = power_curve_density_correction(v, speeds, pu, np.full(v.shape, rho))
    np.testing.assert_allclose(ours, np.asarray(reference, dtype=float), atol=1e-9)
    assert np.all(ours <= wind_power_pu(v) + 1e-12) and ours[2] < wind_power_pu(8.0)


def test_air_density_hand_case():
    from agents.physics.wind import air_density_kg_m3

    assert air_density_kg_m3(0.0, 15.0) == pytest.approx(1.225, abs=0.002)
    assert 0.88 < air_density_kg_m3(2808.0, 5.0) < 0.92
