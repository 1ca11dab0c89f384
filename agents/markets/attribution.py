"""Renewable share and carbon intensity of the electricity consumers receive, storage included.

Batteries return the energy they stored, so what they discharge carries the renewable share and carbon
content of what they charged. The region's batteries are treated as one pool (energy in ``soc``) whose
renewable fraction ``f`` and carbon content ``c`` [tCO2/MWh stored] are updated by mixing each step:

    f' = (f·(E − D) + m·C) / (E − D + C),   c' = (c·(E − D) + i·C) / (E − D + C)

with E the pool energy before the step, D the energy discharged from it and C the energy charged into it
[MWh], m and i the renewable share and carbon intensity of the step's supply. The supply mix of a step is

    m = (R + R_imp + f·P_dis) / (G + I + P_dis),   i = (CO2 + c·P_dis·dt) / ((G + I + P_dis)·dt)

with R local renewable output, G local generation, I imports, R_imp = Σ_lines I_l·s_l the renewable part of
the imports (line l carries I_l [MW] at renewable share s_l; its CO2 I_l·f_l·dt is part of CO2), P_dis
battery discharge [MW]. (Pool-average attribution, as used for hourly-matched renewable claims; e.g. GHG
Protocol Scope 2 guidance on storage. Imports carry the mix of their line — a location-based, per-line
generation mix, e.g. a UHVDC line from a hydro station — not the receiving region's.)
"""

from __future__ import annotations

import numpy as np

from agents.reductions import row_dot


def import_mix(import_mw, renewable_share_pu, co2_t_per_mwh, dt_h: float):
    """Renewable power [MW] and CO2 [t] per step of the imports of several lines.

    ``import_mw`` [steps, lines] accepted imports, ``renewable_share_pu`` [lines] renewable share of each line's
    energy [-], ``co2_t_per_mwh`` [lines] its CO2 factor [tCO2/MWh]: ``R_imp = Σ_l I_l·s_l``,
    ``CO2_imp = Σ_l I_l·f_l·dt_h``.
    """
    flow = np.atleast_2d(np.asarray(import_mw, dtype=float))
    return row_dot(flow, renewable_share_pu), row_dot(flow, co2_t_per_mwh) * dt_h  # reproducible sums


def supply_mix_with_storage(renewable_mw, generation_mw, import_mw, co2_t, discharge_mw, charged_mwh,
                            discharged_mwh, pool_before_mwh, dt_h: float, f0: float, c0: float,
                            import_renewable_mw=None):
    """Per-step renewable share [-] and carbon intensity [tCO2/MWh = kgCO2/kWh] of supply, and the pool state.

    Arrays are per step: local renewable output, local non-storage generation and imports [MW], electricity
    CO2 incl. imports [t], discharge [MW], energy charged into / discharged from the pool [MWh], pool energy
    before the step [MWh], and the renewable part of the imports [MW] (``import_mix``; default none).
    ``f0``, ``c0``: pool renewable fraction and carbon content at the start. Returns (share, intensity, f, c).
    """
    n = len(renewable_mw)
    if import_renewable_mw is not None:
        renewable_mw = np.asarray(renewable_mw, dtype=float) + np.asarray(import_renewable_mw, dtype=float)
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
