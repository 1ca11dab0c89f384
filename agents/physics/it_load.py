"""IT load of a data center: accelerator efficiency, utilisation profiles, server power.

Sources: DOMAIN.md "Reduce" (A100 ~1.56 TFLOPS/W, H100 ~2.83 TFLOPS/W: NVIDIA data sheets, FP16 tensor
with sparsity, 624 TFLOPS / 400 W and 1,979 TFLOPS / 700 W); idle power share of servers ~30 %
(Barroso & Hölzle, "The Case for Energy-Proportional Computing", IEEE Computer 2007; SPECpower results).
"""

from __future__ import annotations

import numpy as np

#: Peak tensor throughput per watt [TFLOPS/W]. A100/H100 from DOMAIN.md (NVIDIA data sheets, FP16 sparse).
#: "cpu" is an order-of-magnitude estimate for a 4th-gen Xeon with AMX BF16 (~20 TFLOPS at 350 W).
ACCELERATOR_TFLOPS_PER_W: dict[str, float] = {"A100": 1.56, "H100": 2.83, "cpu": 0.06}

PROFILE_KINDS = ("online_diurnal", "training_flat", "batch")

#: Default (base_pu, amplitude_pu, peak hour, weekend shift) per profile kind.
_PROFILE_DEFAULTS = {
    "online_diurnal": (0.55, 0.20, 20.0, -0.05),  # user traffic peaks in the evening, lower at weekends
    "training_flat": (0.85, 0.02, 14.0, 0.0),  # long training jobs keep accelerators busy around the clock
    "batch": (0.60, 0.15, 2.0, 0.05),  # batch work is scheduled into the night and the weekend
}


def utilisation_profile(kind, hour_of_day, day_of_week, base_pu=None, amplitude_pu=None, noise=None):
    """Compute utilisation of a data center's IT [0..1] for the given local hours.

    Returns ``utilisation_pu`` [-] clipped to [0, 1] (ndarray broadcast of the inputs).

    Parameters: ``kind`` one of ``PROFILE_KINDS``; ``hour_of_day`` [h] local time 0..24 (fractional for
    sub-hourly steps); ``day_of_week`` [-] 0 = Monday … 6 = Sunday; ``base_pu`` [-] mean level;
    ``amplitude_pu`` [-] half peak-to-trough swing; ``noise`` [-] optional additive term drawn by the
    caller from ``model.rng`` (the shape itself is deterministic).

    Equation: ``u = base + amplitude * cos(2π (h - h_peak) / 24) + weekend_shift * [dow >= 5] + noise``.
    Defaults (base, amplitude, peak hour, weekend shift): online_diurnal 0.55, 0.20, 20 h, −0.05;
    training_flat 0.85, 0.02, 14 h, 0; batch 0.60, 0.15, 2 h, +0.05 (assumptions documented in
    docs/physics.md; shapes follow published diurnal traces of interactive vs. batch clusters).
    """
    if kind not in _PROFILE_DEFAULTS:
        raise ValueError(f"unknown utilisation profile {kind!r}; expected one of {PROFILE_KINDS}")
    d_base, d_amp, peak_h, weekend_shift = _PROFILE_DEFAULTS[kind]
    base = d_base if base_pu is None else base_pu
    amp = d_amp if amplitude_pu is None else amplitude_pu
    hour = np.asarray(hour_of_day, dtype=float)
    weekend = np.asarray(day_of_week) >= 5
    u = base + amp * np.cos(2.0 * np.pi * (hour - peak_h) / 24.0) + weekend_shift * weekend
    if noise is not None:
        u = u + np.asarray(noise, dtype=float)
    return np.clip(u, 0.0, 1.0)


def it_power_mw(it_capacity_mw, utilisation, idle_fraction=0.3):
    """Electric power drawn by the IT equipment.

    Returns ``it_power_mw`` [MW].

    Parameters: ``it_capacity_mw`` [MW] nameplate IT power; ``utilisation`` [-] compute utilisation 0..1;
    ``idle_fraction`` [-] share of nameplate drawn at zero load (~0.3).

    Equation: ``P_it = P_cap * (idle + (1 - idle) * u)`` (linear server power model, Barroso & Hölzle 2007).
    """
    u = np.clip(np.asarray(utilisation, dtype=float), 0.0, 1.0)
    return np.asarray(it_capacity_mw, dtype=float) * (idle_fraction + (1.0 - idle_fraction) * u)


def it_energy_mwh_for_work(work_eflop, accelerator):
    """IT energy needed to run ``work_eflop`` of compute at peak efficiency on ``accelerator``.

    Returns ``energy_mwh`` [MWh].

    Parameters: ``work_eflop`` [EFLOP] (1e18 floating-point operations); ``accelerator`` key of
    ``ACCELERATOR_TFLOPS_PER_W``.

    Equation: ``E [J] = work [FLOP] / (eff [TFLOPS/W] * 1e12)``; ``E_MWh = E_J / 3.6e9``.
    Same work on an H100 takes 1.56 / 2.83 ≈ 55 % of the A100 energy (DOMAIN.md).
    """
    eff_flop_per_j = ACCELERATOR_TFLOPS_PER_W[accelerator] * 1e12
    return np.asarray(work_eflop, dtype=float) * 1e18 / eff_flop_per_j / 3.6e9
