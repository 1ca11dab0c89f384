"""Storage that bids its own schedule: a per-window (day) linear programme over the published forecasts.

A fleet calls :meth:`StorageScheduler.schedule` once per decision window (a day, at the day boundary) with
ONLY published signals — the grid operator's day-ahead wholesale price forecast [CNY/MWh] for the window,
optionally the forecast net load the members see [MW] — and the members' own state (SOC at the window
start). It returns the members' planned grid-side power for the window, vectorised over all members that
share one strategy (arrays ``[steps, members]``). Nothing after the window is an input, so no decision
can depend on the future (tests/strategies/test_storage_schedule.py).

Batteries (:class:`StorageStrategySpec`) and heat tanks (:class:`ThermalStorageStrategySpec` with the tank's
physics in :class:`HeatTankSpec`) share one LP, the "bucket" model of PyPSA's ``StorageUnit``
(https://pypsa.readthedocs.io, Components → StorageUnit), per member ``j`` and step ``t``::

    s[t] = a * s[t-1] + eta_c * c[t] * dt - d[t] * dt / eta_d         (a = (1 - standing_loss_pu_per_h) ** dt)
    0 <= c[t] <= C[t],  0 <= d[t] <= D[t],  c[t] / C + d[t] / D <= 1   (C, D: power limits less reserve)
    s_lo <= s[t] <= s_hi,  s[T-1] >= s_end                             (end-of-window target: windows chain)
    sum_t d[t] * dt / eta_d <= N_cycles * E                            (optional cycle limit)
    net[t] + c[t] - d[t] <= z                                          (peak_shaving only)
    min  sum_t dt * ((p[t] + k_deg) * c[t] + (k_deg - p[t]) * d[t]) + w_peak * z

with ``c``/``d`` grid-side charge/discharge power [MW], ``s`` energy at the end of step t [MWh], ``p`` the
forecast price (batteries) or forecast heat marginal cost (tanks) [CNY/MWh], ``k_deg`` degradation cost
per MWh of grid-side throughput. Reserve ``r`` [MW] offered for ``h_r`` hours shrinks the power limits to
``P - r`` and the SOC band to ``[s_min + r h_r / eta_d, s_max - r h_r eta_c]``, so the schedule can still
deliver ``r`` up or down at every step (the headroom is kept in both directions).

Solver: HiGHS (Huangfu & Hall 2018, Math. Prog. Comp. 10:119), the solver behind
``scipy.optimize.linprog(method="highs")``, called through its own Python API ``highspy`` because scipy's
wrapper costs ~2–5 ms per call, which over 365 windows would exceed the model's budget; the tests check the
result against ``scipy.optimize.linprog`` on the same problem. Every window is solved cold (a fresh model,
dual simplex, no presolve, one thread), so a window's schedule depends only on that window's inputs — the
same result after a checkpoint resume. Doing nothing is always feasible when the start SOC meets the end
target, so the optimal forecast revenue is ≥ 0 (the issue's "battery arbitrage earns ≥ 0" criterion).

Rule kinds ``tou_rule`` and ``net_load_rule`` wrap the build-time rules of agents.markets.flexibility over
the window's forecast, simulated step by step within the limits (they keep reserve headroom and the SOC
band, but do not aim at the end target).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import highspy
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator
from scipy import sparse

from agents.markets import flexibility

__all__ = [
    "HeatTankSpec",
    "StorageSchedule",
    "StorageScheduler",
    "StorageStrategySpec",
    "ThermalStorageStrategySpec",
    "clip_power_mw",
    "reserve_fit_error",
    "schedule_heat_tank",
    "schedule_horizon",
    "schedule_storage_window",
]


# A throughput cost far below any price step [CNY/MWh], in the LP's objective only: among plans of equal
# revenue it picks the one with least charge + discharge (no cycling in flat-price hours, no charging and
# discharging in one step).
_TIE_BREAK_CNY_PER_MWH = 1e-4


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _SocBand(_Spec):
    """One rule for every storage strategy with a state-of-charge band and an end-of-window target."""

    @model_validator(mode="after")
    def _band(self):
        if self.soc_min_pu > self.soc_max_pu:
            raise ValueError("soc_min_pu must not exceed soc_max_pu")
        if self.soc_end_target_pu is not None and not self.soc_min_pu <= self.soc_end_target_pu <= self.soc_max_pu:
            raise ValueError("soc_end_target_pu must lie within [soc_min_pu, soc_max_pu]")
        return self


class StorageStrategySpec(_SocBand):
    """How a battery decides its schedule (the actor's ``strategy`` field)."""

    kind: Literal["tou_rule", "net_load_rule", "arbitrage", "peak_shaving"] = Field(
        "arbitrage",
        description="tou_rule: charge below / discharge above the window's mean forecast price; net_load_rule: "
                    "push the forecast net load towards its window mean; arbitrage: LP maximising revenue at the "
                    "forecast price; peak_shaving: arbitrage plus peak_weight_cny_per_mw times the window's "
                    "peak of forecast net load + battery power")
    soc_min_pu: float = Field(0.0, ge=0, le=1, description="Lowest state of charge the schedule may reach / "
                                                           "energy capacity [-]")
    soc_max_pu: float = Field(1.0, ge=0, le=1, description="Highest state of charge the schedule may reach / "
                                                           "energy capacity [-]")
    soc_end_target_pu: float | None = Field(
        None, ge=0, le=1,
        description="State of charge the window must end at or above / energy capacity [-]; null = the SOC at "
                    "the window start (so consecutive days chain without draining the battery)")
    cycle_limit_per_window: float | None = Field(
        None, gt=0, le=100,
        description="Most full-capacity discharges per window: battery-side discharged energy <= this × energy "
                    "capacity [-]; null = no limit")
    degradation_cost_cny_per_mwh: float = Field(
        0.0, ge=0, le=10000,
        description="Wear cost per MWh of grid-side throughput (charge + discharge) [CNY/MWh]")
    peak_weight_cny_per_mw: float = Field(
        0.0, ge=0, le=1e7,
        description="peak_shaving: cost per MW of the window's peak of forecast net load + battery power "
                    "[CNY/MW]; ignored by other kinds")
    peak_scope: Literal["own", "shared"] = Field(
        "own", description="peak_shaving: own = each battery shaves the net load it sees (its site); shared = "
                           "all batteries of this strategy shave one net load together (the region's)")
    reserve_mw: float = Field(0.0, ge=0, le=20000,
                              description="Reserve capacity offered [MW]: headroom kept in both directions at "
                                          "every step (power and energy); in the run offered to the grid operator "
                                          "each step (what the SOC can deliver for reserve_duration_h) and paid "
                                          "when accepted (agents.markets.reserve)")
    reserve_duration_h: float = Field(1.0, gt=0, le=24,
                                      description="Hours the offered reserve must be deliverable for (energy "
                                                  "headroom = reserve_mw × this) [h]")
    reserve_price_cny_per_mw_h: float = Field(0.0, ge=0, le=100000,
                                              description="Price asked for the offered reserve capacity "
                                                          "[CNY/(MW·h)]; accepted offers are paid the price of "
                                                          "the marginal accepted offer")
    tou_band_pu: float = Field(0.05, ge=0, le=1,
                               description="tou_rule: forecast price within ± this fraction of the window mean "
                                           "counts as flat (idle) [-]")


class HeatTankSpec(_Spec):
    """Physics of a hot-water heat tank of a heat utility."""

    capacity_mwh_th: float = Field(gt=0, le=1e6, description="Usable heat storage capacity [MWh_th]")
    charge_capacity_mw_th: float = Field(gt=0, le=1e5, description="Most heat flow into the tank [MW_th]")
    discharge_capacity_mw_th: float = Field(gt=0, le=1e5, description="Most heat flow out of the tank [MW_th]")
    standing_loss_pu_per_h: float = Field(
        0.005, ge=0, lt=1,
        description="Share of the stored heat lost per hour [1/h] (large hot-water tanks ≈ 0.2–1 %/h)")
    soc_initial_pu: float = Field(0.5, ge=0, le=1, description="Stored heat at the start / capacity [-]")


class ThermalStorageStrategySpec(_SocBand):
    """How a heat tank decides its schedule against the forecast heat marginal cost."""

    kind: Literal["cost_arbitrage"] = Field(
        "cost_arbitrage", description="cost_arbitrage: LP minimising heat production cost at the forecast "
                                      "marginal heat cost (charge when heat is cheap, discharge when dear)")
    soc_min_pu: float = Field(0.0, ge=0, le=1, description="Lowest stored heat / capacity [-]")
    soc_max_pu: float = Field(1.0, ge=0, le=1, description="Highest stored heat / capacity [-]")
    soc_end_target_pu: float | None = Field(
        None, ge=0, le=1, description="Stored heat the window must end at or above / capacity [-]; null = the "
                                      "level at the window start")


@dataclass(frozen=True)
class StorageSchedule:
    """A window's plan. Arrays ``[steps, members]`` unless noted; power is grid-side (tank: heat-side)."""

    power_mw: np.ndarray          # + charge / − discharge [MW]
    charge_mw: np.ndarray         # [MW]
    discharge_mw: np.ndarray      # [MW]
    soc_mwh: np.ndarray           # energy at the end of each step [MWh]
    loss_mwh: np.ndarray          # standing loss in each step [MWh] (0 for batteries)
    revenue_cny: np.ndarray       # [members] forecast price × (discharge − charge) × dt
    degradation_cost_cny: np.ndarray  # [members]
    reserve_mw: np.ndarray        # [members] reserve headroom kept at every step
    reserve_offer_cny: np.ndarray  # [members] reserve_mw × price × window hours (paid if accepted)
    peak_mw: np.ndarray | None    # [members] planned peak of net load + power (peak_shaving)


def reserve_fit_error(spec: StorageStrategySpec, battery) -> str | None:
    """Why a battery (scenario ``Battery``: energy, power, efficiencies) cannot keep ``spec``'s reserve, or None:
    the reserve power must fit the converter (r ≤ P) and its energy both ways into the SOC band
    (soc_min E + r h_r / eta_d ≤ soc_max E − r h_r eta_c)."""
    r, h = spec.reserve_mw, spec.reserve_duration_h
    if r <= 0:
        return None
    if r > battery.power_capacity_mw + 1e-9:
        return f"reserve_mw {r} exceeds the battery's power_capacity_mw {battery.power_capacity_mw}"
    e = battery.energy_capacity_mwh
    if spec.soc_min_pu * e + r * h / battery.eta_discharge > spec.soc_max_pu * e - r * h * battery.eta_charge + 1e-9:
        return ("the reserve's energy (reserve_mw × reserve_duration_h, both ways) does not fit in the SOC band "
                "[soc_min_pu, soc_max_pu] of the battery's energy_capacity_mwh")
    return None


def _col(x, m: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=float), (m,)).astype(float)


