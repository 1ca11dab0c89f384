"""The phase loop: pure region accounts, published signals only, strategies per actor, activated Mesa agents."""

import numpy as np
import pytest

from agents import RegionModel, ScenarioValidationError, validate_scenario
from agents.accounting import region_accounts

from .helpers import tiny_doc, variant


def _with_storage(**strategy) -> dict:
    doc = tiny_doc()
    doc["actors"].append({"type": "storage", "id": "bess", "name": "Grid battery", "lat": 40.8, "lon": 111.7,
                          "battery": {"energy_capacity_mwh": 40.0, "power_capacity_mw": 10.0, "strategy": "tou"},
                          **({"strategy": strategy} if strategy else {})})
    return doc


def _accounts_over(m, start: int, stop: int, pool):
    """region_accounts of the model's recorded arrays over [start, stop), called directly."""
    sl = slice(start, stop)
    mk, st, dcs, heat, imp = m.scenario.markets, m.storage, m.dcs, m.heat, m.imports
    prices = m._settlement(start, stop)
    acc = prices.accepted
    return region_accounts(
        dt_h=m.dt_h, carbon_price_cny_per_t=mk.carbon_price_cny_per_t,
        export_price_cny_per_mwh=mk.exports.price_cny_per_mwh,
        value_of_lost_load_cny_per_mwh=mk.value_of_lost_load_cny_per_mwh,
        accepted_total_mw=m.accepted_mw[sl].sum(axis=1), renewable_accepted_mw=acc("res"),
        dc_pv_accepted_mw=acc("dcpv"), chp_accepted_mw=acc("chp"), import_accepted_mw=acc("import"),
        import_income_cny_per_h=prices.income("import"), import_renewable_share_pu=imp.renewable_share_pu,
        import_co2_t_per_mwh=imp.co2_t_per_mwh, export_mw=m.r["export_mw"][sl], unserved_mw=m.r["unserved_mw"][sl],
        storage_discharge_mw=m.r["storage_discharge_mw"][sl], renewable_available_mw=m.renewables.available_mw[sl],
        dc_pv_available_mw=dcs.pv_available_mw[sl], backup_mw=dcs.backup_mw[sl],
        backup_co2_t_per_mwh=dcs.backup_co2_t_per_mwh, backup_fuel_cny_per_mwh=dcs.backup_fuel_cny_per_mwh,
        plant_co2_t=m.plants.co2_t[sl], plant_cost_cny=m.plants.cost_cny[sl], chp_power_co2_t=heat.chp_co2_power_t[sl],
        heat_co2_t=heat.co2_t[sl], heat_production_cost_cny=heat.production_cost_cny[sl],
        chp_total_mw=heat.chp_total_mw[sl], storage_power_mw=st.power[sl], eta_charge=st.eta_c,
        eta_discharge=st.eta_d,
        storage_soc_before_mwh=np.concatenate([[st.soc_initial_mwh.sum() if start == 0 else st.soc[start - 1].sum()],
                                               st.soc[start:stop - 1].sum(axis=1)]),
        pool_renewable_pu=pool[0], pool_co2_t_per_mwh=pool[1],
        grid_revenue_cny=m.grid.revenue_cny[sl, 0], grid_cost_cny=m.grid.cost_cny[sl, 0])


def test_region_accounts_is_a_pure_function_of_the_recorded_arrays():
    """Settled in windows of 7 steps during the run, the region series equal one call over the horizon."""
    m = RegionModel(validate_scenario(_with_storage()))
    while m.running:
        m.run(steps=7)
        m.settle()
    series, pool = _accounts_over(m, 0, m.total_steps, [0.0, 0.0])
    assert set(series) <= set(m.r)
    for name, values in series.items():
        assert np.allclose(values, m.r[name], rtol=1e-12, atol=1e-9), name
    assert np.allclose(pool, m._pool)
    # hand identities of the accounts: CO2 = electricity CO2 + heat CO2; carbon cost = price × CO2
    el_co2 = (m.plants.co2_t.sum(1) + m.accepted_mw[:, m._blocks["import"]] @ m.imports.co2_t_per_mwh * m.dt_h
              + (m.dcs.backup_mw * m.dcs.backup_co2_t_per_mwh).sum(1) * m.dt_h + m.heat.chp_co2_power_t.sum(1))
    assert np.allclose(series["co2_t"], el_co2 + m.heat.co2_t.sum(1))
    assert np.allclose(series["carbon_cost_cny"], m.scenario.markets.carbon_price_cny_per_t * series["co2_t"])


