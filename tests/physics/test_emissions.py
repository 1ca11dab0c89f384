import numpy as np
import pytest

from agents.physics.emissions import COAL_CO2_T_PER_MWH, GRID_CO2_T_PER_MWH, co2_t


def test_grid_factors_from_domain():
    expected = {"national": 0.5306, "north_china": 0.6361, "east_china": 0.5500, "northwest": 0.5543,
                "inner_mongolia": 0.6849, "tianjin": 0.7041, "qinghai": 0.1567, "espoo_dh": 0.118}
    assert GRID_CO2_T_PER_MWH == expected


def test_coal_factor_from_gce_and_tco2_per_tce():
    assert 0.3007 * 2.66 <= COAL_CO2_T_PER_MWH <= 0.3007 * 2.77


def test_co2_is_energy_times_factor():
    assert co2_t(1000.0, GRID_CO2_T_PER_MWH["tianjin"]) == pytest.approx(704.1)
    np.testing.assert_allclose(co2_t(np.array([1.0, 2.0]), np.array([0.5, 0.1])), [0.5, 0.2])