def _per_step(x, steps: int, m: int) -> np.ndarray:
    """[steps] (same for every member) or [steps, members] → [steps, members]."""
    a = np.asarray(x, dtype=float)
    if a.ndim == 1:
        a = a[:, None]
    if a.shape[0] != steps:
        raise ValueError(f"expected {steps} steps, got {a.shape[0]}")
    return np.broadcast_to(a, (steps, m)).astype(float)


class StorageScheduler:
    """The window LP of all members that share one strategy; build once per fleet, call once per window.

    Parameters (arrays ``[members]`` or scalars): ``energy_capacity_mwh`` [MWh]; ``charge_capacity_mw`` and
    ``discharge_capacity_mw`` [MW] (a battery: both its converter rating); ``eta_charge``, ``eta_discharge``
    [-]; ``standing_loss_pu_per_h`` [1/h]; ``soc_min_pu``/``soc_max_pu``/``soc_end_target_pu`` [-];
    ``dt_h`` [h] step length. Reserve, cycle limit, degradation and peak weight as in StorageStrategySpec.
    """

    def __init__(self, *, dt_h: float, energy_capacity_mwh, charge_capacity_mw, discharge_capacity_mw,
                 eta_charge=1.0, eta_discharge=1.0, standing_loss_pu_per_h=0.0, soc_min_pu=0.0, soc_max_pu=1.0,
                 soc_end_target_pu: float | None = None, reserve_mw=0.0, reserve_duration_h: float = 1.0,
                 reserve_price_cny_per_mw_h: float = 0.0, cycle_limit_per_window: float | None = None,
                 degradation_cost_cny_per_mwh: float = 0.0, peak_weight_cny_per_mw: float = 0.0,
                 peak_scope: Literal["own", "shared"] = "own"):
        if dt_h <= 0:
            raise ValueError("dt_h must be positive")
        e = np.atleast_1d(np.asarray(energy_capacity_mwh, dtype=float))
        m = e.shape[0]
        self.m, self.dt_h = m, float(dt_h)
        self.e_max = e
        self.eta_c, self.eta_d = _col(eta_charge, m), _col(eta_discharge, m)
        self.decay = (1.0 - _col(standing_loss_pu_per_h, m)) ** self.dt_h
        self._lossless = bool(np.all(self.decay == 1.0))
        self.reserve_mw = _col(reserve_mw, m)
        p_c, p_d = _col(charge_capacity_mw, m), _col(discharge_capacity_mw, m)
        if np.any(self.reserve_mw > np.minimum(p_c, p_d) + 1e-9):
            raise ValueError("reserve_mw exceeds a member's power capacity")
        self.c_cap = np.maximum(p_c - self.reserve_mw, 0.0)
        self.d_cap = np.maximum(p_d - self.reserve_mw, 0.0)
        self.s_lo = _col(soc_min_pu, m) * e + self.reserve_mw * reserve_duration_h / self.eta_d
        self.s_hi = _col(soc_max_pu, m) * e - self.reserve_mw * reserve_duration_h * self.eta_c
        if np.any(self.s_lo > self.s_hi + 1e-9):
            raise ValueError("reserve energy headroom does not fit in the SOC band")
        self.s_end = None if soc_end_target_pu is None else float(soc_end_target_pu) * e
        self.reserve_price = float(reserve_price_cny_per_mw_h)
        self.cycle_limit = cycle_limit_per_window
        self.k_deg = float(degradation_cost_cny_per_mwh)
        self.w_peak = float(peak_weight_cny_per_mw)
        self.peak_scope = peak_scope
        self._matrix: dict[tuple[int, bool, bool], tuple] = {}
        self._highs = None
        self._inv_c = np.where(self.c_cap > 0, 1.0 / np.maximum(self.c_cap, 1e-300), 1.0)
        self._inv_d = np.where(self.d_cap > 0, 1.0 / np.maximum(self.d_cap, 1e-300), 1.0)

    @classmethod
    def for_batteries(cls, spec: StorageStrategySpec, dt_h: float, energy_capacity_mwh, power_capacity_mw,
                      eta_charge=0.95, eta_discharge=0.95) -> StorageScheduler:
        """Scheduler for batteries (scenario ``Battery`` fields as arrays) sharing ``spec``."""
        return cls(dt_h=dt_h, energy_capacity_mwh=energy_capacity_mwh, charge_capacity_mw=power_capacity_mw,
                   discharge_capacity_mw=power_capacity_mw, eta_charge=eta_charge, eta_discharge=eta_discharge,
                   soc_min_pu=spec.soc_min_pu, soc_max_pu=spec.soc_max_pu, soc_end_target_pu=spec.soc_end_target_pu,
                   reserve_mw=spec.reserve_mw, reserve_duration_h=spec.reserve_duration_h,
                   reserve_price_cny_per_mw_h=spec.reserve_price_cny_per_mw_h,
                   cycle_limit_per_window=spec.cycle_limit_per_window,
                   degradation_cost_cny_per_mwh=spec.degradation_cost_cny_per_mwh,
                   peak_weight_cny_per_mw=spec.peak_weight_cny_per_mw if spec.kind == "peak_shaving" else 0.0,
                   peak_scope=spec.peak_scope)

    # ---- the LP -------------------------------------------------------------------------------------------

    def _peak_mode(self, net_load_mw) -> str | None:
        return self.peak_scope if self.w_peak > 0 and net_load_mw is not None else None

    def _net(self, net_load_mw, steps: int, mode: str | None) -> np.ndarray:
        """Forecast net load [steps, members] (own) or [steps, 1] (shared: one series for the group)."""
        if mode != "shared":
            return _per_step(net_load_mw, steps, self.m)
        net = np.asarray(net_load_mw, dtype=float)
        if net.ndim == 2:
            if not np.all(net == net[:, :1]):
                raise ValueError("a shared peak needs one net-load series for the group ([steps])")
            net = net[:, 0]
        return _per_step(net, steps, 1)

    def _structure(self, steps: int, peak: str | None, coupling: bool):
        """Constraint matrix (CSC) for ``steps`` × members; depends only on parameters, built once per shape.

        The SOC is eliminated: ``s[t] = a^(t+1) s0 + Σ_{k<=t} a^(t-k) (eta_c c[k] − d[k] / eta_d) dt``, so
        the SOC band is a ranged row over c and d (a lower-triangular block per member). This takes HiGHS'
        dual simplex ~5× fewer iterations than carrying s as columns with balance equalities.
        Columns: c, d (each ``t * m + j``), then z [m] (peak "own") or [1] ("shared"). Rows: SOC band [T m],
        power coupling [T m] if ``coupling``, peak [T m] ("own": ``net[t,j] + c − d <= z[j]``) or [T]
        ("shared": ``net[t] + Σ_j (c − d) <= z``), cycle limit [m] if set.
        """
        key = (steps, peak, coupling)
        if key in self._matrix:
            return self._matrix[key]
        m, dt, n = self.m, self.dt_h, steps * self.m
        t_row, k_col = np.tril_indices(steps)
        lag = (t_row - k_col)[:, None]
        rows = (t_row[:, None] * m + np.arange(m)[None, :]).ravel()
        cols = (k_col[:, None] * m + np.arange(m)[None, :]).ravel()
        weight = (self.decay[None, :] ** lag).ravel() * dt
        tri = lambda scale: sparse.csr_matrix((weight * np.broadcast_to(scale, (lag.shape[0], m)).ravel(),  # noqa: E731
                                               (rows, cols)), shape=(n, n))
        blocks = [sparse.hstack([tri(self.eta_c), tri(-1.0 / self.eta_d)])]
        tile = lambda v: np.tile(v, steps)  # noqa: E731
        if coupling:
            blocks.append(sparse.hstack([sparse.diags(tile(self._inv_c)), sparse.diags(tile(self._inv_d))]))
        n_z = {None: 0, "own": m, "shared": 1}[peak]
        if peak:
            if peak == "own":
                sel = sparse.identity(n, format="csr")
            else:  # row t sums the members of step t
                sel = sparse.csr_matrix((np.ones(n), (np.repeat(np.arange(steps), m), np.arange(n))), shape=(steps, n))
            zsel = sparse.csr_matrix(-np.ones((sel.shape[0], 1))) if peak == "shared" else sparse.csr_matrix(
                (np.full(n, -1.0), (np.arange(n), np.tile(np.arange(m), steps))), shape=(n, m))
            blocks = [sparse.hstack([b, sparse.csr_matrix((b.shape[0], n_z))]) for b in blocks]
            blocks.append(sparse.hstack([sel, -sel, zsel]))
        if self.cycle_limit is not None:
            dsel = sparse.csr_matrix((tile(dt / self.eta_d), (np.tile(np.arange(m), steps), np.arange(n))),
                                     shape=(m, n))
            blocks.append(sparse.hstack([sparse.csr_matrix((m, n)), dsel] + ([sparse.csr_matrix((m, n_z))]
                                                                               if peak else [])))
        a = sparse.vstack(blocks, format="csc")
        a.sort_indices()
        self._matrix[key] = (a, a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data.copy())
        return self._matrix[key]

    def lp(self, price_cny_per_mwh, soc_start_mwh, net_load_mw=None, charge_limit_mw=None,
           discharge_limit_mw=None, coupling: bool = True):
        """The window's LP as ``(cost, A (CSC), row_lo, row_hi, col_lo, col_hi)`` (also used to cross-check
        against ``scipy.optimize.linprog`` in the tests)."""
        price = np.asarray(price_cny_per_mwh, dtype=float)
        steps = price.shape[0]
        m, dt, n = self.m, self.dt_h, steps * self.m
        price = _per_step(price, steps, m)
        if not np.all(np.isfinite(price)):
            raise ValueError("price forecast must be finite")
        s0 = _col(soc_start_mwh, m)
        peak = self._peak_mode(net_load_mw)
        a = self._structure(steps, peak, coupling)[0]
        c_hi = np.broadcast_to(self.c_cap, (steps, m)).copy()
        d_hi = np.broadcast_to(self.d_cap, (steps, m)).copy()
        if charge_limit_mw is not None:
            np.minimum(c_hi, np.maximum(_per_step(charge_limit_mw, steps, m), 0.0), out=c_hi)
        if discharge_limit_mw is not None:
            np.minimum(d_hi, np.maximum(_per_step(discharge_limit_mw, steps, m), 0.0), out=d_hi)
        # SOC band, widened where the start lies outside it so that every window is feasible: below the band
        # the floor is what charging at the step's limit reaches, above it the ceiling is the idle decay; an
        # unreachable end target is lowered to the most the window can reach.
        if self._lossless and np.all((s0 >= self.s_lo) & (s0 <= self.s_hi)):  # the usual case, same result
            floor = np.broadcast_to(self.s_lo, (steps, m)).copy()
            ceil = np.broadcast_to(self.s_hi, (steps, m))
            reach = np.minimum(self.s_hi, s0 + np.cumsum(self.eta_c * c_hi * dt, axis=0))
        else:
            floor, ceil, reach = np.empty((steps, m)), np.empty((steps, m)), np.empty((steps, m))
            f = g = r = s0
            for t in range(steps):
                gain = self.eta_c * c_hi[t] * dt
                f = np.minimum(self.s_lo, self.decay * f + gain)
                g = np.maximum(self.s_hi, self.decay * g)
                r = np.minimum(g, self.decay * r + gain)
                floor[t], ceil[t], reach[t] = f, g, r
        target = s0 if self.s_end is None else self.s_end
        floor[-1] = np.maximum(floor[-1], np.minimum(target, reach[-1]))
        s_lo, s_hi = floor, ceil
        k = self.k_deg + _TIE_BREAK_CNY_PER_MWH
        cost = np.concatenate([((price + k) * dt).ravel(), ((k - price) * dt).ravel()])
        col_lo = np.zeros(2 * n)
        col_hi = np.concatenate([c_hi.ravel(), d_hi.ravel()])
        idle = (s0[None, :] * self.decay[None, :] ** np.arange(1, steps + 1)[:, None])
        row_lo, row_hi = [(s_lo - idle).ravel()], [(s_hi - idle).ravel()]
        if coupling:
            row_lo.append(np.full(n, -np.inf))
            row_hi.append(np.ones(n))
        if peak:
            net = self._net(net_load_mw, steps, peak)
            n_z = net.shape[1]
            cost = np.concatenate([cost, np.full(n_z, self.w_peak)])
            col_lo = np.concatenate([col_lo, np.full(n_z, -np.inf)])
            col_hi = np.concatenate([col_hi, np.full(n_z, np.inf)])
            row_lo.append(np.full(net.size, -np.inf))
            row_hi.append(-net.ravel())
        if self.cycle_limit is not None:
            row_lo.append(np.full(m, -np.inf))
            row_hi.append(self.cycle_limit * self.e_max)
        return cost, a, np.concatenate(row_lo), np.concatenate(row_hi), col_lo, col_hi

    def schedule(self, price_cny_per_mwh, soc_start_mwh, net_load_mw=None, charge_limit_mw=None,
                 discharge_limit_mw=None) -> StorageSchedule:
        """Optimal plan for one window.

        ``price_cny_per_mwh`` [steps] or [steps, members]: the published forecast for the window (heat tanks:
        forecast marginal heat cost [CNY/MWh_th]); ``soc_start_mwh`` [members]; ``net_load_mw`` [steps] or
        [steps, members] forecast net load the members shave (peak_shaving); ``charge_limit_mw`` /
        ``discharge_limit_mw`` [steps, members] optional per-step caps (e.g. an on-site battery that may not
        export: discharge ≤ forecast behind-the-meter load; a tank: discharge ≤ forecast heat demand).
        """
        steps, n = np.asarray(price_cny_per_mwh).shape[0], np.asarray(price_cny_per_mwh).shape[0] * self.m
        # First without the coupling rows c/C + d/D <= 1 (a third of the rows): charging and discharging in
        # the same step only pays at prices below −k_deg or in ties. Re-solve with them if the plan breaks one.
        for coupling in (False, True):
            cost, _, row_lo, row_hi, col_lo, col_hi = self.lp(price_cny_per_mwh, soc_start_mwh, net_load_mw,
                                                              charge_limit_mw, discharge_limit_mw, coupling)
            peak = self._peak_mode(net_load_mw)
            _, start, index, value = self._structure(steps, peak, coupling)
            if self._highs is None:
                self._highs = [_new_highs(), None]
            x = _solve_highs(self._highs, (steps, peak, coupling), cost, start, index, value,
                             row_lo, row_hi, col_lo, col_hi)
            c, d = x[:n], x[n:2 * n]
            both = (c > 1e-9) & (d > 1e-9)
            if not np.any(both) or np.all((c * np.tile(self._inv_c, steps) + d * np.tile(self._inv_d, steps))[both]
                                          <= 1.0 + 1e-9):
                break
        return self._unpack(x, price_cny_per_mwh, soc_start_mwh, net_load_mw)

    def _unpack(self, x, price, soc_start_mwh, net_load_mw) -> StorageSchedule:
        price = np.asarray(price, dtype=float)
        steps, m = price.shape[0], self.m
        n = steps * m
        c = np.maximum(x[:n].reshape(steps, m), 0.0)
        d = np.maximum(x[n:2 * n].reshape(steps, m), 0.0)
        c[c < 1e-9] = 0.0
        d[d < 1e-9] = 0.0
        return self._result(c, d, _per_step(price, steps, m), _col(soc_start_mwh, m), net_load_mw,
                            peak=self._peak_mode(net_load_mw))

    def _result(self, c, d, price, s0, net_load_mw, peak: str | None) -> StorageSchedule:
        """Recompute SOC and losses from the powers by the balance equation (exact, no solver tolerance)."""
        steps, m, dt = c.shape[0], self.m, self.dt_h
        if self._lossless:
            soc = s0 + np.cumsum(self.eta_c * c * dt - d * dt / self.eta_d, axis=0)
            loss = np.zeros((steps, m))
        else:
            soc, loss = np.empty((steps, m)), np.empty((steps, m))
            s = s0.copy()
            for t in range(steps):
                loss[t] = (1.0 - self.decay) * s
                s = self.decay * s + self.eta_c * c[t] * dt - d[t] * dt / self.eta_d
                soc[t] = s
        hours = steps * dt
        peak_mw = None
        if peak == "own":
            peak_mw = np.max(_per_step(net_load_mw, steps, m) + c - d, axis=0)
        elif peak == "shared":  # the group's one peak, reported for every member
            peak_mw = np.full(m, np.max(self._net(net_load_mw, steps, peak)[:, 0] + np.sum(c - d, axis=1)))
        return StorageSchedule(power_mw=c - d, charge_mw=c, discharge_mw=d, soc_mwh=soc, loss_mwh=loss,
                               revenue_cny=np.sum(price * (d - c), axis=0) * dt,
                               degradation_cost_cny=self.k_deg * np.sum(c + d, axis=0) * dt,
                               reserve_mw=self.reserve_mw.copy(),
                               reserve_offer_cny=self.reserve_mw * self.reserve_price * hours, peak_mw=peak_mw)

    def simulate_requests(self, request_mw, price_cny_per_mwh, soc_start_mwh) -> StorageSchedule:
        """Feasible plan from rule requests [steps, members] (+ charge / − discharge): each step clipped to
        the power limits (less reserve) and the SOC band by :func:`clip_power_mw`."""
        req = np.asarray(request_mw, dtype=float)
        s = _col(soc_start_mwh, self.m)
        c = np.zeros_like(req)
        d = np.zeros_like(req)
        for t in range(req.shape[0]):
            p, s = _clip(req[t], s, self.dt_h, self.s_lo, self.s_hi, self.c_cap, self.d_cap, self.eta_c,
                         self.eta_d, self.decay)
            c[t], d[t] = np.maximum(p, 0.0), np.maximum(-p, 0.0)
        price = _per_step(price_cny_per_mwh, req.shape[0], self.m)
        return self._result(c, d, price, _col(soc_start_mwh, self.m), None, peak=None)

    def __getstate__(self):  # copyable (copy.deepcopy): drop the solver and the cached matrices
        state = self.__dict__.copy()
        state["_matrix"] = {}
        state["_highs"] = None
        return state


