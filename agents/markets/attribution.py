"""Renewable share and carbon intensity of the electricity consumers receive, storage included.

Batteries return the energy they stored, so what they discharge carries the renewable share and carbon
content of what they charged. The region's batteries are treated as one pool (energy in ``soc``) whose
renewable fraction ``f`` and carbon content ``c`` [tCO2/MWh stored] are updated by mixing each step:

    f' = (f·(E − D) + m·C) / (E − D + C),   c' = (c·(E − D) + i·C) / (E − D + C)

with E the pool energy before the step, D the energy discharged from it and C the energy charged into it
[MWh], m and i the renewable share and carbon intensity of the step's supply. The supply mix of a step is

    m = (R + f·P_dis) / (G + I + P_dis),   i = (CO2 + c·P_dis·dt) / ((G + I + P_dis)·dt)

with R renewable output, G other generation, I imports, P_dis battery discharge [MW]. (Pool-average
attribution, as used for hourly-matched renewable claims; e.g. GHG Protocol Scope 2 guidance on storage.)
"""

from __future__ import annotations

import numpy as np


def supply_mix_with_storage(renewable_mw, generation_mw, import_mw, co2_t, discharge_mw, charged_mwh,
                            discharged_mwh, pool_before_mwh, dt_h: float, f0: float, c0: float):
    """Per-step renewable share [-] and carbon intensity [tCO2/MWh = kgCO2/kWh] of supply, and the pool state.

    Arrays are per step: renewable output, non-storage generation and imports [MW], electricity CO2 [t],
    discharge [MW], energy charged into / discharged from the pool [MWh], pool energy before the step [MWh].
    ``f0``, ``c0``: pool renewable fraction and carbon content at the start. Returns (share, intensity, f, c).
    """
    n = len(renewable_mw)
    share = np.zeros(n)
    intensity = np.zeros(n)
    f, c = float(f0), float(c0)
    for t in range(n):
        dis = float(discharge_mw[t])
        supply = float(generation_mw[t]) + float(import_mw[t]) + dis
        if supply > 0.0:
            share[t] = min(max((float(renewable_mw[t]) + f * dis) / supply, 0.0), 1.0)
            intensity[t] = (float(co2_t[t]) + c * dis * dt_h) / (supply * dt_h)
        kept = max(float(pool_before_mwh[t]) - float(discharged_mwh[t]), 0.0)
        charged = float(charged_mwh[t])
        if kept + charged > 0.0:
            f = (f * kept + share[t] * charged) / (kept + charged)
            c = (c * kept + intensity[t] * charged) / (kept + charged)
    return share, intensity, f, c
