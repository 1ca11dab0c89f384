"""Backup generators: contingency and DR dispatch, start-up delay, minimum run time, fuel and CO2 by hand."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from agents.strategies.backup import (
    BackupGeneratorSpec,
    BackupStrategySpec,
    backup_accounting,
    contingency_dispatch,
    dr_dispatch,
    dr_offer,
    run_backup_mw,
)


def _outage(steps, on, m=1):
    mask = np.zeros((steps, m), dtype=bool)
    mask[on] = True
    return mask


def test_defaults_per_technology_are_in_the_sourced_ranges():
    diesel = BackupGeneratorSpec(technology="diesel", capacity_mw=2.0)
    gas = BackupGeneratorSpec(technology="gas_engine", capacity_mw=2.0)
    fc = BackupGeneratorSpec(technology="h2_fuel_cell", capacity_mw=2.0)
    assert 0.7 <= diesel.co2_t_per_mwh <= 0.8 and 0.45 <= gas.co2_t_per_mwh <= 0.55 and fc.co2_t_per_mwh == 0.0
    assert diesel.start_up_time_s == 10.0  # NFPA 110 Type 10
    # IPCC 2006 Table 2.2: 74.1 tCO2/TJ diesel at 35 % electrical efficiency
    assert diesel.co2_t_per_mwh == pytest.approx(74.1 * 3.6e-3 / 0.35, abs=0.005)
    own = BackupGeneratorSpec(technology="diesel", capacity_mw=2.0, fuel_cost_cny_per_mwh=1800.0, co2_t_per_mwh=None)
    assert own.fuel_cost_cny_per_mwh == 1800.0 and own.co2_t_per_mwh == diesel.co2_t_per_mwh
    with pytest.raises(ValidationError):
        BackupGeneratorSpec(technology="steam", capacity_mw=1.0)
    with pytest.raises(ValidationError):
        BackupGeneratorSpec(technology="diesel", capacity_mw=-1.0)
    with pytest.raises(ValidationError):
        BackupGeneratorSpec(technology="diesel", capacity_mw=1.0, colour="red")
    for model in (BackupGeneratorSpec, BackupStrategySpec):
        assert all(f.description for f in model.model_fields.values()), model


def test_contingency_covers_load_after_the_start_up_delay_by_hand():
    diesel = BackupGeneratorSpec(technology="diesel", capacity_mw=2.0)  # 10 s start, 0.5 h min run
    load = np.full((8, 1), 1.5)
    out = contingency_dispatch([diesel], _outage(8, slice(2, 5)), load, 1.0)
    expected = np.zeros(8)
    expected[2] = 1.5 * (1.0 - 10.0 / 3600.0)
    expected[3:5] = 1.5
    np.testing.assert_allclose(out.output_mw[:, 0], expected)
    np.testing.assert_allclose(out.unserved_mw[2, 0], 1.5 * 10.0 / 3600.0)  # the UPS bridges 10 s
    assert out.unserved_mw[3:, 0].sum() == 0 and out.starts[0] == 1
    assert out.running[:, 0].tolist() == [False, False, True, True, True, False, False, False]


def test_capacity_limits_output_and_leaves_the_rest_unserved():
    gen = BackupGeneratorSpec(technology="diesel", capacity_mw=2.0, start_up_time_s=0.0)
    out = contingency_dispatch([gen], _outage(3, slice(0, 3)), np.full((3, 1), 3.0), 1.0)
    np.testing.assert_allclose(out.output_mw[:, 0], 2.0)
    np.testing.assert_allclose(out.unserved_mw[:, 0], 1.0)


def test_minimum_run_time_keeps_it_on_after_a_short_outage():
    gas = BackupGeneratorSpec(technology="gas_engine", capacity_mw=5.0)  # 60 s start, 1 h min run
    out = contingency_dispatch([gas], _outage(8, slice(1, 2)), np.full((8, 1), 4.0), 0.25)
    assert out.running[:, 0].tolist() == [False, True, True, True, True, False, False, False]
    assert out.output_mw[1, 0] == pytest.approx(4.0 * (0.25 - 60 / 3600) / 0.25)
    np.testing.assert_allclose(out.output_mw[2:5, 0], 4.0)
    assert out.unserved_mw[2:, 0].sum() == 0  # after the outage the grid serves the rest


def test_start_up_longer_than_a_step_and_restarts_are_counted():
    out = run_backup_mw(_outage(10, slice(0, 4)) | _outage(10, slice(7, 9)), np.ones((10, 1)), 30 / 3600, [1.0],
                        [60.0], [0.0])
    np.testing.assert_allclose(out.output_mw[:4, 0], [0.0, 0.0, 1.0, 1.0])
    np.testing.assert_allclose(out.output_mw[7:9, 0], [0.0, 0.0])
    assert out.starts[0] == 2


def test_dr_runs_only_generators_whose_fuel_cost_the_event_price_covers():
    specs = [BackupGeneratorSpec(technology="gas_engine", capacity_mw=3.0),
             BackupGeneratorSpec(technology="diesel", capacity_mw=3.0),
             BackupGeneratorSpec(technology="h2_fuel_cell", capacity_mw=3.0)]
    dr = BackupStrategySpec(kind="contingency_and_dr", dr_margin_cny_per_mwh=100.0)
    qty, price = dr_offer(specs, dr)
    np.testing.assert_allclose(qty, 3.0)
    np.testing.assert_allclose(price, [1060.0, 2240.0, 2200.0])
    event = np.zeros(24, dtype=bool)
    event[17:20] = True
    load = np.full((24, 3), 2.0)
    out = dr_dispatch(specs, dr, event, 1500.0, load, 1.0)
    np.testing.assert_allclose(out.output_mw[17:20, 0], 2.0)  # notified an hour ahead: no delay; no export
    assert out.output_mw[:, 1:].sum() == 0 and out.output_mw[:17].sum() == 0
    high = dr_dispatch(specs, dr, event, 2500.0, load, 1.0)
    assert high.output_mw[17:20].sum() == pytest.approx(3 * 3 * 2.0)
    none = dr_dispatch(specs, BackupStrategySpec(kind="contingency"), event, 5000.0, load, 1.0)
    assert none.output_mw.sum() == 0
    late = dr_dispatch(specs[:1], BackupStrategySpec(kind="contingency_and_dr", dr_notice_s=0.0), event, 1500.0,
                       load[:, :1], 1.0)
    assert late.output_mw[17, 0] == pytest.approx(2.0 * (1 - 60 / 3600))


def test_fuel_cost_and_emissions_accounting_by_hand():
    specs = [BackupGeneratorSpec(technology="diesel", capacity_mw=1.0),
             BackupGeneratorSpec(technology="h2_fuel_cell", capacity_mw=1.0, fuel_cost_cny_per_mwh=2500.0)]
    out = np.zeros((6, 2))
    out[:2] = 1.0  # both 1 MW for 2 h at dt = 1 h
    acc = backup_accounting(specs, out, 1.0)
    np.testing.assert_allclose(acc["energy_mwh"], [2.0, 2.0])
    np.testing.assert_allclose(acc["fuel_cost_cny"], [2 * 2140.0, 2 * 2500.0])
    np.testing.assert_allclose(acc["co2_t"], [2 * 0.76, 0.0])
    half = backup_accounting(specs, np.repeat(out, 2, axis=0), 0.5)  # same energy at half-hour steps
    np.testing.assert_allclose(half["energy_mwh"], acc["energy_mwh"])


def test_one_step_machine_and_start_lag_match_the_horizon_dispatch_by_hand():
    from agents.strategies.backup import SiteBackupSpec, legacy_backup, start_lag_pu, step_running

    # 60 s delay at 15-min steps: 1/15 of the first step; a 30-min delay at 15-min steps: two full steps
    np.testing.assert_allclose(start_lag_pu([0.0, 0.25, 0.0, 0.25, 0.5], 0.25, [60.0, 60.0, 1800.0, 1800.0, 1800.0]),
                               [60 / 900, 0.0, 1.0, 1.0, 0.0])
    # stepping the machine (step_running + start_lag_pu) gives run_backup_mw's output and starts
    req = _outage(10, slice(1, 2)) | _outage(10, slice(6, 8))
    load = np.full((10, 1), 3.0)
    ref = run_backup_mw(req, load, 0.25, [5.0], [600.0], [1.0])
    on, tau, starts, out = np.zeros(1, bool), np.zeros(1), 0, []
    for t in range(10):
        on, started = step_running(on, tau, req[t], [1.0])
        tau = np.where(started, 0.0, tau)
        out.append(float(np.where(on, 3.0 * (1.0 - start_lag_pu(tau, 0.25, [600.0])), 0.0)[0]))
        starts += int(started[0])
        tau = np.where(on, tau + 0.25, 0.0)
    np.testing.assert_allclose(out, ref.output_mw[:, 0], rtol=1e-12)
    assert starts == ref.starts[0] == 2
    # the legacy scalar fields: a diesel that starts at once, no minimum run, contingency only
    old = legacy_backup(20.0, 2000.0, 0.7)
    assert isinstance(old, SiteBackupSpec) and old.start_up_time_s == 0.0 and old.min_run_time_h == 0.0
    assert (old.fuel_cost_cny_per_mwh, old.co2_t_per_mwh, old.strategy.kind) == (2000.0, 0.7, "contingency")
    assert legacy_backup(0.0, 2000.0, 0.7) is None
    assert all(f.description for f in SiteBackupSpec.model_fields.values())