def _new_highs():
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("presolve", "off")
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("threads", 1)
    h.setOptionValue("simplex_strategy", 1)  # serial dual simplex
    return h


def _solve_highs(h, key, cost, start, index, value, row_lo, row_hi, col_lo, col_hi) -> np.ndarray:
    """Solve ``min cost·x  s.t. row_lo <= A x <= row_hi, col_lo <= x <= col_hi`` with HiGHS, cold.

    ``h`` is ``[Highs, key of the model it holds]``: a model of the same shape is kept and only its costs and
    bounds are replaced; ``clearSolver`` discards the previous window's basis and solution, so every window
    starts from the slack basis exactly as a fresh model would (tested bit-identical).
    """
    highs, held = h
    n_col, n_row = cost.shape[0], row_lo.shape[0]
    if held != key:
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n_col, n_row
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, col_lo, col_hi
        lp.row_lower_, lp.row_upper_ = row_lo, row_hi
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = start, index, value
        highs.passModel(lp)
        h[1] = key
    else:
        cols, rows = np.arange(n_col, dtype=np.int32), np.arange(n_row, dtype=np.int32)
        highs.changeColsCost(n_col, cols, cost)
        highs.changeColsBounds(n_col, cols, col_lo, col_hi)
        highs.changeRowsBounds(n_row, rows, row_lo, row_hi)
        highs.clearSolver()
    highs.run()
    status = highs.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        h[1] = None
        raise RuntimeError(f"storage schedule LP not solved: {highs.modelStatusToString(status)}")
    return np.asarray(highs.getSolution().col_value, dtype=float)


