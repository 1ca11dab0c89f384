"""Grid frequency after a sudden power imbalance (swing equation, droop response).

Sign convention: ``dp_mw`` is the imbalance *generation minus load* created by the event. Losing a
generator gives ``dp_mw < 0`` (frequency falls); a data-center campus tripping to its backup generators is a
loss of load, ``dp_mw > 0`` (frequency rises) — DOMAIN.md "Frequency", Northern Virginia case.
"""

from __future__ import annotations

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
