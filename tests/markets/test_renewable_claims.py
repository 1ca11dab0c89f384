"""Owned-renewable attribution of a data center (ISO/IEC 30134-3): hand-worked cases and REF ≤ 1 always."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from agents.markets.renewable_claims import (
    certificate_renewable_mwh,
    contracted_renewable_mw,
    owned_renewable_used_mw,
)


def _one(load, gen, battery, eta=1.0, soc0=0.0, dt=1.0):
    """Column vectors for one DC; battery grid-side power (+charge / −discharge), pool from a lossless SOC walk."""
    load, gen, battery = (np.asarray(x, dtype=float)[:, None] for x in (load, gen, battery))
    charge, discharge = np.maximum(battery, 0.0), np.maximum(-battery, 0.0)
    charged, discharged = charge * eta * dt, discharge / eta * dt
    soc = soc0 + np.cumsum(charged - discharged, axis=0)
    before = np.vstack([[[soc0]], soc[:-1]])
    return owned_renewable_used_mw(load, gen, charge, discharge, charged, discharged, before)


def test_owned_generation_covers_the_load_first_and_the_surplus_is_not_claimed():
    r = _one(load=[10.0, 10.0], gen=[4.0, 25.0], battery=[0.0, 0.0])
    np.testing.assert_allclose(r.used_mw[:, 0], [4.0, 10.0])  # 15 MW of surplus in step 2 is not the DC's use


def test_battery_charged_from_owned_surplus_returns_renewable_energy_at_night():
    # day: 30 MW PV, 10 MW load, 20 MW surplus charges the battery; night: the battery discharges 8 MW to the DC
    r = _one(load=[10.0, 10.0], gen=[30.0, 0.0], battery=[20.0, -8.0])
    np.testing.assert_allclose(r.direct_mw[:, 0], [10.0, 0.0])
    np.testing.assert_allclose(r.from_storage_mw[:, 0], [0.0, 8.0])


def test_battery_charged_half_from_the_grid_returns_half_renewable_energy():
    # 10 MW charge of which 5 MW is owned surplus → pool renewable fraction 0.5
    r = _one(load=[10.0, 10.0], gen=[15.0, 0.0], battery=[10.0, -6.0])
    assert r.from_storage_mw[1, 0] == pytest.approx(3.0)


def test_initial_state_of_charge_is_not_renewable():
    r = _one(load=[5.0], gen=[0.0], battery=[-5.0], soc0=10.0)
    assert r.used_mw[0, 0] == 0.0


def test_discharge_beyond_the_dc_need_serves_others_and_is_not_claimed():
    r = _one(load=[10.0, 4.0], gen=[30.0, 0.0], battery=[20.0, -10.0])
    assert r.from_storage_mw[1, 0] == pytest.approx(4.0)


@settings(max_examples=60, deadline=None)
@given(arrays(np.float64, (24, 3), elements=st.floats(0, 50)), arrays(np.float64, (24, 3), elements=st.floats(0, 80)),
       arrays(np.float64, (24, 3), elements=st.floats(-20, 20)))
def test_owned_renewable_use_never_exceeds_the_load(load, gen, battery):
    charge, discharge = np.maximum(battery, 0.0), np.maximum(-battery, 0.0)
    pool = np.full_like(load, 100.0)
    r = owned_renewable_used_mw(load, gen, charge, discharge, charge * 0.95, discharge / 0.95, pool)
    assert np.all(r.used_mw <= load + 1e-9) and np.all(r.used_mw >= 0.0)


def test_contract_hooks_return_zeros_until_renewable_contract_types_exist():
    hourly = contracted_renewable_mw([], ["a", "b"], 10, 34)
    assert hourly.shape == (24, 2) and not hourly.any()
    certificates = certificate_renewable_mwh([], ["a", "b"], 0, 8760)
    assert certificates.shape == (2,) and not certificates.any()


def test_owned_renewable_attribution_continues_across_chunks():
    rng = np.random.default_rng(4)
    load, gen = rng.uniform(5, 15, (48, 2)), rng.uniform(0, 40, (48, 2))
    battery = rng.uniform(-10, 10, (48, 2))
    charge, discharge = np.maximum(battery, 0.0), np.maximum(-battery, 0.0)
    pool = rng.uniform(20, 60, (48, 2))
    args = (load, gen, charge, discharge, charge * 0.9, discharge / 0.9, pool)
    whole = owned_renewable_used_mw(*args)
    first = owned_renewable_used_mw(*(x[:20] for x in args))
    second = owned_renewable_used_mw(*(x[20:] for x in args), first.pool_renewable_pu)
    np.testing.assert_allclose(np.vstack([first.used_mw, second.used_mw]), whole.used_mw)
