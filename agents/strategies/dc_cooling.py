"""Cooling that follows the shifted IT load, and cold storage (chilled-water or liquid-loop tank).

Facility power of a shifted IT schedule is recomputed with the cooling physics of agents.physics.cooling
(``pue_part_load``, ``overhead_split``), never with copied formulas. A cold-storage tank lets the chillers make
cold when electricity is cheap and cover part of the cooling load from the tank when it is dear (DOMAIN.md
"Inside the data center": cold storage in the liquid-cooling loop or chilled water so cooling power can follow
prices; ASHRAE Handbook HVAC Applications 2019 ch. 51 "Thermal storage" for chilled-water tanks, standing
losses of order 1 %/day for stratified tanks).

Model of the chillers: all IT power ends as heat (DOMAIN.md "Reuse"), so the cooling load is ``Q = P_it``
[MW_th]; the cooling electricity ``P_cool = P_fac · cooling_share(PUE)`` (``overhead_split``) gives the
hour's effective coefficient of performance ``COP_t = Q_t / P_cool,t``. Cold made or released by the tank
changes the chillers' output at that hour's COP (assumption: cooling power ∝ heat rejected, as in
``DataCenterFleet.set_heat_delivery``): ``P_cool' = (Q − q_dis + q_ch) / COP``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from agents.physics import cooling


class ColdStorageSpec(BaseModel):
    """A chilled-water or liquid-loop cold store of one data center and its rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    capacity_mwh_th: float = Field(gt=0, le=100000, description="Usable cold stored when full [MWh_th]")
    charge_mw_th: float = Field(gt=0, le=10000, description="Most cold the chillers can put into the tank [MW_th]")
    discharge_mw_th: float = Field(gt=0, le=10000, description="Most cold the tank can deliver [MW_th]")
    loss_pu_per_h: float = Field(0.0005, ge=0, le=0.1,
                                 description="Standing loss: share of the stored cold lost per hour [1/h]")
    soc_initial_pu: float = Field(0.5, ge=0, le=1, description="Stored cold at the start / capacity [-]")
    charge_quantile: float = Field(0.33, ge=0, le=1,
                                   description="Charge in steps whose cold price is at or below this quantile of "
                                               "the window's forecast [-]")
    discharge_quantile: float = Field(0.67, ge=0, le=1,
                                      description="Discharge in steps whose cold price is at or above this "
                                                  "quantile [-]")
    min_spread_pu: float = Field(0.05, ge=0, le=1,
                                 description="Act only if (high − low) / high cold price of the window reaches this "
                                             "[-] (covers the standing loss)")


def facility_power_mw(it_mw, it_capacity_mw, pue_full, fixed_overhead_pu=0.3):
    """Facility power of an IT schedule [MW] = ``P_it · pue_part_load(pue_full, P_it / P_cap, f_fixed)``.

    Parameters: ``it_mw`` [steps, members] (shifted) IT power; ``it_capacity_mw`` [members]; ``pue_full``
    [steps, members] or [steps, 1] full-load PUE of the hour (``cooling.pue_full_load``); ``fixed_overhead_pu``.
    Same equation as ``DataCenterFleet.build`` (agents.physics.cooling.pue_part_load, DOMAIN.md).
    """
    it = np.asarray(it_mw, dtype=float)
    cap = np.asarray(it_capacity_mw, dtype=float)
    return it * cooling.pue_part_load(pue_full, it / cap, fixed_overhead_pu)


def cooling_power_mw(facility_mw, it_mw):
    """Cooling electricity [MW] = ``P_fac · overhead_split(P_fac / P_it)["cooling"]`` (agents.physics.cooling)."""
    fac = np.asarray(facility_mw, dtype=float)
    it = np.asarray(it_mw, dtype=float)
    return fac * cooling.overhead_split(fac / np.maximum(it, 1e-12))["cooling"]


@dataclass(frozen=True)
class ColdStoragePlan:
    """One window [steps, members]: ``charge_mw_th`` / ``discharge_mw_th`` [MW_th] tank flows, ``loss_mw_th``
    standing loss, ``cooling_power_mw`` chiller electricity after the tank, ``delta_power_mw`` its change,
    ``soc_mwh_th`` [steps + 1, members] stored cold at the step boundaries (row 0 = the state carried in)."""

    charge_mw_th: np.ndarray
    discharge_mw_th: np.ndarray
    loss_mw_th: np.ndarray
    cooling_power_mw: np.ndarray
    delta_power_mw: np.ndarray
    soc_mwh_th: np.ndarray


