import numpy as np
import psychrolib
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.physics.psychrometrics import (
    relative_humidity_pu,
    saturation_vapour_pressure_pa,
    wet_bulb_c,
    wet_bulb_stull_c,
)

psychrolib.SetUnitSystem(psychrolib.SI)


def test_saturation_vapour_pressure_reference_values():
    # WMO-No. 8 Annex 4.B (Magnus over water): 0 °C 611.2 Pa; 20 °C ≈ 2,337 Pa; 30 °C ≈ 4,243 Pa
    assert saturation_vapour_pressure_pa(0.0) == pytest.approx(611.2)
    assert saturation_vapour_pressure_pa(20.0) == pytest.approx(2337.0, rel=2e-3)
    assert saturation_vapour_pressure_pa(30.0) == pytest.approx(4243.0, rel=3e-3)


def test_wet_bulb_matches_the_psychrometric_chart_hand_case():
    # ASHRAE psychrometric chart at 101.325 kPa: 20 °C dry bulb, 50 % RH → wet bulb ≈ 13.8 °C
    assert wet_bulb_c(20.0, 0.5) == pytest.approx(13.8, abs=0.15)
    # Stull (2011) gives 13.7 °C for the same air (his worked example)
    assert wet_bulb_stull_c(20.0, 0.5) == pytest.approx(13.7, abs=0.05)
    assert wet_bulb_c(25.0, 1.0) == pytest.approx(25.0, abs=1e-6)  # saturated air: wet bulb = dry bulb


@pytest.mark.parametrize(("temp_c", "rh", "pressure_pa"), [
    (35.0, 0.30, 101_325.0), (30.0, 0.80, 101_325.0), (10.0, 0.40, 72_000.0), (28.0, 0.85, 101_325.0),
    (5.0, 0.60, 89_800.0), (40.0, 0.10, 90_000.0), (15.0, 0.95, 101_325.0),
])
def test_wet_bulb_agrees_with_ashrae_psychrolib(temp_c, rh, pressure_pa):
    reference = psychrolib.GetTWetBulbFromRelHum(temp_c, rh, pressure_pa)
    assert wet_bulb_c(temp_c, rh, pressure_pa) == pytest.approx(reference, abs=0.3)


def test_thin_air_evaporates_more_so_the_wet_bulb_is_lower_at_altitude():
    assert wet_bulb_c(10.0, 0.4, 72_000.0) < wet_bulb_c(10.0, 0.4, 101_325.0) - 0.4


@settings(max_examples=300, deadline=None)
@given(st.floats(-30.0, 50.0), st.floats(0.02, 1.0), st.floats(60_000.0, 105_000.0))
def test_wet_bulb_never_exceeds_dry_bulb_and_is_scalar_array_consistent(temp_c, rh, pressure_pa):
    tw = wet_bulb_c(temp_c, rh, pressure_pa)
    assert np.isfinite(tw) and tw <= temp_c + 1e-9
    arr = wet_bulb_c(np.array([temp_c, temp_c]), np.array([rh, rh]), pressure_pa)
    assert arr == pytest.approx([float(tw)] * 2)


def test_relative_humidity_is_capped_at_saturation():
    assert relative_humidity_pu(20.0, 1e5) == 1.0
    assert relative_humidity_pu(20.0, 0.5 * saturation_vapour_pressure_pa(20.0)) == pytest.approx(0.5)