def _clip(power_mw, soc_mwh, dt_h, s_lo, s_hi, c_cap, d_cap, eta_c, eta_d, decay=1.0):
    soc = np.asarray(soc_mwh, dtype=float)
    kept = soc * decay
    charge_limit = np.clip((s_hi - kept) / (eta_c * dt_h), 0.0, c_cap)
    discharge_limit = np.clip((kept - s_lo) * eta_d / dt_h, 0.0, d_cap)
    p = np.clip(np.asarray(power_mw, dtype=float), -discharge_limit, charge_limit)
    soc_next = kept + np.where(p >= 0.0, p * eta_c * dt_h, p * dt_h / eta_d)
    return p, soc_next


def clip_power_mw(planned_power_mw, soc_mwh, dt_h, energy_capacity_mwh, power_capacity_mw, eta_charge=0.95,
                  eta_discharge=0.95, soc_min_pu=0.0, soc_max_pu=1.0, reserve_mw=0.0, reserve_duration_h=1.0):
    """The rebid hook: clip a planned grid-side power to what the current SOC and limits allow.

    Returns ``(power_mw, soc_next_mwh)``. At dispatch the real SOC may differ from the plan (real-time
    clearing scaled a step down, a reserve call): the power is clipped to ``±(P − r)`` and so that the SOC
    stays in ``[s_min E + r h_r / eta_d, s_max E − r h_r eta_c]`` (the band the schedule keeps); a SOC already
    outside the band is never pushed further out, and never jumps (energy is conserved, unlike a clip of
    the SOC itself). Same bucket equations as agents.physics.storage.battery_step.
    """
    e = np.asarray(energy_capacity_mwh, dtype=float)
    p_max = np.maximum(np.asarray(power_capacity_mw, dtype=float) - reserve_mw, 0.0)
    s_lo = soc_min_pu * e + reserve_mw * reserve_duration_h / np.asarray(eta_discharge, dtype=float)
    s_hi = soc_max_pu * e - reserve_mw * reserve_duration_h * np.asarray(eta_charge, dtype=float)
    if dt_h <= 0:
        raise ValueError("dt_h must be positive")
    return _clip(planned_power_mw, soc_mwh, dt_h, s_lo, s_hi, p_max, p_max, eta_charge, eta_discharge)


