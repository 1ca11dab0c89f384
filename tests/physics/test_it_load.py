import numpy as np
import pytest

from agents.physics.it_load import (
    ACCELERATOR_TFLOPS_PER_W,
    PROFILE_KINDS,
    it_energy_mwh_for_work,
    it_power_mw,
    utilisation_profile,
)


def test_accelerator_efficiencies_from_domain():
    assert ACCELERATOR_TFLOPS_PER_W["A100"] == 1.56 and ACCELERATOR_TFLOPS_PER_W["H100"] == 2.83
    assert ACCELERATOR_TFLOPS_PER_W["cpu"] < ACCELERATOR_TFLOPS_PER_W["A100"]


def test_h100_needs_about_half_the_energy_of_a100_for_the_same_work():
    ratio = it_energy_mwh_for_work(6.7, "H100") / it_energy_mwh_for_work(6.7, "A100")
    assert ratio == pytest.approx(1.56 / 2.83) and 0.5 <= ratio <= 0.6


def test_it_energy_hand_case():
    # 1 EFLOP at 1.56 TFLOPS/W: 1e18 / 1.56e12 J = 641,025.6 J = 1.7806e-4 MWh
    assert it_energy_mwh_for_work(1.0, "A100") == pytest.approx(1e18 / 1.56e12 / 3.6e9)


def test_servers_draw_idle_power_at_zero_load():
    assert it_power_mw(10.0, 0.0) == pytest.approx(3.0)
    assert it_power_mw(10.0, 1.0) == pytest.approx(10.0)
    assert it_power_mw(10.0, 0.5, idle_fraction=0.2) == pytest.approx(6.0)


@pytest.mark.parametrize("kind", PROFILE_KINDS)
def test_profiles_are_deterministic_and_bounded(kind):
    hours = np.arange(0, 24, 0.25)
    a = utilisation_profile(kind, hours, 2)
    assert np.array_equal(a, utilisation_profile(kind, hours, 2))
    assert np.all((a >= 0) & (a <= 1))


def test_online_diurnal_peaks_in_the_evening_and_batch_at_night():
    hours = np.arange(24)
    assert 18 <= int(np.argmax(utilisation_profile("online_diurnal", hours, 1))) <= 22
    assert int(np.argmax(utilisation_profile("batch", hours, 1))) in (0, 1, 2, 3, 4)
    flat = utilisation_profile("training_flat", hours, 1)
    assert flat.max() - flat.min() < 0.1


def test_noise_drawn_by_caller_is_added_and_clipped():
    noise = np.random.default_rng(3).normal(0, 0.5, 24)
    u = utilisation_profile("online_diurnal", np.arange(24), 0, noise=noise)
    assert np.all((u >= 0) & (u <= 1))
    assert not np.array_equal(u, utilisation_profile("online_diurnal", np.arange(24), 0))


def test_unknown_profile_is_rejected():
    with pytest.raises(ValueError):
        utilisation_profile("crypto", 1, 1)


def test_scalar_and_array_inputs_agree():
    hours, dows = np.arange(24.0), np.arange(24) % 7
    arr = utilisation_profile("batch", hours, dows, base_pu=0.5, amplitude_pu=0.3)
    assert [float(utilisation_profile("batch", h, d, base_pu=0.5, amplitude_pu=0.3)) for h, d in zip(hours, dows, strict=True)] == pytest.approx(list(arr))
