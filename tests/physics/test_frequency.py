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


# ---- simulate_contingency: the swing equation with droop, governor lag, reserve and load damping -------------

from agents.physics.frequency import simulate_contingency  # noqa: E402

# A 100 GVA system at 50 Hz, H = 5 s, load 80 GW, governors on 30 GVA at R = 5 %, lag 5 s, reserve 2 GW, D = 1.
SYSTEM = {"h_s": 5.0, "s_mva": 100_000.0, "load_mw": 80_000.0, "governor_mva": 30_000.0, "droop_pu": 0.05,
          "governor_lag_s": 5.0, "reserve_mw": 2000.0, "load_damping_pu": 1.0}


def test_initial_rocof_is_the_swing_equation_at_t0():
    # dp·f0/(2·H·S) = −1,000 × 50 / (2 × 5 × 100,000) = −0.05 Hz/s
    r = simulate_contingency(np.array([-1000.0]), 50.0, **SYSTEM)
    assert r.rocof_hz_per_s[0] == pytest.approx(-0.05, rel=1e-12)


def test_settling_frequency_is_the_droop_and_damping_steady_state():
    # β = 30,000 / (0.05 × 50) = 12,000 MW/Hz; D·L/f0 = 1,600 MW/Hz → Δf = −1,000 / 13,600 = −0.0735 Hz
    r = simulate_contingency(np.array([-1000.0]), 50.0, duration_s=300.0, **SYSTEM)
    assert r.settling_df_hz[0] == pytest.approx(-1000.0 / 13_600.0, rel=1e-4)
    assert r.settling_df_hz[0] == pytest.approx(
        float(frequency_deviation_hz(-1000.0, 50.0, 30_000.0, 2000.0, load_mw=80_000.0)), rel=1e-4)


def test_nadir_lies_below_the_steady_state_with_a_governor_lag():
    slow = simulate_contingency(np.array([-1000.0]), 50.0, duration_s=300.0, **SYSTEM)
    assert slow.nadir_df_hz[0] < 1.5 * slow.settling_df_hz[0] < 0.0  # overshoot of the lagging governors
    fast = simulate_contingency(np.array([-1000.0]), 50.0, duration_s=300.0, **{**SYSTEM, "governor_lag_s": 0.01})
    assert fast.nadir_df_hz[0] == pytest.approx(fast.settling_df_hz[0], rel=0.02)  # no lag: no overshoot


def test_nadir_matches_a_reference_ode_solution():
    from scipy.integrate import solve_ivp

    m, beta, dl, tg = 2 * 5.0 * 100_000.0 / 50.0, 12_000.0, 1600.0, 5.0

    def rhs(_t, y):
        df, pm = y
        return [(-1000.0 + pm - dl * df) / m, (-beta * df - pm) / tg]

    ref = solve_ivp(rhs, (0.0, 60.0), [0.0, 0.0], max_step=0.01, rtol=1e-9, atol=1e-12)
    r = simulate_contingency(np.array([-1000.0]), 50.0, substep_s=0.05, **SYSTEM)
    assert r.nadir_df_hz[0] == pytest.approx(ref.y[0].min(), rel=0.01)


def test_exhausted_primary_reserve_leaves_load_damping():
    # 3,000 MW lost with 2,000 MW reserve: (−3,000 + 2,000) / 1,600 MW/Hz = −0.625 Hz
    r = simulate_contingency(np.array([-3000.0]), 50.0, duration_s=300.0, **SYSTEM)
    assert r.settling_df_hz[0] == pytest.approx(-0.625, rel=1e-3)


def test_loss_of_load_raises_frequency():
    r = simulate_contingency(np.array([1500.0]), 50.0, **SYSTEM)
    assert r.rocof_hz_per_s[0] > 0.0 and r.zenith_df_hz[0] > r.settling_df_hz[0] > 0.0
    assert r.nadir_df_hz[0] == 0.0


def test_staggered_trips_start_with_the_first_group_only():
    both = simulate_contingency(np.array([[500.0, 500.0]]), 50.0, onset_s=[0.0, 0.0], **SYSTEM)
    staggered = simulate_contingency(np.array([[500.0, 500.0]]), 50.0, onset_s=[0.0, 10.0], **SYSTEM)
    assert staggered.rocof_hz_per_s[0] == pytest.approx(0.025)  # 500 MW at t = 0
    assert both.rocof_hz_per_s[0] == pytest.approx(0.05)
    assert staggered.zenith_df_hz[0] < both.zenith_df_hz[0]
    assert staggered.settling_df_hz[0] == pytest.approx(both.settling_df_hz[0], rel=0.05)


def test_contingency_vectorised_over_steps_equals_one_by_one():
    dps = np.array([-2500.0, -800.0, 0.0, 300.0, 1500.0])
    s_mva = np.array([60_000.0, 80_000.0, 100_000.0, 120_000.0, 90_000.0])
    arr = simulate_contingency(dps, 50.0, **{**SYSTEM, "s_mva": s_mva})
    for i, dp in enumerate(dps):
        one = simulate_contingency(np.array([dp]), 50.0, **{**SYSTEM, "s_mva": s_mva[i]})
        for a, b in zip(arr, one, strict=True):
            assert a[i] == b[0]


def test_no_synchronous_machine_gives_no_excursion_rather_than_nan():
    r = simulate_contingency(np.array([-100.0]), 50.0, **{**SYSTEM, "s_mva": 0.0, "governor_mva": 0.0})
    assert all(float(x[0]) == 0.0 for x in r)
