"""CHP physics (agents.physics.chp) against hand calculations: first law, power from heat, CO2 allocation."""

import numpy as np
import pytest

from agents.physics import chp


def test_gas_chp_of_domain_md_obeys_the_first_law():
    # DOMAIN.md: σ 0.6 at a total of 0.88 → η_el 0.33, η_th 0.55. 55 MW of heat needs 100 MW of fuel, gives 33 MW.
    fuel = chp.chp_fuel_mw(55.0, 0.55)
    power = chp.chp_power_mw(55.0, 0.33, 0.55)
    assert fuel == pytest.approx(100.0)
    assert power == pytest.approx(33.0)
    assert power / 55.0 == pytest.approx(0.6)
    assert fuel >= 55.0 + power  # 12 MW of losses


def test_power_from_heat_refuses_efficiencies_that_create_energy():
    with pytest.raises(ValueError, match="first law"):
        chp.chp_power_mw(10.0, 0.528, 0.88)  # the old Espoo unit: 0.88 thermal and σ 0.6 → 141 %
    assert chp.first_law_excess_pu(0.528, 0.88) == pytest.approx(0.408)
    assert chp.first_law_excess_pu(0.33, 0.55) == 0.0


def test_energy_method_shares_by_energy_output():
    share = chp.power_share_of_fuel("energy", 0.33, 0.55)
    assert share == pytest.approx(0.33 / 0.88)  # 0.375
    power, heat = chp.co2_split_t(20.2, share)  # 100 MWh of gas at 0.202 t/MWh
    assert power == pytest.approx(7.575) and heat == pytest.approx(12.625) and power + heat == pytest.approx(20.2)


def test_finnish_benefit_sharing_method_uses_separate_production_references():
    # separate production would need 0.33/0.39 = 0.846 MWh fuel for the power, 0.55/0.90 = 0.611 for the heat
    share = chp.power_share_of_fuel("efficiency", 0.33, 0.55)
    assert share == pytest.approx(0.84615 / (0.84615 + 0.61111), rel=1e-4)  # 0.581
    # heat then carries 0.202 × 0.419 / 0.55 = 0.154 tCO2/MWh_th (energy method: 0.202 / 0.88 = 0.230)
    assert 0.202 * (1 - share) / 0.55 == pytest.approx(0.1539, abs=2e-4)


def test_exergy_method_weights_heat_by_its_carnot_factor():
    # 85/45 °C carrier: T_h = 40 / ln(358.15/318.15) = 337.7 K; T_0 = 10 °C → η_c = 1 − 283.15/337.7 = 0.1616
    eta_c = chp.carnot_factor(85.0, 45.0, 10.0)
    assert eta_c == pytest.approx(1 - 283.15 / (40.0 / np.log(358.15 / 318.15)), rel=1e-9)
    assert eta_c == pytest.approx(0.1616, abs=1e-3)
    share = chp.power_share_of_fuel("exergy", 0.33, 0.55, carnot_factor_pu=eta_c)
    assert share == pytest.approx(0.33 / (0.33 + 0.55 * eta_c))
    assert share > chp.power_share_of_fuel("efficiency", 0.33, 0.55) > chp.power_share_of_fuel("energy", 0.33, 0.55)
    assert chp.carnot_factor(60.0, 60.0, 10.0) == pytest.approx(1 - 283.15 / 333.15)


def test_power_offer_price_is_the_fuel_cost_allocated_per_mwh_of_electricity():
    # gas 273 CNY/MWh + 0.202 t × 507 CNY/t = 375.4 CNY/MWh fuel; energy method: 375.4 × 0.375 / 0.33 = 375.4 / 0.88
    cost = chp.power_cost_per_mwh_el(375.4, chp.power_share_of_fuel("energy", 0.33, 0.55), 0.33)
    assert cost == pytest.approx(375.4 / 0.88)
    assert chp.power_cost_per_mwh_el(375.4, 0.0, 0.0) == 0.0


def test_unknown_allocation_method_is_an_error():
    with pytest.raises(ValueError, match="allocation"):
        chp.power_share_of_fuel("market", 0.33, 0.55)
    with pytest.raises(ValueError, match="Carnot"):
        chp.power_share_of_fuel("exergy", 0.33, 0.55)