def test_signals_views_end_where_publication_has_reached():
    m = RegionModel(validate_scenario(variant(**{"horizon.steps": 96})))
    m.run(steps=30)  # 24 steps a day: at step 24 the forecast of day 2 (steps 48–71) was published
    s = m.signals
    assert s.t == 29 and not s.new_day
    assert s.day_ahead("price_cny_per_mwh").shape == (72,)
    assert s.day_ahead_window("price_cny_per_mwh").shape == (24,)
    assert np.array_equal(s.day_ahead_window("price_cny_per_mwh", 1), s.day_ahead("price_cny_per_mwh")[48:72])
    assert s.real_time("price_cny_per_mwh").shape == (29,)
    assert np.array_equal(s.real_time("price_cny_per_mwh"), m.r["wholesale_price_cny_per_mwh"][:29])
    with pytest.raises(ValueError):
        s.real_time("price_cny_per_mwh")[0] = 1.0  # read-only
    m2 = RegionModel(validate_scenario(variant(**{"horizon.steps": 96})))
    m2.run(steps=5)
    assert m2.signals.day_ahead("price_cny_per_mwh").shape == (48,)  # day 0 and day 1 at step 0
    # the forecast is the operator's merit-order forecast; the marginal emissions the marginal offer's factor
    assert np.all(np.isfinite(s.day_ahead("carbon_intensity_kgco2_per_kwh")))
    mco2 = s.real_time("marginal_co2_kgco2_per_kwh")
    allowed = set(np.round(m.book.co2_t_per_mwh, 12).tolist()) | {0.0}
    assert set(np.round(mco2, 12).tolist()) <= allowed
    coal = m.plants.co2[0]
    on_coal = m.accepted_mw[:29, m._blocks["flex"]][:, 0] > 1e-6
    assert np.all(mco2[on_coal & (m.accepted_mw[:29, m._blocks["import"]].sum(1) < 1e-9)] == coal)


def _same(x, y) -> bool:
    try:
        np.testing.assert_equal(x, y)  # NaN (nothing published yet) equals NaN
    except AssertionError:
        return False
    return True


def _observations(m, steps):
    seen = []
    for _ in range(steps):
        m.step()
        seen.append([a.last_observation for a in m.agents])
    return seen


def test_changing_the_future_leaves_observations_and_decisions_unchanged():
    tiny_scenario = validate_scenario(variant(**{"horizon.steps": 72}))
    a = RegionModel(tiny_scenario)
    b = RegionModel(tiny_scenario)
    for name in b.signals._day_ahead:  # the forecast of day 2 (steps 48 …) is garbled: not published by step 23
        b.signals._day_ahead[name][48:] = np.nan
    seen_a, seen_b = _observations(a, 24), _observations(b, 24)
    assert _same(seen_a, seen_b)
    assert np.array_equal(a.accepted_mw[:24], b.accepted_mw[:24])
    assert np.array_equal(a.r["wholesale_price_cny_per_mwh"][:24], b.r["wholesale_price_cny_per_mwh"][:24])
    # the test can fail: garbling what is published today changes what is observed
    c = RegionModel(tiny_scenario)
    c.signals._day_ahead["price_cny_per_mwh"][:24] += 1.0
    assert not _same(_observations(c, 24), seen_a)


