"""Deferrable work with deadlines: a per-window scheduler that never loses work and meets every deadline.

The problem per member and window (slots t = 0 … W−1 of length ``dt_h``): work arrives ``a_t`` [MWh] and must
be done by slot ``t + D`` (``D = deadline_steps``); backlog carried in from the previous window is released at
slot 0 with its own deadlines. Choose the energy ``x_t`` [MWh] done per slot with ``0 ≤ x_t ≤ u_t`` (the
capacity) to minimise ``Σ c_t x_t`` for a published signal ``c`` (price, carbon intensity, …). Work due after
the window may be left for the next one: a virtual slot ``W`` with cost ``c_carry`` takes it (the next window
then sees it as backlog with its deadlines).

Method (exact, no LP solver needed): releases and deadlines are *agreeable* (work released earlier is due
earlier), so by Hall's theorem a vector of slot loads ``x`` can be realised by assigning work to slots inside
its window iff, for every slot interval ``[i, j]``,
``X(j) − X(i−1) ≤ Rel(j) − Exp(i−1)`` (``X`` cumulative loads, ``Rel(j)`` work released by ``j``, ``Exp(k)``
work due by ``k``), and ``x ≤ u``. Those loads form a polymatroid (the flow-rank function of a bipartite
transport network, intersected with a box), so the minimum-cost base — all work placed — is found by the
greedy algorithm of Edmonds (1970, "Submodular functions, matroids and certain polyhedra"): visit the slots in
ascending cost and give each the largest load the constraints still allow,
``x_t = min(u_t, min_{j ≥ t} [Rel(j) − X(j)] − max_{k < t} [Exp(k) − X(k)])``. Earliest-deadline-first then
realises the loads (Jackson's rule), so the work left for the next window is the latest-due work. Ties are
broken by time (stable sort): with a flat signal work runs as soon as possible.

If the capacity cannot hold every deadline (a DR event, backlog that piles up), the slots' capacities are
raised to an earliest-deadline-first schedule that runs overdue work at its deadline, and the greedy is re-run:
work is never lost and deadlines are always met; only then can ``x_t`` exceed ``u_t``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_TOL_MWH = 1e-9


@dataclass(frozen=True)
class DeferralState:
    """Deferred work carried from one window into the next (the members' own state, not a forecast).

    ``backlog_mwh[k, m]`` [MWh]: work of member ``m`` that must be done by slot ``k`` of the next window
    (``k = 0 … deadline_steps − 1``), released at the next window's first slot.
    """

    backlog_mwh: np.ndarray

    @classmethod
    def empty(cls, deadline_steps: int, members: int) -> DeferralState:
        return cls(np.zeros((max(int(deadline_steps), 1), int(members))))

    @property
    def total_mwh(self) -> np.ndarray:
        """Carried work per member [MWh]."""
        return self.backlog_mwh.sum(axis=0)


@dataclass(frozen=True)
class DeferralSchedule:
    """Result of one window: ``done_mw`` [steps, members] deferrable power run per step, ``state`` the carry-over,
    ``forced_mw`` [steps, members] power run above the capacity to meet a deadline (0 when capacity suffices)."""

    done_mw: np.ndarray
    state: DeferralState
    forced_mw: np.ndarray


def _greedy_loads(order, u, rel, exp):
    """Edmonds' greedy on the slot polymatroid. ``order`` [n] or [n, M] slot visit order; ``u`` [n, M] capacity;
    ``rel`` [n, M] work released by slot j; ``exp`` [n, M] work due by slot k−1 (row 0 = 0). Returns x [n, M]."""
    n, m = u.shape
    g = rel.copy()  # Rel(j) − X(j)
    h = exp.copy()  # row r: Exp(r−1) − X(r−1)
    x = np.zeros((n, m))
    if order.ndim == 1:
        for t in order.tolist():
            d = np.minimum(u[t], g[t:].min(axis=0) - h[:t + 1].max(axis=0))
            np.maximum(d, 0.0, out=d)
            x[t] = d
            g[t:] -= d
            h[t + 1:] -= d
        return x
    rows = np.arange(n)[:, None]
    cols = np.arange(m)
    for r in range(n):
        t = order[r]
        ge = rows >= t[None, :]
        d = np.minimum(u[t, cols], np.where(ge, g, np.inf).min(axis=0) - np.where(rows <= t[None, :], h, -np.inf)
                       .max(axis=0))
        np.maximum(d, 0.0, out=d)
        x[t, cols] = d
        g -= d * ge
        h -= d * (rows > t[None, :])
    return x


def _edf_forced(arrivals, backlog, u, deadline_steps, final):
    """Earliest-deadline-first within capacity, overdue work run at its deadline: loads [W, M] (feasible)."""
    w, m = arrivals.shape
    n_buckets = w + deadline_steps + backlog.shape[0]
    pending = np.zeros((n_buckets, m))
    pending[:backlog.shape[0]] += backlog
    out = np.zeros((w, m))
    for t in range(w):
        due = min(t + deadline_steps, w - 1) if final else t + deadline_steps
        pending[due] += arrivals[t]
        if final and t == w - 1:
            pending[w - 1] += pending[w:].sum(axis=0)
            pending[w:] = 0.0
        cum = np.cumsum(pending[t:], axis=0)
        take = np.clip(u[t] - (cum - pending[t:]), 0.0, pending[t:])
        pending[t:] -= take
        out[t] = take.sum(axis=0) + pending[t]
        pending[t] = 0.0
    return out


def schedule_deferrable(arrivals_mw, signal, deadline_steps, capacity_mw, dt_h, state=None, carry_cost=None,
                        final=False) -> DeferralSchedule:
    """Place deferrable work of one window into its cheapest slots within capacity and deadlines.

    Returns a ``DeferralSchedule`` (``done_mw`` [steps, members] [MW], carry-over ``state``, ``forced_mw``).

    Parameters: ``arrivals_mw`` [steps, members] deferrable work arriving per step [MW]; ``signal`` [steps] or
    [steps, members] cost per unit of energy in the strategy's unit (CNY/MWh, kgCO2/kWh, −renewable share …);
    ``deadline_steps`` [-] D ≥ 0: work arriving at step t must be done by step t + D; ``capacity_mw``
    [members] or [steps, members] the most deferrable power a member can run in one step [MW] (must be ≥ the
    step's arrivals for the plain deadline guarantee); ``dt_h`` [h]; ``state`` the ``DeferralState`` carried
    in (None: no backlog); ``carry_cost`` [members] or scalar cost of leaving work that is due after the
    window for the next window (None: only what does not fit is carried); ``final`` the last window of the
    horizon: work due after it is done inside it.

    Invariants (tested): ``Σ done_mw·dt_h + carried = Σ arrivals·dt_h + backlog in`` per member; every unit of
    work is done by its deadline; ``done_mw ≤ capacity_mw`` except ``forced_mw``. Equations and source in the
    module docstring (Edmonds' polymatroid greedy; EDF realisation, Jackson 1955).
    """
    a = np.asarray(arrivals_mw, dtype=float) * dt_h
    w, m = a.shape
    d_steps = int(deadline_steps)
    if d_steps < 0:
        raise ValueError("deadline_steps must be ≥ 0")
    backlog = (state or DeferralState.empty(d_steps, m)).backlog_mwh
    if backlog.shape[1] != m:
        raise ValueError(f"state has {backlog.shape[1]} members, arrivals {m}")
    u = np.broadcast_to(np.asarray(capacity_mw, dtype=float) * dt_h, (w, m))
    c = np.broadcast_to(np.asarray(signal, dtype=float).reshape(w, -1), (w, m)) if np.ndim(signal) == 2 \
        else np.asarray(signal, dtype=float).reshape(w)
    per_member = c.ndim == 2
    nb = backlog.shape[0]

    # releases and deadlines per slot: backlog released at 0 due at k; arrivals at t due at t + D
    cum_a = np.cumsum(a, axis=0)
    b_total = backlog.sum(axis=0)
    total = b_total + cum_a[-1]
    rel = b_total[None, :] + cum_a  # [W, M]
    due_in = np.zeros((w, m))  # work due at slot k (k < W)
    due_in[:min(nb, w)] += backlog[:min(nb, w)]
    if d_steps < w:
        due_in[d_steps:] += a[:w - d_steps]
    if final:
        due_in[-1] = total - due_in[:-1].sum(axis=0)
    exp = np.vstack([np.zeros((1, m)), np.cumsum(due_in, axis=0)])  # row r: due by slot r−1, r = 0 … W
    carry_max = total - exp[-1]
    if final:
        rel_n, exp_n, u_n = rel, exp[:w], u
    else:
        rel_n = np.vstack([rel, total[None, :]])
        exp_n = exp
        u_n = np.vstack([u, carry_max[None, :]])
    if per_member:
        cc = c.max(axis=0) + 1.0 if carry_cost is None else np.broadcast_to(np.asarray(carry_cost, float), (m,))
        cost = c if final else np.vstack([c, cc[None, :]])
        order = np.argsort(cost, axis=0, kind="stable")
    else:
        cc = float(c.max() + 1.0) if carry_cost is None else carry_cost
        if np.ndim(cc) == 0:
            cost = c if final else np.append(c, float(cc))
            order = np.argsort(cost, kind="stable")
        else:
            cost = np.broadcast_to(c[:, None], (w, m)) if final else np.vstack(
                [np.broadcast_to(c[:, None], (w, m)), np.asarray(cc, float)[None, :]])
            order = np.argsort(cost, axis=0, kind="stable")
    x = _greedy_loads(order, np.array(u_n), rel_n, exp_n)
    placed = x.sum(axis=0)
    forced = np.zeros((w, m))
    short = placed < total - _TOL_MWH * np.maximum(1.0, total)
    if short.any():  # capacity cannot hold every deadline: lift it to an EDF schedule with overdue work forced
        edf = _edf_forced(a, backlog, u, d_steps, final)
        u_lift = np.array(u_n)
        u_lift[:w] = np.maximum(u, edf)
        x = _greedy_loads(order, u_lift, rel_n, exp_n)
        forced = np.maximum(x[:w] - u, 0.0)
    carried = np.zeros(m) if final else x[w]
    # carried work is the latest-due: deadlines W + k, k = 0 … D−1 (+ backlog due beyond the window)
    n_out = max(d_steps, nb - w, 1)
    late = np.zeros((n_out, m))
    if nb > w:
        late[:nb - w] += backlog[w:]
    for s in range(max(0, w - d_steps), w):
        late[s + d_steps - w] += a[s]
    after = np.cumsum(late[::-1], axis=0)[::-1] - late  # work due later than k
    new_backlog = np.clip(carried[None, :] - after, 0.0, late)
    return DeferralSchedule(done_mw=x[:w] / dt_h, state=DeferralState(new_backlog), forced_mw=forced / dt_h)
