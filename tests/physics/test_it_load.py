import numpy as np
import pytest

from agents.physics.it_load import (
    ACCELERATOR_SPARSE_TFLOPS_PER_W,
    ACCELERATOR_TFLOPS_PER_W,
    PROFILE_KINDS,
    compute_capacity_pflops,
    delivered_compute_eflop,
    it_energy_mwh_for_work,
    it_power_mw,
    utilisation_profile,
)


def test_accelerator_efficiencies_are_dense_fp16_from_the_data_sheets():
    # A100 SXM: 312 TFLOPS dense FP16 tensor at 400 W; H100 SXM: 989 at 700 W (NVIDIA data sheets)
    assert ACCELERATOR_TFLOPS_PER_W["A100"] == pytest.approx(0.78)
    assert ACCELERATOR_TFLOPS_PER_W["H100"] == pytest.approx(989.0 / 700.0)
    assert ACCELERATOR_TFLOPS_PER_W["cpu"] < ACCELERATOR_TFLOPS_PER_W["A100"]
    # DOMAIN.md's figures are the sparse peaks: exactly twice the dense ones
    for k, sparse in ACCELERATOR_SPARSE_TFLOPS_PER_W.items():
        assert sparse == pytest.approx(2.0 * ACCELERATOR_TFLOPS_PER_W[k], rel=0.01)


def test_h100_needs_about_half_the_energy_of_a100_for_the_same_work():
    ratio = it_energy_mwh_for_work(6.7, "H100") / it_energy_mwh_for_work(6.7, "A100")
    assert ratio == pytest.approx(0.78 / (989.0 / 700.0)) and 0.5 <= ratio <= 0.6
    assert ratio == pytest.approx(1.56 / 2.83, rel=0.01)  # DOMAIN.md's sparse ratio is the same


def test_it_energy_hand_case():
    # 1 EFLOP at 0.78 TFLOPS/W: 1e18 / 0.78e12 J = 1,282,051 J = 3.561e-4 MWh
    assert it_energy_mwh_for_work(1.0, "A100") == pytest.approx(1e18 / 0.78e12 / 3.6e9)


def test_compute_capacity_hand_cases():
    assert compute_capacity_pflops(17.3, "A100", 20_000) == pytest.approx(6240.0)  # 20,000 × 312 TFLOPS
    # 17.3 MW of DGX A100 (8 × 400 W of 6.5 kW) → 8.52 MW of boards × 0.78 TFLOPS/W = 6,643 PFLOPS
    assert compute_capacity_pflops(17.3, "A100") == pytest.approx(17.3e6 * 3.2 / 6.5 * 0.78 / 1000.0)
    np.testing.assert_allclose(compute_capacity_pflops(np.array([1.0, 2.0]), "H100"),
                               [1e6 * 5.6 / 10.2 * 989 / 700 / 1000, 2e6 * 5.6 / 10.2 * 989 / 700 / 1000])


def test_delivered_compute_never_exceeds_capacity_times_utilisation():
    u = np.array([[0.5, 1.0, 0.25, 0.0]])
    work = delivered_compute_eflop(np.array([6700.0]), u, 1.0)
    assert work[0] == pytest.approx(6700.0 * 1.75 * 3600.0 / 1000.0)  # PFLOPS × h × 3600 s / 1000 → EFLOP
    mean_pflops = work[0] * 1000.0 / (4 * 3600.0)
    assert mean_pflops == pytest.approx(6700.0 * u.mean()) and mean_pflops <= 6700.0
    assert delivered_compute_eflop(100.0, [2.0, -1.0], 0.25) == pytest.approx(100.0 * 1.0 * 900.0 / 1000.0)


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
