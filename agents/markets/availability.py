"""Forced outages of power plants: a two-state (up/down) Markov chain per unit, drawn at build time."""

from __future__ import annotations

import numpy as np


def forced_outage_availability(uniforms: np.ndarray, forced_outage_rate_pu: np.ndarray, mean_outage_h: np.ndarray,
                               dt_h: float) -> np.ndarray:
    """Availability (1 up, 0 down) per step and unit from uniform draws ``uniforms`` [steps, units].

    Two-state Markov chain with mean down time ``mean_outage_h`` [h] (repair rate μ = 1/MTTR) and long-run
    unavailability ``forced_outage_rate_pu`` FOR [-] (failure rate λ = μ·FOR/(1−FOR)); per-step transition
    probabilities 1 − exp(−rate·dt_h). The first step starts down with probability FOR.
    Source: Billinton & Allan, *Reliability Evaluation of Power Systems*, 2nd ed., ch. 2 (two-state model).
    """
    u = np.asarray(uniforms, dtype=float)
    f = np.asarray(forced_outage_rate_pu, dtype=float)
    mttr = np.asarray(mean_outage_h, dtype=float)
    repair = 1.0 - np.exp(-dt_h / mttr)
    with np.errstate(divide="ignore"):
        fail = np.where(f > 0, 1.0 - np.exp(-dt_h * f / ((1.0 - f) * mttr)), 0.0)
    out = np.empty_like(u)
    up = u[0] >= f
    out[0] = up
    for t in range(1, u.shape[0]):
        up = np.where(up, u[t] >= fail, u[t] < repair)
        out[t] = up
    return out
