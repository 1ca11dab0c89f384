import numpy as np
import pytest

from agents.physics.ride_through import backup_share, dips_within_window, transfer_time_s


def test_northern_virginia_sequence_trips_the_three_in_a_minute_rule():
    # NERC 2025: six faults in 82 s → one every 16.4 s → four fall in one minute; the 3rd comes at 32.8 s.
    assert int(dips_within_window(6, 82.0, 60.0)) == 4
    t = transfer_time_s(6, 82.0, [3.0, np.inf, 5.0, 3.0], 60.0, [0.0, 0.0, 0.0, 2.0])
    assert t[0] == pytest.approx(32.8)
    assert np.isinf(t[1])  # rides through every sequence
    assert np.isinf(t[2])  # five in a minute never happen in this sequence
    assert t[3] == pytest.approx(34.8)  # transfer delay added


def test_one_dip_trips_only_a_one_dip_rule():
    t = transfer_time_s(1, 0.0, [1.0, 2.0], 60.0, 0.5)
    assert t[0] == pytest.approx(0.5) and np.isinf(t[1])


def test_backup_share_holds_then_ramps_back_hand_case():
    # transfer at 1.5 h, hold 3 h (to 4.5 h), linear return over 1 h (to 5.5 h); hourly steps
    share = backup_share(np.arange(8.0)[:, None], 1.0, np.array([[1.5]]), 3.0, 1.0)[:, 0]
    assert share == pytest.approx([0.0, 0.5, 1.0, 1.0, 0.875, 0.125, 0.0, 0.0])
    assert share.sum() == pytest.approx(3.0 + 0.5)  # hours on backup = hold + ramp / 2


def test_no_transfer_means_no_backup():
    assert np.all(backup_share(np.arange(4.0), 1.0, np.inf, 3.0, 1.0) == 0.0)
