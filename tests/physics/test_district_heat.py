import numpy as np
import pytest

from agents.physics.district_heat import (
    annual_specific_demand_kwh_per_m2,
    heating_degree_days,
    heating_degree_hours,
    in_heating_season,
    network_loss_mw,
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
