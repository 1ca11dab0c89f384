import numpy as np
import pytest

from agents.physics.wind import (
    capacity_factor,
    hub_air_density_kg_m3,
    hub_height_wind_speed,
    power_curve,
    wind_power_pu,
)
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


def _year_cf(site, seed, density=True):
    w = weather_series(site, "2025-01-01T00:00", 8760, 1.0, seed)
    v_hub = hub_height_wind_speed(w.wind_speed_m_s, 10.0, HUB_HEIGHT_M, STEPPE_ROUGHNESS_M)
    rho = hub_air_density_kg_m3(w.pressure_pa, w.temp_c, HUB_HEIGHT_M) if density else None
    return float(capacity_factor(wind_power_pu(v_hub, density_kg_m3=rho)))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_inner_mongolia_capacity_factor_with_hohhot_weather_and_its_air_density(seed):
    assert 0.25 <= _year_cf("hohhot", seed) <= 0.33


@pytest.mark.parametrize(("site", "lower_by_at_least"), [("hohhot", 0.015), ("golmud", 0.03), ("shanghai", -0.002)])
def test_thin_air_of_a_high_site_lowers_the_capacity_factor(site, lower_by_at_least):
    """Hohhot (1,063 m, ρ ≈ 1.10 kg/m³ at hub height on average) and Golmud (2,808 m, ≈ 0.89) lose output
    against the 1.225 kg/m³ of the power curve; Shanghai at sea level barely changes."""
    assert _year_cf(site, 1) <= _year_cf(site, 1, density=False) - lower_by_at_least


def test_hub_density_follows_temperature_and_altitude_like_windpowerlib():
    from windpowerlib.density import barometric

    from agents.weather import SITES

    w = weather_series("hohhot", "2025-01-01T00:00", 8760, 1.0, 1)
    rho = hub_air_density_kg_m3(w.pressure_pa, w.temp_c, 100.0)
    expected = barometric(w.pressure_pa, 0.0, 100.0, w.temp_c + 273.15 - 0.0065 * 98.0)
    np.testing.assert_allclose(rho, expected, rtol=1e-12)
    assert rho[w.temp_c < -10].mean() > rho[w.temp_c > 20].mean() + 0.1  # cold air is denser
    assert w.pressure_pa == pytest.approx(101325.0 * (1 - 2.25577e-5 * SITES["hohhot"].altitude_m) ** 5.25588,
                                          rel=2e-3)


def test_farms_of_one_region_get_distinct_series_correlated_by_distance():
    from agents.weather import farm_wind_speeds_m_s

    w = weather_series("hohhot", "2025-01-01T00:00", 8760, 1.0, 1)
    farms = [("near-a", 41.30, 112.60), ("near-b", 41.10, 111.45), ("far", 45.50, 119.00)]  # ~100 km; ~650 km
    v = farm_wind_speeds_m_s(w, farms, 1)
    corr = np.corrcoef(v.T)
    assert not np.allclose(v[:, 0], v[:, 1])
    assert 0.6 <= corr[0, 1] <= 0.9  # latent 0.95·exp(−100/500) ≈ 0.78
    assert corr[0, 2] < corr[0, 1] - 0.3 and corr[0, 2] > 0.05
    for j in range(3):  # every farm keeps the site's climate (same Weibull marginal per step)
        assert v[:, j].mean() == pytest.approx(w.wind_speed_m_s.mean(), rel=0.06)
    # deterministic and independent of the order farms are listed in
    again = farm_wind_speeds_m_s(w, farms[::-1], 1)
    np.testing.assert_array_equal(again[:, ::-1], v)
    assert not np.array_equal(farm_wind_speeds_m_s(w, farms, 2), v)


def test_vectorised_density_correction_matches_windpowerlib_per_step():
    from windpowerlib.power_output import power_curve_density_correction

    speeds, pu = power_curve("E-126/4200")
    rng = np.random.default_rng(0)
    v = np.concatenate([rng.uniform(0.0, 30.0, 3000), speeds, [speeds[-1] + 0.01, 0.0]])
    rho = rng.uniform(0.85, 1.35, v.size)
    reference = np.asarray(power_curve_density_correction(v, speeds, pu, rho), dtype=float)
    np.testing.assert_allclose(wind_power_pu(v, "E-126/4200", density_kg_m3=rho), reference, atol=1e-12)


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
