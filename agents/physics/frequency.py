"""Grid frequency after a sudden power imbalance (swing equation, droop response).

Sign convention: ``dp_mw`` is the imbalance *generation minus load* created by the event. Losing a
generator gives ``dp_mw < 0`` (frequency falls); a data-center campus tripping to its backup generators is a
loss of load, ``dp_mw > 0`` (frequency rises) — DOMAIN.md "Frequency", Northern Virginia case.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


def rocof_hz_per_s(dp_mw, f0_hz, h_s, s_mva):
    """Initial rate of change of frequency after an imbalance.

    Returns ``rocof_hz_per_s`` [Hz/s] (signed, same sign as ``dp_mw``).

    Parameters: ``dp_mw`` [MW] imbalance generation − load; ``f0_hz`` [Hz] nominal frequency (50 in China,
    Finland); ``h_s`` [s] system inertia constant on base ``s_mva``; ``s_mva`` [MVA] rated power of the
    synchronous machines online.

    Equation (swing equation at t = 0+): ``df/dt = dp * f0 / (2 * H * S)``. Source: DOMAIN.md "Frequency";
    Kundur, Power System Stability and Control (1994), §3.9.
    """
    return np.asarray(dp_mw, dtype=float) * f0_hz / (2.0 * np.asarray(h_s, dtype=float) * np.asarray(s_mva, dtype=float))


def frequency_deviation_hz(dp_mw, f0_hz, responsive_capacity_mw, reserve_mw, droop_pu=0.05, load_mw=0.0, load_damping_pu=1.0):
    """Quasi-steady-state frequency deviation after primary (droop) response.

    Returns ``df_hz`` [Hz] (signed; ±inf when the imbalance exceeds reserves and there is no load damping).

    Parameters: ``dp_mw`` [MW] imbalance generation − load; ``f0_hz`` [Hz]; ``responsive_capacity_mw`` [MW]
    rating of units on droop control; ``reserve_mw`` [MW] primary reserve they may deploy (symmetric);
    ``droop_pu`` [-] speed droop R (0.04–0.05 typical); ``load_mw`` [MW] system load;
    ``load_damping_pu`` [-] load-frequency sensitivity D (% load change per % frequency change, ~1–2).

    Model: with ``x = df / f0`` the generators change output by ``-(S_r / R) x`` clipped to ``±reserve`` and
    the load by ``D * L * x``; equilibrium ``dp - (S_r / R) x - D L x = 0`` gives
    ``x = dp / (S_r / R + D L)`` while within reserve, else ``x = (dp ∓ reserve) / (D L)``.
    Source: Kundur (1994) §11.1 (primary frequency control); ENTSO-E/State Grid droop 4–5 %.
    """
    dp = np.asarray(dp_mw, dtype=float)
    beta_gen = np.asarray(responsive_capacity_mw, dtype=float) / droop_pu
    beta_load = np.asarray(load_damping_pu, dtype=float) * np.asarray(load_mw, dtype=float)
    reserve = np.asarray(reserve_mw, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_free = dp / (beta_gen + beta_load)
        saturated = np.abs(beta_gen * x_free) > reserve
        residual = dp - np.sign(dp) * reserve
        x_sat = np.where(beta_load > 0, residual / np.where(beta_load > 0, beta_load, 1.0), np.sign(dp) * np.inf)
        x = np.where(saturated, x_sat, x_free)
    return x * f0_hz


class ContingencyResponse(NamedTuple):
    """Frequency excursion of one contingency per step [steps] (deviations from nominal, signed)."""

    nadir_df_hz: np.ndarray  # lowest Δf in the window (≤ 0) [Hz]
    zenith_df_hz: np.ndarray  # highest Δf in the window (≥ 0) [Hz]
    rocof_hz_per_s: np.ndarray  # steepest dΔf/dt at the onsets, signed (= dp·f0/(2·H·S) for one group) [Hz/s]
    settling_df_hz: np.ndarray  # Δf at the end of the window (quasi-steady after primary response) [Hz]


def simulate_contingency(dp_mw, f0_hz, h_s, s_mva, load_mw, governor_mva, *, droop_pu=0.05, governor_lag_s=5.0,
                         reserve_mw=np.inf, load_damping_pu=1.0, onset_s=0.0, duration_s=60.0,
                         substep_s=0.1) -> ContingencyResponse:
    """Frequency after a sudden imbalance, integrated over ``duration_s`` for every step at once.

    Parameters (arrays broadcast over the ``[steps]`` axis; scalars allowed):
    ``dp_mw`` [MW] imbalance generation − load, ``[steps]`` for one disturbance or ``[steps, groups]`` for
    several that start at ``onset_s`` [s] (one per group; e.g. data centers transferring after different
    delays); ``f0_hz`` [Hz]; ``h_s`` [s] inertia constant on ``s_mva`` [MVA], the rating of the synchronous
    machines online; ``load_mw`` [MW] system load; ``governor_mva`` [MVA] rating of the units on primary
    (droop) control; ``droop_pu`` R [-]; ``governor_lag_s`` T_g [s] first-order governor/turbine lag;
    ``reserve_mw`` [MW] primary reserve (limit of the governors' response, each direction);
    ``load_damping_pu`` D [-] (% load change per % frequency change); ``substep_s`` [s] integration step.

    Model (per-unit swing equation of the aggregated system, DOMAIN.md "Frequency after a contingency"):
    ``2H/f0 · dΔf/dt = ΔP_m − ΔP_e − D·Δf`` in MW: ``(2·H·S/f0)·dΔf/dt = dp(t) + P_m − D·L·Δf/f0``;
    primary response ``dP_m/dt = (clip(−Δf·S_gov/(R·f0), −reserve, +reserve) − P_m)/T_g``.
    Integrated semi-implicitly (frequency with the current P_m, then the lag exactly for a held target), so
    the first sub-step gives the initial ROCOF ``dp·f0/(2·H·S)`` exactly and the fixed point is the
    quasi-steady state ``Δf = dp/(S_gov/(R·f0) + D·L/f0)`` of :func:`frequency_deviation_hz`.
    No secondary control (AGC) acts within the window. Source: Kundur, Power System Stability and Control
    (1994) §11.1 (primary control, load damping) and §3.9 (swing equation).
    """
    dp = np.asarray(dp_mw, dtype=float)
    if dp.ndim == 1:
        dp = dp[:, None]
    onset = np.broadcast_to(np.asarray(onset_s, dtype=float), (dp.shape[1],))
    steps = dp.shape[0]
    order = np.argsort(onset, kind="stable")
    # cumT[j] = imbalance once the first j groups started, one contiguous row per j
    cum_t = np.concatenate([np.zeros((1, steps)), np.cumsum(dp[:, order], axis=1).T], axis=0)
    n_sub = max(1, int(round(duration_s / substep_s)))
    started = np.searchsorted(onset[order], np.arange(n_sub) * substep_s + 1e-12, side="right")  # groups on
    m = np.broadcast_to(2.0 * np.asarray(h_s, dtype=float) * np.asarray(s_mva, dtype=float) / f0_hz, (steps,))
    dt_m = np.where(m > 0.0, substep_s / np.where(m > 0.0, m, 1.0), 0.0)  # no synchronous machine: no excursion
    neg_beta = np.broadcast_to(-np.asarray(governor_mva, dtype=float) / (droop_pu * f0_hz), (steps,))  # MW/Hz
    damping = np.broadcast_to(np.asarray(load_damping_pu, dtype=float) * np.asarray(load_mw, dtype=float)
                              / f0_hz, (steps,))  # MW/Hz
    reserve = np.broadcast_to(np.asarray(reserve_mw, dtype=float), (steps,))
    alpha = 1.0 - np.exp(-substep_s / governor_lag_s)
    df, pm, lo, hi, rocof = (np.zeros(steps) for _ in range(5))
    step_df = np.empty(steps)
    target = np.empty(steps)
    previous = 0
    for k in range(n_sub):
        # Δf increment over the sub-step: (dp + P_m − D·L·Δf/f0) · dt / (2HS/f0)
        np.multiply(damping, df, out=step_df)
        np.subtract(pm, step_df, out=step_df)
        step_df += cum_t[started[k]]
        step_df *= dt_m
        if k == 0 or started[k] != previous:  # the rate jumps when a group starts and relaxes afterwards
            steeper = np.abs(step_df) > np.abs(rocof) * substep_s
            np.copyto(rocof, step_df / substep_s, where=steeper)
            previous = started[k]
        df += step_df
        np.minimum(lo, df, out=lo)
        np.maximum(hi, df, out=hi)
        # governors move towards −β·Δf (limited by the reserve) with lag T_g (exact for a held target)
        np.multiply(neg_beta, df, out=target)
        np.clip(target, -reserve, reserve, out=target)
        target -= pm
        target *= alpha
        pm += target
    return ContingencyResponse(lo, hi, rocof, df)
