import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.physics.storage import battery_step

finite = {"allow_nan": False, "allow_infinity": False}


def test_charging_hand_case():
    power, soc = battery_step(10.0, 20.0, 0.5, 100.0, 50.0, eta_charge=0.9)
    assert power == pytest.approx(20.0) and soc == pytest.approx(10.0 + 20.0 * 0.9 * 0.5)


def test_discharging_is_limited_by_energy_left():
    # 4 MWh above the floor, eta_d 0.8, 1 h: at most 3.2 MW can reach the grid.
    power, soc = battery_step(5.0, -50.0, 1.0, 100.0, 50.0, eta_discharge=0.8, soc_min_mwh=1.0)
    assert power == pytest.approx(-3.2) and soc == pytest.approx(1.0)


def test_charging_is_limited_by_headroom_and_power():
    power, soc = battery_step(np.array([99.0, 0.0]), 80.0, 1.0, 100.0, 50.0, eta_charge=1.0)
    np.testing.assert_allclose(power, [1.0, 50.0])
    np.testing.assert_allclose(soc, [100.0, 50.0])


@settings(max_examples=300, deadline=None)
@given(
    capacity=st.floats(0.1, 1000, **finite),
    soc_pu=st.floats(0, 1, **finite),
    request=st.floats(-5000, 5000, **finite),
    p_max=st.floats(0, 500, **finite),
    dt_h=st.sampled_from([0.25, 0.5, 1.0, 2.0]),
    eta_c=st.floats(0.5, 1.0, **finite),
    eta_d=st.floats(0.5, 1.0, **finite),
    floor_pu=st.floats(0, 0.5, **finite),
)
def test_battery_never_leaves_its_bounds(capacity, soc_pu, request, p_max, dt_h, eta_c, eta_d, floor_pu):
    soc_min = floor_pu * capacity
    soc0 = soc_min + soc_pu * (capacity - soc_min)
    power, soc = battery_step(soc0, request, dt_h, capacity, p_max, eta_c, eta_d, soc_min)
    assert soc_min - 1e-9 <= soc <= capacity + 1e-9
    assert abs(power) <= p_max + 1e-9
    assert abs(power) <= abs(request) + 1e-9 and power * request >= 0
    expected = soc0 + (power * eta_c * dt_h if power >= 0 else power * dt_h / eta_d)
    assert soc == pytest.approx(expected, abs=1e-6)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(-100, 100, **finite), min_size=1, max_size=48))
def test_a_sequence_of_requests_keeps_soc_within_bounds(requests):
    soc = np.array([0.0, 25.0, 50.0])
    for r in requests:
        _, soc = battery_step(soc, r, 0.25, 50.0, 30.0)
        assert np.all((soc >= 0.0) & (soc <= 50.0))


def test_scalar_and_array_inputs_agree():
    socs, reqs = np.array([0.0, 5.0, 9.0]), np.array([3.0, -4.0, 8.0])
    p, s = battery_step(socs, reqs, 1.0, 10.0, 5.0)
    for i in range(3):
        pi, si = battery_step(socs[i], reqs[i], 1.0, 10.0, 5.0)
        assert (float(pi), float(si)) == pytest.approx((p[i], s[i]))
