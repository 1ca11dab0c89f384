"""IT load of a data center: accelerator efficiency, compute capacity, utilisation profiles, server power.

Sources: NVIDIA A100 Tensor Core GPU data sheet (A100 SXM 80 GB: FP16 tensor 312 TFLOPS dense, 624 with
2:4 sparsity, 400 W TDP) and NVIDIA H100 Tensor Core GPU data sheet (H100 SXM: FP16 tensor 989 TFLOPS dense,
1,979 with sparsity, up to 700 W). DOMAIN.md "Reduce" quotes the *sparse* per-watt figures (A100 ~1.56,
H100 ~2.83 TFLOPS/W); sparse peaks need 2:4-structured sparse weights and are not delivered work, so the
twin counts compute in **dense FP16 tensor FLOPS** (one stated precision): A100 0.78, H100 1.41 TFLOPS/W
per accelerator. Server power: NVIDIA DGX A100 (8 × A100, 6.5 kW max) and DGX H100 (8 × H100, 10.2 kW
max) data sheets → accelerators draw 49 % and 55 % of a GPU server's power. Idle power share of servers
~30 % (Barroso & Hölzle, "The Case for Energy-Proportional Computing", IEEE Computer 2007; SPECpower).
"""

from __future__ import annotations

import numpy as np

#: Precision in which the twin counts compute work and capacity (every FLOPS figure below).
COMPUTE_PRECISION = "FP16 dense tensor"

#: Peak dense FP16 tensor throughput of one accelerator [TFLOPS] and its board power [W] (NVIDIA data sheets).
#: "cpu": a 4th-gen Xeon with AMX BF16 (order of 20 TFLOPS dense at 350 W; estimate, no sparsity).
ACCELERATOR_DENSE_FP16_TFLOPS: dict[str, float] = {"A100": 312.0, "H100": 989.0, "cpu": 20.0}
ACCELERATOR_POWER_W: dict[str, float] = {"A100": 400.0, "H100": 700.0, "cpu": 350.0}

#: Dense FP16 peak throughput per watt of accelerator power [TFLOPS/W] = TFLOPS / W of the rows above.
ACCELERATOR_TFLOPS_PER_W: dict[str, float] = {
    k: ACCELERATOR_DENSE_FP16_TFLOPS[k] / ACCELERATOR_POWER_W[k] for k in ACCELERATOR_DENSE_FP16_TFLOPS}

#: Sparse (2:4) FP16 peaks per watt quoted by DOMAIN.md [TFLOPS/W] — for reference only, never delivered work.
ACCELERATOR_SPARSE_TFLOPS_PER_W: dict[str, float] = {"A100": 1.56, "H100": 2.83}

#: Share of IT power drawn by the accelerators/compute chips at full load [-]: DGX A100 8 × 400 W / 6.5 kW,
#: DGX H100 8 × 700 W / 10.2 kW; "cpu": 2 × 350 W sockets of a ~1 kW two-socket server (estimate).
ACCELERATOR_SHARE_OF_IT_POWER_PU: dict[str, float] = {"A100": 3.2 / 6.5, "H100": 5.6 / 10.2, "cpu": 0.7}

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
    """Accelerator energy needed to run ``work_eflop`` of dense FP16 compute at peak on ``accelerator``.

    Returns ``energy_mwh`` [MWh] (accelerator boards only: a lower bound of the IT energy).

    Parameters: ``work_eflop`` [EFLOP] (1e18 floating-point operations); ``accelerator`` key of
    ``ACCELERATOR_TFLOPS_PER_W``.

    Equation: ``E [J] = work [FLOP] / (eff [TFLOPS/W] * 1e12)``; ``E_MWh = E_J / 3.6e9``.
    Same work on an H100 takes 0.78 / 1.41 ≈ 55 % of the A100 energy (dense; DOMAIN.md's sparse ratio
    1.56 / 2.83 is the same 55 %).
    """
    eff_flop_per_j = ACCELERATOR_TFLOPS_PER_W[accelerator] * 1e12
    return np.asarray(work_eflop, dtype=float) * 1e18 / eff_flop_per_j / 3.6e9


def compute_capacity_pflops(it_capacity_mw, accelerator, accelerator_count=None):
    """Peak dense FP16 compute capacity of a data center.

    Returns ``capacity_pflops`` [PFLOPS] (1e15 FLOP/s).

    Parameters: ``it_capacity_mw`` [MW] nameplate IT power; ``accelerator`` key of
    ``ACCELERATOR_DENSE_FP16_TFLOPS``; ``accelerator_count`` [-] number of accelerators (None: derived from
    the IT power).

    Equation: with a count, ``C = n · TFLOPS_dense / 1000``; otherwise
    ``C = P_it [W] · share_of_IT_power · (TFLOPS_dense / W_board) / 1000``. Example: 20,000 A100 →
    6,240 PFLOPS; 17.3 MW of DGX-A100-class servers → 17.3e6 · 0.492 · 0.78 / 1000 ≈ 6,643 PFLOPS.
    """
    if accelerator_count is not None:
        return np.asarray(accelerator_count, dtype=float) * ACCELERATOR_DENSE_FP16_TFLOPS[accelerator] / 1000.0
    watts = np.asarray(it_capacity_mw, dtype=float) * 1e6 * ACCELERATOR_SHARE_OF_IT_POWER_PU[accelerator]
    return watts * ACCELERATOR_TFLOPS_PER_W[accelerator] / 1000.0


def delivered_compute_eflop(capacity_pflops, utilisation, dt_h):
    """Work delivered by a data center over steps of ``dt_h`` hours.

    Returns ``work_eflop`` [EFLOP] summed over the last axis of ``utilisation``.

    Parameters: ``capacity_pflops`` [PFLOPS] dense FP16 peak capacity (scalar or per DC, broadcast against
    the leading axes of ``utilisation``); ``utilisation`` [-] compute utilisation 0..1 per step (last axis);
    ``dt_h`` [h] step length.

    Equation: ``W = Σ_t C · u_t · dt_h · 3600 [PFLOP] / 1000`` — never above capacity × utilisation, so the
    mean delivered rate ``W / (Σ dt_h · 3600) ≤ C · mean(u) ≤ C``.
    """
    u = np.clip(np.asarray(utilisation, dtype=float), 0.0, 1.0)
    return np.asarray(capacity_pflops, dtype=float) * u.sum(axis=-1) * dt_h * 3600.0 / 1000.0
