"""Renewable share and carbon intensity of supply when batteries shift energy in time (hand-worked)."""

import numpy as np

from agents.markets.attribution import supply_mix_with_storage


def test_solar_stored_at_noon_is_renewable_at_night():
    # step 0 (noon): 100 MW PV, 20 MW of it charges an empty pool; step 1 (night): 10 MW gas + 10 MW discharge
    share, intensity, f, c = supply_mix_with_storage(
        renewable_mw=[100.0, 0.0], generation_mw=[100.0, 10.0], import_mw=[0.0, 0.0], co2_t=[0.0, 4.0],
        discharge_mw=[0.0, 10.0], charged_mwh=[20.0, 0.0], discharged_mwh=[0.0, 10.0],
        pool_before_mwh=[0.0, 20.0], dt_h=1.0, f0=0.0, c0=0.0)
    assert share.tolist() == [1.0, 0.5]  # night: half gas, half stored solar
    assert intensity.tolist() == [0.0, 4.0 / 20.0]  # gas 0.4 t/MWh diluted by zero-carbon storage
    assert f == 1.0 and c == 0.0


def test_pool_mixes_what_it_charged():
    # 10 MWh stored at share 1, then 10 MWh charged from a fully fossil step: the pool becomes 50 % renewable
    share, intensity, f, c = supply_mix_with_storage(
        renewable_mw=[0.0], generation_mw=[30.0], import_mw=[0.0], co2_t=[24.0], discharge_mw=[0.0],
        charged_mwh=[10.0], discharged_mwh=[0.0], pool_before_mwh=[10.0], dt_h=1.0, f0=1.0, c0=0.0)
    assert share[0] == 0.0 and intensity[0] == 0.8
    assert f == 0.5 and np.isclose(c, 0.4)


def test_no_supply_gives_zero_share_and_intensity():
    share, intensity, f, c = supply_mix_with_storage([0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], [0.0], 0.25,
                                                     0.3, 0.2)
    assert share[0] == 0.0 and intensity[0] == 0.0 and (f, c) == (0.3, 0.2)


def test_imports_carry_the_renewable_share_of_their_line():
    # 100 MW local coal (80 t), 60 MW over a hydro line (share 1, 0 t/MWh) and 40 MW over an AC line (share 0.2,
    # 0.6 t/MWh): share = (60 + 8) / 200 = 0.34, intensity = (80 + 24) / 200 = 0.52 t/MWh
    from agents.markets.attribution import import_mix

    renewable, co2 = import_mix([[60.0, 40.0]], [1.0, 0.2], [0.0, 0.6], dt_h=1.0)
    assert renewable.tolist() == [68.0] and co2.tolist() == [24.0]
    share, intensity, _, _ = supply_mix_with_storage(
        renewable_mw=[0.0], generation_mw=[100.0], import_mw=[100.0], co2_t=[80.0 + co2[0]], discharge_mw=[0.0],
        charged_mwh=[0.0], discharged_mwh=[0.0], pool_before_mwh=[0.0], dt_h=1.0, f0=0.0, c0=0.0,
        import_renewable_mw=renewable)
    assert np.isclose(share[0], 0.34) and np.isclose(intensity[0], 0.52)
    # without the line mix (today's main) the same supply counted 0 % renewable
    share0, *_ = supply_mix_with_storage([0.0], [100.0], [100.0], [104.0], [0.0], [0.0], [0.0], [0.0], 1.0, 0.0, 0.0)
    assert share0[0] == 0.0