def schedule_storage_window(spec: StorageStrategySpec, scheduler: StorageScheduler, price_cny_per_mwh,
                            soc_start_mwh, net_load_mw=None, discharge_limit_mw=None) -> StorageSchedule:
    """One window's plan for batteries sharing ``spec`` (built into ``scheduler`` by ``for_batteries``).

    Dispatches on ``spec.kind``: the LP kinds call :meth:`StorageScheduler.schedule`; ``tou_rule`` uses
    agents.markets.flexibility.tou_request_mw on ``price / mean(price)`` of the window (flat within ±
    ``tou_band_pu``); ``net_load_rule`` uses flexibility.net_load_request_mw with the window as the day.
    """
    price = np.asarray(price_cny_per_mwh, dtype=float)
    steps, m = price.shape[0], scheduler.m
    if spec.kind in ("arbitrage", "peak_shaving"):
        if spec.kind == "peak_shaving" and net_load_mw is None:
            raise ValueError("peak_shaving needs the forecast net load")
        return scheduler.schedule(price, soc_start_mwh, net_load_mw if spec.kind == "peak_shaving" else None,
                                  discharge_limit_mw=discharge_limit_mw)
    p_rated = scheduler.c_cap + scheduler.reserve_mw
    if spec.kind == "tou_rule":
        p = _per_step(price, steps, m)
        mean = np.mean(p, axis=0, keepdims=True)
        ratio = np.divide(p, mean, out=np.ones_like(p), where=np.abs(mean) > 1e-12)
        ratio = np.where(np.abs(ratio - 1.0) <= spec.tou_band_pu, 1.0, ratio)
        request = np.column_stack([flexibility.tou_request_mw(ratio[:, j], p_rated[j : j + 1])[:, 0]
                                   for j in range(m)])
    else:
        if net_load_mw is None:
            raise ValueError("net_load_rule needs the forecast net load")
        request = flexibility.net_load_request_mw(_per_step(net_load_mw, steps, m), p_rated, steps)
    if discharge_limit_mw is not None:
        request = np.maximum(request, -_per_step(discharge_limit_mw, steps, m))
    return scheduler.simulate_requests(request, price, soc_start_mwh)


