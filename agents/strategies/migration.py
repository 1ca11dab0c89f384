"""Migration of data-center work between regions: where migratable work runs, decided once a day.

A multi-region scenario (agents.multi_region_scenario) joins regions by directed *links*. Each data center's
*migratable* work is ``s_mig · max(P_it − idle · P_cap, 0)`` of its planned IT power (the load-dependent part,
share ``strategy.flex.migratable_pu``, agents.strategies.workload_flex). Its *work class* follows the workload
profile (``WORK_CLASS_OF_WORKLOAD``: interactive traffic for ``online_diurnal``, batch for ``batch`` and
``training_flat``); a link's ``latency_class`` says which classes it may carry (``LINK_CARRIES``: an interactive
link — low latency — carries both, a batch link only batch work).

At each day's first step the coordinator (agents.multi_region.MultiRegionModel) reads every region's published
day-ahead forecasts of that day (agents.signals) and solves, for the day's steps ``t``, the linear programme

    max Σ_t Σ_(l,c) s_l[t] · x_lc[t]                    (x: IT power moved on link l of class c [MW])
    s.t. Σ_(l from r, class c) x_lc[t] ≤ M_rc[t]         (migratable work of class c in source region r)
         Σ_(l to d) (1 + loss_l) · x_l[t] ≤ H_d[t]       (headroom of the destination's sites: Σ (P_cap − P_it))
         Σ_c x_lc[t] ≤ K_l                               (the link's work capacity)
         x_lc[t] = 0 where s_l[t] < max(min_saving_pu · |c_src[t]|, tol)

with ``s_l = c_src · PUE_src − c_dst · PUE_dst · (1 + loss_l)`` the saving per MW of moved IT power, ``c`` the
strategy's signal per MWh of electricity (``migration_signal``) and PUE the region's planned facility / IT power
of the day (its sites' own data). HiGHS (scipy.optimize.linprog) solves it; the programme separates by step,
so one call per day is a few milliseconds — and for a star of links of one latency class (one source, a
destination per link) an exact greedy rule solves it without a solver call (``plan_migration``). Moved work leaves the source sites pro rata to their migratable
work and arrives at the destination sites pro rata to their headroom, ``(1 + loss_pu)`` times as much (the
energy of moving data and state, agents.multi_region_scenario.LinkSpec.loss_pu).

Evidence: spatial shifting of flexible work to low-carbon regions cuts its emissions more than temporal
shifting, bounded by capacity and latency (Sukprasert et al., "On the limitations of carbon-aware temporal
and spatial workload shifting in the cloud", EuroSys 2024); "East Data, West Computing" moves batch and
training work to the western hubs (NDRC et al., 2022; DOMAIN.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from scipy import sparse
from scipy.optimize import linprog

MIGRATION_KINDS = ("none", "price", "carbon", "cost_and_carbon")
WORK_CLASSES = ("interactive", "batch")
LINK_CARRIES = {"interactive": ("interactive", "batch"), "batch": ("batch",)}
WORK_CLASS_OF_WORKLOAD = {"online_diurnal": "interactive", "batch": "batch", "training_flat": "batch"}
_TOL = 1e-9


class MigrationSpec(BaseModel):
    """How the multi-region coordinator decides where migratable work runs (docs/strategies.md)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["none", "price", "carbon", "cost_and_carbon"] = Field(
        "none", description="Decision rule: none (work stays home), price (day-ahead price), carbon (average or "
                            "marginal carbon-intensity forecast), cost_and_carbon (price + carbon price × intensity)")
    carbon_signal: Literal["average", "marginal"] = Field(
        "average", description="carbon / cost_and_carbon: follow the average or the marginal carbon-intensity "
                               "forecast")
    carbon_price_cny_per_t: float = Field(0.0, ge=0, le=5000,
                                          description="cost_and_carbon: carbon price added to the energy price "
                                                      "[CNY/tCO2]")
    min_saving_pu: float = Field(0.05, ge=0, le=1,
                                 description="Move work in a step only when the saving per MW moved is at least this "
                                             "share of the source's cost per MW [-] (the threshold)")


