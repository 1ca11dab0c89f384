"""The migration planner (agents.strategies.migration): hand-worked days of the LP."""

import numpy as np
import pytest

from agents.strategies.migration import MigrationSpec, migration_signal, plan_migration, share_out

BATCH, INTERACTIVE = 1, 0


def _plan(signal, pue=None, mig=None, head=None, links=((0, 1, 10.0, 0.0, "batch"),), min_saving_pu=0.0):
    signal = np.asarray(signal, dtype=float)
    w, n = signal.shape
    pue = np.ones((w, n)) if pue is None else np.asarray(pue, dtype=float)
    if mig is None:
        mig = np.zeros((w, n, 2))
        mig[:, 0, BATCH] = 8.0
    head = np.full((w, n), 100.0) if head is None else np.asarray(head, dtype=float)
    src, dst, cap, loss, cls = zip(*links, strict=True)
    plan = plan_migration(signal, pue, mig, head, src, dst, cap, loss, cls, min_saving_pu)
    lp = plan_migration(signal, pue, mig, head, src, dst, cap, loss, cls, min_saving_pu, method="lp")
    np.testing.assert_allclose(plan.moved_mw, lp.moved_mw, atol=1e-9)  # the greedy rule of a star = HiGHS
    return plan


def test_work_moves_only_in_steps_where_the_destination_is_cheaper():
    # step 0: east 0.8, west 0.3 → move all 8 MW; step 1: west dearer → nothing
    plan = _plan([[0.8, 0.3], [0.3, 0.8]])
    assert plan.moved_mw[:, 0, BATCH].tolist() == pytest.approx([8.0, 0.0])
    assert plan.out_mw[:, 0, BATCH].tolist() == pytest.approx([8.0, 0.0])
    assert plan.in_mw[:, 1].tolist() == pytest.approx([8.0, 0.0])


def test_link_capacity_and_destination_headroom_with_losses_bind():
    # link 5 MW: moves 5; then headroom 4.2 MW at the destination with 5 % loss: x (1.05) ≤ 4.2 → x = 4
    plan = _plan([[1.0, 0.1]], links=((0, 1, 5.0, 0.05, "batch"),))
    assert plan.moved_mw[0, 0, BATCH] == pytest.approx(5.0)
    assert plan.arrived_mw[0, 0, BATCH] == pytest.approx(5.25)
    plan = _plan([[1.0, 0.1]], head=[[100.0, 4.2]], links=((0, 1, 5.0, 0.05, "batch"),))
    assert plan.moved_mw[0, 0, BATCH] == pytest.approx(4.0) and plan.in_mw[0, 1] == pytest.approx(4.2)


def test_pue_and_loss_enter_the_saving_and_the_threshold_holds_work_back():
    # cost per MW IT: east 0.5 × 1.4 = 0.70, west 0.5 × 1.1 × 1.02 = 0.561 → saving 0.139 = 19.9 % of 0.70
    pue = [[1.4, 1.1]]
    plan = _plan([[0.5, 0.5]], pue=pue, links=((0, 1, 10.0, 0.02, "batch"),))
    assert plan.saving_per_mw[0, 0] == pytest.approx(0.70 - 0.561)
    assert plan.moved_mw.sum() == pytest.approx(8.0)
    assert _plan([[0.5, 0.5]], pue=pue, links=((0, 1, 10.0, 0.02, "batch"),), min_saving_pu=0.25).moved_mw.sum() == 0


def test_latency_class_batch_links_carry_no_interactive_work():
    mig = np.zeros((1, 2, 2))
    mig[0, 0] = (6.0, 3.0)  # 6 MW interactive, 3 MW batch migratable in the east
    batch = _plan([[1.0, 0.1]], mig=mig)
    assert batch.moved_mw[0, 0].tolist() == pytest.approx([0.0, 3.0])
    interactive = _plan([[1.0, 0.1]], mig=mig, links=((0, 1, 20.0, 0.0, "interactive"),))
    assert interactive.moved_mw[0, 0].tolist() == pytest.approx([6.0, 3.0])


def test_the_best_destination_is_filled_first_then_the_next():
    # east → west (0.2) and east → north (0.5), 8 MW to move, west can take 5
    plan = _plan([[1.0, 0.2, 0.5]], head=[[0.0, 5.0, 100.0]],
                 links=((0, 1, 10.0, 0.0, "batch"), (0, 2, 10.0, 0.0, "batch")))
    assert plan.moved_mw[0, :, BATCH].tolist() == pytest.approx([5.0, 3.0])


def test_signals_of_each_strategy():
    p, avg, marg = np.array([[400.0, 300.0]]), np.array([[0.5, 0.7]]), np.array([[0.8, 0.6]])
    kw = {"price_cny_per_mwh": p, "carbon_avg_kgco2_per_kwh": avg, "carbon_marginal_kgco2_per_kwh": marg}
    assert migration_signal(MigrationSpec(), **kw) is None
    assert migration_signal(MigrationSpec(kind="price"), **kw).tolist() == [[400.0, 300.0]]
    assert migration_signal(MigrationSpec(kind="carbon", carbon_signal="marginal"), **kw).tolist() == [[0.8, 0.6]]
    both = migration_signal(MigrationSpec(kind="cost_and_carbon", carbon_price_cny_per_t=100.0), **kw)
    assert both[0].tolist() == pytest.approx([450.0, 370.0])


def test_share_out_is_pro_rata_and_never_above_a_site():
    out = share_out(np.array([3.0, 10.0]), np.array([[1.0, 2.0], [1.0, 2.0]]))
    np.testing.assert_allclose(out, [[1.0, 2.0], [1.0, 2.0]])


@pytest.mark.parametrize("seed", range(6))
def test_the_greedy_rule_of_a_star_is_as_good_as_the_lp(seed):
    rng = np.random.default_rng(seed)
    w, n = 24, 4
    signal, pue = rng.uniform(0.2, 1.0, (w, n)), rng.uniform(1.05, 1.5, (w, n))
    mig, head = rng.uniform(0.0, 30.0, (w, n, 2)), rng.uniform(0.0, 20.0, (w, n))
    cls = ("batch", "interactive")[seed % 2]
    args = (signal, pue, mig, head, (0, 0, 0), (1, 2, 3), rng.uniform(5.0, 25.0, 3), rng.uniform(0.0, 0.05, 3),
            (cls,) * 3, 0.05)
    greedy, lp = plan_migration(*args), plan_migration(*args, method="lp")

    def value(p):
        return float((p.moved_mw.sum(axis=2) * p.saving_per_mw).sum())

    assert greedy.moved_mw.sum() > 0.0
    assert value(greedy) == pytest.approx(value(lp), rel=1e-7, abs=1e-7)
    np.testing.assert_allclose(greedy.moved_mw.sum(axis=2), lp.moved_mw.sum(axis=2), atol=1e-6)
    # feasible: within the work of the classes the links carry, the headroom with losses and the capacities
    carried = [c for c, name in enumerate(("interactive", "batch")) if cls == "interactive" or name == "batch"]
    assert np.all(greedy.moved_mw.sum(axis=(1, 2)) <= mig[:, 0, carried].sum(axis=1) + 1e-9)
    assert np.all(greedy.in_mw[:, 1:] <= head[:, 1:] + 1e-9)
    if cls == "batch":
        assert greedy.moved_mw[:, :, 0].sum() == 0.0
