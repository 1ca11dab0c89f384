import numpy as np
import pytest

from agents.physics.frequency import frequency_deviation_hz, rocof_hz_per_s


def test_rocof_hand_case():
    # Losing 1,000 MW of generation, 50 Hz, H = 5 s on 100,000 MVA: -1000 * 50 / (2 * 5 * 1e5) = -0.05 Hz/s
    assert rocof_hz_per_s(-1000.0, 50.0, 5.0, 100_000.0) == pytest.approx(-0.05)


def test_loss_of_data_center_load_raises_frequency():
    # Northern Virginia: 1,500 MW of data-center load tripped to backup (a surplus of generation).
    assert rocof_hz_per_s(1500.0, 60.0, 4.0, 150_000.0) > 0
    assert frequency_deviation_hz(1500.0, 60.0, 50_000.0, 3000.0, load_mw=100_000.0) > 0


def test_droop_response_within_reserve_hand_case():
    # beta_gen = 10,000 / 0.05 = 200,000 MW/pu, beta_load = 1 * 50,000; dp = -500 MW
    # x = -500 / 250,000 = -0.002 -> df = -0.1 Hz; generators pick up 400 MW < 1,000 MW reserve.
    df = frequency_deviation_hz(-500.0, 50.0, 10_000.0, 1000.0, droop_pu=0.05, load_mw=50_000.0)
    assert df == pytest.approx(-0.1)


def test_exhausted_reserve_leaves_only_load_damping():
    # reserve 100 MW: residual 400 MW / 50,000 MW/pu = -0.008 pu -> -0.4 Hz
    df = frequency_deviation_hz(-500.0, 50.0, 10_000.0, 100.0, droop_pu=0.05, load_mw=50_000.0)
    assert df == pytest.approx(-0.4)
    assert np.isneginf(frequency_deviation_hz(-500.0, 50.0, 10_000.0, 100.0, load_mw=0.0))


def test_scalar_and_array_inputs_agree():
    dps = np.array([-800.0, -100.0, 0.0, 300.0])
    arr = frequency_deviation_hz(dps, 50.0, 5_000.0, 200.0, load_mw=20_000.0)
    assert [float(frequency_deviation_hz(d, 50.0, 5_000.0, 200.0, load_mw=20_000.0)) for d in dps] == pytest.approx(list(arr))
    assert [float(rocof_hz_per_s(d, 50.0, 4.0, 1e4)) for d in dps] == pytest.approx(list(rocof_hz_per_s(dps, 50.0, 4.0, 1e4)))
