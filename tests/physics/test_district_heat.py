import numpy as np
import pytest

from agents.physics.district_heat import (
    DHW_DAILY_PROFILE_PU,
    annual_specific_demand_kwh_per_m2,
    dhw_demand_mw,
    heating_degree_days,
    heating_degree_hours,
    in_heating_season,
    network_loss_mw,
    network_mean_temp_c,
    space_heat_demand_mw,
)
from agents.weather import SITES, local_time_fields, weather_series


def test_degree_hours_and_days_hand_case():
    t = np.array([10.0] * 24 + [20.0] * 24 + [16.0] * 12)  # 2.5 days at 1 h
    assert heating_degree_hours(t, 1.0) == pytest.approx(8 * 24 + 2 * 12)
    assert heating_degree_days(t, 1.0) == pytest.approx(8 + 0 + 2 * 0.5)
    assert heating_degree_days(np.repeat(t, 4), 0.25) == pytest.approx(heating_degree_days(t, 1.0))


def test_heating_season_wraps_the_new_year_inclusive():
    times = np.array(["2025-10-14T12", "2025-10-15T00", "2026-01-20", "2026-04-15T23", "2026-04-16", "2026-07-01"],
                     dtype="datetime64[ns]")
    assert list(in_heating_season(times)) == [False, True, True, True, False, False]
    assert list(in_heating_season(times, (3, 1), (8, 1))) == [False, False, False, True, True, True]


def test_space_heat_demand_hand_case():
    # 100,000 m² at 50 W/m², design -17 °C, base 18: at 0.5 °C half the design load = 2.5 MW
    assert space_heat_demand_mw(0.5, 1e5, 50.0, -17.0) == pytest.approx(2.5)
    assert space_heat_demand_mw(-17.0, 1e5, 50.0, -17.0) == pytest.approx(5.0)
    assert space_heat_demand_mw(20.0, 1e5, 50.0, -17.0) == 0.0
    assert space_heat_demand_mw(-5.0, 1e5, 50.0, -17.0, in_season=False) == 0.0


@pytest.mark.parametrize(
    ("site", "season", "design_temp_c", "design_w_per_m2"),
    [("hohhot", ((10, 15), (4, 15)), -17.0, 45.0), ("tianjin", ((11, 15), (3, 15)), -7.0, 55.0)],
)
def test_northern_china_seasonal_demand_near_106_kwh_per_m2(site, season, design_temp_c, design_w_per_m2):
    w = weather_series(site, "2025-07-01T00:00", 8760, 1.0, seed=3)
    local = local_time_fields(w.times_utc, SITES[site].tz)["local_times"]
    on = in_heating_season(local, *season)
    demand = annual_specific_demand_kwh_per_m2(w.temp_c, 1.0, design_w_per_m2, design_temp_c, in_season=on)
    assert 80.0 <= demand <= 135.0


def test_network_losses():
    assert network_loss_mw(100.0, 0.12) == pytest.approx(12.0)
    with pytest.raises(ValueError):
        network_loss_mw(1.0, 1.2)


def test_scalar_and_array_inputs_agree():
    t = np.array([-20.0, -5.0, 10.0, 25.0])
    arr = space_heat_demand_mw(t, 2e5, 50.0, -15.0)
    assert [float(space_heat_demand_mw(x, 2e5, 50.0, -15.0)) for x in t] == pytest.approx(list(arr))


def test_hot_water_demand_delivers_the_annual_figure_with_two_daily_peaks():
    # 1 million m² × 8.76 kWh/(m²·a) = 8,760 MWh a year = 1 MW on average
    hours = np.arange(8760) % 24 + 0.0
    q = dhw_demand_mw(hours, 1e6, 8.76)
    assert q.mean() == pytest.approx(1.0)
    assert q.sum() * 1.0 == pytest.approx(8760.0)
    assert DHW_DAILY_PROFILE_PU.mean() == pytest.approx(1.0)
    day = q[:24]
    assert day[3] < 0.2 and day[7] > 1.3 and day[20] > 1.5  # night minimum, morning and evening peaks
    assert np.array_equal(dhw_demand_mw(hours[:24], 1e6, 8.76, operating=False), np.zeros(24))
    quarter = dhw_demand_mw(np.arange(96) * 0.25, 1e6, 8.76)  # sub-hourly steps use the hour's value
    assert quarter.sum() * 0.25 == pytest.approx(day.sum())


def test_network_losses_have_a_fixed_part_when_demand_is_zero():
    # UA 0.5 MW/K, 85/45 °C network (mean 65 °C) in 7 °C ground: 0.5 × 58 = 29 MW with no delivered heat
    mean_c = network_mean_temp_c(85.0, 45.0)
    assert mean_c == 65.0
    loss = network_loss_mw(np.array([0.0, 100.0]), 0.0, 0.5, mean_c, 7.0)
    assert loss.tolist() == [29.0, 29.0]
    assert network_loss_mw(0.0, 0.0, 0.5, mean_c, 7.0, operating=False) == 0.0
    assert network_loss_mw(100.0, 0.1, 0.5, 55.0, 7.0) == pytest.approx(10.0 + 24.0)
    with pytest.raises(ValueError):
        network_loss_mw(1.0, 0.1, -1.0)
