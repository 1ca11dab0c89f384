"""Data-center ride-through of voltage dips: which sites transfer to backup, when, and for how long.

A fault sequence on the transmission grid is ``count`` voltage dips evenly spaced over ``span_s`` seconds.
A site whose protection transfers its load to the UPS/backup generators after ``transfer_after_dips`` dips
within ``window_s`` seconds leaves the grid ``transfer_delay_s`` after the dip that completes its count, stays
on backup for ``hold_h`` hours and returns to the grid along a linear ramp of ``ramp_h`` hours.

Source: NERC, *Incident Review: Considering Simultaneous Voltage-Sensitive Load Reductions* (Jan 2025) —
Northern Virginia, 10 July 2024: six faults in 82 s on a 230 kV line; the data centers' rule was to transfer
after three voltage disturbances within a minute; ~1,500 MW left the grid and ~1,260 MW stayed off for hours
(DOMAIN.md "Frequency after a contingency").
"""

from __future__ import annotations

import numpy as np


def dips_within_window(count, span_s, window_s):
    """Largest number of dips of an evenly spaced sequence (``count`` dips over ``span_s`` [s]) that fall in
    any window of ``window_s`` [s]. Returns an int array (broadcast over the inputs)."""
    count = np.asarray(count, dtype=float)
    spacing = np.where(count > 1, np.asarray(span_s, dtype=float) / np.maximum(count - 1.0, 1.0), np.inf)
    with np.errstate(divide="ignore", invalid="ignore"):
        fit = np.where(spacing > 0, np.floor(np.asarray(window_s, dtype=float) / spacing + 1e-9) + 1.0, count)
    return np.minimum(count, fit).astype(int)


def transfer_time_s(count, span_s, transfer_after_dips, window_s, transfer_delay_s):
    """Time after the first dip at which a site's load leaves the grid [s]; ``inf`` when it rides through.

    ``transfer_after_dips`` [-] per site (``inf`` = rides through every sequence), ``window_s`` [s] its counting
    window, ``transfer_delay_s`` [s] from the dip that completes the count to the load leaving the grid.
    With evenly spaced dips the k-th dip (k = transfer_after_dips) comes at ``(k − 1)·span/(count − 1)``.
    """
    k = np.asarray(transfer_after_dips, dtype=float)
    seen = dips_within_window(count, span_s, window_s)
    count = np.asarray(count, dtype=float)
    spacing = np.where(count > 1, np.asarray(span_s, dtype=float) / np.maximum(count - 1.0, 1.0), 0.0)
    trips = np.isfinite(k) & (seen >= k)
    when = (np.where(np.isfinite(k), k, 1.0) - 1.0) * spacing + np.asarray(transfer_delay_s, dtype=float)
    return np.where(trips, when, np.inf)


def _on_backup_integral_h(t_h, hold_h, ramp_h):
    """∫_0^t share(τ) dτ [h] of the profile share = 1 on [0, hold], linear to 0 on [hold, hold + ramp]."""
    t = np.maximum(np.asarray(t_h, dtype=float), 0.0)
    flat = np.minimum(t, hold_h)
    ramp = np.maximum(ramp_h, 1e-12)
    x = np.clip(t - hold_h, 0.0, ramp_h)
    return flat + x - x * x / (2.0 * ramp)


def backup_share(step_start_h, dt_h, trip_h, hold_h, ramp_h):
    """Mean share of a site's load on backup over each step [-] after a transfer at ``trip_h``.

    ``step_start_h`` [h] start of each step on the same clock as ``trip_h`` [h] (``inf``: no transfer),
    ``dt_h`` [h] step length, ``hold_h`` [h] full time on backup, ``ramp_h`` [h] linear return to the grid.
    Broadcasts (e.g. steps ``[T, 1]`` against sites ``[1, n]``). Energy on backup = load × share × dt_h.
    """
    start = np.asarray(step_start_h, dtype=float)
    trip = np.asarray(trip_h, dtype=float)
    finite = np.isfinite(trip)
    trip0 = np.where(finite, trip, 0.0)
    a = _on_backup_integral_h(start - trip0, hold_h, ramp_h)
    b = _on_backup_integral_h(start + dt_h - trip0, hold_h, ramp_h)
    return np.where(finite, (b - a) / dt_h, 0.0)