def test_mesa_agents_hold_their_changing_decision_state():
    m = RegionModel(validate_scenario(_with_storage()))
    assert all(a.last_decision == {} for a in m.agents)
    m.run(steps=8)
    early = {a.actor_id: a.last_decision for a in m.agents}
    m.run(steps=12)  # step 19: evening peak (TOU discharge), other load and wind differ from 07:00
    late = {a.actor_id: a.last_decision for a in m.agents}
    assert {a.kind for a in m.agents} == {"grid_operator", "data_center", "heat_utility", "power_plant",
                                         "renewable_plant", "storage"}
    for actor_id in early:
        assert early[actor_id]["step"] == 7 and late[actor_id]["step"] == 19
        decided = {k: v for k, v in late[actor_id].items() if k != "step"}
        assert decided, actor_id
        assert any(early[actor_id][k] != v for k, v in decided.items()), actor_id
    assert late["bess"]["battery_mw"] == m.storage.power[19, 0]
    assert late["grid"]["wholesale_price_cny_per_mwh"] == m.r["wholesale_price_cny_per_mwh"][19]
    obs = m.agents.select(lambda a: a.actor_id == "dc_hohhot")[0].last_observation
    assert obs["step"] == 19 and obs["real_time.price_cny_per_mwh"] == m.r["wholesale_price_cny_per_mwh"][18]


def test_storage_strategy_kind_overrides_the_battery_rule():
    by_strategy = RegionModel(validate_scenario(_with_storage(kind="net_load")))
    by_battery = _with_storage()
    by_battery["actors"][-1]["battery"]["strategy"] = "net_load"
    by_battery = RegionModel(validate_scenario(by_battery))
    default = RegionModel(validate_scenario(_with_storage()))
    for m in (by_strategy, by_battery, default):
        m.run()
    assert by_strategy.agents.select(lambda a: a.actor_id == "bess")[0].strategy.kind == "net_load"
    assert np.array_equal(by_strategy.storage.power, by_battery.storage.power)
    assert not np.array_equal(by_strategy.storage.power, default.storage.power)
    assert list(by_strategy.storage.rule_groups) == ["net_load", "tou"]  # the DC battery keeps tou


def test_strategy_fields_are_validated_per_actor_type():
    with pytest.raises(ScenarioValidationError) as info:
        validate_scenario(_with_storage(kind="arbitrage_magic"))
    locs = [e["loc"] for e in info.value.errors]
    assert any(loc.startswith("actors.5.strategy") for loc in locs), locs
    doc = tiny_doc()
    doc["actors"][1]["strategy"] = {"kind": "tou"}  # a battery rule is not a data-center strategy
    with pytest.raises(ScenarioValidationError):
        validate_scenario(doc)
    doc["actors"][1]["strategy"] = {"kind": "none", "threshold": 1}
    with pytest.raises(ScenarioValidationError):
        validate_scenario(doc)


def _arbitrage_doc(steps: int = 72) -> dict:
    doc = _with_storage(kind="arbitrage")
    doc["horizon"]["steps"] = steps
    doc["actors"][3]["capacity_mw"] = 90.0  # imports become marginal in the evening: the forecast price varies
    return doc


def test_storage_bids_its_own_schedule_from_the_published_forecast():
    m = RegionModel(validate_scenario(_arbitrage_doc()))
    m.run()
    st = m.storage
    assert st.scheduled and st.scheduled[0][1].tolist() == [0]
    assert np.abs(st.power[:, 0]).max() > 1.0  # it trades
    assert (st.planned_revenue_cny[:, 0] >= -1e-6).all()  # arbitrage earns ≥ 0 against the published prices
    tou_doc = _arbitrage_doc()
    tou_doc["actors"][-1].pop("strategy")
    tou = RegionModel(validate_scenario(tou_doc))
    tou.run()
    assert not np.array_equal(st.power[:, 0], tou.storage.power[:, 0])
    # no future: garbling the forecast of day 2 (published at step 24) leaves days 0 and 1 unchanged
    g = RegionModel(validate_scenario(_arbitrage_doc()))
    g.signals._day_ahead["price_cny_per_mwh"][48:] += 40.0 * np.arange(24) % 200.0  # a price spread
    g.run()
    assert np.array_equal(g.storage.power[:48], st.power[:48])
    assert not np.array_equal(g.storage.power[48:, 0], st.power[48:, 0])


def test_storage_schedule_survives_a_checkpoint_inside_a_day():
    from agents import checkpoint_dumps, checkpoint_loads

    scenario = validate_scenario(_arbitrage_doc())
    whole = RegionModel(scenario)
    whole.run()
    part = RegionModel(scenario)
    part.run(steps=31)
    resumed = checkpoint_loads(scenario, checkpoint_dumps(part))
    resumed.run()
    assert np.array_equal(resumed.storage.power, whole.storage.power)
    assert resumed.kpis() == whole.kpis()