def schedule_horizon(spec: StorageStrategySpec, scheduler: StorageScheduler, price_forecast_cny_per_mwh,
                     soc_start_mwh, steps_per_window: int, net_load_forecast_mw=None) -> StorageSchedule:
    """Plan window after window over a horizon, each window seeing only its own slice of the forecasts and
    starting at the previous window's planned end SOC (how a fleet calls the module; the benchmark)."""
    price = np.asarray(price_forecast_cny_per_mwh, dtype=float)
    parts, s = [], _col(soc_start_mwh, scheduler.m)
    for a in range(0, price.shape[0], steps_per_window):
        b = min(a + steps_per_window, price.shape[0])
        net = None if net_load_forecast_mw is None else np.asarray(net_load_forecast_mw, dtype=float)[a:b]
        part = schedule_storage_window(spec, scheduler, price[a:b], s, net)
        parts.append(part)
        s = part.soc_mwh[-1]
    cat = lambda name: np.concatenate([getattr(p, name) for p in parts], axis=0)  # noqa: E731
    tot = lambda name: np.sum([getattr(p, name) for p in parts], axis=0)  # noqa: E731
    peaks = [p.peak_mw for p in parts if p.peak_mw is not None]
    return StorageSchedule(power_mw=cat("power_mw"), charge_mw=cat("charge_mw"), discharge_mw=cat("discharge_mw"),
                           soc_mwh=cat("soc_mwh"), loss_mwh=cat("loss_mwh"), revenue_cny=tot("revenue_cny"),
                           degradation_cost_cny=tot("degradation_cost_cny"), reserve_mw=parts[0].reserve_mw,
                           reserve_offer_cny=tot("reserve_offer_cny"),
                           peak_mw=np.max(peaks, axis=0) if peaks else None)