def migration_signal(spec: MigrationSpec, *, price_cny_per_mwh, carbon_avg_kgco2_per_kwh,
                     carbon_marginal_kgco2_per_kwh):
    """The cost per MWh of electricity the coordinator minimises, from published forecasts [steps, regions].

    price: ``price`` [CNY/MWh]; carbon: the average or marginal intensity [kgCO2/kWh]; cost_and_carbon:
    ``price + carbon_price · intensity`` [CNY/MWh] (kgCO2/kWh = tCO2/MWh). None for ``none``.
    """
    if spec.kind == "none":
        return None
    carbon = carbon_avg_kgco2_per_kwh if spec.carbon_signal == "average" else carbon_marginal_kgco2_per_kwh
    if spec.kind == "price":
        return np.asarray(price_cny_per_mwh, dtype=float)
    if spec.kind == "carbon":
        return np.asarray(carbon, dtype=float)
    return np.asarray(price_cny_per_mwh, dtype=float) + spec.carbon_price_cny_per_t * np.asarray(carbon, dtype=float)


@dataclass(frozen=True)
class MigrationPlan:
    """One day's moves. ``moved_mw`` [steps, links, classes] IT power leaving the source; ``arrived_mw`` the same
    at the destination (× (1 + loss)); ``out_mw`` [steps, regions, classes] and ``in_mw`` [steps, regions] per
    region; ``saving_per_mw`` [steps, links] the planned saving per MW moved (signal units × h⁻¹ per MW)."""

    moved_mw: np.ndarray
    arrived_mw: np.ndarray
    out_mw: np.ndarray
    in_mw: np.ndarray
    saving_per_mw: np.ndarray


def plan_migration(signal, pue, migratable_mw, headroom_mw, link_from, link_to, link_capacity_mw, link_loss_pu,
                   link_class, min_saving_pu: float = 0.0, method: Literal["auto", "lp"] = "auto") -> MigrationPlan:
    """Plan one day of migration (module docstring: the linear programme, solved with HiGHS).

    Parameters: ``signal`` [steps, regions] cost per MWh of electricity (``migration_signal``); ``pue``
    [steps, regions] facility / IT power of the region's sites [-]; ``migratable_mw`` [steps, regions, classes]
    (classes in ``WORK_CLASSES`` order); ``headroom_mw`` [steps, regions]; per link: source and destination
    region index, work capacity [MW], loss [pu], latency class (a key of ``LINK_CARRIES``).

    ``method`` "auto": when every link leaves one source region for a destination of its own and all links
    share one latency class (a star, as East Data, West Computing), the programme is a fractional knapsack
    per step and the greedy rule — fill links by falling saving, each up to ``min(K_l, H_d / (1 + loss_l))``
    and the work left — is exact (vectorised over steps, no solver call); otherwise, and with "lp", HiGHS.
    """
    sig = np.asarray(signal, dtype=float)
    w, n_regions = sig.shape
    mig = np.asarray(migratable_mw, dtype=float)
    head = np.asarray(headroom_mw, dtype=float)
    src, dst = np.asarray(link_from, dtype=int), np.asarray(link_to, dtype=int)
    cap = np.asarray(link_capacity_mw, dtype=float)
    loss = np.asarray(link_loss_pu, dtype=float)
    n_links, n_classes = src.size, len(WORK_CLASSES)
    cost = sig * np.asarray(pue, dtype=float)
    saving = cost[:, src] - cost[:, dst] * (1.0 + loss)[None, :]  # [steps, links]
    allowed = saving >= np.maximum(min_saving_pu * np.abs(cost[:, src]), _TOL)
    moved = np.zeros((w, n_links, n_classes))
    pairs = [(k, c) for k in range(n_links) for c, name in enumerate(WORK_CLASSES)
             if name in LINK_CARRIES[str(link_class[k])]]
    star = (method == "auto" and n_links > 0 and np.unique(src).size == 1 and np.unique(dst).size == n_links
            and len(set(map(str, link_class))) == 1)
    if pairs and allowed.any():
        if star:
            moved = _greedy_star(saving, allowed, mig, head, src, dst, cap, loss, str(link_class[0]), moved)
        else:
            moved = _solve(saving, allowed, mig, head, src, dst, cap, loss, pairs, moved)
    arrived = moved * (1.0 + loss)[None, :, None]
    out = np.zeros((w, n_regions, n_classes))
    into = np.zeros((w, n_regions))
    for k in range(n_links):
        out[:, src[k]] += moved[:, k]
        into[:, dst[k]] += arrived[:, k].sum(axis=1)
    return MigrationPlan(moved, arrived, out, into, saving)


