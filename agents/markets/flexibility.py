"""Storage operating strategies: the grid-side power a battery asks for at each step (before SOC limits)."""

from __future__ import annotations

import numpy as np


def tou_request_mw(price_multiplier: np.ndarray, power_capacity_mw: np.ndarray) -> np.ndarray:
    """Time-of-use arbitrage: charge at full power in valley hours, discharge in peak hours, idle when flat.

    Returns request [steps, batteries] [MW] (+ charge / − discharge). ``price_multiplier`` [steps] TOU ratio
    (< 1 valley, > 1 peak); ``power_capacity_mw`` [batteries].
    """
    m = np.asarray(price_multiplier, dtype=float)[:, None]
    sign = np.where(m < 1.0 - 1e-9, 1.0, np.where(m > 1.0 + 1e-9, -1.0, 0.0))
    return sign * np.asarray(power_capacity_mw, dtype=float)[None, :]


def net_load_request_mw(net_load_mw: np.ndarray, power_capacity_mw: np.ndarray, steps_per_day: int) -> np.ndarray:
    """Peak shaving / valley filling: push net load towards its centred daily (rolling 24 h) mean.

    Returns request [steps, batteries] [MW] = clip(mean_24h − net_load, −P, P). ``net_load_mw`` [steps,
    batteries] load minus local renewables seen by each battery [MW]; ``steps_per_day`` = 24 / dt_h.
    """
    net = np.asarray(net_load_mw, dtype=float)
    w = max(int(steps_per_day), 1)
    pad = np.pad(net, ((w // 2, w - 1 - w // 2), (0, 0)), mode="edge")
    csum = np.cumsum(np.vstack([np.zeros((1, net.shape[1])), pad]), axis=0)
    mean = (csum[w:] - csum[:-w]) / w
    p = np.asarray(power_capacity_mw, dtype=float)[None, :]
    return np.clip(mean - net, -p, p)