def heat_tank_scheduler(tank: HeatTankSpec | list[HeatTankSpec], spec: ThermalStorageStrategySpec,
                        dt_h: float) -> StorageScheduler:
    """Scheduler for heat tanks sharing ``spec`` (efficiencies 1; losses are the standing loss)."""
    tanks = tank if isinstance(tank, list) else [tank]
    arr = lambda name: np.array([getattr(t, name) for t in tanks], dtype=float)  # noqa: E731
    return StorageScheduler(dt_h=dt_h, energy_capacity_mwh=arr("capacity_mwh_th"),
                            charge_capacity_mw=arr("charge_capacity_mw_th"),
                            discharge_capacity_mw=arr("discharge_capacity_mw_th"),
                            standing_loss_pu_per_h=arr("standing_loss_pu_per_h"), soc_min_pu=spec.soc_min_pu,
                            soc_max_pu=spec.soc_max_pu, soc_end_target_pu=spec.soc_end_target_pu)


def schedule_heat_tank(scheduler: StorageScheduler, marginal_heat_cost_cny_per_mwh_th, soc_start_mwh_th,
                       heat_demand_mw_th=None, spare_heat_capacity_mw_th=None) -> StorageSchedule:
    """One window's tank plan against the forecast marginal heat cost [CNY/MWh_th] [steps] or [steps, tanks].

    Charging ``c`` [MW_th] is extra production at the marginal cost, discharging ``d`` displaces production,
    so ``revenue_cny`` is the production cost saved. Discharge ≤ ``heat_demand_mw_th`` (heat cannot be sold
    to nobody), charge ≤ ``spare_heat_capacity_mw_th`` (the utility's unused production capacity), both
    forecasts for the window [steps, tanks]. Standing loss: ``loss[t] = (1 − a) s[t−1]``, a = (1 − λ)^dt.
    """
    return scheduler.schedule(marginal_heat_cost_cny_per_mwh_th, soc_start_mwh_th,
                              charge_limit_mw=spare_heat_capacity_mw_th, discharge_limit_mw=heat_demand_mw_th)
