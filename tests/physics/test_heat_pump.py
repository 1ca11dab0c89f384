import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.physics.heat_pump import carnot_cop, heat_pump_for_delivery, heat_pump_output


def test_carnot_cop_exact_arithmetic():
    # 40 -> 75 °C, eta 0.5: 0.5 * 348.15 / 35 = 4.973571...
    assert carnot_cop(40.0, 75.0, 0.5) == pytest.approx(0.5 * 348.15 / 35.0, rel=1e-12)


@pytest.mark.parametrize("eta", [0.48, 0.50, 0.53])
def test_cop_25_to_75_within_domain_range(eta):
    assert 3.3 <= carnot_cop(25.0, 75.0, eta) <= 3.7


@pytest.mark.parametrize("eta", [0.46, 0.50, 0.51])
def test_cop_40_to_75_within_domain_range(eta):
    assert 4.5 <= carnot_cop(40.0, 75.0, eta) <= 5.1


def test_cop_edges_of_domain_eta_band_bracket_the_reference_ranges():
    # eta 0.45–0.55 spans the DOMAIN.md ranges (3.3–3.7 and 4.5–5.1) around their middle.
    low, high = carnot_cop([25.0, 40.0], 75.0, 0.45), carnot_cop([25.0, 40.0], 75.0, 0.55)
    assert low[0] < 3.5 < high[0] and low[1] < 4.8 < high[1]


def test_heat_pump_conserves_energy():
    source = np.array([0.0, 1.0, 12.5, 100.0])
    cop = carnot_cop(30.0, np.array([55.0, 65.0, 75.0, 90.0]))
    delivered, electricity = heat_pump_output(source, cop)
    np.testing.assert_allclose(delivered, source + electricity, rtol=1e-12)
    np.testing.assert_allclose(electricity, delivered / cop, rtol=1e-12)


def test_heat_pump_for_delivery_inverts_output():
    cop = carnot_cop(45.0, 70.0)
    delivered, electricity = heat_pump_output(10.0, cop)
    source, electricity_back = heat_pump_for_delivery(delivered, cop)
    assert source == pytest.approx(10.0) and electricity_back == pytest.approx(electricity)


def test_cop_at_or_below_one_is_rejected():
    with pytest.raises(ValueError):
        heat_pump_output(1.0, 1.0)


def test_scalar_and_array_inputs_agree():
    ts = np.array([20.0, 30.0, 45.0])
    arr = carnot_cop(ts, 70.0, 0.5)
    assert [carnot_cop(t, 70.0, 0.5) for t in ts] == pytest.approx(list(arr))


@settings(max_examples=200, deadline=None)
@given(st.floats(0.0, 500.0, allow_nan=False), st.floats(5.0, 60.0), st.floats(30.0, 120.0), st.floats(0.3, 0.6))
def test_first_law_holds_for_any_lift(source_mw, t_source_c, t_sink_c, eta):
    cop = carnot_cop(t_source_c, t_sink_c, eta)
    if cop <= 1.0:
        return
    delivered, electricity = heat_pump_output(source_mw, cop)
    assert delivered == pytest.approx(source_mw + electricity, rel=1e-9, abs=1e-9)
    assert electricity >= 0.0 and delivered >= source_mw


def test_optional_cop_ceiling_for_small_lifts():
    assert carnot_cop(45.0, 50.0, 0.5) > 30.0
    assert carnot_cop(45.0, 50.0, 0.5, cop_max=8.0) == 8.0
    assert carnot_cop(25.0, 75.0, 0.5, cop_max=8.0) == pytest.approx(carnot_cop(25.0, 75.0, 0.5))
