"""Deferrable-work scheduler (agents.strategies.deferral): hand cases, optimality against HiGHS, deadlines,
conservation and carry-over across windows."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from agents.strategies.deferral import DeferralState, schedule_deferrable


def _col(x):
    return np.asarray(x, dtype=float)[:, None]


def _transport_lp(a, c, d, u, backlog, carry_cost, final):
    """Reference: the same problem as a transport LP (jobs → slots within their windows) solved by HiGHS."""
    w = len(a)
    jobs = [(0, k, backlog[k]) for k in range(len(backlog))] + [(s, s + d, a[s]) for s in range(w)]
    var = []
    for j, (r, due, _) in enumerate(jobs):
        last = min(due, w - 1)
        var += [(j, t) for t in range(r, last + 1)]
        if not final and due >= w:
            var.append((j, w))
        if final and due >= w and r <= w - 1:
            pass  # already covered: the slots up to the window end
    cost = np.array([c[t] if t < w else carry_cost for _, t in var])
    a_eq = np.zeros((len(jobs), len(var)))
    a_ub = np.zeros((w, len(var)))
    for i, (j, t) in enumerate(var):
        a_eq[j, i] = 1.0
        if t < w:
            a_ub[t, i] = 1.0
    return linprog(cost, A_ub=a_ub, b_ub=np.asarray(u, float), A_eq=a_eq, b_eq=[amt for *_, amt in jobs],
                   method="highs")


def _assert_deadlines_met(a, backlog, d, done, carried_state, final):
    """Work done by every slot ≥ work due by it; never more than released; carried work is due after W."""
    w = len(a)
    x = np.cumsum(done)
    rel = backlog.sum() + np.cumsum(a)
    due = np.zeros(w)
    due[:min(len(backlog), w)] += backlog[:w]
    if d < w:
        due[d:] += a[:w - d]
    exp = np.cumsum(due)
    if final:
        exp[-1] = rel[-1]
    assert np.all(x >= exp - 1e-9), (x, exp)
    assert np.all(x <= rel + 1e-9)
    carried = carried_state.backlog_mwh[:, 0]
    assert np.all(carried >= -1e-12)
    np.testing.assert_allclose(x[-1] + carried.sum(), rel[-1], atol=1e-9)


def test_work_goes_to_the_cheapest_step_of_its_window():
    s = schedule_deferrable(_col([2.0, 0, 0, 0]), np.array([3.0, 1.0, 2.0, 0.0]), 2, 5.0, 1.0)
    assert s.done_mw[:, 0].tolist() == [0.0, 2.0, 0.0, 0.0]  # slot 3 (cost 0) is beyond the deadline t + 2
    assert s.state.total_mwh[0] == 0.0


def test_capacity_binding_keeps_the_optimum_a_naive_greedy_misses():
    # costs 2, 1, 100; D = 1; one unit arrives in each of slots 0 and 1; capacity 1 per slot.
    # Earliest-deadline-first into the cheapest free slot would put slot 0's work in slot 1 and slot 1's in
    # slot 2 (cost 101); the optimum runs them in slots 0 and 1 (cost 3).
    s = schedule_deferrable(_col([1.0, 1.0, 0.0]), np.array([2.0, 1.0, 100.0]), 1, 1.0, 1.0, final=True)
    assert s.done_mw[:, 0].tolist() == [1.0, 1.0, 0.0]


def test_energy_is_power_times_dt():
    s = schedule_deferrable(_col([4.0, 0.0]), np.array([1.0, 0.0]), 1, 8.0, 0.25)
    assert s.done_mw[:, 0].tolist() == [0.0, 4.0]  # 1 MWh at 4 MW in a quarter hour


def test_flat_signal_runs_work_on_arrival():
    a = _col([1.0, 3.0, 0.5, 2.0])
    s = schedule_deferrable(a, np.zeros(4), 3, 10.0, 1.0)
    np.testing.assert_array_equal(s.done_mw, a)


def test_work_due_after_the_window_is_carried_when_the_window_is_dear():
    # arrival in slot 3 due at 3 + 2 = slot 1 of the next window; slot 3 costs more than the window mean
    s = schedule_deferrable(_col([0.0, 0.0, 0.0, 2.0]), np.array([1.0, 1.0, 1.0, 5.0]), 2, 5.0, 1.0,
                            carry_cost=2.0)
    assert s.done_mw[:, 0].tolist() == [0.0, 0.0, 0.0, 0.0]
    assert s.state.backlog_mwh[:, 0].tolist() == [0.0, 2.0]  # due by slot 1 of the next window


def test_carry_over_across_windows_conserves_work_and_meets_deadlines():
    # 3 windows of 4 h, D = 6 h: work carried across two boundaries; realised globally by FIFO
    rng = np.random.default_rng(3)
    a = rng.uniform(0.0, 2.0, 12)
    c = rng.uniform(0.0, 10.0, 12)
    d = 6
    state, done = None, []
    for k in range(3):
        sl = slice(4 * k, 4 * k + 4)
        s = schedule_deferrable(_col(a[sl]), c[sl], d, 6.0, 1.0, state, carry_cost=c[sl].mean(), final=k == 2)
        done.append(s.done_mw[:, 0])
        state = s.state
        if k < 2:
            assert s.state.backlog_mwh.shape == (d, 1)
    done = np.concatenate(done)
    np.testing.assert_allclose(done.sum(), a.sum(), atol=1e-9)
    cum_done, cum_a = np.cumsum(done), np.cumsum(a)
    due = np.concatenate([np.zeros(d), cum_a[:-d]])  # work arrived by t − D is done by t
    assert np.all(cum_done >= due - 1e-9) and np.all(cum_done <= cum_a + 1e-9)
    assert state.total_mwh[0] == 0.0
    assert np.any(np.cumsum(done)[[3, 7]] < cum_a[[3, 7]] - 1e-6)  # something was carried over a boundary


def test_backlog_that_cannot_fit_is_forced_at_its_deadline():
    backlog = np.array([[5.0], [0.0]])  # 5 MWh due in slot 0, capacity 2 MW
    s = schedule_deferrable(_col([1.0, 1.0]), np.array([0.0, 0.0]), 2, 2.0, 1.0, DeferralState(backlog))
    assert s.done_mw[0, 0] == 5.0 and s.forced_mw[0, 0] == 3.0
    np.testing.assert_allclose(s.done_mw.sum() + s.state.total_mwh.sum(), 7.0)


def test_per_member_signal_equals_members_scheduled_one_by_one():
    rng = np.random.default_rng(5)
    a = rng.uniform(0, 3, (6, 4))
    c = rng.uniform(0, 1, (6, 4))
    cap = rng.uniform(3, 5, 4)
    both = schedule_deferrable(a, c, 3, cap, 1.0, carry_cost=c.mean(axis=0))
    for m in range(4):
        one = schedule_deferrable(a[:, m:m + 1], c[:, m], 3, cap[m:m + 1], 1.0, carry_cost=c[:, m].mean())
        np.testing.assert_allclose(both.done_mw[:, m], one.done_mw[:, 0], atol=1e-12)
        np.testing.assert_allclose(both.state.backlog_mwh[:, m], one.state.backlog_mwh[:, 0], atol=1e-12)


@settings(max_examples=80, deadline=None)
@given(st.integers(1, 8), st.integers(0, 9), st.booleans(), st.integers(0, 2**31 - 1))
def test_schedule_is_optimal_and_feasible_like_the_highs_transport_lp(w, d, final, seed):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 5, w) * (rng.uniform(size=w) < 0.8)
    backlog = rng.uniform(0, 3, max(d, 1)) * (rng.uniform(size=max(d, 1)) < 0.5) * (d > 0)
    u = a + rng.uniform(0, 6, w)
    c = rng.integers(0, 5, w).astype(float)
    carry = float(rng.uniform(0, 5))
    s = schedule_deferrable(_col(a), c, d, _col(u), 1.0, DeferralState(backlog[:, None]), carry_cost=carry,
                            final=final)
    x, carried = s.done_mw[:, 0], s.state.total_mwh[0]
    _assert_deadlines_met(a, backlog, d, x, s.state, final)
    ref = _transport_lp(a, c, d, u, backlog, carry, final)
    if ref.status == 0:  # capacity suffices: no forcing, within capacity, and the LP's optimum
        assert s.forced_mw.max() <= 1e-9
        assert np.all(x <= u + 1e-9)
        np.testing.assert_allclose(c @ x + (0.0 if final else carry * carried), ref.fun, rtol=1e-7, atol=1e-7)
    else:  # infeasible within capacity: deadlines still met, by forcing
        assert s.forced_mw.max() > 0.0
