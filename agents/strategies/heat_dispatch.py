"""Heat utilities that decide on published signals: the day's heat dispatch, DC heat bought or not, the tank.

A heat utility decides once per day, at the day's first step, from what is published and its own state:

- the grid operator's day-ahead forecasts of the day (agents.signals): the wholesale price [CNY/MWh], turned
  into the price the utility pays for electricity (the retail price of that forecast — the published TOU
  tariff under ``tou_tariff`` — or the forecast itself when it buys on the market), and the average or
  marginal carbon intensity [kgCO2/kWh = tCO2/MWh], priced at the strategy's internal carbon price;
- its heat need (demand at the buildings + network losses, from weather and parameters) and its units;
- the heat the data centers offer under its heat_purchase contracts [MW_th] and their price [CNY/MWh_th]
  (a float or a per-step array: indexed contract prices);
- the stored heat of its hot-water tank at the day's start [MWh_th].

Marginal cost of heat of every source k in step t (:func:`unit_heat_cost_cny_per_mwh`) [CNY/MWh_th]::

    c_k[t] = f_k (p_fuel,k + e_fuel,k p_CO2) + (p_buy[t] + p_int ci[t]) e_k[t] − p_sell[t] sigma_k
    c_dc[t] = p_contract[t] + p_buy[t] / COP          (the buyer runs the DC's heat pump; else p_contract[t])

with ``f_k = 1 / eta_th`` fuel per heat of boilers and CHP, ``e_k`` electricity per heat (1/COP of an
air-source heat pump at the hour's outdoor temperature, 1/eta of an electric boiler), ``sigma_k = eta_el /
eta_th`` CHP power per heat sold at the wholesale forecast ``p_sell``, ``p_int`` the internal carbon price on
the forecast grid carbon intensity ``ci``. A contract whose price exceeds the strategy's heat offer
(``dc_heat_max_price_cny_per_mwh``) is not bought in that step.

Dispatch (:func:`plan_heat_day`): the merit order of agents.markets.heat.heat_merit_order — each step the
need is served cheapest first, so DC heat is bought exactly when it is cheaper than the utility's marginal
alternative in that hour, and is rejected (dumped by the DC's own cooling) otherwise. With a tank, the day is
planned in two passes: the merit order without the tank gives each step's marginal heat cost λ[t] (cost of
the dearest source in use, :func:`marginal_heat_tier`; the value of unserved heat where the need exceeds the
capacity), the heat the sources at that cost deliver and their spare capacity; the tank LP of
agents.strategies.storage_schedule (``schedule_heat_tank``, HiGHS, the bucket model with standing loss)
charges at most that spare capacity and discharges at most that output, minimising Σ λ (c − d) dt with the
day's end SOC ≥ the strategy's end target (default: the band's floor — heat is stored when it pays within the
day, not bought to hold the level against standing losses); the merit order is then re-run on the need +
charge − discharge. Because charge and discharge stay within the marginal tier, the LP's objective is the
exact change of the forecast production cost, and doing nothing is feasible: the planned cost never rises.
Heat balance of every step (tested)::

    demand + losses + charge = produced + DC heat + discharge + unserved

No input after the day enters a day's plan (``tests/strategies/test_heat_dispatch.py`` changes the forecasts
after the day and finds the day's plan unchanged).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field
from scipy import sparse
from scipy.optimize import linprog

from agents.markets.heat import heat_merit_order
from agents.strategies.storage_schedule import (
    HeatTankSpec,
    StorageScheduler,
    ThermalStorageStrategySpec,
    _SocBand,
    heat_tank_scheduler,
    schedule_heat_tank,
)

__all__ = ["HeatDayPlan", "HeatDispatchStrategySpec", "UNSERVED_HEAT_CNY_PER_MWH", "marginal_heat_tier",
           "plan_heat_day", "tank_scheduler", "unit_heat_cost_cny_per_mwh"]

# Value of heat not served [CNY/MWh_th] in the tank plan only (the top of the heat-price bound): discharging
# the tank into an hour the units cannot cover is worth more than any production cost.
UNSERVED_HEAT_CNY_PER_MWH = 5000.0
_TOL_MW = 1e-9


class HeatDispatchStrategySpec(_SocBand):
    """How a heat utility decides its day (the actor's ``strategy`` field; run-time decisions may change it)."""

    kind: Literal["day_ahead_merit_order"] = Field(
        "day_ahead_merit_order",
        description="day_ahead_merit_order: each day's heat merit order (units, DC heat, tank) from the day's "
                    "published price and carbon forecasts (agents.strategies.heat_dispatch)")
    dc_heat_max_price_cny_per_mwh: float | None = Field(
        None, ge=0, le=5000,
        description="Heat offer: the most it pays the data center per MWh_th of DC heat [CNY/MWh_th]; in steps "
                    "where the contract price exceeds it the DC heat is not bought; null = bought whenever it is "
                    "cheaper than its marginal alternative")
    electricity_co2_price_cny_per_t: float = Field(
        0.0, ge=0, le=5000,
        description="Internal carbon price on the forecast carbon intensity of the grid electricity its heat "
                    "pumps and electric boilers use [CNY/tCO2], added to the electricity price in its merit order "
                    "(0 = the price alone)")
    carbon_signal: Literal["average", "marginal"] = Field(
        "marginal", description="Which published carbon-intensity forecast the internal carbon price applies to")
    soc_min_pu: float = Field(0.0, ge=0, le=1, description="Tank: lowest stored heat / capacity [-]")
    soc_max_pu: float = Field(1.0, ge=0, le=1, description="Tank: highest stored heat / capacity [-]")
    soc_end_target_pu: float | None = Field(
        None, ge=0, le=1, description="Tank: stored heat each day must end at or above / capacity [-]; null = no "
                                      "target (soc_min_pu): heat is stored only when it pays within the day, never "
                                      "bought just to hold the level against standing losses")

    def tank_strategy(self) -> ThermalStorageStrategySpec:
        """The tank's SOC band as the storage-schedule spec (one rule for every storage band, _SocBand); no end
        target = the band's floor (a tank does not buy heat only to hold its level against standing losses)."""
        end = self.soc_min_pu if self.soc_end_target_pu is None else self.soc_end_target_pu
        return ThermalStorageStrategySpec(soc_min_pu=self.soc_min_pu, soc_max_pu=self.soc_max_pu,
                                          soc_end_target_pu=end)


DEFAULT = HeatDispatchStrategySpec()


def tank_scheduler(tank: HeatTankSpec | None, strategy, dt_h: float) -> StorageScheduler | None:
    """The tank LP of one utility (None without a tank); ``strategy`` without a band (kind none) = defaults."""
    if tank is None:
        return None
    spec = strategy if isinstance(strategy, HeatDispatchStrategySpec) else DEFAULT
    return heat_tank_scheduler(tank, spec.tank_strategy(), dt_h)


def unit_heat_cost_cny_per_mwh(*, fuel_per_heat, fuel_cost_cny_per_mwh, el_per_heat, chp_el_per_heat,
                               buy_price_cny_per_mwh, sell_price_cny_per_mwh, electricity_co2_cost_cny_per_mwh=0.0):
    """Marginal cost of heat of each unit [steps, units] [CNY/MWh_th] (module docstring, ``c_k[t]``).

    ``fuel_per_heat`` [units] MWh fuel per MWh_th; ``fuel_cost_cny_per_mwh`` [units] fuel price + CO2 factor ×
    carbon price; ``el_per_heat`` [steps, units] MWh_el bought per MWh_th; ``chp_el_per_heat`` [units] MWh_el
    sold per MWh_th; ``buy_price_cny_per_mwh`` / ``sell_price_cny_per_mwh`` [steps] the forecast prices it pays
    and earns; ``electricity_co2_cost_cny_per_mwh`` [steps] internal carbon cost of a MWh_el bought.
    """
    buy = np.asarray(buy_price_cny_per_mwh, dtype=float)[:, None] \
        + np.asarray(electricity_co2_cost_cny_per_mwh, dtype=float).reshape(-1, 1)
    sell = np.asarray(sell_price_cny_per_mwh, dtype=float)[:, None]
    return (np.asarray(fuel_per_heat, dtype=float) * np.asarray(fuel_cost_cny_per_mwh, dtype=float)
            + buy * np.asarray(el_per_heat, dtype=float) - sell * np.asarray(chp_el_per_heat, dtype=float))


def marginal_heat_tier(need_mw, capacity_mw, cost_cny_per_mwh, owner, dispatch_mw, unserved_mw):
    """Each utility's marginal heat cost and what the sources at that cost deliver and could add.

    Returns ``(cost_cny_per_mwh, output_mw, spare_mw)`` [steps, utilities]: λ = cost of the dearest source in
    use (ties: every source at that cost), the heat they deliver and their unused capacity; where heat is
    unserved λ = UNSERVED_HEAT_CNY_PER_MWH, output = the unserved heat, spare = 0; where nothing is needed λ
    = the cheapest available source's cost, output 0, spare its capacity.
    """
    need = np.asarray(need_mw, dtype=float)
    steps, n = need.shape
    owner = np.asarray(owner, dtype=int)
    cap = np.broadcast_to(np.asarray(capacity_mw, dtype=float), (steps, owner.size))
    cost = np.broadcast_to(np.asarray(cost_cny_per_mwh, dtype=float), (steps, owner.size))
    lam, out, spare = np.zeros((steps, n)), np.zeros((steps, n)), np.zeros((steps, n))
    for u in range(n):
        cols = np.flatnonzero(owner == u)
        if cols.size == 0:
            lam[:, u] = UNSERVED_HEAT_CNY_PER_MWH
            out[:, u] = unserved_mw[:, u]
            continue
        c, q, x = cost[:, cols], cap[:, cols], dispatch_mw[:, cols]
        used = x > _TOL_MW
        avail = q > _TOL_MW
        dearest_used = np.where(used, c, -np.inf).max(axis=1)
        cheapest = np.where(avail, c, np.inf).min(axis=1)
        lam_u = np.where(used.any(axis=1), dearest_used, np.where(avail.any(axis=1), cheapest, 0.0))
        tier = avail & (np.abs(c - lam_u[:, None]) <= 1e-9 * np.maximum(1.0, np.abs(lam_u[:, None])))
        short = unserved_mw[:, u] > _TOL_MW
        lam[:, u] = np.where(short, UNSERVED_HEAT_CNY_PER_MWH, lam_u)
        out[:, u] = np.where(short, unserved_mw[:, u], (x * tier).sum(axis=1))
        spare[:, u] = np.where(short, 0.0, (np.maximum(q - x, 0.0) * tier).sum(axis=1))
    return lam, out, spare


@dataclass(frozen=True)
class HeatDayPlan:
    """One day's plan. Arrays ``[steps, sources]`` (dispatch) or ``[steps, utilities]``."""

    dispatch_mw: np.ndarray     # heat from each source (contracts, then units) [MW_th]
    unserved_mw: np.ndarray     # need not served [MW_th]
    charge_mw: np.ndarray       # heat into the tank [MW_th]
    discharge_mw: np.ndarray    # heat out of the tank [MW_th]
    soc_mwh: np.ndarray         # stored heat at the end of each step [MWh_th]
    loss_mwh: np.ndarray        # tank standing loss in each step [MWh_th]
    marginal_cost_cny_per_mwh: np.ndarray  # λ of the merit order without the tank [CNY/MWh_th]


def _tank_plan(tank: StorageScheduler, cost, soc0, discharge_cap, charge_cap):
    """The tank's day LP by storage_schedule's HiGHS call; if that raw dual simplex (no presolve) ends without a
    status on a degenerate day, the same LP (``tank.lp``) through ``scipy.optimize.linprog`` (HiGHS with
    presolve) — deterministic either way."""
    try:
        return schedule_heat_tank(tank, cost, soc0, heat_demand_mw_th=discharge_cap,
                                  spare_heat_capacity_mw_th=charge_cap)
    except RuntimeError:
        pass
    c_vec, a, row_lo, row_hi, col_lo, col_hi = tank.lp(cost, soc0, charge_limit_mw=charge_cap,
                                                        discharge_limit_mw=discharge_cap, coupling=True)
    a = sparse.csr_matrix(a)
    hi, lo = np.isfinite(row_hi), np.isfinite(row_lo)
    res = linprog(c_vec, A_ub=sparse.vstack([a[hi], -a[lo]]), b_ub=np.concatenate([row_hi[hi], -row_lo[lo]]),
                  bounds=np.column_stack([col_lo, col_hi]), method="highs")
    if res.status != 0:
        raise RuntimeError(f"heat tank LP not solved: {res.message}")
    steps = cost.shape[0]
    c, d = np.maximum(res.x[:steps].reshape(steps, 1), 0.0), np.maximum(res.x[steps:2 * steps].reshape(steps, 1), 0.0)
    c[c < 1e-9], d[d < 1e-9] = 0.0, 0.0
    return tank._result(c, d, np.asarray(cost, dtype=float), np.asarray(soc0, dtype=float), None, peak=None)


def plan_heat_day(need_mw, capacity_mw, cost_cny_per_mwh, owner, tanks: list[StorageScheduler | None],
                  soc_start_mwh) -> HeatDayPlan:
    """The day's plan of all utilities (module docstring): merit order, then each tank against λ, then the
    merit order on need + charge − discharge.

    ``need_mw`` [steps, utilities] demand + network losses; ``capacity_mw`` / ``cost_cny_per_mwh`` [steps,
    sources]; ``owner`` [sources] utility index; ``tanks`` [utilities] a tank LP or None; ``soc_start_mwh``
    [utilities] stored heat at the day's start (0 without a tank).
    """
    need = np.asarray(need_mw, dtype=float)
    steps, n = need.shape
    dispatch, unserved = heat_merit_order(need, capacity_mw, cost_cny_per_mwh, owner)
    soc0 = np.asarray(soc_start_mwh, dtype=float)
    charge, discharge = np.zeros((steps, n)), np.zeros((steps, n))
    soc, loss = np.broadcast_to(soc0, (steps, n)).copy(), np.zeros((steps, n))
    lam, out, spare = marginal_heat_tier(need, capacity_mw, cost_cny_per_mwh, owner, dispatch, unserved)
    if any(t is not None for t in tanks):
        for u, tank in enumerate(tanks):
            if tank is None:
                continue
            plan = _tank_plan(tank, lam[:, u : u + 1], soc0[u : u + 1], out[:, u : u + 1], spare[:, u : u + 1])
            charge[:, u], discharge[:, u] = plan.charge_mw[:, 0], plan.discharge_mw[:, 0]
            soc[:, u], loss[:, u] = plan.soc_mwh[:, 0], plan.loss_mwh[:, 0]
        if np.any(charge > 0) or np.any(discharge > 0):
            dispatch, unserved = heat_merit_order(np.maximum(need + charge - discharge, 0.0), capacity_mw,
                                                  cost_cny_per_mwh, owner)
    return HeatDayPlan(dispatch, unserved, charge, discharge, soc, loss, lam)