def schedule_cold_storage(cooling_load_mw_th, cooling_power_mw_, price_cny_per_mwh, dt_h, soc_mwh_th, *,
                          capacity_mwh_th, charge_mw_th, discharge_mw_th, loss_pu_per_h, charge_quantile=0.33,
                          discharge_quantile=0.67, min_spread_pu=0.05) -> ColdStoragePlan:
    """Shift cooling power within a cold store's limits toward the window's cheap hours (a threshold rule).

    Parameters: ``cooling_load_mw_th`` [steps, members] cold the IT needs (= IT power); ``cooling_power_mw_``
    [steps, members] chiller electricity without storage; ``price_cny_per_mwh`` [steps] or [steps, members]
    published price forecast; ``dt_h`` [h]; ``soc_mwh_th`` [members] stored cold carried in; tank parameters
    [members] (``ColdStorageSpec`` fields).

    Rule (per member, forward over the window): the cold price is ``π_t = price_t / COP_t`` [CNY/MWh_th];
    with ``π_lo``, ``π_hi`` the window's charge/discharge quantiles and ``(π_hi − π_lo)/π_hi ≥ min_spread``, charge
    ``q_ch = min(charge_max, (E_max − E(1 − λ dt)) / dt)`` where ``π_t ≤ π_lo``, discharge
    ``q_dis = min(discharge_max, Q_t, E(1 − λ dt)/dt)`` where ``π_t ≥ π_hi``. Tank: ``E' = E(1 − λ dt) +
    (q_ch − q_dis) dt`` with loss ``λ E dt``; ``0 ≤ E ≤ E_max`` (tested); the cooling load is always met.
    """
    q = np.asarray(cooling_load_mw_th, dtype=float)
    p_cool = np.asarray(cooling_power_mw_, dtype=float)
    w, m = q.shape
    cop = np.where(p_cool > 1e-12, q / np.maximum(p_cool, 1e-12), np.inf)
    price = np.broadcast_to(np.asarray(price_cny_per_mwh, dtype=float).reshape(w, -1), (w, m))
    pi = price / cop
    lo = np.quantile(pi, charge_quantile, axis=0)
    hi = np.quantile(pi, discharge_quantile, axis=0)
    active = (hi > lo) & ((hi - lo) >= min_spread_pu * np.abs(hi))
    e_max = np.broadcast_to(np.asarray(capacity_mwh_th, dtype=float), (m,))
    ch_max = np.broadcast_to(np.asarray(charge_mw_th, dtype=float), (m,))
    dis_max = np.broadcast_to(np.asarray(discharge_mw_th, dtype=float), (m,))
    keep = 1.0 - np.broadcast_to(np.asarray(loss_pu_per_h, dtype=float), (m,)) * dt_h
    soc = np.empty((w + 1, m))
    soc[0] = np.clip(np.asarray(soc_mwh_th, dtype=float), 0.0, e_max)
    ch = np.zeros((w, m))
    dis = np.zeros((w, m))
    finite = np.isfinite(cop)  # no chiller running: nothing to shift
    charge_now = active & (pi <= lo) & finite
    discharge_now = active & (pi >= hi) & ~charge_now & finite
    for t in range(w):
        kept = soc[t] * keep
        ch[t] = np.where(charge_now[t], np.clip((e_max - kept) / dt_h, 0.0, ch_max), 0.0)
        dis[t] = np.where(discharge_now[t], np.minimum(np.minimum(dis_max, q[t]), kept / dt_h), 0.0)
        soc[t + 1] = np.clip(kept + (ch[t] - dis[t]) * dt_h, 0.0, e_max)
    loss = soc[:-1] * (1.0 - keep) / dt_h
    new_power = np.where(finite, (q - dis + ch) / np.where(finite, cop, 1.0), p_cool)
    return ColdStoragePlan(charge_mw_th=ch, discharge_mw_th=dis, loss_mw_th=loss, cooling_power_mw=new_power,
                           delta_power_mw=new_power - p_cool, soc_mwh_th=soc)
