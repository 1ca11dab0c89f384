import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.physics.cooling import (
    COOLING_TECHNOLOGIES,
    free_cooling_hours,
    overhead_split,
    pue_full_load,
    pue_part_load,
    recoverable_heat_mw,
    wue_l_per_kwh,
)


def test_required_technologies_exist_with_heat_source_temperatures():
    techs = COOLING_TECHNOLOGIES
    for key in ("chiller_tower", "indirect_evaporative", "direct_to_chip", "immersion"):
        assert key in techs
    assert 25 <= techs["chiller_tower"].heat_source_temp_c <= 35
    assert 40 <= techs["direct_to_chip"].heat_source_temp_c <= 55
    assert techs["immersion"].heat_source_temp_c >= techs["direct_to_chip"].heat_source_temp_c


def test_pue_full_load_formula_hand_cases():
    p = COOLING_TECHNOLOGIES["direct_to_chip"]
    assert pue_full_load(p.t_free_c - 10.0, p) == pytest.approx(p.pue_min)
    assert pue_full_load(p.t_free_c + 10.0, p) == pytest.approx(p.pue_min + 10.0 * p.k_pue_per_degc)
    assert pue_full_load(500.0, p) == pytest.approx(p.pue_max)


def test_towers_use_the_wet_bulb_hand_case():
    """Chillers + towers at 30 °C dry bulb: in humid air (wet bulb 26 °C) the PUE is that of a 26 °C wet
    bulb, in dry air (wet bulb 16 °C) of 16 °C — the dry bulb no longer matters."""
    p = COOLING_TECHNOLOGIES["chiller_tower"]
    assert p.wet_bulb_driven and COOLING_TECHNOLOGIES["indirect_evaporative"].wet_bulb_driven
    assert pue_full_load(30.0, p, 26.0) == pytest.approx(p.pue_min + (26.0 - p.t_free_c) * p.k_pue_per_degc)
    assert pue_full_load(30.0, p, 16.0) == pytest.approx(p.pue_min + (16.0 - p.t_free_c) * p.k_pue_per_degc)
    assert pue_full_load(40.0, p, 16.0) == pue_full_load(30.0, p, 16.0)
    assert wue_l_per_kwh(30.0, p, 16.0) < wue_l_per_kwh(30.0, p, 26.0)
    assert free_cooling_hours(np.array([10.0, 10.0]), p, 1.0, np.array([p.t_free_c - 1.0, p.t_free_c + 1.0])) == 1.0
    for tech in ("chiller_tower", "indirect_evaporative"):
        with pytest.raises(ValueError, match="wet_bulb_c"):
            pue_full_load(20.0, tech)
    assert not any(t.wet_bulb_driven for k, t in COOLING_TECHNOLOGIES.items()
                   if k in ("direct_to_chip", "immersion", "liquid_air_hybrid", "air_free_cooling"))


def test_pue_part_load_formula_hand_cases():
    assert pue_part_load(1.4, 1.0) == pytest.approx(1.4)
    # u = 0.5, f_fixed = 0.3: 1 + 0.4 * (0.6 + 0.7) = 1.52
    assert pue_part_load(1.4, 0.5) == pytest.approx(1.52)
    assert np.isfinite(pue_part_load(1.4, 0.0))  # clipped to a small positive utilisation


def test_wue_of_towers_exceeds_dry_liquid_and_rises_in_hot_hours():
    t = np.array([0.0, 20.0, 35.0])
    towers = wue_l_per_kwh(t, "chiller_tower", t - 3.0)
    assert np.all(np.diff(towers) > 0)
    assert np.all(wue_l_per_kwh(t, "direct_to_chip") <= 0.5)
    assert np.all(wue_l_per_kwh(t, "immersion") <= 0.2)


def test_overhead_split_at_pue_1_46_is_69_17_10_4():
    s = overhead_split(1.46)
    for key, share in {"it": 0.69, "cooling": 0.17, "power_conversion": 0.10, "other": 0.04}.items():
        assert abs(float(s[key]) - share) <= 0.03, key
    assert sum(float(v) for v in s.values()) == pytest.approx(1.0)


@pytest.mark.parametrize("pue", [1.05, 1.15, 1.25])
def test_efficient_sites_have_it_above_80_and_cooling_below_10_percent(pue):
    s = overhead_split(pue)
    assert s["it"] >= 0.8 and s["cooling"] < 0.10


def test_overhead_split_sums_to_one_for_arrays():
    pue = np.linspace(1.0, 2.5, 16)
    s = overhead_split(pue)
    np.testing.assert_allclose(sum(s.values()), 1.0)
    assert all(np.all(v >= 0) for v in s.values())


def test_recoverable_heat_never_exceeds_it_power():
    for tech in COOLING_TECHNOLOGIES:
        assert recoverable_heat_mw(10.0, tech) <= 10.0


def test_scalar_and_array_inputs_agree():
    t = np.array([-10.0, 5.0, 18.0, 30.0, 40.0])
    wb = t - 4.0
    for tech in COOLING_TECHNOLOGIES:
        arr = pue_full_load(t, tech, wb)
        assert [float(pue_full_load(x, tech, y)) for x, y in zip(t, wb, strict=True)] == pytest.approx(list(arr))
        assert ([float(wue_l_per_kwh(x, tech, y)) for x, y in zip(t, wb, strict=True)]
                == pytest.approx(list(wue_l_per_kwh(t, tech, wb))))


def test_free_cooling_hours_hand_case():
    t_free = COOLING_TECHNOLOGIES["indirect_evaporative"].t_free_c
    t = np.array([t_free - 5.0, t_free, t_free + 0.1, t_free + 9.0])
    assert free_cooling_hours(t, "indirect_evaporative", 0.25, t) == pytest.approx(0.5)


@settings(max_examples=200, deadline=None)
@given(st.floats(1.0, 4.0, allow_nan=False))
def test_overhead_split_is_a_partition_for_any_pue(pue):
    s = overhead_split(pue)
    assert all(float(v) >= 0.0 for v in s.values())
    assert sum(float(v) for v in s.values()) == pytest.approx(1.0)
    assert float(s["it"]) == pytest.approx(1.0 / pue)