def _greedy_star(saving, allowed, mig, head, src, dst, cap, loss, latency_class, moved):
    """Exact rule for a star of links sharing one latency class (``plan_migration``): per step, links by falling
    saving, each filled up to ``min(K_l, H_d / (1 + loss_l), work left)``; the work carried is split over the
    classes the links carry pro rata to their migratable work."""
    w = saving.shape[0]
    classes = [c for c, name in enumerate(WORK_CLASSES) if name in LINK_CARRIES[latency_class]]
    pool = mig[:, src[0]][:, classes]  # [steps, carried classes]
    left = pool.sum(axis=1)
    room = np.minimum(cap[None, :], head[:, dst] / (1.0 + loss)[None, :])
    gain = np.where(allowed, saving, -np.inf)
    order = np.argsort(-gain, axis=1, kind="stable")
    steps = np.arange(w)
    total = np.zeros((w, src.size))
    for rank in range(src.size):
        k = order[:, rank]
        x = np.where(np.isfinite(gain[steps, k]), np.clip(np.minimum(room[steps, k], left), 0.0, None), 0.0)
        total[steps, k] = x
        left = left - x
    share = np.divide(pool, pool.sum(axis=1, keepdims=True), out=np.zeros_like(pool),
                      where=pool.sum(axis=1, keepdims=True) > _TOL)
    for j, c in enumerate(classes):
        moved[:, :, c] = total * share[:, j:j + 1]
    moved[moved < _TOL] = 0.0
    return moved


def _solve(saving, allowed, mig, head, src, dst, cap, loss, pairs, moved):
    """The day's LP over variables x[t, p] (p = (link, class) pair), step-major; returns ``moved`` filled."""
    w = saving.shape[0]
    n_p = len(pairs)
    p_link = np.array([k for k, _ in pairs])
    p_class = np.array([c for _, c in pairs])
    steps = np.arange(w)
    var = steps[:, None] * n_p + np.arange(n_p)[None, :]  # [w, pairs]
    c = -(saving[:, p_link] * allowed[:, p_link]).ravel()
    upper = np.where(allowed[:, p_link], cap[p_link][None, :], 0.0).ravel()
    rows, cols, vals, rhs = [], [], [], []
    n_row = 0
    groups = {}
    for j in range(n_p):
        groups.setdefault(("src", int(src[p_link[j]]), int(p_class[j])), []).append(j)
        groups.setdefault(("dst", int(dst[p_link[j]])), []).append(j)
        groups.setdefault(("link", int(p_link[j])), []).append(j)
    for key in sorted(groups, key=str):
        members = groups[key]
        if key[0] == "link" and len(members) == 1:
            continue  # a bound already
        if key[0] == "src":
            bound = mig[:, key[1], key[2]]
        elif key[0] == "dst":
            bound = head[:, key[1]]
        else:
            bound = np.full(w, cap[key[1]])
        for j in members:
            coef = 1.0 + loss[p_link[j]] if key[0] == "dst" else 1.0
            rows.append(n_row + steps)
            cols.append(var[:, j])
            vals.append(np.full(w, coef))
        rhs.append(np.maximum(bound, 0.0))
        n_row += w
    a_ub = sparse.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                            shape=(n_row, w * n_p))
    res = linprog(c, A_ub=a_ub, b_ub=np.concatenate(rhs), bounds=np.column_stack([np.zeros(w * n_p), upper]),
                  method="highs")
    if res.status != 0:  # the zero plan is always feasible: HiGHS fails only on numerical trouble
        return moved
    x = np.clip(res.x.reshape(w, n_p), 0.0, None)
    x[x < _TOL] = 0.0
    for j in range(n_p):
        moved[:, p_link[j], p_class[j]] = x[:, j]
    return moved


def share_out(total_mw, weights_mw) -> np.ndarray:
    """Split a region's total [steps] over its sites pro rata to ``weights_mw`` [steps, sites] (never above a
    site's weight): ``x_i = w_i · min(total / Σ w, 1)``."""
    weights = np.asarray(weights_mw, dtype=float)
    total = np.asarray(total_mw, dtype=float)
    den = weights.sum(axis=1)
    frac = np.divide(total, den, out=np.zeros_like(total), where=den > _TOL)
    return weights * np.minimum(frac, 1.0)[:, None]
